//! The daily delivery engine: on time, exactly once, at the rate-limit floor.
//!
//! # How a pass works ([`Deliverer::tick`])
//! 1. Unfinished deliveries in the ledger are resumed from their first unsent message, using the
//!    bodies stored when they were planned.
//! 2. Every enabled subscription's due (channel, date) pairs without a ledger row are found
//!    ([`plan::due_deliveries`]); each date's digest is fetched once for all channels (a late
//!    digest is re-checked with backoff until its publish deadline).
//! 3. Channels are planned in chunks: filtered, rendered, packed, a deterministic nonce per
//!    message, and written to the ledger *before* anything is sent.
//! 4. Channels are served concurrently under one global limiter and a per-channel window; each
//!    message goes out with `nonce` + `enforce_nonce` and its id is recorded right after, so a
//!    crash between the two is de-duplicated by Discord on resume.
//!
//! # Layout
//! - [`plan`]: pure decisions (what is due, what a channel gets, nonces, backoff).
//! - [`ratelimit`]: the global GCRA limiter and the per-channel window.
//! - `send`: one delivery's requests, retries and error handling.
//! - `scheduler`: the loop that runs passes and sleeps until the next due time.

pub mod plan;
pub mod ratelimit;
mod scheduler;
mod send;

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use futures::stream::{FuturesUnordered, StreamExt};
use serenity::http::Http;
use tokio_util::sync::CancellationToken;

use crate::clock::Clock;
use crate::config::Config;
use crate::digest::Digest;
use crate::fetch::Fetcher;
use crate::store::{DeliveryStatus, Store, StoreError, Subscription};
use plan::{DayContent, DueDelivery, RenderCache};
use ratelimit::{ChannelWindow, GlobalLimiter};
use send::Outcome;

pub use scheduler::{run_scheduler, RunSummary};
pub use send::{classify_status, pause_notice, Failure};

/// Knobs that are not worth a config key: the defaults suit Discord; tests shrink the waits.
#[derive(Debug, Clone)]
pub struct Tuning {
    /// A request without an answer after this long counts as a transient failure.
    pub request_timeout: Duration,
    /// First backoff after a 5xx / timeout (doubling, with jitter).
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// Wait after a 429 (serenity does not pass `retry_after` through), plus up to 25 % jitter.
    pub rate_limited_wait: Duration,
    /// 429s tolerated for one request before the delivery is left for the next pass.
    pub max_rate_limited: u32,
    /// Per-channel pacing: at most `channel_limit` requests per `channel_window`.
    pub channel_limit: usize,
    pub channel_window: Duration,
    /// Channels planned (rendered and written to the ledger) per batch while earlier batches send.
    pub plan_chunk: usize,
    /// Progress of a long fan-out is logged this often.
    pub progress_every: Duration,
    /// The scheduler wakes at least this often, to notice new subscriptions and clock changes.
    pub max_sleep: Duration,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            request_timeout: Duration::from_secs(15),
            backoff_base: Duration::from_secs(1),
            backoff_max: Duration::from_secs(30),
            rate_limited_wait: Duration::from_secs(1),
            max_rate_limited: 10,
            channel_limit: 5,
            channel_window: Duration::from_millis(5_100),
            plan_chunk: 25,
            progress_every: Duration::from_secs(5),
            max_sleep: Duration::from_secs(60),
        }
    }
}

/// The delivery engine. One per process (see `discord::run`); `tick` is also what tests drive.
pub struct Deliverer {
    http: Arc<Http>,
    store: Store,
    fetcher: Arc<Fetcher>,
    config: Arc<Config>,
    clock: Arc<dyn Clock>,
    tuning: Tuning,
    limiter: GlobalLimiter,
    /// Dates whose digest was not there at the last check, and when to look again.
    late: Mutex<HashMap<NaiveDate, LateCheck>>,
    /// The bot's own user id (`GET /users/@me`), asked once: only its own forum threads count.
    bot_user_id: tokio::sync::OnceCell<u64>,
}

#[derive(Debug, Clone)]
struct LateCheck {
    checks: u32,
    next_check: DateTime<Utc>,
    /// Why the last check failed; `None` when it found nothing published.
    error: Option<String>,
}

