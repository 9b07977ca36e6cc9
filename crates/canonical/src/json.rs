//! Canonical JSON (§2.6.6.7.5): the writer for keys, strings, numbers, arrays and objects.
//!
//! The rules, and where they depart from RFC 8785 (JCS):
//!
//! | rule | this crate | RFC 8785 |
//! | --- | --- | --- |
//! | key order | ascending Unicode code point of the NFC key (= UTF-8 byte order = Rust `str` order = Python `str` order) | UTF-16 code units of the key as written |
//! | Unicode | every key and string value NFC-normalised; two keys equal after NFC are an error | strings left as written |
//! | numbers | integers in full, floats with exactly six decimals ([`crate::number`]) | ECMAScript shortest round-trip form |
//! | timestamps | string values that are RFC 3339 date-times rewritten to UTC `Z`, six fraction digits ([`crate::canonical_timestamp`]) | strings left as written |
//! | arrays | order kept; the typed helpers sort where the spec says so | order kept |
//! | whitespace | none | none |
//! | string escapes | `\"` `\\` `\b` `\f` `\n` `\r` `\t`, other U+0000–U+001F as `\u00xx` (lower-case hex), everything else literal UTF-8 (U+2028, U+007F, `/` too) | the same |
//!
//! Key order differs from JCS only for keys that hold characters above U+FFFF: UTF-16 writes
//! them as surrogates (0xD800–0xDFFF), which sort before U+E000–U+FFFF, while by code point
//! they sort after. `{"\u{FF61}":1,"\u{1F600}":2}` is in code-point order; JCS would swap them.
//! Code-point order was chosen because the spec says "lexicographic", every language can do it
//! without re-encoding (it is plain byte order of UTF-8), and it is how Python sorts strings.
//!
//! Timestamps are rewritten only in string *values*, never in keys, and only when the whole
//! string is a date-time; a string that merely contains one is untouched.

use std::borrow::Cow;

use serde_json::Value;
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

use crate::error::CanonicalError;
use crate::number::write_number;
use crate::timestamp::normalize_if_timestamp;

/// Choices of the canonical writer. The default is the spec's rule set; use it unless a value is
/// known to hold no timestamps and a string must be hashed exactly as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CanonicalOptions {
    /// Rewrite string values that are RFC 3339 date-times to canonical UTC `Z` form
    /// (default `true`, the spec's "ISO-8601 UTC timestamps (`Z`)" rule).
    pub normalize_timestamps: bool,
}

impl Default for CanonicalOptions {
    fn default() -> Self {
        Self {
            normalize_timestamps: true,
        }
    }
}

/// The canonical JSON text of `value` under the spec's rules (see the [module docs](self)).
///
/// # Errors
/// [`CanonicalError::DuplicateKey`] when two keys of one object are equal after NFC;
/// [`CanonicalError::NonFiniteNumber`] for a number literal beyond the double range (`1e400`:
/// the workspace's serde_json keeps literals, `arbitrary_precision`).
pub fn canonical_json(value: &Value) -> Result<String, CanonicalError> {
    canonical_json_with(value, CanonicalOptions::default())
}

/// [`canonical_json`] with explicit [`CanonicalOptions`].
///
/// # Errors
/// As [`canonical_json`].
pub fn canonical_json_with(
    value: &Value,
    options: CanonicalOptions,
) -> Result<String, CanonicalError> {
    let mut writer = Writer {
        out: String::with_capacity(256),
        path: Vec::new(),
        options,
    };
    writer.value(value)?;
    Ok(writer.out)
}

/// Appends the canonical form of a string value (NFC, timestamp rule, escapes) to `out`.
pub(crate) fn write_string_value(text: &str, options: CanonicalOptions, out: &mut String) {
    let text = nfc(text);
    if options.normalize_timestamps
        && let Some(timestamp) = normalize_if_timestamp(&text)
    {
        // A canonical timestamp is ASCII without anything to escape.
        out.push('"');
        out.push_str(&timestamp);
        out.push('"');
        return;
    }
    write_escaped(&text, out);
}

/// `text` in NFC, borrowed when it already is (the common case, checked without allocating).
pub(crate) fn nfc(text: &str) -> Cow<'_, str> {
    // Every character below U+0300 is NFC_Quick_Check=Yes with combining class 0, so text
    // without a UTF-8 lead byte of U+0300 or above (0xCC..) is NFC: a byte scan, no decoding.
    if !text.bytes().any(|byte| byte >= 0xcc) {
        return Cow::Borrowed(text);
    }
    match is_nfc_quick(text.chars()) {
        IsNormalized::Yes => Cow::Borrowed(text),
        IsNormalized::No | IsNormalized::Maybe => {
            let normalized: String = text.nfc().collect();
            if normalized == text {
                Cow::Borrowed(text)
            } else {
                Cow::Owned(normalized)
            }
        }
    }
}

/// Appends `text` as a JSON string with the RFC 8785 escapes.
fn write_escaped(text: &str, out: &mut String) {
    out.push('"');
    let bytes = text.as_bytes();
    let mut clean_from = 0;
    for (index, &byte) in bytes.iter().enumerate() {
        let escape: &str = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            0x08 => "\\b",
            0x0c => "\\f",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x00..=0x1f => "",
            _ => continue,
        };
        // Every byte handled here is ASCII, so `index` is on a char boundary.
        out.push_str(&text[clean_from..index]);
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0f)]));
        } else {
            out.push_str(escape);
        }
        clean_from = index + 1;
    }
    out.push_str(&text[clean_from..]);
    out.push('"');
}

enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

