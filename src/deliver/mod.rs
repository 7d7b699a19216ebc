//! The daily delivery engine: on time, exactly once, at the rate-limit floor.
//!
//! # How a pass works ([`Deliverer::tick`]), stage by stage
//! 1. **Membership** (`membership`): this process beats its heartbeat and takes its share of the
//!    token's request budget; a process joining others waits for them once.
//! 2. **Snapshot** (`snapshot`): one read of the store: enabled channels and people with alerts
//!    (both [`crate::target::Target`]s), unfinished deliveries, leases other processes hold.
//! 3. **Decide** ([`decide`], pure): deliveries to resume; targets whose post is open (its
//!    latest fire, while the wait after it lasts; on the first pass after start-up, any fire
//!    within the catch-up window) and the dates they may carry ([`crate::carry`]).
//! 4. **Resolve days** (`recheck`): each needed date looked up once for all targets, archive
//!    first; a due and late digest is asked again with backoff ([`recheck::next_look`]), the
//!    fallback's version is used once the primary has had its chance, and a day still growing
//!    at its source is never posted. Then [`decide::carried`] says what each post carries.
//! 5. **Plan** (`job`): in chunks, filtered, rendered, packed, a deterministic nonce per
//!    message, written to the ledger *before* anything is sent.
//! 6. **Fan out** (`fanout`, `job`, `send`): targets served concurrently under one global
//!    limiter and a per-channel window, channels before people; each message goes out with
//!    `nonce` + `enforce_nonce` and its id is recorded right after.
//!
//! 5. **Summaries** (`summaries`, with `[summaries]` only): each new day gets the stored summaries
//!    in its reader's language; a post whose papers are still being written waits, at most
//!    `summaries.wait_minutes`, then goes out with the digest's text for the rest.
//!
//! 7. **Edits** (`summaries`, after the pass): a channel post's message whose papers got their
//!    summaries after it went out is edited in place once, through the ledger.
//!
//! 8. **Weekly** (`weekly`): between 4 and 5, the week's best of the channels that asked for
//!    it (and the reading list of people who asked for it by DM), planned into the ledger when
//!    due (under a key of its own) and sent as a resume.
//!
//! A new stage is one call between two of these in [`Deliverer::tick`]'s pass.
//!
//! # Layout
//! - `membership`: this process among those sharing the database (heartbeat, budget share).
//! - `snapshot`: the one read of the store a pass decides on.
//! - [`decide`]: what a pass does, as plain functions over the snapshot.
//! - [`recheck`]: when a digest source is asked again, and resolving the needed days.
//! - `job`: planning a chunk into the ledger, and serving one target's deliveries in order.
//! - `fanout`: running the jobs concurrently while the next chunk is planned; progress.
//! - `send`: one delivery's requests, retries, reconciliation and error handling.
//! - `posts`: a forum's day in paper mode, a thread per post (tags chosen, found after a crash).
//! - `failure`: what Discord's refusals mean (classified once, in words).
//! - [`transport`]: how those requests reach Discord (serenity's rate-limited client, or direct
//!   requests in proxy mode so that a 429's `retry_after` is honoured).
//! - [`plan`]: what a target's messages are (render, nonces, forum titles) and backoff.
//! - [`ratelimit`]: the global GCRA limiter and the per-channel window.
//! - `scheduler`: the loop that runs passes and sleeps until the next due time.
//! - `weekly`: the weekly stage (refresh the week's votes, rank, plan).

pub mod decide;
mod failure;
mod fanout;
mod job;
mod membership;
pub mod plan;
mod posts;
pub mod ratelimit;
pub mod recheck;
mod scheduler;
mod send;
mod snapshot;
mod summaries;
pub mod transport;
mod weekly;

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use serenity::http::Http;
use tokio_util::sync::CancellationToken;

use crate::clock::Clock;
use crate::config::Config;
use crate::fetch::{Fetcher, Role};
use crate::store::{Store, StoreError};
use crate::target::Target;
use ratelimit::GlobalLimiter;
use recheck::CheckMemo;

