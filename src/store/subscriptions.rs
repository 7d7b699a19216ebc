//! Which channels get the digest, and how.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;

use crate::channel_kind::ChannelKind;
use crate::language::Language;
use crate::store::db::{id_from_db, id_to_db, opt_u32, Store, StoreError};

/// How a forum channel gets the digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ForumMode {
    /// One post a day holding the day's digest.
    #[default]
    Day,
    /// A post per paper, so each paper is discussed in its own thread.
    Paper,
}

impl ForumMode {
    pub fn as_str(self) -> &'static str {
        match self {
            ForumMode::Day => "day",
            ForumMode::Paper => "paper",
        }
    }

    pub fn parse(s: &str) -> Option<ForumMode> {
        match s {
            "day" => Some(ForumMode::Day),
            "paper" => Some(ForumMode::Paper),
            _ => None,
        }
    }
}

/// How a channel's day looks (`/papers subscribe layout:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Layout {
    /// The index of the day's top papers first, every card in a thread started from it (in a
    /// forum's day post or a thread, the cards follow the index there). New channels get it.
    #[default]
    Glance,
    /// The cards in the channel, under a header: what channels subscribed before the index
    /// existed keep, and what a channel gets where paperboy may not create threads.
    Full,
    /// The index alone.
    Index,
}

impl Layout {
    pub fn as_str(self) -> &'static str {
        match self {
            Layout::Glance => "glance",
            Layout::Full => "full",
            Layout::Index => "index",
        }
    }

    pub fn parse(s: &str) -> Option<Layout> {
        match s {
            "glance" => Some(Layout::Glance),
            "full" => Some(Layout::Full),
            "index" => Some(Layout::Index),
            _ => None,
        }
    }
}

/// The index lists this many papers unless a channel chose (`index_top:`; 0 lists all).
pub const DEFAULT_INDEX_TOP: u32 = 10;
/// The most `index_top` may be.
pub const MAX_INDEX_TOP: u32 = 100;

/// The week's best list a channel asked for (`/papers subscribe weekly:True`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Weekly {
    pub weekday: chrono::Weekday,
    /// How many papers the list holds.
    pub top: u32,
}

impl Weekly {
    pub const DEFAULT_WEEKDAY: chrono::Weekday = chrono::Weekday::Sat;
    pub const DEFAULT_TOP: u32 = 10;
    /// Discord's 25 fields or options is the most one list can show.
    pub const MAX_TOP: u32 = 25;
}

impl Default for Weekly {
    fn default() -> Self {
        Weekly {
            weekday: Weekly::DEFAULT_WEEKDAY,
            top: Weekly::DEFAULT_TOP,
        }
    }
}

/// Settings chosen with `/papers subscribe`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSubscription {
    pub guild_id: u64,
    pub channel_id: u64,
    pub channel_kind: ChannelKind,
    /// Local delivery time; stored to the minute, seconds are dropped.
    pub delivery_time: Option<NaiveTime>,
    pub timezone: Option<Tz>,
    pub min_votes: Option<u32>,
    pub top_n: Option<u32>,
    pub notify_empty: bool,
    pub auto_publish: bool,
    pub created_by: u64,
    /// `None`: the bot-wide default language.
    pub language: Option<Language>,
    pub forum_mode: ForumMode,
    /// `None`: no weekly list.
    pub weekly: Option<Weekly>,
    pub layout: Layout,
    /// `None`: [`DEFAULT_INDEX_TOP`]; `Some(0)`: all.
    pub index_top: Option<u32>,
    /// Why paperboy chose [`Layout::Full`] itself (it may not create threads in the channel).
    pub layout_note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub guild_id: u64,
    pub channel_id: u64,
    pub channel_kind: ChannelKind,
    pub enabled: bool,
    pub paused_reason: Option<String>,
    pub delivery_time: Option<NaiveTime>,
    pub timezone: Option<Tz>,
    pub min_votes: Option<u32>,
    pub top_n: Option<u32>,
    pub notify_empty: bool,
    pub auto_publish: bool,
    pub created_by: u64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The first digest date posted to this subscription; `None` before its first post. Nothing
    /// older is ever posted (a new channel gets the newest digest, not a backlog).
    pub start_date: Option<NaiveDate>,
    /// `None`: the bot-wide default language.
    pub language: Option<Language>,
    pub forum_mode: ForumMode,
    /// `None`: no weekly list.
    pub weekly: Option<Weekly>,
    pub layout: Layout,
    /// `None`: [`DEFAULT_INDEX_TOP`]; `Some(0)`: all.
    pub index_top: Option<u32>,
    /// Why paperboy set [`Layout::Full`] by itself (it may not create threads there), until
    /// the layout is chosen again.
    pub layout_note: Option<String>,
}

