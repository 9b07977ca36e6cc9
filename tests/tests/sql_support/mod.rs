//! Shared by `sql_schema.rs` and `migrations_apply.rs`: one connection to SQLite or Postgres,
//! applying a migrations folder with sqlx's own `Migrator`, reading the schema back, and building
//! valid rows from the logical schema.
#![allow(dead_code)] // each test binary uses a different subset

use std::path::{Path, PathBuf};

use handshake_codegen::sql::{self, Column, ColumnType, Dialect, Schema, TableSchema};
use handshake_codegen::{ExistingFile, migrations};
use handshake_conformance::repo_root;
use handshake_spec::model::Spec;
use sqlx::migrate::Migrator;
use std::collections::BTreeSet;

use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{AssertSqlSafe, Connection, FromRow, PgConnection, SqliteConnection};

use handshake_conformance::pg;

/// An open connection to one test database.
pub enum Db {
    /// In-memory SQLite (sqlx turns foreign keys on for every connection).
    Sqlite(SqliteConnection),
    /// A fresh Postgres database (see `handshake_conformance::pg`).
    Postgres(PgConnection),
}

impl Db {
    /// A new in-memory SQLite database.
    pub async fn sqlite() -> Db {
        Db::Sqlite(
            SqliteConnection::connect("sqlite::memory:")
                .await
                .expect("in-memory sqlite"),
        )
    }

    /// A new database of `dialect`: SQLite in memory, or a fresh Postgres database named after
    /// `label`; `None` when Postgres is not configured outside CI (see `handshake_conformance::pg`).
    pub async fn open(dialect: Dialect, label: &str) -> Option<TestDb> {
        match dialect {
            Dialect::Sqlite => Some(TestDb {
                db: Db::sqlite().await,
                _database: None,
            }),
            Dialect::Postgres => {
                let database = pg::test_database(label).await?;
                Some(TestDb {
                    db: Db::Postgres(database.connect().await),
                    _database: Some(database),
                })
            }
        }
    }

    /// [`Db::open`], with the repository's committed migrations applied.
    pub async fn open_migrated(dialect: Dialect, label: &str) -> Option<TestDb> {
        let mut test_db = Db::open(dialect, label).await?;
        let dir = repo_root().join("migrations").join(dialect.folder());
        test_db
            .db
            .migrate(&dir)
            .await
            .unwrap_or_else(|e| panic!("the repository's migrations apply: {e}"));
        Some(test_db)
    }

    /// Which dialect this is.
    pub fn dialect(&self) -> Dialect {
        match self {
            Db::Sqlite(_) => Dialect::Sqlite,
            Db::Postgres(_) => Dialect::Postgres,
        }
    }

    /// Apply every migration in `dir` with sqlx's `Migrator`, exactly as an application would.
    pub async fn migrate(&mut self, dir: &Path) -> Result<(), String> {
        let migrator = Migrator::new(dir)
            .await
            .map_err(|e| format!("resolving {}: {e}", dir.display()))?;
        assert!(
            migrator.iter().count() > 0,
            "no migrations found in {}",
            dir.display()
        );
        match self {
            Db::Sqlite(conn) => migrator.run(&mut *conn).await,
            Db::Postgres(conn) => migrator.run(&mut *conn).await,
        }
        .map_err(|e| format!("applying {}: {e}", dir.display()))
    }

    /// Run SQL (several statements allowed); the error text is the database's message.
    pub async fn execute(&mut self, sql: &str) -> Result<(), String> {
        let query = sqlx::raw_sql(AssertSqlSafe(sql.to_string()));
        match self {
            Db::Sqlite(conn) => query.execute(&mut *conn).await.map(|_| ()),
            Db::Postgres(conn) => query.execute(&mut *conn).await.map(|_| ()),
        }
        .map_err(|e| e.to_string())
    }

