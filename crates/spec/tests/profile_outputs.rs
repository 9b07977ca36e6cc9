//! Profile outputs on the committed spec (§2.6.6.6.1, spec/outputs.yaml): the loader synthesizes
//! `JobOutputs` from the profiles' `outputs` exactly as it does `JobInputs` (root union tagged
//! `profile`, one variant per profile with outputs, the record's fields, placed right after
//! `JobInputs`), and every `bindings: { outputs: … }` writes the rule binding the profile's job
//! kinds to its outputs variant.

mod common;

use common::{committed_spec, rule};
use handshake_spec::model::{
    BindingKind, Condition, FieldPath, PathStep, Spec, TypeDef, TypeKind, Union,
};

fn union<'a>(spec: &'a Spec, name: &str) -> (&'a TypeDef, &'a Union) {
    let def = spec
        .types
        .iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("{name} is synthesized"));
    match &def.kind {
        TypeKind::Union(union) => (def, union),
        other => panic!("{name} is a union, not {other:?}"),
    }
}

fn fields(path: &[&str]) -> FieldPath {
    FieldPath(
        path.iter()
            .map(|p| PathStep::Field(p.to_string()))
            .collect(),
    )
}

#[test]
fn job_outputs_is_synthesized_like_job_inputs_right_after_it() {
    let spec = committed_spec();
    let (outputs_def, outputs) = union(&spec, "JobOutputs");
    let (inputs_def, inputs) = union(&spec, "JobInputs");
    assert!(
        outputs_def.root,
        "JobOutputs is a root type, like JobInputs"
    );
    assert_eq!(
        outputs.tag, inputs.tag,
        "both are tagged with the profile name"
    );
    assert_eq!(outputs.tag, "profile");
    let position = |name: &str| spec.types.iter().position(|t| t.name == name).unwrap();
    assert_eq!(position("JobOutputs"), position("JobInputs") + 1);
    assert_eq!(
        outputs_def.meta.location, inputs_def.meta.location,
        "both declared at `profiles:`"
    );

    let with_outputs: Vec<_> = spec
        .profiles
        .iter()
        .filter(|p| p.outputs.is_some())
        .collect();
    let variants: Vec<&str> = outputs.variants.iter().map(|v| v.name.as_str()).collect();
    let names: Vec<&str> = with_outputs.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        variants, names,
        "one variant per profile with outputs, in profile order"
    );
    for (variant, profile) in outputs.variants.iter().zip(&with_outputs) {
        let record = spec
            .types
            .iter()
            .find(|t| Some(&t.name) == profile.outputs.as_ref())
            .expect("outputs names a declared type");
        let TypeKind::Record(record) = &record.kind else {
            panic!("{} outputs a record", profile.name);
        };
        assert_eq!(
            variant.fields, record.fields,
            "variant {} copies its record",
            variant.name
        );
        assert_eq!(
            variant.meta, profile.meta,
            "variant {} carries the profile's meta",
            variant.name
        );
    }
    let ai_job = spec
        .types
        .iter()
        .find(|t| t.name == "AiJob")
        .expect("AiJob");
    let TypeKind::Record(ai_job) = &ai_job.kind else {
        panic!("AiJob is a record");
    };
    let field = ai_job
        .fields
        .iter()
        .find(|f| f.name == "job_outputs")
        .expect("AiJob.job_outputs");
    assert!(
        !field.required,
        "outputs exist only once the job produced them"
    );
}

#[test]
fn every_outputs_binding_writes_its_rule() {
    let spec = committed_spec();
    let mut bound = 0;
    for profile in &spec.profiles {
        let Some(binding) = profile
            .bindings
            .iter()
            .find(|b| b.kind == BindingKind::Outputs)
        else {
            assert!(
                profile.outputs.is_none(),
                "profile {} has outputs but no outputs binding",
                profile.name
            );
            continue;
        };
        bound += 1;
        let name = format!("{0}_kinds_carry_{0}_outputs", profile.name);
        let rule = rule(&spec, &name);
        assert_eq!(rule.code, binding.code);
        assert_eq!(rule.on, "AiJob");
        assert_eq!(
            rule.message,
            format!("a {0} job may only carry {0} outputs", profile.name)
        );
        let kinds = profile
            .job_kinds
            .iter()
            .map(|k| serde_json::Value::String(k.clone()))
            .collect();
        assert_eq!(
            rule.when,
            Some(Condition::All(vec![
                Condition::Present(fields(&["job_outputs"])),
                Condition::OneOf {
                    path: fields(&["job_kind"]),
                    values: kinds,
                },
            ]))
        );
        assert_eq!(
            rule.require,
            Condition::Equals {
                path: fields(&["job_outputs", "profile"]),
                value: serde_json::Value::String(profile.name.clone()),
            }
        );
        let record = spec
            .types
            .iter()
            .find(|t| Some(&t.name) == profile.outputs.as_ref())
            .expect("outputs record");
        assert_eq!(
            rule.meta.clause.0,
            [
                record.meta.clause.primary().to_string(),
                "§2.6.6.6.1".to_string()
            ]
        );
    }
    assert_eq!(
        bound, 6,
        "every profile but the future canvas binds its outputs"
    );
}
