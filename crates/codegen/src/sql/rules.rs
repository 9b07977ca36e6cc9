//! Cross-field rules as named SQL CHECK constraints, where a stored table can express them.
//!
//! A rule on a stored record becomes `CONSTRAINT <table>_<rule>_check CHECK (...)` when every path
//! it names is one step long and lands on a typed column of that record's table (not a JSON
//! column, not a child table): `NOT (when) OR (require)`, identical in meaning in SQLite and
//! PostgreSQL. Every atom is written NULL-safe (`col IS NOT NULL AND col = 'v'`), because a CHECK
//! whose expression is NULL passes; so an absent value behaves as the spec language says. A
//! column whose field has a `default:` is read through `COALESCE(col, <default>)`, as the model
//! reads the record.
//!
//! The other rules on a stored record (a path into a JSON column, a `[variant]` step into a union,
//! `each`, `contains`, `all_equal`, `member_of`, and every rule derived from the profile registry,
//! which grows with the spec while a committed CHECK cannot) are listed by [`unexpressed_rules`] and named in a comment above the table's
//! `CREATE TABLE`, so the gap is visible in the migration itself. So is a rule whose constraint
//! name Postgres would truncate (past 63 bytes) or that another object of the schema already
//! has: which rules become CHECKs is this target's decision, so the loader leaves rule names
//! free of the SQL naming.

use std::collections::BTreeSet;

use handshake_spec::model::{Condition, FieldPath, FieldStorage, Measure, Rule, Spec};
use serde_json::Value;

use super::{Dialect, MAX_IDENTIFIER_LEN, check_name};
use crate::ir::{FieldStep, Ir, Step, TypeId};

/// A rule rendered as a CHECK constraint of one table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleCheck {
    /// Constraint name: `<table>_<rule>_check`.
    pub name: String,
    /// The rule's snake_case name.
    pub rule: String,
    /// The rule's stable code.
    pub code: String,
    /// The CHECK expression in SQLite.
    pub sqlite: String,
    /// The CHECK expression in PostgreSQL.
    pub postgres: String,
}

impl RuleCheck {
    /// The expression for `dialect`.
    pub fn expression(&self, dialect: Dialect) -> &str {
        match dialect {
            Dialect::Sqlite => &self.sqlite,
            Dialect::Postgres => &self.postgres,
        }
    }
}

/// The CHECKs of the rules on the record `record` (stored in `table`), and the names of the rules
/// on it that SQL cannot express, both in spec order, judged without the schema's other names
/// ([`crate::sql::schema`] also leaves out a CHECK whose name another object of the schema
/// already has; see [`table_rules_among`]).
pub fn table_rules(ir: &Ir<'_>, record: TypeId, table: &str) -> (Vec<RuleCheck>, Vec<String>) {
    table_rules_among(ir, record, table, &mut BTreeSet::new())
}

/// [`table_rules`] among the schema's other objects, whose names `taken` holds: a constraint name
/// in it, or longer than Postgres keeps, is not used (the rule is listed as unexpressed), and each
/// name used is added to it.
pub fn table_rules_among(
    ir: &Ir<'_>,
    record: TypeId,
    table: &str,
    taken: &mut BTreeSet<String>,
) -> (Vec<RuleCheck>, Vec<String>) {
    let mut checks = Vec::new();
    let mut unexpressed = Vec::new();
    let columns = Columns { ir, record };
    for rule in ir.rules_on(record) {
        // A rule derived from the profile registry changes whenever a profile is added, which a
        // CHECK cannot follow without a non-additive migration; the stores run `Validate`.
        if rule.registry {
            unexpressed.push(rule.name.clone());
            continue;
        }
        let rendered = (
            rule_expression(rule, columns, Dialect::Sqlite),
            rule_expression(rule, columns, Dialect::Postgres),
        );
        let name = check_name(table, &rule.name);
        match rendered {
            (Some(sqlite), Some(postgres))
                if name.len() <= MAX_IDENTIFIER_LEN && taken.insert(name.clone()) =>
            {
                checks.push(RuleCheck {
                    name,
                    rule: rule.name.clone(),
                    code: rule.code.clone(),
                    sqlite,
                    postgres,
                })
            }
            _ => unexpressed.push(rule.name.clone()),
        }
    }
    (checks, unexpressed)
}

/// Every rule on a stored record that has no CHECK, as `(table, rule)`, in spec order.
pub fn unexpressed_rules(spec: &Spec) -> Vec<(String, String)> {
    super::schema(spec)
        .tables
        .into_iter()
        .flat_map(|table| {
            let name = table.name;
            table
                .unchecked_rules
                .into_iter()
                .map(move |rule| (name.clone(), rule))
        })
        .collect()
}

fn rule_expression(rule: &Rule, record: Columns<'_, '_>, dialect: Dialect) -> Option<String> {
    let require = condition(&rule.require, record, dialect)?;
    Some(match &rule.when {
        None => require,
        Some(when) => {
            let when = condition(when, record, dialect)?;
            format!("NOT ({when}) OR ({require})")
        }
    })
}

/// The record a rule is on, whose typed columns its paths may name.
#[derive(Clone, Copy)]
struct Columns<'i, 's> {
    ir: &'i Ir<'s>,
    record: TypeId,
}

/// The column a one-step path names, if it is a typed column. A path with a `[variant]` step
/// reads inside a union, which is stored as JSON, so it never names a column.
fn column<'s>(record: Columns<'_, 's>, path: &FieldPath) -> Option<FieldStep<'s>> {
    let resolved = record.ir.path(Some(record.record), path).ok()?;
    match resolved.steps.as_slice() {
        [Step::Field(step)] if matches!(step.field.storage, FieldStorage::Column) => {
            Some(step.clone())
        }
        _ => None,
    }
}

