//! The SQLite backend: rusqlite connections whose statements run on the calling thread.
//!
//! Decision (issue #9, benchmark): the store does not use sqlx for SQLite. sqlx runs every SQLite
//! connection on a worker thread of its own, so each statement, `BEGIN` and `COMMIT` is a round
//! trip over channels to that thread; `perf` put about half of a transition's CPU in the kernel
//! switching threads (26–42 context switches per transition, 0.3 through rusqlite; README, the job
//! store's figures). An embedded database has no network to wait on, so here a transaction runs
//! its statements where the caller runs, prepared once per connection and cached.
//!
//! What sqlx's pool gave, kept:
//! - a bounded set of connections ([`SqlitePool::acquire`] waits asynchronously for one);
//! - writers in this process queue on an async lock before `BEGIN IMMEDIATE`, so a writer never
//!   blocks a runtime thread waiting for another writer of the same store (only another process
//!   holding the write lock makes `BEGIN IMMEDIATE` wait, up to the busy timeout);
//! - a transaction dropped without commit rolls back at once, and a connection left inside a
//!   transaction it cannot leave (SQLite rolls back by itself on SQLITE_FULL/SQLITE_IOERR, or a
//!   ROLLBACK failed) is discarded instead of being handed out again;
//! - the embedded migrations are applied with sqlx's bookkeeping table and checksums, so a file
//!   migrated by an earlier version of the store (through sqlx) opens unchanged, and the reverse.
//!
//! Errors are reported as [`sqlx::Error::Database`] carrying [`SqliteFailure`], with SQLite's
//! extended result code as the code and the constraint kind sqlx would report, so callers see one
//! error type whichever backend they use.

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rusqlite::types::{ToSqlOutput, Value as SqlValue, ValueRef};
use rusqlite::{Connection, OpenFlags, ToSql};
use sqlx::error::{DatabaseError, ErrorKind};
use sqlx::migrate::{MigrateError, Migrator};
use tokio::sync::{OwnedMutexGuard, OwnedSemaphorePermit, Semaphore};

use super::Arg;

/// Statements each connection keeps prepared (the store renders about 30, plus one `UPDATE` per
/// distinct set of changed columns).
const STATEMENT_CACHE: usize = 128;

/// Where the connections go.
#[derive(Debug, Clone)]
pub(crate) enum Target {
    /// A database file (created if missing), in WAL mode.
    File {
        path: PathBuf,
        synchronous_full: bool,
        busy_timeout: Duration,
        wal_autocheckpoint: u32,
    },
    /// A private in-memory database: one connection, kept for the pool's lifetime.
    Memory,
}

/// A bounded pool of SQLite connections.
#[derive(Clone)]
pub(crate) struct SqlitePool {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for SqlitePool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlitePool")
            .field("target", &self.shared.target)
            .finish_non_exhaustive()
    }
}

struct Shared {
    target: Target,
    idle: Mutex<Vec<Connection>>,
    permits: Arc<Semaphore>,
    writer: Arc<tokio::sync::Mutex<()>>,
}

impl SqlitePool {
    /// Opens the pool: one connection now (which creates the file and switches it to WAL), up to
    /// `max_connections` on demand (a memory database has exactly one).
    pub fn open(target: Target, max_connections: u32) -> Result<Self, sqlx::Error> {
        let max = match target {
            Target::Memory => 1,
            Target::File { .. } => max_connections.max(1) as usize,
        };
        let first = connect(&target).map_err(failure)?;
        Ok(Self {
            shared: Arc::new(Shared {
                target,
                idle: Mutex::new(vec![first]),
                permits: Arc::new(Semaphore::new(max)),
                writer: Arc::new(tokio::sync::Mutex::new(())),
            }),
        })
    }

    /// A connection for reads outside a transaction (WAL readers never wait for the writer).
    pub async fn acquire(&self) -> Result<Conn, sqlx::Error> {
        let permit = Arc::clone(&self.shared.permits)
            .acquire_owned()
            .await
            .map_err(|_| sqlx::Error::PoolClosed)?;
        let conn = self.take_idle()?;
        Ok(Conn {
            conn: Some(conn),
            shared: Arc::clone(&self.shared),
            _permit: permit,
        })
    }

