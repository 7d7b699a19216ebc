//! A channel's effective settings, derived from what the store holds: the filter its papers go
//! through and the schedule it is posted on. Shared by the commands and the delivery engine so
//! that `/papers preview` shows exactly what the daily post will contain.

use crate::config::ScheduleConfig;
use crate::filter::Filter;
use crate::schedule::ChannelSchedule;
use crate::store::{Keyword, KeywordKind, Subscription};

pub fn filter_for(sub: Option<&Subscription>, keywords: &[Keyword]) -> Filter {
    let pick = |kind: KeywordKind| {
        keywords
            .iter()
            .filter(|k| k.kind == kind)
            .map(|k| k.word.clone())
            .collect()
    };
    Filter {
        include: pick(KeywordKind::Include),
        exclude: pick(KeywordKind::Exclude),
        // The store does not hold author terms for channels yet.
        authors: Vec::new(),
        exclude_authors: Vec::new(),
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