impl Subscription {
    /// How many papers its index lists (0: all).
    pub fn index_top(&self) -> u32 {
        self.index_top.unwrap_or(DEFAULT_INDEX_TOP)
    }

    /// What subscribing `channel_id` with every default would create at `now` (for previews of
    /// channels that are not subscribed).
    pub fn with_defaults(channel_id: u64, now: DateTime<Utc>) -> Subscription {
        Subscription {
            guild_id: 0,
            channel_id,
            channel_kind: ChannelKind::Text,
            enabled: true,
            paused_reason: None,
            delivery_time: None,
            timezone: None,
            min_votes: None,
            top_n: None,
            notify_empty: false,
            auto_publish: false,
            created_by: 0,
            created_at: now,
            updated_at: now,
            start_date: None,
            language: None,
            forum_mode: ForumMode::Day,
            weekly: None,
            layout: Layout::Glance,
            index_top: None,
            layout_note: None,
        }
    }
}

const COLUMNS: &str = "channel_id, guild_id, channel_kind, enabled, paused_reason, delivery_time, \
     timezone, min_votes, top_n, notify_empty, auto_publish, created_by, created_at, updated_at, \
     start_date, language, forum_mode, weekly, weekly_day, weekly_top, layout, index_top, \
     layout_note";

#[derive(sqlx::FromRow)]
struct SubscriptionRow {
    channel_id: i64,
    guild_id: i64,
    channel_kind: i64,
    enabled: bool,
    paused_reason: Option<String>,
    delivery_time: Option<String>,
    timezone: Option<String>,
    min_votes: Option<i64>,
    top_n: Option<i64>,
    notify_empty: bool,
    auto_publish: bool,
    created_by: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    start_date: Option<NaiveDate>,
    language: Option<String>,
    forum_mode: String,
    weekly: bool,
    weekly_day: Option<i64>,
    weekly_top: Option<i64>,
    layout: String,
    index_top: Option<i64>,
    layout_note: Option<String>,
}

impl TryFrom<SubscriptionRow> for Subscription {
    type Error = StoreError;

    fn try_from(row: SubscriptionRow) -> Result<Self, StoreError> {
        let delivery_time = row
            .delivery_time
            .map(|t| {
                NaiveTime::parse_from_str(&t, "%H:%M").map_err(|_| {
                    StoreError::Corrupt(format!(
                        "delivery time {t:?} of channel {}",
                        row.channel_id
                    ))
                })
            })
            .transpose()?;
        let timezone = row
            .timezone
            .map(|tz| {
                tz.parse::<Tz>().map_err(|_| {
                    StoreError::Corrupt(format!("time zone {tz:?} of channel {}", row.channel_id))
                })
            })
            .transpose()?;
        let corrupt =
            |what: &str| StoreError::Corrupt(format!("{what} of channel {}", row.channel_id));
        let language = row
            .language
            .map(|l| Language::parse(&l).map_err(|_| corrupt(&format!("language {l:?}"))))
            .transpose()?;
        let forum_mode = ForumMode::parse(&row.forum_mode)
            .ok_or_else(|| corrupt(&format!("forum mode {:?}", row.forum_mode)))?;
        let layout = Layout::parse(&row.layout)
            .ok_or_else(|| corrupt(&format!("layout {:?}", row.layout)))?;
        let weekly = if row.weekly {
            let weekday = match row.weekly_day {
                None => Weekly::DEFAULT_WEEKDAY,
                Some(d) => u8::try_from(d)
                    .ok()
                    .and_then(|d| chrono::Weekday::try_from(d).ok())
                    .ok_or_else(|| corrupt(&format!("weekly day {d}")))?,
            };
            Some(Weekly {
                weekday,
                top: opt_u32(row.weekly_top).unwrap_or(Weekly::DEFAULT_TOP),
            })
        } else {
            None
        };
        Ok(Subscription {
            guild_id: id_from_db(row.guild_id),
            channel_id: id_from_db(row.channel_id),
            channel_kind: u8::try_from(row.channel_kind)
                .ok()
                .and_then(ChannelKind::from_discord)
                .ok_or_else(|| {
                    StoreError::Corrupt(format!(
                        "channel kind {} of channel {}",
                        row.channel_kind, row.channel_id
                    ))
                })?,
            enabled: row.enabled,
            paused_reason: row.paused_reason,
            delivery_time,
            timezone,
            min_votes: opt_u32(row.min_votes),
            top_n: opt_u32(row.top_n),
            notify_empty: row.notify_empty,
            auto_publish: row.auto_publish,
            created_by: id_from_db(row.created_by),
            created_at: row.created_at,
            updated_at: row.updated_at,
            start_date: row.start_date,
            language,
            forum_mode,
            weekly,
            layout,
            index_top: opt_u32(row.index_top),
            layout_note: row.layout_note,
        })
    }
}

