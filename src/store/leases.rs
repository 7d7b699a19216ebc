//! Who works on what when several bot processes share one database: a pending delivery is sent
//! only by the process holding its lease (claimed atomically, renewed while the process lives,
//! released when it stops working on it), and the live processes register with a heartbeat so
//! the token's request budget can be divided between them.
//!
//! A lease is a deadline, not a lock: a process that dies (even by `kill -9`) stops renewing,
//! and once the deadline passes any other process may claim the delivery and resume it from its
//! first unrecorded message, looking on Discord first as after any crash.
//!
//! A SQLite file serves one process (see [`crate::store::lock::ProcessLock`]), so there a claim always
//! succeeds: the leases a killed process left behind belong to nobody alive, and its restart
//! must not wait for them to expire.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};

use crate::store::db::{id_from_db, id_to_db, Pool, Store, StoreError};

impl Store {
    /// Takes (or extends) the lease on a pending delivery for `owner` until `until`. False when
    /// another process holds an unexpired lease on it, or it is no longer pending.
    #[tracing::instrument(skip_all, fields(channel_id = channel_id, date = %date))]
    pub async fn claim_delivery(
        &self,
        channel_id: u64,
        date: NaiveDate,
        owner: &str,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let sql = if self.single_process() {
            "UPDATE deliveries SET lease_owner = $1, lease_until = $2 \
             WHERE channel_id = $3 AND digest_date = $4 AND status = 'pending' AND $5 IS NOT NULL"
        } else {
            "UPDATE deliveries SET lease_owner = $1, lease_until = $2 \
             WHERE channel_id = $3 AND digest_date = $4 AND status = 'pending' \
             AND (lease_owner IS NULL OR lease_owner = $1 OR lease_until < $5)"
        };
        let now = self.now();
        // One statement: the row lock makes the check and the claim atomic on Postgres too.
        let n = with_pool!(self, |db| sqlx::query(sql)
            .bind(owner)
            .bind(until)
            .bind(id_to_db(channel_id))
            .bind(date)
            .bind(now)
            .execute(db)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Pending deliveries another live process holds, with when each lease ends: not this
    /// process's to resume before then.
    #[tracing::instrument(skip_all)]
    pub async fn leased_elsewhere(
        &self,
        owner: &str,
    ) -> Result<HashMap<(u64, NaiveDate), DateTime<Utc>>, StoreError> {
        if self.single_process() {
            return Ok(HashMap::new());
        }
        let now = self.now();
        let rows: Vec<(i64, NaiveDate, DateTime<Utc>)> = with_pool!(self, |db| sqlx::query_as(
            "SELECT channel_id, digest_date, lease_until FROM deliveries \
             WHERE status = 'pending' AND lease_owner IS NOT NULL AND lease_owner <> $1 \
             AND lease_until >= $2",
        )
        .bind(owner)
        .bind(now)
        .fetch_all(db)
        .await)?;
        Ok(rows
            .into_iter()
            .map(|(c, d, until)| ((id_from_db(c), d), until))
            .collect())
    }

    /// Whether this store serves a single process (SQLite), where leases decide nothing.
    fn single_process(&self) -> bool {
        matches!(self.pool, Pool::Sqlite(_))
    }

    /// Extends every lease `owner` holds to `until`; returns how many.
    #[tracing::instrument(skip_all)]
    pub async fn renew_leases(&self, owner: &str, until: DateTime<Utc>) -> Result<u64, StoreError> {
        Ok(with_pool!(self, |db| sqlx::query(
            "UPDATE deliveries SET lease_until = $1 WHERE lease_owner = $2 AND status = 'pending'",
        )
        .bind(until)
        .bind(owner)
        .execute(db)
        .await
        .map(|r| r.rows_affected()))?)
    }

    /// Gives a delivery's lease back (the owner stopped working on it): another process may take
    /// it at once instead of waiting for the lease to expire. `settled`: no request of it is
    /// unaccounted for (it stopped between requests, or every answer was recorded), so whoever
    /// resumes it need not read the channel's history first (see [`Store::mark_started`]).
    #[tracing::instrument(skip_all, fields(channel_id = channel_id, date = %date))]
    pub async fn release_delivery(
        &self,
        channel_id: u64,
        date: NaiveDate,
        owner: &str,
        settled: bool,
    ) -> Result<(), StoreError> {
        let sql = if settled {
            "UPDATE deliveries SET lease_owner = NULL, lease_until = NULL, unsettled = $4 \
             WHERE channel_id = $1 AND digest_date = $2 AND lease_owner = $3"
        } else {
            "UPDATE deliveries SET lease_owner = NULL, lease_until = NULL \
             WHERE channel_id = $1 AND digest_date = $2 AND lease_owner = $3 AND $4 IS NOT NULL"
        };
        with_pool!(self, |db| sqlx::query(sql)
            .bind(id_to_db(channel_id))
            .bind(date)
            .bind(owner)
            .bind(false)
            .execute(db)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// Records that `process` is alive, forgets processes silent for longer than `ttl` (on
    /// SQLite, every other process: only one can hold the file), and returns how many are alive
    /// (this one included).
    #[tracing::instrument(skip_all)]
    pub async fn heartbeat(&self, process: &str, ttl: Duration) -> Result<u64, StoreError> {
        let now = self.now();
        let stale = now - chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::MAX);
        let single = self.single_process();
        let live: i64 = with_write_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO bot_processes (id, started_at, heartbeat_at) VALUES ($1, $2, $2) \
                 ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at",
            )
            .bind(process)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            // One process per SQLite file: any other row is a crashed predecessor's.
            let forget = if single {
                "DELETE FROM bot_processes WHERE heartbeat_at < $1 OR id <> $2"
            } else {
                "DELETE FROM bot_processes WHERE heartbeat_at < $1 AND id <> $2"
            };
            sqlx::query(forget)
                .bind(stale)
                .bind(process)
                .execute(&mut *tx)
                .await?;
            let live: i64 = sqlx::query_scalar("SELECT count(*) FROM bot_processes")
                .fetch_one(&mut *tx)
                .await?;
            tx.commit().await?;
            live
        });
        Ok(live.max(1) as u64)
    }

