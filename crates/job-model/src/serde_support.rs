//! Serde helpers the generated types call by path (`crate::serde_support::…`).
//!
//! Hand-written, like the other support modules, so regenerating never touches them.

use serde::de::{self, Visitor};
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

/// A deserializer that yields JSON objects only: every request becomes `deserialize_map`.
///
/// serde's derived `Deserialize` of a struct also accepts a sequence of its fields in order
/// (`"metrics": [0, 0, 0, 0, 0, 0]`), and an internally tagged enum a sequence that starts with
/// its tag. The wire form of a record or union is a JSON object only, as the JSON Schema, Pydantic
/// and TypeScript read it (issue #10), so every generated record and union deserializes through
/// this adapter ([`objects_only!`](crate::serde_support::objects_only)). A sequence is then
/// refused with serde's own "invalid type: sequence, expected struct …" message.
pub struct ObjectsOnly<D>(pub D);

impl<'de, D: Deserializer<'de>> Deserializer<'de> for ObjectsOnly<D> {
    type Error = D::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_map(visitor)
    }

    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier
        ignored_any
    }
}

/// Implements `Serialize` and `Deserialize` for generated records and unions declared with
/// `#[serde(remote = "Self")]`: serialization is the derived one, deserialization the derived one
/// read through [`ObjectsOnly`].
#[doc(hidden)]
#[macro_export]
macro_rules! __objects_only {
    ($($name:ident),* $(,)?) => {$(
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                $name::serialize(self, serializer)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $name::deserialize($crate::serde_support::ObjectsOnly(deserializer))
            }
        }
    )*};
}
pub use crate::__objects_only as objects_only;

/// A value read exactly as the wire contract says, whatever serde's own impl would also accept.
///
/// - `uuid`: the hyphenated text form only (8-4-4-4-12 ASCII hex digits, either case), as the
///   JSON Schema pattern and Pydantic say; the `uuid` crate's own impl also reads the braced,
///   `urn:uuid:` and 32-digit forms.
/// - integers (`integer`, `uint`): any JSON number whose value is an integer in range, so `1000.0`
///   and `1e3` are 1000. Decision (issue #10 §2): JSON has one number type, JSON Schema's
///   `integer` is any number with a zero fractional part, and JavaScript's `JSON.parse` cannot
///   tell `1000.0` from `1000`; refusing it in Rust and Python would leave targets that cannot
///   refuse it, so every target accepts it by value. A fraction, a value out of range, a string
///   or a boolean is refused. An integer literal is judged by its exact value, as Python and the
///   TypeScript SDK judge it: `-9223372036854775809` is below `i64`'s range even though the
///   nearest double is −2^63. A literal with a fraction or an exponent is judged by the double
///   nearest to it, as every target reads it.
/// - `number`: any finite JSON number, read as the double nearest to it.
///
/// Integers and numbers are read with `deserialize_any`. With serde_json's `arbitrary_precision`
/// (enabled in the workspace for exactly this), a literal that is not a 64-bit integer arrives as
/// its text (serde_json's private one-entry map, decoded here through `serde_json::Number`), so
/// the text decides; the same map is what an internally tagged union buffers, which a plain
/// `deserialize_f64` could not read back.
pub trait Exact<'de>: Sized {
    /// Reads `Self` from `deserializer`.
    fn exact<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error>;
}

impl<'de> Exact<'de> for uuid::Uuid {
    fn exact<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        uuid::serde::hyphenated::deserialize(deserializer)
    }
}

/// The text of a number serde_json handed over as its private one-entry map.
fn number_text<'de, A: de::MapAccess<'de>>(map: A) -> Result<serde_json::Number, A::Error> {
    serde_json::Number::deserialize(de::value::MapAccessDeserializer::new(map))
}

/// Accepts an integer literal in `T`'s range, or a number literal with a fraction or an exponent
/// whose nearest double is an integer inside `T`'s range.
struct Integer<T>(std::marker::PhantomData<T>);

