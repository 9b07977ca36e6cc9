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

use handshake_job_model::generated::registry::tables;
use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Map, Value};
use sqlx::pool::PoolConnection;
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
        self.args_of(record, 0..self.columns.len())
    }

    /// The bind values of the columns at `indexes` of `record`, in that order.
    pub fn args_of(
        &self,
        record: &Map<String, Value>,
        indexes: impl IntoIterator<Item = usize>,
    ) -> Result<Vec<Arg>, StoreError> {
        indexes
            .into_iter()
            .map(|i| {
                let (name, kind) = &self.columns[i];
                arg_for(self.name, name, *kind, record.get(name))
            })
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
                out.push_str(&placeholder(dialect, n, template_kind(inner)));
            }
        } else {
            let (kind, column) = inner.split_once(':').unwrap_or(("", inner));
            out.push_str(&select_expr(dialect, template_kind(kind), column));
        }
        rest = &rest[at + end + 1..];
    }
    out.push_str(rest);
    out
}

/// The kind a template names: `uuid`, `ts` or `json`, and text for anything else.
fn template_kind(name: &str) -> Kind {
    match name {
        "uuid" => Kind::Uuid,
        "ts" => Kind::Timestamp,
        "json" => Kind::Json,
        _ => Kind::Text,
    }
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
            Pool::Sqlite(pool) => Tx::new(TxConn::Sqlite(pool.begin().await?)),
            Pool::Postgres(pool) => Tx::new(TxConn::Postgres(match pool.try_begin().await {
                Ok(Some(tx)) => tx,
                Ok(None) | Err(_) => pool.begin().await?,
            })),
        })
    }

    /// A write that checks its read instead of locking (PostgreSQL; on SQLite the same as
    /// [`Pool::begin`], whose `BEGIN IMMEDIATE` costs no round trip).
    ///
    /// No transaction is open in between: the job is read by one statement
    /// ([`Tx::fetch_all`] runs it on its own, under its own snapshot), and everything the step
    /// writes is sent by [`Tx::commit_checked`] as one statement, each write made conditional on
    /// the guarded update of the job's row ([`Tx::update_guarded`]), which matches only if the
    /// row is still the version that was read (its `xmin`, [`Tx::witness`]). Two statements
    /// instead of five (`BEGIN`, the lock, the lock context, the writes, `COMMIT`). When the row
    /// changed in between, nothing is written and the caller is told so, to do the step again
    /// under the row lock.
    pub async fn begin_optimistic(&self) -> Result<Tx, StoreError> {
        Ok(match self {
            Pool::Sqlite(_) => self.begin().await?,
            Pool::Postgres(pool) => {
                let (conn, checked) = match pool.try_acquire() {
                    Some(conn) => (conn, false),
                    None => (pool.acquire().await?, true),
                };
                Tx::new(TxConn::Optimistic(Optimistic {
                    pool: pool.clone(),
                    conn,
                    checked,
                    witness: None,
                    guard: None,
                }))
            }
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
///
/// Writes whose outcome the caller does not read (inserts of events, history, provenance; run
/// bookkeeping) can be [deferred](Tx::defer): on PostgreSQL they are sent with the next statement
/// that needs an answer, as data-modifying `WITH` clauses of that one statement, so a transition's
/// writes cost one round trip instead of one each. They run before that statement's own effect is
/// visible to anything after it, and an error in any of them is that statement's error. On SQLite
/// (no network between the store and the database) a deferred write simply runs at once.
pub(crate) struct Tx {
    conn: TxConn,
    pending: Vec<(Arc<str>, Vec<Arg>)>,
    /// What the store read under the job's lock and may reuse later in the same transaction.
    pub memo: Memo,
    /// Postgres: the job row's `xmin` after this transaction's update of it (the transaction's
    /// own id), returned by that update in a locked transaction.
    written_xmin: Option<String>,
}

/// How [`Tx::commit_checked`] ended.
#[derive(Debug)]
pub(crate) enum Committed {
    /// Written and committed; on Postgres, with the `xmin` of the job row the transaction wrote
    /// (`None` on SQLite, or when the transaction did not update a job's row).
    Written { xmin: Option<String> },
    /// An optimistic write found the job's row changed since it was read, and wrote nothing.
    Stale,
}

enum TxConn {
    Sqlite(SqliteTx),
    Postgres(Transaction<'static, Postgres>),
    /// PostgreSQL with no transaction open ([`Pool::begin_optimistic`]).
    Optimistic(Optimistic),
}

/// An optimistic write on PostgreSQL: the connection, the version of the job's row that was read,
/// and the update that checks it.
struct Optimistic {
    pool: PgPool,
    conn: PoolConnection<Postgres>,
    /// Whether the connection went through sqlx's acquire-time checks. One that did not is
    /// checked by its first statement: if that fails, it is replaced by a checked one and the
    /// statement runs again (the same rule as [`Pool::begin`]).
    checked: bool,
    /// The job row's `xmin` as read.
    witness: Option<String>,
    /// The update of the job's row, guarded by the witness; every other write depends on it.
    guard: Option<(Arc<str>, Vec<Arg>)>,
}

/// A statement an optimistic write cannot run (a bug in the store, reported as a database error
/// rather than a silent write outside the guard).
fn not_optimistic(what: &str) -> sqlx::Error {
    sqlx::Error::Protocol(format!(
        "job store: {what} cannot be part of an optimistic write"
    ))
}

/// Reads made under a job's lock that later steps of the same transaction reuse instead of asking
/// again. Each is keyed by the job it is about; a write to the table a value came from clears it
/// (see [`Tx::defer`] and [`Tx::execute`]).
#[derive(Debug, Default)]
pub(crate) struct Memo {
    /// The job's latest workflow run (`None` inside: it has none).
    pub latest_run: Option<(
        handshake_job_model::JobId,
        Option<handshake_job_model::WorkflowRun>,
    )>,
    /// The last number in the job's event order (0: no event yet).
    pub last_delivery: Option<(handshake_job_model::JobId, u64)>,
    /// The job as a transition wrote it, with its new version.
    pub written: Option<crate::JobRecord>,
}

impl Memo {
    /// Forgets what a write to the table `sql` changes may have made stale.
    fn written(&mut self, sql: &str) {
        if sql.contains(tables::AI_JOB_WORKFLOW_RUNS) {
            self.latest_run = None;
        }
    }
}

impl Tx {
    fn new(conn: TxConn) -> Self {
        Self {
            conn,
            pending: Vec::new(),
            memo: Memo::default(),
            written_xmin: None,
        }
    }

    /// Runs a write whose row count the caller does not need, now (SQLite) or together with the
    /// next statement (PostgreSQL).
    pub async fn defer(&mut self, sql: &Arc<str>, args: Vec<Arg>) -> Result<(), sqlx::Error> {
        self.memo.written(sql);
        if let TxConn::Sqlite(tx) = &mut self.conn {
            tx.execute(sql, &args)?;
            return Ok(());
        }
        if self.depends_on_pending(sql) {
            if matches!(self.conn, TxConn::Optimistic(_)) {
                return Err(not_optimistic("a write that depends on an earlier one"));
            }
            self.flush().await?;
        }
        self.pending.push((Arc::clone(sql), args));
        Ok(())
    }

    /// Whether this is an optimistic write ([`Pool::begin_optimistic`]) on PostgreSQL.
    pub fn is_optimistic(&self) -> bool {
        matches!(self.conn, TxConn::Optimistic(_))
    }

    /// Records the version of the job's row that an optimistic write read (its `xmin`).
    pub fn witness(&mut self, xmin: String) {
        if let TxConn::Optimistic(optimistic) = &mut self.conn {
            optimistic.witness = Some(xmin);
        }
    }

    /// The update of the job's row (`… WHERE job_id = ? AND state = ?`). In a locked transaction
    /// it runs now and says whether it matched. In an optimistic write it is sent by
    /// [`Tx::commit_checked`], guarded by the witness, and every other write depends on it; it
    /// counts as matched here, and the commit says whether it did.
    pub async fn update_guarded(
        &mut self,
        sql: &Arc<str>,
        args: Vec<Arg>,
    ) -> Result<bool, sqlx::Error> {
        if let TxConn::Optimistic(optimistic) = &mut self.conn {
            if optimistic.guard.is_some() || optimistic.witness.is_none() {
                return Err(not_optimistic("a second update, or one without a read,"));
            }
            optimistic.guard = Some((Arc::clone(sql), args));
            return Ok(true);
        }
        if matches!(self.conn, TxConn::Postgres(_)) && self.depends_on_pending(sql) {
            self.flush().await?;
        }
        if let TxConn::Postgres(tx) = &mut self.conn {
            // The row's new `xmin`, kept for the next optimistic write of the job.
            let returning = format!("{sql} RETURNING CAST(xmin AS text)");
            let (sql, args) = with_pending(&mut self.pending, &Arc::from(returning), args);
            let row = bind_pg(&sql, args).fetch_optional(&mut **tx).await?;
            self.written_xmin = row.map(|row| row.try_get(0)).transpose()?;
            return Ok(self.written_xmin.is_some());
        }
        Ok(self.execute(sql, args).await? > 0)
    }

    /// Whether `sql` reads or changes a table a deferred write changes: then it must run after
    /// them, not beside them under one snapshot. Only a plain `INSERT … VALUES` never does.
    fn depends_on_pending(&self, sql: &str) -> bool {
        let plain_insert = sql.starts_with("INSERT INTO ") && !sql.contains("SELECT");
        !plain_insert
            && self
                .pending
                .iter()
                .any(|(write, _)| target_table(write).is_some_and(|table| mentions(sql, table)))
    }

    /// Runs a statement (after the deferred writes); returns the number of rows it changed.
    pub async fn execute(&mut self, sql: &Arc<str>, args: Vec<Arg>) -> Result<u64, sqlx::Error> {
        self.memo.written(sql);
        if matches!(self.conn, TxConn::Postgres(_)) && self.depends_on_pending(sql) {
            self.flush().await?;
        }
        Ok(match &mut self.conn {
            TxConn::Sqlite(tx) => tx.execute(sql, &args)?,
            TxConn::Postgres(tx) => {
                let (sql, args) = with_pending(&mut self.pending, sql, args);
                bind_pg(&sql, args)
                    .execute(&mut **tx)
                    .await?
                    .rows_affected()
            }
            TxConn::Optimistic(_) => return Err(not_optimistic("a write whose row count is read")),
        })
    }

    /// Runs the deferred writes now.
    pub async fn flush(&mut self) -> Result<(), sqlx::Error> {
        // The deferred writes never depend on each other ([`Tx::defer`] flushes before one that
        // would), so the last one can carry the others.
        if self.pending.is_empty() {
            return Ok(());
        }
        match &mut self.conn {
            TxConn::Postgres(tx) => {
                if let Some((sql, args)) = self.pending.pop() {
                    let (sql, args) = with_pending(&mut self.pending, &sql, args);
                    bind_pg(&sql, args).execute(&mut **tx).await?;
                }
            }
            TxConn::Optimistic(_) => return Err(not_optimistic("a read after a write")),
            TxConn::Sqlite(_) => {}
        }
        Ok(())
    }

    pub async fn fetch_all(
        &mut self,
        sql: &Arc<str>,
        args: Vec<Arg>,
    ) -> Result<Vec<Row>, StoreError> {
        self.flush().await?;
        Ok(match &mut self.conn {
            TxConn::Sqlite(tx) => tx
                .fetch_all(sql, &args)?
                .into_iter()
                .map(Row::Sqlite)
                .collect(),
            TxConn::Postgres(tx) => bind_pg(sql, args)
                .fetch_all(&mut **tx)
                .await?
                .into_iter()
                .map(Row::Postgres)
                .collect(),
            TxConn::Optimistic(optimistic) => {
                if optimistic.guard.is_some() {
                    return Err(not_optimistic("a read after a write").into());
                }
                let rows = match bind_pg(sql, args.clone())
                    .fetch_all(&mut *optimistic.conn)
                    .await
                {
                    Ok(rows) => rows,
                    Err(_) if !optimistic.checked => {
                        // The unchecked connection failed its first statement: replace it.
                        optimistic.conn = optimistic.pool.acquire().await?;
                        optimistic.checked = true;
                        bind_pg(sql, args).fetch_all(&mut *optimistic.conn).await?
                    }
                    Err(error) => return Err(error.into()),
                };
                optimistic.checked = true;
                rows.into_iter().map(Row::Postgres).collect()
            }
        })
    }

    /// The row of a statement that returns one at most (a `LIMIT 1`, an aggregate, the lock
    /// context), read as [`Tx::fetch_all`] reads rows.
    pub async fn fetch_optional(
        &mut self,
        sql: &Arc<str>,
        args: Vec<Arg>,
    ) -> Result<Option<Row>, StoreError> {
        Ok(self.fetch_all(sql, args).await?.into_iter().next())
    }

    /// Runs the deferred writes, then commits. A locked transaction only: an optimistic write
    /// ends with [`Tx::commit_checked`], whose caller handles a job changed since its read.
    pub async fn commit(self) -> Result<(), StoreError> {
        match self.commit_checked().await? {
            Committed::Written { .. } => Ok(()),
            Committed::Stale => Err(not_optimistic("a commit that cannot be done again").into()),
        }
    }

    /// Runs the deferred writes and commits. An optimistic write may end [`Committed::Stale`];
    /// a locked transaction never does.
    pub async fn commit_checked(mut self) -> Result<Committed, StoreError> {
        if !matches!(self.conn, TxConn::Optimistic(_)) {
            self.flush().await?;
        }
        match self.conn {
            TxConn::Sqlite(tx) => tx.commit()?,
            TxConn::Postgres(tx) => tx.commit().await?,
            TxConn::Optimistic(mut optimistic) => {
                let Some((update, update_args)) = optimistic.guard.take() else {
                    return if self.pending.is_empty() {
                        Ok(Committed::Written { xmin: None })
                    } else {
                        Err(not_optimistic("a write without the job's update").into())
                    };
                };
                let witness = optimistic.witness.take().unwrap_or_default();
                let (sql, args) = guarded(&update, update_args, witness, &mut self.pending)
                    .ok_or_else(|| not_optimistic("a write of this form"))?;
                let row = bind_pg(&sql, args)
                    .fetch_optional(&mut *optimistic.conn)
                    .await?;
                return Ok(match row {
                    Some(row) => Committed::Written {
                        xmin: Some(row.try_get(0)?),
                    },
                    None => Committed::Stale,
                });
            }
        }
        Ok(Committed::Written {
            xmin: self.written_xmin,
        })
    }

    /// Rolls back now, deferred writes unsent (a dropped transaction rolls back only when its
    /// connection is next used).
    pub async fn rollback(self) -> Result<(), StoreError> {
        match self.conn {
            TxConn::Sqlite(tx) => tx.rollback()?,
            TxConn::Postgres(tx) => tx.rollback().await?,
            // Nothing was sent.
            TxConn::Optimistic(_) => {}
        }
        Ok(())
    }
}

/// The one statement of an optimistic write: the job's `update`, guarded by the row's `xmin` as
/// read (`witness`) and returning the row's new `xmin` when it matched, then every `pending`
/// write made conditional on that row; it selects that `xmin` (no row: the update did not match).
///
/// PostgreSQL runs it in one transaction of its own. The update takes the row's lock; if another
/// writer changed the row after the read, the update re-checks its condition on the new version
/// (read committed), `xmin` differs, and neither it nor any write that depends on it does
/// anything. Every writer of a job's rows changes the job's row in the same transaction (see
/// `JobStore::touch`), so an unchanged `xmin` means nothing about the job changed. `None` when a
/// write is of a form that cannot be made conditional (only `INSERT … VALUES` and
/// `UPDATE … WHERE` can).
fn guarded(
    update: &str,
    update_args: Vec<Arg>,
    witness: String,
    pending: &mut Vec<(Arc<str>, Vec<Arg>)>,
) -> Option<(Arc<str>, Vec<Arg>)> {
    let mut all = update_args;
    let mut text = format!(
        "WITH g AS ({update} AND xmin = CAST(${} AS xid) RETURNING CAST(xmin AS text) AS x)",
        all.len() + 1
    );
    all.push(Arg::Text(Some(witness)));
    for (i, (write, write_args)) in pending.drain(..).enumerate() {
        let write = renumber(&write, all.len());
        let conditional = if let Some((head, values)) = write.split_once(") VALUES (") {
            let values = values.strip_suffix(')')?;
            format!("{head}) SELECT {values} FROM g")
        } else if write.starts_with("UPDATE ") && write.contains(" WHERE ") {
            format!("{write} AND EXISTS (SELECT 1 FROM g)")
        } else {
            return None;
        };
        text.push_str(&format!(", w{i} AS ({conditional})"));
        all.extend(write_args);
    }
    text.push_str(" SELECT x FROM g");
    Some((Arc::from(text), all))
}

/// `sql` (PostgreSQL) preceded by the deferred writes as data-modifying `WITH` clauses, their
/// placeholders renumbered after each other's, and the bind values in that order.
///
/// PostgreSQL runs every data-modifying `WITH` clause to completion whether or not the main
/// statement reads it, all under one snapshot; foreign keys are checked at the end of the
/// statement, so an event and the delivery row that references it may share one. The store's
/// deferred writes never read what another of them writes (numbers such as event order are
/// computed before), so their order inside the statement does not matter.
fn with_pending(
    pending: &mut Vec<(Arc<str>, Vec<Arg>)>,
    sql: &Arc<str>,
    args: Vec<Arg>,
) -> (Arc<str>, Vec<Arg>) {
    if pending.is_empty() {
        return (Arc::clone(sql), args);
    }
    let mut text = String::from("WITH ");
    let mut all = Vec::new();
    for (i, (write, write_args)) in pending.drain(..).enumerate() {
        if i > 0 {
            text.push_str(", ");
        }
        text.push_str(&format!("w{i} AS ("));
        text.push_str(&renumber(&write, all.len()));
        text.push(')');
        all.extend(write_args);
    }
    text.push(' ');
    text.push_str(&renumber(sql, all.len()));
    all.extend(args);
    (Arc::from(text), all)
}

/// The table an `INSERT INTO`, `UPDATE` or `DELETE FROM` statement writes.
fn target_table(sql: &str) -> Option<&str> {
    let rest = sql
        .strip_prefix("INSERT INTO ")
        .or_else(|| sql.strip_prefix("UPDATE "))
        .or_else(|| sql.strip_prefix("DELETE FROM "))?;
    rest.split([' ', '(']).next()
}

/// Whether `sql` names `table` as a whole word.
fn mentions(sql: &str, table: &str) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    sql.match_indices(table).any(|(at, _)| {
        let before = sql[..at].chars().next_back();
        let after = sql[at + table.len()..].chars().next();
        !before.is_some_and(word) && !after.is_some_and(word)
    })
}

/// `sql` with every placeholder `$n` made `$(n + by)`. The store's statements carry `$` only in
/// placeholders (values are always bound, never inlined).
fn renumber(sql: &str, by: usize) -> String {
    if by == 0 {
        return sql.to_owned();
    }
    let mut out = String::with_capacity(sql.len() + 16);
    let mut rest = sql;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..=at]);
        rest = &rest[at + 1..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        match rest[..digits].parse::<usize>() {
            Ok(n) => out.push_str(&(n + by).to_string()),
            Err(_) => out.push_str(&rest[..digits]),
        }
        rest = &rest[digits..];
    }
    out.push_str(rest);
    out
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_renumbered_after_the_deferred_writes() {
        assert_eq!(
            renumber("UPDATE t SET a = $1, b = $2::jsonb WHERE id = $10::uuid", 3),
            "UPDATE t SET a = $4, b = $5::jsonb WHERE id = $13::uuid"
        );
        assert_eq!(renumber("SELECT $1", 0), "SELECT $1");
        let mut pending = vec![
            (
                Arc::from("INSERT INTO e (a, b) VALUES ($1, $2)"),
                vec![Arg::int(1), Arg::int(2)],
            ),
            (
                Arc::from("INSERT INTO h (a) VALUES ($1)"),
                vec![Arg::int(3)],
            ),
        ];
        let (sql, args) = with_pending(
            &mut pending,
            &Arc::from("UPDATE j SET a = $1 WHERE id = $2"),
            vec![Arg::int(4), Arg::int(5)],
        );
        assert_eq!(
            &*sql,
            "WITH w0 AS (INSERT INTO e (a, b) VALUES ($1, $2)), w1 AS (INSERT INTO h (a) VALUES ($3)) \
             UPDATE j SET a = $4 WHERE id = $5"
        );
        assert_eq!(args, (1..=5).map(Arg::int).collect::<Vec<_>>());
        assert!(pending.is_empty());
    }

    #[test]
    fn an_optimistic_write_makes_every_write_depend_on_the_guarded_update() {
        let mut pending = vec![
            (
                Arc::from("INSERT INTO e (a, b) VALUES ($1, $2::uuid)"),
                vec![Arg::int(1), Arg::text("u")],
            ),
            (
                Arc::from("UPDATE r SET s = $1 WHERE id = $2::uuid AND f IS NULL"),
                vec![Arg::text("done"), Arg::text("r1")],
            ),
        ];
        let (sql, args) = guarded(
            "UPDATE j SET a = $1 WHERE id = $2::uuid AND state = $3",
            vec![Arg::int(9), Arg::text("j1"), Arg::text("running")],
            "4711".to_owned(),
            &mut pending,
        )
        .expect("both forms can be made conditional");
        assert_eq!(
            &*sql,
            "WITH g AS (UPDATE j SET a = $1 WHERE id = $2::uuid AND state = $3 AND xmin = CAST($4 AS xid) RETURNING CAST(xmin AS text) AS x), \
             w0 AS (INSERT INTO e (a, b) SELECT $5, $6::uuid FROM g), \
             w1 AS (UPDATE r SET s = $7 WHERE id = $8::uuid AND f IS NULL AND EXISTS (SELECT 1 FROM g)) \
             SELECT x FROM g"
        );
        assert_eq!(args.len(), 8);
        assert_eq!(args[3], Arg::text("4711"));
        assert!(pending.is_empty());

        // A write that cannot be made conditional is not sent at all.
        let mut other = vec![(Arc::from("DELETE FROM e WHERE a = $1"), vec![Arg::int(1)])];
        assert!(
            guarded(
                "UPDATE j SET a = $1 WHERE id = $2",
                Vec::new(),
                String::new(),
                &mut other
            )
            .is_none()
        );
    }

    #[test]
    fn a_statement_on_a_table_a_deferred_write_changes_is_not_sent_beside_it() {
        assert_eq!(
            target_table("INSERT INTO ai_job_workflow_runs (a) VALUES ($1)"),
            Some("ai_job_workflow_runs")
        );
        assert_eq!(target_table("UPDATE ai_jobs SET a = $1"), Some("ai_jobs"));
        assert_eq!(target_table("SELECT 1"), None);
        assert!(mentions("UPDATE ai_jobs SET", "ai_jobs"));
        assert!(!mentions("INSERT INTO ai_jobs_x", "ai_jobs"));
        assert!(!mentions("FROM ai_job_state_history", "ai_job"));
    }
}
