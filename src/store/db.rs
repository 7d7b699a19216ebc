//! The store's handle and its pool on either backend, the errors every table's file reports,
//! and the conversions they share (Discord ids to the database's signed integers). Each table's
//! file (`subscriptions`, `archive`, `deliveries`, …) adds its methods to [`Store`] from here.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};

use crate::clock::{Clock, SystemClock};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

/// How long a statement waits for another connection's write lock before failing with
/// "database is locked"; long enough to ride out a fan-out transaction.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Readers run concurrently under WAL; writers still serialize on SQLite's single write lock.
const MAX_CONNECTIONS: u32 = 4;

/// Postgres serves many clients at once; writers still take [`PG_WRITE_LOCK`] in turn.
const PG_MAX_CONNECTIONS: u32 = 8;

/// The advisory lock key every Postgres write transaction holds ("paperboy" in ASCII), so that
/// writers are serialized as on SQLite.
pub(super) const PG_WRITE_LOCK: i64 = 0x7061_7065_7262_6f79;

/// Where the database is: a SQLite file (the default) or a PostgreSQL server. Its `Debug` shows
/// [`Database::describe`], so a logged config never carries the server's password.
#[derive(Clone, PartialEq, Eq)]
pub enum Database {
    Sqlite(PathBuf),
    /// A `postgres://` (or `postgresql://`) URL, password included: never logged.
    Postgres(String),
}

impl Database {
    /// Parses a `database.url` / `DATABASE_URL` value: `postgres://…` or `sqlite://PATH`
    /// (`sqlite:PATH` too). `None` for any other scheme.
    pub fn from_url(url: &str) -> Option<Database> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Some(Database::Postgres(url.to_string()));
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))?;
        let path = path.split('?').next().unwrap_or_default();
        (!path.is_empty()).then(|| Database::Sqlite(PathBuf::from(path)))
    }

    /// For logs and error messages: the file, or the server without user and password.
    pub fn describe(&self) -> String {
        match self {
            Database::Sqlite(path) => path.display().to_string(),
            Database::Postgres(url) => {
                let rest = url.split_once("://").map_or(url.as_str(), |(_, r)| r);
                let host = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
                let host = host.split('?').next().unwrap_or_default();
                format!("postgres://{host}")
            }
        }
    }
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Database::Sqlite(path) => f.debug_tuple("Sqlite").field(path).finish(),
            Database::Postgres(_) => f.debug_tuple("Postgres").field(&self.describe()).finish(),
        }
    }
}

/// The store's connection pool; see [`with_pool!`].
#[derive(Debug, Clone)]
pub(super) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("could not migrate the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("could not create the database directory {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("this channel can have at most {limit} keywords; remove some first")]
    TooManyKeywords { limit: usize },
    #[error("you can have at most {limit} alert terms; remove some first (`/alerts remove`)")]
    TooManyAlertTerms { limit: usize },
    #[error(
        "the keyword \"{}\" is longer than {limit} characters",
        shorten(keyword)
    )]
    KeywordTooLong { keyword: String, limit: usize },
    #[error("a keyword cannot be empty")]
    KeywordEmpty,
    #[error("channel <#{channel_id}> is not subscribed to the daily papers")]
    NotSubscribed { channel_id: u64 },
    /// The caller referred to a delivery (or one of its messages) that was never planned: a bug
    /// in the caller, not something a user can fix.
    #[error("no delivery planned for channel {channel_id} on {date}{}", idx.map(|i| format!(" (message {i})")).unwrap_or_default())]
    NotPlanned {
        channel_id: u64,
        date: NaiveDate,
        idx: Option<u32>,
    },
    /// Discord rejects nonces longer than 25 characters, so such a plan could never be sent.
    #[error("message nonce {nonce:?} must be 1 to {limit} characters")]
    InvalidNonce { nonce: String, limit: usize },
    /// A stored value no longer parses (e.g. a time zone name dropped from the tz database).
    #[error("corrupt value in the database: {0}")]
    Corrupt(String),
}

/// A user's text echoed in an error: at most a few dozen characters, so no reply can outgrow
/// Discord's 2,000-character limit because of what was typed.
pub(super) fn shorten(text: &str) -> String {
    const SHOWN: usize = 40;
    if text.chars().count() <= SHOWN {
        text.to_string()
    } else {
        let head: String = text.chars().take(SHOWN).collect();
        format!("{head}…")
    }
}

