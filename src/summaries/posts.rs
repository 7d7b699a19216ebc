//! What the delivery pass asks the summaries stage, and what it gets back: the one place the
//! delivery engine and the summaries worker meet. `deliver/summaries.rs` (the pass's summary
//! and edit stages) is its one caller; nothing else in `deliver/` reads `summaries/`, and
//! nothing in `summaries/` reads `deliver/`.
//!
//! The pass asks, per post:
//! - which language a reader's summaries are in ([`Summariser::language_for`]);
//! - for a (day, language) about to be posted, the stored summaries as an overlay, and, for
//!   each paper still without one, when it may be tried next ([`Summariser::day_for_post`]);
//!   the worker is asked for those papers first;
//! - how long a post may wait for them ([`Summariser::post_wait`]: nothing past the day's
//!   cap), and whether it does ([`waits`]);
//! - whether anything was written since it last looked ([`Summariser::progress`]), and for a
//!   posted day the overlay and the papers still being written ([`Summariser::day_for_edits`]),
//!   from which [`plan_message`] decides each message's one edit.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

pub use super::edit::{plan_message, EditPlan};
use super::overlay::{language_of, overlay, wanted};
pub use super::overlay::{stored_overlay_of, waits};
pub use super::worker::Summariser;
use super::worker::{items, Item};
use crate::language::Language;
use crate::render::Overlay;
use crate::source::digest::Digest;
use crate::store::StoreError;

/// A (day, language) as a post about to go out sees it.
#[derive(Debug, Clone)]
pub struct DayForPost {
    /// The stored summaries the post carries.
    pub overlay: Arc<Overlay>,
    /// Each paper still without a summary (and not given up): when it may be tried next
    /// (`None`: whenever the worker gets to it).
    pub missing: Vec<Option<DateTime<Utc>>>,
}

impl Summariser {
    /// The language of a reader whose own choice is `own`.
    pub fn language_for(&self, own: Option<&Language>) -> String {
        language_of(own, &self.config().language)
    }

    /// See [`DayForPost`]; the papers missing are asked for before anything else.
    pub async fn day_for_post(
        &self,
        digest: &Digest,
        lang: &str,
    ) -> Result<DayForPost, StoreError> {
        let list = items(digest, lang);
        let ids: Vec<String> = list.iter().map(|i| i.arxiv_id.clone()).collect();
        let store = self.store();
        let stored = store.summaries_for(&ids, lang).await?;
        let given_up = store.summaries_given_up(&ids, lang).await?;
        let next_try = store.summaries_next_try(&ids, lang).await?;
        let absent: Vec<Item> = list
            .into_iter()
            .filter(|i| !stored.contains_key(&i.arxiv_id) && !given_up.contains(&i.arxiv_id))
            .collect();
        let missing = absent
            .iter()
            .map(|i| next_try.get(&i.arxiv_id).copied())
            .collect();
        if !absent.is_empty() {
            self.want(absent);
        }
        Ok(DayForPost {
            overlay: Arc::new(overlay(&stored, lang)),
            missing,
        })
    }

    /// How long a post may wait for its summaries: `summaries.wait_minutes`, or nothing once
    /// the day's cap is reached (nothing more is written today).
    pub fn post_wait(&self) -> Duration {
        if self.capped() {
            Duration::ZERO
        } else {
            self.config().wait
        }
    }

    /// A posted day's overlay and the papers of it still being written (neither stored nor
    /// given up): what its messages' edits are planned from.
    pub async fn day_for_edits(
        &self,
        digest: &Digest,
        lang: &str,
    ) -> Result<(Arc<Overlay>, HashSet<String>), StoreError> {
        let ids: Vec<String> = wanted(digest, lang).into_iter().map(|(id, _)| id).collect();
        let store = self.store();
        let stored = store.summaries_for(&ids, lang).await?;
        let given_up = store.summaries_given_up(&ids, lang).await?;
        let pending = ids
            .into_iter()
            .filter(|id| !stored.contains_key(id) && !given_up.contains(id))
            .collect();
        Ok((Arc::new(overlay(&stored, lang)), pending))
    }
}
