//! Questions asked with `/papers ask` (`ask_turns`), and what the delivery ledger says about a
//! thread (which paper it is about).
//!
//! A question is reserved before the model is called, in one write transaction that counts the
//! day's questions and tokens, asks [`crate::ask::caps::decide`], and inserts the row: writers
//! are serialized on both backends (see `with_write_tx!`), so two questions at once can never
//! both take the last place under a cap. The row is answered once the model has answered, or
//! deleted when it could not (the asker is not charged for a failure).

use chrono::NaiveDate;
use serde_json::Value;

use crate::ask::caps::{decide, Cap, Limits, Used};
use crate::ask::history::StoredTurn;
use crate::ask::thread::ThreadLedger;
use crate::store::db::{id_from_db, id_to_db, Store, StoreError};
use crate::summaries::Usage;

/// How long questions are kept: follow-ups reach back this far, caps only a day.
const KEEP_DAYS: i64 = 30;

/// A question about to be asked.
#[derive(Debug, Clone)]
pub struct NewAsk<'a> {
    /// The thread, channel or DM it is asked in.
    pub channel_id: u64,
    /// The server it is asked in (its cap); `None` in DMs.
    pub guild_id: Option<u64>,
    pub user_id: u64,
    pub arxiv_id: &'a str,
    pub question: &'a str,
    pub language: &'a str,
    /// Shown to the asker only (never carried into anyone else's follow-ups).
    pub private: bool,
}

/// What reserving a question came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reserved {
    /// The question's row, to answer or forget.
    Turn(i64),
    Capped(Cap),
}

/// One day of questions, for `paperboy status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AskDay {
    pub day: NaiveDate,
    /// Questions answered.
    pub questions: u64,
    pub usage: Usage,
}

fn count(n: i64) -> u32 {
    n.clamp(0, i64::from(u32::MAX)) as u32
}

fn parse_bodies(rows: Vec<String>) -> Vec<Value> {
    rows.into_iter()
        .filter_map(|b| match serde_json::from_str(&b) {
            Ok(v) => Some(v),
            Err(e) => {
                tracing::warn!(error = %e, "a ledger body is not JSON; ignored for /papers ask");
                None
            }
        })
        .collect()
}

