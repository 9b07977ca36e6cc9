//! Unit tests of the IR: ids, resolved paths, reachability, orders, and the facts emitters read.

use super::*;
use crate::rule_plan::test_rules;

/// The repository's spec.
fn real_spec() -> Spec {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    handshake_spec::load(&root).expect("the real spec loads")
}

fn ir_of(spec: &Spec) -> Ir<'_> {
    Ir::new(spec)
}

/// The declared names of `ids`, in their order: what the tests below compare.
fn type_names<'s>(ir: &Ir<'s>, ids: impl Iterator<Item = TypeId>) -> Vec<&'s str> {
    ids.map(|id| ir.def(id).name.as_str()).collect()
}

#[test]
fn ids_are_indexes_in_spec_order() {
    let spec = test_rules::spec();
    let ir = ir_of(&spec);
    let names = type_names(&ir, ir.ids());
    let declared: Vec<&str> = spec.types.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, declared);
    for (index, def) in spec.types.iter().enumerate() {
        assert_eq!(ir.id(&def.name).map(TypeId::index), Some(index));
    }
    assert_eq!(ir.id("NoSuchType"), None);
}

#[test]
fn a_path_resolves_to_its_fields_types_defaults_and_element() {
    let spec = test_rules::spec();
    let ir = ir_of(&spec);
    let source = ir.id("SourceRef");
    let layers = FieldPath::fields(&["layers"]);
    let resolved = ir.path(source, &layers).expect("resolves");
    let [Step::Field(step)] = resolved.steps.as_slice() else {
        panic!("one field step: {:?}", resolved.steps);
    };
    assert_eq!(step.key(), "layers");
    assert_eq!(step.owner, source.expect("declared"));
    assert_eq!(step.default(), Some(&serde_json::json!(["derived"])));
    // Optional, but with a default: never absent.
    assert!(!step.can_be_absent());
    let hash = FieldPath::fields(&["hash"]);
    let resolved = ir.path(source, &hash).expect("resolves");
    let Step::Field(step) = &resolved.steps[0] else {
        panic!("a field step");
    };
    assert!(step.can_be_absent());
    assert_eq!(
        resolved.leaf,
        Leaf::Typed(&TypeRef::Primitive(Primitive::String))
    );
    let selectors = FieldPath::fields(&["selectors"]);
    assert_eq!(ir.element_of(source, &selectors), ir.id("Selector"));
    assert_eq!(ir.element_of(source, &layers), None);
    // An unknown field is an error, not a guess.
    let missing = FieldPath::fields(&["nothing"]);
    assert!(ir.path(source, &missing).is_err());
}

#[test]
fn every_rule_path_is_resolved_in_advance_from_its_scope() {
    let spec = test_rules::spec();
    let ir = ir_of(&spec);
    let source = ir.id("SourceRef");
    let selector = ir.id("Selector");
    for path in ["kind", "hash", "selectors", "layers"] {
        assert!(
            ir.resolved_in_advance(source, &FieldPath::fields(&[path])),
            "{path}"
        );
    }
    // Inside `each: selectors` and as `all_equal`'s key, paths start at the element.
    for path in ["range", "kind"] {
        assert!(
            ir.resolved_in_advance(selector, &FieldPath::fields(&[path])),
            "{path}"
        );
    }
    assert!(!ir.resolved_in_advance(source, &FieldPath::fields(&["range"])));
}

/// The targets read only paths [`Ir::new`] resolved: on the repository's spec no target asks
/// for a path from a scope the condition language's scope rules did not give it.
#[test]
fn no_target_resolves_a_path_the_ir_did_not() {
    let spec = real_spec();
    let ir = Ir::new(&spec);
    crate::rust::generate_with(&ir).expect("the rust target generates");
    crate::json_schema::generate_with(&ir);
    let schema = crate::sql::schema_with(&ir);
    crate::docs::generate_with(&ir, &schema);
    crate::typescript::generate_with(&ir);
    crate::python::generate_with(&ir);
    assert_eq!(ir.misses(), 0);
    // And the count notices a path resolved on demand.
    let unknown = FieldPath::fields(&["no_rule_reads_this"]);
    assert!(ir.path(ir.ids().next(), &unknown).is_err());
    assert_eq!(ir.misses(), 1);
}

