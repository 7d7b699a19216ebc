//! A target's work in a pass: planning a chunk (render, pack, nonces, written to the ledger
//! before anything is sent) and serving one target's deliveries in date order (claim, send,
//! release, settle a channel that is gone).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDate, Utc};
use tokio_util::sync::CancellationToken;

use super::decide::{DayRef, Unplanned};
use super::engine::{Deliverer, Stats};
use super::plan::{DayContent, RenderCache};
use super::ratelimit::ChannelWindow;
use super::send::Outcome;
use crate::deliver::target::Target;
use crate::select::alerts::AlertIndex;
use crate::select::terms::Term;
use crate::store::{Archived, DeliveryStatus, StoreError};

/// A channel's ledger entries for one date: (nonce, body) per message.
type ChannelPlan = (u64, Vec<(String, serde_json::Value)>);

/// One unit of a target's work, in date order.
#[derive(Debug)]
pub(super) enum Step {
    /// Unfinished from an earlier pass; its stored plan is loaded when the channel's turn comes,
    /// so a large resumed fan-out does not hold every body in memory at once.
    Resume(NaiveDate),
    /// Planned this pass with this many messages (zero: settled at planning).
    Planned { date: NaiveDate, messages: usize },
}

/// Everything one target gets this pass, handled by one task so its messages stay in order
/// and its pacing is local.
#[derive(Debug)]
pub(super) struct ChannelJob {
    pub(super) target: Arc<Target>,
    pub(super) work: Vec<Step>,
    /// When the post planned this pass fell due (for the lag metric).
    pub(super) fire: Option<DateTime<Utc>>,
}

impl Deliverer {
    /// Renders and writes one chunk's new deliveries to the ledger; returns the chunk's jobs.
    pub(super) async fn plan_chunk(
        &self,
        chunk: Vec<Unplanned>,
        keywords: &HashMap<u64, Vec<crate::store::Keyword>>,
        people: PeopleDays<'_>,
        overlays: &super::summaries::Overlays,
        cache: &Mutex<RenderCache>,
        plan_error: &Mutex<Option<StoreError>>,
    ) -> Vec<ChannelJob> {
        let mut items: BTreeMap<NaiveDate, Vec<ChannelPlan>> = BTreeMap::new();
        let mut sources: HashMap<NaiveDate, String> = HashMap::new();
        // Announcement channels that publish each message to their followers.
        let publishing: HashSet<u64> = chunk
            .iter()
            .filter(|u| u.target.publishes())
            .map(|u| u.target.key())
            .collect();
        let dms: HashSet<u64> = chunk
            .iter()
            .filter(|u| u.target.is_person())
            .map(|u| u.target.key())
            .collect();
        let mut jobs = Vec::with_capacity(chunk.len());
        {
            let mut cache = cache.lock().expect("render cache lock");
            for u in chunk {
                let mut work: Vec<(NaiveDate, Step)> =
                    u.resume.into_iter().map(|d| (d, Step::Resume(d))).collect();
                let key = u.target.key();
                let lang = u
                    .target
                    .language()
                    .cloned()
                    .unwrap_or_else(|| self.config.default_language());
                let language = self.reader_language(&u.target);
                let overlay_of = |date: NaiveDate| {
                    let lang = language.as_deref()?;
                    let o = overlays.get(&(date, lang.to_string()))?;
                    Some((lang, &**o))
                };
                if !u.new.is_empty() {
                    let filter = u.target.channel().map(|sub| {
                        let kw = keywords.get(&key).map(Vec::as_slice).unwrap_or_default();
                        crate::deliver::settings::filter_for(Some(sub), kw)
                    });
                    for (date, day) in u.new {
                        if let DayRef::Digest(a) = &day {
                            sources.insert(date, a.source.clone());
                        }
                        let bodies = match (&day, &filter) {
                            // A channel: the day as its filter shows it (an empty-day notice if
                            // it asked for one).
                            (_, Some(filter)) => {
                                let content = match &day {
                                    DayRef::Digest(a) => {
                                        DayContent::Digest(&a.digest, Some(a.fetched_at))
                                    }
                                    DayRef::NeverPublished => DayContent::NeverPublished,
                                };
                                if u.target.posts_per_paper() {
                                    cache.post_bodies(
                                        date,
                                        content,
                                        filter,
                                        u.target.notify_empty(),
                                        overlay_of(date),
                                        &lang,
                                    )
                                } else {
                                    cache.bodies_with(
                                        date,
                                        content,
                                        filter,
                                        u.target.notify_empty(),
                                        u.target.shape(),
                                        overlay_of(date),
                                        &lang,
                                    )
                                }
                            }
                            // A person's DM "for you": ranked by their reading list.
                            (DayRef::Digest(a), None)
                                if people.for_you.contains_key(&(key, date)) =>
                            {
                                Arc::new(super::personal_day::bodies(
                                    &people.for_you[&(key, date)],
                                    date,
                                    a,
                                    overlay_of(date).map(|(_, o)| o),
                                    &lang,
                                ))
                            }
                            // A person's DM: their own matches of the day, or nothing at all.
                            (DayRef::Digest(a), None) => {
                                let mine = people
                                    .matches
                                    .get(&date)
                                    .and_then(|m| m.get(&key))
                                    .map(Vec::as_slice)
                                    .unwrap_or_default();
                                Arc::new(
                                    crate::render::day_messages_with(
                                        date,
                                        DayContent::Digest(&a.digest, Some(a.fetched_at)),
                                        crate::render::Reader::Person { matches: mine },
                                        overlay_of(date).map(|(_, o)| o),
                                        &lang,
                                    )
                                    .messages
                                    .iter()
                                    .map(|m| m.to_json(None))
                                    .collect(),
                                )
                            }
                            (DayRef::NeverPublished, None) => Arc::new(Vec::new()),
                        };
                        let planned = cache.plan_for(key, date, &bodies);
                        work.push((
                            date,
                            Step::Planned {
                                date,
                                messages: planned.len(),
                            },
                        ));
                        items.entry(date).or_default().push((key, planned));
                    }
                }
                work.sort_by_key(|(date, _)| *date);
                jobs.push(ChannelJob {
                    target: u.target,
                    work: work.into_iter().map(|(_, w)| w).collect(),
                    fire: u.fire,
                });
            }
        }
        for (date, list) in items {
            let source = sources.get(&date).map(String::as_str);
            if let Err(e) = self
                .store
                .plan_deliveries(date, source, &list, &publishing, &dms)
                .await
            {
                tracing::error!(%date, error = %e, "could not write delivery plans; those channels wait for the next pass");
                let failed: std::collections::HashSet<u64> = list.iter().map(|(c, _)| *c).collect();
                for job in &mut jobs {
                    if failed.contains(&job.target.key()) {
                        job.work
                            .retain(|w| !matches!(w, Step::Planned { date: d, .. } if *d == date));
                    }
                }
                plan_error.lock().expect("plan error lock").get_or_insert(e);
            }
        }
        jobs
    }

