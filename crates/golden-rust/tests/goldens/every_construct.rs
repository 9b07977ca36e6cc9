//! What the generated Rust of the `every_construct` golden case (`tests/golden/every_construct/expected/rust`,
//! one of every construct the generator emits) does: records round-trip and apply their defaults,
//! the types refuse bad input, the lifecycle and the errors behave as the spec says.
use crate::cases::every_construct;

use every_construct::errors::ModelError;
use every_construct::lifecycle::REJECTED_TRANSITIONS;
use every_construct::types::{Colour, Mode, Plan, Shape, Slug, Stage, Step, Task};

#[test]
fn golden_record_round_trips_and_applies_defaults() {
    let json = serde_json::json!({
        "task_id": "0190b2a4-7c4e-7a3e-8000-000000000001",
        "slug": "first-task",
        "colour": "dark_red",
        "title": "t",
        "count": -1,
        "size": 2,
        "ratio": 0.5,
        "done": true,
        "artefact_id": "0190b2a4-7c4e-7a3e-8000-000000000002",
        "created_at": "2026-01-02T03:04:05Z",
        "payload": {"any": [1, 2]},
        "stage": "review",
        "shape": {"shape": "circle", "radius": 1.0}
    });
    let task: Task = serde_json::from_value(json).expect("valid task");
    assert_eq!(task.palette, vec![Colour::Green, Colour::DarkRed]);
    assert_eq!(task.greeting, "hi \"there\"");
    assert_eq!(task.max_items, -5);
    assert_eq!(task.main_slug.as_str(), "first-task");
    assert_eq!(
        task.shape,
        Some(Shape::Circle {
            radius: 1.0,
            colour: Colour::BlueV2
        })
    );
    let again: Task = serde_json::from_value(serde_json::to_value(&task).unwrap()).unwrap();
    assert_eq!(again, task);
}

#[test]
fn golden_types_refuse_bad_input() {
    assert!(Slug::new("x").is_err(), "below min_length");
    assert!(Slug::new("Bad-Slug").is_err(), "pattern");
    assert!(
        serde_json::from_str::<Slug>("\"Bad\"").is_err(),
        "deserialize validates"
    );
    assert!("purple".parse::<Colour>().is_err());
    let unknown_tag = serde_json::json!({"shape": "triangle"});
    assert!(serde_json::from_value::<Shape>(unknown_tag).is_err());
    let extra_field = serde_json::json!({"shape": "square_box", "side": 1, "colour": "green"});
    assert!(serde_json::from_value::<Shape>(extra_field).is_err());
}

#[test]
fn golden_lifecycle_and_errors() {
    assert_eq!(Stage::INITIAL, Stage::Draft);
    assert!(Stage::Draft.can_transition_to(Stage::Review));
    assert!(!Stage::Published.can_transition_to(Stage::Draft));
    assert_eq!(
        Stage::Published.check_transition(Stage::Draft),
        Err(ModelError::TerminalState {
            state: Stage::Published
        })
    );
    let error = Stage::Draft.check_transition(Stage::Published).unwrap_err();
    assert_eq!(error.code(), "GLD-001");
    assert_eq!(
        error.to_string(),
        "illegal transition from draft to published"
    );
    assert_eq!(REJECTED_TRANSITIONS[0].from, Stage::Published);
    // IllegalTransition, TerminalState, TooBig, Empty (errors.yaml) and PlanNotFound (kinds.yaml).
    assert_eq!(ModelError::CODES.len(), 5);
}

#[test]
fn a_plan_reads_a_root_union_a_variant_without_fields_and_a_map_of_lists() {
    let plan: Plan = serde_json::from_value(serde_json::json!({
        "task_id": "0190b2a4-7c4e-7a3e-8000-000000000001",
        "mode": "apply",
        "steps": [{ "op": "noop" }, { "op": "wait", "millis": 5 }],
        "notes": { "review": ["first", "second"] }
    }))
    .expect("valid plan");
    assert_eq!(plan.modes, vec![Mode::ReadOnly], "the defaulted list");
    assert_eq!(plan.steps[0], Step::Noop {});
    assert_eq!(plan.notes.as_ref().expect("notes")["review"].len(), 2);
    let step: Step = serde_json::from_value(serde_json::json!({ "op": "touch", "targets": [] }))
        .expect("a union is a root of its own");
    assert_eq!(
        serde_json::to_value(&step).expect("serializes")["op"],
        "touch"
    );
    let error = ModelError::PlanNotFound {
        task_id: plan.task_id,
    };
    assert_eq!(error.code(), "GLD-005");
    assert_eq!(
        error.to_string(),
        "no plan for task 0190b2a4-7c4e-7a3e-8000-000000000001"
    );
}