/// Each foreign key of a stored record's table carries the record it references, in the table's
/// order, so the SQL target reads the referenced table without looking its name up.
#[test]
fn foreign_keys_carry_the_record_they_reference() {
    let spec = real_spec();
    let ir = Ir::new(&spec);
    let mut seen = 0;
    for (def, _, table) in spec.stored_records() {
        let id = ir.id(&def.name).expect("declared");
        let targets = ir.foreign_key_targets(id);
        assert_eq!(targets.len(), table.foreign_keys.len());
        for (fk, target) in table.foreign_keys.iter().zip(targets) {
            let target = target.expect("the loader checked the reference");
            assert_eq!(ir.def(target).name, fk.references);
            seen += 1;
        }
    }
    assert!(seen > 0, "the real spec has foreign keys");
    let unstored = ir
        .ids()
        .find(|&id| !matches!(&ir.def(id).kind, TypeKind::Record(r) if r.table.is_some()));
    assert_eq!(
        ir.foreign_key_targets(unstored.expect("a type without a table")),
        &[]
    );
}

#[test]
fn only_types_that_contain_a_rule_record_reach_rules() {
    let spec = test_rules::spec();
    let ir = ir_of(&spec);
    let reaching = type_names(&ir, ir.ids().filter(|id| ir.reaches_rules(*id)));
    // SourceRef has rules; Bundle holds them in a list and a map; Selector holds none.
    assert_eq!(reaching, ["SourceRef", "Bundle"]);
    let bundle = ir.id("Bundle").expect("declared");
    assert_eq!(ir.rules_on(bundle).len(), 0);
    assert_eq!(ir.rules_on(ir.id("SourceRef").expect("declared")).len(), 6);
}

#[test]
fn a_variant_step_knows_its_union_tag_and_variant() {
    let spec = handshake_spec::load_sources(&variant_sources(), "spec/handshake.yaml")
        .unwrap_or_else(|error| panic!("the spec loads: {error}"));
    let ir = ir_of(&spec);
    let holder = ir.id("Holder");
    let path = spec.rules[0].require.subject().expect("a path").clone();
    let resolved = ir.path(holder, &path).expect("resolves").into_owned();
    let shape = ir.id("Shape").expect("declared");
    match resolved.steps.as_slice() {
        [
            Step::Field(first),
            Step::Variant {
                union,
                tag,
                variant,
            },
            Step::Field(last),
        ] => {
            assert_eq!(first.target, Some(shape));
            assert_eq!(*union, shape);
            assert_eq!(*tag, "kind");
            assert_eq!(variant.name, "circle");
            assert_eq!(last.owner, shape);
            assert_eq!(last.variant.map(|v| v.name.as_str()), Some("circle"));
        }
        other => panic!("field, variant, field: {other:?}"),
    }
    assert_eq!(resolved.keys().collect::<Vec<_>>(), ["shape", "radius"]);
}

#[test]
fn types_are_defined_after_the_types_they_name() {
    let spec = test_rules::spec();
    let ir = ir_of(&spec);
    let order = type_names(&ir, ir.definition_order().iter().copied());
    let position = |name: &str| order.iter().position(|n| *n == name).expect(name);
    assert!(position("Selector") < position("SourceRef"));
    assert!(position("SourceRef") < position("Bundle"));
    assert_eq!(order.len(), spec.types.len());
    let bundle = ir.id("Bundle").expect("declared");
    assert!(
        ir.referenced_from(bundle)
            .contains(&ir.id("Selector").expect("declared"))
    );
    assert!(!ir.referenced_from(bundle).contains(&bundle));
}

#[test]
fn absence_satisfies_only_absent_negations_and_vacuous_atoms() {
    let path = FieldPath::fields(&["a"]);
    let value = serde_json::json!("x");
    // (atom, whether it holds on an absent value), each atom beside its negation.
    let on_absence = [
        (Condition::Absent(path.clone()), true),
        (Condition::Present(path.clone()), false),
        (
            Condition::NotEquals {
                path: path.clone(),
                value: value.clone(),
            },
            true,
        ),
        (
            Condition::Equals {
                path: path.clone(),
                value: value.clone(),
            },
            false,
        ),
        (
            Condition::Length {
                path: path.clone(),
                min: Some(1),
                max: None,
            },
            true,
        ),
        (
            Condition::Contains {
                path: path.clone(),
                value: value.clone(),
            },
            false,
        ),
    ];
    for (atom, holds) in &on_absence {
        assert_eq!(atom_holds(atom, None), *holds, "{atom:?}");
    }
    // A default is judged like a present value.
    let default = serde_json::json!(["derived"]);
    let contains = Condition::Contains {
        path,
        value: serde_json::json!("derived"),
    };
    assert!(atom_holds(&contains, Some(&default)));
}