pub use failure::{classify_status, is_unauthorized, reason_words, Failure};
pub use membership::process_id;
pub use scheduler::{run_scheduler, RunSummary};
pub use send::{fingerprint, pause_notice, MAX_DELIVERY_ATTEMPTS, UNKNOWN_MESSAGE_ID};

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
    /// Weekly posts (ledger key, date) known to be in the ledger: a weekly post stays due for
    /// its whole catch-up window, and the ledger is asked about each only once per process.
    weekly_planned: Mutex<std::collections::HashSet<(u64, NaiveDate)>>,
    /// `[summaries]`: the model's bullets for each post, in its reader's language.
    summaries: Option<Arc<crate::summaries::worker::Summariser>>,
    /// The summariser's progress when posted messages were last looked at for edits.
    edits_seen: AtomicU64,
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
            weekly_planned: Mutex::new(std::collections::HashSet::new()),
            health: None,
            process: membership::process_id(),
            processes: AtomicU64::new(1),
            held_until: Mutex::new(None),
            joined: AtomicBool::new(false),
            refused: AtomicBool::new(false),
            summaries: None,
            edits_seen: AtomicU64::new(u64::MAX),
        }
    }

    /// Posts carry the summaries `summariser` writes (see `summaries`).
    pub fn with_summaries(
        mut self,
        summariser: Arc<crate::summaries::worker::Summariser>,
    ) -> Deliverer {
        self.summaries = Some(summariser);
        self
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
        if !cancel.is_cancelled() {
            self.edit_stage(&stats).await;
        }
        let summary = stats.summary(started.elapsed());
        if summary.deliveries > 0 || summary.errors > 0 {
            tracing::info!(%summary, "delivery pass");
        } else {
            tracing::debug!(%summary, "delivery pass");
        }
        summary
    }

    /// One pass, as the pipeline it is (see the module doc): each stage a named call.
    async fn pass(&self, cancel: &CancellationToken, stats: &Stats) -> Result<(), StoreError> {
        let now = self.clock.now();
        if !self.token_accepted(stats).await || !self.join(cancel).await {
            return Ok(());
        }
        let snapshot = self.snapshot().await?;
        let mut work = decide::Work::default();
        decide::resumes(&snapshot, &mut work);
        let cfg = &self.config.schedule;
        let hold = plan::hold(cfg);
        let catch_up = (!self.started.swap(true, Ordering::Relaxed))
            .then(|| chrono::Duration::days(i64::from(cfg.catch_up_days)));
        let daily = snapshot.targets.values().filter(|t| !t.is_weekly());
        let posts = decide::open_posts(daily, cfg, now, hold, catch_up);
        if posts.is_empty() {
            self.checks.lock().expect("checks lock").clear();
        } else {
            let received = self
                .store
                .received_dates(decide::oldest_wanted(&posts, now))
                .await?;
            let days = self
                .resolve_days(&decide::needed_dates(&posts, &received), now, hold)
                .await?;
            decide::carried(&posts, &received, &days, now, hold, &mut work);
        }
        self.plan_weekly(&snapshot, now, &mut work).await?;
        for (key, date, reason) in &work.unreadable {
            tracing::error!(channel_id = key, %date, error = %reason, "the day's digest stayed unreadable until its deadline");
        }
        let overlays = self.summary_stage(&mut work, now).await;
        Stats::add(&stats.waiting, work.waiting);
        if work.jobs.is_empty() {
            return Ok(());
        }
        let with_new: Vec<u64> = work
            .jobs
            .values()
            .filter(|j| !j.new.is_empty() && !j.target.is_person())
            .map(|j| j.target.key())
            .collect();
        let keywords = self.store.keywords_for_channels(&with_new).await?;
        let alert_matches = job::alert_matches(&work.jobs, &snapshot.alert_terms);
        for j in work.jobs.values() {
            Stats::add(&stats.deliveries, (j.resume.len() + j.new.len()) as u64);
            Stats::add(&stats.resumed, j.resume.len() as u64);
        }
        let chunks = decide::chunks(work.jobs, self.tuning.plan_chunk);
        self.fan_out(chunks, &keywords, &alert_matches, &overlays, cancel, stats)
            .await
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
                for s in subs {
                    // A week's best fires apart from the daily post (its own weekday and hour).
                    if let Some(weekly) = crate::weekly::channel_schedule(&s, &self.config.schedule)
                    {
                        if let Some(t) = weekly.next_after(now) {
                            next = next.min(t);
                        }
                    }
                    let schedule = Target::Channel(s).schedule(&self.config.schedule);
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
            for (user, _) in people {
                if let Some(weekly) =
                    crate::weekly::reading_list_schedule(&user, &self.config.schedule)
                {
                    if let Some(t) = weekly.next_after(now) {
                        next = next.min(t);
                    }
                }
                let schedule = Target::Person(user).schedule(&self.config.schedule);
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
            tracing::error!(cause = failure::UNAUTHORIZED, "delivery stopped");
            if let Some(h) = &self.health {
                h.token_refused(Some(failure::UNAUTHORIZED.to_string()));
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