    /// Serves one channel: its deliveries in date order, stopping at the first one that cannot
    /// finish (so a channel never gets a later day before an earlier one).
    pub(super) async fn run_job(&self, job: ChannelJob, cancel: &CancellationToken, stats: &Stats) {
        let channel = job.target.key();
        let mut window = ChannelWindow::new(self.tuning.channel_limit, self.tuning.channel_window);
        let mut work = job.work.into_iter();
        while let Some(w) = work.next() {
            if cancel.is_cancelled() || stats.abort.load(Ordering::Relaxed) {
                Stats::add(&stats.pending, 1 + work.len() as u64);
                break;
            }
            let planned_now = matches!(w, Step::Planned { .. });
            let date = match w {
                Step::Planned { messages: 0, .. } => {
                    Stats::add(&stats.completed, 1);
                    continue;
                }
                Step::Resume(date) | Step::Planned { date, .. } => date,
            };
            let delivery = match self.store.delivery(channel, date).await {
                Ok(Some(d)) => d,
                Ok(None) => continue,
                Err(e) => {
                    tracing::error!(channel_id = channel, %date, error = %e, "cannot load the planned delivery");
                    Stats::add(&stats.errors, 1);
                    break;
                }
            };
            if delivery.status != DeliveryStatus::Pending {
                continue;
            }
            let until = self.lease_until();
            match self
                .store
                .claim_delivery(channel, date, &self.process, until)
                .await
            {
                Ok(true) => {}
                Ok(false) => {
                    // Another process claimed it first; the channel's later days wait too, so
                    // its posts stay in order.
                    tracing::debug!(channel_id = channel, %date, "delivery claimed by another process");
                    Stats::add(&stats.pending, 1 + work.len() as u64);
                    break;
                }
                Err(e) => {
                    tracing::error!(channel_id = channel, %date, error = %e, "cannot claim the delivery");
                    Stats::add(&stats.errors, 1);
                    break;
                }
            }
            let outcome = self
                .send_delivery(&job.target, delivery, &mut window, cancel, stats)
                .await;
            if matches!(
                outcome,
                Ok(Outcome::Pending { .. } | Outcome::Abort) | Err(_)
            ) {
                // Left unfinished: any process may take it up at once, and needs to look on
                // Discord first only if a request's effect is unknown.
                let settled = matches!(
                    outcome,
                    Ok(Outcome::Pending { unsure: false } | Outcome::Abort)
                );
                if let Err(e) = self
                    .store
                    .release_delivery(channel, date, &self.process, settled)
                    .await
                {
                    tracing::warn!(channel_id = channel, %date, error = %e, "could not release the delivery's lease");
                }
            }
            match outcome {
                Ok(Outcome::Done) => {
                    Stats::add(&stats.completed, 1);
                    if let (true, Some(fire)) = (planned_now, job.fire) {
                        let lag = (self.clock.now() - fire).to_std().unwrap_or_default();
                        crate::ops::metrics::delivery_lag(job.target.is_person(), lag);
                    }
                }
                Ok(Outcome::Failed) => Stats::add(&stats.failed, 1),
                Ok(Outcome::Pending { .. }) => {
                    Stats::add(&stats.pending, 1 + work.len() as u64);
                    break;
                }
                Ok(Outcome::Abort) => {
                    stats.abort.store(true, Ordering::Relaxed);
                    Stats::add(&stats.pending, 1 + work.len() as u64);
                    break;
                }
                Ok(Outcome::ChannelGone(reason)) => {
                    Stats::add(&stats.paused, 1);
                    Stats::add(&stats.failed, 1);
                    // The channel's later days would fail the same way: settle them now.
                    for rest in work.by_ref() {
                        let d = match rest {
                            Step::Resume(d) => d,
                            Step::Planned { date, .. } => date,
                        };
                        let settled = async {
                            self.store
                                .record_channel_unavailable(channel, d, &reason)
                                .await?;
                            self.store
                                .finish_delivery(channel, d, DeliveryStatus::Failed)
                                .await
                        };
                        if let Err(e) = settled.await {
                            tracing::warn!(channel_id = channel, date = %d, error = %e, "could not settle a paused channel's delivery");
                        }
                        Stats::add(&stats.failed, 1);
                    }
                    if let Some(sub) = job.target.channel() {
                        self.notify_guild(sub, &reason, stats).await;
                    }
                    break;
                }
                Err(e) => {
                    tracing::error!(channel_id = channel, %date, error = %e, "ledger write failed; delivery resumes next pass");
                    Stats::add(&stats.errors, 1);
                    Stats::add(&stats.pending, 1);
                    break;
                }
            }
        }
        stats.channels_done.fetch_add(1, Ordering::Relaxed);
    }
}

