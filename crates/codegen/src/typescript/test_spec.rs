//! A small hand-built spec exercising every construct, shared by the unit tests of the
//! TypeScript, Python and docs targets.

use handshake_spec::model::*;

use crate::test_model::named;

fn meta(clause: &str, description: &str) -> Meta {
    crate::test_model::meta_in("spec/core.yaml", clause, description)
}

fn decided(clause: &str, description: &str, decision: &str) -> Meta {
    Meta {
        decision: Some(decision.to_string()),
        ..meta(clause, description)
    }
}

fn in_file(mut meta: Meta, file: &str) -> Meta {
    meta.location.file = file.to_string();
    meta
}

fn field(name: &str, ty: TypeRef, required: bool) -> Field {
    let meta = meta("§2.6.6.2.1", &format!("the {name} field"));
    crate::test_model::field_with(meta, name, ty, required)
}

fn primitive(primitive: Primitive) -> TypeRef {
    TypeRef::Primitive(primitive)
}

fn value(name: &str) -> EnumValue {
    EnumValue {
        name: name.to_string(),
        meta: meta("§2.6.6.2.2", &format!("the {name} value")),
    }
}

fn state(name: &str, terminal: bool) -> State {
    State {
        name: name.to_string(),
        terminal,
        meta: in_file(
            meta("§2.6.6.3.2", &format!("the {name} state")),
            "spec/lifecycle.yaml",
        ),
    }
}

fn transition(from: &str, to: &str, origin: TransitionOrigin) -> Transition {
    Transition {
        from: from.to_string(),
        to: to.to_string(),
        origin,
        meta: in_file(
            meta("§2.6.6.3.1", &format!("{from} to {to}")),
            "spec/lifecycle.yaml",
        ),
    }
}

