//! The typed errors of canonicalisation: what in a value has no canonical form, and where.

/// A value, or a piece of one, that has no canonical form.
///
/// Every variant that concerns a place inside a JSON value carries `path`, a JSONPath-style
/// location (`$`, `$.blocks[2].order_key`, `$["key with space"]`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CanonicalError {
    /// Two keys of one object are different strings but the same key once NFC-normalised
    /// (for example `"é"` written precomposed and decomposed). Canonical JSON cannot keep both
    /// and picking one would silently drop data.
    #[error("{path}: keys {first:?} and {second:?} are the same key after nfc normalisation")]
    DuplicateKey {
        /// Where the object is.
        path: String,
        /// One of the clashing keys, as written in the input.
        first: String,
        /// The other clashing key, as written in the input.
        second: String,
    },
    /// NaN or an infinity: JSON has no literal for them and the spec's fixed six-decimal form
    /// cannot write them.
    #[error("{path}: {value} is not a finite number; nan and infinity have no canonical form")]
    NonFiniteNumber {
        /// Where the number is.
        path: String,
        /// The number as Rust prints it (`NaN`, `inf`, `-inf`).
        value: String,
    },
    /// A string given to [`crate::canonical_timestamp`] that is not an RFC 3339 date-time this
    /// crate can normalise.
    #[error("{value:?} is not a canonicalisable rfc 3339 timestamp: {reason}")]
    InvalidTimestamp {
        /// The refused input.
        value: String,
        /// Which rule it breaks.
        reason: &'static str,
    },
    /// A value given to a typed helper ([`crate::prompt_hash`], [`crate::scope_inputs_hash`])
    /// does not have the shape that helper hashes.
    #[error("{path}: {reason}")]
    InvalidShape {
        /// Where the offending value is.
        path: String,
        /// What shape was expected.
        reason: String,
    },
}

/// A string that is not a 64-digit lower-case hex SHA-256 digest.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a hash: expected 64 lower-case hex digits")]
pub struct ParseHashError {
    /// The refused input.
    pub value: String,
}
