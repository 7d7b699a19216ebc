//! The summary stage of a pass, between deciding what each post carries and planning it: each
//! new day's papers get the summaries stored in the reader's language; a post whose papers are
//! still being summarised waits, at most `summaries.wait_minutes` after it first fell due (not
//! after its latest fire: a schedule firing more often than the wait would never post), and asks
//! the worker for them first. It does not wait for a paper that cannot be tried again before
//! the wait ends (it failed, and its next try is later). Then it goes out, the papers without a
//! summary with the digest's own text.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};

use super::decide::{DayRef, Work};
use super::engine::{Deliverer, Stats};
use crate::render::Overlay;
use crate::store::Archived;
use crate::store::EditCandidate;
use crate::summaries::posts::{plan_message, waits, EditPlan};

/// Each (date, language)'s overlay, for planning.
pub(super) type Overlays = HashMap<(NaiveDate, String), Arc<Overlay>>;

impl Deliverer {
    /// The language `target` reads, when summaries are on.
    pub(super) fn reader_language(
        &self,
        target: &crate::deliver::target::Target,
    ) -> Option<String> {
        let s = self.summaries.as_ref()?;
        Some(s.language_for(target.language()))
    }

    /// See the module docs. Returns the overlays; posts that wait are taken out of `work`.
    pub(super) async fn summary_stage(&self, work: &mut Work, now: DateTime<Utc>) -> Overlays {
        let Some(s) = &self.summaries else {
            return Overlays::new();
        };
        let mut days: BTreeMap<(NaiveDate, String), Arc<Archived>> = BTreeMap::new();
        for j in work.jobs.values() {
            let Some(lang) = self.reader_language(&j.target) else {
                continue;
            };
            for (date, day) in &j.new {
                if let DayRef::Digest(a) = day {
                    days.entry((*date, lang.clone()))
                        .or_insert_with(|| a.clone());
                }
            }
        }
        let mut overlays = Overlays::new();
        // Per (date, language): the papers still without a summary, each with when it may be
        // tried again (`None`: whenever the worker gets to it).
        let mut missing: HashMap<(NaiveDate, String), Vec<Option<DateTime<Utc>>>> = HashMap::new();
        for ((date, lang), a) in days {
            match s.day_for_post(&a.digest, &lang).await {
                Ok(day) => {
                    missing.insert((date, lang.clone()), day.missing);
                    overlays.insert((date, lang), day.overlay);
                }
                // The post goes out with the digest's text rather than not at all.
                Err(e) => {
                    tracing::warn!(%date, language = %lang, error = %e, "cannot read the stored summaries")
                }
            }
        }
        // Past the day's cap nothing more is written today: nothing to wait for.
        let wait = s.post_wait();
        let mut deferred = 0u64;
        for j in work.jobs.values_mut() {
            let Some(lang) = self.reader_language(&j.target) else {
                continue;
            };
            let due = j.due.or(j.fire);
            let deadline = due.map(|t| t + chrono::Duration::from_std(wait).unwrap_or_default());
            // A paper whose next try comes after the wait is not waited for.
            let n: usize = j
                .new
                .iter()
                .filter(|(_, r)| matches!(r, DayRef::Digest(_)))
                .filter_map(|(d, _)| missing.get(&(*d, lang.clone())))
                .flatten()
                .filter(|next| match (next, deadline) {
                    (Some(t), Some(end)) => *t < end,
                    _ => true,
                })
                .count();
            if waits(n, due, now, wait) {
                tracing::debug!(target_key = j.target.key(), language = %lang, missing = n, "the post waits for summaries");
                deferred += j.new.len() as u64;
                j.new.clear();
            }
        }
        work.jobs
            .retain(|_, j| !j.new.is_empty() || !j.resume.is_empty());
        work.waiting += deferred;
        overlays
    }
}

/// How long after a post its messages may still be edited: that day's post only.
const EDIT_WINDOW: chrono::Duration = chrono::Duration::hours(24);

impl Deliverer {
    /// Edits in place, once, the messages of the last day's channel posts whose papers got
    /// their summaries after they went out (see [`crate::summaries::edit`]). Each edit is
    /// written to the ledger before it is sent and marked done after, so a crash repeats at
    /// most the one edit in flight (an edit sent twice changes nothing).
    pub(super) async fn edit_stage(&self, stats: &Stats) {
        let Some(s) = &self.summaries else {
            return;
        };
        let progress = s.progress();
        if self.edits_seen.swap(progress, Ordering::Relaxed) != progress {
            if let Err(e) = self.plan_edits().await {
                tracing::warn!(error = %e, "cannot plan the edits of posted messages");
            }
        }
        if let Err(e) = self.send_edits(stats).await {
            tracing::warn!(error = %e, "cannot send the edits of posted messages");
        }
    }