    /// Every row `sql` returns, decoded as `T` (a tuple); the error text is the database's message.
    /// One method for both dialects, so a test reads rows without matching on the connection.
    pub async fn fetch_rows<T>(&mut self, sql: &str) -> Result<Vec<T>, String>
    where
        T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin,
    {
        let sql = AssertSqlSafe(sql.to_string());
        match self {
            Db::Sqlite(conn) => sqlx::query_as(sql).fetch_all(&mut *conn).await,
            Db::Postgres(conn) => sqlx::query_as(sql).fetch_all(&mut *conn).await,
        }
        .map_err(|e| e.to_string())
    }

    /// The first column of every row `sql` returns (see [`Db::fetch_rows`]).
    pub async fn fetch_column<T>(&mut self, sql: &str) -> Result<Vec<T>, String>
    where
        (T,): for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin,
    {
        let rows: Vec<(T,)> = self.fetch_rows(sql).await?;
        Ok(rows.into_iter().map(|(value,)| value).collect())
    }

    /// Insert one row into `table`: every NOT NULL column with a valid literal, `overrides`
    /// (column, SQL literal) winning (see [`insert_sql`]); the error text is the database's message.
    pub async fn insert(
        &mut self,
        table: &TableSchema,
        overrides: &[(&str, String)],
    ) -> Result<(), String> {
        let sql = insert_sql(self.dialect(), table, overrides);
        self.execute(&sql).await
    }

    /// Assert `table` (or any `FROM` clause) holds `expected` rows; `context` says which check.
    pub async fn assert_count(&mut self, table: &str, expected: i64, context: &str) {
        let found = self.count(table).await;
        assert_eq!(found, expected, "{context}: rows of {table}");
    }

    /// `SELECT count(*) FROM <table>`.
    pub async fn count(&mut self, table: &str) -> i64 {
        let counts: Vec<i64> = self
            .fetch_column(&format!("SELECT count(*) FROM {table}"))
            .await
            .unwrap_or_else(|e| panic!("counting {table}: {e}"));
        counts[0]
    }

    /// Columns of `table` as (name, NOT NULL), in table order; empty when the table does not exist.
    pub async fn columns(&mut self, table: &str) -> Vec<(String, bool)> {
        match self {
            Db::Sqlite(conn) => {
                sqlx::query_as::<_, (String, bool)>("SELECT name, \"notnull\" FROM pragma_table_info(?1) ORDER BY cid")
                    .bind(table)
                    .fetch_all(&mut *conn)
                    .await
            }
            Db::Postgres(conn) => {
                sqlx::query_as::<_, (String, bool)>(
                    "SELECT column_name::text, is_nullable = 'NO' FROM information_schema.columns \
                     WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
                )
                .bind(table)
                .fetch_all(&mut *conn)
                .await
            }
        }
        .unwrap_or_else(|e| panic!("reading the columns of {table}: {e}"))
    }

    /// Index `name` on `table` as (unique, columns in order), or `None` when it does not exist.
    pub async fn index(&mut self, table: &str, name: &str) -> Option<(bool, Vec<String>)> {
        match self {
            Db::Sqlite(conn) => {
                let unique: Option<bool> =
                    sqlx::query_scalar("SELECT \"unique\" FROM pragma_index_list(?1) WHERE name = ?2")
                        .bind(table)
                        .bind(name)
                        .fetch_optional(&mut *conn)
                        .await
                        .expect("pragma_index_list");
                let columns: Vec<String> =
                    sqlx::query_scalar("SELECT name FROM pragma_index_info(?1) ORDER BY seqno")
                        .bind(name)
                        .fetch_all(&mut *conn)
                        .await
                        .expect("pragma_index_info");
                unique.map(|u| (u, columns))
            }
            Db::Postgres(conn) => sqlx::query_as::<_, (bool, Vec<String>)>(
                "SELECT i.indisunique, array(SELECT a.attname::text FROM unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) \
                 JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum ORDER BY k.ord) \
                 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid \
                 WHERE t.relname = $1 AND c.relname = $2",
            )
            .bind(table)
            .bind(name)
            .fetch_optional(&mut *conn)
            .await
            .expect("pg_index"),
        }
    }
}

/// An open test database and, for Postgres, the database it is in, dropped after the connection
/// (fields drop in declaration order) so the scratch database goes away with the test.
pub struct TestDb {
    /// The connection.
    pub db: Db,
    _database: Option<pg::TestDatabase>,
}

