//! Subscriptions as the tests write them: `sub(channel).kind(5).auto_publish(true).build()`.
//! The one place that spells out `NewSubscription` (also included by `benches/fanout.rs`), so
//! a change to it touches this file only.

use chrono::NaiveTime;
use chrono_tz::Tz;
use paperboy::language::Language;
use paperboy::store::{ForumMode, Layout, NewSubscription, Store, Weekly};

/// A text channel's subscription with every setting at its default, by user 1, in guild 0.
pub fn sub(channel_id: u64) -> Sub {
    Sub {
        guild_id: 0,
        channel_id,
        kind: 0,
        delivery_time: None,
        timezone: None,
        min_votes: None,
        top_n: None,
        notify_empty: false,
        auto_publish: false,
        created_by: 1,
        language: None,
        forum_mode: ForumMode::Day,
        weekly: None,
        layout: Layout::Full,
        index_top: None,
    }
}

#[derive(Debug, Clone)]
pub struct Sub {
    guild_id: u64,
    channel_id: u64,
    kind: u8,
    delivery_time: Option<NaiveTime>,
    timezone: Option<Tz>,
    min_votes: Option<u32>,
    top_n: Option<u32>,
    notify_empty: bool,
    auto_publish: bool,
    created_by: u64,
    language: Option<Language>,
    forum_mode: ForumMode,
    weekly: Option<Weekly>,
    layout: Layout,
    index_top: Option<u32>,
}

impl Sub {
    pub fn guild(mut self, guild_id: u64) -> Sub {
        self.guild_id = guild_id;
        self
    }

    /// Discord's channel type (0 text, 5 announcement, 15 forum, 10/11/12 threads).
    pub fn kind(mut self, kind: u8) -> Sub {
        self.kind = kind;
        self
    }

    /// Local delivery time (`hh:mm`).
    pub fn at(mut self, hh: u32, mm: u32) -> Sub {
        self.delivery_time = Some(NaiveTime::from_hms_opt(hh, mm, 0).expect("a time of day"));
        self
    }

    pub fn delivery_time(mut self, time: NaiveTime) -> Sub {
        self.delivery_time = Some(time);
        self
    }

    pub fn timezone(mut self, tz: Tz) -> Sub {
        self.timezone = Some(tz);
        self
    }

    pub fn notify_empty(mut self, on: bool) -> Sub {
        self.notify_empty = on;
        self
    }

    pub fn auto_publish(mut self, on: bool) -> Sub {
        self.auto_publish = on;
        self
    }

    /// The channel's language code (`ko`, `en`, …).
    #[allow(dead_code)] // for the language, forum and weekly suites
    pub fn language(mut self, code: &str) -> Sub {
        self.language = Some(Language::parse(code).expect("a language code"));
        self
    }

    #[allow(dead_code)] // for the language, forum and weekly suites
    pub fn forum_mode(mut self, mode: ForumMode) -> Sub {
        self.forum_mode = mode;
        self
    }

    /// The channel's layout. The builder's default is `full` (the cards in the channel, what
    /// every channel subscribed before the index had), so suites about something else keep
    /// reading the cards where they were; `/papers subscribe` gives a new channel `glance`.
    #[allow(dead_code)] // for the glance and crash suites
    pub fn layout(mut self, layout: Layout) -> Sub {
        self.layout = layout;
        self
    }

    /// How many papers the index lists (0: all).
    #[allow(dead_code)] // for the glance suite
    pub fn index_top(mut self, top: u32) -> Sub {
        self.index_top = Some(top);
        self
    }

    /// The week's best on `weekday`, `top` papers.
    #[allow(dead_code)] // for the language, forum and weekly suites
    pub fn weekly(mut self, weekday: chrono::Weekday, top: u32) -> Sub {
        self.weekly = Some(Weekly { weekday, top });
        self
    }

    pub fn channel_id(&self) -> u64 {
        self.channel_id
    }

    /// The channel's Discord type, for the fake's `add_channel`.
    pub fn discord_kind(&self) -> u8 {
        self.kind
    }

    pub fn build(&self) -> NewSubscription {
        NewSubscription {
            guild_id: self.guild_id,
            channel_id: self.channel_id,
            channel_kind: paperboy::channel_kind::ChannelKind::from_discord(self.kind)
                .expect("a channel type paperboy posts to"),
            delivery_time: self.delivery_time,
            timezone: self.timezone,
            min_votes: self.min_votes,
            top_n: self.top_n,
            notify_empty: self.notify_empty,
            auto_publish: self.auto_publish,
            created_by: self.created_by,
            language: self.language.clone(),
            forum_mode: self.forum_mode,
            weekly: self.weekly,
            layout: self.layout,
            index_top: self.index_top,
            layout_note: None,
        }
    }

    /// Stores the subscription (created or replaced).
    pub async fn save(&self, store: &Store) {
        store.upsert_subscription(&self.build()).await.unwrap();
    }
}
