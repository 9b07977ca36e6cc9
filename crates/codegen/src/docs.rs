//! Docs target: Markdown reference pages under `spec.outputs.docs`.
//!
//! Layout, chosen for readability: `index.md` is the map (every type with its kind and clause, the
//! lifecycle at a glance, every error code), and each spec file that declares something gets one
//! page named after it (`spec/job.yaml` → `job.md`) with the full tables. A maintainer who edits
//! one YAML file reads one page. The lifecycle is drawn as a Mermaid `stateDiagram-v2` generated
//! from the transition table, never by hand.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use handshake_spec::model::{
    ErrorDef, Field, Lifecycle, Meta, Primitive, Spec, TransitionOrigin, TypeDef, TypeKind, TypeRef,
};

use crate::GeneratedFile;
use crate::ir::Ir;
use crate::marker;
use crate::sql::Schema;

mod out_of_scope;
mod profiles;
mod rules;

/// Source named in the marker of `index.md`, which is built from the whole spec.
const WHOLE_SPEC: &str = "spec/handshake.yaml";

/// Generate `index.md`, then one page per spec file that declares a type, the lifecycle or an
/// error, in spec file order.
pub fn generate(spec: &Spec) -> Vec<GeneratedFile> {
    let ir = Ir::new(spec);
    generate_with(&ir, &crate::sql::schema_with(&ir))
}

/// [`generate`] from the resolved spec and the SQL target's layout of it (`schema`), which says
/// which rules have no CHECK, so the pages say what the migrations do.
pub fn generate_with(ir: &Ir<'_>, schema: &Schema) -> Vec<GeneratedFile> {
    let spec = ir.spec;
    let dir = spec.outputs.docs.trim_end_matches('/');
    let pages = Pages::new(spec);
    let mut files = vec![GeneratedFile {
        path: format!("{dir}/index.md"),
        contents: index_page(spec, &pages),
    }];
    for source in &pages.order {
        files.push(GeneratedFile {
            path: format!("{dir}/{}", pages.page_of_file[source]),
            contents: file_page(ir, schema, &pages, source),
        });
    }
    files
}

/// Which page documents what.
struct Pages {
    /// Spec files that get a page, in spec order.
    order: Vec<String>,
    /// Spec file → page file name.
    page_of_file: BTreeMap<String, String>,
    /// Type name → page file name.
    page_of_type: BTreeMap<String, String>,
}

impl Pages {
    fn new(spec: &Spec) -> Pages {
        let mut declaring: Vec<&str> = spec
            .types
            .iter()
            .map(|t| t.meta.location.file.as_str())
            .collect();
        declaring.push(&spec.lifecycle.meta.location.file);
        declaring.extend(spec.errors.iter().map(|e| e.meta.location.file.as_str()));
        let mut order: Vec<String> = spec
            .files
            .iter()
            .filter(|f| declaring.contains(&f.as_str()))
            .cloned()
            .collect();
        // Declarations from a file the manifest does not list (hand-built models in tests) still get a page.
        for file in declaring {
            if !order.iter().any(|f| f == file) {
                order.push(file.to_string());
            }
        }
        let mut page_of_file = BTreeMap::new();
        for file in &order {
            let stem = file.rsplit('/').next().unwrap_or(file);
            let stem = stem
                .strip_suffix(".yaml")
                .or_else(|| stem.strip_suffix(".yml"))
                .unwrap_or(stem);
            let page = if stem == "index" {
                "index-types.md".to_string()
            } else {
                format!("{stem}.md")
            };
            page_of_file.insert(file.clone(), page);
        }
        let page_of_type = spec
            .types
            .iter()
            .map(|t| (t.name.clone(), page_of_file[&t.meta.location.file].clone()))
            .collect();
        Pages {
            order,
            page_of_file,
            page_of_type,
        }
    }

    fn link(&self, type_name: &str) -> String {
        match self.page_of_type.get(type_name) {
            Some(page) => format!("[`{type_name}`]({page}#{})", anchor(type_name)),
            None => format!("`{type_name}`"),
        }
    }
}

