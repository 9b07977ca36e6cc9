//! The hashed objects of §2.6.6.7.5: scope_inputs_hash, ids_hash and the prompt hashes.
//!
//! Each helper fixes which bytes are hashed, so every producer of a ContextSnapshot computes the
//! same digest:
//!
//! * [`canonical_hash`]: SHA-256 of [`canonical_json`] of any value.
//! * [`ids_hash`]: the ids as a canonical JSON array of strings, **in the given order** (the spec
//!   hashes "ordered" candidate / selected source ids: the order is data, e.g. the rank order).
//!   `["a","b"]` hashes the bytes `["a","b"]`.
//! * [`scope_inputs_hash`]: canonical `ScopeInputs` (§2.6.6.7.0), with its two list fields
//!   `entity_refs` and `scope_hints` sorted by the canonical bytes of their elements first. They
//!   are sets (the scope is their union), so listing the same refs in another order must not
//!   change the hash; this is the spec's "deterministic array order (via stable sort)".
//!   Duplicates are kept; every other field keeps its order.
//! * [`prompt_hash`]: the blocks of one WorkingContext (§2.6.6.7.4) as a canonical JSON array,
//!   sorted by `order_key` (code point order of the NFC key); blocks with equal `order_key` are
//!   ordered by their canonical bytes, so the hash never depends on the order they arrive in.
//! * [`prompt_envelope_hashes`]: `stable_prefix_hash` and `variable_suffix_hash` are the
//!   [`prompt_hash`] of each part; `full_prompt_hash` hashes one array holding the sorted prefix
//!   blocks followed by the sorted suffix blocks, the prompt in the order the model reads it.

use serde_json::Value;

use crate::error::CanonicalError;
use crate::hash::Hash;
use crate::json::{CanonicalOptions, canonical_json, nfc, render_path, write_string_value};

/// SHA-256 over the UTF-8 bytes of [`canonical_json`] of `value`.
///
/// # Errors
/// As [`canonical_json`].
pub fn canonical_hash(value: &Value) -> Result<Hash, CanonicalError> {
    canonical_json(value).map(|text| Hash::of_bytes(text.as_bytes()))
}

/// The canonical form hashed by [`ids_hash`]: a JSON array of the NFC ids in the given order.
pub fn canonical_ids<S: AsRef<str>>(ids: &[S]) -> String {
    let mut out =
        String::with_capacity(2 + ids.iter().map(|id| id.as_ref().len() + 3).sum::<usize>());
    out.push('[');
    for (index, id) in ids.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        write_string_value(id.as_ref(), CanonicalOptions::default(), &mut out);
    }
    out.push(']');
    out
}

/// `ids_hash` of `retrieval_candidates` / `selected_sources` (§2.6.6.7.5): SHA-256 of
/// [`canonical_ids`]. Equal to [`canonical_hash`] of the same ids as a JSON array of strings.
pub fn ids_hash<S: AsRef<str>>(ids: &[S]) -> Hash {
    Hash::of_bytes(canonical_ids(ids).as_bytes())
}

/// The canonical form hashed by [`scope_inputs_hash`].
///
/// # Errors
/// [`CanonicalError::InvalidShape`] when `scope_inputs` is not an object or `entity_refs` /
/// `scope_hints` is present and not an array; otherwise as [`canonical_json`].
pub fn canonical_scope_inputs(scope_inputs: &Value) -> Result<String, CanonicalError> {
    let Value::Object(fields) = scope_inputs else {
        return Err(CanonicalError::InvalidShape {
            path: "$".to_owned(),
            reason: "ScopeInputs must be an object".to_owned(),
        });
    };
    let mut sorted = fields.clone();
    for list in ["entity_refs", "scope_hints"] {
        match sorted.get_mut(list) {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                let mut keyed = Vec::with_capacity(items.len());
                for item in items.drain(..) {
                    keyed.push((canonical_json(&item)?, item));
                }
                keyed.sort_by(|left, right| left.0.cmp(&right.0));
                items.extend(keyed.into_iter().map(|(_, item)| item));
            }
            Some(_) => {
                return Err(CanonicalError::InvalidShape {
                    path: render_path([(Some(list), 0)]),
                    reason: format!("ScopeInputs.{list} must be an array"),
                });
            }
        }
    }
    canonical_json(&Value::Object(sorted))
}

