//! The committed spec (`spec/handshake.yaml` and the files it lists) loads with zero diagnostics.

use std::path::Path;

#[test]
fn the_committed_spec_loads_cleanly() {
    let repo_root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    match handshake_spec::load(&repo_root) {
        Ok(spec) => {
            assert_eq!(
                spec.files.first().map(String::as_str),
                Some("spec/handshake.yaml")
            );
            assert!(
                spec.type_named(&spec.lifecycle.name).is_some(),
                "the lifecycle enum is a type"
            );
        }
        Err(handshake_spec::LoadError::Invalid(diagnostics)) => {
            panic!("spec/ has problems:\n{}", diagnostics.render())
        }
        Err(other) => panic!("cannot read spec/: {other}"),
    }
}