impl StoreError {
    /// Whether the message is meant for the person who ran the command (show it as the reply)
    /// rather than for the operator's log.
    pub fn is_user_error(&self) -> bool {
        matches!(
            self,
            StoreError::TooManyKeywords { .. }
                | StoreError::TooManyAlertTerms { .. }
                | StoreError::KeywordTooLong { .. }
                | StoreError::KeywordEmpty
                | StoreError::NotSubscribed { .. }
        )
    }
}

/// Handle on the bot's database. Clones share one pool.
#[derive(Debug, Clone)]
pub struct Store {
    pub(super) pool: Pool,
    /// Stamps rows (subscribed at, planned at, …). The same clock as the scheduler's, because a
    /// subscription's `created_at` decides which posts it is due.
    pub(super) clock: Arc<dyn Clock>,
}

impl Store {
    /// Opens the configured database and brings its schema up to date.
    pub async fn connect(database: &Database) -> Result<Store, StoreError> {
        match database {
            Database::Sqlite(path) => Store::open(path).await,
            Database::Postgres(url) => Store::open_postgres(url).await,
        }
    }

    /// Connects to a PostgreSQL database (which must exist) and applies its migrations, so a
    /// fresh database needs no setup beyond `CREATE DATABASE`. The `pg_trgm` extension is
    /// created by the first migration, which needs a role allowed to (the owner of the database
    /// on PostgreSQL 13 and later).
    #[tracing::instrument(skip_all)]
    pub async fn open_postgres(url: &str) -> Result<Store, StoreError> {
        Store::open_postgres_with(url.parse()?).await
    }

    pub(super) async fn open_postgres_with(options: PgConnectOptions) -> Result<Store, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(PG_MAX_CONNECTIONS)
            .connect_with(options)
            .await?;
        sqlx::migrate!("migrations/postgres").run(&pool).await?;
        Ok(Store {
            pool: Pool::Postgres(pool),
            clock: Arc::new(SystemClock),
        })
    }

    /// Opens (creating if needed) the database file and brings its schema up to date, so a fresh
    /// deployment needs no manual setup step.
    #[tracing::instrument(skip_all, fields(path = %path.display()))]
    pub async fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            tokio::fs::create_dir_all(dir)
                .await
                .map_err(|source| StoreError::Io {
                    path: dir.to_path_buf(),
                    source,
                })?;
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // NORMAL is durable under WAL except for the last transactions on power loss, which
            // the delivery ledger tolerates (at worst a message is re-sent with the same nonce).
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let pool = SqlitePoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .connect_with(options)
            .await?;
        Self::from_pool(pool).await
    }

    /// An empty, migrated database that lives only as long as this store, for unit tests.
    /// In-memory SQLite is private to one connection, so the pool holds exactly one and never
    /// lets it expire.
    #[cfg(test)]
    pub(crate) async fn open_memory() -> Result<Store, StoreError> {
        use std::str::FromStr;
        let options = SqliteConnectOptions::from_str("sqlite::memory:")?
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await?;
        Self::from_pool(pool).await
    }

    pub(super) async fn from_pool(pool: SqlitePool) -> Result<Store, StoreError> {
        sqlx::migrate!("migrations/sqlite").run(&pool).await?;
        Ok(Store {
            pool: Pool::Sqlite(pool),
            clock: Arc::new(SystemClock),
        })
    }

    /// The same store, stamping rows with `clock` instead of the wall clock.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Store {
        self.clock = clock;
        self
    }

    pub(super) fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Whether this store is on PostgreSQL, for the few statements written twice.
    pub(super) fn is_postgres(&self) -> bool {
        matches!(self.pool, Pool::Postgres(_))
    }

    /// The SQLite pool, for tests that look at SQLite itself.
    #[cfg(test)]
    pub(super) fn sqlite_pool(&self) -> &SqlitePool {
        match &self.pool {
            Pool::Sqlite(pool) => pool,
            Pool::Postgres(_) => panic!("not a SQLite store"),
        }
    }

    /// Picks the statement text for this store's backend.
    pub(super) fn sql<'a>(&self, sqlite: &'a str, postgres: &'a str) -> &'a str {
        if self.is_postgres() {
            postgres
        } else {
            sqlite
        }
    }

    /// Waits for in-flight queries and closes every connection, checkpointing the WAL so the
    /// database file is self-contained afterwards.
    #[tracing::instrument(skip_all)]
    pub async fn close(&self) {
        with_pool!(self, |pool| pool.close().await)
    }
}