/// `scope_inputs_hash` (§2.6.6.7.0, §2.6.6.7.5): SHA-256 of [`canonical_scope_inputs`].
///
/// # Errors
/// As [`canonical_scope_inputs`].
pub fn scope_inputs_hash(scope_inputs: &Value) -> Result<Hash, CanonicalError> {
    canonical_scope_inputs(scope_inputs).map(|text| Hash::of_bytes(text.as_bytes()))
}

/// Canonicalises each block and returns them in prompt order.
fn sorted_blocks(blocks: &Value) -> Result<Vec<String>, CanonicalError> {
    let Value::Array(items) = blocks else {
        return Err(CanonicalError::InvalidShape {
            path: "$".to_owned(),
            reason: "prompt blocks must be an array of ContextBlock objects".to_owned(),
        });
    };
    let mut keyed = Vec::with_capacity(items.len());
    for (index, block) in items.iter().enumerate() {
        let order_key = match block.get("order_key") {
            // `get` finds a key only in an object, so an array or scalar block lands below.
            Some(Value::String(order_key)) => nfc(order_key).into_owned(),
            _ => {
                return Err(CanonicalError::InvalidShape {
                    path: render_path([(None, index)]),
                    reason: "a ContextBlock must be an object with a string order_key".to_owned(),
                });
            }
        };
        let text = canonical_json(block).map_err(|error| prefix_path(error, index))?;
        keyed.push((order_key, text));
    }
    keyed.sort();
    Ok(keyed.into_iter().map(|(_, text)| text).collect())
}

/// Re-roots an error found inside block `index` at `$[index]…`.
fn prefix_path(error: CanonicalError, index: usize) -> CanonicalError {
    let reroot = |path: String| format!("{}{}", render_path([(None, index)]), &path[1..]);
    match error {
        CanonicalError::DuplicateKey {
            path,
            first,
            second,
        } => CanonicalError::DuplicateKey {
            path: reroot(path),
            first,
            second,
        },
        CanonicalError::NonFiniteNumber { path, value } => CanonicalError::NonFiniteNumber {
            path: reroot(path),
            value,
        },
        CanonicalError::InvalidShape { path, reason } => CanonicalError::InvalidShape {
            path: reroot(path),
            reason,
        },
        other @ CanonicalError::InvalidTimestamp { .. } => other,
    }
}

fn join_array<'a>(parts: impl IntoIterator<Item = &'a String>) -> String {
    let mut out = String::from("[");
    for (index, part) in parts.into_iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        out.push_str(part);
    }
    out.push(']');
    out
}

/// The canonical form hashed by [`prompt_hash`]: the blocks sorted by `order_key`, as one array.
///
/// # Errors
/// [`CanonicalError::InvalidShape`] when `blocks` is not an array of objects that each have a
/// string `order_key`; otherwise as [`canonical_json`], with paths rooted at the array.
pub fn canonical_prompt_blocks(blocks: &Value) -> Result<String, CanonicalError> {
    sorted_blocks(blocks).map(|sorted| join_array(&sorted))
}

/// A prompt hash (§2.6.6.7.5): SHA-256 of [`canonical_prompt_blocks`] of one WorkingContext's
/// `blocks`. This is `stable_prefix_hash` for the stable prefix, `variable_suffix_hash` for the
/// variable suffix.
///
/// # Errors
/// As [`canonical_prompt_blocks`].
pub fn prompt_hash(blocks: &Value) -> Result<Hash, CanonicalError> {
    canonical_prompt_blocks(blocks).map(|text| Hash::of_bytes(text.as_bytes()))
}