fn index_page(spec: &Spec, pages: &Pages) -> String {
    let mut out = html_marker(WHOLE_SPEC);
    let _ = writeln!(out, "# `{}` reference\n", spec.name);
    let _ = writeln!(
        out,
        "Spec version {} implementing Master Spec {}. Generated from `spec/`; edit the YAML, then run \
         `cargo xtask codegen`.\n",
        spec.version, spec.master_spec
    );
    out.push_str("## Pages\n\n| page | spec file | declares |\n| --- | --- | --- |\n");
    for file in &pages.order {
        let page = &pages.page_of_file[file];
        let mut declared: Vec<String> = spec
            .types
            .iter()
            .filter(|t| &t.meta.location.file == file)
            .map(|t| format!("`{}`", t.name))
            .collect();
        if &spec.lifecycle.meta.location.file == file {
            declared.push("lifecycle".to_string());
        }
        let errors = spec
            .errors
            .iter()
            .filter(|e| &e.meta.location.file == file)
            .count();
        if errors > 0 {
            declared.push(format!(
                "{errors} error{}",
                if errors == 1 { "" } else { "s" }
            ));
        }
        let _ = writeln!(
            out,
            "| [{page}]({page}) | `{file}` | {} |",
            declared.join(", ")
        );
    }
    out.push_str(
        "\n## Types\n\n| type | kind | clause | description |\n| --- | --- | --- | --- |\n",
    );
    for ty in &spec.types {
        row(
            &mut out,
            [
                &pages.link(&ty.name),
                &kind_name(ty),
                &ty.meta.clause,
                &cell(&ty.meta.description),
            ],
        );
    }
    let lifecycle = &spec.lifecycle;
    let _ = writeln!(
        out,
        "\n## Lifecycle\n\n{} ({}): starts in `{}`; terminal: {}. {} allowed transitions, {} rejected diagram edges; \
         see the [diagram and tables]({}#lifecycle-{}).\n",
        pages.link(&lifecycle.name),
        lifecycle.meta.clause,
        lifecycle.initial,
        lifecycle
            .terminal_states()
            .map(|s| format!("`{}`", s.name))
            .collect::<Vec<_>>()
            .join(", "),
        lifecycle.transitions.len(),
        lifecycle.rejected.len(),
        pages.page_of_file[&lifecycle.meta.location.file],
        anchor(&lifecycle.name)
    );
    out.push_str("## Error codes\n\n");
    error_table(&mut out, &spec.errors);
    rules::index_rules(&mut out, spec, pages);
    out_of_scope::index_out_of_scope(&mut out, spec);
    out
}

fn file_page(ir: &Ir<'_>, schema: &Schema, pages: &Pages, file: &str) -> String {
    let spec = ir.spec;
    let mut out = html_marker(file);
    let _ = writeln!(out, "# `{file}`\n");
    let _ = writeln!(
        out,
        "Part of the [`{}` reference](index.md) (spec {}, Master Spec {}).",
        spec.name, spec.version, spec.master_spec
    );
    for id in ir.ids() {
        let ty = ir.def(id);
        if ty.meta.location.file != file {
            continue;
        }
        out.push('\n');
        if ir.lifecycle() == Some(id) {
            type_heading(&mut out, ty);
            let _ = writeln!(
                out,
                "The states of the lifecycle below, as an enum. See [the lifecycle](#lifecycle-{}).",
                anchor(&ty.name)
            );
            if let TypeKind::Enum(values) = &ty.kind {
                enum_table(&mut out, values.iter().map(|v| (&v.name, &v.meta)));
            }
            continue;
        }
        type_section(&mut out, pages, ty);
        rules::type_rules(&mut out, ir, schema, id);
    }
    if spec.lifecycle.meta.location.file == file {
        out.push('\n');
        lifecycle_section(&mut out, pages, &spec.lifecycle);
    }
    let errors: Vec<ErrorDef> = spec
        .errors
        .iter()
        .filter(|e| e.meta.location.file == file)
        .cloned()
        .collect();
    if !errors.is_empty() {
        out.push_str("\n## Errors\n\n");
        error_table(&mut out, &errors);
        for error in errors.iter().filter(|e| !e.fields.is_empty()) {
            let _ = writeln!(out, "\n### `{}` fields\n", error.name);
            field_table(&mut out, pages, &error.fields);
        }
    }
    profiles::profiles_section(&mut out, spec, pages, file);
    out
}

