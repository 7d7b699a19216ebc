//! The daily delivery engine: on time, exactly once, at the rate-limit floor.
//!
//! # How a pass works ([`Deliverer::tick`])
//! 1. Unfinished deliveries in the ledger are resumed from their first unsent message, using the
//!    bodies stored when they were planned.
//! 2. Every enabled subscription whose post is open (its latest fire, while the wait after it
//!    lasts; on the first pass after start-up, any fire within the catch-up window) is asked
//!    what it carries ([`crate::carry`]): the complete digests it has not had. Each date is
//!    looked up once for all channels, archive first; a digest that is due and late is
//!    re-checked with backoff, the fallback's version is used once the primary has had its
//!    chance (at once when the primary has gone quiet), and a day still growing at its source
//!    (a Hugging Face list before its day settled) is never posted.
//! 3. Channels are planned in chunks: filtered, rendered, packed, a deterministic nonce per
//!    message, and written to the ledger *before* anything is sent.
//! 4. Channels are served concurrently under one global limiter and a per-channel window; each
//!    message goes out with `nonce` + `enforce_nonce` and its id is recorded right after, so a
//!    crash between the two is de-duplicated by Discord on resume.
//!
//! # Layout
//! - `membership`: this process among those sharing the database (heartbeat, budget share).
//! - [`plan`]: pure decisions (what is due, what a channel gets, nonces, backoff).
//! - [`ratelimit`]: the global GCRA limiter and the per-channel window.
//! - `send`: one delivery's requests, retries, reconciliation and error handling.
//! - [`transport`]: how those requests reach Discord (serenity's rate-limited client, or direct
//!   requests in proxy mode so that a 429's `retry_after` is honoured).
//! - `scheduler`: the loop that runs passes and sleeps until the next due time.

mod membership;
pub mod plan;
pub mod ratelimit;
mod scheduler;
mod send;
pub mod transport;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
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

use crate::alerts::AlertIndex;
use crate::carry::{candidates, carry, open_post, selection_for, DayState, History, Selection};
use crate::clock::Clock;
use crate::config::Config;
use crate::fetch::{Fetcher, Look, QuietStatus, Role};
use crate::store::{AlertUser, Archived, DeliveryStatus, Store, StoreError, Subscription};
use crate::terms::Term;
use plan::{DayContent, RenderCache};
use ratelimit::{ChannelWindow, GlobalLimiter};
use send::Outcome;

pub use scheduler::{run_scheduler, RunSummary};
pub use send::{
    classify_status, fingerprint, is_unauthorized, pause_notice, Failure, MAX_DELIVERY_ATTEMPTS,
    UNKNOWN_MESSAGE_ID,
};

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
    transport: transport::Transport,
    store: Store,
    fetcher: Arc<Fetcher>,
    config: Arc<Config>,
    clock: Arc<dyn Clock>,
    tuning: Tuning,
    limiter: GlobalLimiter,
    /// What serenity's rate limiter reports (production mode): a global 429 pauses everyone.
    signals: Option<Arc<ratelimit::RateLimitSignals>>,
    /// Per source and date without a final digest: when it was looked at and when to look again.
    checks: Mutex<HashMap<(Role, NaiveDate), CheckMemo>>,
    /// Whether a pass ran since start-up: the first one catches up posts missed while down.
    started: AtomicBool,
    /// The UTC day the quiet primary was last reported, and whether it was quiet then.
    quiet_reported: Mutex<Option<(NaiveDate, bool)>>,
    /// Each person's DM channel, as Discord gave it (remembered in the store too).
    dm_channels: Mutex<HashMap<u64, u64>>,
    /// The bot's own user id (`GET /users/@me`), asked once: only its own forum threads count.
    bot_user_id: tokio::sync::OnceCell<u64>,
    /// Told when passes start and end (`/healthz`'s "scheduler alive").
    health: Option<Arc<crate::health::Health>>,
    /// This process among those sharing the database: the owner of its leases.
    process: String,
    /// Live processes at the last heartbeat (the budget is divided by it).
    processes: AtomicU64,
    /// When the first lease another process holds on a pending delivery ends: a takeover is
    /// possible then if that process died.
    held_until: Mutex<Option<DateTime<Utc>>>,
    /// Whether the first pass has run (a process joining others waits for them once).
    joined: AtomicBool,
    /// Discord refused the token (401) and has not accepted a request since: said once.
    refused: AtomicBool,
}

