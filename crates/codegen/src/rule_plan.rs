//! What the SDK targets (Python, TypeScript, docs) need to know about cross-field rules beyond the
//! IR itself: which records carry rules, how to reach them from any type, and what each path step
//! defaults to.
//!
//! The Python and TypeScript targets do not generate one function per rule. They emit the rules as
//! data (conditions as nested tuples / objects) plus one small interpreter, because the condition
//! language is tiny and an interpreter written once is easier to prove equal to the Rust
//! validators than N generated functions. Semantics (shared by both interpreters, documented in
//! `docs/spec-language.md` and on [`Condition`]):
//! - a path step through a missing optional field, or a JSON `null`, is *absent*, unless the field
//!   declares a `default:`, which is then used (the Rust model applies defaults when it reads a
//!   record, so a rule sees the default there too);
//! - a `[variant]` step ([`Step::Variant`]) keeps the value when it is an object whose tag
//!   property equals the variant, and is *absent* otherwise; it adds no key to JSON pointers;
//! - an absent value satisfies only `absent`, `not_equals`/`not_in`, `length` and `each`/`all_equal`
//!   (vacuously), and `not` of anything it fails;
//! - values compare as JSON values (numbers by value).

use handshake_spec::model::{
    Condition, Field, FieldPath, PathStep, Rule, Spec, TypeDef, TypeKind, TypeRef, Variant,
};

use crate::ir::{self, Ir, TypeId};

/// One step of a rule path, as the interpreters read it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Step {
    /// Read a field (or a union's tag).
    Field {
        /// Field (or union tag) name.
        key: String,
        /// The field's `default:`, used when the value is absent.
        fallback: Option<serde_json::Value>,
    },
    /// A `[variant]` step: keep the value when its `tag` property equals `variant`, else absent.
    Variant {
        /// The union's tag property.
        tag: String,
        /// The variant's tag value.
        variant: String,
    },
}

/// The steps of `path` read from a value of type `from`, as the IR resolved them: a field step
/// carries its `default:`, a union's tag is read like a field (no default), and a `[variant]`
/// step carries the union's tag property. A path that does not resolve (from no type: the
/// element of a list of scalars) keeps its keys with no defaults and an empty tag.
pub(crate) fn steps_with(ir: &Ir<'_>, from: Option<TypeId>, path: &FieldPath) -> Vec<Step> {
    let Ok(resolved) = ir.path(from, path) else {
        return path
            .0
            .iter()
            .map(|step| match step {
                PathStep::Field(key) => Step::Field {
                    key: key.clone(),
                    fallback: None,
                },
                PathStep::Variant(variant) => Step::Variant {
                    tag: String::new(),
                    variant: variant.clone(),
                },
            })
            .collect();
    };
    resolved
        .steps
        .iter()
        .map(|step| match step {
            ir::Step::Field(field) => Step::Field {
                key: field.key().to_string(),
                fallback: field.default().cloned(),
            },
            ir::Step::Tag { key, .. } => Step::Field {
                key: key.to_string(),
                fallback: None,
            },
            ir::Step::Variant { tag, variant, .. } => Step::Variant {
                tag: tag.to_string(),
                variant: variant.name.clone(),
            },
        })
        .collect()
}

// used by the SDK emitters until they read the IR: the cursor below and the functions that
// take `&Spec` resolve a path on every call. `steps_with`, `Ir::element_of`,
// `Ir::member_compares_uuids` and `Ir::same_as_compares_uuids` give the same answers from the
// IR (the test `the_ir_answers_as_the_cursor_does` holds them equal).

/// Where a path is while it is followed: a named type, and the variant a `[variant]` step chose.
struct Cursor<'a> {
    type_name: Option<String>,
    variant: Option<&'a Variant>,
}