fn type_heading(out: &mut String, ty: &TypeDef) {
    let _ = writeln!(out, "## {}\n", ty.name);
    let _ = writeln!(
        out,
        "*{}*, {}. {}\n",
        kind_name(ty),
        ty.meta.clause,
        sentence(&ty.meta.description)
    );
    decision(out, &ty.meta);
}

fn type_section(out: &mut String, pages: &Pages, ty: &TypeDef) {
    type_heading(out, ty);
    match &ty.kind {
        TypeKind::Id => {
            out.push_str("A UUID (RFC 4122), written in hyphenated lower-case text form.\n");
        }
        TypeKind::String(constraints) => {
            out.push_str(&crate::doc_text::string_phrase(constraints));
            out.push_str(".\n");
            if let Some(example) = &constraints.example {
                let _ = writeln!(out, "\nExample: `{example}`");
            }
        }
        TypeKind::Enum(values) => enum_table(out, values.iter().map(|v| (&v.name, &v.meta))),
        TypeKind::Record(record) => {
            field_table(out, pages, &record.fields);
            if let Some(table) = &record.table {
                let _ = writeln!(
                    out,
                    "\nStored in table `{}` ({}): {}{}",
                    table.name,
                    table.meta.clause,
                    sentence(&table.meta.description),
                    if table.append_only {
                        " Append-only: rows are never updated or deleted."
                    } else {
                        ""
                    }
                );
                decision(out, &table.meta);
            }
            decisions_of_fields(out, &record.fields);
        }
        TypeKind::Union(union) => {
            let _ = writeln!(
                out,
                "Internally tagged on `{}`: an object `{{\"{}\": \"<variant>\", …fields}}`.",
                union.tag, union.tag
            );
            for variant in &union.variants {
                let _ = writeln!(
                    out,
                    "\n### {}: `{}`\n\n{}. {}",
                    ty.name,
                    variant.name,
                    variant.meta.clause,
                    sentence(&variant.meta.description)
                );
                decision(out, &variant.meta);
                if variant.fields.is_empty() {
                    out.push_str("\nNo fields besides the tag.\n");
                } else {
                    out.push('\n');
                    field_table(out, pages, &variant.fields);
                    decisions_of_fields(out, &variant.fields);
                }
            }
        }
    }
}

fn enum_table<'a>(out: &mut String, values: impl Iterator<Item = (&'a String, &'a Meta)>) {
    out.push_str("\n| value | clause | description |\n| --- | --- | --- |\n");
    let mut decided = Vec::new();
    for (name, meta) in values {
        row(out, [&code(name), &meta.clause, &cell(&meta.description)]);
        if let Some(decision) = &meta.decision {
            decided.push((name, decision));
        }
    }
    for (name, decision) in decided {
        let _ = writeln!(out, "\n> **Decision** (`{name}`): {}", one_line(decision));
    }
}

fn field_table(out: &mut String, pages: &Pages, fields: &[Field]) {
    out.push_str(
        "| field | type | required | clause | description |\n| --- | --- | --- | --- | --- |\n",
    );
    for field in fields {
        let required = match (&field.default, field.required) {
            (_, true) => "yes".to_string(),
            (Some(default), false) => format!("no (default `{default}`)"),
            (None, false) => "no".to_string(),
        };
        let decided = if field.meta.decision.is_some() {
            " (decision below)"
        } else {
            ""
        };
        row(
            out,
            [
                &code(&field.name),
                &type_text(pages, &field.ty),
                &cell(&required),
                &field.meta.clause,
                &format!("{}{decided}", cell(&field.meta.description)),
            ],
        );
    }
}