/// Snowflake → database integer. Snowflakes are < 2^63, so this is lossless.
pub(super) fn id_to_db(id: u64) -> i64 {
    id as i64
}

/// Values bound in one `IN (…)` list at most: far under SQLite's and Postgres's parameter
/// limits, and small enough for either planner.
pub(super) const MAX_IDS_PER_QUERY: usize = 500;

/// `$first, $first+1, …` for `n` parameters, for an `IN (…)` list.
pub(super) fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Database integer → snowflake; inverse of [`id_to_db`].
pub(super) fn id_from_db(id: i64) -> u64 {
    id as u64
}

/// Converts an optional count column; negative values cannot be written (CHECK constraints), so
/// clamping only guards against hand-edited databases.
pub(super) fn opt_u32(value: Option<i64>) -> Option<u32> {
    value.map(|v| v.clamp(0, u32::MAX as i64) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing;
    use crate::store::{keywords::Keyword, subscriptions::NewSubscription};

    #[tokio::test]
    async fn migrations_apply_on_a_fresh_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested").join("dir").join("paperboy.db");
        let store = Store::open(&path).await.unwrap();
        assert!(path.exists());

        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type IN ('table') ORDER BY name",
        )
        .fetch_all(store.sqlite_pool())
        .await
        .unwrap();
        for table in [
            "subscriptions",
            "keywords",
            "digests",
            "papers",
            "papers_fts",
            "deliveries",
            "delivery_messages",
            "source_checks",
        ] {
            assert!(tables.iter().any(|t| t == table), "missing {table}");
        }

        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(store.sqlite_pool())
            .await
            .unwrap();
        assert_eq!(mode.to_lowercase(), "wal");
        let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(store.sqlite_pool())
            .await
            .unwrap();
        assert_eq!(fk, 1);
        store.close().await;

        // Reopening an up-to-date file must not try to re-apply anything.
        let store = Store::open(&path).await.unwrap();
        let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations")
            .fetch_one(store.sqlite_pool())
            .await
            .unwrap();
        assert_eq!(
            applied as usize,
            sqlx::migrate!("migrations/sqlite").iter().count()
        );
        store.close().await;
    }

    #[tokio::test]
    async fn data_persists_across_close_and_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("paperboy.db");
        let date = NaiveDate::from_ymd_opt(2025, 5, 6).unwrap();
        let digest = crate::source::digest::Digest {
            date,
            papers: vec![crate::source::digest::Paper {
                title: "멀티모달 Retrieval".into(),
                url: None,
                arxiv_id: None,
                thumbnail_url: None,
                votes: Some(3),
                authors: vec!["A".into()],
                bullets: vec!["검색 증강 생성".into()],
                ..Default::default()
            }],
        };
        let sub = NewSubscription {
            guild_id: 10,
            channel_id: 20,
            channel_kind: crate::channel_kind::ChannelKind::Announcement,
            delivery_time: chrono::NaiveTime::from_hms_opt(8, 0, 0),
            timezone: Some(chrono_tz::Asia::Seoul),
            min_votes: None,
            top_n: Some(5),
            notify_empty: false,
            auto_publish: true,
            created_by: 30,
            language: None,
            forum_mode: crate::store::subscriptions::ForumMode::Day,
            weekly: None,
            layout: crate::store::subscriptions::Layout::Full,
            index_top: None,
            layout_note: None,
        };

        let store = Store::open(&path).await.unwrap();
        let (created, _) = store.upsert_subscription(&sub).await.unwrap();
        store
            .add_keywords(20, &[Keyword::exclude("crypto")])
            .await
            .unwrap();
        store.save_digest(&digest, "markdown", true).await.unwrap();
        store
            .plan_delivery(20, date, &[("n-1".into(), serde_json::json!({"a": 1}))])
            .await
            .unwrap();
        store.record_sent(20, date, 0, 99).await.unwrap();
        store.close().await;

        let store = Store::open(&path).await.unwrap();
        assert_eq!(store.subscription(20).await.unwrap(), Some(created));
        assert_eq!(
            store.keywords(20).await.unwrap(),
            vec![Keyword::exclude("crypto")]
        );
        assert_eq!(store.digest(date).await.unwrap(), Some(digest));
        assert_eq!(store.search("증강", None, 5).await.unwrap().len(), 1);
        let delivery = store.delivery(20, date).await.unwrap().unwrap();
        assert_eq!(delivery.messages[0].message_id, Some(99));
        assert_eq!(delivery.messages[0].body, serde_json::json!({"a": 1}));
        store.close().await;
    }

    /// The Postgres side of the two tests above: a fresh schema is migrated, and reopening an
    /// up-to-date one applies nothing and finds everything written before.
    #[tokio::test]
    async fn postgres_migrations_apply_and_data_persists_across_reopen() {
        let Some(options) = testing::postgres_schema().await else {
            return;
        };
        let date = NaiveDate::from_ymd_opt(2025, 5, 6).unwrap();
        let store = Store::open_postgres_with(options.clone()).await.unwrap();
        store
            .add_keywords(20, &[Keyword::exclude("crypto")])
            .await
            .unwrap();
        store
            .plan_delivery(20, date, &[("n-1".into(), serde_json::json!({"a": 1}))])
            .await
            .unwrap();
        store.record_sent(20, date, 0, 99).await.unwrap();
        store.close().await;

        let store = Store::open_postgres_with(options).await.unwrap();
        let applied: i64 = with_pool!(store, |db| sqlx::query_scalar(
            "SELECT count(*) FROM _sqlx_migrations"
        )
        .fetch_one(db)
        .await)
        .unwrap();
        assert_eq!(
            applied as usize,
            sqlx::migrate!("migrations/postgres").iter().count()
        );
        assert_eq!(
            store.keywords(20).await.unwrap(),
            vec![Keyword::exclude("crypto")]
        );
        let delivery = store.delivery(20, date).await.unwrap().unwrap();
        assert_eq!(delivery.messages[0].message_id, Some(99));
        store.close().await;
    }

    #[test]
    fn database_urls_pick_the_backend() {
        assert_eq!(
            Database::from_url("postgres://bot:secret@db.example:5432/paperboy"),
            Some(Database::Postgres(
                "postgres://bot:secret@db.example:5432/paperboy".into()
            ))
        );
        assert!(matches!(
            Database::from_url("postgresql://localhost/p"),
            Some(Database::Postgres(_))
        ));
        assert_eq!(
            Database::from_url("sqlite://data/paperboy.db"),
            Some(Database::Sqlite("data/paperboy.db".into()))
        );
        assert_eq!(
            Database::from_url("sqlite:paperboy.db?mode=rwc"),
            Some(Database::Sqlite("paperboy.db".into()))
        );
        assert_eq!(Database::from_url("mysql://x/y"), None);
        assert_eq!(Database::from_url("sqlite://"), None);
        // Logs name the server, never the password.
        let server = Database::Postgres("postgres://bot:secret@db.example/p".into());
        assert!(!format!("{server:?}").contains("secret"));
        assert_eq!(
            Database::Postgres(
                "postgres://bot:secret@db.example:5432/paperboy?sslmode=require".into()
            )
            .describe(),
            "postgres://db.example:5432/paperboy"
        );
    }

    #[tokio::test]
    async fn memory_store_keeps_data_across_queries() {
        let store = Store::open_memory().await.unwrap();
        let clone = store.clone();
        sqlx::query("INSERT INTO digests (date, source, fetched_at, paper_count) VALUES ('2025-01-01', 't', 'x', 0)")
            .execute(store.sqlite_pool())
            .await
            .unwrap();
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM digests")
            .fetch_one(clone.sqlite_pool())
            .await
            .unwrap();
        assert_eq!(n, 1);
    }

    #[test]
    fn user_errors_are_classified() {
        assert!(StoreError::KeywordEmpty.is_user_error());
        assert!(StoreError::TooManyKeywords { limit: 50 }.is_user_error());
        assert!(StoreError::NotSubscribed { channel_id: 1 }.is_user_error());
        assert!(!StoreError::Corrupt("x".into()).is_user_error());
        assert_eq!(
            StoreError::TooManyKeywords { limit: 50 }.to_string(),
            "this channel can have at most 50 keywords; remove some first"
        );
    }

    #[test]
    fn snowflakes_round_trip() {
        for id in [0u64, 1, 1_234_567_890_123_456_789, (1 << 63) - 1] {
            assert_eq!(id_from_db(id_to_db(id)), id);
        }
    }
}