impl<'a> Cursor<'a> {
    /// The field `key` of the current value: of a record, or of the selected variant. Without a
    /// selected variant a union offers every variant's fields (only the tag is ever read that
    /// way, and it is no field).
    fn field(&self, spec: &'a Spec, key: &str) -> Option<&'a Field> {
        if let Some(variant) = self.variant {
            return variant.fields.iter().find(|f| f.name == key);
        }
        match &spec.type_named(self.type_name.as_deref()?)?.kind {
            TypeKind::Record(record) => record.fields.iter().find(|f| f.name == key),
            TypeKind::Union(union) => union
                .variants
                .iter()
                .flat_map(|v| v.fields.iter())
                .find(|f| f.name == key),
            TypeKind::Id | TypeKind::String(_) | TypeKind::Enum(_) => None,
        }
    }

    /// Follows one step; returns the field it read, if it was a field step.
    fn advance(&mut self, spec: &'a Spec, step: &PathStep) -> (Option<&'a Field>, Option<String>) {
        match step {
            PathStep::Variant(name) => {
                let union = match self.type_name.as_deref().and_then(|t| spec.type_named(t)) {
                    Some(TypeDef {
                        kind: TypeKind::Union(union),
                        ..
                    }) => Some(union),
                    _ => None,
                };
                self.variant = union.and_then(|u| u.variants.iter().find(|v| &v.name == name));
                (None, union.map(|u| u.tag.clone()))
            }
            PathStep::Field(key) => {
                let field = self.field(spec, key);
                self.variant = None;
                self.type_name = match field.map(|f| &f.ty) {
                    Some(TypeRef::Named(name)) => Some(name.clone()),
                    _ => None,
                };
                (field, None)
            }
        }
    }
}

/// The steps of `path` read from a value of type `from` (a record or union name).
pub(crate) fn steps(spec: &Spec, from: Option<&str>, path: &FieldPath) -> Vec<Step> {
    let mut cursor = Cursor {
        type_name: from.map(str::to_owned),
        variant: None,
    };
    path.0
        .iter()
        .map(|step| {
            let (field, tag) = cursor.advance(spec, step);
            match step {
                PathStep::Field(key) => Step::Field {
                    key: key.clone(),
                    fallback: field.and_then(|f| f.default.clone()),
                },
                // The loader guarantees a variant step applies to a union, so the tag is known.
                PathStep::Variant(variant) => Step::Variant {
                    tag: tag.unwrap_or_default(),
                    variant: variant.clone(),
                },
            }
        })
        .collect()
}

/// The element type of the list at `path` from `from`, when it is a named type.
pub(crate) fn element_type(spec: &Spec, from: Option<&str>, path: &FieldPath) -> Option<String> {
    let mut cursor = Cursor {
        type_name: Some(from?.to_owned()),
        variant: None,
    };
    let mut last = None;
    for step in &path.0 {
        let (field, _) = cursor.advance(spec, step);
        if matches!(step, PathStep::Field(_)) {
            last = Some(&field?.ty);
        }
    }
    match last? {
        TypeRef::List(inner) => match inner.as_ref() {
            TypeRef::Named(name) => Some(name.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// The type at the end of `path` from `from`, when the path ends at a field.
pub(crate) fn leaf_type(spec: &Spec, from: Option<&str>, path: &FieldPath) -> Option<TypeRef> {
    let mut cursor = Cursor {
        type_name: Some(from?.to_owned()),
        variant: None,
    };
    let mut last = None;
    for step in &path.0 {
        let (field, _) = cursor.advance(spec, step);
        last = match step {
            PathStep::Field(_) => Some(field?.ty.clone()),
            PathStep::Variant(_) => None,
        };
    }
    last
}

/// Whether a value of this type is a UUID on the wire (`uuid`, or an `id` type).
pub(crate) fn is_uuid(spec: &Spec, ty: &TypeRef) -> bool {
    match ty {
        TypeRef::Primitive(handshake_spec::model::Primitive::Uuid) => true,
        TypeRef::Named(name) => {
            matches!(spec.type_named(name).map(|t| &t.kind), Some(TypeKind::Id))
        }
        _ => false,
    }
}

/// [`Ir::member_compares_uuids`] on the spec.
pub(crate) fn member_compares_uuids(
    spec: &Spec,
    root: Option<&str>,
    from: Option<&str>,
    list: &FieldPath,
    member: &handshake_spec::model::MemberMatch,
) -> bool {
    let value = leaf_type(spec, from, &member.value);
    let key = match &member.key {
        None => match leaf_type(spec, root, list) {
            Some(TypeRef::List(inner)) => Some(*inner),
            _ => None,
        },
        Some(key) => {
            let element = element_type(spec, root, list);
            leaf_type(spec, element.as_deref(), key)
        }
    };
    [value, key].iter().flatten().any(|ty| is_uuid(spec, ty))
}

/// [`Ir::same_as_compares_uuids`] on the spec.
pub(crate) fn same_as_compares_uuids(
    spec: &Spec,
    root: Option<&str>,
    from: Option<&str>,
    path: &FieldPath,
    other: &FieldPath,
) -> bool {
    [leaf_type(spec, from, path), leaf_type(spec, root, other)]
        .iter()
        .flatten()
        .any(|ty| is_uuid(spec, ty))
}

/// Rules on one record type, in spec order.
pub(crate) fn rules_on<'a>(spec: &'a Spec, type_name: &'a str) -> impl Iterator<Item = &'a Rule> {
    spec.rules.iter().filter(move |r| r.on == type_name)
}

/// How a walked field holds the values it leads to.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Shape {
    /// One value of the named type.
    Named(String),
    /// A list of values.
    List(Box<Shape>),
    /// A map of values by string key.
    Map(Box<Shape>),
}

/// A field of a walked type that leads (possibly through lists and maps) to a record with rules.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Child {
    /// Field name.
    pub field: String,
    /// How its value holds the next types.
    pub shape: Shape,
}

/// A type from which a record with rules can be reached; walkers descend through `children`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum WalkNode {
    /// A record, with its own rules (maybe none) and the fields to descend into.
    Record {
        /// Type name.
        name: String,
        /// Fields leading to rules.
        children: Vec<Child>,
    },
    /// A union: the variant is chosen by the tag, then its fields are descended into.
    Union {
        /// Type name.
        name: String,
        /// Tag property.
        tag: String,
        /// Variant tag value → fields leading to rules (variants without any are left out).
        variants: Vec<(String, Vec<Child>)>,
    },
}

impl WalkNode {
    /// The type's name.
    #[cfg(test)]
    pub(crate) fn name(&self) -> &str {
        match self {
            WalkNode::Record { name, .. } | WalkNode::Union { name, .. } => name,
        }
    }
}

fn shape_of(ir: &Ir<'_>, ty: &TypeRef) -> Option<Shape> {
    match ty {
        TypeRef::Primitive(_) => None,
        TypeRef::Named(name) => ir
            .target(ty)
            .is_some_and(|id| ir.reaches_rules(id))
            .then(|| Shape::Named(name.clone())),
        TypeRef::List(inner) => shape_of(ir, inner).map(|s| Shape::List(Box::new(s))),
        TypeRef::Map(inner) => shape_of(ir, inner).map(|s| Shape::Map(Box::new(s))),
    }
}

fn children(ir: &Ir<'_>, fields: &[Field]) -> Vec<Child> {
    fields
        .iter()
        .filter_map(|f| {
            shape_of(ir, &f.ty).map(|shape| Child {
                field: f.name.clone(),
                shape,
            })
        })
        .collect()
}

/// Every type from which a record with rules is reachable ([`Ir::reaches_rules`]), in spec
/// order, with the fields to follow. Empty when the spec has no rules.
pub(crate) fn walk_plan_with(ir: &Ir<'_>) -> Vec<WalkNode> {
    ir.ids()
        .filter(|id| ir.reaches_rules(*id))
        .filter_map(|id| {
            let ty = ir.def(id);
            match &ty.kind {
                TypeKind::Record(record) => Some(WalkNode::Record {
                    name: ty.name.clone(),
                    children: children(ir, &record.fields),
                }),
                TypeKind::Union(union) => Some(WalkNode::Union {
                    name: ty.name.clone(),
                    tag: union.tag.clone(),
                    variants: union
                        .variants
                        .iter()
                        .map(|v| (v.name.clone(), children(ir, &v.fields)))
                        .filter(|(_, c)| !c.is_empty())
                        .collect(),
                }),
                TypeKind::Id | TypeKind::String(_) | TypeKind::Enum(_) => None,
            }
        })
        .collect()
}

// used by the SDK emitters until they read the IR
pub(crate) fn records_with_rules(spec: &Spec) -> Vec<&str> {
    records_with_rules_with(&Ir::types_only(spec))
}

/// Record types that carry rules, in spec order of the types.
pub(crate) fn records_with_rules_with<'s>(ir: &Ir<'s>) -> Vec<&'s str> {
    ir.ids()
        .filter(|id| matches!(ir.def(*id).kind, TypeKind::Record(_)))
        .filter(|id| !ir.rules_on(*id).is_empty())
        .map(|id| ir.def(id).name.as_str())
        .collect()
}

