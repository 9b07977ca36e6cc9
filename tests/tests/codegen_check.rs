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
        assert!(
            handshake_codegen::marker::is_generated(&file.contents),
            "{} lacks the marker",
            file.path
        );
        assert!(
            !file.contents.contains('\r'),
            "{} has CR line endings",
            file.path
        );
        assert!(
            file.contents.ends_with('\n') && !file.contents.ends_with("\n\n"),
            "{} must end with one newline",
            file.path
        );
    }
}
