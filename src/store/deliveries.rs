//! The delivery ledger: the delivery engine plans every message of a (channel, date) delivery
//! before sending the first one, records each message as it is sent, and after a crash resumes
//! the pending deliveries from the first unsent message. Planning is idempotent, so a restarted
//! fan-out can never post a second, different copy of a day's digest.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

use crate::store::db::{id_from_db, id_to_db, Store, StoreError};

/// Discord's limit on a message nonce.
pub const MAX_NONCE_CHARS: usize = 25;

/// How [`Store::record_channel_unavailable`] starts a delivery's `last_error`, so that
/// [`Store::reopen_failed_deliveries`] can tell these failures from the ones a resume must not
/// retry (an unsubscribed channel, a payload Discord rejects).
const CHANNEL_UNAVAILABLE: &str = "channel unavailable: ";

/// The key a planned body carries when a thread is to be started from its message once it is
/// sent (the value is the thread's name): the store keeps the name in `opens_thread` and the
/// body without the key, so what is sent is Discord's message and nothing else. The delivery's
/// later messages go into that thread.
pub const OPENS_THREAD: &str = "paperboy_opens_thread";

/// A planned body and the thread its message opens, the key taken out.
fn split_opener(body: &Value) -> (Value, Option<String>) {
    let mut body = body.clone();
    let name = body
        .as_object_mut()
        .and_then(|m| m.remove(OPENS_THREAD))
        .and_then(|v| v.as_str().map(str::to_string));
    (body, name)
}

/// Whether message `idx` of a plan is published to an announcement channel's followers: every
/// message before a thread and the one that opens it, none inside the thread.
fn published(idx: usize, opener: Option<usize>) -> bool {
    opener.is_none_or(|o| idx <= o)
}

/// Rows per bulk statement in [`Store::plan_deliveries`]: big enough to amortize statement
/// overhead, small enough to keep the JSON parameter a few megabytes at most.
const BULK_CHUNK: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeliveryStatus {
    /// Planned and not finished: some messages may still be unsent.
    Pending,
    Done,
    /// Given up on (permanent error, or the channel unsubscribed); not resumed.
    Failed,
}

impl DeliveryStatus {
    fn as_db(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Done => "done",
            DeliveryStatus::Failed => "failed",
        }
    }

    fn from_db(s: &str) -> Result<Self, StoreError> {
        match s {
            "pending" => Ok(DeliveryStatus::Pending),
            "done" => Ok(DeliveryStatus::Done),
            "failed" => Ok(DeliveryStatus::Failed),
            other => Err(StoreError::Corrupt(format!("delivery status {other:?}"))),
        }
    }
}

/// The last day a channel really got messages for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastPost {
    pub date: NaiveDate,
    /// Where the digest came from (`None` for rows from before this was recorded).
    pub source: Option<String>,
    /// When its last message went out.
    pub at: DateTime<Utc>,
}

/// A day the engine has not given up on but keeps failing to deliver: still pending, with
/// failed attempts and the last error stored. Shown by `/papers settings` and `paperboy status`
/// so that a failing channel does not look as if all were well.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryingDay {
    pub date: NaiveDate,
    /// When its first attempt began (when it was planned, for a row from before that was
    /// recorded): it has been failing since then.
    pub since: DateTime<Utc>,
    /// Failed attempts so far; the day is given up at `deliver::MAX_DELIVERY_ATTEMPTS`.
    pub attempts: u32,
    /// As the engine stored it: text from outside, to be neutralised where it is shown.
    pub last_error: String,
}