/// A spec with a union reached through a record field and a rule with a variant step.
fn variant_sources() -> BTreeMap<String, String> {
    let files = [
        (
            "types.yaml",
            r#"types:
  Shape:
    kind: union
    tag: kind
    clause: §2.6.6.2
    description: a shape
    variants:
      circle:
        clause: §2.6.6.2
        description: a circle
        fields:
          radius: { type: number, required: false, clause: §2.6.6.2, description: its radius }
      square:
        clause: §2.6.6.2
        description: a square
        fields:
          side: { type: number, required: true, clause: §2.6.6.2, description: its side }
  Holder:
    kind: record
    root: true
    clause: §2.6.6.2
    description: holds a shape
    fields:
      shape: { type: Shape, required: false, clause: §2.6.6.2, description: the shape }
"#,
        ),
        (
            "lifecycle.yaml",
            r#"lifecycle:
  name: RunState
  clause: §2.6.6.3
  description: a two-state lifecycle
  initial: started
  states:
    started: { terminal: false, clause: §2.6.6.3.2, description: running }
    finished: { terminal: true, clause: §2.6.6.3.2, description: done }
  transitions:
    - { from: started, to: finished, origin: diagram, clause: §2.6.6.3.1, description: it ends }
"#,
        ),
        (
            "rules.yaml",
            r#"rules:
  circles_have_a_radius:
    on: Holder
    code: GLD-RULE-901
    message: a circle has a radius
    require: { present: "shape[circle].radius" }
    clause: §2.6.6.2
    description: a variant step between two fields
"#,
        ),
    ];
    handshake_spec::scratch::sources("variant_ir", &files)
}

/// The domain types the profile emitters key on are found once, by kind as well as name: the
/// repository's spec has all three, and a `PlannedOperation` that is no union (or a `JobKind`
/// that is no enum) is no registry to bind.
#[test]
fn the_job_kind_operations_and_lifecycle_are_found_by_name_and_kind() {
    let spec = real_spec();
    let ir = Ir::new(&spec);
    let name = |id: Option<TypeId>| id.map(|id| ir.def(id).name.as_str());
    assert_eq!(name(ir.job_kind()), Some(JOB_KIND));
    assert_eq!(name(ir.planned_operation()), Some(PLANNED_OPERATION));
    assert_eq!(name(ir.lifecycle()), Some(spec.lifecycle.name.as_str()));

    let mut spec = test_rules::spec();
    assert!(Ir::new(&spec).planned_operation().is_some());
    let bundle = spec
        .types
        .iter()
        .find(|t| t.name == "Bundle")
        .expect("declared");
    let record = bundle.kind.clone();
    for def in &mut spec.types {
        if def.name == PLANNED_OPERATION {
            def.kind = record.clone();
        }
    }
    let ir = Ir::new(&spec);
    assert!(ir.id(PLANNED_OPERATION).is_some());
    assert_eq!(
        ir.planned_operation(),
        None,
        "a record is no operation union"
    );
    assert_eq!(ir.job_kind(), None);
}

/// The IR's stored tables are the tables the SQL target lays out, each with the record whose
/// fields are its columns (a child table's: the list's element record), and every rule knows
/// the record it is on; the domain errors the targets raise are found by name here only.
#[test]
fn stored_tables_rules_and_domain_errors_are_resolved_once() {
    let spec = real_spec();
    let ir = Ir::new(&spec);

    let schema = crate::sql::schema_with(&ir);
    let laid_out: Vec<(&str, &str)> = schema
        .tables
        .iter()
        .map(|t| (t.name.as_str(), t.source.as_str()))
        .collect();
    let stored: Vec<(&str, String)> = ir
        .stored_tables()
        .iter()
        .map(|t| (t.name, ir.def(t.record).name.clone()))
        .collect();
    assert_eq!(
        stored.iter().map(|(name, _)| *name).collect::<Vec<_>>(),
        laid_out.iter().map(|(name, _)| *name).collect::<Vec<_>>(),
        "the same tables in the same order"
    );
    let mut child_tables = 0;
    for ((_, record), (_, source)) in stored.iter().zip(&laid_out) {
        match source.split_once('.') {
            None => assert_eq!(record, source),
            Some((parent, field)) => {
                child_tables += 1;
                let TypeKind::Record(parent) = &ir.def(ir.id(parent).expect("declared")).kind
                else {
                    panic!("{parent} is a record");
                };
                let list = &parent
                    .fields
                    .iter()
                    .find(|f| f.name == field)
                    .expect("field")
                    .ty;
                let TypeRef::List(element) = list else {
                    panic!("{source} is a list");
                };
                assert_eq!(**element, TypeRef::Named(record.clone()), "{source}");
            }
        }
    }
    assert!(child_tables > 0, "the real spec has child tables");

    let rules: Vec<(Option<&str>, &str)> = ir
        .rules()
        .map(|(on, rule)| (on.map(|id| ir.def(id).name.as_str()), rule.on.as_str()))
        .collect();
    assert_eq!(rules.len(), spec.rules.len());
    for (on, named) in rules {
        assert_eq!(on, Some(named));
    }

    for which in [
        DomainError::IllegalTransition,
        DomainError::TerminalState,
        DomainError::InvalidRecord,
        DomainError::UnknownEnumValue,
    ] {
        assert_eq!(ir.error(which).map(|e| e.name.as_str()), Some(which.name()));
    }
}

