//! The SQL layer: one connection type over SQLite and PostgreSQL, statements rendered per dialect,
//! and rows mapped to and from the generated records through their serde form.
//!
//! Nothing about the model is restated here. The columns of every table are read from the
//! migrated database itself when the store opens ([`Schema::introspect`]), and a record is written
//! by serialising the generated type and binding each column's field by name (names are identical
//! in Rust, SQL and JSON), then read back by building the JSON object and deserialising it into the
//! generated type, which re-validates every value. A column added by a later generated migration is
//! therefore round-tripped without a code change here.
//!
//! Values are bound as text or integers in both dialects; PostgreSQL placeholders carry a cast to
//! the column type (`$1::uuid`, `$2::timestamptz`, `$3::jsonb`) and its `uuid`, `jsonb` and
//! `timestamptz` columns are selected as text (timestamps in the model's own wire format, so a
//! value reads back byte-identical).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Map, Value};
use sqlx::postgres::PgRow;
use sqlx::{AssertSqlSafe, PgPool, Postgres, Row as _, Transaction};

use crate::error::StoreError;

pub(crate) mod sqlite;

use rusqlite::types::Value as SqlValue;
use sqlite::{SqlitePool, SqliteTx};

/// The two supported databases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite (file in WAL mode, or memory).
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// How a column's value is carried between the database and the record's JSON form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Text: strings, string newtypes, enums.
    Text,
    /// A UUID (text in SQLite, `uuid` in Postgres).
    Uuid,
    /// An RFC 3339 timestamp (text in SQLite, `timestamptz` in Postgres).
    Timestamp,
    /// JSON text (text in SQLite, `jsonb` in Postgres).
    Json,
    /// A 64-bit integer.
    Int,
    /// A 64-bit float.
    Real,
    /// A boolean (0/1 in SQLite).
    Bool,
}

/// The tables the store reads and writes; each must exist after migrating.
/// They are the tables the generated migrations create (the generator owns that list).
pub(crate) const TABLES: &[&str] = &handshake_job_model::generated::registry::TABLES;

/// The columns of one table, in the database's order.
#[derive(Debug, Clone)]
pub(crate) struct TableColumns {
    pub name: &'static str,
    pub columns: Vec<(String, Kind)>,
}

impl TableColumns {
    /// `c1, c2, …` as a select list (Postgres: casts to text), each prefixed with `alias.`.
    pub fn select_list(&self, dialect: Dialect, alias: &str) -> String {
        self.columns
            .iter()
            .map(|(name, kind)| select_expr(dialect, *kind, &format!("{alias}.{name}")))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// `INSERT INTO t (c1, …) VALUES (p1, …)`.
    pub fn insert_sql(&self, dialect: Dialect) -> String {
        let names: Vec<&str> = self.columns.iter().map(|(n, _)| n.as_str()).collect();
        let placeholders: Vec<String> = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, (_, kind))| placeholder(dialect, i + 1, *kind))
            .collect();
        format!(
            "INSERT INTO {} ({}) VALUES ({})",
            self.name,
            names.join(", "),
            placeholders.join(", ")
        )
    }

    /// `UPDATE t SET c = p, … WHERE key = p AND guard = p` over the columns at `set` (indexes into
    /// [`TableColumns::columns`]); placeholders are numbered in that order, then `key`, `guard`.
    pub fn update_sql(&self, dialect: Dialect, set: &[usize], key: &str, guard: &str) -> String {
        let kind_of = |name: &str| {
            self.columns
                .iter()
                .find(|(n, _)| n == name)
                .map_or(Kind::Text, |(_, kind)| *kind)
        };
        let assignments: Vec<String> = set
            .iter()
            .enumerate()
            .map(|(n, &i)| {
                let (name, kind) = &self.columns[i];
                format!("{name} = {}", placeholder(dialect, n + 1, *kind))
            })
            .collect();
        format!(
            "UPDATE {} SET {} WHERE {key} = {} AND {guard} = {}",
            self.name,
            assignments.join(", "),
            placeholder(dialect, set.len() + 1, kind_of(key)),
            placeholder(dialect, set.len() + 2, kind_of(guard)),
        )
    }

    /// The bind values of `record` (its serde object) in column order; absent fields bind NULL.
    pub fn args(&self, record: &Map<String, Value>) -> Result<Vec<Arg>, StoreError> {
        self.columns
            .iter()
            .map(|(name, kind)| arg_for(self.name, name, *kind, record.get(name)))
            .collect()
    }

    /// The record object of a row whose first columns are this table's (NULLs are left out).
    pub fn object(&self, row: &Row, offset: usize) -> Result<Map<String, Value>, StoreError> {
        let mut out = Map::new();
        for (i, (name, kind)) in self.columns.iter().enumerate() {
            if let Some(value) = row.value(offset + i, *kind)? {
                out.insert(name.clone(), value);
            }
        }
        Ok(out)
    }
}

