//! A channel's effective settings, derived from what the store holds: the filter its papers go
//! through and the schedule it is posted on. Shared by the commands and the delivery engine so
//! that `/papers preview` shows exactly what the daily post will contain.

use crate::config::ScheduleConfig;
use crate::filter::Filter;
use crate::schedule::ChannelSchedule;
use crate::store::{Keyword, KeywordKind, Subscription};
use crate::terms::AUTHOR_PREFIX;

pub fn filter_for(sub: Option<&Subscription>, keywords: &[Keyword]) -> Filter {
    // Author terms are stored as keywords `author:name` (see [`AUTHOR_PREFIX`]).
    let pick = |kind: KeywordKind, authors: bool| {
        keywords
            .iter()
            .filter(|k| k.kind == kind)
            .filter_map(|k| match k.word.strip_prefix(AUTHOR_PREFIX) {
                Some(name) if authors => Some(name.to_string()),
                None if !authors => Some(k.word.clone()),
                _ => None,
            })
            .collect()
    };
    Filter {
        include: pick(KeywordKind::Include, false),
        exclude: pick(KeywordKind::Exclude, false),
        authors: pick(KeywordKind::Include, true),
        exclude_authors: pick(KeywordKind::Exclude, true),
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
