//! Cross-field rules in the SQL target, on the `rules` golden spec (`tests/golden/rules/spec`,
//! table `orders`): which rules become named CHECKs, their exact expressions in both dialects, the
//! rules named as unexpressed, and the migration differ's refusal of a new CHECK on an existing
//! table (a new table simply carries it).

use std::path::Path;

use handshake_codegen::migrations::{Change, diff};
use handshake_codegen::sql::{self, Dialect, Schema, ddl};

fn schema() -> (handshake_spec::model::Spec, Schema) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let spec = handshake_spec::load_manifest(&root, "tests/golden/rules/spec/handshake.yaml")
        .unwrap_or_else(|e| panic!("the rules golden spec does not load:\n{e}"));
    let schema = sql::schema(&spec);
    (spec, schema)
}

#[test]
fn column_rules_become_named_checks_in_both_dialects() {
    let (_, schema) = schema();
    let orders = schema.table("orders").expect("orders");
    let checks: Vec<(&str, &str, &str)> = orders
        .checks
        .iter()
        .map(|c| (c.name.as_str(), c.sqlite.as_str(), c.postgres.as_str()))
        .collect();
    let reference = "NOT (channel IN ('partner')) OR ((reference IS NOT NULL) AND (reference IS NULL OR (length(reference) >= 3 AND length(reference) <= 12)))";
    let withdrawn = "NOT (NOT (channel IN ('web', 'partner'))) OR (NOT (stage = 'withdrawn'))";
    // `same_as` on two columns of one type: absent on either side fails it, so its negation holds
    // on a row without a previous order.
    let reorder = "NOT (previous_order IS NOT NULL) OR (NOT (previous_order IS NOT NULL AND previous_order = order_id))";
    // `at_most` on two number columns: no value or no bound holds.
    let capped = "priority IS NULL OR max_priority IS NULL OR priority <= max_priority";
    assert_eq!(
        checks,
        [
            (
                "orders_partner_orders_carry_a_reference_check",
                reference,
                reference
            ),
            (
                "orders_web_orders_not_withdrawn_by_phone_check",
                withdrawn,
                withdrawn
            ),
            (
                "orders_reorders_do_not_repeat_themselves_check",
                reorder,
                reorder
            ),
            ("orders_priority_within_its_cap_check", capped, capped),
        ]
    );
    for dialect in Dialect::ALL {
        let create = ddl::create_table(dialect, orders, "orders", &|_| true);
        assert!(create.contains(&format!(
            "CONSTRAINT orders_web_orders_not_withdrawn_by_phone_check CHECK ({withdrawn})"
        )));
        assert!(create.starts_with(
            "-- Rules on orders that no CHECK expresses (enforced by the model and the schemas): \
             published_orders_have_lines, express_not_by_invoice, \
             shipped_orders_have_a_zip_or_stay_domestic, gift_lines_have_a_note, \
             lines_share_one_gift_setting, urgent_orders_are_tagged, \
             priority_seven_references_a_tag, priority_seven_notes_name_an_ordered_sku, \
             line_notes_repeat_the_reference, lines_within_their_cap, items_within_their_cap, \
             lines_listed_largest_first, max_items_adds_up.\n"
        ));
    }
}

#[test]
fn unexpressed_rules_are_listed_per_table() {
    let (spec, _) = schema();
    let rules: Vec<String> = sql::rules::unexpressed_rules(&spec)
        .into_iter()
        .map(|(table, rule)| format!("{table}.{rule}"))
        .collect();
    assert_eq!(
        rules,
        [
            "orders.published_orders_have_lines",
            "orders.express_not_by_invoice",
            "orders.shipped_orders_have_a_zip_or_stay_domestic",
            "orders.gift_lines_have_a_note",
            "orders.lines_share_one_gift_setting",
            "orders.urgent_orders_are_tagged",
            // `member_of` reads another list of the row: never a CHECK.
            "orders.priority_seven_references_a_tag",
            "orders.priority_seven_notes_name_an_ordered_sku",
            // `same_as` inside `each` compares a line with the order: not one row's columns.
            "orders.line_notes_repeat_the_reference",
            // `count` and `sum` read inside a list: never a CHECK.
            "orders.lines_within_their_cap",
            "orders.items_within_their_cap",
            "orders.lines_listed_largest_first",
            // `equals_sum` is arithmetic the CHECKs are not generated for.
            "orders.max_items_adds_up",
        ]
    );
}