/// The columns of every table the store uses, read from the migrated database.
#[derive(Debug, Clone)]
pub(crate) struct Schema {
    pub tables: BTreeMap<&'static str, TableColumns>,
}

impl Schema {
    pub fn table(&self, name: &str) -> &TableColumns {
        // Every name in TABLES was checked present by `introspect`; callers only use those.
        self.tables
            .get(name)
            .unwrap_or_else(|| unreachable!("table {name} is in TABLES and was introspected"))
    }

    /// Reads the columns of [`TABLES`] from the database; fails if one is missing.
    pub async fn introspect(pool: &Pool) -> Result<Self, StoreError> {
        let mut tables = BTreeMap::new();
        for &table in TABLES {
            let columns = match pool {
                Pool::Sqlite(pool) => {
                    let mut conn = pool.acquire().await?;
                    let ddl = conn
                        .fetch_all(
                            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?1",
                            &[Arg::text(table)],
                        )?
                        .into_iter()
                        .next()
                        .and_then(|row| match row.into_iter().next() {
                            Some(SqlValue::Text(ddl)) => Some(ddl),
                            _ => None,
                        })
                        .unwrap_or_default();
                    conn.fetch_all(
                        "SELECT name, type FROM pragma_table_info(?1) ORDER BY cid",
                        &[Arg::text(table)],
                    )?
                    .into_iter()
                    .filter_map(|row| match <[SqlValue; 2]>::try_from(row) {
                        Ok([SqlValue::Text(name), SqlValue::Text(ty)]) => {
                            let kind = sqlite_kind(&ddl, &name, &ty);
                            Some((name, kind))
                        }
                        _ => None,
                    })
                    .collect::<Vec<_>>()
                }
                Pool::Postgres(pool) => {
                    let rows: Vec<(String, String)> = sqlx::query_as(
                        "SELECT column_name::text, data_type::text FROM information_schema.columns \
                         WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
                    )
                    .bind(table)
                    .fetch_all(pool)
                    .await?;
                    rows.into_iter()
                        .map(|(name, ty)| {
                            let kind = match ty.as_str() {
                                "uuid" => Kind::Uuid,
                                "timestamp with time zone" => Kind::Timestamp,
                                "jsonb" | "json" => Kind::Json,
                                "bigint" | "integer" | "smallint" => Kind::Int,
                                "double precision" | "real" => Kind::Real,
                                "boolean" => Kind::Bool,
                                _ => Kind::Text,
                            };
                            (name, kind)
                        })
                        .collect()
                }
            };
            if columns.is_empty() {
                return Err(StoreError::Schema {
                    detail: format!("table {table} is missing; were the migrations applied?"),
                });
            }
            tables.insert(
                table,
                TableColumns {
                    name: table,
                    columns,
                },
            );
        }
        Ok(Self { tables })
    }
}

/// SQLite declares only TEXT/INTEGER/REAL; the generated DDL marks JSON columns with
/// `json_valid(col)` and booleans with `col IN (0, 1)`, which is how they are told apart.
fn sqlite_kind(ddl: &str, column: &str, declared: &str) -> Kind {
    match declared.to_ascii_uppercase().as_str() {
        "INTEGER" if ddl.contains(&format!("CHECK ({column} IN (0, 1))")) => Kind::Bool,
        "INTEGER" => Kind::Int,
        "REAL" => Kind::Real,
        _ if ddl.contains(&format!("json_valid({column})")) => Kind::Json,
        _ => Kind::Text,
    }
}

