//! A PostgreSQL schema of its own for an integration test, on the server named by
//! `PAPERBOY_TEST_POSTGRES_URL` (`.ci/run` starts one). Without that variable the test says so
//! and passes, unless `PAPERBOY_REQUIRE_POSTGRES=1`.

use std::io::Write;

use sqlx::{Connection, Executor};

/// A URL for a new, empty schema of the test server, or `None` without a server.
pub async fn fresh_schema(purpose: &str) -> Option<String> {
    let Some(server) = std::env::var("PAPERBOY_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
    else {
        let message = format!(
            "Postgres {purpose} test NOT run: set \
         PAPERBOY_TEST_POSTGRES_URL=postgres://user@127.0.0.1:5432/db"
        );
        assert!(
            std::env::var("PAPERBOY_REQUIRE_POSTGRES").as_deref() != Ok("1"),
            "{message}"
        );
        // Straight to stderr: the harness does not capture it, so it shows for a passing test.
        let _ = writeln!(std::io::stderr(), "\n{message}");
        return None;
    };
    let schema = format!(
        "paperboy_{purpose}_{}_{}",
        std::process::id(),
        chrono::Utc::now().timestamp_micros()
    );
    let mut admin = sqlx::PgConnection::connect(&server).await.unwrap();
    admin
        .execute("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
        .await
        .unwrap();
    admin
        .execute(format!("CREATE SCHEMA {schema}").as_str())
        .await
        .unwrap();
    admin.close().await.unwrap();
    let sep = if server.contains('?') { '&' } else { '?' };
    Some(format!(
        "{server}{sep}options=-c%20search_path%3D{schema}%2Cpublic"
    ))
}