macro_rules! exact_integer {
    ($ty:ty, $expecting:literal) => {
        impl Integer<$ty> {
            fn judge_double<E: de::Error>(&self, value: f64) -> Result<$ty, E> {
                // `<$ty>::MIN as f64` and `(<$ty>::MAX as f64)` are exact powers of two, so the
                // half-open range holds exactly the floats that convert without saturating.
                let (low, high) = (<$ty>::MIN as f64, <$ty>::MAX as f64);
                if value.fract() == 0.0 && value >= low && value < high {
                    Ok(value as $ty)
                } else {
                    Err(E::invalid_value(de::Unexpected::Float(value), self))
                }
            }

            fn judge_literal<E: de::Error>(&self, text: &str) -> Result<$ty, E> {
                let out_of_range = || E::invalid_value(de::Unexpected::Other(text), self);
                if handshake_canonical::number::is_integer_literal(text) {
                    // Beyond i128 is beyond every integer type here too.
                    let value: i128 = text.parse().map_err(|_| out_of_range())?;
                    <$ty>::try_from(value).map_err(|_| out_of_range())
                } else {
                    let value: f64 = text.parse().map_err(|_| out_of_range())?;
                    self.judge_double(value)
                }
            }
        }

        impl<'de> Visitor<'de> for Integer<$ty> {
            type Value = $ty;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str($expecting)
            }

            fn visit_i64<E: de::Error>(self, value: i64) -> Result<$ty, E> {
                <$ty>::try_from(value)
                    .map_err(|_| E::invalid_value(de::Unexpected::Signed(value), &self))
            }

            fn visit_u64<E: de::Error>(self, value: u64) -> Result<$ty, E> {
                <$ty>::try_from(value)
                    .map_err(|_| E::invalid_value(de::Unexpected::Unsigned(value), &self))
            }

            fn visit_i128<E: de::Error>(self, value: i128) -> Result<$ty, E> {
                <$ty>::try_from(value)
                    .map_err(|_| E::invalid_value(de::Unexpected::Other(&value.to_string()), &self))
            }

            fn visit_u128<E: de::Error>(self, value: u128) -> Result<$ty, E> {
                <$ty>::try_from(value)
                    .map_err(|_| E::invalid_value(de::Unexpected::Other(&value.to_string()), &self))
            }

            fn visit_f64<E: de::Error>(self, value: f64) -> Result<$ty, E> {
                self.judge_double(value)
            }

            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<$ty, A::Error> {
                self.judge_literal(number_text(map)?.as_str())
            }
        }

        impl<'de> Exact<'de> for $ty {
            fn exact<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_any(Integer::<$ty>(std::marker::PhantomData))
            }
        }
    };
}

exact_integer!(i64, "an integer between -2^63 and 2^63-1");
exact_integer!(u64, "an integer between 0 and 2^64-1");

/// Accepts any finite JSON number, as the double nearest to it.
struct Float;

impl Float {
    fn finite<E: de::Error>(&self, value: f64) -> Result<f64, E> {
        if value.is_finite() {
            Ok(value)
        } else {
            Err(E::invalid_value(de::Unexpected::Float(value), self))
        }
    }
}

impl<'de> Visitor<'de> for Float {
    type Value = f64;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a finite number")
    }

    // An integer converts to its nearest double, as `float(int)` does in Python.
    #[allow(clippy::cast_precision_loss)]
    fn visit_i64<E: de::Error>(self, value: i64) -> Result<f64, E> {
        Ok(value as f64)
    }

    #[allow(clippy::cast_precision_loss)]
    fn visit_u64<E: de::Error>(self, value: u64) -> Result<f64, E> {
        Ok(value as f64)
    }

    #[allow(clippy::cast_precision_loss)]
    fn visit_i128<E: de::Error>(self, value: i128) -> Result<f64, E> {
        Ok(value as f64)
    }

    #[allow(clippy::cast_precision_loss)]
    fn visit_u128<E: de::Error>(self, value: u128) -> Result<f64, E> {
        Ok(value as f64)
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<f64, E> {
        self.finite(value)
    }

    fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<f64, A::Error> {
        let number = number_text(map)?;
        // `str::parse` rounds correctly, and yields an infinity beyond the double range; the
        // error names the literal (`1e+400`, as serde_json keeps it), not the infinity.
        match number.as_str().parse::<f64>() {
            Ok(value) if value.is_finite() => Ok(value),
            _ => Err(de::Error::invalid_value(
                de::Unexpected::Other(number.as_str()),
                &self,
            )),
        }
    }
}

impl<'de> Exact<'de> for f64 {
    fn exact<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(Float)
    }
}

/// `T` read through [`Exact`], for the items of lists and maps.
struct ExactItem<T>(T);

impl<'de, T: Exact<'de>> Deserialize<'de> for ExactItem<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::exact(deserializer).map(ExactItem)
    }
}

impl<'de, T: Exact<'de>> Exact<'de> for Vec<T> {
    fn exact<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let items = Vec::<ExactItem<T>>::deserialize(deserializer)?;
        Ok(items.into_iter().map(|item| item.0).collect())
    }
}

