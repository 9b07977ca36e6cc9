//! Every type of the spec in spec order, each with a check (parse + cross-field rules) and its
//! JSON Schema, so the command can validate a record as any named type or find which root it is.
//!
//! The list is the generator's own (`handshake_job_model::for_each_type!`, written by `cargo
//! xtask codegen` into the model crate's `registry.rs`); a type added to the spec reaches `--type`
//! and auto-detection with the next build, without editing this crate.

use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use handshake_job_model::Validate;

use crate::violation::{Violation, serde_violation};

/// One type of the generated model crate.
pub struct SpecType {
    /// The type's name, identical in the spec, Rust, JSON Schema, SQL, TypeScript and Python.
    pub name: &'static str,
    /// True for the types with a JSON Schema file of their own in `schemas/`; auto-detection
    /// tries only these.
    pub root: bool,
    check: fn(&Value) -> Checked,
    schema: fn() -> Value,
}

/// Types are told apart by name: a name is a type's identity in the spec and every target.
impl PartialEq for SpecType {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl std::fmt::Debug for SpecType {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_tuple("SpecType").field(&self.name).finish()
    }
}

/// What checking one value as one type found.
pub struct Checked {
    /// The record as the model writes it back out, when it parsed.
    pub parsed: Option<Value>,
    /// Every violation: the one serde error when it did not parse, otherwise every cross-field
    /// rule it breaks.
    pub violations: Vec<Violation>,
}

impl SpecType {
    /// Parses `value` as this type and, when that works, checks every cross-field rule.
    pub fn check(&self, value: &Value) -> Checked {
        (self.check)(value)
    }

    /// This type's JSON Schema as the model crate derives it.
    pub fn schema(&self) -> Value {
        (self.schema)()
    }
}

/// Parses a type that has cross-field rules, then checks them (`handshake_job_model::Validate`).
fn check_with_rules<T>(value: &Value) -> Checked
where
    T: DeserializeOwned + Serialize + Validate,
{
    check::<T>(value, |record| {
        record
            .validate()
            .into_iter()
            .map(Violation::from_rule)
            .collect()
    })
}

/// Parses a type with no rules of its own (an enum, an id or a string newtype).
fn check_parse_only<T>(value: &Value) -> Checked
where
    T: DeserializeOwned + Serialize,
{
    check::<T>(value, |_| Vec::new())
}

fn check<T>(value: &Value, rules: impl FnOnce(&T) -> Vec<Violation>) -> Checked
where
    T: DeserializeOwned + Serialize,
{
    match serde_path_to_error::deserialize::<_, T>(value) {
        Ok(record) => match serde_json::to_value(&record) {
            Ok(parsed) => Checked {
                violations: rules(&record),
                parsed: Some(parsed),
            },
            Err(error) => Checked {
                parsed: None,
                violations: vec![Violation::invalid_record(
                    String::new(),
                    format!("the parsed record does not serialise back to json: {error}"),
                )],
            },
        },
        Err(error) => Checked {
            parsed: None,
            violations: vec![serde_violation(&error)],
        },
    }
}

fn schema<T: JsonSchema>() -> Value {
    schemars::schema_for!(T).to_value()
}

/// Builds `TYPES` from the generator's registry (`handshake_job_model::for_each_type!`): every
/// type in spec order, whether it is a root, and whether it has cross-field rules.
macro_rules! spec_types {
    ($(($ty:path, $name:literal, $stem:literal, $kind:ident, $place:ident)),* $(,)?) => {
        /// Every type of the model crate, in spec order.
        pub static TYPES: &[SpecType] = &[$(SpecType {
            name: $name,
            root: spec_types!(@root $place),
            check: spec_types!(@check $kind $ty),
            schema: schema::<$ty>,
        }),*];
    };
    (@root root) => { true };
    (@root inner) => { false };
    (@check rules $ty:path) => { check_with_rules::<$ty> };
    (@check plain $ty:path) => { check_parse_only::<$ty> };
}
handshake_job_model::for_each_type!(spec_types);

/// The root types, in spec order.
pub fn roots() -> impl Iterator<Item = &'static SpecType> {
    TYPES.iter().filter(|spec_type| spec_type.root)
}

/// The type called `name`, if the spec has one.
pub fn named(name: &str) -> Option<&'static SpecType> {
    TYPES.iter().find(|spec_type| spec_type.name == name)
}

/// The type named by `--type` (`None` when no name was given, so the root type is detected), or
/// a usage message listing the root types.
///
/// # Errors
/// The message for a name the spec does not have.
pub fn resolve(name: Option<&str>) -> Result<Option<&'static SpecType>, String> {
    let Some(name) = name else {
        return Ok(None);
    };
    named(name).map(Some).ok_or_else(|| {
        let roots: Vec<&str> = roots().map(|spec_type| spec_type.name).collect();
        format!(
            "unknown type `{name}`; root types: {} (`handshake types` lists every type)",
            roots.join(", ")
        )
    })
}