/// One test for each dialect (named `$sqlite` and `$postgres`): the two `#[tokio::test]`s every
/// database check needs, written once. A macro, because a function cannot declare tests.
///
/// - `test_each_dialect!(a, b => run)` awaits `run(dialect)`;
/// - `test_each_dialect!(a, b, open => run)` opens a database with `open(dialect, label)` (e.g.
///   [`Db::open_migrated`]; the label is the Postgres test's name) and awaits `run(&mut db)`,
///   skipping when Postgres is not configured outside CI.
#[macro_export]
macro_rules! test_each_dialect {
    ($sqlite:ident, $postgres:ident, $open:path => $run:path) => {
        $crate::test_each_dialect!($sqlite, $postgres => (|dialect| async move {
            if let Some(mut test_db) = $open(dialect, stringify!($postgres)).await {
                $run(&mut test_db.db).await;
            }
        }));
    };
    ($sqlite:ident, $postgres:ident => $run:expr) => {
        #[tokio::test(flavor = "current_thread")]
        async fn $sqlite() {
            $run(handshake_codegen::sql::Dialect::Sqlite).await;
        }

        #[tokio::test(flavor = "current_thread")]
        async fn $postgres() {
            $run(handshake_codegen::sql::Dialect::Postgres).await;
        }
    };
}

/// A valid SQL literal for a column: the first enum value, a fresh UUID, `{}` for JSON, and so on.
pub fn literal(dialect: Dialect, column: &Column) -> String {
    if let Some(values) = &column.enum_values {
        return format!("'{}'", values[0]);
    }
    match (column.ty, dialect) {
        // Distinct on every call, so a row never collides with another on a unique index.
        (ColumnType::Text, _) => format!("'x-{}'", uuid::Uuid::new_v4().simple()),
        (ColumnType::Uuid, _) => format!("'{}'", uuid::Uuid::new_v4()),
        (ColumnType::Integer | ColumnType::UnsignedInteger, _) => "1".to_string(),
        (ColumnType::Number, _) => "1.5".to_string(),
        (ColumnType::Boolean, Dialect::Sqlite) => "1".to_string(),
        (ColumnType::Boolean, Dialect::Postgres) => "true".to_string(),
        (ColumnType::Timestamp, _) => "'2026-01-01T00:00:00Z'".to_string(),
        (ColumnType::Json, _) => "'{}'".to_string(),
    }
}

/// `INSERT` of a row holding every NOT NULL column of `table` (valid literals) plus `overrides`
/// (column, SQL literal), which win.
pub fn insert_sql(dialect: Dialect, table: &TableSchema, overrides: &[(&str, String)]) -> String {
    let mut names = Vec::new();
    let mut values = Vec::new();
    for column in &table.columns {
        if let Some((_, value)) = overrides.iter().find(|(name, _)| *name == column.name) {
            names.push(column.name.clone());
            values.push(value.clone());
        } else if !column.nullable {
            names.push(column.name.clone());
            values.push(literal(dialect, column));
        }
    }
    for (name, _) in overrides {
        assert!(
            table.column(name).is_some(),
            "override {name} is not a column of {}",
            table.name
        );
    }
    format!(
        "INSERT INTO {} ({}) VALUES ({})",
        table.name,
        names.join(", "),
        values.join(", ")
    )
}

/// A quoted UUID literal.
pub fn new_id() -> String {
    format!("'{}'", uuid::Uuid::new_v4())
}

/// A fresh, empty scratch folder under the system temp dir (removed by [`ScratchDir`]'s drop).
pub struct ScratchDir(pub std::path::PathBuf);

impl ScratchDir {
    /// Create `<tmp>/handshake-<label>-<pid>-<nanos>/`.
    pub fn new(label: &str) -> ScratchDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let dir =
            std::env::temp_dir().join(format!("handshake-{label}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create scratch dir");
        ScratchDir(dir)
    }

    /// Write repo-relative `files` under the scratch dir.
    pub fn write(&self, files: &[handshake_codegen::GeneratedFile]) {
        for file in files {
            let path = self.0.join(&file.path);
            std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
            std::fs::write(path, &file.contents).expect("write");
        }
    }
}