impl<'de, T: Exact<'de>> Exact<'de> for std::collections::BTreeMap<String, T> {
    fn exact<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let entries =
            std::collections::BTreeMap::<String, ExactItem<T>>::deserialize(deserializer)?;
        Ok(entries
            .into_iter()
            .map(|(key, item)| (key, item.0))
            .collect())
    }
}

/// A required field, or one with a default, whose type holds a UUID or a number ([`Exact`]).
pub fn exact<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Exact<'de>,
{
    T::exact(deserializer)
}

/// [`present`] for an optional field whose type holds a UUID or a number ([`Exact`]).
pub fn present_exact<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Exact<'de>,
{
    T::exact(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use crate::{PlannedOperation, TimeRange};

    /// `T` from the text directly and from the text's `Value` (the CLI's path): one verdict.
    fn both<T: serde::de::DeserializeOwned + std::fmt::Debug>(text: &str) -> Result<T, String> {
        let direct = serde_json::from_str::<T>(text).map_err(|e| e.to_string());
        let value: serde_json::Value = serde_json::from_str(text).expect("JSON");
        let through_value = serde_json::from_value::<T>(value).map_err(|e| e.to_string());
        assert_eq!(
            direct.is_ok(),
            through_value.is_ok(),
            "{text}: {direct:?} / {through_value:?}"
        );
        direct
    }

    fn seed(literal: &str) -> Result<i64, String> {
        #[derive(serde::Deserialize, Debug)]
        struct Seed(#[serde(deserialize_with = "super::exact")] i64);
        both::<Seed>(literal).map(|Seed(seed)| seed)
    }

    #[test]
    fn an_integer_literal_is_judged_by_its_exact_value() {
        assert_eq!(seed("-9223372036854775808"), Ok(i64::MIN));
        assert_eq!(seed("9223372036854775807"), Ok(i64::MAX));
        // Both read as the double -2^63 without the literal; exactly they are below i64.
        for below in ["-9223372036854775809", "-9223372036854776832"] {
            let error = seed(below).expect_err(below);
            assert!(
                error.contains("an integer between -2^63 and 2^63-1"),
                "{below}: {error}"
            );
        }
        assert!(seed("9223372036854775808").is_err());
        assert!(
            seed("340282366920938463463374607431768211456").is_err(),
            "beyond i128"
        );
    }

    #[test]
    fn a_literal_with_a_fraction_or_exponent_is_judged_by_its_double() {
        assert_eq!(seed("1000.0"), Ok(1000));
        assert_eq!(seed("1e3"), Ok(1000));
        assert_eq!(seed("-0"), Ok(0));
        assert_eq!(seed("-9223372036854775808.0"), Ok(i64::MIN));
        assert_eq!(
            seed("-9223372036854775809.0"),
            Ok(i64::MIN),
            "its double is -2^63"
        );
        assert!(seed("1000.5").is_err());
        assert!(
            seed("-1e1000000000000000000000").is_err(),
            "its double is -infinity"
        );
        assert!(
            seed("9.223372036854775807e18").is_err(),
            "its double is 2^63"
        );
    }

    #[test]
    fn numbers_inside_internally_tagged_unions_read_back() {
        // serde buffers an internally tagged union's members before it knows the variant; the
        // buffered form of a non-integer literal is serde_json's one-entry map.
        let text = r#"{"op": "align_transcript", "media_id": "m-1", "transcript_segments": [
            {"time_range": {"start_ms": 0, "end_ms": 4.2e3}, "text": "a", "confidence": 0.93},
            {"time_range": {"start_ms": 1, "end_ms": 2}, "text": "b", "confidence": 1}]}"#;
        let Ok(PlannedOperation::AlignTranscript {
            transcript_segments,
            ..
        }) = both(text)
        else {
            panic!("an align_transcript operation");
        };
        assert_eq!(transcript_segments[0].time_range.end_ms, 4200);
        assert_eq!(transcript_segments[0].confidence, Some(0.93));
        assert_eq!(transcript_segments[1].confidence, Some(1.0));
        let beyond = text.replace("0.93", "1e400");
        let error = both::<PlannedOperation>(&beyond).expect_err("infinity");
        assert!(
            error.contains("invalid value: 1e+400, expected a finite number"),
            "{error}"
        );
        assert!(both::<TimeRange>(r#"{"start_ms": -1, "end_ms": 0}"#).is_err());
    }
}
