//! Summaries, the claims of the processes writing them, the paper texts they were written from,
//! and what writing them cost per day.
//!
//! A claim is a lease like a delivery's (see [`super::leases`]): taken in one write transaction
//! that also checks no summary exists yet, so two processes on one PostgreSQL database never
//! summarise the same paper in the same language at once, and one that dies leaves its claims
//! to the others when their lease runs out. On SQLite (one process per file) a claim left by a
//! killed predecessor is simply taken over.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};

use crate::store::db::{Store, StoreError};
use crate::summaries::prompt::{PaperText, TextKind};
use crate::summaries::{Bullet, Summary, Usage};

/// Why a claim is given back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimEnd {
    /// Nothing to count against the paper (the endpoint was down, or shutdown): free at once.
    Released,
    /// The paper failed (unusable answers, refused): try again after `retry_at`, or never when
    /// `give_up`.
    Failed {
        error: String,
        retry_at: DateTime<Utc>,
        give_up: bool,
    },
}

/// A claim as read back: owner, lease end, next try, given up.
type ClaimRow = (
    Option<String>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    bool,
);

/// Where a sent message is, for its edit: the thread it was sent into (a forum in paper mode's
/// post, a card of a glance day's thread), else the delivery's thread (a forum's day post),
/// unless the delivery started a thread from its index (the index stays in the channel); NULL
/// is the channel itself.
const WHERE_IT_IS: &str = "COALESCE(m.thread_id, CASE WHEN EXISTS (SELECT 1 FROM \
     delivery_messages AS o WHERE o.channel_id = m.channel_id AND o.digest_date = m.digest_date \
     AND o.opens_thread IS NOT NULL) THEN NULL ELSE d.thread_id END)";

/// A sent message of a channel post that a late summary may change.
#[derive(Debug, Clone, PartialEq)]
pub struct EditCandidate {
    pub channel_id: u64,
    pub date: NaiveDate,
    pub idx: u32,
    pub message_id: u64,
    /// The body it was sent with.
    pub body: serde_json::Value,
    /// The forum post or thread the message is in.
    pub thread_id: Option<u64>,
}

#[derive(sqlx::FromRow)]
struct SummaryRow {
    arxiv_id: String,
    language: String,
    bullets: String,
    model: String,
    prompt_version: i32,
    tokens_in: i64,
    tokens_out: i64,
}

impl TryFrom<SummaryRow> for Summary {
    type Error = StoreError;

    fn try_from(r: SummaryRow) -> Result<Summary, StoreError> {
        let bullets: Vec<Bullet> = serde_json::from_str(&r.bullets).map_err(|e| {
            StoreError::Corrupt(format!("summary of {} ({}): {e}", r.arxiv_id, r.language))
        })?;
        Ok(Summary {
            arxiv_id: r.arxiv_id,
            language: r.language,
            bullets,
            model: r.model,
            prompt_version: r.prompt_version,
            tokens_in: r.tokens_in.max(0) as u64,
            tokens_out: r.tokens_out.max(0) as u64,
        })
    }
}

impl Store {
    /// The stored summaries in `language` of the papers `ids`, by id.
    #[tracing::instrument(skip_all, fields(language = language, papers = ids.len()))]
    pub async fn summaries_for(
        &self,
        ids: &[String],
        language: &str,
    ) -> Result<HashMap<String, Summary>, StoreError> {
        let mut out = HashMap::new();
        // In slices, so a long day stays within any backend's parameter limit.
        for chunk in ids.chunks(200) {
            let marks: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
            let sql = format!(
                "SELECT arxiv_id, language, bullets, model, prompt_version, tokens_in, tokens_out \
                 FROM summaries WHERE language = $1 AND arxiv_id IN ({})",
                marks.join(", ")
            );
            let rows: Vec<SummaryRow> = with_pool!(self, |db| {
                let mut q = sqlx::query_as(&sql).bind(language);
                for id in chunk {
                    q = q.bind(id);
                }
                q.fetch_all(db).await
            })?;
            for r in rows {
                let s = Summary::try_from(r)?;
                out.insert(s.arxiv_id.clone(), s);
            }
        }
        Ok(out)
    }