    async fn plan_edits(&self) -> Result<(), crate::store::StoreError> {
        let Some(s) = &self.summaries else {
            return Ok(());
        };
        let candidates = self.store.edit_candidates(EDIT_WINDOW).await?;
        if candidates.is_empty() {
            return Ok(());
        }
        let subs: HashMap<u64, crate::deliver::target::Target> = self
            .store
            .enabled_subscriptions()
            .await?
            .into_iter()
            .map(|s| (s.channel_id, crate::deliver::target::Target::Channel(s)))
            .collect();
        let mut posts: BTreeMap<(u64, NaiveDate), Vec<EditCandidate>> = BTreeMap::new();
        for c in candidates {
            posts.entry((c.channel_id, c.date)).or_default().push(c);
        }
        // Per (date, language): the day, its overlay, and the papers still being written.
        type Day = Option<(Arc<Archived>, Arc<Overlay>, HashSet<String>)>;
        let mut days: HashMap<(NaiveDate, String), Day> = HashMap::new();
        for ((channel, date), messages) in posts {
            let lang = subs.get(&channel).and_then(|t| self.reader_language(t));
            let Some(lang) = lang else {
                for m in &messages {
                    self.store.plan_edit(channel, date, m.idx, None).await?;
                }
                continue;
            };
            if let std::collections::hash_map::Entry::Vacant(slot) =
                days.entry((date, lang.clone()))
            {
                let day = match self.store.archived(date).await? {
                    Some(a) => {
                        let (overlay, pending) = s.day_for_edits(&a.digest, &lang).await?;
                        Some((Arc::new(a), overlay, pending))
                    }
                    None => None,
                };
                slot.insert(day);
            }
            let Some((day, overlay, pending)) = &days[&(date, lang)] else {
                continue;
            };
            // The posts' own words, to read them back and write them again alike.
            let chrome = subs
                .get(&channel)
                .and_then(|t| t.language().cloned())
                .unwrap_or_else(|| self.config.default_language());
            let total: usize = messages
                .iter()
                .map(|m| m.body["embeds"].as_array().map_or(0, Vec::len))
                .sum();
            // The terms each card shows, as the post's filter found them.
            let filter = match subs.get(&channel).and_then(|t| t.channel()) {
                Some(sub) => {
                    let keywords = self.store.keywords(channel).await?;
                    crate::deliver::settings::filter_for(Some(sub), &keywords).compile()
                }
                None => crate::select::filter::Filter::default().compile(),
            };
            let matched = |p: &crate::source::digest::Paper| filter.matches(p).unwrap_or_default();
            for m in &messages {
                match plan_message(
                    &m.body,
                    &day.digest,
                    overlay,
                    pending,
                    date,
                    total,
                    &chrome,
                    &matched,
                ) {
                    EditPlan::Wait => {}
                    EditPlan::Final => {
                        self.store.plan_edit(channel, date, m.idx, None).await?;
                    }
                    EditPlan::Edit(body) => {
                        self.store
                            .plan_edit(channel, date, m.idx, Some(&body))
                            .await?;
                    }
                }
            }
        }
        Ok(())
    }

    async fn send_edits(&self, stats: &Stats) -> Result<(), crate::store::StoreError> {
        for (c, body) in self.store.pending_edits().await? {
            if !self
                .store
                .claim_edit(&c, &self.process, self.lease_until())
                .await?
            {
                continue;
            }
            self.limiter.acquire().await;
            Stats::add(&stats.requests, 1);
            let channel = c.thread_id.unwrap_or(c.channel_id);
            match self
                .transport
                .edit_message(channel, c.message_id, &body)
                .await
            {
                Ok(()) => {
                    self.request_outcome(Ok(()));
                    self.store
                        .finish_edit(c.channel_id, c.date, c.idx, true)
                        .await?;
                    tracing::debug!(channel_id = c.channel_id, date = %c.date, idx = c.idx, "message edited with its summaries");
                }
                Err(e) => match &e.failure {
                    crate::deliver::failure::Failure::Transient(_)
                    | crate::deliver::failure::Failure::RateLimited => {
                        // Left pending: the next pass sends it again.
                        tracing::debug!(channel_id = c.channel_id, error = %e.failure, "editing a message failed for now");
                        return Ok(());
                    }
                    other => {
                        tracing::warn!(channel_id = c.channel_id, date = %c.date, error = %other, "Discord refused to edit a posted message; it keeps its text");
                        self.store
                            .finish_edit(c.channel_id, c.date, c.idx, false)
                            .await?;
                    }
                },
            }
        }
        Ok(())
    }
}
