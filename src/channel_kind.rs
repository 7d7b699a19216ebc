//! The kinds of channel paperboy posts to, converted once from Discord's channel types. A
//! shared value like [`crate::language::Language`]: the store keeps it with a subscription, the
//! commands read it from an interaction, and what each kind means for a post (where messages go,
//! what a refusal pauses) is decided in one place, [`crate::deliver::target`].

/// The kinds of channel paperboy posts to, converted once from Discord's channel types (the
/// API's numbers, also what the database stores).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChannelKind {
    Text,
    /// A channel others can follow; its posts can be published to the followers.
    Announcement,
    /// A forum: a post is a thread, one a day whose first message is the day's first message
    /// (day mode) or one per paper (paper mode, see [`Target::posts_per_paper`]).
    Forum,
    /// A thread (announcement, public or private): messages go into it as into a channel.
    Thread,
    /// A person's direct messages.
    Dm,
}

impl ChannelKind {
    /// From Discord's channel type; `None` for kinds paperboy cannot post a digest to (voice,
    /// categories, stages, directories, media channels, group DMs).
    pub fn from_discord(kind: u8) -> Option<ChannelKind> {
        match kind {
            0 => Some(ChannelKind::Text),
            1 => Some(ChannelKind::Dm),
            5 => Some(ChannelKind::Announcement),
            10..=12 => Some(ChannelKind::Thread),
            15 => Some(ChannelKind::Forum),
            _ => None,
        }
    }

    /// From serenity's channel type (what an interaction says of its channel).
    pub fn from_serenity(kind: serenity::all::ChannelType) -> Option<ChannelKind> {
        ChannelKind::from_discord(u8::from(kind))
    }

    /// Discord's channel type, as stored (a thread is stored as a public thread).
    pub fn discord_type(self) -> u8 {
        match self {
            ChannelKind::Text => 0,
            ChannelKind::Dm => 1,
            ChannelKind::Announcement => 5,
            ChannelKind::Thread => 11,
            ChannelKind::Forum => 15,
        }
    }

    /// Whether a server channel of this kind can be subscribed (a DM is a person's alerts).
    pub fn subscribable(self) -> bool {
        self != ChannelKind::Dm
    }

    /// How the operator's views name it.
    pub fn name(self) -> &'static str {
        match self {
            ChannelKind::Text => "text",
            ChannelKind::Announcement => "announcement",
            ChannelKind::Forum => "forum",
            ChannelKind::Thread => "thread",
            ChannelKind::Dm => "dm",
        }
    }
}
