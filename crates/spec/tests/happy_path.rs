//! A small valid spec loads into exactly the expected model (order, lifecycle enum, defaults, storage).

use std::collections::BTreeMap;

use handshake_spec::model::{FieldStorage, Primitive, TransitionOrigin, TypeKind, TypeRef};

/// The tiny spec of `tests/fixtures/tiny` (kept as YAML files, like every other spec), keyed by
/// the path it would have in a repository.
fn sources() -> BTreeMap<String, String> {
    [
        (
            "spec/handshake.yaml",
            include_str!("fixtures/tiny/handshake.yaml"),
        ),
        ("spec/core.yaml", include_str!("fixtures/tiny/core.yaml")),
        (
            "spec/more/later.yaml",
            include_str!("fixtures/tiny/more/later.yaml"),
        ),
    ]
    .into_iter()
    .map(|(path, text)| (path.to_string(), text.to_string()))
    .collect()
}

#[test]
fn loads_the_expected_model() {
    let spec = match handshake_spec::load_sources(&sources(), "spec/handshake.yaml") {
        Ok(spec) => spec,
        Err(error) => panic!("{error}"),
    };
    assert_eq!(spec.name, "tiny_model");
    assert_eq!(spec.outputs.docs, "docs/reference");
    assert_eq!(
        spec.files,
        [
            "spec/handshake.yaml",
            "spec/core.yaml",
            "spec/more/later.yaml"
        ]
    );

    // Spec order: core.yaml's types, then its lifecycle enum, then later.yaml's types.
    let names: Vec<&str> = spec.types.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        ["Job", "JobState", "JobId", "Tag", "Mode", "Child", "Op"]
    );
    let state_enum = spec.type_named("JobState").expect("lifecycle enum");
    assert!(state_enum.root);
    match &state_enum.kind {
        TypeKind::Enum(values) => {
            let values: Vec<&str> = values.iter().map(|v| v.name.as_str()).collect();
            assert_eq!(values, ["queued", "done"]);
        }
        other => panic!("expected an enum, got {other:?}"),
    }

    let TypeKind::Record(job) = &spec.types[0].kind else {
        panic!("Job is a record")
    };
    let field = |name: &str| job.fields.iter().find(|f| f.name == name).expect(name);
    assert_eq!(field("job_id").ty, TypeRef::Named("JobId".into()));
    assert_eq!(field("job_id").storage, FieldStorage::Column);
    assert_eq!(field("state").storage, FieldStorage::Column);
    assert_eq!(field("state").meta.clause.0, ["§2.6.6.3", "§2.6.6.4"]);
    assert_eq!(field("state").meta.clause.primary(), "§2.6.6.3");
    assert_eq!(
        field("tags").ty,
        TypeRef::List(Box::new(TypeRef::Named("Tag".into())))
    );
    assert_eq!(field("tags").storage, FieldStorage::Json);
    assert_eq!(field("tags").default, Some(serde_json::json!([])));
    assert_eq!(field("mode").default, Some(serde_json::json!("fast")));
    assert_eq!(
        field("extra").ty,
        TypeRef::Map(Box::new(TypeRef::Primitive(Primitive::Json)))
    );
    assert_eq!(
        field("extra").default,
        Some(serde_json::json!({"a": 1, "b": [true, null]}))
    );
    match &field("children").storage {
        FieldStorage::ChildTable(child) => {
            assert_eq!(child.table, "job_children");
            assert_eq!(child.indexes[0].columns, ["name"]);
        }
        other => panic!("expected a child table, got {other:?}"),
    }
    let table = job.table.as_ref().expect("Job has a table");
    assert_eq!(table.primary_key, ["job_id"]);
    assert_eq!(table.indexes[1].name, "jobs_unique");
    assert!(table.indexes[1].unique);
    assert_eq!(table.meta.location.line, 14);

    assert_eq!(spec.lifecycle.initial, "queued");
    assert_eq!(
        spec.lifecycle.transitions[0].origin,
        TransitionOrigin::Diagram
    );
    assert!(spec.lifecycle.allows("queued", "done"));
    assert_eq!(
        spec.lifecycle.rejected[0].meta.decision.as_deref(),
        Some("terminal means terminal")
    );
    assert_eq!(spec.errors[0].code, "HSK-JOB-001");
    assert_eq!(spec.errors[0].meta.location.file, "spec/core.yaml");

    let mode = spec.type_named("Mode").expect("Mode");
    assert_eq!(mode.meta.location.file, "spec/more/later.yaml");
    assert_eq!(mode.meta.location.line, 4);
    assert_eq!(mode.meta.location.column, 3);
    match &spec.type_named("Tag").expect("Tag").kind {
        TypeKind::String(c) => assert_eq!(
            (c.min_length, c.max_length, c.example.as_deref()),
            (Some(1), Some(20), Some("blue"))
        ),
        other => panic!("expected a string, got {other:?}"),
    }
}

#[test]
fn load_manifest_reads_from_disk() {
    let dir = std::env::temp_dir().join(format!("handshake-spec-happy-{}", std::process::id()));
    for (path, text) in sources() {
        let target = dir.join(&path);
        std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
        std::fs::write(target, text).expect("write");
    }
    let from_disk = handshake_spec::load(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    let from_memory = handshake_spec::load_sources(&sources(), "spec/handshake.yaml");
    match (from_disk, from_memory) {
        (Ok(a), Ok(b)) => assert_eq!(a, b),
        (Err(error), _) | (_, Err(error)) => panic!("expected both to load:\n{error}"),
    }
}
