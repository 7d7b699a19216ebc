//! A channel's effective settings, derived from what the store holds: the filter its papers go
//! through and the schedule it is posted on. Shared by the commands and the delivery engine so
//! that `/papers preview` shows exactly what the daily post will contain.

use crate::config::ScheduleConfig;
use crate::deliver::schedule::ChannelSchedule;
use crate::language::Language;
use crate::select::filter::Filter;
use crate::select::terms::{Facet, AUTHOR_PREFIX};
use crate::store::{Keyword, KeywordKind, Subscription, Weekly};

/// What a stored keyword is: author terms are stored as `author:name` (see [`AUTHOR_PREFIX`]),
/// `has:code` and `org:name` terms as written (see [`Facet`]), the rest are words.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stored {
    Word,
    Author,
    Facet,
}

/// A channel's weekly post as the engine runs it: its day, its size, and since when it is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WeeklySettings {
    pub weekday: chrono::Weekday,
    pub top: usize,
    /// No weekly post fired before this is sent: the subscription's last change (turning the
    /// weekly post on is one), so asking for it never posts an old week at once.
    pub since: chrono::DateTime<chrono::Utc>,
}

/// The channel's weekly post, when it asked for one and can have one (a forum takes one
/// thread a day, so it has none yet).
pub fn weekly_settings(sub: &Subscription) -> Option<WeeklySettings> {
    let weekly = sub.weekly?;
    if sub.channel_kind == crate::channel_kind::ChannelKind::Forum {
        return None;
    }
    Some(WeeklySettings {
        weekday: weekly.weekday,
        top: weekly.top.clamp(1, Weekly::MAX_TOP) as usize,
        since: sub.updated_at,
    })
}

/// The language of a channel's posts: its own, else the bot's.
pub fn language_of(sub: &Subscription, config: &crate::config::Config) -> Language {
    sub.language
        .clone()
        .unwrap_or_else(|| config.default_language())
}

pub fn filter_for(sub: Option<&Subscription>, keywords: &[Keyword]) -> Filter {
    let pick = |kind: KeywordKind, what: Stored| {
        keywords
            .iter()
            .filter(|k| k.kind == kind)
            .filter_map(|k| {
                let (is, text) = match k.word.strip_prefix(AUTHOR_PREFIX) {
                    Some(name) => (Stored::Author, name.to_string()),
                    None if Facet::of(&k.word).is_some() => (Stored::Facet, k.word.clone()),
                    None => (Stored::Word, k.word.clone()),
                };
                (is == what).then_some(text)
            })
            .collect()
    };
    Filter {
        include: pick(KeywordKind::Include, Stored::Word),
        exclude: pick(KeywordKind::Exclude, Stored::Word),
        authors: pick(KeywordKind::Include, Stored::Author),
        exclude_authors: pick(KeywordKind::Exclude, Stored::Author),
        facets: pick(KeywordKind::Include, Stored::Facet),
        exclude_facets: pick(KeywordKind::Exclude, Stored::Facet),
        min_votes: sub.and_then(|s| s.min_votes),
        top_n: sub.and_then(|s| s.top_n).map(|n| n as usize),
    }
}

pub fn schedule_for(sub: Option<&Subscription>, default: &ScheduleConfig) -> ChannelSchedule {
    ChannelSchedule::for_channel(
        default,
        sub.and_then(|s| s.delivery_time),
        sub.and_then(|s| s.timezone),
    )
}
