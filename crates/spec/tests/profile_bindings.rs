//! Profile bindings and typed operations on the committed spec: the loader writes the rules a
//! profile's `bindings:` names (the inputs rules keep the names, codes, messages and clauses the
//! hand-written HSK-RULE-PRF-002..008 had), and every `PlannedOperation` variant is claimed by
//! exactly one profile.

mod common;

use common::{committed_spec, profile_rule_codes, rule};
use handshake_spec::model::{BindingKind, Condition, FieldPath, PathStep, TypeKind};

fn field(name: &str) -> FieldPath {
    FieldPath(vec![PathStep::Field(name.to_string())])
}

fn strings(items: &[String]) -> Vec<serde_json::Value> {
    items
        .iter()
        .map(|item| serde_json::Value::String(item.clone()))
        .collect()
}

/// The inputs rules as they were written by hand before bindings existed: name, code, message,
/// clause. Moving them into bindings must change nothing a violation reports.
const INPUTS_RULES: [(&str, &str, &str, &str); 7] = [
    (
        "docs_sheets_kinds_carry_docs_sheets_inputs",
        "HSK-RULE-PRF-002",
        "a docs_sheets job may only carry docs_sheets inputs",
        "§2.5.10, §2.6.6.6.1",
    ),
    (
        "charts_decks_kinds_carry_charts_decks_inputs",
        "HSK-RULE-PRF-003",
        "a charts_decks job may only carry charts_decks inputs",
        "§2.5.11.1, §2.6.6.6.1",
    ),
    (
        "context_pack_builder_kinds_carry_context_pack_builder_inputs",
        "HSK-RULE-PRF-004",
        "a context_pack_builder job may only carry context_pack_builder inputs",
        "§2.5.12.1, §2.6.6.6.1",
    ),
    (
        "asr_kinds_carry_asr_inputs",
        "HSK-RULE-PRF-005",
        "a asr job may only carry asr inputs",
        "§6.2.26.1, §2.6.6.6.1",
    ),
    (
        "docling_kinds_carry_docling_inputs",
        "HSK-RULE-PRF-006",
        "a docling job may only carry docling inputs",
        "§6.1.6.1, §2.6.6.6.1",
    ),
    (
        "distillation_kinds_carry_distillation_inputs",
        "HSK-RULE-PRF-007",
        "a distillation job may only carry distillation inputs",
        "§2.6.6.6.2, §2.6.6.6.1",
    ),
    (
        "canvas_kinds_carry_canvas_inputs",
        "HSK-RULE-PRF-008",
        "a canvas job may only carry canvas inputs",
        "§2.6.6.6.2, §2.6.6.6.1",
    ),
];

#[test]
fn inputs_bindings_write_the_rules_that_were_hand_written() {
    let spec = committed_spec();
    for (name, code, message, clause) in INPUTS_RULES {
        let rule = rule(&spec, name);
        assert_eq!(rule.code, code, "{name}");
        assert_eq!(rule.message, message, "{name}");
        assert_eq!(rule.meta.clause.to_string(), clause, "{name}");
        assert_eq!(rule.on, "AiJob", "{name}");
        let profile = spec
            .profiles
            .iter()
            .find(|p| name.starts_with(&format!("{}_kinds", p.name)))
            .expect("the profile of the rule");
        assert_eq!(
            rule.when,
            Some(Condition::All(vec![
                Condition::Present(field("job_inputs")),
                Condition::OneOf {
                    path: field("job_kind"),
                    values: strings(&profile.job_kinds),
                },
            ])),
            "{name}: the kinds come from the profile's job_kinds"
        );
        assert_eq!(
            rule.require,
            Condition::Equals {
                path: FieldPath::fields(&["job_inputs", "profile"]),
                value: serde_json::Value::String(profile.name.clone()),
            },
            "{name}"
        );
    }
}

#[test]
fn operations_bindings_limit_planned_operations_to_the_profiles_own() {
    let spec = committed_spec();
    let mut codes = Vec::new();
    for profile in &spec.profiles {
        let binding = profile
            .bindings
            .iter()
            .find(|b| b.kind == BindingKind::Operations)
            .unwrap_or_else(|| panic!("profile `{}` binds no operations", profile.name));
        let name = format!("{0}_kinds_plan_{0}_operations", profile.name);
        let rule = rule(&spec, &name);
        assert_eq!(rule.code, binding.code);
        assert_eq!(
            rule.message,
            format!("a {0} job may only plan {0} operations", profile.name)
        );
        assert_eq!(
            rule.when,
            Some(Condition::OneOf {
                path: field("job_kind"),
                values: strings(&profile.job_kinds),
            })
        );
        assert_eq!(
            rule.require,
            Condition::Each {
                path: field("planned_operations"),
                condition: Box::new(Condition::OneOf {
                    path: field("op"),
                    values: strings(&profile.operations),
                }),
            }
        );
        codes.push(rule.code.clone());
    }
    assert_eq!(codes, profile_rule_codes(12..=18));
}