/// Every path a condition reads, outermost first (inner `each` paths are relative to elements).
pub(crate) fn condition_paths(condition: &Condition) -> Vec<&FieldPath> {
    let mut paths = Vec::new();
    fn visit<'a>(condition: &'a Condition, paths: &mut Vec<&'a FieldPath>) {
        match condition {
            Condition::Present(path) | Condition::Absent(path) => paths.push(path),
            Condition::Equals { path, .. }
            | Condition::NotEquals { path, .. }
            | Condition::OneOf { path, .. }
            | Condition::NoneOf { path, .. }
            | Condition::Length { path, .. }
            | Condition::Contains { path, .. } => paths.push(path),
            Condition::Each { path, condition } => {
                paths.push(path);
                visit(condition, paths);
            }
            Condition::AllEqual { path, key } => {
                paths.push(path);
                paths.push(key);
            }
            Condition::SameAs { path, other } => {
                paths.push(path);
                paths.push(other);
            }
            Condition::SortedBy { path, .. } => paths.push(path),
            Condition::EqualsSum { path, terms } => {
                paths.push(path);
                paths.extend(terms.iter().flat_map(|term| term.paths()));
            }
            Condition::AtMost { measure, bound } => {
                paths.push(measure.path());
                if let handshake_spec::model::Measure::Sum { key, .. } = measure {
                    paths.push(key);
                }
                paths.push(bound);
            }
            Condition::HashOf { path, parts, .. } => {
                paths.push(path);
                paths.extend(parts);
            }
            Condition::MemberOf {
                list,
                matches,
                filter,
            } => {
                paths.push(list);
                for member in matches {
                    paths.extend(member.key.as_ref());
                    paths.push(&member.value);
                }
                if let Some(filter) = filter {
                    visit(filter, paths);
                }
            }
            Condition::All(conditions) | Condition::Any(conditions) => {
                for c in conditions {
                    visit(c, paths);
                }
            }
            Condition::Not(inner) => visit(inner, paths),
        }
    }
    visit(condition, &mut paths);
    paths
}

