//! Persistence: subscriptions, keyword filters, people's alerts and reading lists, the digest
//! archive, the delivery ledger and the questions asked about papers, in
//! SQLite (the embedded default) or PostgreSQL.
//!
//! Everything goes through [`Store`], a cheap-to-clone handle on a connection pool. Rows are
//! converted into domain types here so no other module has to know the schema. Discord ids are
//! `u64` everywhere in the API and stored as a signed 64-bit integer (SQLite `INTEGER`, Postgres
//! `BIGINT`); snowflakes fit, so the casts are lossless in both directions.
//!
//! Both backends run the same SQL wherever they can (sqlx's SQLite driver takes `$N`
//! parameters too); the few statements that differ name both texts in place, so each method
//! reads as one piece. Each backend has its own migrations, with the same schema in its native
//! types.

/// Runs `$body` with `$db` bound to the store's pool. The body is compiled once per backend, so
/// the same statements and row conversions serve both without a generic executor type.
macro_rules! with_pool {
    ($store:expr, |$db:ident| $body:expr) => {
        match &$store.pool {
            $crate::store::db::Pool::Sqlite($db) => $body,
            $crate::store::db::Pool::Postgres($db) => $body,
        }
    };
}

/// Runs `$body` inside a write transaction `$tx` (the body commits it). Writers are serialized
/// on both backends, so read-then-write checks (keyword caps, "already planned?") hold: SQLite
/// takes its write lock up front (`BEGIN IMMEDIATE`); Postgres takes one transaction-scoped
/// advisory lock, the same single-writer rule across every bot process sharing the server.
macro_rules! with_write_tx {
    ($store:expr, |$tx:ident| $body:expr) => {
        match &$store.pool {
            $crate::store::db::Pool::Sqlite(pool) => {
                let mut $tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                $body
            }
            $crate::store::db::Pool::Postgres(pool) => {
                let mut $tx = pool.begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind($crate::store::db::PG_WRITE_LOCK)
                    .execute(&mut *$tx)
                    .await?;
                $body
            }
        }
    };
}

/// Runs `$body` inside a read-only snapshot `$tx` (the body commits it): SQLite's deferred
/// transaction reads one snapshot already; Postgres needs REPEATABLE READ for that.
macro_rules! with_read_tx {
    ($store:expr, |$tx:ident| $body:expr) => {
        match &$store.pool {
            $crate::store::db::Pool::Sqlite(pool) => {
                let mut $tx = pool.begin().await?;
                $body
            }
            $crate::store::db::Pool::Postgres(pool) => {
                let mut $tx = pool.begin().await?;
                sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .execute(&mut *$tx)
                    .await?;
                $body
            }
        }
    };
}

#[cfg(test)]
#[macro_use]
pub(crate) mod testing;

mod alerts;
mod archive;
mod asks;
mod checks;
pub mod db;
mod deliveries;
mod embeddings;
mod followups;
mod for_you;
pub mod keys;
mod keywords;
mod leases;
mod lock;
mod model_settings;
mod saved;
mod subscriptions;
mod summaries;

pub use alerts::{
    AlertChange, AlertTerm, AlertTermKind, AlertUser, MAX_ALERT_TERMS, MAX_ALERT_TERM_CHARS,
};
pub use archive::{Archived, ArchivedDay, SearchHit};
pub use asks::{AskDay, NewAsk, Reserved};
pub use checks::{CheckOutcome, SourceCheck};
pub use db::{Database, Store, StoreError};
pub use deliveries::{
    Delivery, DeliveryStatus, LastPost, PlannedMessage, Publish, RetryingDay, MAX_NONCE_CHARS,
    OPENS_THREAD,
};
pub use embeddings::EmbeddingUsage;
pub use followups::FollowUp;
pub use for_you::{ForYou, ListedPaper};
pub use keywords::{Keyword, KeywordChange, KeywordKind, MAX_KEYWORDS, MAX_KEYWORD_CHARS};
pub use lock::{LockError, ProcessLock};
pub use model_settings::ModelSettings;
pub use saved::{SaveOutcome, SavedPaper, MAX_SAVED_PAPERS};
pub use subscriptions::{
    ForumMode, Layout, NewSubscription, Subscription, Weekly, DEFAULT_INDEX_TOP, MAX_INDEX_TOP,
};
pub use summaries::{ClaimEnd, EditCandidate};