/// When a source was last looked at for a date, and when to look again.
#[derive(Debug, Clone, Copy)]
struct CheckMemo {
    last: DateTime<Utc>,
    next: DateTime<Utc>,
    checks: u32,
    /// Until when an open post wants the date: a look planned later than that will not happen
    /// unless a new fire asks for it, so it does not wake the scheduler.
    wanted_until: DateTime<Utc>,
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
    /// When the post planned this pass fell due (for the lag metric).
    fire: Option<DateTime<Utc>>,
}

/// A job before planning: resumes are ready, new dates still need bodies.
struct Unplanned {
    sub: Arc<Subscription>,
    resume: Vec<NaiveDate>,
    new: Vec<(NaiveDate, DayRef)>,
    fire: Option<DateTime<Utc>>,
}

fn unplanned<'a>(
    jobs: &'a mut BTreeMap<u64, Unplanned>,
    sub: &Arc<Subscription>,
) -> &'a mut Unplanned {
    jobs.entry(sub.channel_id).or_insert_with(|| Unplanned {
        sub: sub.clone(),
        resume: Vec::new(),
        new: Vec::new(),
        fire: None,
    })
}

#[derive(Debug, Clone)]
enum DayRef {
    Digest(Arc<Archived>),
    NeverPublished,
}

/// What this pass found for the dates open posts need.
#[derive(Default)]
struct Days {
    ready: HashMap<NaiveDate, Arc<Archived>>,
    /// When each date's primary digest was due (`None`: not a publishing day).
    expected: HashMap<NaiveDate, Option<DateTime<Utc>>>,
    /// Dates whose source could not be read, with the reason.
    failed: HashMap<NaiveDate, String>,
}

impl Days {
    fn state(&self, date: NaiveDate) -> DayState {
        DayState {
            ready_since: self.ready.get(&date).map(|a| a.fetched_at),
            expected_at: self.expected.get(&date).copied().flatten(),
        }
    }
}

