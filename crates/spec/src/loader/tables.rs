//! `table:` blocks and index lists: names, keys and the columns they may use.

use marked_yaml::Node;
use marked_yaml::types::MarkedScalarNode;

use super::{At, Reader};
use crate::diagnostics::Code;
use crate::model::{Field, FieldStorage, ForeignKey, Index, Table};
use crate::names::NameKind;
use crate::suggest::did_you_mean_or_list;

/// The keys of a `table:` block.
const TABLE_KEYS: &[&str] = &[
    "name",
    "clause",
    "description",
    "decision",
    "primary_key",
    "foreign_keys",
    "indexes",
    "append_only",
    "renamed_from",
];

impl Reader<'_> {
    pub(super) fn table(
        &mut self,
        node: &Node,
        owner: At,
        fields: &[Field],
        record: &str,
    ) -> Option<Table> {
        let what = format!("the table of `{record}`");
        let map = self.expect_keys(node, &what, TABLE_KEYS)?;
        let meta = self.meta(map, &owner, &what);
        let renamed_from = map.get_key_value("renamed_from");
        let name = match self
            .require(map, "name", &owner, &what)
            .and_then(|n| self.expect_scalar(n, "table `name`"))
        {
            Some(scalar) => self.table_name(scalar),
            None => String::new(),
        };
        if let Some((key, node)) = renamed_from {
            self.table_renamed_from(key, node, &name);
        }
        let mut primary_key = Vec::new();
        if let Some(pk_node) = self.require(map, "primary_key", &owner, &what)
            && let Some(seq) = self.expect_seq(pk_node, "`primary_key`")
        {
            if seq.is_empty() {
                let at = self.source.at_node(pk_node);
                self.sink.report(
                    Code::InvalidPrimaryKey,
                    at,
                    format!("empty primary key in {what}"),
                    "no columns",
                    Some("list the column(s) that identify a row, e.g. `[job_id]`".into()),
                );
            }
            for column in seq.iter() {
                let Some(scalar) = self.expect_scalar(column, "a primary key column") else {
                    continue;
                };
                let at = self.source.at_scalar(scalar);
                let column = scalar.as_str().to_string();
                if self.check_column(&column, at.clone(), fields, &[], "primary key", record)
                    && fields.iter().any(|f| f.name == column && !f.required)
                {
                    self.sink.report(
                        Code::InvalidPrimaryKey,
                        at,
                        format!("primary key column `{column}` of `{record}` is optional"),
                        "`required: false`",
                        Some("primary key columns must be `required: true`".into()),
                    );
                }
                primary_key.push(column);
            }
        }
        let mut foreign_keys = Vec::new();
        if let Some(fk_node) = map.get_node("foreign_keys")
            && let Some(seq) = self.expect_seq(fk_node, "`foreign_keys`")
        {
            for item in seq.iter() {
                let Some(fk) = self.expect_map(item, "a foreign key") else {
                    continue;
                };
                self.check_keys(fk, &["column", "references"], "a foreign key");
                let fk_at = self.source.at_node(item);
                let column = self
                    .require(fk, "column", &fk_at, "foreign key")
                    .and_then(|n| self.expect_scalar(n, "`column`"))
                    .map(|s| {
                        let at = self.source.at_scalar(s);
                        self.check_column(s.as_str(), at, fields, &[], "foreign key", record);
                        s.as_str().to_string()
                    });
                let references = self
                    .require(fk, "references", &fk_at, "foreign key")
                    .and_then(|n| self.expect_scalar(n, "`references`"))
                    .map(|s| {
                        let at = self.source.at_scalar(s);
                        self.pending.foreign_keys.push((s.as_str().to_string(), at));
                        s.as_str().to_string()
                    });
                if let (Some(column), Some(references)) = (column, references) {
                    foreign_keys.push(ForeignKey { column, references });
                }
            }
        }
        let indexes = match map.get_node("indexes") {
            Some(n) => self.indexes(n, Some((fields, record))),
            None => Vec::new(),
        };
        let append_only = match map.get_node("append_only") {
            Some(n) => self.boolean(n, "`append_only`").unwrap_or(false),
            None => false,
        };
        Some(Table {
            name,
            primary_key,
            foreign_keys,
            indexes,
            append_only,
            meta,
        })
    }

    /// A table's name (a record's or a child table's): checked, and kept for the SQL-wide
    /// uniqueness check.
    pub(super) fn table_name(&mut self, scalar: &MarkedScalarNode) -> String {
        let name = self.name(scalar, NameKind::Table);
        let at = self.source.at_scalar(scalar);
        self.pending.sql_names.push((name.clone(), "table", at));
        name
    }

    /// `indexes:`: a mapping from index name to `[columns]` or `{ columns, unique }`. Columns are
    /// checked here when the record is known (`of`), else in pass C (child tables).
    pub(super) fn indexes(&mut self, node: &Node, of: Option<(&[Field], &str)>) -> Vec<Index> {
        let Some(map) = self.expect_map(node, "`indexes`") else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (key, value) in map.iter() {
            let name = self.name(key, NameKind::Index);
            let at = self.source.at_scalar(key);
            self.pending
                .sql_names
                .push((name.clone(), "index", at.clone()));
            let what = format!("index `{name}`");
            let (columns_node, unique) = match value {
                Node::Mapping(index) => {
                    self.check_keys(index, &["columns", "unique"], &what);
                    let unique = match index.get_node("unique") {
                        Some(n) => self.boolean(n, "`unique`").unwrap_or(false),
                        None => false,
                    };
                    (self.require(index, "columns", &at, &what), unique)
                }
                other => (Some(other), false),
            };
            let mut columns = Vec::new();
            if let Some(columns_node) = columns_node
                && let Some(seq) = self.expect_seq(columns_node, &format!("the columns of {what}"))
            {
                if seq.is_empty() {
                    let at = self.source.at_node(columns_node);
                    let message = format!("{what} has no columns");
                    self.wrong_shape(at, message, "empty list", Some("list at least one column"));
                }
                for column in seq.iter() {
                    let Some(scalar) = self.expect_scalar(column, "an index column") else {
                        continue;
                    };
                    if let Some((fields, record)) = of {
                        let column_at = self.source.at_scalar(scalar);
                        self.check_column(scalar.as_str(), column_at, fields, &[], "index", record);
                    }
                    columns.push(scalar.as_str().to_string());
                }
            }
            out.push(Index {
                name,
                columns,
                unique,
            });
        }
        out
    }

    /// Reports `column` unless it is a column-stored field (or in `extra`); true when it is fine.
    pub(super) fn check_column(
        &mut self,
        column: &str,
        at: At,
        fields: &[Field],
        extra: &[&str],
        role: &str,
        record: &str,
    ) -> bool {
        if extra.contains(&column) {
            return true;
        }
        if self
            .pending
            .unresolved
            .contains(&format!("{record}.{column}"))
        {
            return true;
        }
        match fields.iter().find(|f| f.name == column) {
            Some(field) if field.storage == FieldStorage::Column => true,
            Some(_) => {
                self.sink.report(Code::NotAColumn, at, format!("{role} column `{column}` of `{record}` is not stored as a column"), "stored as JSON or in a child table", Some("key and index columns must be scalar, id, string or enum fields with `storage: column`".into()));
                false
            }
            None => {
                let mut candidates: Vec<&str> = Vec::new();
                for candidate in fields
                    .iter()
                    .filter(|f| f.storage == FieldStorage::Column)
                    .map(|f| f.name.as_str())
                    .chain(extra.iter().copied())
                {
                    if !candidates.contains(&candidate) {
                        candidates.push(candidate);
                    }
                }
                let intro = format!("columns of `{record}`");
                let help = Some(did_you_mean_or_list(column, &candidates, &intro));
                self.sink.report(
                    Code::NotAColumn,
                    at,
                    format!("{role} column `{column}` is not a field of `{record}`"),
                    "no such field",
                    help,
                );
                false
            }
        }
    }
}