/// What happened in one pass.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PassSummary {
    /// (channel, date) deliveries worked on: resumed plus newly planned.
    pub deliveries: u64,
    pub resumed: u64,
    /// Deliveries completed (including days with nothing to post).
    pub completed: u64,
    pub messages_sent: u64,
    /// Every request sent to Discord, retries and crossposts included.
    pub requests: u64,
    pub rate_limited: u64,
    pub retries: u64,
    /// Channels paused this pass (deleted, or access lost).
    pub paused: u64,
    /// Deliveries given up for good (a payload Discord rejects).
    pub failed: u64,
    /// Deliveries left unfinished for the next pass.
    pub left_pending: u64,
    /// (channel, date) pairs still waiting for a late digest.
    pub waiting: u64,
    /// Database, fetch or other errors that cut part of the pass short.
    pub errors: u64,
    pub elapsed: Duration,
}

impl fmt::Display for PassSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} deliveries ({} resumed): {} completed, {} messages, {} requests, {} rate-limited, \
             {} retries, {} paused, {} failed, {} pending, {} waiting for the digest, {} errors in {:.1}s",
            self.deliveries,
            self.resumed,
            self.completed,
            self.messages_sent,
            self.requests,
            self.rate_limited,
            self.retries,
            self.paused,
            self.failed,
            self.left_pending,
            self.waiting,
            self.errors,
            self.elapsed.as_secs_f64()
        )
    }
}

/// Counters shared by the concurrent tasks of one pass.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    deliveries: AtomicU64,
    resumed: AtomicU64,
    completed: AtomicU64,
    messages: AtomicU64,
    requests: AtomicU64,
    rate_limited: AtomicU64,
    retries: AtomicU64,
    paused: AtomicU64,
    failed: AtomicU64,
    pending: AtomicU64,
    waiting: AtomicU64,
    errors: AtomicU64,
    channels_done: AtomicU64,
    abort: AtomicBool,
}

impl Stats {
    fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    fn summary(&self, elapsed: Duration) -> PassSummary {
        let g = |c: &AtomicU64| c.load(Ordering::Relaxed);
        PassSummary {
            deliveries: g(&self.deliveries),
            resumed: g(&self.resumed),
            completed: g(&self.completed),
            messages_sent: g(&self.messages),
            requests: g(&self.requests),
            rate_limited: g(&self.rate_limited),
            retries: g(&self.retries),
            paused: g(&self.paused),
            failed: g(&self.failed),
            left_pending: g(&self.pending),
            waiting: g(&self.waiting),
            errors: g(&self.errors),
            elapsed,
        }
    }
}

/// A day's digest as far as this pass knows.
#[derive(Debug, Clone)]
enum DayState {
    Ready(Arc<Digest>),
    /// Not published at the last check.
    NotPublished,
    /// The last check failed (network, parse): retried later, never treated as "nothing".
    /// Carries the error.
    Unavailable(String),
}

/// A channel's ledger entries for one date: (nonce, body) per message.
type ChannelPlan = (u64, Vec<(String, serde_json::Value)>);

/// One unit of work for a channel, in date order.
#[derive(Debug)]
enum Work {
    /// Unfinished from an earlier pass; its stored plan is loaded when the channel's turn comes,
    /// so a large resumed fan-out does not hold every body in memory at once.
    Resume(NaiveDate),
    /// Planned this pass with this many messages (zero: settled at planning).
    Planned { date: NaiveDate, messages: usize },
}

/// Everything one channel gets this pass, handled by one task so its messages stay in order
/// and its pacing is local.
#[derive(Debug)]
struct ChannelJob {
    sub: Arc<Subscription>,
    work: Vec<Work>,
}

/// A job before planning: resumes are ready, new dates still need bodies.
struct Unplanned {
    sub: Arc<Subscription>,
    resume: Vec<NaiveDate>,
    new: Vec<(NaiveDate, DayRef)>,
}

fn unplanned<'a>(
    jobs: &'a mut BTreeMap<u64, Unplanned>,
    sub: &Arc<Subscription>,
) -> &'a mut Unplanned {
    jobs.entry(sub.channel_id).or_insert_with(|| Unplanned {
        sub: sub.clone(),
        resume: Vec::new(),
        new: Vec::new(),
    })
}

#[derive(Debug, Clone)]
enum DayRef {
    Digest(Arc<Digest>),
    NeverPublished,
}

