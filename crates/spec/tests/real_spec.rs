//! The committed spec (`spec/handshake.yaml` and the files it lists) loads with zero diagnostics.

mod common;

#[test]
fn the_committed_spec_loads_cleanly() {
    let spec = common::committed_spec();
    assert_eq!(
        spec.files.first().map(String::as_str),
        Some("spec/handshake.yaml")
    );
    assert!(
        spec.type_named(&spec.lifecycle.name).is_some(),
        "the lifecycle enum is a type"
    );
}