/// Renders a location as `$`, `$.name`, `$[3]` or `$["odd key"]`.
pub(crate) fn render_path<'a>(
    segments: impl IntoIterator<Item = (Option<&'a str>, usize)>,
) -> String {
    let mut path = String::from("$");
    for (key, index) in segments {
        match key {
            Some(key)
                if !key.is_empty()
                    && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
            {
                path.push('.');
                path.push_str(key);
            }
            Some(key) => {
                path.push('[');
                write_escaped(key, &mut path);
                path.push(']');
            }
            None => path.push_str(&format!("[{index}]")),
        }
    }
    path
}

struct Writer<'a> {
    out: String,
    path: Vec<Segment<'a>>,
    options: CanonicalOptions,
}

impl<'a> Writer<'a> {
    fn path(&self) -> String {
        render_path(self.path.iter().map(|segment| match segment {
            Segment::Key(key) => (Some(*key), 0),
            Segment::Index(index) => (None, *index),
        }))
    }

    fn value(&mut self, value: &'a Value) -> Result<(), CanonicalError> {
        match value {
            Value::Null => self.out.push_str("null"),
            Value::Bool(true) => self.out.push_str("true"),
            Value::Bool(false) => self.out.push_str("false"),
            Value::Number(number) => {
                write_number(number, &mut self.out).map_err(|text| {
                    CanonicalError::NonFiniteNumber {
                        path: self.path(),
                        value: text,
                    }
                })?;
            }
            Value::String(text) => write_string_value(text, self.options, &mut self.out),
            Value::Array(items) => {
                self.out.push('[');
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        self.out.push(',');
                    }
                    self.path.push(Segment::Index(index));
                    self.value(item)?;
                    self.path.pop();
                }
                self.out.push(']');
            }
            Value::Object(map) => {
                let mut entries: Vec<(Cow<'a, str>, &'a str, &'a Value)> = map
                    .iter()
                    .map(|(key, item)| (nfc(key), key.as_str(), item))
                    .collect();
                entries.sort_unstable_by(|left, right| left.0.cmp(&right.0));
                if let Some(pair) = entries.windows(2).find(|pair| pair[0].0 == pair[1].0) {
                    return Err(CanonicalError::DuplicateKey {
                        path: self.path(),
                        first: pair[0].1.to_owned(),
                        second: pair[1].1.to_owned(),
                    });
                }
                self.out.push('{');
                for (index, (key, original, item)) in entries.into_iter().enumerate() {
                    if index > 0 {
                        self.out.push(',');
                    }
                    write_escaped(&key, &mut self.out);
                    self.out.push(':');
                    self.path.push(Segment::Key(original));
                    self.value(item)?;
                    self.path.pop();
                }
                self.out.push('}');
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn canonical(value: &Value) -> String {
        canonical_json(value).unwrap_or_else(|error| format!("error: {error}"))
    }

    #[test]
    fn keys_sort_by_code_point_not_utf16() {
        // U+FF61 < U+1F600 by code point; in UTF-16 the emoji's surrogate 0xD83D sorts first.
        let value = json!({"\u{1F600}": 2, "\u{FF61}": 1, "b": 0, "B": 0, "a": 0});
        assert_eq!(
            canonical(&value),
            "{\"B\":0,\"a\":0,\"b\":0,\"\u{FF61}\":1,\"\u{1F600}\":2}"
        );
    }

    #[test]
    fn keys_and_values_are_nfc() {
        let value = json!({"e\u{301}": "Han\u{1100}\u{1161}\u{11A8}"});
        assert_eq!(canonical(&value), "{\"\u{e9}\":\"Han\u{AC01}\"}");
    }

    #[test]
    fn keys_equal_after_nfc_are_refused_with_the_path() {
        let value = json!({"outer": [{"\u{e9}": 1, "e\u{301}": 2}]});
        match canonical_json(&value) {
            Err(CanonicalError::DuplicateKey { path, .. }) => assert_eq!(path, "$.outer[0]"),
            other => panic!("expected a duplicate key error, got {other:?}"),
        }
    }

    #[test]
    fn escapes_follow_rfc_8785() {
        let value = json!("q\"b\\s/\u{8}\u{c}\n\r\t\u{0}\u{1f}\u{7f}\u{2028}");
        assert_eq!(
            canonical(&value),
            "\"q\\\"b\\\\s/\\b\\f\\n\\r\\t\\u0000\\u001f\u{7f}\u{2028}\""
        );
    }

    #[test]
    fn timestamps_in_values_are_normalised_and_in_keys_are_not() {
        let value = json!({"2026-01-02T05:04:05+02:00": "2026-01-02T05:04:05+02:00", "note": "at 2026-01-02T05:04:05Z"});
        assert_eq!(
            canonical(&value),
            "{\"2026-01-02T05:04:05+02:00\":\"2026-01-02T03:04:05.000000Z\",\"note\":\"at 2026-01-02T05:04:05Z\"}"
        );
        let verbatim = canonical_json_with(
            &value,
            CanonicalOptions {
                normalize_timestamps: false,
            },
        );
        assert_eq!(
            verbatim.unwrap_or_default(),
            "{\"2026-01-02T05:04:05+02:00\":\"2026-01-02T05:04:05+02:00\",\"note\":\"at 2026-01-02T05:04:05Z\"}"
        );
    }

    #[test]
    fn no_whitespace_and_empty_containers() {
        let value = json!({"a": [], "b": {}, "c": [1, [2, {"d": null}]], "e": true, "f": false});
        assert_eq!(
            canonical(&value),
            "{\"a\":[],\"b\":{},\"c\":[1,[2,{\"d\":null}]],\"e\":true,\"f\":false}"
        );
    }

    #[test]
    fn paths_quote_keys_that_are_not_identifiers() {
        assert_eq!(
            render_path([(Some("a"), 0), (None, 3), (Some("odd key"), 0)]),
            "$.a[3][\"odd key\"]"
        );
    }
}