impl Deliverer {
    pub fn new(
        http: Arc<Http>,
        store: Store,
        fetcher: Arc<Fetcher>,
        config: Arc<Config>,
        clock: Arc<dyn Clock>,
    ) -> Deliverer {
        let limiter = GlobalLimiter::new(f64::from(config.delivery.requests_per_second));
        Deliverer {
            http,
            store,
            fetcher,
            config,
            clock,
            tuning: Tuning::default(),
            limiter,
            late: Mutex::new(HashMap::new()),
            bot_user_id: tokio::sync::OnceCell::new(),
        }
    }

    /// Replaces the default [`Tuning`] (tests use short waits).
    pub fn with_tuning(mut self, tuning: Tuning) -> Deliverer {
        self.tuning = tuning;
        self
    }

    /// One pass: resume unfinished deliveries, then deliver every due (channel, date).
    pub async fn tick(&self, cancel: &CancellationToken) -> PassSummary {
        let started = tokio::time::Instant::now();
        let stats = Stats::default();
        if let Err(e) = self.pass(cancel, &stats).await {
            tracing::error!(error = %e, "delivery pass failed; unfinished work is retried next pass");
            Stats::add(&stats.errors, 1);
        }
        let summary = stats.summary(started.elapsed());
        if summary.deliveries > 0 || summary.errors > 0 {
            tracing::info!(%summary, "delivery pass");
        } else {
            tracing::debug!(%summary, "delivery pass");
        }
        summary
    }