fn decisions_of_fields(out: &mut String, fields: &[Field]) {
    for field in fields {
        if let Some(decision) = &field.meta.decision {
            let _ = writeln!(
                out,
                "\n> **Decision** (`{}`): {}",
                field.name,
                one_line(decision)
            );
        }
    }
}

fn decision(out: &mut String, meta: &Meta) {
    if let Some(decision) = &meta.decision {
        let _ = writeln!(out, "> **Decision:** {}\n", one_line(decision));
    }
}

fn type_text(pages: &Pages, ty: &TypeRef) -> String {
    match ty {
        TypeRef::Primitive(Primitive::Timestamp) => "timestamp (RFC 3339 UTC)".to_string(),
        TypeRef::Primitive(primitive) => primitive.spelling().to_string(),
        TypeRef::Named(name) => pages.link(name),
        TypeRef::List(inner) => format!("list of {}", type_text(pages, inner)),
        TypeRef::Map(inner) => format!("map of string to {}", type_text(pages, inner)),
    }
}

fn lifecycle_section(out: &mut String, pages: &Pages, lifecycle: &Lifecycle) {
    let _ = writeln!(out, "## Lifecycle: {}\n", lifecycle.name);
    let _ = writeln!(
        out,
        "{}. {} Every job starts in `{}`. States: {}.\n",
        lifecycle.meta.clause,
        sentence(&lifecycle.meta.description),
        lifecycle.initial,
        pages.link(&lifecycle.name)
    );
    decision(out, &lifecycle.meta);
    out.push_str("```mermaid\nstateDiagram-v2\n");
    let _ = writeln!(out, "    [*] --> {}", lifecycle.initial);
    for transition in &lifecycle.transitions {
        match transition.origin {
            TransitionOrigin::Diagram => {
                let _ = writeln!(out, "    {} --> {}", transition.from, transition.to);
            }
            TransitionOrigin::Text => {
                let _ = writeln!(
                    out,
                    "    {} --> {}: text {}",
                    transition.from,
                    transition.to,
                    transition.meta.clause.primary()
                );
            }
        }
    }
    for state in lifecycle.terminal_states() {
        let _ = writeln!(out, "    {} --> [*]", state.name);
    }
    out.push_str("```\n\nEdges labelled *text* are not drawn in the spec's diagram; a sentence of its text allows them.\n");

    out.push_str(
        "\n### States\n\n| state | terminal | clause | description |\n| --- | --- | --- | --- |\n",
    );
    for state in &lifecycle.states {
        row(
            out,
            [
                &code(&state.name),
                &if state.terminal { "yes" } else { "no" },
                &state.meta.clause,
                &cell(&state.meta.description),
            ],
        );
    }
    out.push_str("\n### Allowed transitions\n\n| from | to | origin | clause | description |\n| --- | --- | --- | --- | --- |\n");
    for transition in &lifecycle.transitions {
        let origin = crate::doc_text::origin(transition.origin);
        row(
            out,
            [
                &code(&transition.from),
                &code(&transition.to),
                &origin,
                &transition.meta.clause,
                &description_cell(&transition.meta),
            ],
        );
    }
    out.push_str("\n### Rejected diagram edges\n\n");
    if lifecycle.rejected.is_empty() {
        out.push_str("None: every edge the diagram draws is allowed.\n");
    } else {
        out.push_str("Drawn in the spec's diagram but refused, with the reason.\n\n");
        out.push_str("| from | to | clause | reason |\n| --- | --- | --- | --- |\n");
        for rejected in &lifecycle.rejected {
            let meta = &rejected.meta;
            let reason = rejected.reason();
            row(
                out,
                [
                    &code(&rejected.from),
                    &code(&rejected.to),
                    &meta.clause,
                    &cell(reason),
                ],
            );
        }
    }
}

fn error_table(out: &mut String, errors: &[ErrorDef]) {
    if errors.is_empty() {
        out.push_str("No errors are declared.\n");
        return;
    }
    out.push_str(
        "| code | name | message | clause | description |\n| --- | --- | --- | --- | --- |\n",
    );
    for error in errors {
        row(
            out,
            [
                &code(&error.code),
                &code(&error.name),
                &code(&error.message.replace('|', "\\|")),
                &error.meta.clause,
                &description_cell(&error.meta),
            ],
        );
    }
}