impl ScratchDir {
    /// The `migrations/<dialect>` folder of the files written here.
    pub fn migrations(&self, dialect: Dialect) -> PathBuf {
        self.0.join("migrations").join(dialect.folder())
    }
}

/// The spec in `dir`, or a panic that shows why it does not load.
pub fn load_spec(dir: &Path) -> Spec {
    handshake_spec::load(dir).unwrap_or_else(|e| panic!("{} does not load:\n{e}", dir.display()))
}

/// `tests/migration_cases/<name>`.
pub fn case_dir(name: &str) -> PathBuf {
    repo_root().join("tests/migration_cases").join(name)
}

/// A migration case, `tests/migration_cases/<name>/{before,after}`, generated and written to disk:
/// the `before` spec's migrations (0001), the `after` spec's on top of them (0001 + the pending
/// ones), and the `after` spec's created fresh in one migration.
pub struct MigrationCase {
    /// The case's folder name.
    pub name: String,
    /// 0001 only.
    pub before_dir: ScratchDir,
    /// 0001 and the pending migration.
    pub after_dir: ScratchDir,
    /// The `after` spec in one migration.
    pub fresh_dir: ScratchDir,
    /// The `after` spec.
    pub after_spec: Spec,
    /// The `before` spec's logical schema.
    pub before_schema: Schema,
    /// The `after` spec's logical schema.
    pub after_schema: Schema,
    /// The files the `after` spec adds to the `before` spec's migrations.
    pub pending: Vec<String>,
}