impl Store {
    /// Reserves a question under `limits` (see the module docs), on the store's clock's UTC day.
    #[tracing::instrument(skip_all, fields(user_id = a.user_id, arxiv_id = a.arxiv_id))]
    pub async fn reserve_ask(
        &self,
        a: &NewAsk<'_>,
        limits: &Limits,
    ) -> Result<Reserved, StoreError> {
        let now = self.now();
        let day = now.date_naive();
        let oldest = day - chrono::Duration::days(KEEP_DAYS);
        with_write_tx!(self, |tx| {
            sqlx::query("DELETE FROM ask_turns WHERE day < $1")
                .bind(oldest)
                .execute(&mut *tx)
                .await?;
            let person: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM ask_turns WHERE user_id = $1 AND day = $2",
            )
            .bind(id_to_db(a.user_id))
            .bind(day)
            .fetch_one(&mut *tx)
            .await?;
            let server = match a.guild_id {
                Some(g) => Some(count(
                    sqlx::query_scalar(
                        "SELECT COUNT(*) FROM ask_turns WHERE guild_id = $1 AND day = $2",
                    )
                    .bind(id_to_db(g))
                    .bind(day)
                    .fetch_one(&mut *tx)
                    .await?,
                )),
                None => None,
            };
            let tokens: i64 = sqlx::query_scalar(
                "SELECT CAST(COALESCE(SUM(tokens_in + tokens_out), 0) AS BIGINT) FROM ask_turns \
                 WHERE day = $1",
            )
            .bind(day)
            .fetch_one(&mut *tx)
            .await?;
            let used = Used {
                person: count(person),
                server,
                tokens: tokens.max(0) as u64,
            };
            if let Err(cap) = decide(&used, limits) {
                tx.commit().await?;
                return Ok(Reserved::Capped(cap));
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO ask_turns (channel_id, arxiv_id, user_id, guild_id, day, asked_at, \
                 private, question, language) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                 RETURNING id",
            )
            .bind(id_to_db(a.channel_id))
            .bind(a.arxiv_id)
            .bind(id_to_db(a.user_id))
            .bind(a.guild_id.map(id_to_db))
            .bind(day)
            .bind(now)
            .bind(a.private)
            .bind(a.question)
            .bind(a.language)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(Reserved::Turn(id))
        })
    }

    /// Records the answer shown for a reserved question and what it cost.
    pub async fn answer_ask(&self, id: i64, answer: &str, usage: Usage) -> Result<(), StoreError> {
        with_pool!(self, |db| sqlx::query(
            "UPDATE ask_turns SET state = 'answered', answer = $2, calls = $3, tokens_in = $4, \
             tokens_out = $5 WHERE id = $1"
        )
        .bind(id)
        .bind(answer)
        .bind(usage.calls as i64)
        .bind(usage.tokens_in as i64)
        .bind(usage.tokens_out as i64)
        .execute(db)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Forgets a reserved question that got no answer: it counts against nobody's cap.
    pub async fn forget_ask(&self, id: i64) -> Result<(), StoreError> {
        with_pool!(self, |db| sqlx::query(
            "DELETE FROM ask_turns WHERE id = $1 AND state = 'asking'"
        )
        .bind(id)
        .execute(db)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// The last `limit` questions about `arxiv_id` asked in `channel_id`, newest first.
    pub async fn ask_history(
        &self,
        channel_id: u64,
        arxiv_id: &str,
        limit: u32,
    ) -> Result<Vec<StoredTurn>, StoreError> {
        let rows: Vec<(i64, bool, String, Option<String>)> =
            with_pool!(self, |db| sqlx::query_as(
                "SELECT user_id, private, question, answer FROM ask_turns \
             WHERE channel_id = $1 AND arxiv_id = $2 ORDER BY id DESC LIMIT $3"
            )
            .bind(id_to_db(channel_id))
            .bind(arxiv_id)
            .bind(i64::from(limit))
            .fetch_all(db)
            .await)?;
        Ok(rows
            .into_iter()
            .map(|(user_id, private, question, answer)| StoredTurn {
                user_id: id_from_db(user_id),
                private,
                question,
                answer,
            })
            .collect())
    }

    /// The paper `user_id` last asked about in `channel_id`.
    pub async fn last_asked(
        &self,
        channel_id: u64,
        user_id: u64,
    ) -> Result<Option<String>, StoreError> {
        Ok(with_pool!(self, |db| sqlx::query_scalar(
            "SELECT arxiv_id FROM ask_turns WHERE channel_id = $1 AND user_id = $2 \
             ORDER BY id DESC LIMIT 1"
        )
        .bind(id_to_db(channel_id))
        .bind(id_to_db(user_id))
        .fetch_optional(db)
        .await)?)
    }

    /// Each day's answered questions and their cost on or after `since`, oldest first.
    pub async fn ask_usage(&self, since: NaiveDate) -> Result<Vec<AskDay>, StoreError> {
        let rows: Vec<(NaiveDate, i64, i64, i64, i64)> = with_pool!(self, |db| {
            sqlx::query_as(
            "SELECT day, COUNT(*), CAST(SUM(calls) AS BIGINT), CAST(SUM(tokens_in) AS BIGINT), \
             CAST(SUM(tokens_out) AS BIGINT) FROM ask_turns \
             WHERE day >= $1 AND state = 'answered' GROUP BY day ORDER BY day"
        )
        .bind(since)
        .fetch_all(db)
        .await
        })?;
        Ok(rows
            .into_iter()
            .map(|(day, q, c, i, o)| AskDay {
                day,
                questions: q.max(0) as u64,
                usage: Usage {
                    calls: c.max(0) as u64,
                    tokens_in: i.max(0) as u64,
                    tokens_out: o.max(0) as u64,
                },
            })
            .collect())
    }

    /// Today's (UTC, on the store's clock) answered questions and their cost.
    pub async fn ask_today(&self) -> Result<AskDay, StoreError> {
        let today = self.now().date_naive();
        Ok(self
            .ask_usage(today)
            .await?
            .into_iter()
            .find(|d| d.day == today)
            .unwrap_or(AskDay {
                day: today,
                questions: 0,
                usage: Usage::default(),
            }))
    }

    /// What the delivery ledger records about the thread `thread_id` (see
    /// [`crate::ask::thread`]): a forum post's, one started from a recorded message, a day's.
    #[tracing::instrument(skip_all, fields(thread_id))]
    pub async fn thread_ledger(&self, thread_id: u64) -> Result<ThreadLedger, StoreError> {
        let id = id_to_db(thread_id);
        let post: Option<String> = with_pool!(self, |db| {
            sqlx::query_scalar(
            // A forum post's starter message has its thread's id; a glance day's cards are in
            // their thread too, but the thread is the day's (below).
            "SELECT body FROM delivery_messages WHERE thread_id = $1 AND message_id = $1 LIMIT 1"
        )
        .bind(id)
        .fetch_optional(db)
        .await
        })?;
        let from: Option<(i64, NaiveDate, String)> = with_pool!(self, |db| {
            sqlx::query_as(
            "SELECT channel_id, digest_date, body FROM delivery_messages WHERE message_id = $1 \
             LIMIT 1"
        )
        .bind(id)
        .fetch_optional(db)
        .await
        })?;
        let started_from = match from {
            Some((channel, date, body)) => {
                let delivery = self.delivery_bodies(channel, date).await?;
                parse_bodies(vec![body])
                    .into_iter()
                    .next()
                    .map(|b| (b, delivery))
            }
            None => None,
        };
        let day: Option<(i64, NaiveDate)> = with_pool!(self, |db| sqlx::query_as(
            "SELECT channel_id, digest_date FROM deliveries WHERE thread_id = $1 LIMIT 1"
        )
        .bind(id)
        .fetch_optional(db)
        .await)?;
        let day = match day {
            Some((channel, date)) => self.delivery_bodies(channel, date).await?,
            None => Vec::new(),
        };
        Ok(ThreadLedger {
            post: post.and_then(|b| parse_bodies(vec![b]).into_iter().next()),
            started_from,
            day,
        })
    }

    async fn delivery_bodies(
        &self,
        channel: i64,
        date: NaiveDate,
    ) -> Result<Vec<Value>, StoreError> {
        let rows: Vec<String> = with_pool!(self, |db| sqlx::query_scalar(
            "SELECT body FROM delivery_messages WHERE channel_id = $1 AND digest_date = $2 \
             ORDER BY idx"
        )
        .bind(channel)
        .bind(date)
        .fetch_all(db)
        .await)?;
        Ok(parse_bodies(rows))
    }

    /// When the question `id` was asked (tests).
    #[cfg(test)]
    async fn asked_at(&self, id: i64) -> Result<Option<chrono::DateTime<chrono::Utc>>, StoreError> {
        Ok(with_pool!(self, |db| sqlx::query_scalar(
            "SELECT asked_at FROM ask_turns WHERE id = $1"
        )
        .bind(id)
        .fetch_optional(db)
        .await)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    const LIMITS: Limits = Limits {
        per_person: 2,
        per_server: 3,
        tokens: 10_000,
    };

    fn ask(user_id: u64, guild_id: Option<u64>, channel_id: u64) -> NewAsk<'static> {
        NewAsk {
            channel_id,
            guild_id,
            user_id,
            arxiv_id: "2404.00399",
            question: "How many tokens?",
            language: "en",
            private: false,
        }
    }

    fn turn(r: Reserved) -> i64 {
        match r {
            Reserved::Turn(id) => id,
            other => panic!("not reserved: {other:?}"),
        }
    }

    store_tests! {
        async fn caps_count_the_days_questions_and_a_forgotten_one_is_free(store) {
            let u = Usage { calls: 1, tokens_in: 1_000, tokens_out: 100 };
            let a = turn(store.reserve_ask(&ask(1, Some(9), 50), &LIMITS).await.unwrap());
            store.answer_ask(a, "435B tokens (Section 3).", u).await.unwrap();
            // In flight counts too.
            let b = turn(store.reserve_ask(&ask(1, Some(9), 50), &LIMITS).await.unwrap());
            assert_eq!(store.reserve_ask(&ask(1, None, 60), &LIMITS).await.unwrap(), Reserved::Capped(Cap::Person));
            // Failed: forgotten, and the place is free again.
            store.forget_ask(b).await.unwrap();
            let b = turn(store.reserve_ask(&ask(1, None, 60), &LIMITS).await.unwrap());
            store.answer_ask(b, "x", u).await.unwrap();
            // An answered question is never forgotten.
            store.forget_ask(b).await.unwrap();
            assert_eq!(store.ask_usage(store.now().date_naive()).await.unwrap()[0].questions, 2);
            // The server: the DM question was not its.
            turn(store.reserve_ask(&ask(2, Some(9), 50), &LIMITS).await.unwrap());
            turn(store.reserve_ask(&ask(3, Some(9), 50), &LIMITS).await.unwrap());
            assert_eq!(store.reserve_ask(&ask(4, Some(9), 50), &LIMITS).await.unwrap(), Reserved::Capped(Cap::Server));
            assert!(matches!(store.reserve_ask(&ask(4, Some(8), 50), &LIMITS).await.unwrap(), Reserved::Turn(_)));
            // Tokens: the day's budget, everyone's.
            let big = turn(store.reserve_ask(&ask(5, None, 70), &LIMITS).await.unwrap());
            store.answer_ask(big, "y", Usage { calls: 1, tokens_in: 9_000, tokens_out: 0 }).await.unwrap();
            assert_eq!(store.reserve_ask(&ask(6, None, 70), &LIMITS).await.unwrap(), Reserved::Capped(Cap::Tokens));
            // The next UTC day starts afresh, and a month later the old rows are gone.
            let tomorrow = store.clone().with_clock(Arc::new(crate::clock::ManualClock::new(store.now() + chrono::Duration::days(1))));
            assert!(matches!(tomorrow.reserve_ask(&ask(1, Some(9), 50), &LIMITS).await.unwrap(), Reserved::Turn(_)));
            let later = store.clone().with_clock(Arc::new(crate::clock::ManualClock::new(store.now() + chrono::Duration::days(40))));
            turn(later.reserve_ask(&ask(1, Some(9), 50), &LIMITS).await.unwrap());
            assert!(later.asked_at(a).await.unwrap().is_none());
            assert_eq!(later.ask_history(50, "2404.00399", 10).await.unwrap().len(), 1);
        }

        async fn history_is_the_threads_newest_first_and_last_asked_is_the_askers(store) {
            let u = Usage { calls: 1, tokens_in: 10, tokens_out: 1 };
            for (user, q, private) in [(1, "q1", false), (2, "q2", true), (1, "q3", false)] {
                let id = turn(store.reserve_ask(&NewAsk { question: q, private, ..ask(user, Some(9), 50) }, &LIMITS).await.unwrap());
                store.answer_ask(id, &format!("a of {q}"), u).await.unwrap();
            }
            turn(store.reserve_ask(&NewAsk { arxiv_id: "2404.01197", ..ask(2, None, 50) }, &LIMITS).await.unwrap());
            let h = store.ask_history(50, "2404.00399", 10).await.unwrap();
            let qs: Vec<&str> = h.iter().map(|t| t.question.as_str()).collect();
            assert_eq!(qs, ["q3", "q2", "q1"]);
            assert!(h[1].private && h[1].user_id == 2 && h[0].answer.as_deref() == Some("a of q3"));
            assert_eq!(store.ask_history(51, "2404.00399", 10).await.unwrap().len(), 0);
            assert_eq!(store.last_asked(50, 2).await.unwrap().as_deref(), Some("2404.01197"));
            assert_eq!(store.last_asked(50, 1).await.unwrap().as_deref(), Some("2404.00399"));
            assert_eq!(store.last_asked(50, 3).await.unwrap(), None);
            let usage = store.ask_usage(store.now().date_naive()).await.unwrap();
            assert_eq!(usage.len(), 1);
            assert_eq!((usage[0].questions, usage[0].usage), (3, Usage { calls: 3, tokens_in: 30, tokens_out: 3 }));
        }

        async fn the_ledger_says_which_thread_is_whose(store) {
            use serde_json::json;
            let date = NaiveDate::from_ymd_opt(2024, 4, 2).unwrap();
            let card = |id: &str| json!({"embeds": [{"title": id, "url": format!("https://arxiv.org/abs/{id}")}]});
            // A forum in paper mode: each post recorded with its thread and starter message.
            let posts = vec![
                ("n0".to_string(), json!({"name": "A", "message": card("2404.00399"), "tag_keywords": []})),
                ("n1".to_string(), json!({"name": "B", "message": card("2404.01197"), "tag_keywords": []})),
            ];
            store.plan_delivery(400, date, &posts).await.unwrap();
            store.record_post(400, date, 1, 7001, 7001).await.unwrap();
            // A text channel's messages, one of which a thread was started from.
            let msgs = vec![("m0".to_string(), card("2404.00987")), ("m1".to_string(), card("2404.01143"))];
            store.plan_delivery(401, date, &msgs).await.unwrap();
            store.record_sent(401, date, 0, 8000).await.unwrap();
            store.record_sent(401, date, 1, 8001).await.unwrap();
            // A forum's day post: the day's thread.
            let day = vec![("d0".to_string(), card("2404.01294")), ("d1".to_string(), card("2404.01258"))];
            store.plan_delivery(402, date, &day).await.unwrap();
            store.record_thread_start(402, date, 9000).await.unwrap();

            let post = store.thread_ledger(7001).await.unwrap();
            assert_eq!(post.post.unwrap()["message"], card("2404.01197"));
            let (from, delivery) = store.thread_ledger(8001).await.unwrap().started_from.unwrap();
            assert_eq!((from, delivery.len()), (card("2404.01143"), 2));
            let day = store.thread_ledger(9000).await.unwrap();
            assert_eq!(day.day, vec![card("2404.01294"), card("2404.01258")]);
            // Its starter message has the thread's id too: still the whole day.
            assert!(day.post.is_none());
            assert_eq!(crate::ask::thread::thread_papers(&day).papers().len(), 2);
            // A glance day: the index, the thread started from it, the cards in the thread (each
            // recorded with it): the thread is the day's, not its first card's.
            let glance = vec![
                ("g0".to_string(), json!({"content": "1. [A](<https://arxiv.org/abs/2404.02101>)"})),
                ("g1".to_string(), card("2404.02101")),
                ("g2".to_string(), card("2404.02102")),
            ];
            store.plan_delivery(403, date, &glance).await.unwrap();
            store.record_sent(403, date, 0, 9100).await.unwrap();
            store.record_thread(403, date, 9100).await.unwrap();
            store.record_sent_in(403, date, 1, 9101, 9100).await.unwrap();
            store.record_sent_in(403, date, 2, 9102, 9100).await.unwrap();
            let glance = store.thread_ledger(9100).await.unwrap();
            assert!(glance.post.is_none());
            let ids: Vec<String> =
                crate::ask::thread::thread_papers(&glance).papers().into_iter().map(|p| p.arxiv_id).collect();
            assert_eq!(ids, ["2404.02101", "2404.02102"]);
            assert_eq!(store.thread_ledger(1234).await.unwrap(), ThreadLedger::default());
        }
    }
}
