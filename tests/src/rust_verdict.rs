//! Rust's verdict on a record of a corpus: serde, then every cross-field rule (`Validate`), for
//! the root type a corpus folder names. Shared by the rules corpus test (`tests/rules.rs`) and the
//! differential test (`tests/differential.rs`), so both judge Rust's side the same way.

use handshake_job_model::{self as model, Violation, validate_json};
use serde_json::Value;

/// `Ok`, or every violation of the record `value` of the root type whose file stem is `stem`
/// (`ai_job`); a record serde refuses is one `HSK-JOB-1001` at the root.
///
/// # Panics
/// When `stem` names no root type of the spec.
pub fn rust_violations(stem: &str, value: &Value) -> Result<(), Vec<Violation>> {
    // Every root type, from the generator's registry (no hand-kept list).
    macro_rules! by_stem {
        ($(($ty:path, $name:literal, $stem:literal, $kind:ident, $place:ident)),* $(,)?) => {
            match stem {
                $($stem => by_stem!(@check $kind $ty),)*
                other => panic!("root {other} is not a root type of the spec"),
            }
        };
        (@check rules $ty:path) => { validate_json::<$ty>(value).map(|_| ()) };
        // A type without fields (an enum) has no rules: serde alone judges it.
        (@check plain $ty:path) => {
            serde_json::from_value::<$ty>(value.clone()).map(|_| ()).map_err(|error| {
                vec![Violation {
                    path: String::new(),
                    code: model::INVALID_RECORD_CODE,
                    clause: "§2.6.6.2",
                    rule: "invalid_record",
                    message: error.to_string(),
                }]
            })
        };
    }
    handshake_job_model::for_each_root_type!(by_stem)
}