/// The prompt hash of several block lists read in order (§2.6.6.7.5): each list sorted as
/// [`prompt_hash`] sorts it, then concatenated into one canonical array. One list gives its
/// [`prompt_hash`]; the stable prefix blocks followed by the variable suffix blocks give
/// `full_prompt_hash`. This is the `prompt_blocks` form of a spec's `hash_of` rule.
///
/// # Errors
/// As [`canonical_prompt_blocks`], for any part.
pub fn prompt_parts_hash(parts: &[&Value]) -> Result<Hash, CanonicalError> {
    let mut sorted = Vec::new();
    for part in parts {
        sorted.extend(sorted_blocks(part)?);
    }
    Ok(Hash::of_bytes(join_array(&sorted).as_bytes()))
}

/// The three hashes of a PromptEnvelope (§2.6.6.7.4) and ContextSnapshot
/// `prompt_envelope_hashes` (§2.6.6.7.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PromptEnvelopeHashes {
    /// [`prompt_hash`] of the stable prefix blocks.
    pub stable_prefix_hash: Hash,
    /// [`prompt_hash`] of the variable suffix blocks.
    pub variable_suffix_hash: Hash,
    /// SHA-256 of one canonical array: sorted prefix blocks, then sorted suffix blocks.
    pub full_prompt_hash: Hash,
}

