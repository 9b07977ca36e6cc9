//! Canonical JSON and SHA-256 hashing for the AI Job Model (§2.6.6.7.0, §2.6.6.7.5, §2.6.6.7.14.6 B).
//!
//! The spec's `Hash` is SHA-256 over the UTF-8 bytes of a canonical JSON form with
//! lexicographically sorted keys, deterministic array order, NFC strings, UTC `Z` timestamps and
//! fixed float precision. This crate pins every one of those words down to bytes:
//!
//! * [`canonical_json`] / [`canonical_hash`]: the generic form of any `serde_json::Value`; the
//!   rules and how they differ from RFC 8785 are in [`json`], numbers in [`number`], timestamps
//!   in [`timestamp`];
//! * [`scope_inputs_hash`], [`ids_hash`], [`prompt_hash`], [`prompt_envelope_hashes`]: the hashed
//!   objects of §2.6.6.7.5, each with a `canonical_*` twin that returns the hashed bytes (see
//!   [`hashes`] for exactly what each one hashes);
//! * [`normalized_query_hash`]: the query hash of ACE-RAG-001 (§2.6.6.7.14.6 B), steps in
//!   [`query`].
//!
//! Everything is also re-exported at the crate root; the modules are public for their docs.
//!
//! ```
//! use handshake_canonical::{canonical_hash, canonical_json, ids_hash};
//!
//! let value = serde_json::json!({"b": 1.5, "a": "Cafe\u{301}", "at": "2026-01-02T05:04:05+02:00"});
//! assert_eq!(
//!     canonical_json(&value)?,
//!     r#"{"a":"Café","at":"2026-01-02T03:04:05.000000Z","b":1.500000}"#
//! );
//! assert_eq!(canonical_hash(&serde_json::json!([]))?.to_hex(), ids_hash::<&str>(&[]).to_hex());
//! # Ok::<(), handshake_canonical::CanonicalError>(())
//! ```
//!
//! The checked-in vectors in `crates/canonical/vectors/` (input, canonical text, SHA-256) are
//! the reference for ports of these rules to other languages; `vectors/README.md` says how they
//! were made.
#![deny(missing_docs)]

mod error;
mod hash;
pub mod hashes;
pub mod json;
pub mod number;
pub mod query;
pub mod timestamp;

pub use error::{CanonicalError, ParseHashError};
pub use hash::Hash;
pub use hashes::{
    PromptEnvelopeHashes, canonical_hash, canonical_ids, canonical_prompt_blocks,
    canonical_scope_inputs, ids_hash, prompt_envelope_hashes, prompt_hash, prompt_parts_hash,
    scope_inputs_hash,
};
pub use json::{CanonicalOptions, canonical_json, canonical_json_with};
pub use number::canonical_float;
pub use query::{normalize_query, normalized_query_hash};
pub use timestamp::canonical_timestamp;