/// A small spec with rules for the unit tests of the SDK targets: the shared test spec plus a
/// `SourceRef` record (with a default and a nested list) and rules using every condition.
#[cfg(test)]
pub(crate) mod test_rules {
    use handshake_spec::model::*;
    use serde_json::json;

    fn meta(clause: &str, description: &str) -> Meta {
        Meta {
            clause: Clause(vec![clause.to_string()]),
            description: description.to_string(),
            decision: None,
            location: Location {
                file: "spec/rules.yaml".to_string(),
                line: 1,
                column: 1,
            },
        }
    }

    fn field(name: &str, ty: TypeRef, required: bool) -> Field {
        Field {
            name: name.to_string(),
            ty,
            required,
            default: None,
            storage: FieldStorage::Column,
            meta: meta("§2.6.6.7.2", &format!("the {name} field")),
        }
    }

    fn path(text: &str) -> FieldPath {
        FieldPath::fields(&text.split('.').collect::<Vec<_>>())
    }

    fn rule(name: &str, code: &str, on: &str, when: Option<Condition>, require: Condition) -> Rule {
        Rule {
            registry: false,
            name: name.to_string(),
            code: code.to_string(),
            on: on.to_string(),
            when,
            require,
            message: format!("{} is broken", name.replace('_', " ")),
            meta: meta("§2.6.6.7.2", &format!("the {name} rule")),
        }
    }

