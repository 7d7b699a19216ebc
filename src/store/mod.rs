//! SQLite persistence: subscriptions, keyword filters, the digest archive and the delivery
//! ledger.
//!
//! Everything goes through [`Store`], a cheap-to-clone handle on a connection pool. Rows are
//! converted into domain types here so no other module has to know the schema. Discord ids are
//! `u64` everywhere in the API and stored as SQLite `INTEGER` (i64); snowflakes fit, so the casts
//! are lossless in both directions.

mod alerts;
mod archive;
mod checks;
mod deliveries;
mod keywords;
mod leases;
mod lock;
mod subscriptions;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};

use crate::clock::{Clock, SystemClock};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

pub use alerts::{
    AlertChange, AlertTerm, AlertTermKind, AlertUser, MAX_ALERT_TERMS, MAX_ALERT_TERM_CHARS,
};
pub use archive::{Archived, ArchivedDay, SearchHit};
pub use checks::{CheckOutcome, SourceCheck};
pub use deliveries::{
    Delivery, DeliveryStatus, LastPost, PlannedMessage, Publish, MAX_NONCE_CHARS,
};
pub use keywords::{Keyword, KeywordChange, KeywordKind, MAX_KEYWORDS, MAX_KEYWORD_CHARS};
pub use lock::{LockError, ProcessLock};
pub use subscriptions::{NewSubscription, Subscription};

/// How long a statement waits for another connection's write lock before failing with
/// "database is locked"; long enough to ride out a fan-out transaction.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Readers run concurrently under WAL; writers still serialize on SQLite's single write lock.
const MAX_CONNECTIONS: u32 = 4;

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
fn shorten(text: &str) -> String {
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
    pool: SqlitePool,
    /// Stamps rows (subscribed at, planned at, …). The same clock as the scheduler's, because a
    /// subscription's `created_at` decides which posts it is due.
    clock: Arc<dyn Clock>,
}

impl Store {
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

    async fn from_pool(pool: SqlitePool) -> Result<Store, StoreError> {
        sqlx::migrate!().run(&pool).await?;
        Ok(Store {
            pool,
            clock: Arc::new(SystemClock),
        })
    }

    /// The same store, stamping rows with `clock` instead of the wall clock.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Store {
        self.clock = clock;
        self
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Waits for in-flight queries and closes every connection, checkpointing the WAL so the
    /// database file is self-contained afterwards.
    #[tracing::instrument(skip_all)]
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Snowflake → SQLite INTEGER. Snowflakes are < 2^63, so this is lossless.
fn id_to_db(id: u64) -> i64 {
    id as i64
}

/// SQLite INTEGER → snowflake; inverse of [`id_to_db`].
fn id_from_db(id: i64) -> u64 {
    id as u64
}

/// Converts an optional count column; negative values cannot be written (CHECK constraints), so
/// clamping only guards against hand-edited databases.
fn opt_u32(value: Option<i64>) -> Option<u32> {
    value.map(|v| v.clamp(0, u32::MAX as i64) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn migrations_apply_on_a_fresh_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested").join("dir").join("paperboy.db");
        let store = Store::open(&path).await.unwrap();
        assert!(path.exists());

        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type IN ('table') ORDER BY name",
        )
        .fetch_all(&store.pool)
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
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(mode.to_lowercase(), "wal");
        let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(fk, 1);
        store.close().await;

        // Reopening an up-to-date file must not try to re-apply anything.
        let store = Store::open(&path).await.unwrap();
        let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(applied as usize, sqlx::migrate!().iter().count());
        store.close().await;
    }

    #[tokio::test]
    async fn data_persists_across_close_and_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("paperboy.db");
        let date = NaiveDate::from_ymd_opt(2025, 5, 6).unwrap();
        let digest = crate::digest::Digest {
            date,
            papers: vec![crate::digest::Paper {
                title: "멀티모달 Retrieval".into(),
                url: None,
                arxiv_id: None,
                thumbnail_url: None,
                votes: Some(3),
                authors: vec!["A".into()],
                bullets: vec!["검색 증강 생성".into()],
            }],
        };
        let sub = NewSubscription {
            guild_id: 10,
            channel_id: 20,
            channel_kind: 5,
            delivery_time: chrono::NaiveTime::from_hms_opt(8, 0, 0),
            timezone: Some(chrono_tz::Asia::Seoul),
            min_votes: None,
            top_n: Some(5),
            notify_empty: false,
            auto_publish: true,
            created_by: 30,
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

    #[tokio::test]
    async fn memory_store_keeps_data_across_queries() {
        let store = Store::open_memory().await.unwrap();
        let clone = store.clone();
        sqlx::query("INSERT INTO digests (date, source, fetched_at, paper_count) VALUES ('2025-01-01', 't', 'x', 0)")
            .execute(&store.pool)
            .await
            .unwrap();
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM digests")
            .fetch_one(&clone.pool)
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
