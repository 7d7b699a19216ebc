//! The background look at saved papers: every few minutes, the papers saved by people with
//! "for you" on that are due (never looked at, or their next look has come: daily while a
//! paper is new, less often as it ages, [`next_check`]) are looked up on Hugging Face, one
//! request at a time, and what appeared is stamped in the store; the delivery pass tells each
//! person in their next DM ([`crate::store::Store::followup_news`]).
//!
//! Each look is claimed in the store first, so processes sharing a database never look at the
//! same paper at once. A 429 stops the round for its `retry-after`; a 5xx or a network failure
//! postpones that paper (30 minutes, doubling while failures go on, at most a day) and ends the
//! round, so a Hugging Face outage costs one request per round, not one per paper.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::clock::Clock;
use crate::select::for_you::followup::next_check;
use crate::source::hf_paper::{HfPapers, PageError};
use crate::store::{Store, StoreError};

/// Papers looked at in one round at most (at the default pace, under two minutes).
pub const BATCH: usize = 100;
/// How long a claimed look is held: far longer than one request.
const CLAIM: chrono::Duration = chrono::Duration::minutes(15);
/// A failed look is tried again this much later, doubling with each failure in a row, at most
/// a day.
const RETRY_BASE_MINUTES: i64 = 30;
const RETRY_MAX_MINUTES: i64 = 24 * 60;

/// What one round did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Round {
    /// Papers looked at.
    pub looked: usize,
    /// Papers on which a kind of link appeared.
    pub changed: usize,
    /// Why the round stopped early, if it did.
    pub stopped: Option<PageError>,
}

pub struct FollowUps {
    store: Store,
    pages: HfPapers,
    clock: Arc<dyn Clock>,
    every: Duration,
    /// Failed looks in a row.
    failures: AtomicU32,
    /// Whether the last round failed: a failure is logged when it starts, its end when it ends,
    /// not every round in between.
    failing: std::sync::atomic::AtomicBool,
}

impl FollowUps {
    /// `every`: how often a round runs; `interval`: the pause between two requests.
    pub fn new(
        store: Store,
        client: reqwest::Client,
        hf_base: &str,
        clock: Arc<dyn Clock>,
        every: Duration,
        interval: Duration,
    ) -> FollowUps {
        FollowUps {
            store,
            pages: HfPapers::new(client, hf_base, interval),
            clock,
            every,
            failures: AtomicU32::new(0),
            failing: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// One round (see the module docs).
    pub async fn round(&self) -> Result<Round, StoreError> {
        let mut round = Round::default();
        let due = self.store.followups_due(self.clock.now(), BATCH).await?;
        for arxiv_id in due {
            let now = self.clock.now();
            if !self
                .store
                .claim_followup(&arxiv_id, now, now + CLAIM)
                .await?
            {
                continue;
            }
            match self.pages.links(&arxiv_id).await {
                Ok(links) => {
                    let next = now + next_check(&arxiv_id, now.date_naive());
                    let new = self.store.record_followup(&arxiv_id, &links, next).await?;
                    round.looked += 1;
                    if !new.is_empty() {
                        round.changed += 1;
                        tracing::info!(%arxiv_id, gained = ?new, "a saved paper gained links on Hugging Face");
                    }
                    self.failures.store(0, Ordering::Relaxed);
                }
                Err(e) => {
                    let failures = self.failures.fetch_add(1, Ordering::Relaxed);
                    let wait = match &e {
                        PageError::RateLimited {
                            retry_after: Some(d),
                        } => chrono::Duration::from_std(*d).unwrap_or(chrono::Duration::hours(1)),
                        _ => chrono::Duration::minutes(
                            (RETRY_BASE_MINUTES << failures.min(8)).min(RETRY_MAX_MINUTES),
                        ),
                    };
                    self.store.postpone_followup(&arxiv_id, now + wait).await?;
                    round.stopped = Some(e);
                    break;
                }
            }
        }
        Ok(round)
    }

    /// Rounds until `shutdown`, [`FollowUps::new`]'s `every` apart (longer after a 429 that
    /// asked for more).
    pub async fn run(self: Arc<Self>, shutdown: CancellationToken) {
        loop {
            let mut pause = self.every;
            match self.round().await {
                Ok(r) => {
                    if let Some(e) = &r.stopped {
                        if !self.failing.swap(true, Ordering::Relaxed) {
                            tracing::warn!(error = %e, "Hugging Face failed a look at a saved paper; follow-ups wait for the next round (said once until it answers again)");
                        } else {
                            tracing::debug!(error = %e, "follow-ups on saved papers still failing");
                        }
                        if let PageError::RateLimited {
                            retry_after: Some(d),
                        } = e
                        {
                            pause = pause.max(*d);
                        }
                    } else if self.failing.swap(false, Ordering::Relaxed) {
                        tracing::info!(
                            looked = r.looked,
                            "Hugging Face answers again; follow-ups on saved papers resume"
                        );
                    } else if r.looked > 0 {
                        tracing::debug!(
                            looked = r.looked,
                            changed = r.changed,
                            "follow-ups on saved papers looked at"
                        );
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "follow-ups on saved papers: the database failed; next round as usual")
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                _ = shutdown.cancelled() => return,
            }
        }
    }
}