fn convert_all(rows: Vec<SubscriptionRow>) -> Result<Vec<Subscription>, StoreError> {
    rows.into_iter().map(Subscription::try_from).collect()
}

impl Store {
    /// Subscribes a channel, or updates an existing subscription in place. Re-subscribing is how
    /// users change settings, so it keeps who subscribed first and when, and re-enables a paused
    /// channel (running the command again is the natural "fix it" gesture). Returns whether the
    /// row was newly created.
    #[tracing::instrument(skip_all, fields(channel_id = s.channel_id, guild_id = s.guild_id))]
    pub async fn upsert_subscription(
        &self,
        s: &NewSubscription,
    ) -> Result<(Subscription, bool), StoreError> {
        let now = self.now();
        let delivery_time = s.delivery_time.map(|t| t.format("%H:%M").to_string());
        let timezone = s.timezone.map(|tz| tz.name().to_string());
        let language = s.language.as_ref().map(|l| l.code().to_string());
        let weekly_day = s
            .weekly
            .map(|w| i64::from(w.weekday.num_days_from_monday()));
        let weekly_top = s.weekly.map(|w| i64::from(w.top));
        with_write_tx!(self, |tx| {
            let inserted = sqlx::query(
            "INSERT INTO subscriptions (channel_id, guild_id, channel_kind, enabled, paused_reason, \
             delivery_time, timezone, min_votes, top_n, notify_empty, auto_publish, created_by, \
             created_at, updated_at, language, forum_mode, weekly, weekly_day, weekly_top, \
             layout, index_top, layout_note) \
             VALUES ($1, $2, $3, TRUE, NULL, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12, $13, \
             $14, $15, $16, $17, $18, $19) \
             ON CONFLICT (channel_id) DO NOTHING",
        )
        .bind(id_to_db(s.channel_id))
        .bind(id_to_db(s.guild_id))
        .bind(i64::from(s.channel_kind.discord_type()))
        .bind(&delivery_time)
        .bind(&timezone)
        .bind(s.min_votes.map(i64::from))
        .bind(s.top_n.map(i64::from))
        .bind(s.notify_empty)
        .bind(s.auto_publish)
        .bind(id_to_db(s.created_by))
        .bind(now)
        .bind(&language)
        .bind(s.forum_mode.as_str())
        .bind(s.weekly.is_some())
        .bind(weekly_day)
        .bind(weekly_top)
        .bind(s.layout.as_str())
        .bind(s.index_top.map(i64::from))
        .bind(&s.layout_note)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
            if !inserted {
                sqlx::query(
                    "UPDATE subscriptions SET guild_id = $2, channel_kind = $3, enabled = TRUE, \
                 paused_reason = NULL, delivery_time = $4, timezone = $5, min_votes = $6, \
                 top_n = $7, notify_empty = $8, auto_publish = $9, updated_at = $10, \
                 language = $11, forum_mode = $12, weekly = $13, weekly_day = $14, \
                 weekly_top = $15, layout = $16, index_top = $17, layout_note = $18 \
                 WHERE channel_id = $1",
                )
                .bind(id_to_db(s.channel_id))
                .bind(id_to_db(s.guild_id))
                .bind(i64::from(s.channel_kind.discord_type()))
                .bind(&delivery_time)
                .bind(&timezone)
                .bind(s.min_votes.map(i64::from))
                .bind(s.top_n.map(i64::from))
                .bind(s.notify_empty)
                .bind(s.auto_publish)
                .bind(now)
                .bind(&language)
                .bind(s.forum_mode.as_str())
                .bind(s.weekly.is_some())
                .bind(weekly_day)
                .bind(weekly_top)
                .bind(s.layout.as_str())
                .bind(s.index_top.map(i64::from))
                .bind(&s.layout_note)
                .execute(&mut *tx)
                .await?;
            }
            let row: SubscriptionRow = sqlx::query_as(&format!(
                "SELECT {COLUMNS} FROM subscriptions WHERE channel_id = $1"
            ))
            .bind(id_to_db(s.channel_id))
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok((row.try_into()?, inserted))
        })
    }