    /// Papers among `ids` given up in `language` (they keep Hugging Face's text: no post waits
    /// for them).
    #[tracing::instrument(skip_all, fields(language = language))]
    pub async fn summaries_given_up(
        &self,
        ids: &[String],
        language: &str,
    ) -> Result<HashSet<String>, StoreError> {
        let rows: Vec<String> = with_pool!(self, |db| sqlx::query_scalar(
            "SELECT arxiv_id FROM summary_claims WHERE language = $1 AND gave_up = $2"
        )
        .bind(language)
        .bind(true)
        .fetch_all(db)
        .await)?;
        let wanted: HashSet<&String> = ids.iter().collect();
        Ok(rows.into_iter().filter(|id| wanted.contains(id)).collect())
    }

    /// When each of `ids` that failed in `language` (and was not given up) may be tried again:
    /// a post does not wait for a paper whose next try comes after its wait.
    #[tracing::instrument(skip_all, fields(language = language))]
    pub async fn summaries_next_try(
        &self,
        ids: &[String],
        language: &str,
    ) -> Result<HashMap<String, DateTime<Utc>>, StoreError> {
        let rows: Vec<(String, DateTime<Utc>)> = with_pool!(self, |db| sqlx::query_as(
            "SELECT arxiv_id, next_try_at FROM summary_claims \
             WHERE language = $1 AND gave_up = $2 AND next_try_at IS NOT NULL"
        )
        .bind(language)
        .bind(false)
        .fetch_all(db)
        .await)?;
        let wanted: HashSet<&String> = ids.iter().collect();
        Ok(rows
            .into_iter()
            .filter(|(id, _)| wanted.contains(id))
            .collect())
    }

