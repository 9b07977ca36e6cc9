//! `cargo xtask codegen --check` as a test: plain `cargo test` fails when any generated file is
//! stale, missing or orphaned, or a migration is pending.

use handshake_conformance::repo_root;

#[test]
fn generated_files_match_the_spec() {
    let plan = match handshake_codegen::plan_repo(&repo_root()) {
        Ok(plan) => plan,
        Err(handshake_codegen::RunError::Spec(handshake_spec::LoadError::Invalid(diagnostics))) => {
            panic!("the spec does not load:\n{}", diagnostics.render())
        }
        Err(other) => panic!("codegen failed: {other}"),
    };
    assert!(
        plan.is_clean(),
        "generated files are out of date; run `cargo xtask codegen` and commit the result:\n{}",
        plan.check_report()
    );
}

#[test]
fn codegen_is_byte_identical_on_every_run() {
    let root = repo_root();
    let spec = handshake_spec::load(&root).expect("spec loads");
    let first = handshake_codegen::generate(&spec, &[]).expect("generates");
    let second = handshake_codegen::generate(&spec, &[]).expect("generates");
    assert_eq!(first, second);
    for file in &first.files {
        // The marker, LF endings and one final newline; the write path refuses anything else.
        assert_eq!(
            handshake_codegen::output::form_problem(&file.contents),
            None,
            "{}",
            file.path
        );
    }
}