    /// The ids of the processes registered now, live or not yet forgotten.
    #[tracing::instrument(skip_all)]
    pub async fn processes(&self) -> Result<Vec<String>, StoreError> {
        Ok(with_pool!(self, |db| sqlx::query_scalar(
            "SELECT id FROM bot_processes ORDER BY id"
        )
        .fetch_all(db)
        .await)?)
    }

    /// Unregisters a process that stops: its share of the budget and its leases go to the
    /// others at once.
    #[tracing::instrument(skip_all)]
    pub async fn leave(&self, process: &str) -> Result<(), StoreError> {
        with_pool!(self, |db| {
            sqlx::query("DELETE FROM bot_processes WHERE id = $1")
                .bind(process)
                .execute(db)
                .await?;
            sqlx::query(
                "UPDATE deliveries SET lease_owner = NULL, lease_until = NULL \
                 WHERE lease_owner = $1",
            )
            .bind(process)
            .execute(db)
            .await
            .map(|_| ())
        })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::TimeZone;

    use super::*;
    use crate::clock::ManualClock;
    use crate::store::deliveries::DeliveryStatus;

    fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 4, 2, h, m, s).unwrap()
    }

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 4, 2).unwrap()
    }

    async fn planned(store: Store, clock: &ManualClock) -> Store {
        let store = store.with_clock(Arc::new(clock.clone()));
        let plan = vec![("n-1".to_string(), serde_json::json!({ "content": "x" }))];
        store.plan_delivery(7, day(), &plan).await.unwrap();
        store
    }

    #[tokio::test]
    async fn on_sqlite_the_one_process_always_gets_the_claim() {
        let clock = ManualClock::new(at(9, 0, 0));
        let store = planned(crate::store::testing::sqlite().await, &clock).await;
        assert!(store
            .claim_delivery(7, day(), "a", at(9, 0, 30))
            .await
            .unwrap());
        // "a" was killed; its restart ("b") resumes at once, not 30 s later.
        assert!(store
            .claim_delivery(7, day(), "b", at(9, 0, 30))
            .await
            .unwrap());
        assert!(store.leased_elsewhere("c").await.unwrap().is_empty());
        store
            .finish_delivery(7, day(), DeliveryStatus::Done)
            .await
            .unwrap();
        assert!(
            !store
                .claim_delivery(7, day(), "a", at(9, 0, 40))
                .await
                .unwrap(),
            "a finished delivery is nobody's"
        );
    }

    #[tokio::test]
    async fn on_postgres_one_owner_at_a_time_until_its_lease_ends_or_is_given_back() {
        let Some(store) = crate::store::testing::postgres().await else {
            return;
        };
        let clock = ManualClock::new(at(9, 0, 0));
        let store = planned(store, &clock).await;
        let lease = |s| at(9, 0, 0) + chrono::Duration::seconds(s);
        assert!(store
            .claim_delivery(7, day(), "a", lease(30))
            .await
            .unwrap());
        assert!(!store
            .claim_delivery(7, day(), "b", lease(30))
            .await
            .unwrap());
        assert!(
            store
                .claim_delivery(7, day(), "a", lease(40))
                .await
                .unwrap(),
            "the owner renews"
        );
        let held = store.leased_elsewhere("b").await.unwrap();
        assert_eq!(held.get(&(7, day())), Some(&lease(40)));
        assert!(store.leased_elsewhere("a").await.unwrap().is_empty());
        // a keeps renewing: b still cannot take it after the first deadline.
        clock.set(at(9, 0, 35));
        assert_eq!(store.renew_leases("a", lease(65)).await.unwrap(), 1);
        assert!(!store
            .claim_delivery(7, day(), "b", lease(95))
            .await
            .unwrap());
        // a dies: past its last deadline b takes over, and a cannot take it back.
        clock.set(at(9, 1, 6));
        assert!(store.leased_elsewhere("b").await.unwrap().is_empty());
        assert!(store
            .claim_delivery(7, day(), "b", lease(96))
            .await
            .unwrap());
        assert!(!store
            .claim_delivery(7, day(), "a", lease(96))
            .await
            .unwrap());
        // b gives it back: a may take it at once.
        store.release_delivery(7, day(), "b", false).await.unwrap();
        assert!(store
            .claim_delivery(7, day(), "a", lease(96))
            .await
            .unwrap());
        // A process that leaves frees its leases.
        store.leave("a").await.unwrap();
        assert!(store
            .claim_delivery(7, day(), "b", lease(96))
            .await
            .unwrap());
        store
            .finish_delivery(7, day(), DeliveryStatus::Done)
            .await
            .unwrap();
        assert!(!store
            .claim_delivery(7, day(), "b", lease(99))
            .await
            .unwrap());
    }

    store_tests! {
        async fn the_live_processes_are_those_that_beat_within_the_ttl(store) {
            if store.single_process() {
                return;
            }
            let clock = ManualClock::new(at(9, 0, 0));
            let store = store.with_clock(Arc::new(clock.clone()));
            let ttl = Duration::from_secs(30);
            assert_eq!(store.heartbeat("a", ttl).await.unwrap(), 1);
            assert_eq!(store.heartbeat("b", ttl).await.unwrap(), 2);
            clock.set(at(9, 0, 20));
            assert_eq!(store.heartbeat("a", ttl).await.unwrap(), 2);
            // b stopped beating 31 s ago: its share goes back.
            clock.set(at(9, 0, 31));
            assert_eq!(store.heartbeat("a", ttl).await.unwrap(), 1);
            assert_eq!(store.heartbeat("b", ttl).await.unwrap(), 2);
            store.leave("b").await.unwrap();
            assert_eq!(store.heartbeat("a", ttl).await.unwrap(), 1);
        }

        async fn on_sqlite_every_other_process_is_a_dead_predecessor(store) {
            if !store.single_process() {
                return;
            }
            let clock = ManualClock::new(at(9, 0, 0));
            let store = store.with_clock(Arc::new(clock.clone()));
            let ttl = Duration::from_secs(30);
            // A killed process's row, fresh: it never left.
            assert_eq!(store.heartbeat("killed", ttl).await.unwrap(), 1);
            clock.set(at(9, 0, 1));
            // Its restart is alone at once, not when the row's lease ends.
            assert_eq!(store.heartbeat("restarted", ttl).await.unwrap(), 1);
            assert_eq!(store.processes().await.unwrap(), vec!["restarted".to_string()]);
        }

        async fn processes_lists_the_registered_ids(store) {
            let ttl = Duration::from_secs(30);
            store.heartbeat("b:2:x", ttl).await.unwrap();
            let ids = store.processes().await.unwrap();
            assert_eq!(ids, vec!["b:2:x".to_string()]);
            store.leave("b:2:x").await.unwrap();
            assert!(store.processes().await.unwrap().is_empty());
        }
    }
}