    /// Takes the claim on summarising `id` in `language` for `owner` until `until`. False when
    /// a summary exists, another live process holds the claim, the paper was given up, or its
    /// next try is not due yet.
    #[tracing::instrument(skip_all, fields(arxiv_id = id, language = language))]
    pub async fn claim_summary(
        &self,
        id: &str,
        language: &str,
        owner: &str,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let now = self.now();
        let single = self.single_process_store();
        with_write_tx!(self, |tx| {
            let done: Option<i32> = sqlx::query_scalar(
                "SELECT prompt_version FROM summaries WHERE arxiv_id = $1 AND language = $2",
            )
            .bind(id)
            .bind(language)
            .fetch_optional(&mut *tx)
            .await?;
            if done.is_some() {
                tx.commit().await?;
                return Ok(false);
            }
            let row: Option<ClaimRow> = sqlx::query_as(
                "SELECT owner, lease_until, next_try_at, gave_up FROM summary_claims \
                     WHERE arxiv_id = $1 AND language = $2",
            )
            .bind(id)
            .bind(language)
            .fetch_optional(&mut *tx)
            .await?;
            let free = match &row {
                None => true,
                Some((holder, lease, next_try, gave_up)) => {
                    !gave_up
                        && next_try.is_none_or(|t| t <= now)
                        && (single
                            || holder.is_none()
                            || holder.as_deref() == Some(owner)
                            || lease.is_none_or(|l| l < now))
                }
            };
            if free {
                sqlx::query(
                    "INSERT INTO summary_claims (arxiv_id, language, owner, lease_until) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (arxiv_id, language) DO UPDATE \
                     SET owner = excluded.owner, lease_until = excluded.lease_until",
                )
                .bind(id)
                .bind(language)
                .bind(owner)
                .bind(until)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(free)
        })
    }

    /// Extends every summary claim `owner` holds to `until`.
    #[tracing::instrument(skip_all)]
    pub async fn renew_summary_claims(
        &self,
        owner: &str,
        until: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        Ok(with_pool!(self, |db| sqlx::query(
            "UPDATE summary_claims SET lease_until = $1 WHERE owner = $2"
        )
        .bind(until)
        .bind(owner)
        .execute(db)
        .await
        .map(|r| r.rows_affected()))?)
    }

    /// Gives a claim back (see [`ClaimEnd`]).
    #[tracing::instrument(skip_all, fields(arxiv_id = id, language = language))]
    pub async fn release_summary(
        &self,
        id: &str,
        language: &str,
        owner: &str,
        end: ClaimEnd,
    ) -> Result<(), StoreError> {
        match end {
            ClaimEnd::Released => {
                with_pool!(self, |db| sqlx::query(
                    "UPDATE summary_claims SET owner = NULL, lease_until = NULL \
                     WHERE arxiv_id = $1 AND language = $2 AND owner = $3"
                )
                .bind(id)
                .bind(language)
                .bind(owner)
                .execute(db)
                .await
                .map(|_| ()))?;
            }
            ClaimEnd::Failed {
                error,
                retry_at,
                give_up,
            } => {
                with_pool!(self, |db| sqlx::query(
                    "UPDATE summary_claims SET owner = NULL, lease_until = NULL, \
                     attempts = attempts + 1, last_error = $4, next_try_at = $5, gave_up = $6 \
                     WHERE arxiv_id = $1 AND language = $2 AND owner = $3"
                )
                .bind(id)
                .bind(language)
                .bind(owner)
                .bind(error)
                .bind(retry_at)
                .bind(give_up)
                .execute(db)
                .await
                .map(|_| ()))?;
            }
        }
        Ok(())
    }

    /// Failed tries so far of `id` in `language`.
    pub async fn summary_attempts(&self, id: &str, language: &str) -> Result<u32, StoreError> {
        let n: Option<i64> = with_pool!(self, |db| {
            sqlx::query_scalar(
            "SELECT CAST(attempts AS BIGINT) FROM summary_claims WHERE arxiv_id = $1 AND language = $2"
        )
        .bind(id)
        .bind(language)
        .fetch_optional(db)
        .await
        })?;
        Ok(n.unwrap_or(0).clamp(0, i64::from(u32::MAX)) as u32)
    }

    /// Stores a summary and ends its claim, in one transaction. With
    /// `replace` (the operator's `--redo`) an existing summary is overwritten; otherwise the
    /// first one stays and false is returned.
    #[tracing::instrument(skip_all, fields(arxiv_id = %s.arxiv_id, language = %s.language))]
    pub async fn save_summary(&self, s: &Summary, replace: bool) -> Result<bool, StoreError> {
        let bullets = serde_json::to_string(&s.bullets).expect("bullets always serialize");
        let now = self.now();
        let sql = if replace {
            "INSERT INTO summaries (arxiv_id, language, bullets, model, prompt_version, tokens_in, \
             tokens_out, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (arxiv_id, language) DO UPDATE SET bullets = excluded.bullets, \
             model = excluded.model, prompt_version = excluded.prompt_version, \
             tokens_in = excluded.tokens_in, tokens_out = excluded.tokens_out, \
             created_at = excluded.created_at"
        } else {
            "INSERT INTO summaries (arxiv_id, language, bullets, model, prompt_version, tokens_in, \
             tokens_out, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (arxiv_id, language) DO NOTHING"
        };
        with_write_tx!(self, |tx| {
            let n = sqlx::query(sql)
                .bind(&s.arxiv_id)
                .bind(&s.language)
                .bind(&bullets)
                .bind(&s.model)
                .bind(s.prompt_version)
                .bind(s.tokens_in as i64)
                .bind(s.tokens_out as i64)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            sqlx::query("DELETE FROM summary_claims WHERE arxiv_id = $1 AND language = $2")
                .bind(&s.arxiv_id)
                .bind(&s.language)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(n == 1)
        })
    }

    /// Forgets the summaries (and failed tries) of `ids` in `language`: `--redo`.
    pub async fn forget_summaries(&self, ids: &[String], language: &str) -> Result<(), StoreError> {
        for id in ids {
            with_pool!(self, |db| sqlx::query(
                "DELETE FROM summary_claims WHERE arxiv_id = $1 AND language = $2"
            )
            .bind(id)
            .bind(language)
            .execute(db)
            .await
            .map(|_| ()))?;
            with_pool!(self, |db| sqlx::query(
                "DELETE FROM summaries WHERE arxiv_id = $1 AND language = $2"
            )
            .bind(id)
            .bind(language)
            .execute(db)
            .await
            .map(|_| ()))?;
        }
        Ok(())
    }

    /// Adds a call's cost to `day`'s (UTC) total; `papers`: summaries it produced.
    pub async fn add_summary_usage(
        &self,
        day: NaiveDate,
        usage: Usage,
        papers: u64,
    ) -> Result<(), StoreError> {
        with_pool!(self, |db| sqlx::query(
            "INSERT INTO summary_usage (day, calls, tokens_in, tokens_out, papers) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (day) DO UPDATE SET \
             calls = summary_usage.calls + excluded.calls, \
             tokens_in = summary_usage.tokens_in + excluded.tokens_in, \
             tokens_out = summary_usage.tokens_out + excluded.tokens_out, \
             papers = summary_usage.papers + excluded.papers"
        )
        .bind(day)
        .bind(usage.calls as i64)
        .bind(usage.tokens_in as i64)
        .bind(usage.tokens_out as i64)
        .bind(papers as i64)
        .execute(db)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Each day's cost on or after `since`, oldest first: (day, usage, papers).
    pub async fn summary_usage(
        &self,
        since: NaiveDate,
    ) -> Result<Vec<(NaiveDate, Usage, u64)>, StoreError> {
        let rows: Vec<(NaiveDate, i64, i64, i64, i64)> = with_pool!(self, |db| sqlx::query_as(
            "SELECT day, calls, tokens_in, tokens_out, papers FROM summary_usage \
             WHERE day >= $1 ORDER BY day"
        )
        .bind(since)
        .fetch_all(db)
        .await)?;
        Ok(rows
            .into_iter()
            .map(|(d, c, i, o, p)| {
                (
                    d,
                    Usage {
                        calls: c.max(0) as u64,
                        tokens_in: i.max(0) as u64,
                        tokens_out: o.max(0) as u64,
                    },
                    p.max(0) as u64,
                )
            })
            .collect())
    }

    /// The stored text of a paper, if it was fetched before.
    pub async fn paper_text(&self, id: &str) -> Result<Option<PaperText>, StoreError> {
        let row: Option<(String, String, Option<String>)> = with_pool!(self, |db| sqlx::query_as(
            "SELECT kind, abstract, body FROM paper_texts WHERE arxiv_id = $1"
        )
        .bind(id)
        .fetch_optional(db)
        .await)?;
        Ok(row.map(|(kind, abstract_, body)| PaperText {
            arxiv_id: id.to_string(),
            title: String::new(),
            abstract_,
            body,
            kind: TextKind::parse(&kind),
        }))
    }

    /// Keeps a paper's text (the first copy stays).
    pub async fn save_paper_text(&self, t: &PaperText) -> Result<(), StoreError> {
        let now = self.now();
        with_pool!(self, |db| sqlx::query(
            "INSERT INTO paper_texts (arxiv_id, kind, abstract, body, fetched_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (arxiv_id) DO NOTHING"
        )
        .bind(&t.arxiv_id)
        .bind(t.kind.as_str())
        .bind(&t.abstract_)
        .bind(&t.body)
        .bind(now)
        .execute(db)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Sent messages of channel posts finished within `window` (on the store's clock, which
    /// stamped them) that were never edited nor settled: those a late summary may still change.
    #[tracing::instrument(skip_all)]
    pub async fn edit_candidates(
        &self,
        window: chrono::Duration,
    ) -> Result<Vec<EditCandidate>, StoreError> {
        let since = self.now() - window;
        let rows: Vec<(i64, NaiveDate, i64, i64, String, Option<i64>)> =
            with_pool!(self, |db| sqlx::query_as(&format!(
                "SELECT m.channel_id, m.digest_date, CAST(m.idx AS BIGINT), m.message_id, m.body, \
                 {WHERE_IT_IS} FROM delivery_messages AS m JOIN deliveries AS d \
                 ON d.channel_id = m.channel_id AND d.digest_date = m.digest_date \
                 WHERE d.status = 'done' AND d.target = 'channel' AND m.message_id IS NOT NULL \
                 AND m.edit_state IS NULL AND d.finished_at >= $1 \
                 ORDER BY m.channel_id, m.digest_date, m.idx"
            ))
            .bind(since)
            .fetch_all(db)
            .await)?;
        rows.into_iter()
            .map(|(c, d, idx, m, body, thread)| {
                Ok(EditCandidate {
                    channel_id: crate::store::db::id_from_db(c),
                    date: d,
                    idx: idx.max(0) as u32,
                    message_id: crate::store::db::id_from_db(m),
                    body: serde_json::from_str(&body).map_err(|e| {
                        StoreError::Corrupt(format!("message body of {c} on {d}: {e}"))
                    })?,
                    thread_id: thread.map(crate::store::db::id_from_db),
                })
            })
            .collect()
    }

    /// Records the edit of one message before it is sent (`body`), or that it needs none ever
    /// (`None`). Only a message never edited nor settled changes: an edit is planned once.
    pub async fn plan_edit(
        &self,
        channel_id: u64,
        date: NaiveDate,
        idx: u32,
        body: Option<&serde_json::Value>,
    ) -> Result<bool, StoreError> {
        let (state, body) = match body {
            Some(b) => ("pending", Some(b.to_string())),
            None => ("final", None),
        };
        let n = with_pool!(self, |db| sqlx::query(
            "UPDATE delivery_messages SET edit_state = $4, edit_body = $5 \
             WHERE channel_id = $1 AND digest_date = $2 AND idx = $3 AND edit_state IS NULL"
        )
        .bind(crate::store::db::id_to_db(channel_id))
        .bind(date)
        .bind(i64::from(idx))
        .bind(state)
        .bind(body)
        .execute(db)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Edits planned and not yet done (after a crash too): (candidate, new body).
    pub async fn pending_edits(
        &self,
    ) -> Result<Vec<(EditCandidate, serde_json::Value)>, StoreError> {
        let rows: Vec<(i64, NaiveDate, i64, i64, String, Option<i64>)> = with_pool!(self, |db| {
            sqlx::query_as(&format!(
                "SELECT m.channel_id, m.digest_date, CAST(m.idx AS BIGINT), m.message_id, m.edit_body, \
                 {WHERE_IT_IS} FROM delivery_messages AS m JOIN deliveries AS d \
                 ON d.channel_id = m.channel_id AND d.digest_date = m.digest_date \
                 WHERE m.edit_state = 'pending' ORDER BY m.channel_id, m.digest_date, m.idx"
            ))
            .fetch_all(db)
            .await
        })?;
        rows.into_iter()
            .map(|(c, d, idx, m, body, thread)| {
                let body: serde_json::Value = serde_json::from_str(&body)
                    .map_err(|e| StoreError::Corrupt(format!("edit body of {c} on {d}: {e}")))?;
                Ok((
                    EditCandidate {
                        channel_id: crate::store::db::id_from_db(c),
                        date: d,
                        idx: idx.max(0) as u32,
                        message_id: crate::store::db::id_from_db(m),
                        body: body.clone(),
                        thread_id: thread.map(crate::store::db::id_from_db),
                    },
                    body,
                ))
            })
            .collect()
    }

    /// Takes the sending of a planned edit for `owner` until `until`: false when another live
    /// process has it (on SQLite, one process per file, always true).
    pub async fn claim_edit(
        &self,
        c: &EditCandidate,
        owner: &str,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let sql = if self.single_process_store() {
            "UPDATE delivery_messages SET edit_owner = $4, edit_until = $5 \
             WHERE channel_id = $1 AND digest_date = $2 AND idx = $3 AND edit_state = 'pending' \
             AND $6 IS NOT NULL"
        } else {
            "UPDATE delivery_messages SET edit_owner = $4, edit_until = $5 \
             WHERE channel_id = $1 AND digest_date = $2 AND idx = $3 AND edit_state = 'pending' \
             AND (edit_owner IS NULL OR edit_owner = $4 OR edit_until < $6)"
        };
        let n = with_pool!(self, |db| sqlx::query(sql)
            .bind(crate::store::db::id_to_db(c.channel_id))
            .bind(c.date)
            .bind(i64::from(c.idx))
            .bind(owner)
            .bind(until)
            .bind(self.now())
            .execute(db)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// An edit was made (`ok`) or refused for good.
    pub async fn finish_edit(
        &self,
        channel_id: u64,
        date: NaiveDate,
        idx: u32,
        ok: bool,
    ) -> Result<(), StoreError> {
        with_pool!(self, |db| sqlx::query(
            "UPDATE delivery_messages SET edit_state = $4 \
             WHERE channel_id = $1 AND digest_date = $2 AND idx = $3 AND edit_state = 'pending'"
        )
        .bind(crate::store::db::id_to_db(channel_id))
        .bind(date)
        .bind(i64::from(idx))
        .bind(if ok { "done" } else { "failed" })
        .execute(db)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    fn single_process_store(&self) -> bool {
        !self.is_postgres()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summaries::BulletKind;

    fn summary(id: &str, lang: &str) -> Summary {
        Summary {
            arxiv_id: id.into(),
            language: lang.into(),
            bullets: vec![
                Bullet {
                    kind: BulletKind::New,
                    text: "새로운 방법".into(),
                },
                Bullet {
                    kind: BulletKind::Results,
                    text: "10% 향상".into(),
                },
            ],
            model: "m".into(),
            prompt_version: 1,
            tokens_in: 1000,
            tokens_out: 100,
        }
    }

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 2, 19).unwrap()
    }

    store_tests! {
        async fn a_summary_is_stored_once_and_ends_its_claim(store) {
            let until = store.now() + chrono::Duration::seconds(30);
            assert!(store.claim_summary("2502.00001", "ko", "a", until).await.unwrap());
            assert!(store.save_summary(&summary("2502.00001", "ko"), false).await.unwrap());
            // Stored: nobody claims it again, and a second save keeps the first.
            assert!(!store.claim_summary("2502.00001", "ko", "b", until).await.unwrap());
            assert!(!store.save_summary(&summary("2502.00001", "ko"), false).await.unwrap());
            // Another language is another piece of work.
            assert!(store.claim_summary("2502.00001", "en", "b", until).await.unwrap());
            let got = store
                .summaries_for(&["2502.00001".into(), "2502.00009".into()], "ko")
                .await
                .unwrap();
            assert_eq!(got.len(), 1);
            assert_eq!(got["2502.00001"], summary("2502.00001", "ko"));
            store.forget_summaries(&["2502.00001".into()], "ko").await.unwrap();
            assert!(store.summaries_for(&["2502.00001".into()], "ko").await.unwrap().is_empty());
        }

        async fn failures_wait_and_a_given_up_paper_is_never_claimed(store) {
            let now = store.now();
            let until = now + chrono::Duration::seconds(30);
            assert!(store.claim_summary("2502.00002", "ko", "a", until).await.unwrap());
            store
                .release_summary("2502.00002", "ko", "a", ClaimEnd::Failed {
                    error: "unusable".into(),
                    retry_at: now + chrono::Duration::minutes(10),
                    give_up: false,
                })
                .await
                .unwrap();
            assert_eq!(store.summary_attempts("2502.00002", "ko").await.unwrap(), 1);
            // When it may be tried again, for the posts deciding whether to wait for it.
            let next = store
                .summaries_next_try(&["2502.00002".into(), "2502.00009".into()], "ko")
                .await
                .unwrap();
            assert_eq!(next.len(), 1);
            assert_eq!(next["2502.00002"].timestamp(), (now + chrono::Duration::minutes(10)).timestamp());
            assert!(!store.claim_summary("2502.00002", "ko", "a", until).await.unwrap());
            let later = store.clone().with_clock(std::sync::Arc::new(crate::clock::ManualClock::new(now + chrono::Duration::minutes(11))));
            assert!(later.claim_summary("2502.00002", "ko", "a", until).await.unwrap());
            later
                .release_summary("2502.00002", "ko", "a", ClaimEnd::Failed {
                    error: "refused".into(),
                    retry_at: now,
                    give_up: true,
                })
                .await
                .unwrap();
            assert!(!later.claim_summary("2502.00002", "ko", "a", until).await.unwrap());
            let given_up = later.summaries_given_up(&["2502.00002".into()], "ko").await.unwrap();
            assert!(given_up.contains("2502.00002"));
            // Given up: no next try.
            assert!(later.summaries_next_try(&["2502.00002".into()], "ko").await.unwrap().is_empty());
        }

        async fn usage_adds_up_per_day(store) {
            let u = Usage { calls: 2, tokens_in: 3000, tokens_out: 300 };
            store.add_summary_usage(day(), u, 1).await.unwrap();
            store.add_summary_usage(day(), u, 1).await.unwrap();
            let rows = store.summary_usage(day()).await.unwrap();
            assert_eq!(rows, vec![(day(), Usage { calls: 4, tokens_in: 6000, tokens_out: 600 }, 2)]);
        }

        async fn paper_texts_are_kept_once(store) {
            let t = PaperText {
                arxiv_id: "2502.00003".into(),
                title: String::new(),
                abstract_: "We do things.".into(),
                body: Some("1 Introduction".into()),
                kind: TextKind::Html,
            };
            store.save_paper_text(&t).await.unwrap();
            store.save_paper_text(&PaperText { body: None, ..t.clone() }).await.unwrap();
            assert_eq!(store.paper_text("2502.00003").await.unwrap(), Some(t));
        }
    }

    #[tokio::test]
    async fn on_postgres_a_live_claim_is_exclusive_and_a_dead_ones_passes_on() {
        let Some(store) = crate::store::testing::postgres().await else {
            return;
        };
        let now = store.now();
        assert!(store
            .claim_summary("2502.00004", "ko", "a", now + chrono::Duration::seconds(30))
            .await
            .unwrap());
        assert!(!store
            .claim_summary("2502.00004", "ko", "b", now + chrono::Duration::seconds(30))
            .await
            .unwrap());
        // a died: its lease runs out and b takes over.
        let later = store
            .clone()
            .with_clock(std::sync::Arc::new(crate::clock::ManualClock::new(
                now + chrono::Duration::seconds(31),
            )));
        assert!(later
            .claim_summary("2502.00004", "ko", "b", now + chrono::Duration::seconds(60))
            .await
            .unwrap());
    }
}
