//! TypeScript target: `types.ts`, `lifecycle.ts` and `errors.ts` under `spec.outputs.typescript`.
//!
//! The output is plain TypeScript (no runtime dependency) that type-checks under `tsc --strict`:
//! records are interfaces, enums string-literal unions with a `…_VALUES` tuple, unions
//! discriminated unions, ids and string newtypes branded strings with a guard (`isX`) and a
//! checked constructor (`asX`). Every exported item carries TSDoc naming its clause.

use std::fmt::Write as _;

use handshake_spec::model::{Clause, Spec};

use crate::GeneratedFile;
use crate::doc_text::{meta_tail, type_lines};
use crate::ir::Ir;
use crate::marker;

mod lifecycle;
mod profiles;
mod rules;
mod types;
mod validate;

/// Source named in the marker of files built from the whole spec.
const WHOLE_SPEC: &str = "spec/handshake.yaml";

/// The hyphenated UUID form every target writes (RFC 4122 text form, either case).
const UUID_PATTERN: &str =
    "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

/// Generate `types.ts`, `lifecycle.ts`, `errors.ts` and `rules.ts`, in that order, then
/// `profiles.ts` and `validate.ts` where the spec has what they need.
pub fn generate(spec: &Spec) -> Vec<GeneratedFile> {
    generate_with(&Ir::new(spec))
}

/// [`generate`] from the resolved spec.
pub fn generate_with(ir: &Ir<'_>) -> Vec<GeneratedFile> {
    let spec = ir.spec;
    crate::files_in(
        &spec.outputs.typescript,
        [
            ("types.ts", Some(types::types_file(ir))),
            ("lifecycle.ts", Some(lifecycle::lifecycle_file(ir))),
            ("errors.ts", Some(errors_file(spec))),
            ("rules.ts", Some(rules::rules_file(ir))),
            // Only for specs with `profiles:` (§2.6.6.6).
            ("profiles.ts", profiles::profiles_file_with(ir)),
            // Only for specs with an `InvalidRecord` error, the code it reports.
            ("validate.ts", validate::validate_file(ir)),
        ],
    )
}

fn header(spec: &Spec, what: &str) -> String {
    let mut out = marker::line("//", WHOLE_SPEC);
    out.push_str("/**\n");
    let _ = writeln!(
        out,
        " * {what} of the `{}` spec {} (Master Spec {}).",
        spec.name, spec.version, spec.master_spec
    );
    out.push_str(" *\n * @packageDocumentation\n */\n");
    out
}

fn errors_file(spec: &Spec) -> String {
    let mut out = header(spec, "Typed errors with stable codes");
    out.push('\n');
    tsdoc(
        &mut out,
        "",
        &[
            "The stable code of every error, by name, in spec order. Codes are never reused."
                .to_string(),
        ],
    );
    out.push_str("export const ERROR_CODES = {\n");
    for error in &spec.errors {
        let mut doc = vec![error.meta.description.clone()];
        if !error.fields.is_empty() {
            doc.push(String::new());
            doc.push("Fields:".to_string());
            for field in &error.fields {
                doc.push(format!(
                    "- `{}` ({}{}): {}",
                    field.name,
                    field.ty,
                    if field.required { "" } else { ", optional" },
                    field.meta.description
                ));
            }
        }
        doc.extend(meta_tail(&error.meta));
        tsdoc(&mut out, "  ", &doc);
        let _ = writeln!(out, "  {}: {},", error.name, js_string(&error.code));
    }
    out.push_str("} as const;\n\n");
    tsdoc(
        &mut out,
        "",
        &[
            "The message template of every error; `{field}` interpolates a field of the error."
                .to_string(),
        ],
    );
    out.push_str("export const ERROR_MESSAGES = {\n");
    for error in &spec.errors {
        let _ = writeln!(out, "  {}: {},", error.name, js_string(&error.message));
    }
    out.push_str("} as const satisfies Record<keyof typeof ERROR_CODES, string>;\n");
    out
}

/// Write a TSDoc block; `*/` inside text is defused so a description can never end the comment.
/// A top-level TSDoc comment of one sentence and the clause it cites.
fn tsdoc_clause(out: &mut String, sentence: &str, clause: &Clause) {
    tsdoc(
        out,
        "",
        &[sentence.to_string(), format!("Clause: {clause}")],
    );
}

fn tsdoc(out: &mut String, indent: &str, lines: &[impl AsRef<str>]) {
    let _ = writeln!(out, "{indent}/**");
    for line in lines {
        let line = line.as_ref().replace("*/", "*\\/");
        for piece in line.split('\n') {
            if piece.trim().is_empty() {
                let _ = writeln!(out, "{indent} *");
            } else {
                let _ = writeln!(out, "{indent} * {}", piece.trim_end());
            }
        }
    }
    let _ = writeln!(out, "{indent} */");
}

/// A JavaScript string literal. JSON string syntax is valid ECMAScript (ES2019+), escapes included.
fn js_string(text: &str) -> String {
    serde_json::Value::String(text.to_string()).to_string()
}

/// Spec names are snake_case identifiers, valid as TypeScript property names unquoted (keywords
/// included); anything else is quoted.
fn property_name(name: &str) -> String {
    if !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit())
    {
        name.to_string()
    } else {
        js_string(name)
    }
}

#[cfg(test)]
pub(crate) mod test_spec;

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str) -> String {
        crate::test_model::test_spec_file(generate, "out/ts", name)
    }

    #[test]
    fn every_type_is_exported_with_its_clause() {
        let spec = test_spec::spec();
        let types = file("types.ts");
        for ty in &spec.types {
            let exported = types.contains(&format!("export type {} ", ty.name))
                || types.contains(&format!("export interface {} ", ty.name));
            assert!(exported, "{} is not exported", ty.name);
            assert!(
                types.contains(&format!("Clause: {}", ty.meta.clause)),
                "{} lacks its clause",
                ty.name
            );
        }
    }

    #[test]
    fn a_description_can_never_end_the_comment_it_sits_in() {
        let types = file("types.ts");
        assert!(types.contains("a semantic version *\\/ \"quoted\""));
        assert!(!types.contains("version */"));
    }

    #[test]
    fn the_lifecycle_type_and_table_list_exactly_the_allowed_edges() {
        let spec = test_spec::spec();
        let lifecycle = file("lifecycle.ts");
        for transition in &spec.lifecycle.transitions {
            let pair = format!("from: \"{}\", to: \"{}\"", transition.from, transition.to);
            assert_eq!(lifecycle.matches(&pair).count(), 1, "{pair} in the table");
            let edge = format!(
                "{{ readonly from: \"{}\"; readonly to: \"{}\" }}",
                transition.from, transition.to
            );
            assert!(lifecycle.contains(&edge), "{edge} in the edge type");
        }
        assert!(
            !lifecycle.contains("readonly from: \"failed\"; readonly to: \"running\""),
            "a rejected edge is no edge"
        );
        assert!(lifecycle.contains("export const INITIAL = \"queued\" satisfies JobState;"));
        assert!(lifecycle.contains("export const TERMINAL = [\"completed\", \"failed\"] as const"));
    }

    #[test]
    fn optional_fields_are_optional_properties() {
        let types = file("types.ts");
        assert!(types.contains("  job_id: JobId;"));
        assert!(types.contains("  title?: string;"));
        assert!(types.contains("  labels?: Record<string, string>;"));
        assert!(types.contains("  payload?: unknown;"));
    }
}
