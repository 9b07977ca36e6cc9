//! The loader and the targets agree on every name a target reserves (the lists in
//! `handshake_spec::reserved`, owned by the targets): every listed word the loader accepts as a
//! field is escaped by the Rust and Python targets into a valid identifier that keeps the wire
//! name, and every name the Rust target would refuse as a type is refused by the loader first.

use std::collections::BTreeMap;

use handshake_spec::reserved::{python, rust, sql};

use handshake_spec::MANIFEST;

/// A one-record spec whose record has one field per name in `fields`, and extra `types`.
fn spec_sources(fields: &[&str], types: &str) -> BTreeMap<String, String> {
    let mut core = String::from(
        "types:\n  Thing:\n    kind: record\n    root: true\n    clause: §1\n    description: a thing\n    fields:\n",
    );
    for field in fields {
        core.push_str(&format!(
            "      {field}: {{ type: string, required: false, clause: §1, description: a field }}\n"
        ));
    }
    core.push_str(types);
    core.push_str(&handshake_spec::scratch::lifecycle(
        "ThingState",
        "§1",
        &[("new", false, "§1"), ("done", true, "§1")],
        &[("new", "done", "diagram", "§1")],
    ));
    core.push_str(
        "errors:
  IllegalTransition:
    code: HSK-JOB-001
    message: 'illegal transition from {from_state} to {to_state}'
    clause: §1
    description: a transition the lifecycle does not allow
    fields:
      from_state: { type: ThingState, required: true, clause: §1, description: current state }
      to_state: { type: ThingState, required: true, clause: §1, description: requested state }
",
    );
    handshake_spec::scratch::sources("reserved_names", &[("core.yaml", &core)])
}

/// Every snake_case word of the targets' lists, as field names (wire names are never refused).
fn listed_wire_words() -> Vec<&'static str> {
    let mut words: Vec<&str> = rust::KEYWORDS
        .iter()
        .chain(python::KEYWORDS)
        .chain(python::SOFT_KEYWORDS)
        .chain(python::PYDANTIC_ATTRIBUTES)
        .chain(python::FIELD_SHADOWS)
        .chain(sql::RESERVED_WORDS)
        .copied()
        .filter(|word| handshake_spec::names::is_snake_case(word))
        .collect();
    words.sort_unstable();
    words.dedup();
    words
}

#[test]
fn every_listed_word_is_a_field_the_targets_escape() {
    let words = listed_wire_words();
    let spec = handshake_spec::load_sources(&spec_sources(&words, ""), MANIFEST)
        .unwrap_or_else(|error| panic!("the loader refuses a listed wire name:\n{error}"));

    let rust_files = handshake_codegen::rust::generate(&spec).expect("the rust target escapes");
    let types = rust_files
        .iter()
        .find(|file| file.path.ends_with("/types.rs"))
        .expect("types.rs is generated");
    let parsed = syn::parse_file(&types.contents).expect("types.rs parses");
    let thing = parsed
        .items
        .iter()
        .find_map(|item| match item {
            syn::Item::Struct(item) if item.ident == "Thing" => Some(item),
            _ => None,
        })
        .expect("struct Thing");
    let mut wire_names: Vec<String> = thing
        .fields
        .iter()
        .map(|field| {
            let ident = field.ident.as_ref().expect("named field").to_string();
            let ident = ident.strip_prefix("r#").unwrap_or(&ident).to_string();
            match ident.strip_suffix('_') {
                Some(plain) if rust::NOT_RAW.contains(&plain) => plain.to_string(),
                _ => ident,
            }
        })
        .collect();
    wire_names.sort_unstable();
    assert_eq!(wire_names, words, "every rust field keeps its wire name");

    let python = handshake_codegen::python::generate(&spec);
    let models = python
        .iter()
        .map(|file| file.contents.as_str())
        .collect::<String>();
    for word in &words {
        if python::is_escaped(word) {
            assert!(
                models.contains(&format!("{word}_: "))
                    && models.contains(&format!("alias=\"{word}\"")),
                "python does not escape `{word}`"
            );
        }
    }
}

#[test]
fn every_name_the_rust_target_refuses_as_a_type_is_refused_by_the_loader() {
    for name in rust::USED_NAMES
        .iter()
        .chain(rust::KEYWORDS)
        .filter(|name| handshake_spec::names::is_pascal_case(name))
    {
        let types = format!("  {name}: {{ kind: id, clause: §1, description: a name }}\n");
        let error = handshake_spec::load_sources(&spec_sources(&["plain"], &types), MANIFEST)
            .expect_err("a reserved type name is refused");
        let rendered = error.to_string();
        assert!(
            rendered.contains(&format!("error[S0202]: type name `{name}` is reserved")),
            "`{name}` is not refused as a type name:\n{rendered}"
        );
    }
}
