//! Stores for the store's unit tests, on both backends.
//!
//! [`store_tests!`] compiles each test twice: `sqlite::NAME` on an in-memory SQLite database and
//! `postgres::NAME` on a fresh schema of a PostgreSQL server, so both backends are held to the
//! same tests. The server is `PAPERBOY_TEST_POSTGRES_URL` when set; otherwise a private cluster
//! is started with `initdb` (from PATH or `/usr/lib/postgresql/*/bin`) in a temporary directory
//! on a free loopback port, and stopped when the test process exits. With neither, the Postgres
//! variants pass without running and [`tests::postgres_store_suite`] says so in the output,
//! unless `PAPERBOY_REQUIRE_POSTGRES=1`, which makes it (and every Postgres variant) fail.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, Executor, PgConnection};

use crate::store::db::Store;

/// The server to test against (a URL naming a database the tests may create schemas in).
pub(crate) const URL_VAR: &str = "PAPERBOY_TEST_POSTGRES_URL";
/// Set to `1` (as `.ci/run` does) to make a missing server a failure rather than a skip.
pub(crate) const REQUIRE_VAR: &str = "PAPERBOY_REQUIRE_POSTGRES";

/// What the test output says when there is no server.
pub(crate) const NOT_RUN: &str = "Postgres store suite NOT run: set \
     PAPERBOY_TEST_POSTGRES_URL=postgres://user@127.0.0.1:5432/db or install PostgreSQL \
     (initdb on PATH or in /usr/lib/postgresql/*/bin, as a non-root user); \
     PAPERBOY_REQUIRE_POSTGRES=1 makes this a failure";

/// Generates `sqlite::NAME` and `postgres::NAME` from each `async fn NAME(store) { … }`.
macro_rules! store_tests {
    ($( $(#[$meta:meta])* async fn $name:ident($store:ident) $body:block )*) => {
        mod sqlite {
            #[allow(unused_imports)]
            use super::*;
            $(
                $(#[$meta])*
                #[tokio::test]
                async fn $name() {
                    let $store = $crate::store::testing::sqlite().await;
                    $body
                }
            )*
        }
        mod postgres {
            #[allow(unused_imports)]
            use super::*;
            $(
                $(#[$meta])*
                #[tokio::test]
                async fn $name() {
                    let Some($store) = $crate::store::testing::postgres().await else {
                        return;
                    };
                    $body
                }
            )*
        }
    };
}

/// An empty, migrated in-memory SQLite store.
pub(crate) async fn sqlite() -> Store {
    Store::open_memory().await.expect("in-memory SQLite store")
}

/// An empty, migrated Postgres store in a schema of its own, or `None` when there is no server
/// (and it is not required).
pub(crate) async fn postgres() -> Option<Store> {
    let options = postgres_schema().await?;
    Some(
        Store::open_postgres_with(options)
            .await
            .expect("migrated Postgres test store"),
    )
}

/// Connection options for a new, empty schema of the test server (see [`postgres`]).
pub(crate) async fn postgres_schema() -> Option<PgConnectOptions> {
    let Some(server) = server() else {
        assert!(!required(), "{NOT_RUN}");
        return None;
    };
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let schema = format!(
        "paperboy_test_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let options: PgConnectOptions = server.parse().expect("a postgres:// URL");
    let mut admin = connect_retrying(&options).await;
    // pg_trgm goes to `public` once, where every test schema's search path finds it; the
    // migration's own CREATE EXTENSION IF NOT EXISTS then has nothing to do.
    admin
        .execute("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
        .await
        .map(|_| ())
        .or_else(|e| match e {
            // Two test processes creating it at once: the other one won.
            sqlx::Error::Database(db) if db.code().as_deref() == Some("23505") => Ok(()),
            e => Err(e),
        })
        .expect("CREATE EXTENSION pg_trgm");
    admin
        .execute(format!("CREATE SCHEMA {schema}").as_str())
        .await
        .expect("CREATE SCHEMA");
    admin.close().await.ok();
    Some(options.options([("search_path", format!("{schema},public"))]))
}

fn required() -> bool {
    std::env::var(REQUIRE_VAR).is_ok_and(|v| v == "1")
}

/// The server's URL: the environment's, or the private cluster's (started on first use).
pub(crate) fn server() -> Option<&'static str> {
    static SERVER: OnceLock<Option<String>> = OnceLock::new();
    SERVER
        .get_or_init(|| match std::env::var(URL_VAR) {
            Ok(url) if !url.trim().is_empty() => Some(url.trim().to_string()),
            _ => start_private_cluster(),
        })
        .as_deref()
}

/// A new server is briefly "starting up" after its port opens.
async fn connect_retrying(options: &PgConnectOptions) -> PgConnection {
    let mut last = None;
    for _ in 0..100 {
        match options.connect().await {
            Ok(conn) => return conn,
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("cannot connect to the test Postgres server: {last:?}");
}

fn find_initdb() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|dir| dir.join("initdb"));
    let debian = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin").join("initdb"));
    on_path.chain(debian).find(|p| p.is_file())
}

fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// initdb + postgres in a temporary directory on a free loopback port, owned by a shell that
/// stops the server and removes the directory when this process exits (its stdin closes), so
/// nothing outlives the test run however it ends. PostgreSQL refuses to run as root.
fn start_private_cluster() -> Option<String> {
    let initdb = find_initdb()?;
    if is_root() {
        return None;
    }
    let bin = initdb.parent()?.to_path_buf();
    let dir = tempfile::Builder::new()
        .prefix("paperboy-pg-")
        .tempdir()
        .ok()?
        .keep();
    let data = dir.join("data");
    let status = Command::new(&initdb)
        .arg("-D")
        .arg(&data)
        .args(["-U", "paperboy", "--auth=trust", "-E", "UTF8", "--no-sync"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .ok()?;
    if !status.success() {
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .ok()?
        .port();
    let script = r#"
        "$1/postgres" -D "$2/data" -p "$3" -h 127.0.0.1 -k "$2" \
            -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
            >"$2/server.log" 2>&1 &
        pid=$!
        read -r _
        kill -INT "$pid"
        wait "$pid"
        rm -rf "$2"
    "#;
    let child = Command::new("sh")
        .args(["-c", script, "sh"])
        .arg(&bin)
        .arg(&dir)
        .arg(port.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    // Kept open for the life of the process; its end is the shell's signal to stop.
    std::mem::forget(child);
    wait_for_port(port, &dir)?;
    Some(format!("postgres://paperboy@127.0.0.1:{port}/postgres"))
}

fn wait_for_port(port: u16, dir: &Path) -> Option<()> {
    for _ in 0..300 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let log = std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
    let _ = writeln!(std::io::stderr(), "private Postgres did not start:\n{log}");
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Says in the test output whether the Postgres variants ran. Written to stderr directly,
    /// which the test harness does not capture, so it shows even though the test passes.
    #[test]
    fn postgres_store_suite() {
        let mut err = std::io::stderr();
        match server() {
            Some(url) => {
                let shown = crate::store::db::Database::Postgres(url.to_string()).describe();
                let _ = writeln!(err, "\nPostgres store suite runs against {shown}");
            }
            None => {
                let _ = writeln!(err, "\n{NOT_RUN}");
                assert!(!required(), "{NOT_RUN}");
            }
        }
    }
}