#[test]
fn checks_round_trip_through_the_snapshot() {
    let (_, schema) = schema();
    let again = Schema::from_json(&schema.to_json()).expect("snapshot reads back");
    assert_eq!(again, schema);
}

#[test]
fn a_check_added_changed_or_dropped_on_an_existing_table_is_migrated() {
    let (_, new) = schema();
    let mut old = new.clone();
    old.tables
        .iter_mut()
        .for_each(|t| t.checks.retain(|c| !c.name.contains("withdrawn")));
    let check = "orders_web_orders_not_withdrawn_by_phone_check".to_string();
    let rule = "web_orders_not_withdrawn_by_phone".to_string();
    let table = "orders".to_string();
    assert_eq!(
        diff(&old, &new).expect("a CHECK added to an existing table is migrated"),
        [Change::AddCheck {
            table: table.clone(),
            check: check.clone(),
            rule: rule.clone(),
        }]
    );

    let mut changed = new.clone();
    changed.tables[0].checks[0].sqlite.push_str(" AND TRUE");
    let first = &new.tables[0].checks[0];
    let (first_check, first_rule) = (first.name.clone(), first.rule.clone());
    assert_eq!(
        diff(&new, &changed).expect("a changed CHECK is dropped and added again"),
        [
            Change::DropCheck {
                table: table.clone(),
                check: first_check.clone(),
                rule: first_rule.clone(),
            },
            Change::AddCheck {
                table: table.clone(),
                check: first_check,
                rule: first_rule,
            }
        ]
    );

    assert_eq!(
        diff(&new, &old).expect("a dropped CHECK is migrated"),
        [Change::DropCheck { table, check, rule }]
    );

    // A new table brings its CHECKs inside CREATE TABLE: an additive change.
    let empty = Schema::default();
    assert_eq!(
        diff(&empty, &new).expect("a new table is additive"),
        [Change::CreateTable("orders".into())]
    );
}

/// Which rules become CHECKs is this target's decision, so it also keeps out a rule whose
/// constraint name Postgres would truncate, or that another object of the schema already has (a
/// column's CHECK): the rule is listed with the unexpressed ones instead, in spec order.
#[test]
fn a_rule_whose_check_name_does_not_fit_or_is_taken_is_unexpressed() {
    let (mut spec, _) = schema();
    let rename = |spec: &mut handshake_spec::model::Spec, from: &str, to: &str| {
        spec.rules
            .iter_mut()
            .find(|rule| rule.name == from)
            .unwrap_or_else(|| panic!("rule {from}"))
            .name = to.to_string();
    };
    let long = "priority_within_its_cap_as_the_order_desk_agreed_it";
    rename(&mut spec, "priority_within_its_cap", long);
    rename(&mut spec, "web_orders_not_withdrawn_by_phone", "channel");
    let schema = sql::schema(&spec);
    let orders = schema.table("orders").expect("orders");
    let checks: Vec<&str> = orders.checks.iter().map(|c| c.rule.as_str()).collect();
    assert_eq!(
        checks,
        [
            "partner_orders_carry_a_reference",
            "reorders_do_not_repeat_themselves"
        ]
    );
    let unexpressed = &orders.unchecked_rules;
    assert_eq!(unexpressed.len(), 15);
    for moved in ["channel", long] {
        assert!(unexpressed.iter().any(|rule| rule == moved), "{moved}");
    }
}