    /// A write transaction (`BEGIN IMMEDIATE`), after the writers of this process before it.
    ///
    /// If `BEGIN` fails for any reason but a busy database, the connection is discarded and the
    /// transaction begins once more on a new one (a file's connection can go bad while idle; the
    /// caller sees the second attempt's outcome). A busy database is reported at once, so its
    /// timeout is never waited out twice.
    pub async fn begin(&self) -> Result<SqliteTx, sqlx::Error> {
        let writer = Arc::clone(&self.shared.writer).lock_owned().await;
        let mut conn = self.acquire().await?;
        if let Err(error) = conn.get().execute_batch("BEGIN IMMEDIATE") {
            if is_busy_code(&error) || matches!(self.shared.target, Target::Memory) {
                return Err(failure(error));
            }
            conn.conn = Some(connect(&self.shared.target).map_err(failure)?);
            conn.get()
                .execute_batch("BEGIN IMMEDIATE")
                .map_err(failure)?;
        }
        Ok(SqliteTx {
            conn,
            _writer: writer,
        })
    }

    /// Applies the embedded migrations not yet applied, each in its own transaction, recording
    /// them in sqlx's `_sqlx_migrations` table with sqlx's checksums: an applied migration whose
    /// checksum differs, one missing from the embedded set, or one left dirty is refused with
    /// sqlx's own [`MigrateError`].
    pub async fn migrate(&self, migrator: &Migrator) -> Result<(), MigrateError> {
        let tx = self.begin().await?;
        let conn = tx.conn.get();
        let table = &migrator.table_name;
        conn.execute_batch(&format!(
            "CREATE TABLE IF NOT EXISTS {table} (
                version BIGINT PRIMARY KEY,
                description TEXT NOT NULL,
                installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
                success BOOLEAN NOT NULL,
                checksum BLOB NOT NULL,
                execution_time BIGINT NOT NULL
            )"
        ))
        .map_err(failure)?;
        let applied: Vec<(i64, Vec<u8>, bool)> = {
            let mut statement = conn
                .prepare(&format!(
                    "SELECT version, checksum, success FROM {table} ORDER BY version"
                ))
                .map_err(failure)?;
            let rows = statement
                .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
                .map_err(failure)?;
            rows.collect::<Result<_, _>>().map_err(failure)?
        };
        if let Some((version, ..)) = applied.iter().find(|(.., success)| !success) {
            return Err(MigrateError::Dirty(*version));
        }
        let embedded = || {
            migrator
                .iter()
                .filter(|m| !m.migration_type.is_down_migration())
        };
        for (version, checksum, _) in &applied {
            match embedded().find(|m| m.version == *version) {
                None if !migrator.ignore_missing => {
                    return Err(MigrateError::VersionMissing(*version));
                }
                Some(m) if m.checksum.as_ref() != checksum.as_slice() => {
                    return Err(MigrateError::VersionMismatch(*version));
                }
                _ => {}
            }
        }
        for migration in embedded() {
            if applied
                .iter()
                .any(|(version, ..)| *version == migration.version)
            {
                continue;
            }
            let started = Instant::now();
            // A migration marked `-- no-transaction` (one that must change what SQLite ignores
            // inside a transaction, such as `PRAGMA foreign_keys`) runs between transactions.
            let no_tx = migration.no_tx || migrator.no_tx;
            if no_tx {
                conn.execute_batch("COMMIT").map_err(failure)?;
            }
            let applied = conn.execute_batch(migration.sql.as_str());
            if no_tx {
                conn.execute_batch("BEGIN IMMEDIATE").map_err(failure)?;
            }
            applied.map_err(|e| MigrateError::ExecuteMigration(failure(e), migration.version))?;
            conn.execute(
                &format!(
                    "INSERT INTO {table} (version, description, success, checksum, execution_time)
                     VALUES (?1, ?2, TRUE, ?3, ?4)"
                ),
                rusqlite::params![
                    migration.version,
                    migration.description.as_ref(),
                    migration.checksum.as_ref(),
                    i64::try_from(started.elapsed().as_nanos()).unwrap_or(i64::MAX),
                ],
            )
            .map_err(failure)?;
            // One transaction per migration, as sqlx applies them.
            tx.conn.get().execute_batch("COMMIT").map_err(failure)?;
            tx.conn
                .get()
                .execute_batch("BEGIN IMMEDIATE")
                .map_err(failure)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Closes the idle connections; later calls open new ones (a memory database is kept).
    pub fn close(&self) {
        if matches!(self.shared.target, Target::File { .. }) {
            self.shared
                .idle
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .clear();
        }
    }

    fn take_idle(&self) -> Result<Connection, sqlx::Error> {
        let idle = self
            .shared
            .idle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .pop();
        match idle {
            Some(conn) => Ok(conn),
            None => connect(&self.shared.target).map_err(failure),
        }
    }
}

/// Opens and configures one connection as the store needs it.
fn connect(target: &Target) -> rusqlite::Result<Connection> {
    let conn = match target {
        Target::Memory => Connection::open_in_memory()?,
        Target::File {
            path,
            synchronous_full,
            busy_timeout,
            wal_autocheckpoint,
        } => {
            let conn = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_WRITE
                    | OpenFlags::SQLITE_OPEN_CREATE
                    | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?;
            conn.busy_timeout(*busy_timeout)?;
            // WAL is a property of the file; setting it again is a no-op.
            let _: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
            conn.pragma_update(
                None,
                "synchronous",
                if *synchronous_full { "FULL" } else { "NORMAL" },
            )?;
            // Per connection (the setting is not stored in the file): any connection's commit
            // may run the checkpoint.
            conn.pragma_update(None, "wal_autocheckpoint", wal_autocheckpoint)?;
            conn
        }
    };
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(conn)
}

/// A connection taken from the pool; given back when dropped (discarded if it is stuck inside a
/// transaction).
pub(crate) struct Conn {
    conn: Option<Connection>,
    shared: Arc<Shared>,
    _permit: OwnedSemaphorePermit,
}

impl Conn {
    fn get(&self) -> &Connection {
        self.conn
            .as_ref()
            .unwrap_or_else(|| unreachable!("a pooled connection is present until dropped"))
    }

