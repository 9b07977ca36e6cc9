//! The IR's rule facts in the shapes the SDK targets (Python, TypeScript) and the docs print:
//! the steps of a rule path as the interpreters read them ([`steps_with`]), the walk plan (every
//! type from which a record with rules is reached, and the fields to follow:
//! [`walk_plan_with`]), the records that carry rules, and every path a condition reads
//! ([`condition_paths`], for the docs). Everything is read from the IR ([`crate::ir`]), which
//! resolves the paths and decides what absence and defaults mean; nothing here resolves a name.
//!
//! The SDKs do not get one generated function per rule. `rule_data` prints the rules and this
//! walk plan as JSON data, and a hand-written interpreter in each SDK judges records with it
//! (`sdk/typescript/src/runtime/rules.ts`, `sdk/python/handshake_job_model/_runtime/rules.py`):
//! the condition language is small, and an interpreter written, type-checked and unit-tested
//! once is easier to hold equal to the Rust validators than N generated functions. Semantics
//! (shared by both interpreters, documented in `docs/spec-language.md` and on [`Condition`]):
//! - a path step through a missing optional field, or a JSON `null`, is *absent*, unless the field
//!   declares a `default:`, which is then used (the Rust model applies defaults when it reads a
//!   record, so a rule sees the default there too);
//! - a `[variant]` step ([`Step::Variant`]) keeps the value when it is an object whose tag
//!   property equals the variant, and is *absent* otherwise; it adds no key to JSON pointers;
//! - an absent value satisfies only `absent`, `not_equals`/`not_in`, `length` and `each`/`all_equal`
//!   (vacuously), and `not` of anything it fails;
//! - values compare as JSON values (numbers by value).

use handshake_spec::model::{Condition, Field, FieldPath, PathStep, TypeKind, TypeRef};

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

/// Record types that carry rules, in spec order of the types.
pub(crate) fn records_with_rules_with(ir: &Ir<'_>) -> Vec<TypeId> {
    ir.ids()
        .filter(|id| matches!(ir.def(*id).kind, TypeKind::Record(_)))
        .filter(|id| !ir.rules_on(*id).is_empty())
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
        crate::test_model::meta_in("spec/rules.yaml", clause, description)
    }

    fn field(name: &str, ty: TypeRef, required: bool) -> Field {
        let meta = meta("§2.6.6.7.2", &format!("the {name} field"));
        crate::test_model::field_with(meta, name, ty, required)
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

    fn record(name: &str, description: &str, root: bool, fields: Vec<Field>) -> TypeDef {
        let meta = meta("§2.6.6.7.2", description);
        crate::test_model::record(meta, name, root, fields)
    }

    /// The shared test spec with `SourceRef`, `Selector` and `Bundle` records and six rules.
    pub(crate) fn spec() -> Spec {
        let mut spec = crate::typescript::test_spec::spec();
        let string = || TypeRef::Primitive(Primitive::String);
        let mut layers = field("layers", TypeRef::List(Box::new(string())), false);
        layers.default = Some(json!(["derived"]));
        spec.types.push(record(
            "Selector",
            "a selector",
            false,
            vec![
                field("range", string(), true),
                field("kind", string(), false),
            ],
        ));
        spec.types.push(record(
            "SourceRef",
            "a reference to a source",
            true,
            vec![
                field("kind", string(), true),
                field("hash", string(), false),
                field(
                    "selectors",
                    TypeRef::List(Box::new(TypeRef::Named("Selector".into()))),
                    false,
                ),
                layers,
            ],
        ));
        spec.types.push(record(
            "Bundle",
            "holds sources",
            true,
            vec![
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
        ));
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

    #[test]
    fn a_step_carries_the_default_of_its_field() {
        let spec = test_rules::spec();
        let ir = Ir::new(&spec);
        let source_ref = ir.id("SourceRef");
        let path = FieldPath::fields(&["layers"]);
        let steps = steps_with(&ir, source_ref, &path);
        assert_eq!(
            steps[0],
            Step::Field {
                key: "layers".into(),
                fallback: Some(serde_json::json!(["derived"]))
            }
        );
        let selectors = FieldPath::fields(&["selectors"]);
        assert_eq!(ir.element_of(source_ref, &selectors), ir.id("Selector"));
    }
}