/// What people's DMs are planned from: everybody's matches, and the "for you" days.
#[derive(Debug, Clone, Copy)]
pub(super) struct PeopleDays<'a> {
    pub(super) matches: &'a AlertMatches,
    pub(super) for_you: &'a super::personal_day::ForYouDms,
}

/// Each date's matches, per person.
pub(super) type AlertMatches = HashMap<NaiveDate, HashMap<u64, Vec<(usize, Vec<String>)>>>;

/// One index over the terms of every person with a new day this pass, matched once per day.
pub(super) fn alert_matches(
    jobs: &BTreeMap<u64, Unplanned>,
    terms: &HashMap<u64, Vec<Term>>,
) -> AlertMatches {
    let mut days: BTreeMap<NaiveDate, Arc<Archived>> = BTreeMap::new();
    let mut people = Vec::new();
    for j in jobs.values().filter(|j| j.target.is_person()) {
        let mut any = false;
        for (date, day) in &j.new {
            if let DayRef::Digest(a) = day {
                days.entry(*date).or_insert_with(|| a.clone());
                any = true;
            }
        }
        if any {
            if let Some(t) = terms.get(&j.target.key()) {
                people.push((j.target.key(), t.clone()));
            }
        }
    }
    if people.is_empty() {
        return AlertMatches::new();
    }
    let index = AlertIndex::build(people);
    days.into_iter()
        .map(|(date, a)| {
            let m = index
                .matches(&a.digest.papers)
                .into_iter()
                .map(|p| (p.user, p.papers))
                .collect();
            (date, m)
        })
        .collect()
}