/// Placeholder number `n` for a value of `kind`.
pub(crate) fn placeholder(dialect: Dialect, n: usize, kind: Kind) -> String {
    match dialect {
        Dialect::Sqlite => format!("?{n}"),
        Dialect::Postgres => match kind {
            Kind::Uuid => format!("${n}::uuid"),
            Kind::Timestamp => format!("${n}::timestamptz"),
            Kind::Json => format!("${n}::jsonb"),
            _ => format!("${n}"),
        },
    }
}

/// The select expression of a column: Postgres `uuid`/`jsonb` as text, timestamps in wire format.
pub(crate) fn select_expr(dialect: Dialect, kind: Kind, column: &str) -> String {
    match (dialect, kind) {
        (Dialect::Postgres, Kind::Uuid | Kind::Json) => format!("{column}::text"),
        (Dialect::Postgres, Kind::Timestamp) => {
            format!("to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')")
        }
        _ => column.to_owned(),
    }
}

/// Renders a statement template for `dialect`.
///
/// Placeholders, numbered in order of appearance: `{}` text or integer, `{uuid}`, `{ts}`,
/// `{json}`. Select expressions: `[uuid:col]`, `[ts:col]`, `[json:col]`. `{lock}` becomes
/// ` FOR UPDATE` on Postgres (row lock) and nothing on SQLite, whose write transactions are
/// `BEGIN IMMEDIATE` and so already exclusive.
pub(crate) fn render(dialect: Dialect, template: &str) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut n = 0;
    let mut rest = template;
    while let Some(at) = rest.find(['{', '[']) {
        out.push_str(&rest[..at]);
        let open = rest.as_bytes()[at];
        let close = if open == b'{' { '}' } else { ']' };
        let Some(end) = rest[at..].find(close) else {
            out.push_str(&rest[at..]);
            rest = "";
            break;
        };
        let inner = &rest[at + 1..at + end];
        if open == b'{' {
            if inner == "lock" {
                if dialect == Dialect::Postgres {
                    out.push_str(" FOR UPDATE");
                }
            } else {
                n += 1;
                let kind = match inner {
                    "uuid" => Kind::Uuid,
                    "ts" => Kind::Timestamp,
                    "json" => Kind::Json,
                    _ => Kind::Text,
                };
                out.push_str(&placeholder(dialect, n, kind));
            }
        } else {
            let (kind, column) = inner.split_once(':').unwrap_or(("", inner));
            let kind = match kind {
                "uuid" => Kind::Uuid,
                "ts" => Kind::Timestamp,
                "json" => Kind::Json,
                _ => Kind::Text,
            };
            out.push_str(&select_expr(dialect, kind, column));
        }
        rest = &rest[at + end + 1..];
    }
    out.push_str(rest);
    out
}

/// One bind value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Arg {
    Text(Option<String>),
    Int(Option<i64>),
    Real(Option<f64>),
    Bool(Option<bool>),
}

impl Arg {
    pub fn text(value: impl Into<String>) -> Self {
        Arg::Text(Some(value.into()))
    }
    pub fn int(value: u64) -> Self {
        Arg::Int(Some(i64::try_from(value).unwrap_or(i64::MAX)))
    }
}

fn arg_for(
    table: &str,
    column: &str,
    kind: Kind,
    value: Option<&Value>,
) -> Result<Arg, StoreError> {
    let bad = |what: &str| StoreError::Decode {
        what: "bind value",
        detail: format!(
            "{table}.{column}: expected {what}, found {}",
            value.map(Value::to_string).unwrap_or_default()
        ),
    };
    let value = match value {
        None | Some(Value::Null) => {
            return Ok(match kind {
                Kind::Int => Arg::Int(None),
                Kind::Real => Arg::Real(None),
                Kind::Bool => Arg::Bool(None),
                _ => Arg::Text(None),
            });
        }
        Some(value) => value,
    };
    Ok(match kind {
        Kind::Json => Arg::Text(Some(value.to_string())),
        Kind::Int => Arg::Int(Some(value.as_i64().ok_or_else(|| bad("an integer"))?)),
        Kind::Real => Arg::Real(Some(value.as_f64().ok_or_else(|| bad("a number"))?)),
        Kind::Bool => Arg::Bool(Some(value.as_bool().ok_or_else(|| bad("a boolean"))?)),
        Kind::Text | Kind::Uuid | Kind::Timestamp => match value {
            Value::String(s) => Arg::Text(Some(s.clone())),
            // A non-string value in a text column (never produced by the generated types).
            other => Arg::Text(Some(other.to_string())),
        },
    })
}

