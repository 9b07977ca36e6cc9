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
///   or a boolean is refused.
pub trait Exact<'de>: Sized {
    /// Reads `Self` from `deserializer`.
    fn exact<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error>;
}

impl<'de> Exact<'de> for uuid::Uuid {
    fn exact<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        uuid::serde::hyphenated::deserialize(deserializer)
    }
}

/// Accepts an integer token, or a float token with an integral value inside `T`'s range.
struct Integer<T>(std::marker::PhantomData<T>);

macro_rules! exact_integer {
    ($ty:ty, $hint:ident, $expecting:literal) => {
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

            fn visit_f64<E: de::Error>(self, value: f64) -> Result<$ty, E> {
                // `<$ty>::MIN as f64` and `(<$ty>::MAX as f64)` are exact powers of two, so the
                // half-open range holds exactly the floats that convert without saturating.
                let (low, high) = (<$ty>::MIN as f64, <$ty>::MAX as f64);
                if value.fract() == 0.0 && value >= low && value < high {
                    Ok(value as $ty)
                } else {
                    Err(E::invalid_value(de::Unexpected::Float(value), &self))
                }
            }
        }

        impl<'de> Exact<'de> for $ty {
            fn exact<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.$hint(Integer::<$ty>(std::marker::PhantomData))
            }
        }
    };
}

exact_integer!(i64, deserialize_i64, "an integer between -2^63 and 2^63-1");
exact_integer!(u64, deserialize_u64, "an integer between 0 and 2^64-1");

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

/// A required field, or one with a default, whose type holds a UUID or an integer ([`Exact`]).
pub fn exact<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Exact<'de>,
{
    T::exact(deserializer)
}

/// [`present`] for an optional field whose type holds a UUID or an integer ([`Exact`]).
pub fn present_exact<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Exact<'de>,
{
    T::exact(deserializer).map(Some)
}