    #[tracing::instrument(skip_all, fields(channel_id = channel_id))]
    pub async fn subscription(&self, channel_id: u64) -> Result<Option<Subscription>, StoreError> {
        let row: Option<SubscriptionRow> = with_pool!(self, |db| sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM subscriptions WHERE channel_id = $1"
        ))
        .bind(id_to_db(channel_id))
        .fetch_optional(db)
        .await)?;
        row.map(Subscription::try_from).transpose()
    }

    /// Unsubscribes a channel. Its keyword filter is kept (see the keywords migration), and any
    /// delivery still pending for it is marked failed so a restart does not resume posting into
    /// a channel that opted out. Returns whether the channel was subscribed.
    #[tracing::instrument(skip_all, fields(channel_id = channel_id))]
    pub async fn remove_subscription(&self, channel_id: u64) -> Result<bool, StoreError> {
        with_write_tx!(self, |tx| {
            let removed = sqlx::query("DELETE FROM subscriptions WHERE channel_id = $1")
                .bind(id_to_db(channel_id))
                .execute(&mut *tx)
                .await?
                .rows_affected()
                > 0;
            if removed {
                sqlx::query(
                    "UPDATE deliveries SET status = 'failed', finished_at = $2, \
                 last_error = 'unsubscribed' WHERE channel_id = $1 AND status = 'pending'",
                )
                .bind(id_to_db(channel_id))
                .bind(self.now())
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(removed)
        })
    }

    /// `Some(reason)` pauses delivery (e.g. the bot lost permission to post), `None` resumes it.
    /// Returns whether the channel is subscribed at all.
    #[tracing::instrument(skip_all, fields(channel_id = channel_id, pause = reason.is_some()))]
    pub async fn set_paused(
        &self,
        channel_id: u64,
        reason: Option<&str>,
    ) -> Result<bool, StoreError> {
        let updated = with_pool!(self, |db| sqlx::query(
            "UPDATE subscriptions SET enabled = $2, paused_reason = $3, updated_at = $4 \
             WHERE channel_id = $1",
        )
        .bind(id_to_db(channel_id))
        .bind(reason.is_none())
        .bind(reason)
        .bind(self.now())
        .execute(db)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(updated > 0)
    }

    /// Changes how a forum gets its posts (`/papers settings forum_mode:`), leaving every other
    /// setting as it is, a pause included; `None` when the channel is not subscribed.
    #[tracing::instrument(skip_all, fields(channel_id = channel_id, forum_mode = mode.as_str()))]
    pub async fn set_forum_mode(
        &self,
        channel_id: u64,
        mode: ForumMode,
    ) -> Result<Option<Subscription>, StoreError> {
        let updated = with_pool!(self, |db| sqlx::query(
            "UPDATE subscriptions SET forum_mode = $2, updated_at = $3 WHERE channel_id = $1",
        )
        .bind(id_to_db(channel_id))
        .bind(mode.as_str())
        .bind(self.now())
        .execute(db)
        .await
        .map(|r| r.rows_affected()))?;
        if updated == 0 {
            return Ok(None);
        }
        self.subscription(channel_id).await
    }

    /// Changes how a channel's day looks (`/papers settings layout:`), or records that paperboy
    /// had to choose [`Layout::Full`] itself and why (`note`), leaving every other setting as
    /// it is; `None` when the channel is not subscribed.
    #[tracing::instrument(skip_all, fields(channel_id = channel_id, layout = layout.as_str()))]
    pub async fn set_layout(
        &self,
        channel_id: u64,
        layout: Layout,
        index_top: Option<Option<u32>>,
        note: Option<&str>,
    ) -> Result<Option<Subscription>, StoreError> {
        let keep_top = index_top.is_none();
        let updated = with_pool!(self, |db| sqlx::query(
            "UPDATE subscriptions SET layout = $2, layout_note = $3, updated_at = $4, \
             index_top = CASE WHEN $5 THEN index_top ELSE $6 END WHERE channel_id = $1",
        )
        .bind(id_to_db(channel_id))
        .bind(layout.as_str())
        .bind(note)
        .bind(self.now())
        .bind(keep_top)
        .bind(index_top.flatten().map(i64::from))
        .execute(db)
        .await
        .map(|r| r.rows_affected()))?;
        if updated == 0 {
            return Ok(None);
        }
        self.subscription(channel_id).await
    }

    /// Subscriptions that should receive today's digest, in channel id order.
    #[tracing::instrument(skip_all)]
    pub async fn enabled_subscriptions(&self) -> Result<Vec<Subscription>, StoreError> {
        let rows: Vec<SubscriptionRow> = with_pool!(self, |db| sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM subscriptions WHERE enabled = TRUE ORDER BY channel_id"
        ))
        .fetch_all(db)
        .await)?;
        convert_all(rows)
    }

    /// Every subscription, paused ones included, in channel id order.
    #[tracing::instrument(skip_all)]
    pub async fn all_subscriptions(&self) -> Result<Vec<Subscription>, StoreError> {
        let rows: Vec<SubscriptionRow> = with_pool!(self, |db| sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM subscriptions ORDER BY channel_id"
        ))
        .fetch_all(db)
        .await)?;
        convert_all(rows)
    }

    /// Number of subscriptions, paused ones included.
    #[tracing::instrument(skip_all)]
    pub async fn subscription_count(&self) -> Result<u64, StoreError> {
        let n: i64 = with_pool!(self, |db| sqlx::query_scalar(
            "SELECT count(*) FROM subscriptions"
        )
        .fetch_one(db)
        .await)?;
        Ok(n as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_sub(channel_id: u64) -> NewSubscription {
        NewSubscription {
            guild_id: 900_000_000_000_000_001,
            channel_id,
            channel_kind: ChannelKind::Text,
            delivery_time: Some(NaiveTime::from_hms_opt(9, 30, 0).unwrap()),
            timezone: Some(chrono_tz::Asia::Seoul),
            min_votes: Some(5),
            top_n: Some(10),
            notify_empty: true,
            auto_publish: false,
            created_by: 42,
            language: None,
            forum_mode: ForumMode::Day,
            weekly: None,
            layout: Layout::Glance,
            index_top: Some(5),
            layout_note: None,
        }
    }

    store_tests! {
        async fn a_layout_round_trips_and_is_changed_alone(store) {
            let (sub, _) = store.upsert_subscription(&new_sub(77)).await.unwrap();
            assert_eq!((sub.layout, sub.index_top, sub.index_top()), (Layout::Glance, Some(5), 5));
            let why = "paperboy may not create threads here";
            let full = store
                .set_layout(77, Layout::Full, None, Some(why))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(full.layout, Layout::Full);
            assert_eq!(full.layout_note.as_deref(), Some(why));
            assert_eq!(full.index_top, Some(5), "index_top kept when not given");
            assert_eq!(full.min_votes, sub.min_votes);
            let all = store
                .set_layout(77, Layout::Index, Some(Some(0)), None)
                .await
                .unwrap()
                .unwrap();
            assert_eq!((all.layout, all.index_top(), all.layout_note), (Layout::Index, 0, None));
            let default = store
                .set_layout(77, Layout::Glance, Some(None), None)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(default.index_top(), DEFAULT_INDEX_TOP);
            assert!(store.set_layout(78, Layout::Full, None, None).await.unwrap().is_none());
        }

        async fn subscribe_round_trips_every_field(store) {
            let new = new_sub(1_234_567_890_123_456_789);
            let (sub, created) = store.upsert_subscription(&new).await.unwrap();
            assert!(created);
            assert_eq!(sub.guild_id, new.guild_id);
            assert_eq!(sub.channel_id, new.channel_id);
            assert_eq!(sub.channel_kind, ChannelKind::Text);
            assert!(sub.enabled);
            assert_eq!(sub.paused_reason, None);
            assert_eq!(sub.delivery_time, new.delivery_time);
            assert_eq!(sub.timezone, Some(chrono_tz::Asia::Seoul));
            assert_eq!(sub.min_votes, Some(5));
            assert_eq!(sub.top_n, Some(10));
            assert!(sub.notify_empty);
            assert!(!sub.auto_publish);
            assert_eq!(sub.created_by, 42);
            assert_eq!(sub.created_at, sub.updated_at);
            assert_eq!(sub.language, None);
            assert_eq!(sub.forum_mode, ForumMode::Day);
            assert_eq!(sub.weekly, None);

            let loaded = store.subscription(new.channel_id).await.unwrap().unwrap();
            assert_eq!(loaded, sub);
            assert_eq!(store.subscription(7).await.unwrap(), None);
        }

        async fn optional_settings_can_be_empty(store) {
            let new = NewSubscription {
                channel_kind: ChannelKind::Forum,
                delivery_time: None,
                timezone: None,
                min_votes: None,
                top_n: None,
                notify_empty: false,
                auto_publish: true,
                ..new_sub(5)
            };
            let (sub, _) = store.upsert_subscription(&new).await.unwrap();
            assert_eq!(sub.channel_kind, ChannelKind::Forum);
            assert_eq!(sub.delivery_time, None);
            assert_eq!(sub.timezone, None);
            assert_eq!(sub.min_votes, None);
            assert_eq!(sub.top_n, None);
            assert!(sub.auto_publish);
        }

        async fn language_forum_mode_and_weekly_round_trip_and_change(store) {
            let new = NewSubscription {
                channel_kind: ChannelKind::Forum,
                language: Some(Language::parse("pt-BR").unwrap()),
                forum_mode: ForumMode::Paper,
                weekly: Some(Weekly { weekday: chrono::Weekday::Mon, top: 25 }),
                ..new_sub(8)
            };
            let (sub, _) = store.upsert_subscription(&new).await.unwrap();
            assert_eq!(sub.language.as_ref().map(|l| l.code()), Some("pt-BR"));
            assert_eq!(sub.forum_mode, ForumMode::Paper);
            assert_eq!(sub.weekly, Some(Weekly { weekday: chrono::Weekday::Mon, top: 25 }));
            assert_eq!(store.subscription(8).await.unwrap().unwrap(), sub);

            let again = NewSubscription {
                language: None,
                forum_mode: ForumMode::Day,
                weekly: Some(Weekly::default()),
                ..new
            };
            let (sub, created) = store.upsert_subscription(&again).await.unwrap();
            assert!(!created);
            assert_eq!(sub.language, None);
            assert_eq!(sub.forum_mode, ForumMode::Day);
            assert_eq!(sub.weekly, Some(Weekly { weekday: chrono::Weekday::Sat, top: 10 }));
            let off = NewSubscription { weekly: None, ..again };
            let (sub, _) = store.upsert_subscription(&off).await.unwrap();
            assert_eq!(sub.weekly, None);
        }

        async fn the_forum_mode_changes_alone_and_a_pause_stays(store) {
            let new = NewSubscription {
                channel_kind: ChannelKind::Forum,
                ..new_sub(9)
            };
            store.upsert_subscription(&new).await.unwrap();
            store.set_paused(9, Some("paused by alice")).await.unwrap();
            let sub = store.set_forum_mode(9, ForumMode::Paper).await.unwrap().unwrap();
            assert_eq!(sub.forum_mode, ForumMode::Paper);
            assert!(!sub.enabled);
            assert_eq!(sub.paused_reason.as_deref(), Some("paused by alice"));
            assert_eq!(sub.min_votes, new.min_votes);
            assert_eq!(store.subscription(9).await.unwrap().unwrap(), sub);
            assert_eq!(store.set_forum_mode(10, ForumMode::Paper).await.unwrap(), None);
        }

        async fn delivery_time_is_kept_to_the_minute(store) {
            let new = NewSubscription {
                delivery_time: NaiveTime::from_hms_opt(23, 59, 41),
                ..new_sub(5)
            };
            let (sub, _) = store.upsert_subscription(&new).await.unwrap();
            assert_eq!(sub.delivery_time, NaiveTime::from_hms_opt(23, 59, 0));
        }

        async fn resubscribe_updates_settings_but_keeps_creator(store) {
            let (first, _) = store.upsert_subscription(&new_sub(1)).await.unwrap();
            store
                .set_paused(1, Some("missing permissions"))
                .await
                .unwrap();

            let again = NewSubscription {
                created_by: 77,
                min_votes: None,
                top_n: Some(3),
                timezone: Some(chrono_tz::Europe::Berlin),
                ..new_sub(1)
            };
            let (second, created) = store.upsert_subscription(&again).await.unwrap();
            assert!(!created);
            assert_eq!(second.created_by, 42, "the original subscriber is kept");
            assert_eq!(second.created_at, first.created_at);
            assert!(second.updated_at >= first.updated_at);
            assert_eq!(second.min_votes, None);
            assert_eq!(second.top_n, Some(3));
            assert_eq!(second.timezone, Some(chrono_tz::Europe::Berlin));
            assert!(second.enabled, "re-subscribing re-enables");
            assert_eq!(second.paused_reason, None);
            assert_eq!(store.subscription_count().await.unwrap(), 1);
        }

        async fn pause_and_resume(store) {
            store.upsert_subscription(&new_sub(1)).await.unwrap();
            store.upsert_subscription(&new_sub(2)).await.unwrap();

            assert!(store
                .set_paused(1, Some("cannot send messages"))
                .await
                .unwrap());
            let paused = store.subscription(1).await.unwrap().unwrap();
            assert!(!paused.enabled);
            assert_eq!(
                paused.paused_reason.as_deref(),
                Some("cannot send messages")
            );
            let enabled: Vec<u64> = store
                .enabled_subscriptions()
                .await
                .unwrap()
                .into_iter()
                .map(|s| s.channel_id)
                .collect();
            assert_eq!(enabled, vec![2]);
            assert_eq!(store.all_subscriptions().await.unwrap().len(), 2);

            assert!(store.set_paused(1, None).await.unwrap());
            let resumed = store.subscription(1).await.unwrap().unwrap();
            assert!(resumed.enabled);
            assert_eq!(resumed.paused_reason, None);
            assert_eq!(store.enabled_subscriptions().await.unwrap().len(), 2);

            assert!(!store.set_paused(99, Some("x")).await.unwrap());
        }

        async fn unsubscribe_removes_and_abandons_pending_deliveries(store) {
            store.upsert_subscription(&new_sub(1)).await.unwrap();
            let date = NaiveDate::from_ymd_opt(2025, 3, 1).unwrap();
            store
                .plan_delivery(
                    1,
                    date,
                    &[("n1".into(), serde_json::json!({"content": "x"}))],
                )
                .await
                .unwrap();

            assert!(store.remove_subscription(1).await.unwrap());
            assert!(!store.remove_subscription(1).await.unwrap());
            assert_eq!(store.subscription(1).await.unwrap(), None);
            assert_eq!(store.subscription_count().await.unwrap(), 0);

            let delivery = store.delivery(1, date).await.unwrap().unwrap();
            assert_eq!(delivery.status, crate::store::deliveries::DeliveryStatus::Failed);
            assert_eq!(delivery.last_error.as_deref(), Some("unsubscribed"));
            assert!(store.pending_deliveries().await.unwrap().is_empty());
        }

        async fn count_and_listing_order(store) {
            for id in [30, 10, 20] {
                store.upsert_subscription(&new_sub(id)).await.unwrap();
            }
            assert_eq!(store.subscription_count().await.unwrap(), 3);
            let ids: Vec<u64> = store
                .all_subscriptions()
                .await
                .unwrap()
                .iter()
                .map(|s| s.channel_id)
                .collect();
            assert_eq!(ids, vec![10, 20, 30]);
        }
    }
}
