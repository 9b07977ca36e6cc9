//! Serde helpers the generated types call by path (`crate::serde_support::…`).
//!
//! Hand-written, like the other support modules, so regenerating never touches them.

use serde::{Deserialize, Deserializer};

/// Deserialize an optional field that is present on the wire.
///
/// Used with `#[serde(default)]`: an absent field is `None`, a present one must be a valid `T`.
/// So `null` is refused for an optional string or record, exactly as the JSON Schema
/// (optional means "may be absent", never "may be null") and Pydantic do; plain serde would read
/// `null` as `None`. A field whose type itself admits `null` (a `json` payload) keeps it as
/// `Some(Value::Null)`.
pub fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}