#[test]
fn bound_rules_sit_after_the_profiles_files_own_rules_in_profile_order() {
    let spec = committed_spec();
    let names: Vec<&str> = spec.rules.iter().map(|r| r.name.as_str()).collect();
    let first = names
        .iter()
        .position(|n| *n == "docs_sheets_kinds_carry_docs_sheets_inputs")
        .expect("the first bound rule");
    let profiles_file = &spec.profiles[0].meta.location.file;
    let hand_written_before = spec.rules[..first]
        .iter()
        .filter(|r| &r.meta.location.file == profiles_file)
        .count();
    assert!(
        hand_written_before > 0,
        "profiles.yaml's own rules come first"
    );
    // Per profile in BindingKind order: inputs, operations, outputs where it binds them, profile_id.
    let expected: Vec<String> = spec
        .profiles
        .iter()
        .flat_map(|p| {
            let outputs = p
                .bindings
                .iter()
                .any(|b| b.kind == BindingKind::Outputs)
                .then(|| format!("{0}_kinds_carry_{0}_outputs", p.name));
            [
                Some(format!("{0}_kinds_carry_{0}_inputs", p.name)),
                Some(format!("{0}_kinds_plan_{0}_operations", p.name)),
                outputs,
                Some(format!("{0}_kinds_carry_{0}_profile_id", p.name)),
            ]
            .into_iter()
            .flatten()
        })
        .collect();
    assert_eq!(&names[first..first + expected.len()], expected.as_slice());
    assert!(
        spec.rules[first + expected.len()..]
            .iter()
            .all(|r| &r.meta.location.file != profiles_file),
        "no hand-written rule of profiles.yaml follows the bound rules"
    );
}

#[test]
fn every_planned_operation_is_claimed_by_exactly_one_profile() {
    let spec = committed_spec();
    let Some(TypeKind::Union(union)) = spec.type_named("PlannedOperation").map(|t| &t.kind) else {
        panic!("PlannedOperation is a union");
    };
    for variant in &union.variants {
        let owners: Vec<&str> = spec
            .profiles
            .iter()
            .filter(|p| p.operations.contains(&variant.name))
            .map(|p| p.name.as_str())
            .collect();
        assert_eq!(
            owners.len(),
            1,
            "`{}` is claimed by {owners:?}",
            variant.name
        );
    }
    for profile in &spec.profiles {
        for operation in &profile.operations {
            assert!(
                union.variants.iter().any(|v| &v.name == operation),
                "`{operation}` of `{}` is a variant",
                profile.name
            );
        }
    }
    assert!(
        !union.variants.iter().any(|v| v.name == "profile_operation"),
        "no untyped escape hatch"
    );
}

#[test]
fn profile_id_bindings_bind_each_kind_to_its_profile_and_judge_registered_ids_only() {
    let spec = committed_spec();
    let registered: Vec<serde_json::Value> = spec
        .profiles
        .iter()
        .map(|p| serde_json::Value::String(p.profile_id.clone()))
        .collect();
    let mut codes = Vec::new();
    for profile in &spec.profiles {
        let name = format!("{0}_kinds_carry_{0}_profile_id", profile.name);
        let rule = rule(&spec, &name);
        assert_eq!(rule.on, "AiJob");
        assert!(rule.registry, "a binding rule is derived from the registry");
        assert_eq!(
            rule.when,
            Some(Condition::All(vec![
                Condition::OneOf {
                    path: field("job_kind"),
                    values: strings(&profile.job_kinds),
                },
                Condition::OneOf {
                    path: field("profile_id"),
                    values: registered.clone(),
                },
            ]))
        );
        assert_eq!(
            rule.require,
            Condition::Equals {
                path: field("profile_id"),
                value: serde_json::Value::String(profile.profile_id.clone()),
            }
        );
        codes.push(rule.code.clone());
    }
    assert_eq!(codes, profile_rule_codes(50..=56));
    // `in_registry: profile_id` expands to every registered id, in profile order.
    let registry = rule(&spec, "profile_id_is_registered");
    assert!(registry.registry);
    assert_eq!(registry.code, "HSK-RULE-PRF-009");
    assert_eq!(
        registry.require,
        Condition::OneOf {
            path: field("profile_id"),
            values: registered,
        }
    );
    // Hand-written rules without `in_registry` are not registry rules.
    let core = rule(&spec, "analysis_only_plans_no_mutation");
    assert!(!core.registry);
}