/// `expr` as it stands for the positive condition of a pair (`present`, `equals`, `one_of`), its
/// negation for the other; the expression is NULL-free, so `NOT` is the exact complement.
fn negated_unless(positive: bool, expr: String) -> String {
    if positive {
        expr
    } else {
        format!("NOT ({expr})")
    }
}

/// A NULL-free boolean expression for `condition`, or `None` when SQL cannot express it.
fn condition(cond: &Condition, record: Columns<'_, '_>, dialect: Dialect) -> Option<String> {
    let condition = cond;
    let join = |items: &[Condition], word: &str| -> Option<String> {
        let parts = items
            .iter()
            .map(|c| self::condition(c, record, dialect).map(|e| format!("({e})")))
            .collect::<Option<Vec<_>>>()?;
        Some(parts.join(&format!(" {word} ")))
    };
    Some(match condition {
        Condition::All(items) => join(items, "AND")?,
        Condition::Any(items) => join(items, "OR")?,
        Condition::Not(inner) => format!("NOT ({})", self::condition(inner, record, dialect)?),
        Condition::Present(path) | Condition::Absent(path) => {
            let field = column(record, path)?;
            let present = if field.can_be_absent() {
                format!("{} IS NOT NULL", super::column_sql(field.key()))
            } else {
                "TRUE".to_string()
            };
            negated_unless(matches!(condition, Condition::Present(_)), present)
        }
        Condition::Equals { path, value } | Condition::NotEquals { path, value } => {
            let field = column(record, path)?;
            let (value_expr, guard) = operand(&field, dialect)?;
            let equals = format!("{guard}{value_expr} = {}", literal(value, dialect)?);
            negated_unless(matches!(condition, Condition::Equals { .. }), equals)
        }
        Condition::OneOf { path, values } | Condition::NoneOf { path, values } => {
            let field = column(record, path)?;
            let (value_expr, guard) = operand(&field, dialect)?;
            let list = values
                .iter()
                .map(|v| literal(v, dialect))
                .collect::<Option<Vec<_>>>()?
                .join(", ");
            let one_of = format!("{guard}{value_expr} IN ({list})");
            negated_unless(matches!(condition, Condition::OneOf { .. }), one_of)
        }
        Condition::Length { path, min, max } => {
            let field = column(record, path)?;
            let (value_expr, _) = operand(&field, dialect)?;
            let mut bounds = Vec::new();
            if let Some(min) = min {
                bounds.push(format!("length({value_expr}) >= {min}"));
            }
            if let Some(max) = max {
                bounds.push(format!("length({value_expr}) <= {max}"));
            }
            if bounds.is_empty() {
                return Some("TRUE".into());
            }
            // Vacuous on an absent value.
            if field.can_be_absent() {
                format!("{value_expr} IS NULL OR ({})", bounds.join(" AND "))
            } else {
                bounds.join(" AND ")
            }
        }
        // Two columns of one type: equal, and absent on either side fails (as in every target).
        // Columns of different types (a UUID and its text) are left to the validators.
        Condition::SameAs { path, other } => {
            let (left, right) = (column(record, path)?, column(record, other)?);
            if left.field.ty != right.field.ty {
                return None;
            }
            let (left_expr, left_guard) = operand(&left, dialect)?;
            let (right_expr, right_guard) = operand(&right, dialect)?;
            format!("{left_guard}{right_guard}{left_expr} = {right_expr}")
        }
        // A number column bounded by another: absent on either side holds (no value, no budget).
        Condition::AtMost {
            measure: Measure::Value(path),
            bound,
        } => {
            let (value, limit) = (column(record, path)?, column(record, bound)?);
            let (value_expr, _) = operand(&value, dialect)?;
            let (limit_expr, _) = operand(&limit, dialect)?;
            format!("{value_expr} IS NULL OR {limit_expr} IS NULL OR {value_expr} <= {limit_expr}")
        }
        Condition::AtMost { .. } | Condition::SortedBy { .. } | Condition::EqualsSum { .. } => {
            return None;
        }
        Condition::Contains { .. }
        | Condition::Each { .. }
        | Condition::AllEqual { .. }
        | Condition::MemberOf { .. }
        | Condition::HashOf { .. } => {
            return None;
        }
    })
}

/// The value expression of a column and the NULL guard a comparison needs before it.
fn operand(field: &FieldStep<'_>, dialect: Dialect) -> Option<(String, String)> {
    let name = super::column_sql(field.key()).into_owned();
    match field.default() {
        Some(default) => Some((
            format!("COALESCE({name}, {})", literal(default, dialect)?),
            String::new(),
        )),
        None if !field.can_be_absent() => Some((name.clone(), String::new())),
        None => Some((name.clone(), format!("{name} IS NOT NULL AND "))),
    }
}

/// A SQL literal for a JSON scalar (strings cover enums, ids, uuids and timestamps).
fn literal(value: &Value, dialect: Dialect) -> Option<String> {
    Some(match value {
        Value::String(text) => format!("'{}'", text.replace('\'', "''")),
        Value::Bool(b) => match (dialect, b) {
            (Dialect::Sqlite, true) => "1".into(),
            (Dialect::Sqlite, false) => "0".into(),
            (Dialect::Postgres, true) => "TRUE".into(),
            (Dialect::Postgres, false) => "FALSE".into(),
        },
        Value::Number(n) => n.to_string(),
        _ => return None,
    })
}