    /// Runs a statement; returns the number of rows it changed.
    pub fn execute(&mut self, sql: &str, args: &[Arg]) -> Result<u64, sqlx::Error> {
        let mut statement = self.get().prepare_cached(sql).map_err(failure)?;
        let changed = statement
            .execute(rusqlite::params_from_iter(args))
            .map_err(failure)?;
        Ok(changed as u64)
    }

    /// Runs a query; returns every row's values.
    pub fn fetch_all(
        &mut self,
        sql: &str,
        args: &[Arg],
    ) -> Result<Vec<Vec<SqlValue>>, sqlx::Error> {
        let mut statement = self.get().prepare_cached(sql).map_err(failure)?;
        let width = statement.column_count();
        let mut rows = statement
            .query(rusqlite::params_from_iter(args))
            .map_err(failure)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(failure)? {
            out.push(
                (0..width)
                    .map(|i| row.get::<_, SqlValue>(i))
                    .collect::<Result<_, _>>()
                    .map_err(failure)?,
            );
        }
        Ok(out)
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else { return };
        if !conn.is_autocommit() {
            let _ = conn.execute_batch("ROLLBACK");
        }
        // A memory database lives in its one connection: it is kept whatever its state.
        if conn.is_autocommit() || matches!(self.shared.target, Target::Memory) {
            self.shared
                .idle
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(conn);
        }
    }
}

/// A write transaction; dropped without [`SqliteTx::commit`] it rolls back at once.
pub(crate) struct SqliteTx {
    conn: Conn,
    _writer: OwnedMutexGuard<()>,
}

impl SqliteTx {
    pub fn execute(&mut self, sql: &str, args: &[Arg]) -> Result<u64, sqlx::Error> {
        self.conn.execute(sql, args)
    }

