//! The last unsuccessful look at a source for a day (see the provenance migration): a date that
//! is not published is not downloaded again by every command, and the quiet-primary rule and
//! `paperboy status` can see which expected days a source lacks.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};

use crate::store::db::{Store, StoreError};

/// What a look at a source found, when it found no digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckOutcome {
    NotPublished,
    /// The source could not be read (network, malformed file): the reason.
    Error(String),
}

/// One remembered check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceCheck {
    pub date: NaiveDate,
    pub checked_at: DateTime<Utc>,
    pub outcome: CheckOutcome,
}

/// How long negative results are kept: longer than any catch-up window.
const KEEP_DAYS: i64 = 62;

impl Store {
    /// Remembers that `source` had no digest for `date` at the store clock's now.
    #[tracing::instrument(skip_all, fields(source = source, date = %date))]
    pub async fn record_check(
        &self,
        source: &str,
        date: NaiveDate,
        outcome: &CheckOutcome,
    ) -> Result<(), StoreError> {
        let (kind, error) = match outcome {
            CheckOutcome::NotPublished => ("not_published", None),
            CheckOutcome::Error(e) => ("error", Some(e.as_str())),
        };
        with_pool!(self, |db| sqlx::query(
            "INSERT INTO source_checks (source, date, checked_at, outcome, error) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (source, date) DO UPDATE SET \
             checked_at = excluded.checked_at, outcome = excluded.outcome, error = excluded.error",
        )
        .bind(source)
        .bind(date)
        .bind(self.now())
        .bind(kind)
        .bind(error)
        .execute(db)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Forgets the negative results for a day a source now has, and prunes old ones.
    #[tracing::instrument(skip_all, fields(source = source, date = %date))]
    pub async fn clear_check(&self, source: &str, date: NaiveDate) -> Result<(), StoreError> {
        with_pool!(self, |db| sqlx::query(
            "DELETE FROM source_checks WHERE (source = $1 AND date = $2) OR date < $3"
        )
        .bind(source)
        .bind(date)
        .bind(self.now().date_naive() - chrono::Duration::days(KEEP_DAYS))
        .execute(db)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// The remembered checks of `source` for dates on or after `since`, by date.
    #[tracing::instrument(skip_all, fields(source = source, since = %since))]
    pub async fn checks(
        &self,
        source: &str,
        since: NaiveDate,
    ) -> Result<HashMap<NaiveDate, SourceCheck>, StoreError> {
        let rows: Vec<(NaiveDate, DateTime<Utc>, String, Option<String>)> =
            with_pool!(self, |db| sqlx::query_as(
                "SELECT date, checked_at, outcome, error FROM source_checks \
             WHERE source = $1 AND date >= $2",
            )
            .bind(source)
            .bind(since)
            .fetch_all(db)
            .await)?;
        Ok(rows
            .into_iter()
            .map(|(date, checked_at, outcome, error)| {
                let outcome = if outcome == "error" {
                    CheckOutcome::Error(error.unwrap_or_default())
                } else {
                    CheckOutcome::NotPublished
                };
                (
                    date,
                    SourceCheck {
                        date,
                        checked_at,
                        outcome,
                    },
                )
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 3, d).unwrap()
    }

    store_tests! {
        async fn checks_are_remembered_updated_and_cleared(store) {
            let now = chrono::TimeZone::with_ymd_and_hms(&Utc, 2025, 3, 5, 12, 0, 0).unwrap();
            let store = store
                .with_clock(std::sync::Arc::new(crate::clock::ManualClock::new(now)));
            store
                .record_check("p", day(3), &CheckOutcome::NotPublished)
                .await
                .unwrap();
            store
                .record_check("p", day(4), &CheckOutcome::Error("HTTP 502".into()))
                .await
                .unwrap();
            store
                .record_check("q", day(4), &CheckOutcome::NotPublished)
                .await
                .unwrap();
            let got = store.checks("p", day(1)).await.unwrap();
            assert_eq!(got.len(), 2);
            assert_eq!(got[&day(3)].outcome, CheckOutcome::NotPublished);
            assert_eq!(got[&day(4)].outcome, CheckOutcome::Error("HTTP 502".into()));
            assert_eq!(store.checks("p", day(4)).await.unwrap().len(), 1);
            store
                .record_check("p", day(3), &CheckOutcome::Error("timeout".into()))
                .await
                .unwrap();
            assert_eq!(
                store.checks("p", day(3)).await.unwrap()[&day(3)].outcome,
                CheckOutcome::Error("timeout".into())
            );
            store.clear_check("p", day(3)).await.unwrap();
            let got = store.checks("p", day(1)).await.unwrap();
            assert_eq!(got.keys().copied().collect::<Vec<_>>(), vec![day(4)]);
            assert_eq!(store.checks("q", day(1)).await.unwrap().len(), 1);
            // Two months on, old checks are pruned at the next clear.
            let later = store
                .clone()
                .with_clock(std::sync::Arc::new(crate::clock::ManualClock::new(
                    now + chrono::Duration::days(70),
                )));
            later.clear_check("p", day(9)).await.unwrap();
            assert!(later.checks("q", day(1)).await.unwrap().is_empty());
        }
    }
}