    async fn pass(&self, cancel: &CancellationToken, stats: &Stats) -> Result<(), StoreError> {
        let now = self.clock.now();
        let subs: HashMap<u64, Arc<Subscription>> = self
            .store
            .enabled_subscriptions()
            .await?
            .into_iter()
            .map(|s| (s.channel_id, Arc::new(s)))
            .collect();

        let mut jobs: BTreeMap<u64, Unplanned> = BTreeMap::new();
        // 1. Unfinished deliveries of channels still enabled (a paused channel keeps its pending
        //    delivery until `/papers resume`).
        for (channel_id, date) in self.store.pending_delivery_keys().await? {
            if let Some(sub) = subs.get(&channel_id) {
                unplanned(&mut jobs, sub).resume.push(date);
            }
        }

        // 2. Due pairs without a ledger row.
        let sub_list: Vec<Subscription> = subs.values().map(|s| (**s).clone()).collect();
        let due = plan::due_deliveries(&sub_list, &self.config.schedule, now);
        drop(sub_list);
        let dates: BTreeSet<NaiveDate> = due.iter().map(|d| d.due.date).collect();
        let mut existing = HashMap::new();
        for date in &dates {
            existing.insert(*date, self.store.existing_deliveries(*date).await?);
        }
        let due = plan::drop_existing(due, &existing);
        drop(existing);

        let mut by_date: BTreeMap<NaiveDate, Vec<DueDelivery>> = BTreeMap::new();
        for d in due {
            by_date.entry(d.due.date).or_default().push(d);
        }
        // Late checks of dates no channel waits for any more would only wake the scheduler.
        self.late
            .lock()
            .expect("late lock")
            .retain(|date, _| by_date.contains_key(date));
        for (date, list) in by_date {
            let next_deadline = list
                .iter()
                .map(|d| plan::publish_deadline(d.due.due_at, &self.config.schedule))
                .filter(|t| *t > now)
                .min();
            // The daily post waits for the primary source first and settles for the fallback
            // only `fallback_after` past the earliest due time (or at the publish deadline, if
            // that comes sooner, so a day is never declared missing with a fallback unasked).
            let earliest_due = list.iter().map(|d| d.due.due_at).min().unwrap_or(now);
            let fallback_at = earliest_due + self.fallback_delay();
            let allow_fallback = now >= fallback_at;
            let next_check_by = std::iter::once(fallback_at)
                .chain(next_deadline)
                .filter(|t| *t > now)
                .min();
            let state = self
                .day_state(date, now, allow_fallback, next_check_by)
                .await;
            let mut still_waiting = false;
            for d in list {
                let sub = &subs[&d.channel_id];
                let day = match &state {
                    DayState::Ready(digest) => DayRef::Digest(digest.clone()),
                    DayState::NotPublished
                        if now >= plan::publish_deadline(d.due.due_at, &self.config.schedule) =>
                    {
                        DayRef::NeverPublished
                    }
                    DayState::Unavailable(error)
                        if now >= plan::publish_deadline(d.due.due_at, &self.config.schedule) =>
                    {
                        // Still unreadable at the deadline: the pair is about to leave the due
                        // window, so the day is settled as failed, loudly, rather than dropped.
                        if !self
                            .give_up_unavailable(d.channel_id, date, error, stats)
                            .await
                        {
                            still_waiting = true;
                        }
                        continue;
                    }
                    DayState::NotPublished | DayState::Unavailable(_) => {
                        Stats::add(&stats.waiting, 1);
                        still_waiting = true;
                        continue;
                    }
                };
                unplanned(&mut jobs, sub).new.push((date, day));
            }
            if !still_waiting {
                self.late.lock().expect("late lock").remove(&date);
            }
        }
        if jobs.is_empty() {
            return Ok(());
        }

        let new_channels: Vec<u64> = jobs
            .values()
            .filter(|j| !j.new.is_empty())
            .map(|j| j.sub.channel_id)
            .collect();
        let keywords = self.store.keywords_for_channels(&new_channels).await?;
        let total = jobs.len() as u64;
        for j in jobs.values() {
            Stats::add(&stats.deliveries, (j.resume.len() + j.new.len()) as u64);
            Stats::add(&stats.resumed, j.resume.len() as u64);
        }

        // 3 + 4. Plan chunk by chunk while earlier chunks are being sent.
        let chunk = self.tuning.plan_chunk.max(1);
        let mut chunks: Vec<Vec<Unplanned>> = Vec::new();
        let mut current = Vec::with_capacity(chunk);
        for (_, j) in jobs {
            current.push(j);
            if current.len() == chunk {
                chunks.push(std::mem::replace(&mut current, Vec::with_capacity(chunk)));
            }
        }
        if !current.is_empty() {
            chunks.push(current);
        }
        let cache = Mutex::new(RenderCache::default());
        let plan_error: Mutex<Option<StoreError>> = Mutex::new(None);
        let fanout = async {
            // Jobs run `concurrency` at a time; the next chunk is planned while the current one
            // sends, so planning never leaves the limiter idle.
            let concurrency = self.config.delivery.concurrency.max(1);
            let mut chunks = chunks.into_iter();
            let mut queue: VecDeque<ChannelJob> = VecDeque::new();
            let mut in_flight = FuturesUnordered::new();
            let mut planning: Option<Pin<Box<dyn Future<Output = Vec<ChannelJob>> + Send + '_>>> =
                None;
            loop {
                while in_flight.len() < concurrency {
                    match queue.pop_front() {
                        Some(job) => in_flight.push(self.run_job(job, cancel, stats)),
                        None => break,
                    }
                }
                if planning.is_none() && queue.len() < concurrency && !cancel.is_cancelled() {
                    if let Some(chunk) = chunks.next() {
                        planning = Some(Box::pin(self.plan_chunk(
                            chunk,
                            &keywords,
                            &cache,
                            &plan_error,
                        )));
                    }
                }
                if in_flight.is_empty() && planning.is_none() {
                    break;
                }
                tokio::select! {
                    jobs = async { planning.as_mut().expect("checked").await }, if planning.is_some() => {
                        queue.extend(jobs);
                        planning = None;
                    }
                    _ = in_flight.next(), if !in_flight.is_empty() => {}
                }
            }
            // Channels never started because of shutdown stay for the next pass.
            let unstarted: u64 = queue.iter().map(|j| j.work.len() as u64).sum();
            Stats::add(&stats.pending, unstarted);
        };

        let progress = async {
            let started = tokio::time::Instant::now();
            let mut every = tokio::time::interval(self.tuning.progress_every);
            every.tick().await;
            loop {
                every.tick().await;
                let done = stats.channels_done.load(Ordering::Relaxed);
                let requests = stats.requests.load(Ordering::Relaxed);
                let secs = started.elapsed().as_secs_f64().max(0.001);
                tracing::info!(
                    channels_done = done,
                    channels_total = total,
                    messages = stats.messages.load(Ordering::Relaxed),
                    requests_per_second = format!("{:.1}", requests as f64 / secs),
                    "fan-out progress: {done}/{total} channels"
                );
            }
        };
        tokio::select! {
            _ = fanout => {}
            _ = progress => {}
        }
        match plan_error.into_inner().expect("plan error lock") {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// How long after a day's earliest due time the fallback source is accepted: the configured
    /// `fallback_after`, but never past the publish deadline.
    fn fallback_delay(&self) -> chrono::Duration {
        let after = chrono::Duration::from_std(self.config.source.fallback_after)
            .unwrap_or_else(|_| chrono::Duration::hours(2));
        let deadline = chrono::Duration::from_std(self.config.schedule.publish_deadline)
            .unwrap_or_else(|_| chrono::Duration::days(1));
        after.min(deadline)
    }

    /// The digest for `date`, fetched at most once per pass and, while it is late, no more often
    /// than the backoff allows (never later than `check_by`: the moment the fallback becomes
    /// acceptable or the next channel's publish deadline). The fallback source is used only when
    /// `allow_fallback`.
    async fn day_state(
        &self,
        date: NaiveDate,
        now: DateTime<Utc>,
        allow_fallback: bool,
        check_by: Option<DateTime<Utc>>,
    ) -> DayState {
        let previous = self.late.lock().expect("late lock").get(&date).cloned();
        if let Some(p) = &previous {
            if now < p.next_check {
                return match &p.error {
                    None => DayState::NotPublished,
                    Some(e) => DayState::Unavailable(e.clone()),
                };
            }
        }
        let result = self.fetcher.digest_with(date, allow_fallback).await;
        let checks = previous.as_ref().map_or(0, |p| p.checks) + 1;
        let mut next_check = now
            + chrono::Duration::from_std(plan::late_retry_delay(checks, &self.config.schedule))
                .unwrap_or_else(|_| chrono::Duration::minutes(5));
        if let Some(by) = check_by {
            next_check = next_check.min(by);
        }
        let mut late = self.late.lock().expect("late lock");
        match result {
            Ok(digest) => {
                late.remove(&date);
                DayState::Ready(Arc::new(digest))
            }
            Err(e) => {
                let not_published = e.is_not_published();
                if not_published {
                    tracing::info!(%date, checks, allow_fallback, next_check = %next_check, "digest not published yet");
                } else {
                    tracing::warn!(%date, error = %e, checks, next_check = %next_check, "could not get the digest; will retry");
                }
                let error = (!not_published).then(|| e.to_string());
                late.insert(
                    date,
                    LateCheck {
                        checks,
                        next_check,
                        error: error.clone(),
                    },
                );
                match error {
                    None => DayState::NotPublished,
                    Some(e) => DayState::Unavailable(e),
                }
            }
        }
    }

    /// Settles a (channel, date) whose digest stayed unavailable (network errors, a malformed
    /// file) past its publish deadline: a `failed` ledger row with the reason, and an error in
    /// the log, so the day is visibly missed instead of silently leaving the due window.
    /// Returns whether the failure was recorded (if not, the pair is tried again next pass).
    async fn give_up_unavailable(
        &self,
        channel: u64,
        date: NaiveDate,
        error: &str,
        stats: &Stats,
    ) -> bool {
        let reason = format!("the digest could not be read before the deadline: {error}");
        match self
            .store
            .record_failed_delivery(channel, date, &reason)
            .await
        {
            Ok(_) => {
                tracing::error!(channel_id = channel, %date, %error, "giving up on the day: its digest stayed unavailable until the publish deadline");
                Stats::add(&stats.failed, 1);
                true
            }
            Err(e) => {
                tracing::error!(channel_id = channel, %date, %error, store_error = %e, "the day's digest stayed unavailable and the failure could not be recorded; retried next pass");
                Stats::add(&stats.errors, 1);
                false
            }
        }
    }

    /// The earliest moment a late digest should be looked for again.
    fn next_late_check(&self) -> Option<DateTime<Utc>> {
        self.late
            .lock()
            .expect("late lock")
            .values()
            .map(|l| l.next_check)
            .min()
    }

    /// Renders and writes one chunk's new deliveries to the ledger; returns the chunk's jobs.
    async fn plan_chunk(
        &self,
        chunk: Vec<Unplanned>,
        keywords: &HashMap<u64, Vec<crate::store::Keyword>>,
        cache: &Mutex<RenderCache>,
        plan_error: &Mutex<Option<StoreError>>,
    ) -> Vec<ChannelJob> {
        let mut items: BTreeMap<NaiveDate, Vec<ChannelPlan>> = BTreeMap::new();
        let mut jobs = Vec::with_capacity(chunk.len());
        {
            let mut cache = cache.lock().expect("render cache lock");
            for u in chunk {
                let mut work: Vec<(NaiveDate, Work)> =
                    u.resume.into_iter().map(|d| (d, Work::Resume(d))).collect();
                if !u.new.is_empty() {
                    let kw = keywords
                        .get(&u.sub.channel_id)
                        .map(Vec::as_slice)
                        .unwrap_or_default();
                    let filter = crate::channel::filter_for(Some(&u.sub), kw);
                    for (date, day) in u.new {
                        let content = match &day {
                            DayRef::Digest(d) => DayContent::Digest(d),
                            DayRef::NeverPublished => DayContent::NeverPublished,
                        };
                        let bodies = cache.bodies(date, content, &filter, u.sub.notify_empty);
                        let planned = cache.plan_for(u.sub.channel_id, date, &bodies);
                        work.push((
                            date,
                            Work::Planned {
                                date,
                                messages: planned.len(),
                            },
                        ));
                        items
                            .entry(date)
                            .or_default()
                            .push((u.sub.channel_id, planned));
                    }
                }
                work.sort_by_key(|(date, _)| *date);
                jobs.push(ChannelJob {
                    sub: u.sub,
                    work: work.into_iter().map(|(_, w)| w).collect(),
                });
            }
        }
        for (date, list) in items {
            if let Err(e) = self.store.plan_deliveries(date, &list).await {
                tracing::error!(%date, error = %e, "could not write delivery plans; those channels wait for the next pass");
                let failed: std::collections::HashSet<u64> = list.iter().map(|(c, _)| *c).collect();
                for job in &mut jobs {
                    if failed.contains(&job.sub.channel_id) {
                        job.work
                            .retain(|w| !matches!(w, Work::Planned { date: d, .. } if *d == date));
                    }
                }
                plan_error.lock().expect("plan error lock").get_or_insert(e);
            }
        }
        jobs
    }

    /// Serves one channel: its deliveries in date order, stopping at the first one that cannot
    /// finish (so a channel never gets a later day before an earlier one).
    async fn run_job(&self, job: ChannelJob, cancel: &CancellationToken, stats: &Stats) {
        let channel = job.sub.channel_id;
        let mut window = ChannelWindow::new(self.tuning.channel_limit, self.tuning.channel_window);
        let mut work = job.work.into_iter();
        while let Some(w) = work.next() {
            if cancel.is_cancelled() || stats.abort.load(Ordering::Relaxed) {
                Stats::add(&stats.pending, 1 + work.len() as u64);
                break;
            }
            let date = match w {
                Work::Planned { messages: 0, .. } => {
                    Stats::add(&stats.completed, 1);
                    continue;
                }
                Work::Resume(date) | Work::Planned { date, .. } => date,
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
            let outcome = self
                .send_delivery(&job.sub, delivery, &mut window, cancel, stats)
                .await;
            match outcome {
                Ok(Outcome::Done) => Stats::add(&stats.completed, 1),
                Ok(Outcome::Failed) => Stats::add(&stats.failed, 1),
                Ok(Outcome::Pending) => {
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
                            Work::Resume(d) => d,
                            Work::Planned { date, .. } => date,
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
                    self.notify_guild(&job.sub, &reason, stats).await;
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

    /// When the scheduler should run the next pass: the earliest next due time of any enabled
    /// channel, or the next check of a late digest, capped at [`Tuning::max_sleep`].
    pub async fn next_wake(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let cap = now
            + chrono::Duration::from_std(self.tuning.max_sleep)
                .unwrap_or_else(|_| chrono::Duration::seconds(60));
        let mut next = cap;
        match self.store.enabled_subscriptions().await {
            Ok(subs) => {
                for s in &subs {
                    let schedule = crate::channel::schedule_for(Some(s), &self.config.schedule);
                    if let Some(t) = schedule.next_after(now) {
                        next = next.min(t);
                    }
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot read subscriptions to plan the next wake-up")
            }
        }
        if let Some(t) = self.next_late_check() {
            next = next.min(t);
        }
        next.max(now)
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }
}