/// The spec: ids, a constrained string, enums, a record using every type expression, a union
/// and a lifecycle with a text-only edge and a rejected edge.
pub(crate) fn spec() -> Spec {
    let mut with_default = field("modes", TypeRef::List(Box::new(named("AccessMode"))), false);
    with_default.default = Some(serde_json::json!(["analysis_only"]));
    let mut keyword = field("previous_state", named("JobState"), false);
    keyword.meta.decision = Some("a decision | with a pipe".to_string());
    let mut title = field("title", primitive(Primitive::String), false);
    title.meta.description = "a title | or a heading".to_string();
    let record_fields = vec![
        field("job_id", named("JobId"), true),
        field("version", named("SemVer"), true),
        field("state", named("JobState"), true),
        title,
        field("attempt", primitive(Primitive::UnsignedInteger), true),
        field("offset", primitive(Primitive::Integer), false),
        field("score", primitive(Primitive::Number), false),
        field("urgent", primitive(Primitive::Boolean), false),
        field("artefact_id", primitive(Primitive::Uuid), false),
        field("created_at", primitive(Primitive::Timestamp), true),
        field("payload", primitive(Primitive::Json), false),
        field(
            "tags",
            TypeRef::List(Box::new(primitive(Primitive::String))),
            false,
        ),
        field(
            "labels",
            TypeRef::Map(Box::new(primitive(Primitive::String))),
            false,
        ),
        field(
            "operations",
            TypeRef::List(Box::new(named("PlannedOperation"))),
            false,
        ),
        field("children", TypeRef::List(Box::new(named("Job"))), false),
        with_default,
        keyword,
    ];
    let lifecycle_meta = in_file(meta("§2.6.6.3", "the job lifecycle"), "spec/lifecycle.yaml");
    Spec {
        name: "test_spec".to_string(),
        version: "0.1.0".to_string(),
        master_spec: "v02.84".to_string(),
        outputs: Outputs {
            rust: "out/rust".to_string(),
            json_schema: "out/schemas".to_string(),
            migrations: "out/migrations".to_string(),
            typescript: "out/ts".to_string(),
            python: "out/py".to_string(),
            docs: "out/docs".to_string(),
        },
        files: vec![
            "spec/handshake.yaml".into(),
            "spec/core.yaml".into(),
            "spec/lifecycle.yaml".into(),
        ],
        types: vec![
            TypeDef {
                name: "JobId".into(),
                meta: meta("§2.6.6.2.1", "stable id of a job"),
                root: false,
                kind: TypeKind::Id,
            },
            TypeDef {
                name: "SemVer".into(),
                meta: meta("§2.6.6.2.1", "a semantic version */ \"quoted\""),
                root: false,
                kind: TypeKind::String(StringConstraints {
                    pattern: Some(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$".into()),
                    min_length: Some(5),
                    max_length: Some(32),
                    example: Some("1.0.0".into()),
                }),
            },
            TypeDef {
                name: "AccessMode".into(),
                meta: decided(
                    "§2.6.6.2.2",
                    "consent level",
                    "closed set; profiles cannot add modes",
                ),
                root: false,
                kind: TypeKind::Enum(vec![
                    value("analysis_only"),
                    value("preview_only"),
                    value("apply_scoped"),
                ]),
            },
            TypeDef {
                name: "Job".into(),
                meta: meta("§2.6.6.2", "one job"),
                root: true,
                kind: TypeKind::Record(Record {
                    fields: record_fields,
                    table: None,
                }),
            },
            TypeDef {
                name: "PlannedOperation".into(),
                meta: meta("§2.6.6.2.4", "one planned edit"),
                root: false,
                kind: TypeKind::Union(Union {
                    tag: "op".into(),
                    variants: vec![
                        Variant {
                            name: "insert_block".into(),
                            fields: vec![field("text", primitive(Primitive::String), true)],
                            meta: meta("§2.6.6.2.4", "insert a block"),
                        },
                        Variant {
                            name: "delete_block".into(),
                            fields: vec![],
                            meta: meta("§2.6.6.2.4", "delete a block"),
                        },
                    ],
                }),
            },
            TypeDef {
                name: "JobState".into(),
                meta: lifecycle_meta.clone(),
                root: false,
                kind: TypeKind::Enum(
                    ["queued", "running", "completed", "failed"]
                        .iter()
                        .map(|name| EnumValue {
                            name: name.to_string(),
                            meta: in_file(
                                meta("§2.6.6.3.2", &format!("the {name} state")),
                                "spec/lifecycle.yaml",
                            ),
                        })
                        .collect(),
                ),
            },
        ],
        lifecycle: Lifecycle {
            name: "JobState".into(),
            meta: lifecycle_meta,
            states: vec![
                state("queued", false),
                state("running", false),
                state("completed", true),
                state("failed", true),
            ],
            initial: "queued".into(),
            transitions: vec![
                transition("queued", "running", TransitionOrigin::Diagram),
                transition("running", "completed", TransitionOrigin::Diagram),
                transition("running", "failed", TransitionOrigin::Diagram),
                transition("queued", "failed", TransitionOrigin::Text),
            ],
            rejected: vec![RejectedTransition {
                from: "failed".into(),
                to: "running".into(),
                meta: in_file(
                    decided(
                        "§2.6.6.3.1",
                        "retry edge",
                        "a retry is a new workflow run, the job stays failed",
                    ),
                    "spec/lifecycle.yaml",
                ),
            }],
        },
        errors: vec![ErrorDef {
            name: "IllegalTransition".into(),
            code: "HSK-JOB-001".into(),
            message: "illegal transition from {from} to {to}".into(),
            message_parts: vec![
                MessagePart::Text("illegal transition from ".into()),
                MessagePart::Field(0),
                MessagePart::Text(" to ".into()),
                MessagePart::Field(1),
            ],
            fields: vec![
                field("from", named("JobState"), true),
                field("to", named("JobState"), true),
            ],
            meta: in_file(
                meta("§2.6.6.3.1", "a transition outside the table"),
                "spec/errors.yaml",
            ),
        }],
        rules: Vec::new(),
        profiles: Vec::new(),
        out_of_scope: Vec::new(),
        claims: Vec::new(),
        evolution: Default::default(),
    }
}