/// A channel whose post is open this pass.
struct OpenPost {
    sub: Arc<Subscription>,
    fire: DateTime<Utc>,
    selection: Selection,
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
        let client = crate::net::http_client(&config.network).unwrap_or_default();
        let transport = transport::Transport::new(http, config.discord.api_base.as_deref(), client);
        Deliverer {
            transport,
            store,
            fetcher,
            config,
            clock,
            tuning: Tuning::default(),
            limiter,
            signals: None,
            checks: Mutex::new(HashMap::new()),
            started: AtomicBool::new(false),
            quiet_reported: Mutex::new(None),
            bot_user_id: tokio::sync::OnceCell::new(),
            dm_channels: Mutex::new(HashMap::new()),
            health: None,
            process: membership::process_id(),
            processes: AtomicU64::new(1),
            held_until: Mutex::new(None),
            joined: AtomicBool::new(false),
            refused: AtomicBool::new(false),
        }
    }

    /// Listens to serenity's rate limiter (see [`ratelimit::RateLimitSignals`]).
    pub fn with_signals(mut self, signals: Arc<ratelimit::RateLimitSignals>) -> Deliverer {
        self.signals = Some(signals);
        self
    }

    /// Reports each pass to `health`.
    pub fn with_health(mut self, health: Arc<crate::health::Health>) -> Deliverer {
        self.health = Some(health);
        self
    }

    /// Replaces the default [`Tuning`] (tests use short waits).
    pub fn with_tuning(mut self, tuning: Tuning) -> Deliverer {
        self.tuning = tuning;
        self
    }

    /// One pass: resume unfinished deliveries, then deliver every due (channel, date).
    pub async fn tick(&self, cancel: &CancellationToken) -> PassSummary {
        if let Some(h) = &self.health {
            h.pass_started();
        }
        let summary = self.run_pass(cancel).await;
        if let Some(h) = &self.health {
            h.pass_finished();
        }
        crate::metrics::pass();
        summary
    }

    async fn run_pass(&self, cancel: &CancellationToken) -> PassSummary {
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
        if !self.token_accepted(stats).await {
            return Ok(());
        }
        self.share_budget().await;
        // Joining processes already at work: they re-divide the budget at their next
        // heartbeat, so this one starts after it, and the sum never goes over.
        if !self.joined.swap(true, Ordering::Relaxed) && self.processes.load(Ordering::Relaxed) > 1
        {
            // Their next heartbeat, then the slots their limiter had already handed out (one per
            // concurrent delivery at most), and a margin.
            let handed_out = Duration::from_secs_f64(
                self.config.delivery.concurrency as f64
                    / f64::from(self.config.delivery.requests_per_second.max(1)),
            );
            let wait = self.keep_alive_every() + handed_out + Duration::from_millis(250);
            tracing::info!(
                processes = self.processes.load(Ordering::Relaxed),
                wait_ms = wait.as_millis() as u64,
                "other bot processes share this database; waiting for them to take their share of the budget"
            );
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = cancel.cancelled() => return Ok(()),
            }
        }
        let held = self.store.leased_elsewhere(&self.process).await?;
        *self.held_until.lock().expect("held lock") = held.values().min().copied();
        let mut subs: HashMap<u64, Arc<Subscription>> = self
            .store
            .enabled_subscriptions()
            .await?
            .into_iter()
            .map(|s| (s.channel_id, Arc::new(s)))
            .collect();
        let all_channels = self.store.subscription_count().await?;
        crate::metrics::paused_channels(all_channels.saturating_sub(subs.len() as u64));
        // People's alerts go through the same machinery as channels, keyed by their user id
        // (see [`alert_subscription`]): the same carry rule, ledger and resume.
        let mut alert_terms: HashMap<u64, Vec<Term>> = HashMap::new();
        for (user, terms) in self.store.active_alerts().await? {
            if let Some(c) = user.dm_channel_id {
                self.dm_channels
                    .lock()
                    .expect("dm lock")
                    .insert(user.user_id, c);
            }
            alert_terms.insert(
                user.user_id,
                terms.iter().map(crate::alerts::term_of).collect(),
            );
            subs.insert(user.user_id, Arc::new(alert_subscription(&user)));
        }

        let mut jobs: BTreeMap<u64, Unplanned> = BTreeMap::new();
        // 1. Unfinished deliveries of channels still enabled (a paused channel keeps its pending
        //    delivery until `/papers resume`).
        for (channel_id, date) in self.store.pending_delivery_keys().await? {
            // Another live process is on it; it is ours only if that process dies.
            if held.contains_key(&(channel_id, date)) {
                continue;
            }
            if let Some(sub) = subs.get(&channel_id) {
                unplanned(&mut jobs, sub).resume.push(date);
            }
        }

        // 2. Channels whose post is open, and what each may carry.
        let cfg = &self.config.schedule;
        let hold = plan::hold(cfg);
        let catch_up = (!self.started.swap(true, Ordering::Relaxed))
            .then(|| chrono::Duration::days(i64::from(cfg.catch_up_days)));
        let posts: Vec<OpenPost> = subs
            .values()
            .filter_map(|sub| {
                let schedule = crate::channel::schedule_for(Some(sub), cfg);
                let fire = open_post(
                    &schedule,
                    sub.created_at,
                    now,
                    hold,
                    catch_up,
                    cfg.digest_offset_days.is_some(),
                )?;
                let selection = selection_for(
                    &schedule,
                    fire,
                    now,
                    cfg.catch_up_days,
                    cfg.digest_offset_days,
                    sub.created_at,
                    catch_up.is_some(),
                );
                Some(OpenPost {
                    sub: sub.clone(),
                    fire,
                    selection,
                })
            })
            .collect();
        if !posts.is_empty() {
            let since = posts
                .iter()
                .filter_map(|p| p.selection.oldest())
                .min()
                .unwrap_or(now.date_naive());
            let received = self.store.received_dates(since).await?;
            let nothing = BTreeSet::new();
            let history = |sub: &Subscription| History {
                start: sub.start_date,
                received: received.get(&sub.channel_id).unwrap_or(&nothing),
            };
            // Each date some open post could carry, with the latest fire that wants it.
            let mut needed: BTreeMap<NaiveDate, DateTime<Utc>> = BTreeMap::new();
            for p in &posts {
                for d in candidates(&p.selection, history(&p.sub)) {
                    let fire = needed.entry(d).or_insert(p.fire);
                    *fire = (*fire).max(p.fire);
                }
            }
            let days = self.resolve_days(&needed, now, hold).await?;
            for p in &posts {
                let c = carry(&p.selection, history(&p.sub), now, hold, |d| days.state(d));
                Stats::add(&stats.waiting, c.awaiting.len() as u64);
                if !c.post.is_empty() || !c.never_came.is_empty() {
                    unplanned(&mut jobs, &p.sub).fire = Some(p.fire);
                }
                for d in c.post {
                    if let Some(a) = days.ready.get(&d) {
                        unplanned(&mut jobs, &p.sub)
                            .new
                            .push((d, DayRef::Digest(a.clone())));
                    }
                }
                for d in c.never_came {
                    if let Some(reason) = days.failed.get(&d) {
                        tracing::error!(channel_id = p.sub.channel_id, date = %d, error = %reason, "the day's digest stayed unreadable until its deadline");
                    }
                    unplanned(&mut jobs, &p.sub)
                        .new
                        .push((d, DayRef::NeverPublished));
                }
            }
        } else {
            self.checks.lock().expect("checks lock").clear();
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
        let alert_matches = alert_matches(&jobs, &alert_terms);
        let total = jobs.len() as u64;
        for j in jobs.values() {
            Stats::add(&stats.deliveries, (j.resume.len() + j.new.len()) as u64);
            Stats::add(&stats.resumed, j.resume.len() as u64);
        }

        // 3 + 4. Plan chunk by chunk while earlier chunks are being sent.
        let chunk = self.tuning.plan_chunk.max(1);
        let mut chunks: Vec<Vec<Unplanned>> = Vec::new();
        let mut current = Vec::with_capacity(chunk);
        // Channels first, then people's DMs: they share the one rate budget.
        let (dm_jobs, channel_jobs): (Vec<Unplanned>, Vec<Unplanned>) = jobs
            .into_values()
            .partition(|j| j.sub.channel_kind == plan::KIND_DM);
        for j in channel_jobs.into_iter().chain(dm_jobs) {
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
                            &alert_matches,
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

    /// Looks up every needed date, archive first, asking a source only when its re-check is
    /// due: the primary for every date, then (for dates it lacks) the fallback where that is
    /// allowed. Dates no open post needs are forgotten.
    async fn resolve_days(
        &self,
        needed: &BTreeMap<NaiveDate, DateTime<Utc>>,
        now: DateTime<Utc>,
        hold: chrono::Duration,
    ) -> Result<Days, StoreError> {
        let publication = self.fetcher.publication();
        // Looks this pass made or planned: any other memo is stale (its day is settled, or no
        // post wants it), and would only wake the scheduler for nothing.
        let mut touched: HashSet<(Role, NaiveDate)> = HashSet::new();
        let mut days = Days {
            expected: needed
                .keys()
                .map(|d| (*d, publication.expected_at(*d)))
                .collect(),
            ..Days::default()
        };
        let mut lacking = Vec::new();
        for (&date, &fire) in needed.iter().rev() {
            touched.insert((Role::Primary, date));
            match self
                .look(Role::Primary, date, now, fire, hold, None)
                .await?
            {
                Look::Final(a) => {
                    days.ready.insert(date, a);
                }
                Look::Failed(e) => {
                    days.failed.insert(date, e);
                    lacking.push((date, fire));
                }
                _ => lacking.push((date, fire)),
            }
        }
        let quiet = self.fetcher.quiet(now).await?;
        self.report_quiet(&quiet, now);
        if self.fetcher.sources().fallback().is_none() {
            self.forget_checks_except(&touched);
            return Ok(days);
        }
        for (date, fire) in lacking {
            let Some(from) = publication.fallback_from(date, quiet.quiet) else {
                continue;
            };
            if now < from {
                // Look at the primary again when the fallback becomes allowed.
                self.wake_check_at(Role::Primary, date, from);
                touched.insert((Role::Primary, date));
                continue;
            }
            touched.insert((Role::Fallback, date));
            if let Look::Final(a) = self
                .look(Role::Fallback, date, now, fire, hold, Some(from))
                .await?
            {
                tracing::info!(%date, source = %a.source, quiet = quiet.quiet, "using the fallback's digest for the day");
                days.failed.remove(&date);
                days.ready.insert(date, a);
            }
        }
        self.forget_checks_except(&touched);
        Ok(days)
    }

    /// One source, one date, under the re-check policy: a source is asked again at every new
    /// fire that wants the date (so a late digest is carried by the next post at the latest), and
    /// in between, while the date is due and waited for, with backoff.
    async fn look(
        &self,
        role: Role,
        date: NaiveDate,
        now: DateTime<Utc>,
        fire: DateTime<Utc>,
        hold: chrono::Duration,
        fallback_from: Option<DateTime<Utc>>,
    ) -> Result<Look, StoreError> {
        let key = (role, date);
        let memo = self.checks.lock().expect("checks lock").get(&key).copied();
        let due = memo.is_none_or(|m| m.last < fire || now >= m.next);
        let look = self.fetcher.look(role, date, now, due).await?;
        let next_look = match &look {
            Look::Final(_) => {
                self.checks.lock().expect("checks lock").remove(&key);
                return Ok(look);
            }
            Look::Unchecked => return Ok(look),
            Look::Provisional { final_at } => Some(*final_at),
            Look::NotPublished | Look::Failed(_) => None,
        };
        let checks = memo.map_or(0, |m| m.checks) + 1;
        let publication = self.fetcher.publication();
        let backoff =
            chrono::Duration::from_std(plan::late_retry_delay(checks, &self.config.schedule))
                .unwrap_or_else(|_| chrono::Duration::minutes(5));
        // While the date is due and waited for: back off, but never past the moment the wait
        // ends or the fallback becomes allowed. Otherwise: at the next fire.
        let waited_until = match self.config.schedule.digest_offset_days {
            Some(_) => Some(fire + hold),
            None => publication.expected_at(date).map(|t| t + hold),
        };
        let due_at = match self.config.schedule.digest_offset_days {
            Some(_) => Some(fire),
            None => publication.expected_at(date),
        };
        let next = match (next_look, waited_until) {
            (Some(t), _) => t,
            // Not due yet: look when it is.
            (None, _) if due_at.is_some_and(|t| t > now) => due_at.expect("checked"),
            (None, Some(end)) if now < end => [Some(now + backoff), Some(end), fallback_from]
                .into_iter()
                .flatten()
                .filter(|t| *t > now)
                .min()
                .unwrap_or(now + backoff),
            _ => DateTime::<Utc>::MAX_UTC,
        };
        if let Look::Failed(e) = &look {
            tracing::warn!(%date, ?role, error = %e, checks, next_check = %plan::When(next), "could not read the digest; will retry");
        } else if matches!(look, Look::NotPublished) {
            tracing::info!(%date, ?role, checks, next_check = %plan::When(next), "digest not published yet");
        }
        let wanted_until = match self.config.schedule.digest_offset_days {
            Some(_) => DateTime::<Utc>::MAX_UTC,
            None => fire + hold,
        };
        self.checks.lock().expect("checks lock").insert(
            key,
            CheckMemo {
                last: if due {
                    now
                } else {
                    memo.map_or(now, |m| m.last)
                },
                next,
                checks,
                wanted_until,
            },
        );
        Ok(look)
    }

    fn forget_checks_except(&self, keep: &HashSet<(Role, NaiveDate)>) {
        self.checks
            .lock()
            .expect("checks lock")
            .retain(|k, _| keep.contains(k));
    }

    /// Makes sure a source is looked at again no later than `at`.
    fn wake_check_at(&self, role: Role, date: NaiveDate, at: DateTime<Utc>) {
        let mut checks = self.checks.lock().expect("checks lock");
        let memo = checks.entry((role, date)).or_insert(CheckMemo {
            last: DateTime::<Utc>::MIN_UTC,
            next: at,
            checks: 0,
            wanted_until: DateTime::<Utc>::MAX_UTC,
        });
        memo.next = memo.next.min(at);
    }

    /// Says once a day (and when it changes) that the primary has gone quiet.
    fn report_quiet(&self, quiet: &QuietStatus, now: DateTime<Utc>) {
        let today = now.date_naive();
        let mut reported = self.quiet_reported.lock().expect("quiet lock");
        let last = *reported;
        if quiet.quiet && last != Some((today, true)) {
            tracing::warn!(
                missing_days = quiet.missing_days,
                last_published = %quiet.last_published.map_or("never".to_string(), |d| d.date.to_string()),
                "the primary source has published nothing for {} expected days: posts use the fallback at once until it publishes again",
                quiet.missing_days
            );
            *reported = Some((today, true));
        } else if !quiet.quiet && last.is_some_and(|(_, q)| q) {
            tracing::info!("the primary source publishes again; posts use it");
            *reported = Some((today, false));
        }
    }

    /// The earliest moment a source should be looked at again.
    fn next_check(&self) -> Option<DateTime<Utc>> {
        self.checks
            .lock()
            .expect("checks lock")
            .values()
            .filter(|m| m.next <= m.wanted_until)
            .map(|m| m.next)
            .min()
    }

    /// Renders and writes one chunk's new deliveries to the ledger; returns the chunk's jobs.
    async fn plan_chunk(
        &self,
        chunk: Vec<Unplanned>,
        keywords: &HashMap<u64, Vec<crate::store::Keyword>>,
        alert_matches: &AlertMatches,
        cache: &Mutex<RenderCache>,
        plan_error: &Mutex<Option<StoreError>>,
    ) -> Vec<ChannelJob> {
        let mut items: BTreeMap<NaiveDate, Vec<ChannelPlan>> = BTreeMap::new();
        let mut sources: HashMap<NaiveDate, String> = HashMap::new();
        // Announcement channels that publish each message to their followers.
        let publishing: HashSet<u64> = chunk
            .iter()
            .filter(|u| u.sub.channel_kind == plan::KIND_ANNOUNCEMENT && u.sub.auto_publish)
            .map(|u| u.sub.channel_id)
            .collect();
        let dms: HashSet<u64> = chunk
            .iter()
            .filter(|u| u.sub.channel_kind == plan::KIND_DM)
            .map(|u| u.sub.channel_id)
            .collect();
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
                            DayRef::Digest(a) => DayContent::Digest(&a.digest, Some(a.fetched_at)),
                            DayRef::NeverPublished => DayContent::NeverPublished,
                        };
                        if let DayRef::Digest(a) = &day {
                            sources.insert(date, a.source.clone());
                        }
                        let bodies = match (&day, u.sub.channel_kind == plan::KIND_DM) {
                            // A person's DM: their own matches of the day, or nothing at all.
                            (DayRef::Digest(a), true) => {
                                let mine = alert_matches
                                    .get(&date)
                                    .and_then(|m| m.get(&u.sub.channel_id))
                                    .map(Vec::as_slice)
                                    .unwrap_or_default();
                                Arc::new(
                                    plan::alert_messages(date, &a.digest, Some(a.fetched_at), mine)
                                        .iter()
                                        .map(|m| m.to_json(None))
                                        .collect(),
                                )
                            }
                            (DayRef::NeverPublished, true) => Arc::new(Vec::new()),
                            _ => cache.bodies(date, content, &filter, u.sub.notify_empty),
                        };
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
            let planned_now = matches!(w, Work::Planned { .. });
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
                .send_delivery(&job.sub, delivery, &mut window, cancel, stats)
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
                        crate::metrics::delivery_lag(job.sub.channel_kind == plan::KIND_DM, lag);
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
                    if job.sub.channel_kind != plan::KIND_DM {
                        self.notify_guild(&job.sub, &reason, stats).await;
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

    /// When the scheduler should run the next pass: the earliest next fire of any enabled
    /// channel, or the next look at a source, capped at [`Tuning::max_sleep`].
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
        if let Ok(people) = self.store.active_alerts().await {
            for (user, _) in &people {
                let s = alert_subscription(user);
                let schedule = crate::channel::schedule_for(Some(&s), &self.config.schedule);
                if let Some(t) = schedule.next_after(now) {
                    next = next.min(t);
                }
            }
        }
        if let Some(t) = self.next_check() {
            next = next.min(t);
        }
        // A lease another process holds may run out (its owner died): look again just after.
        if let Some(t) = *self.held_until.lock().expect("held lock") {
            next = next.min(t + chrono::Duration::milliseconds(100));
        }
        next.max(now)
    }

    /// Discord refused the token: delivery stops for this pass (every channel would get the same
    /// answer). Said once, however many requests and passes meet it, until one succeeds.
    fn token_refused(&self) {
        if !self.refused.swap(true, Ordering::Relaxed) {
            tracing::error!(cause = send::UNAUTHORIZED, "delivery stopped");
            if let Some(h) = &self.health {
                h.token_refused(Some(send::UNAUTHORIZED.to_string()));
            }
        }
    }

    /// While Discord refuses the token, one cheap request (`GET /users/@me`) per pass asks
    /// whether it is accepted again, instead of a failing request per channel.
    async fn token_accepted(&self, stats: &Stats) -> bool {
        if !self.refused.load(Ordering::Relaxed) {
            return true;
        }
        self.limiter.acquire().await;
        Stats::add(&stats.requests, 1);
        match self.transport.current_user_id().await {
            Ok(_) => {
                self.request_outcome(Ok(()));
                true
            }
            Err(e) => {
                tracing::debug!(error = %e.failure, "the token is still refused; no delivery this pass");
                false
            }
        }
    }

    /// A delivery request's outcome, for `/healthz`; a success after a refused token resumes.
    fn request_outcome(&self, outcome: std::result::Result<(), &Failure>) {
        if outcome.is_ok() && self.refused.swap(false, Ordering::Relaxed) {
            tracing::info!("Discord accepts the bot token again; deliveries resume");
            if let Some(h) = &self.health {
                h.token_refused(None);
            }
        }
        if let Some(h) = &self.health {
            match outcome {
                Ok(()) => h.delivery_request(Ok(())),
                Err(Failure::RateLimited) => {}
                Err(f) => h.delivery_request(Err(&f.to_string())),
            }
        }
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// This process's id among those sharing the database.
    pub fn process_id(&self) -> &str {
        &self.process
    }

    fn lease_until(&self) -> DateTime<Utc> {
        self.clock.now()
            + chrono::Duration::from_std(self.config.delivery.lease)
                .unwrap_or_else(|_| chrono::Duration::seconds(30))
    }

    /// How often leases are renewed and the heartbeat beats: three times a lease.
    fn keep_alive_every(&self) -> Duration {
        (self.config.delivery.lease / 3).max(Duration::from_millis(500))
    }

    /// Renews this process's leases and heartbeat until `cancel`, passes or not: a process
    /// that only beat during passes would look dead between them, and the others would take
    /// its share.
    pub async fn keep_alive(&self, cancel: &CancellationToken) {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(self.keep_alive_every()) => {}
                _ = cancel.cancelled() => return,
            }
            self.keep_leases().await;
        }
    }

    /// Renews this process's leases and heartbeat.
    async fn keep_leases(&self) {
        if let Err(e) = self
            .store
            .renew_leases(&self.process, self.lease_until())
            .await
        {
            tracing::warn!(error = %e, "could not renew the delivery leases");
        }
        self.share_budget().await;
    }

    /// Unregisters this process (at shutdown): its share and its leases go to the others.
    pub async fn leave(&self) {
        if let Err(e) = self.store.leave(&self.process).await {
            tracing::warn!(error = %e, "could not unregister this process");
        }
    }
}

