//! Property tests: canonical JSON is a fixed point and ignores key order and Unicode spelling;
//! query normalisation is a fixed point and ignores whitespace and Unicode spelling.

use handshake_canonical::{CanonicalError, canonical_json, normalize_query, normalized_query_hash};
use proptest::prelude::*;
use serde_json::{Map, Number, Value};
use unicode_normalization::UnicodeNormalization;

/// Characters chosen to stress the rules: escapes, combining marks whose NFC composes or
/// reorders, Hangul jamo, singletons that NFC replaces (U+212B, U+2126), astral characters, and
/// characters whose UTF-16 order differs from code-point order.
const ALPHABET: &[char] = &[
    'a',
    'b',
    'Z',
    '0',
    ' ',
    '"',
    '\\',
    '/',
    '\n',
    '\t',
    '\u{0}',
    '\u{1f}',
    '\u{7f}',
    'e',
    '\u{e9}',
    '\u{301}',
    '\u{323}',
    '\u{302}',
    'A',
    '\u{212b}',
    '\u{2126}',
    '\u{1100}',
    '\u{1161}',
    '\u{11a8}',
    '\u{ac00}',
    '\u{1f600}',
    '\u{ff61}',
    '\u{e000}',
    '\u{2028}',
    '\u{3000}',
];

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::collection::vec(proptest::sample::select(ALPHABET), 0..8).prop_map(|chars| chars.into_iter().collect()),
        1 => timestamp(),
    ]
}

fn timestamp() -> impl Strategy<Value = String> {
    (1990u32..2100, 1u32..13, 1u32..29, 0u32..24, 0u32..60, 0u32..60, proptest::option::of(0u32..1_000_000_000), proptest::option::of((any::<bool>(), 0u32..24, 0u32..60)))
        .prop_map(|(year, month, day, hour, minute, second, fraction, offset)| {
            let fraction = fraction.map(|nanos| format!(".{nanos:09}")).unwrap_or_default();
            let offset = offset.map_or_else(|| "Z".to_owned(), |(negative, h, m)| format!("{}{h:02}:{m:02}", if negative { '-' } else { '+' }));
            format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}{fraction}{offset}")
        })
}

/// Any finite float, with extra weight on the small magnitudes the spec's floats have and on
/// the exact rounding ties.
fn float() -> impl Strategy<Value = f64> {
    prop_oneof![
        proptest::num::f64::NORMAL | proptest::num::f64::SUBNORMAL | proptest::num::f64::ZERO,
        -1.0..1.0f64,
        -8.5e9..8.5e9f64,
        (-(1i64 << 53)..(1i64 << 53)).prop_map(|integer| integer as f64),
        Just(-0.0),
        Just(0.0078125),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|integer| Value::Number(integer.into())),
        any::<u64>().prop_map(|integer| Value::Number(integer.into())),
        float().prop_map(|float| Number::from_f64(float).map_or(Value::Null, Value::Number)),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((text(), inner), 0..6)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<String, Value>>())),
        ]
    })
}

