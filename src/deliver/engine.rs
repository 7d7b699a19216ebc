//! The delivery engine itself: what one process keeps between passes, what a pass counts,
//! and the knobs tests turn. The stages are `impl Deliverer` blocks in their own files; the pass
//! that calls them in order is `pass`.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use serenity::http::Http;
use tokio_util::sync::CancellationToken;

use super::failure::{self, Failure};
use super::ratelimit::{self, GlobalLimiter};
use super::recheck::CheckMemo;
use super::transport;
use crate::clock::Clock;
use crate::config::Config;
use crate::source::fetch::{Fetcher, Role};
use crate::store::Store;

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
    /// How often saved papers due for a follow-up are looked at on Hugging Face, and the pause
    /// between two of those requests (see `source::followups`).
    pub followup_every: Duration,
    pub followup_interval: Duration,
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
            followup_every: Duration::from_secs(10 * 60),
            followup_interval: crate::source::hf_paper::DEFAULT_INTERVAL,
        }
    }
}

/// The delivery engine. One per process (see `discord::run`); `tick` is also what tests drive.
pub struct Deliverer {
    pub(super) transport: transport::Transport,
    pub(super) store: Store,
    pub(super) fetcher: Arc<Fetcher>,
    pub(super) config: Arc<Config>,
    pub(super) clock: Arc<dyn Clock>,
    pub(super) tuning: Tuning,
    pub(super) limiter: GlobalLimiter,
    /// What serenity's rate limiter reports (production mode): a global 429 pauses everyone.
    pub(super) signals: Option<Arc<ratelimit::RateLimitSignals>>,
    /// Per source and date without a final digest: when it was looked at and when to look again.
    pub(super) checks: Mutex<HashMap<(Role, NaiveDate), CheckMemo>>,
    /// Whether a pass ran since start-up: the first one catches up posts missed while down.
    pub(super) started: AtomicBool,
    /// The UTC day the quiet primary was last reported, and whether it was quiet then.
    pub(super) quiet_reported: Mutex<Option<(NaiveDate, bool)>>,
    /// Each person's DM channel, as Discord gave it (remembered in the store too).
    pub(super) dm_channels: Mutex<HashMap<u64, u64>>,
    /// The bot's own user id (`GET /users/@me`), asked once: only its own forum threads count.
    pub(super) bot_user_id: tokio::sync::OnceCell<u64>,
    /// Told when passes start and end (`/healthz`'s "scheduler alive").
    pub(super) health: Option<Arc<crate::ops::health::Health>>,
    /// This process among those sharing the database: the owner of its leases.
    pub(super) process: String,
    /// Live processes at the last heartbeat (the budget is divided by it).
    pub(super) processes: AtomicU64,
    /// When the first lease another process holds on a pending delivery ends: a takeover is
    /// possible then if that process died.
    pub(super) held_until: Mutex<Option<DateTime<Utc>>>,
    /// Whether the first pass has run (a process joining others waits for them once).
    pub(super) joined: AtomicBool,
    /// Discord refused the token (401) and has not accepted a request since: said once.
    pub(super) refused: AtomicBool,
    /// Weekly posts (ledger key, date) known to be in the ledger: a weekly post stays due for
    /// its whole catch-up window, and the ledger is asked about each only once per process.
    pub(super) weekly_planned: Mutex<std::collections::HashSet<(u64, NaiveDate)>>,
    /// `[summaries]`: the model's bullets for each post, in its reader's language.
    pub(super) summaries: Option<Arc<crate::summaries::posts::Summariser>>,
    /// The summariser's progress when posted messages were last looked at for edits.
    pub(super) edits_seen: AtomicU64,
    /// "For you" by embeddings (`summaries.embedding_model`); `None`: lexically.
    pub(super) embedder: Option<Arc<super::embedder::Embedder>>,
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
pub(super) struct Stats {
    pub(super) deliveries: AtomicU64,
    pub(super) resumed: AtomicU64,
    pub(super) completed: AtomicU64,
    pub(super) messages: AtomicU64,
    pub(super) requests: AtomicU64,
    pub(super) rate_limited: AtomicU64,
    pub(super) retries: AtomicU64,
    pub(super) paused: AtomicU64,
    pub(super) failed: AtomicU64,
    pub(super) pending: AtomicU64,
    pub(super) waiting: AtomicU64,
    pub(super) errors: AtomicU64,
    pub(super) channels_done: AtomicU64,
    pub(super) abort: AtomicBool,
}

impl Stats {
    pub(super) fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    pub(super) fn summary(&self, elapsed: Duration) -> PassSummary {
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
            process: crate::ops::process::process_id(),
            processes: AtomicU64::new(1),
            held_until: Mutex::new(None),
            joined: AtomicBool::new(false),
            refused: AtomicBool::new(false),
            summaries: None,
            edits_seen: AtomicU64::new(u64::MAX),
            embedder: None,
        }
    }

    /// Posts carry the summaries `summariser` writes (see `summaries`).
    pub fn with_summaries(
        mut self,
        summariser: Arc<crate::summaries::posts::Summariser>,
    ) -> Deliverer {
        self.summaries = Some(summariser);
        self
    }

    /// "For you" compares papers by `client`'s embeddings (its model is the embedding model).
    pub fn with_embeddings(mut self, client: crate::model::ModelClient) -> Deliverer {
        self.embedder = Some(Arc::new(super::embedder::Embedder::new(client)));
        self
    }

    /// Listens to serenity's rate limiter (see [`ratelimit::RateLimitSignals`]).
    pub fn with_signals(mut self, signals: Arc<ratelimit::RateLimitSignals>) -> Deliverer {
        self.signals = Some(signals);
        self
    }

    /// Reports each pass to `health`.
    pub fn with_health(mut self, health: Arc<crate::ops::health::Health>) -> Deliverer {
        self.health = Some(health);
        self
    }

    /// Replaces the default [`Tuning`] (tests use short waits).
    pub fn with_tuning(mut self, tuning: Tuning) -> Deliverer {
        self.tuning = tuning;
        self
    }

    /// Discord refused the token: delivery stops for this pass (every channel would get the same
    /// answer). Said once, however many requests and passes meet it, until one succeeds.
    pub(super) fn token_refused(&self) {
        if !self.refused.swap(true, Ordering::Relaxed) {
            tracing::error!(cause = failure::UNAUTHORIZED, "delivery stopped");
            if let Some(h) = &self.health {
                h.token_refused(Some(failure::UNAUTHORIZED.to_string()));
            }
        }
    }

    /// While Discord refuses the token, one cheap request (`GET /users/@me`) per pass asks
    /// whether it is accepted again, instead of a failing request per channel.
    pub(super) async fn token_accepted(&self, stats: &Stats) -> bool {
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
    pub(super) fn request_outcome(&self, outcome: std::result::Result<(), &Failure>) {
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

    pub(super) fn lease_until(&self) -> DateTime<Utc> {
        self.clock.now()
            + chrono::Duration::from_std(self.config.delivery.lease)
                .unwrap_or_else(|_| chrono::Duration::seconds(30))
    }

    /// How often leases are renewed and the heartbeat beats: three times a lease.
    pub(super) fn keep_alive_every(&self) -> Duration {
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
    pub(super) async fn keep_leases(&self) {
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
