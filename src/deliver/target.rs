//! Who a post is for: a subscribed channel (its daily post, or its weekly best), or a person's
//! alerts by DM. The delivery engine
//! plans, records and sends both through the same ledger; what differs between them (where the
//! messages go, what a refusal pauses, what the post contains) is decided from a [`Target`]
//! and its [`ChannelKind`], never from bare channel-type numbers.

use chrono::{DateTime, NaiveDate, Utc};

use crate::channel_kind::ChannelKind;
use crate::config::ScheduleConfig;
use crate::deliver::schedule::ChannelSchedule;
use crate::language::Language;
use crate::render::Shape;
use crate::store::{AlertUser, ForumMode, Layout, Subscription};

/// A post's recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Channel(Subscription),
    Person(AlertUser),
    /// A channel's weekly post of the week's best (see [`crate::deliver::weekly::timing`]): the channel's
    /// subscription, under a ledger key of its own.
    Weekly(Subscription),
    /// A person's weekly DM of their reading list (`/alerts saved_weekly`), under a ledger key
    /// of its own (the user id with the top bit set, as for a channel's weekly post).
    SavedWeekly(AlertUser),
}

impl Target {
    /// The ledger's key: the channel's id, or the person's user id (a DM channel is opened
    /// when the first message goes out, and may change).
    pub fn key(&self) -> u64 {
        match self {
            Target::Channel(s) => s.channel_id,
            Target::Person(u) => u.user_id,
            Target::Weekly(s) => crate::store::keys::ledger_key(s.channel_id),
            Target::SavedWeekly(u) => crate::store::keys::ledger_key(u.user_id),
        }
    }

    /// Where its messages go on Discord: the channel (a person's DM channel is looked up when
    /// sending, so for a person this is the user id, as the key).
    pub fn destination(&self) -> u64 {
        match self {
            Target::Channel(s) | Target::Weekly(s) => s.channel_id,
            Target::Person(u) | Target::SavedWeekly(u) => u.user_id,
        }
    }

    pub fn kind(&self) -> ChannelKind {
        match self {
            Target::Channel(s) | Target::Weekly(s) => s.channel_kind,
            Target::Person(_) | Target::SavedWeekly(_) => ChannelKind::Dm,
        }
    }

    /// Whether it is a weekly post (a channel's or a person's), planned by the weekly stage and
    /// not the daily one.
    pub fn is_weekly(&self) -> bool {
        matches!(self, Target::Weekly(_) | Target::SavedWeekly(_))
    }

    /// Whether its messages go to a person by DM.
    pub fn is_person(&self) -> bool {
        matches!(self, Target::Person(_) | Target::SavedWeekly(_))
    }

    /// The subscription, for a channel.
    pub fn channel(&self) -> Option<&Subscription> {
        match self {
            Target::Channel(s) | Target::Weekly(s) => Some(s),
            Target::Person(_) | Target::SavedWeekly(_) => None,
        }
    }

    /// When its posts fire: its own hour and zone, the bot's schedule by default.
    pub fn schedule(&self, default: &ScheduleConfig) -> ChannelSchedule {
        let (time, zone) = match self {
            Target::Channel(s) | Target::Weekly(s) => (s.delivery_time, s.timezone),
            Target::Person(u) | Target::SavedWeekly(u) => (u.delivery_time, u.timezone),
        };
        ChannelSchedule::for_channel(default, time, zone)
    }

    /// Whether its posts go out (not paused by a member, by the person, or by paperboy).
    pub fn enabled(&self) -> bool {
        match self {
            Target::Channel(s) | Target::Weekly(s) => s.enabled,
            Target::Person(u) | Target::SavedWeekly(u) => u.enabled,
        }
    }

    /// Its own local post time, if it chose one (the bot's schedule otherwise).
    pub fn delivery_time(&self) -> Option<chrono::NaiveTime> {
        match self {
            Target::Channel(s) | Target::Weekly(s) => s.delivery_time,
            Target::Person(u) | Target::SavedWeekly(u) => u.delivery_time,
        }
    }

    /// When it was set up: nothing due before is ever posted to it.
    pub fn created_at(&self) -> DateTime<Utc> {
        match self {
            Target::Channel(s) | Target::Weekly(s) => s.created_at,
            Target::Person(u) | Target::SavedWeekly(u) => u.created_at,
        }
    }

    /// The first digest date it got (`None` before its first post).
    pub fn start_date(&self) -> Option<NaiveDate> {
        match self {
            Target::Channel(s) | Target::Weekly(s) => s.start_date,
            Target::Person(u) | Target::SavedWeekly(u) => u.start_date,
        }
    }

