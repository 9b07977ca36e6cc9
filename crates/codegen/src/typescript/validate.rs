//! TypeScript target, the full check of a record: `validate.ts` holds `validate<Type>(value)` for
//! every root type (those with a JSON Schema file), which gives a record the verdict and the codes
//! the Rust model gives it.
//!
//! - **Structure** is checked by Ajv (draft 2020-12, `ajv/dist/2020`, with `ajv-formats` for
//!   `date-time` and `uuid`) over the root's generated JSON Schema without its rules
//!   ([`json_schema::structure_schema_with`]), embedded in the module as JSON text so the package needs
//!   no file of its own at run time. A refusal is one violation with the spec's `InvalidRecord`
//!   code at Ajv's `instancePath`, as Rust reports one serde error with that code.
//! - **Rules** are checked afterwards, on structurally valid records only, by `violations` of
//!   `rules.ts`, which reports each rule's own code (the JSON Schema's `if`/`then` would report
//!   them under no code, and cannot express `member_of` and `all_equal`).
//!
//! Generated only when the spec declares an `InvalidRecord` error: its code is the one a refusal
//! reports.

use std::fmt::Write as _;

use super::{header, tsdoc};
use crate::ir::{DomainError, Ir};
use crate::json_schema;

/// The spec error every structural refusal reports (Rust: `INVALID_RECORD_CODE`).
const INVALID_RECORD: DomainError = DomainError::InvalidRecord;