/// The lifecycle's initial state is resolved to its declaration.
#[test]
fn the_initial_state_is_resolved_to_its_declaration() {
    let spec = real_spec();
    let ir = Ir::new(&spec);
    let initial = spec
        .lifecycle
        .states
        .iter()
        .find(|s| s.name == spec.lifecycle.initial)
        .expect("the real spec's initial state is declared");
    assert_eq!(ir.initial_state(), Some(&initial.meta));
    let mut hand_built = spec.clone();
    hand_built.lifecycle.initial = "no_such_state".into();
    assert_eq!(Ir::new(&hand_built).initial_state(), None);
}

/// Every job kind and planned operation a profile of the real spec claims is found back to that
/// profile (the loader lets no two profiles claim one), and an unclaimed name to none.
#[test]
fn the_profile_claiming_each_kind_and_operation_is_indexed() {
    let spec = real_spec();
    let ir = Ir::new(&spec);
    let mut claims = 0;
    for profile in &spec.profiles {
        for (claim, names) in [
            (Claim::JobKind, &profile.job_kinds),
            (Claim::Operation, &profile.operations),
        ] {
            for name in names {
                claims += 1;
                let owner = ir.profile_claiming(claim, name).map(|p| p.name.as_str());
                assert_eq!(owner, Some(profile.name.as_str()), "{claim:?} {name}");
            }
        }
    }
    assert!(
        claims > 20,
        "the real spec's profiles claim kinds and operations: {claims}"
    );
    assert_eq!(ir.profile_claiming(Claim::JobKind, "no_such_kind"), None);
    assert_eq!(ir.profile_claiming(Claim::Operation, "no_such_op"), None);
}

/// The evolution declarations are filed under the type, field and enum value they are written
/// on: the emitters read them by id and index, never by searching the spec's lists by name.
#[test]
fn evolution_declarations_resolve_onto_their_types_fields_and_values() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let spec = handshake_spec::load_manifest(&root, "tests/golden/evolution/spec/handshake.yaml")
        .unwrap_or_else(|e| panic!("the evolution golden spec loads:\n{e}"));
    let ir = ir_of(&spec);
    let id = |name: &str| ir.id(name).unwrap_or_else(|| panic!("{name}"));
    let colour = ir.evolution(id("Colour"));
    assert_eq!(colour.renamed_from, Some("Hue"));
    let removed: Vec<(&str, &str)> = colour
        .removed_values
        .iter()
        .map(|v| (v.value.as_str(), v.map_to.as_str()))
        .collect();
    assert_eq!(
        removed,
        [("azure", "blue"), ("teal", "green"), ("violet", "red")]
    );
    // `read_alias` values, under the value they are read as (red, blue, green).
    let aliases = |index: usize| -> Vec<&str> {
        colour
            .read_aliases_of(index)
            .iter()
            .map(|v| v.value.as_str())
            .collect()
    };
    assert_eq!(
        [aliases(0), aliases(1), aliases(2)],
        [vec![], vec!["azure"], vec!["teal"]]
    );
    let task = ir.evolution(id("Task"));
    assert_eq!(task.renamed_from, None);
    let fields: Vec<(Option<&str>, bool, bool)> = (0..5)
        .map(|index| {
            let field = task.field(index);
            (
                field.renamed_from,
                field.backfill.is_some(),
                field.cast.is_some(),
            )
        })
        .collect();
    assert_eq!(
        fields,
        [
            (None, false, false),
            (Some("name"), false, false),
            (None, false, false),
            (None, false, false),
            (None, true, false),
        ]
    );
    let removed: Vec<&str> = task
        .removed_fields
        .iter()
        .map(|r| r.field.as_str())
        .collect();
    assert_eq!(removed, ["legacy_score"]);
    assert!(ir.evolution(id("TaskId")).fields.is_empty());
}