/// A pool of either dialect.
#[derive(Debug, Clone)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl Pool {
    pub fn dialect(&self) -> Dialect {
        match self {
            Pool::Sqlite(_) => Dialect::Sqlite,
            Pool::Postgres(_) => Dialect::Postgres,
        }
    }

    /// A write transaction: `BEGIN IMMEDIATE` on SQLite (takes the write lock up front, so a
    /// read-then-write never fails with a stale snapshot), a plain `BEGIN` on Postgres (rows are
    /// locked with `FOR UPDATE`).
    ///
    /// An idle connection is taken first without sqlx's acquire-time checks (`test_before_acquire`
    /// and the pool's `before_acquire` hook each ping it: one more hop to SQLite's worker thread,
    /// or one more Postgres round trip, per check and per transaction; `benches/transitions.rs`,
    /// README). `BEGIN` itself is the check: if it fails for any reason but a busy database (a
    /// connection that died idle, one the driver still counts as inside a transaction), nothing
    /// has begun, the connection is dropped, and the transaction begins on the checked path,
    /// whose ping and hook replace such a connection. The caller sees what it saw before; only a
    /// busy database is reported at once, so its timeout is never waited out twice.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(match self {
            Pool::Sqlite(pool) => Tx::Sqlite(pool.begin().await?),
            Pool::Postgres(pool) => Tx::Postgres(match pool.try_begin().await {
                Ok(Some(tx)) => tx,
                Ok(None) | Err(_) => pool.begin().await?,
            }),
        })
    }

    /// A read outside any explicit transaction.
    pub async fn fetch_all(&self, sql: &Arc<str>, args: Vec<Arg>) -> Result<Vec<Row>, StoreError> {
        Ok(match self {
            Pool::Sqlite(pool) => pool
                .acquire()
                .await?
                .fetch_all(sql, &args)?
                .into_iter()
                .map(Row::Sqlite)
                .collect(),
            Pool::Postgres(pool) => bind_pg(sql, args)
                .fetch_all(pool)
                .await?
                .into_iter()
                .map(Row::Postgres)
                .collect(),
        })
    }
}

fn bind_pg(
    sql: &Arc<str>,
    args: Vec<Arg>,
) -> sqlx::query::Query<'static, Postgres, sqlx::postgres::PgArguments> {
    let mut query = sqlx::query(AssertSqlSafe(Arc::clone(sql)));
    for arg in args {
        query = match arg {
            Arg::Text(v) => query.bind(v),
            Arg::Int(v) => query.bind(v),
            Arg::Real(v) => query.bind(v),
            Arg::Bool(v) => query.bind(v),
        };
    }
    query
}

/// An open write transaction of either dialect; dropped without [`Tx::commit`] it rolls back.
pub(crate) enum Tx {
    Sqlite(SqliteTx),
    Postgres(Transaction<'static, Postgres>),
}

impl Tx {
    /// Runs a statement; returns the number of rows it changed.
    pub async fn execute(&mut self, sql: &Arc<str>, args: Vec<Arg>) -> Result<u64, sqlx::Error> {
        Ok(match self {
            Tx::Sqlite(tx) => tx.execute(sql, &args)?,
            Tx::Postgres(tx) => bind_pg(sql, args).execute(&mut **tx).await?.rows_affected(),
        })
    }

    pub async fn fetch_all(
        &mut self,
        sql: &Arc<str>,
        args: Vec<Arg>,
    ) -> Result<Vec<Row>, StoreError> {
        Ok(match self {
            Tx::Sqlite(tx) => tx
                .fetch_all(sql, &args)?
                .into_iter()
                .map(Row::Sqlite)
                .collect(),
            Tx::Postgres(tx) => bind_pg(sql, args)
                .fetch_all(&mut **tx)
                .await?
                .into_iter()
                .map(Row::Postgres)
                .collect(),
        })
    }

