//! `Hash`: a SHA-256 digest, written as the spec's 64 lower-case hex digits.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

use crate::error::ParseHashError;

/// A SHA-256 digest (the spec's `Hash`, §2.6.6.7.5). On the wire and in `Display` it is 64
/// lower-case hex digits, the `Hash` pattern `^[0-9a-f]{64}$` of spec/identity.yaml.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Hash([u8; 32]);

const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

impl Hash {
    /// SHA-256 of `bytes`, as they are (no canonicalisation).
    pub fn of_bytes(bytes: &[u8]) -> Self {
        Self(Sha256::digest(bytes).into())
    }

    /// Wraps a digest computed elsewhere.
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The 32 digest bytes.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The digest as 64 lower-case hex digits.
    pub fn to_hex(&self) -> String {
        let mut text = String::with_capacity(64);
        for byte in self.0 {
            text.push(char::from(HEX_DIGITS[usize::from(byte >> 4)]));
            text.push(char::from(HEX_DIGITS[usize::from(byte & 0x0f)]));
        }
        text
    }

    /// Parses 64 lower-case hex digits. Upper-case digits are refused: the spec's pattern is
    /// lower-case only, and accepting both would give one digest two spellings.
    pub fn from_hex(text: &str) -> Result<Self, ParseHashError> {
        let refuse = || ParseHashError {
            value: text.to_owned(),
        };
        let digits = text.as_bytes();
        if digits.len() != 64 {
            return Err(refuse());
        }
        let mut bytes = [0u8; 32];
        for (byte, pair) in bytes.iter_mut().zip(digits.chunks_exact(2)) {
            let high = hex_value(pair[0]).ok_or_else(refuse)?;
            let low = hex_value(pair[1]).ok_or_else(refuse)?;
            *byte = (high << 4) | low;
        }
        Ok(Self(bytes))
    }
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        _ => None,
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", self.to_hex())
    }
}

impl FromStr for Hash {
    type Err = ParseHashError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::from_hex(text)
    }
}

impl Serialize for Hash {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for Hash {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Self::from_hex(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_input_has_the_well_known_sha256_digest() {
        assert_eq!(
            Hash::of_bytes(b"").to_hex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn hex_round_trips_and_refuses_upper_case_and_wrong_length() {
        let hash = Hash::of_bytes(b"abc");
        assert_eq!(Hash::from_hex(&hash.to_hex()), Ok(hash));
        assert!(Hash::from_hex(&hash.to_hex().to_uppercase()).is_err());
        assert!(Hash::from_hex(&hash.to_hex()[..62]).is_err());
        assert!(Hash::from_hex(&format!("{}g", &hash.to_hex()[..63])).is_err());
    }

    #[test]
    fn display_is_the_hex_and_debug_names_the_type() {
        let hash = Hash::of_bytes(b"");
        let hex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert_eq!(hash.to_string(), hex);
        assert_eq!(format!("{hash:?}"), format!("Hash({hex})"));
        assert_eq!(hex.parse::<Hash>(), Ok(hash));
    }

    #[test]
    fn serde_uses_the_hex_string() {
        let hash = Hash::of_bytes(b"abc");
        let json = serde_json::to_string(&hash).unwrap_or_default();
        assert_eq!(json, format!("\"{}\"", hash.to_hex()));
        let back: Result<Hash, _> = serde_json::from_str(&json);
        assert_eq!(back.ok(), Some(hash));
    }
}