/// Each date's matches, per person.
type AlertMatches = HashMap<NaiveDate, HashMap<u64, Vec<(usize, Vec<String>)>>>;

/// A person's alerts as the engine schedules them: a "subscription" keyed by their user id, of
/// the DM kind, at their hour and zone (the bot's schedule by default).
pub fn alert_subscription(user: &AlertUser) -> Subscription {
    Subscription {
        guild_id: 0,
        channel_id: user.user_id,
        channel_kind: plan::KIND_DM,
        enabled: user.enabled,
        paused_reason: user.paused_reason.clone(),
        delivery_time: user.delivery_time,
        timezone: user.timezone,
        min_votes: None,
        top_n: None,
        notify_empty: false,
        auto_publish: false,
        created_by: user.user_id,
        created_at: user.created_at,
        updated_at: user.updated_at,
        start_date: user.start_date,
    }
}

/// One index over the terms of every person with a new day this pass, matched once per day.
fn alert_matches(jobs: &BTreeMap<u64, Unplanned>, terms: &HashMap<u64, Vec<Term>>) -> AlertMatches {
    let mut days: BTreeMap<NaiveDate, Arc<Archived>> = BTreeMap::new();
    let mut people = Vec::new();
    for j in jobs
        .values()
        .filter(|j| j.sub.channel_kind == plan::KIND_DM)
    {
        let mut any = false;
        for (date, day) in &j.new {
            if let DayRef::Digest(a) = day {
                days.entry(*date).or_insert_with(|| a.clone());
                any = true;
            }
        }
        if any {
            if let Some(t) = terms.get(&j.sub.channel_id) {
                people.push((j.sub.channel_id, t.clone()));
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
