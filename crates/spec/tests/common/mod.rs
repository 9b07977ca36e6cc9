//! What the tests over the committed spec share: the spec itself (a load failure fails the test
//! with the rendered diagnostics) and look-ups by name that name what is missing.

// Each test crate compiles this module and uses only part of it.
#![allow(dead_code)]

use std::path::Path;

use handshake_spec::model::{OutOfScope, Rule, Spec};

/// `spec/handshake.yaml` and the files it lists, loaded from the repository root.
pub fn committed_spec() -> Spec {
    let repo_root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    match handshake_spec::load(&repo_root) {
        Ok(spec) => spec,
        Err(handshake_spec::LoadError::Invalid(diagnostics)) => {
            panic!("spec/ has problems:\n{}", diagnostics.render())
        }
        Err(other) => panic!("cannot read spec/: {other}"),
    }
}

/// The rule called `name`.
pub fn rule<'s>(spec: &'s Spec, name: &str) -> &'s Rule {
    spec.rules
        .iter()
        .find(|r| r.name == name)
        .unwrap_or_else(|| panic!("no rule `{name}`"))
}

/// The `out_of_scope:` entry called `name`.
pub fn out_of_scope<'s>(spec: &'s Spec, name: &str) -> &'s OutOfScope {
    spec.out_of_scope
        .iter()
        .find(|o| o.name == name)
        .unwrap_or_else(|| panic!("`{name}` is not listed under `out_of_scope`"))
}

/// `HSK-RULE-PRF-<n>` for each `n`: the codes a run of profile bindings writes, in order.
pub fn profile_rule_codes(numbers: std::ops::RangeInclusive<u32>) -> Vec<String> {
    numbers.map(|n| format!("HSK-RULE-PRF-{n:03}")).collect()
}
