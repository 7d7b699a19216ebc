//! The summary stage of a pass, between deciding what each post carries and planning it: each
//! new day's papers get the summaries stored in the reader's language; a post whose papers are
//! still being summarised waits, at most `summaries.wait_minutes` after it fell due, and asks
//! the worker for them first; then it goes out, the papers without a summary with the digest's
//! own text.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};

use super::decide::{DayRef, Work};
use super::Deliverer;
use crate::render::Overlay;
use crate::store::Archived;
use crate::summaries::overlay::{language_of, overlay, waits, wanted};
use crate::summaries::worker::Item;

/// Each (date, language)'s overlay, for planning.
pub(super) type Overlays = HashMap<(NaiveDate, String), Arc<Overlay>>;

impl Deliverer {
    /// The language `target` reads, when summaries are on.
    pub(super) fn reader_language(&self, target: &crate::target::Target) -> Option<String> {
        let s = self.summaries.as_ref()?;
        Some(language_of(target, &s.config().language))
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
        let mut missing: HashMap<(NaiveDate, String), usize> = HashMap::new();
        for ((date, lang), a) in days {
            let list = wanted(&a.digest, &lang);
            let ids: Vec<String> = list.iter().map(|(id, _)| id.clone()).collect();
            let (stored, given_up) = match async {
                Ok::<_, crate::store::StoreError>((
                    self.store.summaries_for(&ids, &lang).await?,
                    self.store.summaries_given_up(&ids, &lang).await?,
                ))
            }
            .await
            {
                Ok(x) => x,
                Err(e) => {
                    // The post goes out with the digest's text rather than not at all.
                    tracing::warn!(%date, language = %lang, error = %e, "cannot read the stored summaries");
                    continue;
                }
            };
            let absent: Vec<Item> = list
                .into_iter()
                .filter(|(id, _)| !stored.contains_key(id) && !given_up.contains(id))
                .map(|(arxiv_id, title)| Item {
                    language: lang.clone(),
                    arxiv_id,
                    title,
                })
                .collect();
            missing.insert((date, lang.clone()), absent.len());
            if !absent.is_empty() {
                s.want(absent);
            }
            overlays.insert((date, lang.clone()), Arc::new(overlay(&stored, &lang)));
        }
        let wait = s.config().wait;
        let mut deferred = 0u64;
        for j in work.jobs.values_mut() {
            let Some(lang) = self.reader_language(&j.target) else {
                continue;
            };
            let n: usize = j
                .new
                .iter()
                .filter(|(_, r)| matches!(r, DayRef::Digest(_)))
                .map(|(d, _)| missing.get(&(*d, lang.clone())).copied().unwrap_or(0))
                .sum();
            if waits(n, j.fire, now, wait) {
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