/// `validate.ts`, or `None` when the spec has no `InvalidRecord` error.
pub(super) fn validate_file(ir: &Ir<'_>) -> Option<String> {
    let spec = ir.spec;
    let invalid = ir.error(INVALID_RECORD)?;
    let roots: Vec<_> = json_schema::schema_root_ids(ir).collect();
    let mut out = header(spec, "Runtime validation (structure, then rules)");
    out.push_str(
        "\nimport Ajv2020 from \"ajv/dist/2020.js\";\nimport type { ErrorObject, ValidateFunction } from \"ajv/dist/2020.js\";\nimport addFormats from \"ajv-formats\";\n\n",
    );
    let names: Vec<&str> = roots.iter().map(|id| ir.def(*id).name.as_str()).collect();
    let _ = writeln!(
        out,
        "import type {{ {} }} from \"./types.js\";",
        names.join(", ")
    );
    out.push_str("import { violations, type RuleCode } from \"./rules.js\";\n\n");

    tsdoc(
        &mut out,
        "",
        &[format!(
            "The code of a record that does not match its type (the spec's `{}` error, Rust's `INVALID_RECORD_CODE`).",
            INVALID_RECORD.name()
        )],
    );
    let _ = writeln!(
        out,
        "export const INVALID_RECORD_CODE = {} as const;\n",
        super::js_string(&invalid.code)
    );
    tsdoc(
        &mut out,
        "",
        &[
            "A reason a record is refused: the JSON pointer of the value (`\"\"` for the record itself) and",
            "either {@link INVALID_RECORD_CODE} (structure) or the code of a broken rule.",
        ],
    );
    out.push_str("export interface RecordViolation {\n  readonly pointer: string;\n  readonly code: RuleCode | typeof INVALID_RECORD_CODE;\n}\n\n");
    tsdoc(
        &mut out,
        "",
        &["The outcome of `validate<Type>`: the typed record, or every reason it is refused."],
    );
    out.push_str("export type Validated<T> =\n  | { readonly ok: true; readonly value: T }\n  | { readonly ok: false; readonly violations: readonly RecordViolation[] };\n\n");
    tsdoc(
        &mut out,
        "",
        &["Every type `validate<Type>` exists for (the root types, each with a JSON Schema)."],
    );
    let quoted: Vec<String> = names.iter().map(|n| super::js_string(n)).collect();
    let _ = writeln!(
        out,
        "export const ROOT_TYPE_NAMES = [{}] as const;\n",
        quoted.join(", ")
    );
    tsdoc(&mut out, "", &["One of {@link ROOT_TYPE_NAMES}."]);
    out.push_str("export type RootTypeName = (typeof ROOT_TYPE_NAMES)[number];\n\n");

    tsdoc(
        &mut out,
        "",
        &[
            "The JSON Schema of each root type without its rules (`…/structure/…` ids), as JSON text:",
            "the rules are checked by `rules.ts`, which reports their codes.",
        ],
    );
    out.push_str("const STRUCTURE_SCHEMAS: Readonly<Record<RootTypeName, string>> = {\n");
    for (root, name) in roots.iter().zip(&names) {
        let schema = json_schema::structure_schema_with(ir, *root);
        let text = serde_json::to_string(&schema).expect("a JSON value always serializes");
        let literal = serde_json::to_string(&text).expect("a string always serializes");
        let _ = writeln!(out, "  {}: {literal},", super::js_string(name));
    }
    out.push_str("};\n\n");

    out.push_str(
        "// One Ajv instance, strict: an unknown keyword or format in a schema is an error, not ignored.\n\
         // `allErrors: false` stops at the first mismatch, as serde does. The `.default` is the class\n\
         // itself: both packages are CommonJS modules that also export their class as `default`.\n\
         const ajv = new Ajv2020.default({ strict: true, allErrors: false });\n\
         addFormats.default(ajv, [\"date-time\", \"uuid\"]);\n\
         ajv.addKeyword({ keyword: \"x-lifecycle\" });\n\
         const compiled = new Map<RootTypeName, ValidateFunction>();\n\n",
    );
    tsdoc(
        &mut out,
        "",
        &[
            "The JSON pointer of the error Ajv stopped at (the last: a `oneOf` lists its variants' errors first):",
            "its `instancePath`, and for an unknown field the field itself, as serde names it.",
        ],
    );
    out.push_str(
        "function pointerOf(error: ErrorObject | undefined): string {\n\
         \x20 if (error === undefined) {\n\
         \x20   return \"\";\n\
         \x20 }\n\
         \x20 const unknown: unknown = error.keyword === \"additionalProperties\" ? error.params[\"additionalProperty\"] : undefined;\n\
         \x20 return typeof unknown === \"string\"\n\
         \x20   ? `${error.instancePath}/${unknown.replace(/~/g, \"~0\").replace(/\\//g, \"~1\")}`\n\
         \x20   : error.instancePath;\n\
         }\n\n",
    );
    tsdoc(
        &mut out,
        "",
        &[
            "Judges `value` as a `typeName` record: structure (Ajv), then rules (`violations`).",
            "Each root's schema is compiled on first use.",
        ],
    );
    out.push_str(
        "export function validateRecord<T>(typeName: RootTypeName, value: unknown): Validated<T> {\n\
         \x20 let check = compiled.get(typeName);\n\
         \x20 if (check === undefined) {\n\
         \x20   check = ajv.compile(JSON.parse(STRUCTURE_SCHEMAS[typeName]) as object);\n\
         \x20   compiled.set(typeName, check);\n\
         \x20 }\n\
         \x20 if (!check(value)) {\n\
         \x20   return { ok: false, violations: [{ pointer: pointerOf(check.errors?.at(-1)), code: INVALID_RECORD_CODE }] };\n\
         \x20 }\n\
         \x20 const broken = violations(typeName, value);\n\
         \x20 return broken.length === 0 ? { ok: true, value: value as T } : { ok: false, violations: broken };\n\
         }\n",
    );
    for name in &names {
        out.push('\n');
        tsdoc(
            &mut out,
            "",
            &[
                format!(
                    "Judges any value as a {{@link {name}}} record, as the Rust model does: its structure, then"
                ),
                "every cross-field rule on it and on the records nested in it.".into(),
            ],
        );
        let _ = writeln!(
            out,
            "export function validate{name}(value: unknown): Validated<{name}> {{\n  return validateRecord({}, value);\n}}",
            super::js_string(name)
        );
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use handshake_spec::model::{ErrorDef, Spec};

    use super::super::test_spec;
    use super::*;

    fn with_invalid_record() -> Spec {
        let mut spec = test_spec::spec();
        let mut invalid = spec.errors[0].clone();
        invalid.name = "InvalidRecord".into();
        invalid.code = "HSK-JOB-1001".into();
        spec.errors.push(ErrorDef { ..invalid });
        spec
    }

    #[test]
    fn no_validate_ts_without_an_invalid_record_error() {
        assert!(validate_file(&Ir::new(&test_spec::spec())).is_none());
    }

    #[test]
    fn every_schema_root_gets_a_validator_reporting_the_invalid_record_code() {
        let spec = with_invalid_record();
        let ir = Ir::new(&spec);
        let file = validate_file(&ir).expect("validate.ts generated");
        assert!(file.contains("export const INVALID_RECORD_CODE = \"HSK-JOB-1001\" as const;"));
        let roots: Vec<_> = json_schema::schema_root_ids(&ir).collect();
        assert!(!roots.is_empty());
        for root in roots {
            let name = &ir.def(root).name;
            assert!(
                file.contains(&format!(
                    "export function validate{name}(value: unknown): Validated<{name}> {{\n  return validateRecord(\"{name}\", value);\n}}"
                )),
                "{name} has no validator"
            );
            let schema = serde_json::to_string(&json_schema::structure_schema_with(&ir, root))
                .expect("serializes");
            let literal = serde_json::to_string(&schema).expect("serializes");
            assert!(
                file.contains(&format!("  \"{name}\": {literal},\n")),
                "{name}'s schema is not embedded"
            );
        }
        assert!(file.contains("new Ajv2020.default({ strict: true, allErrors: false })"));
        assert!(file.contains("addFormats.default(ajv, [\"date-time\", \"uuid\"])"));
    }
}