    /// Whether its announcement channel publishes each message to its followers (the daily
    /// post only: a weekly post stays in the channel, inside the crosspost quota of the daily).
    pub fn publishes(&self) -> bool {
        matches!(self, Target::Channel(s) if s.channel_kind == ChannelKind::Announcement && s.auto_publish)
    }

    /// Whether each paper is a post of its own: a forum in paper mode.
    pub fn posts_per_paper(&self) -> bool {
        matches!(self, Target::Channel(s) if s.channel_kind == ChannelKind::Forum && s.forum_mode == ForumMode::Paper)
    }

    /// What its day looks like: its layout, with the cards in a thread started from the index
    /// where a thread can be started (a text or announcement channel), and after the index in
    /// a forum's day post or a thread. A person's DM and a weekly post have their own shape.
    pub fn shape(&self) -> Shape {
        let Target::Channel(s) = self else {
            return Shape::Full;
        };
        let top = s.index_top() as usize;
        match s.layout {
            Layout::Full => Shape::Full,
            Layout::Index => Shape::Index { top },
            Layout::Glance => Shape::Glance {
                top,
                thread: matches!(
                    s.channel_kind,
                    ChannelKind::Text | ChannelKind::Announcement
                ),
            },
        }
    }

    /// Whether a day without papers gets a notice (people never get an empty DM).
    pub fn notify_empty(&self) -> bool {
        matches!(self, Target::Channel(s) if s.notify_empty)
    }

    /// The guild a channel is in (`None` for a person).
    pub fn guild_id(&self) -> Option<u64> {
        self.channel().map(|s| s.guild_id)
    }

    /// The language its posts are written in: the channel's, or the person's alerts'; `None`:
    /// the bot-wide default (`Config::default_language`).
    pub fn language(&self) -> Option<&Language> {
        match self {
            Target::Channel(s) | Target::Weekly(s) => s.language.as_ref(),
            Target::Person(u) | Target::SavedWeekly(u) => u.language.as_ref(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discord_types_convert_once_and_back() {
        for (n, kind) in [
            (0, ChannelKind::Text),
            (1, ChannelKind::Dm),
            (5, ChannelKind::Announcement),
            (15, ChannelKind::Forum),
            (11, ChannelKind::Thread),
        ] {
            assert_eq!(ChannelKind::from_discord(n), Some(kind));
            assert_eq!(kind.discord_type(), n);
        }
        assert_eq!(ChannelKind::from_discord(10), Some(ChannelKind::Thread));
        assert_eq!(ChannelKind::from_discord(12), Some(ChannelKind::Thread));
        // Voice, group DM, category, stage, directory, media: nothing to post a digest to.
        for n in [2, 3, 4, 13, 14, 16] {
            assert_eq!(ChannelKind::from_discord(n), None, "{n}");
        }
        assert_eq!(
            ChannelKind::from_serenity(serenity::all::ChannelType::Forum),
            Some(ChannelKind::Forum)
        );
        assert!(!ChannelKind::Dm.subscribable() && ChannelKind::Forum.subscribable());
    }

    #[test]
    fn only_a_forum_in_paper_mode_posts_each_paper_on_its_own() {
        let now = chrono::Utc::now();
        let channel = |kind, mode| {
            let mut s = Subscription::with_defaults(2, now);
            s.channel_kind = kind;
            s.forum_mode = mode;
            Target::Channel(s)
        };
        assert!(channel(ChannelKind::Forum, ForumMode::Paper).posts_per_paper());
        assert!(!channel(ChannelKind::Forum, ForumMode::Day).posts_per_paper());
        // Paper mode means nothing outside a forum: a text channel keeps its packed post.
        assert!(!channel(ChannelKind::Text, ForumMode::Paper).posts_per_paper());
    }

    #[test]
    fn the_cards_go_into_a_thread_only_where_one_can_be_started() {
        let now = chrono::Utc::now();
        let shape = |kind, layout| {
            let mut s = Subscription::with_defaults(2, now);
            s.channel_kind = kind;
            s.layout = layout;
            Target::Channel(s).shape()
        };
        let glance = |thread| Shape::Glance { top: 10, thread };
        assert_eq!(shape(ChannelKind::Text, Layout::Glance), glance(true));
        assert_eq!(
            shape(ChannelKind::Announcement, Layout::Glance),
            glance(true)
        );
        // A forum's day post and a thread hold the cards after the index themselves.
        assert_eq!(shape(ChannelKind::Forum, Layout::Glance), glance(false));
        assert_eq!(shape(ChannelKind::Thread, Layout::Glance), glance(false));
        assert_eq!(shape(ChannelKind::Text, Layout::Full), Shape::Full);
        assert_eq!(
            shape(ChannelKind::Text, Layout::Index),
            Shape::Index { top: 10 }
        );
    }
}
