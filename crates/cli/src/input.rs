//! Reading a record: a file or `-` (stdin), parsed as JSON that refuses duplicate keys.
//!
//! `serde_json::Value` keeps the last of two equal keys and drops the other silently; a record
//! whose meaning depends on which one a reader keeps has no single hash and no single verdict,
//! so it is refused here, before any type sees it.

use std::fmt;
use std::io::Read;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// The text of `file`, or of stdin for `-`.
pub fn read_text(file: &str) -> anyhow::Result<String> {
    use anyhow::Context as _;
    if file == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("cannot read stdin")?;
        Ok(text)
    } else {
        std::fs::read_to_string(file).with_context(|| format!("cannot read {file}"))
    }
}

/// Parses JSON text into a value, refusing an object with two equal keys.
pub fn parse_json(text: &str) -> Result<Value, serde_json::Error> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let StrictValue(value) = StrictValue::deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(value)
}

/// A JSON value read like `serde_json::Value`, except that duplicate keys are an error.
struct StrictValue(Value);

impl<'de> Deserialize<'de> for StrictValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(StrictValue)
    }
}

struct StrictVisitor;

/// The key of the one-entry map through which serde_json's `arbitrary_precision` hands a number
/// over as its literal (serde_json's `number::TOKEN`, private but fixed since 1.0).
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("any JSON value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Value, E> {
        // JSON text has no NaN or infinity, so every parsed float has a `Number`.
        Ok(Number::from_f64(value).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_owned()))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<Value, A::Error> {
        let mut array = Vec::new();
        while let Some(StrictValue(item)) = items.next_element()? {
            array.push(item);
        }
        Ok(Value::Array(array))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut entries: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        let mut first = true;
        while let Some(key) = entries.next_key::<String>()? {
            if std::mem::take(&mut first) && key == NUMBER_TOKEN {
                // A number that is not a 64-bit integer, as its literal (`arbitrary_precision`).
                // serde_json's own `Value` reads an object of this one key the same way.
                let literal: String = entries.next_value()?;
                return serde_json::from_str::<Number>(&literal)
                    .map(Value::Number)
                    .map_err(de::Error::custom);
            }
            if object.contains_key(&key) {
                return Err(de::Error::custom(format_args!("duplicate key {key:?}")));
            }
            let StrictValue(value) = entries.next_value()?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_keys_are_refused_at_any_depth() {
        let error = parse_json(r#"{"a": [{"b": 1, "b": 2}]}"#).unwrap_err();
        assert!(error.to_string().contains("duplicate key \"b\""), "{error}");
        assert!(parse_json(r#"{"a": 1, "b": {"a": 2}}"#).is_ok());
    }

    #[test]
    fn numbers_keep_integer_or_float_as_written() {
        let value = parse_json("[1, 1.0, -0.0, 18446744073709551615, -9223372036854775808]")
            .expect("valid JSON");
        let serde_value: Value =
            serde_json::from_str("[1, 1.0, -0.0, 18446744073709551615, -9223372036854775808]")
                .expect("valid JSON");
        assert_eq!(value, serde_value);
        assert!(value[0].is_u64() && value[1].is_f64() && value[3].is_u64());
    }

    #[test]
    fn trailing_text_is_refused() {
        assert!(parse_json("{} {}").is_err());
    }
}
