//! Postgres for tests: one fresh, uniquely named database per test, dropped when the handle drops.
//!
//! The server comes from `HANDSHAKE_TEST_POSTGRES_URL` (e.g.
//! `postgres://postgres@127.0.0.1:5432/test`); the database named there is only used to run
//! `CREATE DATABASE` / `DROP DATABASE`. When the variable is unset, a test must not pass
//! silently in CI: with `CI` set [`test_database`] panics; locally it prints a loud
//! `skipped: HANDSHAKE_TEST_POSTGRES_URL unset` line and returns `None`.

use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::{AssertSqlSafe, Connection, PgConnection};

/// The environment variable naming the Postgres server tests use.
pub const URL_VAR: &str = "HANDSHAKE_TEST_POSTGRES_URL";

/// A database created for one test; dropped (with `WITH (FORCE)`) when this value drops, even
/// when the test panics.
#[derive(Debug)]
pub struct TestDatabase {
    /// Connection URL of the new database.
    pub url: String,
    /// Its name.
    pub name: String,
    admin_url: String,
}

/// The server URL, or `None` after printing the skip line; panics when `CI` is set and the URL is not.
pub fn server_url(test: &str) -> Option<String> {
    match std::env::var(URL_VAR) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ if std::env::var_os("CI").is_some() => {
            panic!(
                "{test}: {URL_VAR} is unset in CI; the Postgres tests must run there (set it to a server with trust auth)"
            )
        }
        _ => {
            eprintln!(
                "\n==== {test}: skipped: {URL_VAR} unset (set it, e.g. postgres://postgres@127.0.0.1:5432/test, to run against Postgres) ====\n"
            );
            None
        }
    }
}

/// Replace the database name (the URL path) of a `postgres://` URL, keeping any query string.
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{base}/{database}?{query}"),
        None => format!("{base}/{database}"),
    }
}

/// Create a fresh database for `test` (or skip, see the module docs).
pub async fn test_database(test: &str) -> Option<TestDatabase> {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let admin_url = server_url(test)?;
    let slug: String = test
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .take(30)
        .collect();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let name = format!(
        "hsk_{slug}_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    let mut admin = PgConnection::connect(&admin_url)
        .await
        .unwrap_or_else(|e| panic!("{test}: cannot connect to {URL_VAR}={admin_url}: {e}"));
    sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .unwrap_or_else(|e| panic!("{test}: cannot create database {name}: {e}"));
    let _ = admin.close().await;
    Some(TestDatabase {
        url: with_database(&admin_url, &name),
        name,
        admin_url,
    })
}

impl TestDatabase {
    /// A new connection to the test database.
    pub async fn connect(&self) -> PgConnection {
        PgConnection::connect(&self.url)
            .await
            .unwrap_or_else(|e| panic!("cannot connect to {}: {e}", self.url))
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // Drop runs inside the test's runtime, which cannot be blocked on: use a thread with its own.
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async move {
                let mut admin = PgConnection::connect(&admin_url).await?;
                sqlx::raw_sql(AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .execute(&mut admin)
                .await?;
                admin.close().await?;
                Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
            })
        })
        .join();
        if let Ok(Err(e)) = dropped {
            eprintln!("warning: could not drop test database {}: {e}", self.name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn database_name_is_replaced_in_the_url() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/test", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("postgres://h:5432/test?sslmode=disable", "x"),
            "postgres://h:5432/x?sslmode=disable"
        );
        assert_eq!(
            with_database("postgres://h:5432", "x"),
            "postgres://h:5432/x"
        );
    }
}