/// Rebuilds every object with its keys in an order derived from `seed` (serde_json keeps
/// insertion order in this workspace, so this really changes the input order).
fn permute_keys(value: &Value, seed: u64) -> Value {
    match value {
        Value::Array(items) => {
            Value::Array(items.iter().map(|item| permute_keys(item, seed)).collect())
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by_key(|(key, _)| {
                key.bytes().fold(seed, |acc, byte| {
                    (acc ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
                })
            });
            Value::Object(
                entries
                    .into_iter()
                    .map(|(key, item)| (key.clone(), permute_keys(item, seed)))
                    .collect(),
            )
        }
        other => other.clone(),
    }
}

/// Rewrites every key and string with `normalize`.
fn respell(value: &Value, normalize: &dyn Fn(&str) -> String) -> Value {
    match value {
        Value::String(text) => Value::String(normalize(text)),
        Value::Array(items) => {
            Value::Array(items.iter().map(|item| respell(item, normalize)).collect())
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, item)| (normalize(key), respell(item, normalize)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn collect_strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(text) => out.push(text.clone()),
        Value::Array(items) => items.iter().for_each(|item| collect_strings(item, out)),
        Value::Object(map) => map.iter().for_each(|(key, item)| {
            out.push(key.clone());
            collect_strings(item, out);
        }),
        _ => {}
    }
}

fn ok_text(value: &Value) -> Option<String> {
    canonical_json(value).ok()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn canonical_json_is_a_fixed_point(value in json_value()) {
        if let Ok(first) = canonical_json(&value) {
            let reparsed: Value = serde_json::from_str(&first).map_err(|error| TestCaseError::fail(format!("{first}: {error}")))?;
            prop_assert_eq!(canonical_json(&reparsed).ok(), Some(first));
        }
    }

    #[test]
    fn canonical_json_ignores_key_order(value in json_value(), seed in any::<u64>()) {
        prop_assert_eq!(ok_text(&permute_keys(&value, seed)), ok_text(&value));
    }

    #[test]
    fn canonical_json_ignores_nfd_versus_nfc(value in json_value()) {
        // Two keys of one object that differ only in spelling ("é" and "e\u{301}") are refused;
        // respelling them would merge them into one key, a different value, so nothing compares.
        if let Err(CanonicalError::DuplicateKey { .. }) = canonical_json(&value) {
            return Ok(());
        }
        let expected = ok_text(&value);
        prop_assert_eq!(ok_text(&respell(&value, &|text| text.nfd().collect())), expected.clone());
        prop_assert_eq!(ok_text(&respell(&value, &|text| text.nfc().collect())), expected);
    }

    /// Every key and string in the canonical text is NFC. (The text as a whole need not be:
    /// the escape `\n` before a U+0301 puts `n` next to the accent, which NFC would compose. The
    /// canonical text is bytes; never normalise it again.)
    #[test]
    fn canonical_json_strings_are_nfc(value in json_value()) {
        if let Ok(text) = canonical_json(&value) {
            let reparsed: Value = serde_json::from_str(&text).map_err(|error| TestCaseError::fail(format!("{text}: {error}")))?;
            let mut strings = Vec::new();
            collect_strings(&reparsed, &mut strings);
            for string in strings {
                prop_assert!(unicode_normalization::is_nfc(&string), "{:?} in {:?}", string, text);
            }
        }
    }

    #[test]
    fn normalize_query_is_a_fixed_point(query in proptest::collection::vec(proptest::sample::select(QUERY_ALPHABET), 0..24).prop_map(|chars| chars.into_iter().collect::<String>())) {
        let once = normalize_query(&query);
        prop_assert_eq!(normalize_query(&once), once);
    }

    #[test]
    fn normalized_query_hash_ignores_whitespace_and_unicode_spelling(words in proptest::collection::vec(proptest::collection::vec(proptest::sample::select(WORD_ALPHABET), 1..6).prop_map(|chars| chars.into_iter().collect::<String>()), 1..5), gaps in proptest::collection::vec(proptest::sample::select(&[" ", "  ", "\t", "\n", "\u{a0}", " \r\n ", "\u{3000}"][..]), 5)) {
        let plain = words.join(" ");
        let mut spaced = String::from(gaps[0]);
        for (index, word) in words.iter().enumerate() {
            spaced.push_str(&word.nfd().collect::<String>());
            spaced.push_str(gaps[(index + 1) % gaps.len()]);
        }
        prop_assert_eq!(normalized_query_hash(&spaced), normalized_query_hash(&plain));
    }
}

/// Query alphabet: cased letters with special foldings (ß, final sigma, dotted I, ligature,
/// Kelvin sign, Cherokee), combining marks, whitespace and control characters.
const QUERY_ALPHABET: &[char] = &[
    'a',
    'Q',
    ' ',
    '\t',
    '\n',
    '\u{0}',
    '\u{1b}',
    '\u{85}',
    '\u{a0}',
    '\u{df}',
    '\u{1e9e}',
    '\u{3a3}',
    '\u{3c2}',
    '\u{130}',
    '\u{fb01}',
    '\u{212a}',
    '\u{13a0}',
    '\u{ab70}',
    '\u{345}',
    '\u{3b9}',
    '\u{301}',
    '\u{323}',
    'E',
    '\u{c9}',
    '\u{1100}',
    '\u{1161}',
    '\u{11a8}',
    '\u{200b}',
    '\u{1f600}',
];

/// Word alphabet: no whitespace or controls, so words stay words.
const WORD_ALPHABET: &[char] = &[
    'a',
    'Q',
    '\u{df}',
    '\u{3a3}',
    '\u{c9}',
    '\u{e9}',
    '\u{1ead}',
    '\u{ac01}',
    '\u{130}',
    '\u{212b}',
    '\u{1f600}',
];