    /// The shared test spec with `SourceRef`, `Selector` and `Bundle` records and six rules.
    pub(crate) fn spec() -> Spec {
        let mut spec = crate::typescript::test_spec::spec();
        let string = || TypeRef::Primitive(Primitive::String);
        let mut layers = field("layers", TypeRef::List(Box::new(string())), false);
        layers.default = Some(json!(["derived"]));
        spec.types.push(TypeDef {
            name: "Selector".into(),
            meta: meta("§2.6.6.7.2", "a selector"),
            root: false,
            kind: TypeKind::Record(Record {
                fields: vec![
                    field("range", string(), true),
                    field("kind", string(), false),
                ],
                table: None,
            }),
        });
        spec.types.push(TypeDef {
            name: "SourceRef".into(),
            meta: meta("§2.6.6.7.2", "a reference to a source"),
            root: true,
            kind: TypeKind::Record(Record {
                fields: vec![
                    field("kind", string(), true),
                    field("hash", string(), false),
                    field(
                        "selectors",
                        TypeRef::List(Box::new(TypeRef::Named("Selector".into()))),
                        false,
                    ),
                    layers,
                ],
                table: None,
            }),
        });
        spec.types.push(TypeDef {
            name: "Bundle".into(),
            meta: meta("§2.6.6.7.2", "holds sources"),
            root: true,
            kind: TypeKind::Record(Record {
                fields: vec![
                    field(
                        "sources",
                        TypeRef::List(Box::new(TypeRef::Named("SourceRef".into()))),
                        true,
                    ),
                    field(
                        "by_name",
                        TypeRef::Map(Box::new(TypeRef::Named("SourceRef".into()))),
                        false,
                    ),
                ],
                table: None,
            }),
        });
        spec.rules = vec![
            rule(
                "artifact_has_hash",
                "HSK-RULE-0001",
                "SourceRef",
                Some(Condition::Equals {
                    path: path("kind"),
                    value: json!("artifact"),
                }),
                Condition::Present(path("hash")),
            ),
            rule(
                "selectors_bounded",
                "HSK-RULE-0002",
                "SourceRef",
                None,
                Condition::Length {
                    path: path("selectors"),
                    min: None,
                    max: Some(2),
                },
            ),
            rule(
                "selectors_one_kind",
                "HSK-RULE-0003",
                "SourceRef",
                None,
                Condition::AllEqual {
                    path: path("selectors"),
                    key: path("kind"),
                },
            ),
            rule(
                "raw_only_for_files",
                "HSK-RULE-0004",
                "SourceRef",
                Some(Condition::Contains {
                    path: path("layers"),
                    value: json!("raw"),
                }),
                Condition::OneOf {
                    path: path("kind"),
                    values: vec![json!("file"), json!("import")],
                },
            ),
            rule(
                "selectors_have_ranges",
                "HSK-RULE-0005",
                "SourceRef",
                Some(Condition::Not(Box::new(Condition::Absent(path(
                    "selectors",
                ))))),
                Condition::Each {
                    path: path("selectors"),
                    condition: Box::new(Condition::Any(vec![
                        Condition::Length {
                            path: path("range"),
                            min: Some(1),
                            max: None,
                        },
                        Condition::All(vec![Condition::NotEquals {
                            path: path("kind"),
                            value: json!("whole"),
                        }]),
                    ])),
                },
            ),
            rule(
                "no_tmp_hash",
                "HSK-RULE-0006",
                "SourceRef",
                None,
                Condition::NoneOf {
                    path: path("hash"),
                    values: vec![json!("tmp"), json!(0)],
                },
            ),
        ];
        spec
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_walk_reaches_rules_through_lists_and_maps_and_only_there() {
        let spec = test_rules::spec();
        let plan = walk_plan_with(&Ir::new(&spec));
        let names: Vec<&str> = plan.iter().map(WalkNode::name).collect();
        assert_eq!(names, ["SourceRef", "Bundle"]);
        let WalkNode::Record { children, .. } = &plan[1] else {
            panic!("Bundle is a record");
        };
        assert_eq!(
            children[1].shape,
            Shape::Map(Box::new(Shape::Named("SourceRef".into())))
        );
    }

    /// The cursor the SDK emitters still call and the IR agree on every rule path of the unit
    /// test specs and of the repository's spec, so moving the SDK emitters to the IR changes no
    /// byte.
    #[test]
    fn the_ir_answers_as_the_cursor_does() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let real = handshake_spec::load(&root).expect("the real spec loads");
        let variant = handshake_spec::load_sources(
            &crate::ir::tests::variant_sources(),
            "spec/handshake.yaml",
        )
        .expect("the variant spec loads");
        for spec in [test_rules::spec(), variant, real] {
            let ir = Ir::new(&spec);
            let name = |id: Option<TypeId>| id.map(|id| ir.def(id).name.as_str());
            let mut compared = 0;
            for (scope, path) in ir.rule_paths() {
                assert_eq!(
                    steps(&spec, name(scope), path),
                    steps_with(&ir, scope, path),
                    "{path} from {:?}",
                    name(scope)
                );
                assert_eq!(
                    element_type(&spec, name(scope), path).as_deref(),
                    name(ir.element_of(scope, path)),
                    "{path} from {:?}",
                    name(scope)
                );
                compared += 1;
            }
            assert!(compared > 0);
            let scopes: Vec<Option<TypeId>> =
                std::iter::once(None).chain(ir.ids().map(Some)).collect();
            for rule in &spec.rules {
                let on = ir.id(&rule.on);
                let conditions = std::iter::once(&rule.require).chain(&rule.when);
                for condition in conditions.flat_map(Condition::walk) {
                    for from in &scopes {
                        match condition {
                            Condition::MemberOf { list, matches, .. } => {
                                for member in matches {
                                    assert_eq!(
                                        member_compares_uuids(
                                            &spec,
                                            name(on),
                                            name(*from),
                                            list,
                                            member
                                        ),
                                        ir.member_compares_uuids(on, *from, list, member),
                                        "{}",
                                        rule.name
                                    );
                                }
                            }
                            Condition::SameAs { path, other } => assert_eq!(
                                same_as_compares_uuids(&spec, name(on), name(*from), path, other),
                                ir.same_as_compares_uuids(on, *from, path, other),
                                "{}",
                                rule.name
                            ),
                            _ => {}
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn a_step_carries_the_default_of_its_field() {
        let spec = test_rules::spec();
        let path = FieldPath::fields(&["layers"]);
        let steps = steps(&spec, Some("SourceRef"), &path);
        assert_eq!(
            steps[0],
            Step::Field {
                key: "layers".into(),
                fallback: Some(serde_json::json!(["derived"]))
            }
        );
        let selectors = FieldPath::fields(&["selectors"]);
        assert_eq!(
            element_type(&spec, Some("SourceRef"), &selectors).as_deref(),
            Some("Selector")
        );
    }
}