impl MigrationCase {
    /// Generate and write the case's three migration folders.
    pub fn load(name: &str) -> MigrationCase {
        let before_spec = load_spec(&case_dir(name).join("before"));
        let after_spec = load_spec(&case_dir(name).join("after"));
        let committed = migrations::generate(&before_spec, &[]).expect("before generates");
        let existing: Vec<ExistingFile> = committed
            .files
            .iter()
            .map(|f| ExistingFile {
                path: f.path.clone(),
                contents: f.contents.clone(),
            })
            .collect();
        let next = migrations::generate(&after_spec, &existing)
            .unwrap_or_else(|e| panic!("{name}: after generates: {e}"));
        let fresh = migrations::generate(&after_spec, &[]).expect("fresh generates");
        let [before_dir, after_dir, fresh_dir] = [
            ("before", &committed.files),
            ("after", &next.files),
            ("fresh", &fresh.files),
        ]
        .map(|(label, files)| {
            let dir = ScratchDir::new(&format!("{name}-{label}"));
            dir.write(files);
            dir
        });
        MigrationCase {
            name: name.to_string(),
            before_dir,
            after_dir,
            fresh_dir,
            before_schema: sql::schema(&before_spec),
            after_schema: sql::schema(&after_spec),
            after_spec,
            pending: next.new_files,
        }
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A database's schema as sets that do not depend on column order or statement text.
pub async fn schema_facts(db: &mut Db) -> BTreeSet<String> {
    let queries: &[&str] = match db.dialect() {
        Dialect::Sqlite => &[
            "SELECT 'column ' || m.name || '.' || c.name || ' ' || c.type || ' notnull=' || c.\"notnull\" || ' pk=' || c.pk || ' default=' || coalesce(c.dflt_value, '') \
             FROM sqlite_master m, pragma_table_info(m.name) c WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations'",
            "SELECT 'index ' || m.name || '.' || i.name || ' unique=' || i.\"unique\" || ' (' || (SELECT group_concat(name, ',') FROM (SELECT name FROM pragma_index_info(i.name) ORDER BY seqno)) || ')' \
             FROM sqlite_master m, pragma_index_list(m.name) i WHERE m.type = 'table' AND i.origin = 'c'",
            "SELECT 'fk ' || m.name || ' ' || f.\"from\" || ' -> ' || f.\"table\" || '.' || f.\"to\" || ' ' || f.on_delete \
             FROM sqlite_master m, pragma_foreign_key_list(m.name) f WHERE m.type = 'table'",
            "SELECT 'trigger ' || name || ' on ' || tbl_name FROM sqlite_master WHERE type = 'trigger'",
            "SELECT 'strict ' || name || ' ' || strict FROM pragma_table_list WHERE schema = 'main' AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'",
        ],
        Dialect::Postgres => &[
            "SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' nullable=' || is_nullable || ' default=' || coalesce(column_default, '') \
             FROM information_schema.columns WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations'",
            "SELECT 'constraint ' || t.relname || ' ' || c.conname || ' ' || pg_get_constraintdef(c.oid) \
             FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace \
             WHERE n.nspname = current_schema() AND t.relname <> '_sqlx_migrations'",
            "SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename <> '_sqlx_migrations'",
            "SELECT 'trigger ' || t.tgname || ' on ' || c.relname || ' enabled=' || t.tgenabled::text FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT t.tgisinternal AND n.nspname = current_schema()",
            "SELECT 'function ' || p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = current_schema()",
        ],
    };
    let mut facts = BTreeSet::new();
    for query in queries {
        let found: Vec<String> = db
            .fetch_column(query)
            .await
            .unwrap_or_else(|e| panic!("{query}: {e}"));
        facts.extend(found);
    }
    if let Db::Sqlite(conn) = db {
        // SQLite keeps a CHECK only in the table's CREATE text: compare the named ones.
        let texts: Vec<(String, String)> = sqlx::query_as(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'",
        )
        .fetch_all(&mut *conn)
        .await
        .expect("sqlite_master");
        for (table, text) in texts {
            for part in text.split("CONSTRAINT ").skip(1) {
                let name = part.split_whitespace().next().unwrap_or_default();
                let check = part
                    .split_once("CHECK (")
                    .map(|(_, rest)| rest)
                    .unwrap_or_default();
                // The expression up to the constraint's closing parenthesis.
                let mut depth = 1;
                let end = check
                    .char_indices()
                    .find(|(_, c)| {
                        match c {
                            '(' => depth += 1,
                            ')' => depth -= 1,
                            _ => {}
                        }
                        depth == 0
                    })
                    .map_or(check.len(), |(i, _)| i);
                facts.insert(format!("check {table} {name} {}", &check[..end]));
            }
        }
    }
    facts
}

/// Apply the `replayed` migrations folder to one new database of `dialect` and the `fresh` one to
/// another, and assert they hold the same schema (see [`assert_replay_equals_fresh`]); `what`
/// names the comparison and the Postgres databases. Returns without checking when Postgres is not
/// configured outside CI.
pub async fn assert_replayed_folder_equals_fresh(
    dialect: Dialect,
    replayed: &Path,
    fresh: &Path,
    what: &str,
) {
    let Some(mut replayed_db) = Db::open(dialect, &format!("replayed_{what}")).await else {
        return;
    };
    let mut fresh_db = Db::open(dialect, &format!("fresh_{what}"))
        .await
        .expect("configured above");
    for (db, dir) in [(&mut replayed_db, replayed), (&mut fresh_db, fresh)] {
        db.db
            .migrate(dir)
            .await
            .unwrap_or_else(|e| panic!("{what} {dialect:?}: {e}"));
    }
    assert_replay_equals_fresh(&mut replayed_db.db, &mut fresh_db.db, what).await;
}

/// Assert two databases hold the same schema (see [`schema_facts`]); `what` names the comparison.
pub async fn assert_replay_equals_fresh(replayed: &mut Db, fresh: &mut Db, what: &str) {
    let replayed_facts = schema_facts(replayed).await;
    let fresh_facts = schema_facts(fresh).await;
    assert!(
        fresh_facts.len() > 10,
        "{what}: the schema was read: {fresh_facts:?}"
    );
    let missing: Vec<&String> = fresh_facts.difference(&replayed_facts).collect();
    let extra: Vec<&String> = replayed_facts.difference(&fresh_facts).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{what} {:?}: replayed migrations differ from a fresh schema\nonly fresh: {missing:#?}\nonly replayed: {extra:#?}",
        replayed.dialect()
    );
}