/// Where publishing a message to an announcement channel's followers stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Publish {
    Pending,
    Done,
    /// Refused for good, or the channel's crosspost quota was reached: the reason.
    GivenUp(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlannedMessage {
    /// 0-based send order within the delivery.
    pub idx: u32,
    pub nonce: String,
    /// The exact JSON body to POST to Discord.
    pub body: Value,
    /// Set once Discord accepted the message.
    pub message_id: Option<u64>,
    /// `None` where nothing is published (not an auto-publish announcement channel).
    pub publish: Option<Publish>,
    /// For a forum post of its own (a forum in paper mode), the thread it opened, recorded
    /// with `message_id` (its starter message); for a message sent into the thread of a
    /// glance day, that thread.
    pub thread_id: Option<u64>,
    /// The name of the thread started from this message once it is sent (a glance day's
    /// index); the delivery's later messages go into it.
    pub opens_thread: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub channel_id: u64,
    pub date: NaiveDate,
    pub status: DeliveryStatus,
    /// Thread the messages go into (forum post or thread), once created.
    pub thread_id: Option<u64>,
    pub attempts: u32,
    pub last_error: Option<String>,
    /// When sending began (`None`: never tried, so nothing of it can be on Discord).
    pub started_at: Option<DateTime<Utc>>,
    /// In send order.
    pub messages: Vec<PlannedMessage>,
}

impl Delivery {
    /// The message a thread is started from (a glance day's index), if the plan has one.
    pub fn opener(&self) -> Option<&PlannedMessage> {
        self.messages.iter().find(|m| m.opens_thread.is_some())
    }

    /// Whether message `idx` goes into the delivery's thread rather than the channel: every
    /// message after the one that opens it.
    pub fn in_thread(&self, idx: u32) -> bool {
        self.opener().is_some_and(|o| idx > o.idx)
    }

    /// Messages still to send, in order; a resumed delivery continues from the first of these.
    pub fn unsent(&self) -> impl Iterator<Item = &PlannedMessage> {
        self.messages.iter().filter(|m| m.message_id.is_none())
    }

    /// Sent messages still to be published to followers.
    pub fn unpublished(&self) -> impl Iterator<Item = &PlannedMessage> {
        self.messages
            .iter()
            .filter(|m| m.message_id.is_some() && m.publish == Some(Publish::Pending))
    }
}

#[derive(sqlx::FromRow)]
struct DeliveryRow {
    channel_id: i64,
    digest_date: NaiveDate,
    status: String,
    thread_id: Option<i64>,
    attempts: i64,
    last_error: Option<String>,
    started_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct MessageRow {
    channel_id: i64,
    digest_date: NaiveDate,
    idx: i64,
    nonce: String,
    body: String,
    message_id: Option<i64>,
    publish: Option<String>,
    publish_error: Option<String>,
    thread_id: Option<i64>,
    opens_thread: Option<String>,
}

impl DeliveryRow {
    fn into_delivery(self, messages: Vec<PlannedMessage>) -> Result<Delivery, StoreError> {
        Ok(Delivery {
            channel_id: id_from_db(self.channel_id),
            date: self.digest_date,
            status: DeliveryStatus::from_db(&self.status)?,
            thread_id: self.thread_id.map(id_from_db),
            attempts: self.attempts.clamp(0, u32::MAX as i64) as u32,
            last_error: self.last_error,
            started_at: self.started_at,
            messages,
        })
    }
}

impl MessageRow {
    fn into_message(self) -> Result<PlannedMessage, StoreError> {
        let body = serde_json::from_str(&self.body).map_err(|e| {
            StoreError::Corrupt(format!(
                "body of message {} of channel {} on {}: {e}",
                self.idx, self.channel_id, self.digest_date
            ))
        })?;
        let publish = match self.publish.as_deref() {
            None => None,
            Some("pending") => Some(Publish::Pending),
            Some("done") => Some(Publish::Done),
            Some("given_up") => Some(Publish::GivenUp(self.publish_error.unwrap_or_default())),
            Some(other) => return Err(StoreError::Corrupt(format!("publish state {other:?}"))),
        };
        Ok(PlannedMessage {
            idx: self.idx as u32,
            nonce: self.nonce,
            body,
            message_id: self.message_id.map(id_from_db),
            publish,
            thread_id: self.thread_id.map(id_from_db),
            opens_thread: self.opens_thread,
        })
    }
}

const DELIVERY_COLUMNS: &str =
    "d.channel_id, d.digest_date, d.status, d.thread_id, d.attempts, d.last_error, d.started_at";
const MESSAGE_COLUMNS: &str =
    "m.channel_id, m.digest_date, m.idx, m.nonce, m.body, m.message_id, m.publish, m.publish_error, \
     m.thread_id, m.opens_thread";

fn check_nonces<'a>(nonces: impl IntoIterator<Item = &'a str>) -> Result<(), StoreError> {
    for nonce in nonces {
        let chars = nonce.chars().count();
        if chars == 0 || chars > MAX_NONCE_CHARS {
            return Err(StoreError::InvalidNonce {
                nonce: nonce.to_string(),
                limit: MAX_NONCE_CHARS,
            });
        }
    }
    Ok(())
}

fn status_for(message_count: usize) -> DeliveryStatus {
    // A day with nothing to post for this channel is settled the moment it is planned.
    if message_count == 0 {
        DeliveryStatus::Done
    } else {
        DeliveryStatus::Pending
    }
}

/// Reading a delivery with its messages, inside a transaction of either backend.
trait LoadDelivery {
    async fn load_delivery(
        &mut self,
        channel_id: u64,
        date: NaiveDate,
    ) -> Result<Option<Delivery>, StoreError>;
}

macro_rules! impl_load_delivery {
    ($conn:ty) => {
        impl LoadDelivery for $conn {
            async fn load_delivery(
                &mut self,
                channel_id: u64,
                date: NaiveDate,
            ) -> Result<Option<Delivery>, StoreError> {
                let conn = self;
                let row: Option<DeliveryRow> = sqlx::query_as(&format!(
                    "SELECT {DELIVERY_COLUMNS} FROM deliveries AS d \
         WHERE d.channel_id = $1 AND d.digest_date = $2"
                ))
                .bind(id_to_db(channel_id))
                .bind(date)
                .fetch_optional(&mut *conn)
                .await?;
                let Some(row) = row else {
                    return Ok(None);
                };
                let messages: Vec<MessageRow> = sqlx::query_as(&format!(
                    "SELECT {MESSAGE_COLUMNS} FROM delivery_messages AS m \
         WHERE m.channel_id = $1 AND m.digest_date = $2 ORDER BY m.idx"
                ))
                .bind(id_to_db(channel_id))
                .bind(date)
                .fetch_all(&mut *conn)
                .await?;
                let messages = messages
                    .into_iter()
                    .map(MessageRow::into_message)
                    .collect::<Result<_, _>>()?;
                row.into_delivery(messages).map(Some)
            }
        }
    };
}

impl_load_delivery!(sqlx::SqliteConnection);
impl_load_delivery!(sqlx::PgConnection);

fn not_planned(channel_id: u64, date: NaiveDate, idx: Option<u32>) -> StoreError {
    StoreError::NotPlanned {
        channel_id,
        date,
        idx,
    }
}

impl Store {
    /// Records everything that will be posted to `channel_id` for `date`, before the first
    /// message goes out. If the delivery was already planned (a restart, a second fan-out), the
    /// existing plan is returned untouched and `messages` is ignored: the plan never changes
    /// once sending may have begun. Zero messages record the day as done right away.
    #[tracing::instrument(skip_all, fields(channel_id = channel_id, date = %date, messages = messages.len()))]
    pub async fn plan_delivery(
        &self,
        channel_id: u64,
        date: NaiveDate,
        messages: &[(String, Value)],
    ) -> Result<Delivery, StoreError> {
        check_nonces(messages.iter().map(|(n, _)| n.as_str()))?;
        let status = status_for(messages.len());
        let now = self.now();
        with_write_tx!(self, |tx| {
            let inserted = sqlx::query(
            "INSERT INTO deliveries (channel_id, digest_date, status, planned_at, finished_at) \
             VALUES ($1, $2, $3, $4, CASE WHEN $3 = 'done' THEN $4 END) \
             ON CONFLICT (channel_id, digest_date) DO NOTHING",
        )
        .bind(id_to_db(channel_id))
        .bind(date)
        .bind(status.as_db())
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
            if !inserted {
                let existing = tx
                    .load_delivery(channel_id, date)
                    .await?
                    .ok_or_else(|| not_planned(channel_id, date, None))?;
                tx.commit().await?;
                tracing::debug!("already planned; keeping the existing plan");
                return Ok(existing);
            }
            let split: Vec<(Value, Option<String>)> =
                messages.iter().map(|(_, b)| split_opener(b)).collect();
            for (idx, ((nonce, _), (body, opens))) in messages.iter().zip(&split).enumerate() {
                sqlx::query(
                    "INSERT INTO delivery_messages \
                     (channel_id, digest_date, idx, nonce, body, opens_thread) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(id_to_db(channel_id))
                .bind(date)
                .bind(idx as i64)
                .bind(nonce)
                .bind(body.to_string())
                .bind(opens)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(Delivery {
                channel_id,
                date,
                status,
                thread_id: None,
                attempts: 0,
                last_error: None,
                started_at: None,
                messages: messages
                    .iter()
                    .zip(split)
                    .enumerate()
                    .map(|(idx, ((nonce, _), (body, opens_thread)))| PlannedMessage {
                        idx: idx as u32,
                        nonce: nonce.clone(),
                        body,
                        message_id: None,
                        publish: None,
                        thread_id: None,
                        opens_thread,
                    })
                    .collect(),
            })
        })
    }

    /// Plans many channels' deliveries for `date` in one transaction, skipping channels that
    /// already have a plan for that date (as [`Store::plan_delivery`] would). Rows go in as
    /// JSON arrays expanded by `json_each` (`jsonb_array_elements` on Postgres), a few
    /// statements per thousand channels instead of one per row, so a 10,000-channel fan-out
    /// holds the write lock only briefly. A channel listed
    /// twice is planned once, from its first entry. `source` is where the day's digest came
    /// from. A subscription's first planned date becomes its start date in the same
    /// transaction, so a crash can never leave a channel with a post but no start.
    #[tracing::instrument(skip_all, fields(date = %date, channels = items.len()))]
    pub async fn plan_deliveries(
        &self,
        date: NaiveDate,
        source: Option<&str>,
        items: &[(u64, Vec<(String, Value)>)],
        publishing: &HashSet<u64>,
        dms: &HashSet<u64>,
    ) -> Result<(), StoreError> {
        check_nonces(
            items
                .iter()
                .flat_map(|(_, msgs)| msgs.iter().map(|(n, _)| n.as_str())),
        )?;
        let mut seen = HashSet::with_capacity(items.len());
        let items: Vec<&(u64, Vec<(String, Value)>)> =
            items.iter().filter(|(id, _)| seen.insert(*id)).collect();
        if items.is_empty() {
            return Ok(());
        }

        let now = self.now();
        with_write_tx!(self, |tx| {
            let mut inserted: HashSet<u64> = HashSet::with_capacity(items.len());
            for chunk in items.chunks(BULK_CHUNK) {
                let rows: Vec<(i64, &str, &str)> = chunk
                    .iter()
                    .map(|(id, msgs)| {
                        let target = if dms.contains(id) { "dm" } else { "channel" };
                        (id_to_db(*id), status_for(msgs.len()).as_db(), target)
                    })
                    .collect();
                let ids: Vec<i64> = sqlx::query_scalar(self.sql(
                    "INSERT INTO deliveries \
                 (channel_id, digest_date, status, planned_at, finished_at, digest_source, target) \
                 SELECT json_extract(value, '$[0]'), $2, json_extract(value, '$[1]'), $3, \
                 CASE WHEN json_extract(value, '$[1]') = 'done' THEN $3 END, $4, \
                 json_extract(value, '$[2]') \
                 FROM json_each($1) WHERE true \
                 ON CONFLICT (channel_id, digest_date) DO NOTHING \
                 RETURNING channel_id",
                    "INSERT INTO deliveries \
                 (channel_id, digest_date, status, planned_at, finished_at, digest_source, target) \
                 SELECT (j.value ->> 0)::bigint, $2, j.value ->> 1, $3, \
                 CASE WHEN j.value ->> 1 = 'done' THEN $3 END, $4, j.value ->> 2 \
                 FROM jsonb_array_elements($1::jsonb) AS j (value) \
                 ON CONFLICT (channel_id, digest_date) DO NOTHING \
                 RETURNING channel_id",
                ))
                .bind(serde_json::to_string(&rows).expect("plain values always serialize"))
                .bind(date)
                .bind(now)
                .bind(source)
                .fetch_all(&mut *tx)
                .await?;
                let planned = serde_json::to_string(&ids).expect("plain values always serialize");
                sqlx::query(self.sql(
                    "UPDATE subscriptions SET start_date = $2 \
                 WHERE start_date IS NULL AND channel_id IN (SELECT value FROM json_each($1))",
                    "UPDATE subscriptions SET start_date = $2 WHERE start_date IS NULL \
                 AND channel_id IN (SELECT jsonb_array_elements_text($1::jsonb)::bigint)",
                ))
                .bind(&planned)
                .bind(date)
                .execute(&mut *tx)
                .await?;
                sqlx::query(self.sql(
                    "UPDATE alert_users SET start_date = $2 \
                 WHERE start_date IS NULL AND user_id IN (SELECT value FROM json_each($1))",
                    "UPDATE alert_users SET start_date = $2 WHERE start_date IS NULL \
                 AND user_id IN (SELECT jsonb_array_elements_text($1::jsonb)::bigint)",
                ))
                .bind(&planned)
                .bind(date)
                .execute(&mut *tx)
                .await?;
                inserted.extend(ids.into_iter().map(id_from_db));
            }

            type Row<'a> = (i64, usize, &'a str, String, Option<&'a str>, Option<String>);
            let messages: Vec<Row> = items
                .iter()
                .filter(|(id, _)| inserted.contains(id))
                .flat_map(|(id, msgs)| {
                    let split: Vec<(Value, Option<String>)> =
                        msgs.iter().map(|(_, b)| split_opener(b)).collect();
                    let opener = split.iter().position(|(_, o)| o.is_some());
                    let publishes = publishing.contains(id);
                    msgs.iter().zip(split).enumerate().map(
                        move |(idx, ((nonce, _), (body, opens)))| {
                            let publish =
                                (publishes && published(idx, opener)).then_some("pending");
                            (
                                id_to_db(*id),
                                idx,
                                nonce.as_str(),
                                body.to_string(),
                                publish,
                                opens,
                            )
                        },
                    )
                })
                .collect();
            for chunk in messages.chunks(BULK_CHUNK) {
                sqlx::query(self.sql(
                    "INSERT INTO delivery_messages \
                 (channel_id, digest_date, idx, nonce, body, publish, opens_thread) \
                 SELECT json_extract(value, '$[0]'), $2, json_extract(value, '$[1]'), \
                 json_extract(value, '$[2]'), json_extract(value, '$[3]'), \
                 json_extract(value, '$[4]'), json_extract(value, '$[5]') \
                 FROM json_each($1)",
                    "INSERT INTO delivery_messages \
                 (channel_id, digest_date, idx, nonce, body, publish, opens_thread) \
                 SELECT (j.value ->> 0)::bigint, $2, (j.value ->> 1)::bigint, j.value ->> 2, \
                 j.value ->> 3, j.value ->> 4, j.value ->> 5 \
                 FROM jsonb_array_elements($1::jsonb) AS j (value)",
                ))
                .bind(serde_json::to_string(chunk).expect("plain values always serialize"))
                .bind(date)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            tracing::debug!(planned = inserted.len(), "deliveries planned");
            Ok(())
        })
    }

    #[tracing::instrument(skip_all, fields(channel_id = channel_id, date = %date))]
    pub async fn delivery(
        &self,
        channel_id: u64,
        date: NaiveDate,
    ) -> Result<Option<Delivery>, StoreError> {
        // One read transaction so the delivery and its messages are a consistent snapshot.
        with_read_tx!(self, |tx| {
            let delivery = tx.load_delivery(channel_id, date).await?;
            tx.commit().await?;
            Ok(delivery)
        })
    }

    /// Marks one planned message as accepted by Discord. Called after every single send, so it
    /// is one UPDATE.
    #[tracing::instrument(skip_all, fields(channel_id = channel_id, date = %date, idx = idx, message_id = message_id))]
    pub async fn record_sent(
        &self,
        channel_id: u64,
        date: NaiveDate,
        idx: u32,
        message_id: u64,
    ) -> Result<(), StoreError> {
        let updated = with_pool!(self, |db| sqlx::query(
            "UPDATE delivery_messages SET message_id = $1, sent_at = $2 \
             WHERE channel_id = $3 AND digest_date = $4 AND idx = $5",
        )
        .bind(id_to_db(message_id))
        .bind(self.now())
        .bind(id_to_db(channel_id))
        .bind(date)
        .bind(i64::from(idx))
        .execute(db)
        .await
        .map(|r| r.rows_affected()))?;
        if updated == 0 {
            return Err(not_planned(channel_id, date, Some(idx)));
        }
        Ok(())
    }

    /// Notes that sending a delivery begins. Returns when it first began if an earlier attempt
    /// may have left a message on Discord unrecorded (it did not end cleanly: a crash, or a
    /// request whose effect is unknown), `None` when there is nothing to look for: the first
    /// attempt, or one released as settled ([`Store::release_delivery`]).
    #[tracing::instrument(skip_all, fields(channel_id = channel_id, date = %date))]
    pub async fn mark_started(
        &self,
        channel_id: u64,
        date: NaiveDate,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        let before: Option<(Option<DateTime<Utc>>, bool)> = with_pool!(self, |db| {
            sqlx::query_as(
            "SELECT started_at, unsettled FROM deliveries WHERE channel_id = $1 AND digest_date = $2",
        )
        .bind(id_to_db(channel_id))
        .bind(date)
        .fetch_optional(db)
        .await
        })?;
        let Some((started, unsettled)) = before else {
            return Err(not_planned(channel_id, date, None));
        };
        if started.is_none() || !unsettled {
            with_pool!(self, |db| sqlx::query(
                "UPDATE deliveries SET started_at = COALESCE(started_at, $1), unsettled = $4 \
                 WHERE channel_id = $2 AND digest_date = $3",
            )
            .bind(self.now())
            .bind(id_to_db(channel_id))
            .bind(date)
            .bind(true)
            .execute(db)
            .await
            .map(|r| r.rows_affected()))?;
        }
        Ok(started.filter(|_| unsettled))
    }

    /// A forum post was created: its thread and its starter message (message 0, whose id is the
    /// thread's) are recorded together, so a crash can never leave one without the other.
    #[tracing::instrument(skip_all, fields(channel_id = channel_id, date = %date, thread_id = thread_id))]
    pub async fn record_thread_start(
        &self,
        channel_id: u64,
        date: NaiveDate,
        thread_id: u64,
    ) -> Result<(), StoreError> {
        with_write_tx!(self, |tx| {
            let updated = sqlx::query(
                "UPDATE deliveries SET thread_id = $1 WHERE channel_id = $2 AND digest_date = $3",
            )
            .bind(id_to_db(thread_id))
            .bind(id_to_db(channel_id))
            .bind(date)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            let starter = sqlx::query(
                "UPDATE delivery_messages SET message_id = $1, sent_at = $2 \
             WHERE channel_id = $3 AND digest_date = $4 AND idx = 0",
            )
            .bind(id_to_db(thread_id))
            .bind(self.now())
            .bind(id_to_db(channel_id))
            .bind(date)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if updated == 0 || starter == 0 {
                return Err(not_planned(channel_id, date, Some(0)));
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// A forum post of its own (a forum in paper mode) was created: its thread and its starter
    /// message are recorded in one statement, so a crash can never leave one without the other.
    #[tracing::instrument(skip_all, fields(channel_id = channel_id, date = %date, idx = idx, thread_id = thread_id))]
    pub async fn record_post(
        &self,
        channel_id: u64,
        date: NaiveDate,
        idx: u32,
        thread_id: u64,
        message_id: u64,
    ) -> Result<(), StoreError> {
        let updated = with_pool!(self, |db| sqlx::query(
            "UPDATE delivery_messages SET thread_id = $1, message_id = $2, sent_at = $3 \
             WHERE channel_id = $4 AND digest_date = $5 AND idx = $6",
        )
        .bind(id_to_db(thread_id))
        .bind(id_to_db(message_id))
        .bind(self.now())
        .bind(id_to_db(channel_id))
        .bind(date)
        .bind(i64::from(idx))
        .execute(db)
        .await
        .map(|r| r.rows_affected()))?;
        if updated == 0 {
            return Err(not_planned(channel_id, date, Some(idx)));
        }
        Ok(())
    }

    /// The thread of a glance day was started from its index message (or, where it could not
    /// be, `thread_id` is the channel itself, so its cards go there): recorded on the delivery,
    /// where every later message of it is sent.
    #[tracing::instrument(skip_all, fields(channel_id = channel_id, date = %date, thread_id = thread_id))]
    pub async fn record_thread(
        &self,
        channel_id: u64,
        date: NaiveDate,
        thread_id: u64,
    ) -> Result<(), StoreError> {
        let updated = with_pool!(self, |db| sqlx::query(
            "UPDATE deliveries SET thread_id = $1 WHERE channel_id = $2 AND digest_date = $3",
        )
        .bind(id_to_db(thread_id))
        .bind(id_to_db(channel_id))
        .bind(date)
        .execute(db)
        .await
        .map(|r| r.rows_affected()))?;
        if updated == 0 {
            return Err(not_planned(channel_id, date, None));
        }
        Ok(())
    }

    /// A message sent into a glance day's thread: its id and the thread, in one statement, so
    /// a card can always be traced to the thread it is in.
    #[tracing::instrument(skip_all, fields(channel_id = channel_id, date = %date, idx = idx, message_id = message_id))]
    pub async fn record_sent_in(
        &self,
        channel_id: u64,
        date: NaiveDate,
        idx: u32,
        message_id: u64,
        thread_id: u64,
    ) -> Result<(), StoreError> {
        self.record_post(channel_id, date, idx, thread_id, message_id)
            .await
    }

    /// Settles publishing one message to followers.
    #[tracing::instrument(skip_all, fields(channel_id = channel_id, date = %date, idx = idx))]
    pub async fn record_published(
        &self,
        channel_id: u64,
        date: NaiveDate,
        idx: u32,
        outcome: &Publish,
    ) -> Result<(), StoreError> {
        let (state, error) = match outcome {
            Publish::Pending => ("pending", None),
            Publish::Done => ("done", None),
            Publish::GivenUp(why) => ("given_up", Some(why.as_str())),
        };
        let updated = with_pool!(self, |db| sqlx::query(
            "UPDATE delivery_messages SET publish = $1, publish_error = $2 \
             WHERE channel_id = $3 AND digest_date = $4 AND idx = $5",
        )
        .bind(state)
        .bind(error)
        .bind(id_to_db(channel_id))
        .bind(date)
        .bind(i64::from(idx))
        .execute(db)
        .await
        .map(|r| r.rows_affected()))?;
        if updated == 0 {
            return Err(not_planned(channel_id, date, Some(idx)));
        }
        Ok(())
    }

    /// Counts a failed attempt and keeps its error for the operator and retry decisions;
    /// returns the attempts so far.
    #[tracing::instrument(skip_all, fields(channel_id = channel_id, date = %date))]
    pub async fn record_attempt_error(
        &self,
        channel_id: u64,
        date: NaiveDate,
        error: &str,
    ) -> Result<u32, StoreError> {
        let attempts: Option<i64> = with_pool!(self, |db| sqlx::query_scalar(
            "UPDATE deliveries SET attempts = attempts + 1, last_error = $1 \
             WHERE channel_id = $2 AND digest_date = $3 RETURNING attempts",
        )
        .bind(error)
        .bind(id_to_db(channel_id))
        .bind(date)
        .fetch_optional(db)
        .await)?;
        match attempts {
            Some(n) => Ok(n.clamp(0, i64::from(u32::MAX)) as u32),
            None => Err(not_planned(channel_id, date, None)),
        }
    }

    /// Like [`Store::record_attempt_error`] for a delivery that failed because the channel is
    /// gone or closed to the bot (404 Unknown Channel, 403): the error is marked as such, and
    /// only these failures are reopened by [`Store::reopen_failed_deliveries`].
    pub async fn record_channel_unavailable(
        &self,
        channel_id: u64,
        date: NaiveDate,
        reason: &str,
    ) -> Result<(), StoreError> {
        self.record_attempt_error(channel_id, date, &format!("{CHANNEL_UNAVAILABLE}{reason}"))
            .await
            .map(|_| ())
    }

    /// Settles a delivery. Passing [`DeliveryStatus::Pending`] reopens it for another resume.
    #[tracing::instrument(skip_all, fields(channel_id = channel_id, date = %date, status = ?status))]
    pub async fn finish_delivery(
        &self,
        channel_id: u64,
        date: NaiveDate,
        status: DeliveryStatus,
    ) -> Result<(), StoreError> {
        let finished_at = (status != DeliveryStatus::Pending).then(|| self.now());
        let updated = with_pool!(self, |db| sqlx::query(
            "UPDATE deliveries SET status = $1, finished_at = $2 \
             WHERE channel_id = $3 AND digest_date = $4",
        )
        .bind(status.as_db())
        .bind(finished_at)
        .bind(id_to_db(channel_id))
        .bind(date)
        .execute(db)
        .await
        .map(|r| r.rows_affected()))?;
        if updated == 0 {
            return Err(not_planned(channel_id, date, None));
        }
        Ok(())
    }

    /// A channel's failed days from `since` on, oldest first, with why they failed.
    #[tracing::instrument(skip_all, fields(channel_id = channel_id, since = %since))]
    pub async fn failed_days(
        &self,
        channel_id: u64,
        since: NaiveDate,
    ) -> Result<Vec<(NaiveDate, Option<String>)>, StoreError> {
        let rows: Vec<(NaiveDate, Option<String>)> = with_pool!(self, |db| sqlx::query_as(
            "SELECT digest_date, last_error FROM deliveries \
             WHERE channel_id = $1 AND digest_date >= $2 AND status = 'failed' \
             ORDER BY digest_date",
        )
        .bind(id_to_db(channel_id))
        .bind(since)
        .fetch_all(db)
        .await)?;
        Ok(rows)
    }

    /// A person's given-up DM days from `since` on, oldest first, with why (the ledger keys a
    /// person's DMs by their user id, marked `target = 'dm'`).
    #[tracing::instrument(skip_all, fields(user_id = user_id, since = %since))]
    pub async fn failed_dm_days(
        &self,
        user_id: u64,
        since: NaiveDate,
    ) -> Result<Vec<(NaiveDate, Option<String>)>, StoreError> {
        let rows: Vec<(NaiveDate, Option<String>)> = with_pool!(self, |db| sqlx::query_as(
            "SELECT digest_date, last_error FROM deliveries \
             WHERE channel_id = $1 AND digest_date >= $2 AND status = 'failed' AND target = 'dm' \
             ORDER BY digest_date",
        )
        .bind(id_to_db(user_id))
        .bind(since)
        .fetch_all(db)
        .await)?;
        Ok(rows)
    }

    /// A channel's (or person's) days still pending after failed attempts, oldest first: the
    /// engine retries them every pass until they go out or are given up.
    #[tracing::instrument(skip_all, fields(channel_id = channel_id))]
    pub async fn retrying_days(&self, channel_id: u64) -> Result<Vec<RetryingDay>, StoreError> {
        type Row = (
            NaiveDate,
            Option<DateTime<Utc>>,
            DateTime<Utc>,
            i64,
            Option<String>,
        );
        let rows: Vec<Row> = with_pool!(self, |db| sqlx::query_as(
            "SELECT digest_date, started_at, planned_at, attempts, last_error FROM deliveries \
             WHERE channel_id = $1 AND status = 'pending' AND attempts > 0 \
             AND last_error IS NOT NULL ORDER BY digest_date",
        )
        .bind(id_to_db(channel_id))
        .fetch_all(db)
        .await)?;
        Ok(rows
            .into_iter()
            .map(|(date, started, planned, attempts, error)| RetryingDay {
                date,
                since: started.unwrap_or(planned),
                attempts: attempts.clamp(0, i64::from(u32::MAX)) as u32,
                last_error: error.unwrap_or_default(),
            })
            .collect())
    }

    /// `/papers retry`: the channel's failed days from `since` on are tried again, whatever
    /// failed them. A day none of whose messages went out is forgotten, so the next post plans
    /// it afresh (rendered again: a payload Discord rejected may render differently after an
    /// update); a partly sent one is reopened to resume where it stopped. Returns the dates.
    #[tracing::instrument(skip_all, fields(channel_id = channel_id, since = %since))]
    pub async fn retry_failed_days(
        &self,
        channel_id: u64,
        since: NaiveDate,
    ) -> Result<Vec<NaiveDate>, StoreError> {
        with_write_tx!(self, |tx| {
            let rows: Vec<(NaiveDate, i64)> = sqlx::query_as(
                "SELECT d.digest_date, \
             (SELECT count(*) FROM delivery_messages AS m WHERE m.channel_id = d.channel_id \
              AND m.digest_date = d.digest_date AND m.message_id IS NOT NULL) \
             FROM deliveries AS d \
             WHERE d.channel_id = $1 AND d.digest_date >= $2 AND d.status = 'failed' \
             ORDER BY d.digest_date",
            )
            .bind(id_to_db(channel_id))
            .bind(since)
            .fetch_all(&mut *tx)
            .await?;
            for (date, sent) in &rows {
                if *sent == 0 {
                    sqlx::query(
                        "DELETE FROM deliveries WHERE channel_id = $1 AND digest_date = $2",
                    )
                    .bind(id_to_db(channel_id))
                    .bind(*date)
                    .execute(&mut *tx)
                    .await?;
                } else {
                    sqlx::query(
                    "UPDATE deliveries SET status = 'pending', finished_at = NULL, attempts = 0 \
                     WHERE channel_id = $1 AND digest_date = $2",
                )
                .bind(id_to_db(channel_id))
                .bind(*date)
                .execute(&mut *tx)
                .await?;
                }
            }
            tx.commit().await?;
            Ok(rows.into_iter().map(|(d, _)| d).collect())
        })
    }

    /// Reopens a channel's failed deliveries from `since` on, so that `/papers resume` after a
    /// permission fix still brings the day that failed instead of silently skipping it. Only
    /// failures caused by the channel being unreachable ([`Store::record_channel_unavailable`])
    /// are reopened, plus failed rows with no recorded reason at all (none of the engine's
    /// failures is written that way); an unsubscribed day, a payload Discord rejected or a
    /// digest that never became readable stays failed.
    #[tracing::instrument(skip_all, fields(channel_id = channel_id, since = %since))]
    pub async fn reopen_failed_deliveries(
        &self,
        channel_id: u64,
        since: NaiveDate,
    ) -> Result<u64, StoreError> {
        let reopened = with_pool!(self, |db| sqlx::query(
            "UPDATE deliveries SET status = 'pending', finished_at = NULL \
             WHERE channel_id = $1 AND status = 'failed' AND digest_date >= $2 \
             AND (last_error IS NULL OR substr(last_error, 1, length($3)) = $3)",
        )
        .bind(id_to_db(channel_id))
        .bind(since)
        .bind(CHANNEL_UNAVAILABLE)
        .execute(db)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(reopened)
    }

    /// Just the keys of unfinished deliveries, oldest date first: resuming a large crashed
    /// fan-out must not load every stored message body at once.
    #[tracing::instrument(skip_all)]
    pub async fn pending_delivery_keys(&self) -> Result<Vec<(u64, NaiveDate)>, StoreError> {
        let rows: Vec<(i64, NaiveDate)> = with_pool!(self, |db| sqlx::query_as(
            "SELECT channel_id, digest_date FROM deliveries WHERE status = 'pending' \
             ORDER BY digest_date, channel_id",
        )
        .fetch_all(db)
        .await)?;
        Ok(rows.into_iter().map(|(c, d)| (id_from_db(c), d)).collect())
    }

    /// Every channel's dates on or after `since` with a ledger entry in any status: a date a
    /// channel has (or had, or gave up on) is never planned for it again.
    #[tracing::instrument(skip_all, fields(since = %since))]
    pub async fn received_dates(
        &self,
        since: NaiveDate,
    ) -> Result<HashMap<u64, BTreeSet<NaiveDate>>, StoreError> {
        let rows: Vec<(i64, NaiveDate)> = with_pool!(self, |db| sqlx::query_as(
            "SELECT channel_id, digest_date FROM deliveries WHERE digest_date >= $1"
        )
        .bind(since)
        .fetch_all(db)
        .await)?;
        let mut out: HashMap<u64, BTreeSet<NaiveDate>> = HashMap::new();
        for (channel, date) in rows {
            out.entry(id_from_db(channel)).or_default().insert(date);
        }
        Ok(out)
    }

    /// The newest date the channel has a ledger entry for, in any status.
    #[tracing::instrument(skip_all, fields(channel_id = channel_id))]
    pub async fn newest_received(&self, channel_id: u64) -> Result<Option<NaiveDate>, StoreError> {
        Ok(with_pool!(self, |db| sqlx::query_scalar(
            "SELECT MAX(digest_date) FROM deliveries WHERE channel_id = $1"
        )
        .bind(id_to_db(channel_id))
        .fetch_one(db)
        .await)?)
    }

    /// The channel's newest date that really posted something, where its digest came from and
    /// when its last message went out.
    #[tracing::instrument(skip_all, fields(channel_id = channel_id))]
    pub async fn last_post(&self, channel_id: u64) -> Result<Option<LastPost>, StoreError> {
        let row: Option<(NaiveDate, Option<String>, DateTime<Utc>)> = with_pool!(self, |db| {
            sqlx::query_as(
            "SELECT d.digest_date, d.digest_source, MAX(m.sent_at) FROM deliveries AS d \
             JOIN delivery_messages AS m \
               ON m.channel_id = d.channel_id AND m.digest_date = d.digest_date \
             WHERE d.channel_id = $1 AND m.message_id IS NOT NULL AND m.sent_at IS NOT NULL \
             GROUP BY d.channel_id, d.digest_date, d.digest_source ORDER BY d.digest_date DESC LIMIT 1",
        )
        .bind(id_to_db(channel_id))
        .fetch_optional(db)
        .await
        })?;
        Ok(row.map(|(date, source, at)| LastPost { date, source, at }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Views of the ledger the tests read; the engine itself needs only the keys.
    impl Store {
        pub(crate) async fn pending_deliveries(&self) -> Result<Vec<Delivery>, StoreError> {
            let mut out = Vec::new();
            for (c, d) in self.pending_delivery_keys().await? {
                out.extend(self.delivery(c, d).await?);
            }
            Ok(out)
        }

        async fn delivered_dates(
            &self,
            channel_id: u64,
            since: NaiveDate,
        ) -> Result<Vec<NaiveDate>, StoreError> {
            Ok(with_pool!(self, |db| {
                sqlx::query_scalar(
                "SELECT digest_date FROM deliveries \
                 WHERE channel_id = $1 AND digest_date >= $2 AND status = 'done' ORDER BY digest_date",
            )
            .bind(id_to_db(channel_id))
            .bind(since)
            .fetch_all(db)
            .await
            })?)
        }

        async fn existing_deliveries(&self, date: NaiveDate) -> Result<HashSet<u64>, StoreError> {
            Ok(self
                .received_dates(date)
                .await?
                .into_iter()
                .filter(|(_, dates)| dates.contains(&date))
                .map(|(c, _)| c)
                .collect())
        }

        async fn set_delivery_thread(
            &self,
            channel_id: u64,
            date: NaiveDate,
            thread_id: u64,
        ) -> Result<(), StoreError> {
            let n = with_pool!(self, |db| {
                sqlx::query(
                "UPDATE deliveries SET thread_id = $1 WHERE channel_id = $2 AND digest_date = $3",
            )
            .bind(id_to_db(thread_id))
            .bind(id_to_db(channel_id))
            .bind(date)
            .execute(db)
            .await.map(|r| r.rows_affected())
            })?;
            if n == 0 {
                return Err(not_planned(channel_id, date, None));
            }
            Ok(())
        }

        async fn record_failed_delivery(
            &self,
            channel_id: u64,
            date: NaiveDate,
            error: &str,
        ) -> Result<bool, StoreError> {
            let n = with_pool!(self, |db| sqlx::query(
                "INSERT INTO deliveries \
                 (channel_id, digest_date, status, planned_at, finished_at, attempts, last_error) \
                 VALUES ($1, $2, 'failed', $3, $3, 1, $4) \
                 ON CONFLICT (channel_id, digest_date) DO NOTHING",
            )
            .bind(id_to_db(channel_id))
            .bind(date)
            .bind(self.now())
            .bind(error)
            .execute(db)
            .await
            .map(|r| r.rows_affected()))?;
            Ok(n == 1)
        }
    }
    use std::time::Instant;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 2, d).unwrap()
    }

    fn msgs(prefix: &str, n: usize) -> Vec<(String, Value)> {
        (0..n)
            .map(|i| {
                (
                    format!("{prefix}-{i}"),
                    json!({
                        "content": format!("part {i} — 논문 ✨"),
                        "embeds": [{"title": "A \"quoted\" title", "fields": []}],
                        "allowed_mentions": {"parse": []},
                        "nonce": format!("{prefix}-{i}"),
                        "enforce_nonce": true
                    }),
                )
            })
            .collect()
    }

    #[tokio::test]
    async fn fan_out_of_ten_thousand_channels() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("fanout.db")).await.unwrap();
        fan_out_of_ten_thousand(store).await;
    }

    #[tokio::test]
    async fn postgres_fan_out_of_ten_thousand_channels() {
        if let Some(store) = crate::store::testing::postgres().await {
            fan_out_of_ten_thousand(store).await;
        }
    }

    async fn fan_out_of_ten_thousand(store: Store) {
        let items: Vec<(u64, Vec<(String, Value)>)> = (0..10_000u64)
            .map(|c| {
                let n = (c % 4) as usize; // some channels have nothing to post
                (
                    1_000_000_000_000_000_000 + c,
                    (0..n)
                        .map(|i| (format!("{c}:{i}"), json!({"content": format!("{c}/{i}")})))
                        .collect(),
                )
            })
            .collect();
        let started = Instant::now();
        store
            .plan_deliveries(day(7), None, &items, &HashSet::new(), &HashSet::new())
            .await
            .unwrap();
        let elapsed = started.elapsed();
        eprintln!("planned 10,000 deliveries in {elapsed:?}");
        assert!(elapsed.as_secs() < 20, "fan-out planning took {elapsed:?}");

        assert_eq!(
            store.existing_deliveries(day(7)).await.unwrap().len(),
            10_000
        );
        assert_eq!(store.pending_deliveries().await.unwrap().len(), 7_500);
        let messages: i64 = with_pool!(store, |db| sqlx::query_scalar(
            "SELECT count(*) FROM delivery_messages"
        )
        .fetch_one(db)
        .await)
        .unwrap();
        assert_eq!(messages, 15_000);

        // Running the fan-out again plans nothing new.
        store
            .plan_deliveries(day(7), None, &items, &HashSet::new(), &HashSet::new())
            .await
            .unwrap();
        let messages_again: i64 = with_pool!(store, |db| sqlx::query_scalar(
            "SELECT count(*) FROM delivery_messages"
        )
        .fetch_one(db)
        .await)
        .unwrap();
        assert_eq!(messages_again, 15_000);
        store.close().await;
    }

    store_tests! {
        async fn plan_round_trips_and_is_idempotent(store) {
            let channel = 1_111_111_111_111_111_111;
            let planned = store
                .plan_delivery(channel, day(1), &msgs("a", 3))
                .await
                .unwrap();
            assert_eq!(planned.status, DeliveryStatus::Pending);
            assert_eq!(planned.messages.len(), 3);
            assert_eq!(planned.messages[2].idx, 2);
            assert_eq!(planned.messages[2].body, msgs("a", 3)[2].1);

            let loaded = store.delivery(channel, day(1)).await.unwrap().unwrap();
            assert_eq!(loaded, planned);

            // Re-planning with different content returns the original plan unchanged.
            store.record_sent(channel, day(1), 0, 42).await.unwrap();
            let again = store
                .plan_delivery(channel, day(1), &msgs("b", 5))
                .await
                .unwrap();
            assert_eq!(again.messages.len(), 3);
            assert_eq!(again.messages[0].nonce, "a-0");
            assert_eq!(again.messages[0].message_id, Some(42));
            assert_eq!(
                store.delivery(channel, day(1)).await.unwrap().unwrap(),
                again
            );

            assert_eq!(store.delivery(channel, day(2)).await.unwrap(), None);
        }

        async fn a_glance_day_keeps_its_opener_its_thread_and_each_cards_thread(store) {
            // Channel 5 (an announcement channel) in bulk, channel 6 alone: the index (message
            // 0) opens the thread, its cards follow in it.
            let mut plan = msgs("g", 3);
            plan[0].1[OPENS_THREAD] = json!("Daily Papers — 2025-02-19");
            let other: Vec<(String, Value)> = msgs("h", 3)
                .into_iter()
                .enumerate()
                .map(|(i, (n, mut b))| {
                    if i == 0 {
                        b[OPENS_THREAD] = json!("Daily Papers — 2025-02-19");
                    }
                    (n, b)
                })
                .collect();
            store
                .plan_deliveries(day(4), None, &[(5, plan)], &HashSet::from([5]), &HashSet::new())
                .await
                .unwrap();
            let single = store.plan_delivery(6, day(4), &other).await.unwrap();
            for d in [store.delivery(5, day(4)).await.unwrap().unwrap(), single] {
                let opener = d.opener().expect("the index opens the thread");
                assert_eq!(opener.idx, 0);
                assert_eq!(opener.opens_thread.as_deref(), Some("Daily Papers — 2025-02-19"));
                // What is sent is Discord's message alone.
                assert!(d.messages.iter().all(|m| m.body.get(OPENS_THREAD).is_none()));
                assert!(!d.in_thread(0) && d.in_thread(1) && d.in_thread(2));
            }
            // Only the index is published to followers.
            let d = store.delivery(5, day(4)).await.unwrap().unwrap();
            let publish: Vec<Option<Publish>> = d.messages.iter().map(|m| m.publish.clone()).collect();
            assert_eq!(publish, vec![Some(Publish::Pending), None, None]);

            // The index, the thread started from it (its id), each card with its thread.
            store.record_sent(5, day(4), 0, 900).await.unwrap();
            store.record_thread(5, day(4), 900).await.unwrap();
            store.record_sent_in(5, day(4), 1, 901, 900).await.unwrap();
            store.record_sent_in(5, day(4), 2, 902, 900).await.unwrap();
            let d = store.delivery(5, day(4)).await.unwrap().unwrap();
            assert_eq!(d.thread_id, Some(900));
            let threads: Vec<Option<u64>> = d.messages.iter().map(|m| m.thread_id).collect();
            assert_eq!(threads, vec![None, Some(900), Some(900)]);
            assert!(store.record_thread(9, day(4), 1).await.is_err());
        }

        async fn empty_plan_is_done_immediately(store) {
            let planned = store.plan_delivery(1, day(1), &[]).await.unwrap();
            assert_eq!(planned.status, DeliveryStatus::Done);
            assert!(planned.messages.is_empty());
            assert_eq!(store.delivery(1, day(1)).await.unwrap().unwrap(), planned);
            assert!(store.pending_deliveries().await.unwrap().is_empty());
            assert_eq!(
                store.delivered_dates(1, day(1)).await.unwrap(),
                vec![day(1)]
            );
        }

        async fn nonces_are_checked_and_globally_unique(store) {
            let long = vec![("x".repeat(26), json!({}))];
            let err = store.plan_delivery(1, day(1), &long).await.unwrap_err();
            assert!(matches!(err, StoreError::InvalidNonce { .. }));
            let empty = vec![(String::new(), json!({}))];
            assert!(store.plan_delivery(1, day(1), &empty).await.is_err());
            assert_eq!(store.delivery(1, day(1)).await.unwrap(), None);

            store
                .plan_delivery(1, day(1), &[("same".into(), json!({}))])
                .await
                .unwrap();
            let err = store
                .plan_delivery(2, day(1), &[("same".into(), json!({}))])
                .await
                .unwrap_err();
            assert!(matches!(err, StoreError::Database(_)));
            // The failed plan left nothing behind, not even the delivery row.
            assert_eq!(store.delivery(2, day(1)).await.unwrap(), None);
        }

        async fn record_sent_thread_errors_and_resume(store) {
            store.plan_delivery(7, day(3), &msgs("r", 3)).await.unwrap();
            store
                .set_delivery_thread(7, day(3), 9_000_000_000_000_000_009)
                .await
                .unwrap();
            store
                .record_sent(7, day(3), 0, 1_000_000_000_000_000_001)
                .await
                .unwrap();
            store
                .record_attempt_error(7, day(3), "HTTP 500")
                .await
                .unwrap();
            store
                .record_attempt_error(7, day(3), "timeout")
                .await
                .unwrap();

            // What a restarted engine sees.
            let pending = store.pending_deliveries().await.unwrap();
            assert_eq!(pending.len(), 1);
            let d = &pending[0];
            assert_eq!(d.thread_id, Some(9_000_000_000_000_000_009));
            assert_eq!(d.attempts, 2);
            assert_eq!(d.last_error.as_deref(), Some("timeout"));
            assert_eq!(d.messages[0].message_id, Some(1_000_000_000_000_000_001));
            let unsent: Vec<u32> = d.unsent().map(|m| m.idx).collect();
            assert_eq!(unsent, vec![1, 2]);

            store.record_sent(7, day(3), 1, 2).await.unwrap();
            store.record_sent(7, day(3), 2, 3).await.unwrap();
            store
                .finish_delivery(7, day(3), DeliveryStatus::Done)
                .await
                .unwrap();
            assert!(store.pending_deliveries().await.unwrap().is_empty());
            let done = store.delivery(7, day(3)).await.unwrap().unwrap();
            assert_eq!(done.status, DeliveryStatus::Done);
            assert_eq!(done.unsent().count(), 0);
            let finished: Option<DateTime<Utc>> = with_pool!(store, |db| sqlx::query_scalar(
                "SELECT finished_at FROM deliveries WHERE channel_id = 7"
            )
            .fetch_one(db)
            .await)
            .unwrap();
            assert!(finished.is_some());

            // Reopening clears finished_at.
            store
                .finish_delivery(7, day(3), DeliveryStatus::Pending)
                .await
                .unwrap();
            assert_eq!(store.pending_deliveries().await.unwrap().len(), 1);
            store
                .finish_delivery(7, day(3), DeliveryStatus::Failed)
                .await
                .unwrap();
            assert_eq!(
                store.delivery(7, day(3)).await.unwrap().unwrap().status,
                DeliveryStatus::Failed
            );
        }

        async fn updates_on_unplanned_deliveries_are_errors(store) {
            store.plan_delivery(1, day(1), &msgs("u", 1)).await.unwrap();
            assert!(matches!(
                store.record_sent(1, day(1), 5, 1).await,
                Err(StoreError::NotPlanned { idx: Some(5), .. })
            ));
            assert!(store.record_sent(2, day(1), 0, 1).await.is_err());
            assert!(store.set_delivery_thread(2, day(1), 1).await.is_err());
            assert!(store.record_attempt_error(2, day(1), "x").await.is_err());
            assert!(store
                .finish_delivery(1, day(2), DeliveryStatus::Done)
                .await
                .is_err());
        }

        async fn pending_is_oldest_date_first(store) {
            store
                .plan_delivery(5, day(3), &msgs("p53", 1))
                .await
                .unwrap();
            store
                .plan_delivery(9, day(1), &msgs("p91", 2))
                .await
                .unwrap();
            store
                .plan_delivery(2, day(3), &msgs("p23", 1))
                .await
                .unwrap();
            store
                .plan_delivery(4, day(2), &msgs("p42", 1))
                .await
                .unwrap();
            store
                .plan_delivery(3, day(2), &msgs("p32", 1))
                .await
                .unwrap();
            store
                .finish_delivery(3, day(2), DeliveryStatus::Done)
                .await
                .unwrap();

            let order: Vec<(NaiveDate, u64, usize)> = store
                .pending_deliveries()
                .await
                .unwrap()
                .iter()
                .map(|d| (d.date, d.channel_id, d.messages.len()))
                .collect();
            assert_eq!(
                order,
                vec![
                    (day(1), 9, 2),
                    (day(2), 4, 1),
                    (day(3), 2, 1),
                    (day(3), 5, 1)
                ]
            );
            assert_eq!(
                store.pending_delivery_keys().await.unwrap(),
                vec![(9, day(1)), (4, day(2)), (2, day(3)), (5, day(3))]
            );
        }

        async fn reopening_failed_deliveries_respects_channel_and_date(store) {
            for (ch, d, n) in [(7, 1, "a71"), (7, 3, "a73"), (8, 3, "a83")] {
                store.plan_delivery(ch, day(d), &msgs(n, 1)).await.unwrap();
                store
                    .record_channel_unavailable(ch, day(d), "404 Unknown Channel")
                    .await
                    .unwrap();
                store
                    .finish_delivery(ch, day(d), DeliveryStatus::Failed)
                    .await
                    .unwrap();
            }
            store
                .plan_delivery(7, day(4), &msgs("a74", 1))
                .await
                .unwrap();
            store
                .finish_delivery(7, day(4), DeliveryStatus::Done)
                .await
                .unwrap();

            assert_eq!(store.reopen_failed_deliveries(7, day(2)).await.unwrap(), 1);
            assert_eq!(
                store.pending_delivery_keys().await.unwrap(),
                vec![(7, day(3))]
            );
            let old = store.delivery(7, day(1)).await.unwrap().unwrap();
            assert_eq!(old.status, DeliveryStatus::Failed);
            let done = store.delivery(7, day(4)).await.unwrap().unwrap();
            assert_eq!(done.status, DeliveryStatus::Done);
            let reopened = store.delivery(7, day(3)).await.unwrap().unwrap();
            assert_eq!(
                reopened.last_error.as_deref(),
                Some("channel unavailable: 404 Unknown Channel")
            );
        }

        async fn only_failures_of_an_unreachable_channel_are_reopened(store) {
            let failed = |d: u32, n: &'static str, why: Option<&'static str>, gone: bool| {
                let store = store.clone();
                async move {
                    store.plan_delivery(7, day(d), &msgs(n, 1)).await.unwrap();
                    if let Some(why) = why {
                        if gone {
                            store
                                .record_channel_unavailable(7, day(d), why)
                                .await
                                .unwrap();
                        } else {
                            store.record_attempt_error(7, day(d), why).await.unwrap();
                        }
                    }
                    store
                        .finish_delivery(7, day(d), DeliveryStatus::Failed)
                        .await
                        .unwrap();
                }
            };
            failed(1, "b1", Some("403 Missing Permissions"), true).await;
            failed(2, "b2", Some("unsubscribed"), false).await;
            failed(3, "b3", Some("400 Invalid Form Body: embeds"), false).await;
            failed(4, "b4", Some("Rejected(\"HTTP 400, code 50006\")"), false).await;
            // A reason that merely mentions the words is not the marker.
            failed(5, "b5", Some("not a channel unavailable: case"), false).await;
            // No reason recorded at all (not written by the engine): reopened, as before.
            failed(6, "b6", None, false).await;
            store
                .record_failed_delivery(7, day(7), "the digest could not be read")
                .await
                .unwrap();

            assert_eq!(store.reopen_failed_deliveries(7, day(1)).await.unwrap(), 2);
            assert_eq!(
                store.pending_delivery_keys().await.unwrap(),
                vec![(7, day(1)), (7, day(6))]
            );
            for d in [2, 3, 4, 5, 7] {
                let kept = store.delivery(7, day(d)).await.unwrap().unwrap();
                assert_eq!(kept.status, DeliveryStatus::Failed, "day {d}");
            }
            // A second resume finds nothing more to reopen.
            assert_eq!(store.reopen_failed_deliveries(7, day(1)).await.unwrap(), 0);
        }

        async fn delivered_dates_and_existing(store) {
            for d in [1, 2, 3, 4] {
                store
                    .plan_delivery(1, day(d), &msgs(&format!("d{d}"), 1))
                    .await
                    .unwrap();
            }
            store
                .finish_delivery(1, day(1), DeliveryStatus::Done)
                .await
                .unwrap();
            store
                .finish_delivery(1, day(3), DeliveryStatus::Done)
                .await
                .unwrap();
            store
                .finish_delivery(1, day(4), DeliveryStatus::Failed)
                .await
                .unwrap();
            assert_eq!(
                store.delivered_dates(1, day(1)).await.unwrap(),
                vec![day(1), day(3)]
            );
            assert_eq!(
                store.delivered_dates(1, day(2)).await.unwrap(),
                vec![day(3)]
            );
            assert!(store.delivered_dates(2, day(1)).await.unwrap().is_empty());

            store.plan_delivery(8, day(2), &[]).await.unwrap();
            assert_eq!(
                store.existing_deliveries(day(2)).await.unwrap(),
                HashSet::from([1, 8])
            );
            assert!(store.existing_deliveries(day(9)).await.unwrap().is_empty());
        }

        async fn batch_plan_skips_existing_and_matches_single_plans(store) {
            let existing = store
                .plan_delivery(2, day(5), &msgs("old", 1))
                .await
                .unwrap();
            let big = 1_400_000_000_000_000_003u64;
            store
                .plan_deliveries(
                    day(5),
                    None,
                    &[
                        (1, msgs("c1", 2)),
                        (2, msgs("c2", 3)),
                        (big, vec![]),
                        (1, msgs("dup", 4)),
                    ],
                    &HashSet::from([2]),
                    &HashSet::new(),
                )
                .await
                .unwrap();
            assert_eq!(store.delivery(2, day(5)).await.unwrap().unwrap(), existing);
            let one = store.delivery(1, day(5)).await.unwrap().unwrap();
            assert_eq!(one.status, DeliveryStatus::Pending);
            assert_eq!(one.messages.len(), 2);
            assert_eq!(one.messages[1].nonce, "c1-1");
            assert_eq!(one.messages[1].body, msgs("c1", 2)[1].1);
            let empty = store.delivery(big, day(5)).await.unwrap().unwrap();
            assert_eq!(empty.status, DeliveryStatus::Done);
            assert_eq!(
                store.delivered_dates(big, day(1)).await.unwrap(),
                vec![day(5)]
            );

            store
                .plan_deliveries(day(5), None, &[], &HashSet::new(), &HashSet::new())
                .await
                .unwrap();
            let err = store
                .plan_deliveries(
                    day(6),
                    None,
                    &[(1, vec![("n".repeat(30), json!({}))])],
                    &HashSet::new(),
                    &HashSet::new(),
                )
                .await
                .unwrap_err();
            assert!(matches!(err, StoreError::InvalidNonce { .. }));
        }

        async fn starts_threads_and_publishes_are_recorded(store) {
            store
                .plan_deliveries(
                    day(8),
                    None,
                    &[(3, msgs("f", 2)), (4, msgs("a", 2))],
                    &HashSet::from([4]),
                    &HashSet::new(),
                )
                .await
                .unwrap();
            assert_eq!(store.mark_started(3, day(8)).await.unwrap(), None);
            let first = store.delivery(3, day(8)).await.unwrap().unwrap().started_at;
            assert!(first.is_some());
            assert_eq!(store.mark_started(3, day(8)).await.unwrap(), first);
            assert!(store.mark_started(9, day(8)).await.is_err());
            // Left cleanly, nothing is unaccounted for: the next attempt need not look.
            store.claim_delivery(3, day(8), "p", store.now() + chrono::Duration::seconds(30)).await.unwrap();
            store.release_delivery(3, day(8), "p", true).await.unwrap();
            assert_eq!(store.mark_started(3, day(8)).await.unwrap(), None);
            // That attempt began, and died without releasing: the next one looks again.
            assert_eq!(store.mark_started(3, day(8)).await.unwrap(), first);
            // Released unsure (an unanswered request): looks too.
            store.claim_delivery(3, day(8), "p", store.now() + chrono::Duration::seconds(30)).await.unwrap();
            store.release_delivery(3, day(8), "p", false).await.unwrap();
            assert_eq!(store.mark_started(3, day(8)).await.unwrap(), first);
            // A forum post: thread and starter message in one go.
            store.record_thread_start(3, day(8), 777).await.unwrap();
            let forum = store.delivery(3, day(8)).await.unwrap().unwrap();
            assert_eq!(forum.thread_id, Some(777));
            assert_eq!(forum.messages[0].message_id, Some(777));
            assert_eq!(forum.unsent().map(|m| m.idx).collect::<Vec<_>>(), vec![1]);
            assert!(forum.messages.iter().all(|m| m.publish.is_none()));
            // An announcement channel's messages wait to be published.
            store.record_sent(4, day(8), 0, 50).await.unwrap();
            let ann = store.delivery(4, day(8)).await.unwrap().unwrap();
            assert_eq!(
                ann.unpublished().map(|m| m.idx).collect::<Vec<_>>(),
                vec![0]
            );
            store
                .record_published(4, day(8), 0, &Publish::Done)
                .await
                .unwrap();
            store
                .record_published(4, day(8), 1, &Publish::GivenUp("quota".into()))
                .await
                .unwrap();
            let ann = store.delivery(4, day(8)).await.unwrap().unwrap();
            assert_eq!(ann.unpublished().count(), 0);
            assert_eq!(
                ann.messages[1].publish,
                Some(Publish::GivenUp("quota".into()))
            );
        }

        async fn a_paper_posts_thread_and_starter_message_are_recorded_together(store) {
            let forum = 5_555;
            store.plan_delivery(forum, day(9), &msgs("post", 3)).await.unwrap();
            store.record_post(forum, day(9), 1, 901, 902).await.unwrap();
            let d = store.delivery(forum, day(9)).await.unwrap().unwrap();
            assert_eq!((d.messages[1].thread_id, d.messages[1].message_id), (Some(901), Some(902)));
            // Each post is a thread of its own; the delivery has no day thread.
            assert_eq!(d.thread_id, None);
            assert_eq!(d.unsent().map(|m| m.idx).collect::<Vec<_>>(), vec![0, 2]);
            assert!(d.messages.iter().filter(|m| m.idx != 1).all(|m| m.thread_id.is_none()));
            // Other messages are recorded without a thread, as ever.
            store.record_sent(forum, day(9), 0, 42).await.unwrap();
            let d = store.delivery(forum, day(9)).await.unwrap().unwrap();
            assert_eq!((d.messages[0].thread_id, d.messages[0].message_id), (None, Some(42)));
            assert!(matches!(
                store.record_post(forum, day(9), 7, 1, 1).await,
                Err(StoreError::NotPlanned { idx: Some(7), .. })
            ));
        }

        async fn failed_days_are_listed_and_retried(store) {
            for (d, n) in [(1, "r1"), (2, "r2"), (3, "r3")] {
                store.plan_delivery(9, day(d), &msgs(n, 2)).await.unwrap();
            }
            // Day 1: rejected before anything went out. Day 2: message 0 out, then rejected.
            store
                .record_attempt_error(9, day(1), "400 Invalid Form Body")
                .await
                .unwrap();
            store
                .finish_delivery(9, day(1), DeliveryStatus::Failed)
                .await
                .unwrap();
            store.record_sent(9, day(2), 0, 77).await.unwrap();
            store
                .record_attempt_error(9, day(2), "gave up")
                .await
                .unwrap();
            store
                .finish_delivery(9, day(2), DeliveryStatus::Failed)
                .await
                .unwrap();
            let failed = store.failed_days(9, day(1)).await.unwrap();
            assert_eq!(
                failed,
                vec![
                    (day(1), Some("400 Invalid Form Body".to_string())),
                    (day(2), Some("gave up".to_string()))
                ]
            );
            assert_eq!(
                store.retry_failed_days(9, day(1)).await.unwrap(),
                vec![day(1), day(2)]
            );
            // Day 1 will be planned afresh; day 2 resumes from message 1.
            assert_eq!(store.delivery(9, day(1)).await.unwrap(), None);
            let d2 = store.delivery(9, day(2)).await.unwrap().unwrap();
            assert_eq!(d2.status, DeliveryStatus::Pending);
            assert_eq!(d2.attempts, 0);
            assert_eq!(d2.unsent().map(|m| m.idx).collect::<Vec<_>>(), vec![1]);
            assert!(store.failed_days(9, day(1)).await.unwrap().is_empty());
        }

        async fn retrying_days_are_pending_ones_with_a_failed_attempt(store) {
            for (d, n) in [(1, "t1"), (2, "t2"), (3, "t3"), (4, "t4")] {
                store.plan_delivery(6, day(d), &msgs(n, 1)).await.unwrap();
            }
            // Day 1: planned, never tried. Day 2: two failed attempts. Day 3: failed once,
            // then given up. Day 4: failed once, then went out.
            assert!(store.mark_started(6, day(2)).await.unwrap().is_none());
            let began = store.delivery(6, day(2)).await.unwrap().unwrap().started_at.unwrap();
            store.record_attempt_error(6, day(2), "HTTP 502, code -1: first").await.unwrap();
            store.record_attempt_error(6, day(2), "HTTP 503, code -1: second").await.unwrap();
            store.record_attempt_error(6, day(3), "HTTP 500").await.unwrap();
            store.finish_delivery(6, day(3), DeliveryStatus::Failed).await.unwrap();
            store.record_attempt_error(6, day(4), "timeout").await.unwrap();
            store.finish_delivery(6, day(4), DeliveryStatus::Done).await.unwrap();
            // Someone else's failing day is not this channel's.
            store.plan_delivery(8, day(2), &msgs("o2", 1)).await.unwrap();
            store.record_attempt_error(8, day(2), "HTTP 500").await.unwrap();

            let retrying = store.retrying_days(6).await.unwrap();
            assert_eq!(
                retrying,
                vec![RetryingDay {
                    date: day(2),
                    since: began,
                    attempts: 2,
                    last_error: "HTTP 503, code -1: second".into(),
                }]
            );
            // Never started (failed before sending began): failing since it was planned.
            store.plan_delivery(6, day(5), &msgs("t5", 1)).await.unwrap();
            store.record_attempt_error(6, day(5), "no DM channel").await.unwrap();
            let five = &store.retrying_days(6).await.unwrap()[1];
            assert_eq!((five.date, five.attempts), (day(5), 1));
            assert!(five.since >= began, "{five:?}");
        }

        async fn failed_dm_days_are_a_persons_given_up_dms(store) {
            let person = 1_500_000_000_000_000_001u64;
            store
                .plan_deliveries(
                    day(3),
                    None,
                    &[(person, msgs("dm3", 1)), (44, msgs("ch3", 1))],
                    &HashSet::new(),
                    &HashSet::from([person]),
                )
                .await
                .unwrap();
            for id in [person, 44] {
                store.record_attempt_error(id, day(3), "HTTP 500").await.unwrap();
                store.finish_delivery(id, day(3), DeliveryStatus::Failed).await.unwrap();
            }
            assert_eq!(
                store.failed_dm_days(person, day(1)).await.unwrap(),
                vec![(day(3), Some("HTTP 500".to_string()))]
            );
            assert!(store.failed_dm_days(person, day(4)).await.unwrap().is_empty());
            // A channel's failed day is not a DM.
            assert!(store.failed_dm_days(44, day(1)).await.unwrap().is_empty());
            // Retried like a channel's: forgotten, to be planned afresh.
            assert_eq!(store.retry_failed_days(person, day(1)).await.unwrap(), vec![day(3)]);
            assert_eq!(store.delivery(person, day(3)).await.unwrap(), None);
            assert!(store.failed_dm_days(person, day(1)).await.unwrap().is_empty());
        }

        async fn batch_plan_is_all_or_nothing(store) {
            store
                .plan_delivery(1, day(1), &[("taken".into(), json!({}))])
                .await
                .unwrap();
            let err = store
                .plan_deliveries(
                    day(2),
                    None,
                    &[(5, msgs("fine", 2)), (6, vec![("taken".into(), json!({}))])],
                    &HashSet::new(),
                    &HashSet::new(),
                )
                .await
                .unwrap_err();
            assert!(matches!(err, StoreError::Database(_)));
            assert!(store.existing_deliveries(day(2)).await.unwrap().is_empty());
        }
    }
}
