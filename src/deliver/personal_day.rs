//! One person's DM "for you" as the for-you stage decides it and planning renders it: the
//! order of their matches, the recommended papers, the follow-ups, and the ledger bodies they
//! become. Apart from the stage so planning (`job.rs`) can render it without importing the
//! stage, which reads planning's alert matches.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;

use crate::store::{Archived, FollowUp};

/// One person's DM of one day, for you.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct PersonalDay {
    /// Whether the matches are in reading-list order.
    pub(super) ranked: bool,
    /// (paper index, the terms that matched, the saved title it is close to), in order.
    pub(super) matches: Vec<(usize, Vec<String>, Option<String>)>,
    /// (paper index, the saved title it is close to), closest first.
    pub(super) recommended: Vec<(usize, String)>,
    pub(super) followups: Vec<FollowUp>,
}

/// Each person's "for you" DM, by (user, date); a person or day absent gets the plain alert.
pub(super) type ForYouDms = HashMap<(u64, NaiveDate), Arc<PersonalDay>>;

/// The ledger bodies of a person's DM "for you" (one message, or none when nothing is left).
pub(super) fn bodies(
    day: &PersonalDay,
    date: NaiveDate,
    archived: &Archived,
    overlay: Option<&crate::render::Overlay>,
    lang: &crate::language::Language,
) -> Vec<serde_json::Value> {
    let papers = &archived.digest.papers;
    let matches: Vec<crate::render::RankedMatch> = day
        .matches
        .iter()
        .filter_map(|(i, terms, close_to)| {
            Some(crate::render::RankedMatch {
                selected: crate::select::filter::Selected {
                    paper: papers.get(*i)?,
                    matched: terms.clone(),
                },
                close_to: close_to.clone(),
            })
        })
        .collect();
    let recommended: Vec<crate::render::Recommended> = day
        .recommended
        .iter()
        .filter_map(|(i, close_to)| {
            Some(crate::render::Recommended {
                paper: papers.get(*i)?,
                close_to,
            })
        })
        .collect();
    let view = crate::render::ForYouDay {
        date,
        total_in_digest: papers.len(),
        votes_at: Some(archived.fetched_at),
        ranked: day.ranked,
        matches: &matches,
        recommended: &recommended,
        followups: &day.followups,
        overlay,
    };
    crate::render::render_for_you(&view, lang)
        .iter()
        .map(|m| m.to_json(None))
        .collect()
}