    pub fn fetch_all(
        &mut self,
        sql: &str,
        args: &[Arg],
    ) -> Result<Vec<Vec<SqlValue>>, sqlx::Error> {
        self.conn.fetch_all(sql, args)
    }

    pub fn commit(self) -> Result<(), sqlx::Error> {
        self.conn.get().execute_batch("COMMIT").map_err(failure)
    }

    pub fn rollback(self) -> Result<(), sqlx::Error> {
        self.conn.get().execute_batch("ROLLBACK").map_err(failure)
    }
}

impl ToSql for Arg {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self {
            Arg::Text(Some(text)) => ValueRef::Text(text.as_bytes()),
            Arg::Int(Some(n)) => ValueRef::Integer(*n),
            Arg::Real(Some(x)) => ValueRef::Real(*x),
            Arg::Bool(Some(b)) => ValueRef::Integer(i64::from(*b)),
            Arg::Text(None) | Arg::Int(None) | Arg::Real(None) | Arg::Bool(None) => ValueRef::Null,
        }))
    }
}

/// SQLITE_BUSY or SQLITE_LOCKED: the database refused (another writer), not the connection.
fn is_busy_code(error: &rusqlite::Error) -> bool {
    matches!(
        error.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

/// An error of SQLite (or of reading its values), as a database error of sqlx's error type.
fn failure(error: rusqlite::Error) -> sqlx::Error {
    let extended = match &error {
        rusqlite::Error::SqliteFailure(code, _) => Some(code.extended_code),
        _ => None,
    };
    match extended {
        Some(extended_code) => sqlx::Error::Database(Box::new(SqliteFailure {
            message: error.to_string(),
            extended_code,
        })),
        None => sqlx::Error::Decode(Box::new(error)),
    }
}

/// A failure SQLite reported, with its extended result code.
#[derive(Debug)]
pub(crate) struct SqliteFailure {
    message: String,
    extended_code: std::ffi::c_int,
}

impl std::fmt::Display for SqliteFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SqliteFailure {}

impl DatabaseError for SqliteFailure {
    fn message(&self) -> &str {
        &self.message
    }

    fn code(&self) -> Option<Cow<'_, str>> {
        Some(Cow::Owned(self.extended_code.to_string()))
    }

    fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self
    }

    fn kind(&self) -> ErrorKind {
        use rusqlite::ffi;
        match self.extended_code {
            ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                ErrorKind::UniqueViolation
            }
            ffi::SQLITE_CONSTRAINT_FOREIGNKEY => ErrorKind::ForeignKeyViolation,
            ffi::SQLITE_CONSTRAINT_NOTNULL => ErrorKind::NotNullViolation,
            ffi::SQLITE_CONSTRAINT_CHECK => ErrorKind::CheckViolation,
            _ => ErrorKind::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::migrate::{Migration, MigrationType};
    use sqlx::{AssertSqlSafe, SqlSafeStr};

    fn foreign_keys_off(no_tx: bool) -> Migrator {
        Migrator::with_migrations(vec![Migration::new(
            1,
            "foreign keys off".into(),
            MigrationType::Simple,
            AssertSqlSafe("PRAGMA foreign_keys = OFF").into_sql_str(),
            no_tx,
        )])
    }

    async fn foreign_keys_after(migrator: &Migrator) -> i64 {
        let pool = SqlitePool::open(Target::Memory, 1).expect("open");
        pool.migrate(migrator).await.expect("migrate");
        let mut conn = pool.acquire().await.expect("acquire");
        match conn.fetch_all("PRAGMA foreign_keys", &[]).expect("pragma")[0][0] {
            SqlValue::Integer(n) => n,
            ref other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn a_no_transaction_migration_runs_outside_the_transaction() {
        // SQLite ignores `PRAGMA foreign_keys` inside a transaction: only the migration marked
        // `-- no-transaction` can change it.
        assert_eq!(foreign_keys_after(&foreign_keys_off(false)).await, 1);
        assert_eq!(foreign_keys_after(&foreign_keys_off(true)).await, 0);
    }
}