fn kind_name(ty: &TypeDef) -> &'static str {
    match ty.kind {
        TypeKind::Id => "id",
        TypeKind::String(_) => "string",
        TypeKind::Enum(_) => "enum",
        TypeKind::Record(_) => "record",
        TypeKind::Union(_) => "union",
    }
}

fn html_marker(source: &str) -> String {
    format!("<!-- {} -->\n\n", marker::sentence(source))
}

/// GitHub's heading anchor for a `## Name` heading made of ASCII letters and digits.
fn anchor(name: &str) -> String {
    name.to_ascii_lowercase()
}

/// Text safe inside a Markdown table cell: one line, `|` escaped.
fn cell(text: &str) -> String {
    one_line(text).replace('|', "\\|")
}

/// One row of a Markdown table, its cells between pipes; the cells come already escaped.
fn row<const N: usize>(out: &mut String, cells: [&dyn std::fmt::Display; N]) {
    for cell in cells {
        let _ = write!(out, "| {cell} ");
    }
    out.push_str("|\n");
}

/// Text as inline code, the way names and codes stand in the tables.
fn code(text: &str) -> String {
    format!("`{text}`")
}

/// The description cell of a table row with the spec's decision, if any, after it: a reader of
/// the row needs both to see why it is as it is.
fn description_cell(meta: &Meta) -> String {
    let mut text = cell(&meta.description);
    if let Some(decision) = &meta.decision {
        let _ = write!(text, " **Decision:** {}", cell(decision));
    }
    text
}

/// `text` on one line with the spec's decision, if any, after it; for cells that explain a row
/// with something other than its description (a guard's reason, a status's meaning).
fn with_decision(text: &str, meta: &Meta) -> String {
    let mut text = one_line(text);
    if let Some(decision) = &meta.decision {
        let _ = write!(text, " **Decision:** {}", one_line(decision));
    }
    text
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A description as a sentence: capitalised, ending with a full stop.
fn sentence(text: &str) -> String {
    let text = one_line(text);
    let mut chars = text.chars();
    let mut out = match chars.next() {
        Some(first) => first.to_uppercase().collect::<String>() + chars.as_str(),
        None => return String::new(),
    };
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::typescript::test_spec;

    fn page(name: &str) -> String {
        crate::test_model::test_spec_file(generate, "out/docs", name)
    }

    #[test]
    fn one_page_per_declaring_spec_file_plus_the_index() {
        let spec = test_spec::spec();
        let paths: Vec<String> = generate(&spec).into_iter().map(|f| f.path).collect();
        assert_eq!(
            paths,
            [
                "out/docs/index.md",
                "out/docs/core.md",
                "out/docs/lifecycle.md",
                "out/docs/errors.md"
            ]
        );
    }

    #[test]
    fn table_cells_escape_pipes() {
        let core = page("core.md");
        assert!(
            core.contains("| `title` | string | no | §2.6.6.2.1 | a title \\| or a heading |"),
            "{core}"
        );
    }

    #[test]
    fn the_diagram_is_the_transition_table() {
        let lifecycle = page("lifecycle.md");
        let diagram = crate::test_model::between(&lifecycle, "```mermaid\n", "```");
        let arrows: Vec<&str> = diagram.lines().filter(|l| l.contains("-->")).collect();
        assert_eq!(
            arrows,
            [
                "    [*] --> queued",
                "    queued --> running",
                "    running --> completed",
                "    running --> failed",
                "    queued --> failed: text §2.6.6.3.1",
                "    completed --> [*]",
                "    failed --> [*]",
            ]
        );
        assert!(lifecycle.contains("| `failed` | `running` | §2.6.6.3.1 | a retry is a new workflow run, the job stays failed |"));
    }

    #[test]
    fn the_index_lists_every_error_code() {
        assert!(page("index.md").contains("| `HSK-JOB-001` | `IllegalTransition` |"));
    }
}