/// Computes all three prompt envelope hashes from the `blocks` of the stable prefix and of the
/// variable suffix.
///
/// # Errors
/// As [`canonical_prompt_blocks`], for either part.
pub fn prompt_envelope_hashes(
    stable_prefix_blocks: &Value,
    variable_suffix_blocks: &Value,
) -> Result<PromptEnvelopeHashes, CanonicalError> {
    let prefix = sorted_blocks(stable_prefix_blocks)?;
    let suffix = sorted_blocks(variable_suffix_blocks)?;
    Ok(PromptEnvelopeHashes {
        stable_prefix_hash: Hash::of_bytes(join_array(&prefix).as_bytes()),
        variable_suffix_hash: Hash::of_bytes(join_array(&suffix).as_bytes()),
        full_prompt_hash: Hash::of_bytes(join_array(prefix.iter().chain(&suffix)).as_bytes()),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn block(order_key: &str, content: &str) -> Value {
        json!({"kind": "task", "content": content, "source_refs": [], "sensitivity": "low", "projection": "full", "order_key": order_key})
    }

    #[test]
    fn prompt_parts_hash_is_the_prompt_hash_of_one_part_and_the_full_hash_of_two() {
        let prefix = json!([block("b", "second"), block("a", "first")]);
        let suffix = json!([block("c", "user question")]);
        let hashes = prompt_envelope_hashes(&prefix, &suffix).expect("blocks");
        assert_eq!(prompt_parts_hash(&[&prefix]), Ok(hashes.stable_prefix_hash));
        assert_eq!(
            prompt_parts_hash(&[&suffix]),
            Ok(hashes.variable_suffix_hash)
        );
        assert_eq!(
            prompt_parts_hash(&[&prefix, &suffix]),
            Ok(hashes.full_prompt_hash)
        );
        // The order of the parts is the prompt's order; each part is sorted on its own.
        assert_ne!(
            prompt_parts_hash(&[&suffix, &prefix]),
            Ok(hashes.full_prompt_hash)
        );
        assert!(prompt_parts_hash(&[&json!({"not": "a list"})]).is_err());
    }

    #[test]
    fn ids_hash_is_the_canonical_hash_of_the_id_array_and_keeps_order() {
        let ids = ["src-2", "e\u{301}t\u{e9}", "src-1"];
        assert_eq!(
            canonical_ids(&ids),
            "[\"src-2\",\"\u{e9}t\u{e9}\",\"src-1\"]"
        );
        assert_eq!(Ok(ids_hash(&ids)), canonical_hash(&json!(ids)));
        assert_ne!(ids_hash(&["a", "b"]), ids_hash(&["b", "a"]));
        assert_eq!(canonical_ids::<&str>(&[]), "[]");
    }

    #[test]
    fn scope_inputs_hash_ignores_the_order_of_entity_refs_and_scope_hints() {
        let one = json!({"entity_refs": [{"entity_id": "b"}, {"entity_id": "a"}], "scope_hints": [{"k": 2}, {"k": 1}], "topic_scope": {"topics": ["y", "x"]}});
        let two = json!({"topic_scope": {"topics": ["y", "x"]}, "scope_hints": [{"k": 1}, {"k": 2}], "entity_refs": [{"entity_id": "a"}, {"entity_id": "b"}]});
        assert_eq!(scope_inputs_hash(&one), scope_inputs_hash(&two));
        assert_eq!(
            canonical_scope_inputs(&one).unwrap_or_default(),
            "{\"entity_refs\":[{\"entity_id\":\"a\"},{\"entity_id\":\"b\"}],\"scope_hints\":[{\"k\":1},{\"k\":2}],\"topic_scope\":{\"topics\":[\"y\",\"x\"]}}"
        );
        // Other arrays keep their order.
        let three = json!({"entity_refs": [], "topic_scope": {"topics": ["x", "y"]}});
        let four = json!({"entity_refs": [], "topic_scope": {"topics": ["y", "x"]}});
        assert_ne!(scope_inputs_hash(&three), scope_inputs_hash(&four));
    }

    #[test]
    fn scope_inputs_of_the_wrong_shape_are_refused() {
        assert!(matches!(
            scope_inputs_hash(&json!([])),
            Err(CanonicalError::InvalidShape { .. })
        ));
        match scope_inputs_hash(&json!({"entity_refs": {}})) {
            Err(CanonicalError::InvalidShape { path, .. }) => assert_eq!(path, "$.entity_refs"),
            other => panic!("expected a shape error, got {other:?}"),
        }
    }

    #[test]
    fn prompt_hash_sorts_blocks_by_order_key_then_bytes() {
        let a = block("0001", "rules");
        let b = block("0002", "task");
        let c = block("0002", "another task");
        let forward = prompt_hash(&json!([a, b, c]));
        let backward = prompt_hash(&json!([c, b, a]));
        assert_eq!(forward, backward);
        let text = canonical_prompt_blocks(&json!([b, a])).unwrap_or_default();
        assert!(text.find("rules") < text.find("\"task\""), "{text}");
        assert_ne!(
            prompt_hash(&json!([a])),
            prompt_hash(&json!([block("0001", "rules!")]))
        );
    }

    #[test]
    fn prompt_blocks_without_a_string_order_key_are_refused() {
        match prompt_hash(&json!([block("1", "x"), {"content": "no key"}])) {
            Err(CanonicalError::InvalidShape { path, .. }) => assert_eq!(path, "$[1]"),
            other => panic!("expected a shape error, got {other:?}"),
        }
        assert!(prompt_hash(&json!({"blocks": []})).is_err());
        match prompt_hash(&json!([["order_key", "1"]])) {
            Err(CanonicalError::InvalidShape { path, .. }) => assert_eq!(path, "$[0]"),
            other => panic!("a block that is an array is refused, got {other:?}"),
        }
        match prompt_hash(&json!([{"order_key": "1", "x": {"\u{e9}": 1, "e\u{301}": 2}}])) {
            Err(CanonicalError::DuplicateKey { path, .. }) => assert_eq!(path, "$[0].x"),
            other => panic!("expected a duplicate key error, got {other:?}"),
        }
    }

    #[test]
    fn full_prompt_hash_is_prefix_then_suffix() {
        let prefix = json!([block("0002", "rules"), block("0001", "playbook")]);
        let suffix = json!([block("0001", "user input")]);
        let hashes = prompt_envelope_hashes(&prefix, &suffix).ok();
        let expected_full = format!(
            "[{},{},{}]",
            canonical_json(&block("0001", "playbook")).unwrap_or_default(),
            canonical_json(&block("0002", "rules")).unwrap_or_default(),
            canonical_json(&block("0001", "user input")).unwrap_or_default()
        );
        assert_eq!(
            hashes.map(|h| h.full_prompt_hash),
            Some(Hash::of_bytes(expected_full.as_bytes()))
        );
        assert_eq!(
            hashes.map(|h| h.stable_prefix_hash),
            prompt_hash(&prefix).ok()
        );
        assert_eq!(
            hashes.map(|h| h.variable_suffix_hash),
            prompt_hash(&suffix).ok()
        );
    }
}
