//! What the generated Rust of the `evolution` golden case (`tests/golden/evolution/expected/rust`)
//! reads from records written before the spec's
//! evolution declarations: a field under its `renamed_from` name, an enum value under a removed
//! spelling declared `read_alias: true` (or a value's `renamed_from`), and that only the new
//! names are ever written. A removed value without `read_alias` is refused.
use crate::cases::evolution;

use evolution::types::{Colour, Task};
use serde_json::json;

fn old_task(colour: &str) -> serde_json::Value {
    json!({
        "task_id": "0190b2a4-7c4e-7a3e-8000-000000000001",
        "name": "written before the rename",
        "colour": colour,
        "stage": "draft",
        "owner": "ann"
    })
}

#[test]
fn an_old_record_is_read_under_the_new_names_and_written_with_them() {
    let task: Task = serde_json::from_value(old_task("azure")).expect("old names are read");
    assert_eq!(task.title, "written before the rename");
    assert_eq!(task.colour, Colour::Blue);
    let written = serde_json::to_value(&task).expect("serializes");
    assert_eq!(written["title"], "written before the rename");
    assert!(written.get("name").is_none(), "{written}");
    assert_eq!(written["colour"], "blue");
}

#[test]
fn a_removed_value_is_read_only_where_it_is_declared_a_read_alias() {
    let teal: Task = serde_json::from_value(old_task("teal")).expect("teal is a read alias");
    assert_eq!(teal.colour, Colour::Green);
    assert_eq!("teal".parse::<Colour>(), Ok(Colour::Green));
    assert_eq!("azure".parse::<Colour>(), Ok(Colour::Blue));
    // `violet` maps to red in stored rows, but is not accepted on read.
    assert!(serde_json::from_value::<Task>(old_task("violet")).is_err());
    assert!("violet".parse::<Colour>().is_err());
    assert_eq!(Colour::NAMES, ["red", "blue", "green"]);
}

#[test]
#[allow(deprecated)] // the point: code written against the old name still compiles
fn a_renamed_type_keeps_its_old_name_as_an_alias() {
    let colour: evolution::types::Hue = Colour::Red;
    assert_eq!(colour.as_str(), "red");
}

#[test]
fn a_removed_state_is_read_as_the_state_it_maps_to() {
    use evolution::types::Stage;
    assert_eq!("pending".parse::<Stage>(), Ok(Stage::Review));
    let mut old = old_task("red");
    old["stage"] = json!("pending");
    let task: Task = serde_json::from_value(old).expect("a removed state with read_alias");
    assert_eq!(task.stage, Stage::Review);
    assert_eq!(
        serde_json::to_value(task).expect("serializes")["stage"],
        "review"
    );
}
