//! Cost of canonical hashing against plain `serde_json::to_vec` + SHA-256, in the same run.
//!
//! `cargo bench -p handshake-canonical`. Two values: a ContextSnapshot as §2.6.6.7.3 defines it
//! (about 2 KB of canonical JSON) and the blocks of a WorkingContext with 24 retrieved snippets
//! (about 30 KB). The baseline serialises the same `Value` without sorting, NFC, the timestamp
//! rule or fixed floats, so the difference is the price of canonicalisation.

use divan::counter::BytesCount;
use divan::{Bencher, black_box};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

fn main() {
    divan::main();
}

fn source_ref(index: usize) -> Value {
    json!({
        "kind": "artifact",
        "id": format!("artifact-{index:04}"),
        "hash": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "selector": format!("lines:{}-{}", index * 10, index * 10 + 9),
        "created_at": "2026-03-04T10:11:12.123456+01:00",
        "classification": "medium"
    })
}

fn artifact_handle(index: usize) -> Value {
    json!({
        "artifact_id": format!("0193a2b4-5c6d-7e8f-9a0b-{index:012}"),
        "kind": "tool_output",
        "content_hash": "4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945",
        "size_bytes": 48_213 + index,
        "mime_type": "application/json",
        "exportable": true,
        "created_at": "2026-03-04T09:11:12.000000Z"
    })
}

fn context_snapshot() -> Value {
    json!({
        "context_snapshot_id": "0193a2b4-5c6d-7e8f-9a0b-1c2d3e4f5a6b",
        "job_id": "0193a2b4-0000-7000-8000-000000000001",
        "step_id": "step-3",
        "created_at": "2026-03-04T10:11:12.5+01:00",
        "determinism_mode": "replay",
        "model_tier": "local",
        "model_id": "llama-3.1-8b-instruct-q4",
        "policy_profile_id": "workspace-default",
        "calendar_scope_hint": {"active_event_id": "evt-9", "confidence": 0.875, "source": "calendar", "projection": "minimal", "trust_level": "medium"},
        "policy_precedence_source": "job_profile",
        "projection_mode": "minimal",
        "layer_scope": {"read": ["raw", "derived", "display"], "write": ["derived"]},
        "scope_inputs_hash": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "retrieval_candidates": {"ids_hash": "4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945", "count": 48},
        "selected_sources": {"ids_hash": "0664acdcc14267dfc4181faa21effde9d8693d50dd9010ace41c870444bd7861", "count": 12},
        "prompt_envelope_hashes": {
            "stable_prefix_hash": "b75e59fb91c0fdee23b62a750cd43328762086344516a8fa3e3506450287228f",
            "variable_suffix_hash": "397ee8be2272e78fd968b60c85719b816e6e2acd3ca99a2f6aa5bd0b7351d55b",
            "full_prompt_hash": "41af28ee5931f5baf46eeed766a9b1f5d5543b6ffd9a5a112033692555eb3dfa"
        },
        "artifact_handles": (0..6).map(artifact_handle).collect::<Vec<_>>(),
        "seed": 42,
        "warnings": ["retrieval: shadow_ws_vector timed out, retried with reduced scope", "Résumé section truncated at 2000 chars"],
        "local_only_payload_ref": artifact_handle(99)
    })
}

fn prompt_blocks() -> Value {
    let snippet = "Handshake compiles a small, relevant WorkingContext per model call from durable state \
                   (logs, memory, artifacts), keeping the system auditable — déjà vu is not a cache key. ";
    let blocks: Vec<Value> = (0..24)
        .map(|index| {
            json!({
                "kind": if index < 4 { "rules" } else { "retrieved_snippet" },
                "content": snippet.repeat(8),
                "source_refs": (0..3).map(|offset| source_ref(index * 3 + offset)).collect::<Vec<_>>(),
                "sensitivity": "low",
                "projection": "full",
                "order_key": format!("{:04}", 24 - index),
                "score": 0.5 + f64::from(u32::try_from(index).unwrap_or(0)) / 100.0
            })
        })
        .collect();
    Value::Array(blocks)
}

fn plain_hash(value: &Value) -> [u8; 32] {
    let bytes = serde_json::to_vec(value).unwrap_or_default();
    Sha256::digest(&bytes).into()
}

fn canonical_size(value: &Value) -> usize {
    handshake_canonical::canonical_json(value)
        .map(|text| text.len())
        .unwrap_or(0)
}

/// The two values measured; divan names each run after the variant.
#[derive(Clone, Copy, Debug)]
enum Input {
    ContextSnapshot,
    PromptBlocks,
}

/// Measure `hash` over `input`, counting the bytes of its canonical JSON, so every hash of one
/// value reports the same throughput base and the runs compare directly.
fn measure<R>(bencher: Bencher, input: Input, hash: fn(&Value) -> R) {
    let value = match input {
        Input::ContextSnapshot => context_snapshot(),
        Input::PromptBlocks => prompt_blocks(),
    };
    bencher
        .counter(BytesCount::new(canonical_size(&value)))
        .bench(|| hash(black_box(&value)));
}

#[divan::bench(args = [Input::ContextSnapshot, Input::PromptBlocks])]
fn canonical_hash(bencher: Bencher, input: Input) {
    measure(bencher, input, handshake_canonical::canonical_hash);
}

/// The baseline: `serde_json::to_vec` and SHA-256, no canonicalisation.
#[divan::bench(args = [Input::ContextSnapshot, Input::PromptBlocks])]
fn plain_to_vec_sha256(bencher: Bencher, input: Input) {
    measure(bencher, input, plain_hash);
}

/// Only the blocks are a prompt.
#[divan::bench(args = [Input::PromptBlocks])]
fn prompt_hash(bencher: Bencher, input: Input) {
    measure(bencher, input, handshake_canonical::prompt_hash);
}