    pub async fn fetch_optional(
        &mut self,
        sql: &Arc<str>,
        args: Vec<Arg>,
    ) -> Result<Option<Row>, StoreError> {
        Ok(match self {
            Tx::Sqlite(tx) => tx
                .fetch_all(sql, &args)?
                .into_iter()
                .next()
                .map(Row::Sqlite),
            Tx::Postgres(tx) => bind_pg(sql, args)
                .fetch_optional(&mut **tx)
                .await?
                .map(Row::Postgres),
        })
    }

    pub async fn commit(self) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(tx) => tx.commit()?,
            Tx::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }

    /// Rolls back now (a dropped transaction rolls back only when its connection is next used).
    pub async fn rollback(self) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(tx) => tx.rollback()?,
            Tx::Postgres(tx) => tx.rollback().await?,
        }
        Ok(())
    }
}

/// A result row of either dialect.
pub(crate) enum Row {
    Sqlite(Vec<SqlValue>),
    Postgres(PgRow),
}

impl Row {
    pub fn text(&self, i: usize) -> Result<Option<String>, StoreError> {
        Ok(match self {
            Row::Sqlite(row) => match cell(row, i)? {
                SqlValue::Null => None,
                SqlValue::Text(text) => Some(text.clone()),
                SqlValue::Integer(n) => Some(n.to_string()),
                SqlValue::Real(x) => Some(x.to_string()),
                SqlValue::Blob(_) => return Err(mistyped(i, "text", "a blob")),
            },
            Row::Postgres(row) => row.try_get(i)?,
        })
    }

    pub fn int(&self, i: usize) -> Result<Option<i64>, StoreError> {
        Ok(match self {
            Row::Sqlite(row) => match cell(row, i)? {
                SqlValue::Null => None,
                SqlValue::Integer(n) => Some(*n),
                other => return Err(mistyped(i, "an integer", &format!("{other:?}"))),
            },
            Row::Postgres(row) => row.try_get(i)?,
        })
    }

    fn real(&self, i: usize) -> Result<Option<f64>, StoreError> {
        Ok(match self {
            Row::Sqlite(row) => match cell(row, i)? {
                SqlValue::Null => None,
                SqlValue::Real(x) => Some(*x),
                #[allow(clippy::cast_precision_loss)] // SQLite stores a whole REAL as an integer
                SqlValue::Integer(n) => Some(*n as f64),
                other => return Err(mistyped(i, "a number", &format!("{other:?}"))),
            },
            Row::Postgres(row) => row.try_get(i)?,
        })
    }

    fn bool(&self, i: usize) -> Result<Option<bool>, StoreError> {
        Ok(match self {
            Row::Sqlite(_) => self.int(i)?.map(|v| v != 0),
            Row::Postgres(row) => row.try_get(i)?,
        })
    }

    /// Column `i` as the JSON value its field has in the record, or `None` for NULL.
    pub fn value(&self, i: usize, kind: Kind) -> Result<Option<Value>, StoreError> {
        Ok(match kind {
            Kind::Text | Kind::Uuid | Kind::Timestamp => self.text(i)?.map(Value::String),
            Kind::Json => match self.text(i)? {
                None => None,
                Some(text) => {
                    Some(serde_json::from_str(&text).map_err(|e| StoreError::Decode {
                        what: "json column",
                        detail: e.to_string(),
                    })?)
                }
            },
            Kind::Int => self.int(i)?.map(Value::from),
            Kind::Real => self.real(i)?.map(Value::from),
            Kind::Bool => self.bool(i)?.map(Value::Bool),
        })
    }
}

/// Column `i` of an SQLite row.
fn cell(row: &[SqlValue], i: usize) -> Result<&SqlValue, StoreError> {
    row.get(i).ok_or_else(|| StoreError::Decode {
        what: "row",
        detail: format!("no column {i} in a row of {}", row.len()),
    })
}

fn mistyped(i: usize, expected: &str, found: &str) -> StoreError {
    StoreError::Decode {
        what: "column",
        detail: format!("column {i}: expected {expected}, found {found}"),
    }
}
