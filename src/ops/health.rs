//! What `/healthz` reports: whether this process can do its job right now. A load balancer or
//! a service manager restarts a process that says it cannot; so each part is something a
//! restart can fix, and nothing slow is asked (one query, two atomics and a lock).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;

/// Shared by the scheduler and the HTTP endpoint; the gateway's state is read from serenity's
/// shard manager when asked (a shard that died between events has no event to tell).
#[derive(Debug)]
pub struct Health {
    started: Instant,
    /// Shards this process should have connected.
    shards_expected: AtomicU32,
    in_pass: AtomicBool,
    passes: AtomicU64,
    /// Milliseconds since `started` at which the last pass ended (0: none yet).
    last_pass_end_ms: AtomicU64,
    /// How long the scheduler may sleep between passes, plus slack, before it counts as stuck.
    max_idle: Duration,
    /// The gateway tunnel's open connections, when the gateway goes through it.
    tunnel: std::sync::OnceLock<Arc<AtomicUsize>>,
    /// Why Discord refuses the bot's token, while it does (a 401 during delivery).
    token_refused: Mutex<Option<String>>,
    /// How the delivery engine's recent requests went.
    requests: Mutex<FailureWindow>,
    /// The summaries model's last refusal that nothing could be changed for, when summaries are
    /// on (see [`Health::watch_model`]).
    model_refusal: std::sync::OnceLock<Arc<Mutex<Option<String>>>>,
}

/// The answer of `/healthz`, as JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub ok: bool,
    pub gateway: GatewayReport,
    pub database: DatabaseReport,
    pub scheduler: SchedulerReport,
    pub delivery: DeliveryReport,
    /// With summaries on. Informational: a restart cannot make an endpoint take a request, so
    /// it never makes the process unhealthy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<ModelReport>,
}

/// What the summaries model endpoint last refused that the bot could not adapt to, in the
/// provider's words (the papers it hits keep Hugging Face's text).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelReport {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_refusal: Option<String>,
}

/// Whether Discord takes what the delivery engine sends: a refused token, or most recent
/// requests failing, is something an operator must hear about even while every part is up.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeliveryReport {
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GatewayReport {
    pub ok: bool,
    pub shards_connected: Vec<u32>,
    pub shards_expected: u32,
    /// Connections the gateway tunnel carries (`None`: no tunnel, a local plain gateway).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tunnel_connections: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DatabaseReport {
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SchedulerReport {
    pub ok: bool,
    pub in_pass: bool,
    pub passes: u64,
    /// Seconds since the last pass ended (`None`: none has yet).
    pub idle_seconds: Option<f64>,
}

impl Health {
    pub fn new(max_sleep: Duration) -> Health {
        Health {
            started: Instant::now(),
            shards_expected: AtomicU32::new(0),
            in_pass: AtomicBool::new(false),
            passes: AtomicU64::new(0),
            last_pass_end_ms: AtomicU64::new(0),
            max_idle: max_sleep + Duration::from_secs(60),
            tunnel: std::sync::OnceLock::new(),
            token_refused: Mutex::new(None),
            requests: Mutex::new(FailureWindow::default()),
            model_refusal: std::sync::OnceLock::new(),
        }
    }

    /// Discord refuses the token (`Some(why)`), or accepts it again (`None`).
    pub fn token_refused(&self, why: Option<String>) {
        *self.token_refused.lock().expect("token lock") = why;
    }

    /// One delivery request's outcome: `Err(why)` for a failure (4xx or 5xx, a timeout), not a
    /// 429, which only asks to wait.
    pub fn delivery_request(&self, outcome: Result<(), &str>) {
        self.requests
            .lock()
            .expect("requests lock")
            .record(Instant::now(), outcome);
    }

    /// Reports the summaries model's last standing refusal (`model::ModelClient::refusal_watch`).
    pub fn watch_model(&self, last_refusal: Arc<Mutex<Option<String>>>) {
        let _ = self.model_refusal.set(last_refusal);
    }

    /// Counts the gateway tunnel's connections too: a shard is only up while it has one.
    pub fn watch_tunnel(&self, open: Arc<AtomicUsize>) {
        let _ = self.tunnel.set(open);
    }

    pub fn expect_shards(&self, n: u32) {
        self.shards_expected.store(n, Ordering::Relaxed);
    }

    pub fn pass_started(&self) {
        self.in_pass.store(true, Ordering::Relaxed);
    }

    /// Passes finished since start-up: what an observer waits on to know a pass has run.
    pub fn passes(&self) -> u64 {
        self.passes.load(Ordering::Relaxed)
    }

    pub fn pass_finished(&self) {
        let ms = self.started.elapsed().as_millis().max(1) as u64;
        self.last_pass_end_ms.store(ms, Ordering::Relaxed);
        self.passes.fetch_add(1, Ordering::Relaxed);
        self.in_pass.store(false, Ordering::Relaxed);
    }

    /// The report, given the shards connected now and the database check's result.
    pub fn report(&self, mut connected: Vec<u32>, database: Result<(), String>) -> Report {
        connected.sort_unstable();
        let expected = self.shards_expected.load(Ordering::Relaxed);
        let tunnel = self.tunnel.get().map(|t| t.load(Ordering::Relaxed));
        let gateway = GatewayReport {
            ok: expected > 0
                && connected.len() as u32 >= expected
                && tunnel.is_none_or(|t| t as u32 >= expected),
            shards_connected: connected,
            shards_expected: expected,
            tunnel_connections: tunnel,
        };
        let database = match database {
            Ok(()) => DatabaseReport {
                ok: true,
                error: None,
            },
            Err(e) => DatabaseReport {
                ok: false,
                error: Some(e),
            },
        };
        let in_pass = self.in_pass.load(Ordering::Relaxed);
        let end = self.last_pass_end_ms.load(Ordering::Relaxed);
        let now_ms = self.started.elapsed().as_millis() as u64;
        let idle = (end > 0).then(|| Duration::from_millis(now_ms.saturating_sub(end)));
        // A pass may run for a long time (a big fan-out waits on Discord's limits); between
        // passes the scheduler never sleeps past `max_sleep`. Before the first pass ends, the
        // process's age is what counts.
        let quiet_for = idle.unwrap_or_else(|| self.started.elapsed());
        let scheduler = SchedulerReport {
            ok: in_pass || quiet_for <= self.max_idle,
            in_pass,
            passes: self.passes.load(Ordering::Relaxed),
            idle_seconds: idle.map(|d| d.as_secs_f64()),
        };
        let refused = self.token_refused.lock().expect("token lock").clone();
        let failing = self
            .requests
            .lock()
            .expect("requests lock")
            .verdict(Instant::now());
        let reason = refused.or(failing);
        let delivery = DeliveryReport {
            ok: reason.is_none(),
            reason,
        };
        let model = self.model_refusal.get().map(|r| ModelReport {
            last_refusal: r.lock().expect("refusal lock").clone(),
        });
        Report {
            ok: gateway.ok && database.ok && scheduler.ok && delivery.ok,
            gateway,
            database,
            scheduler,
            delivery,
            model,
        }
    }
}

/// How long delivery requests are remembered for the failure rate.
pub const FAILURE_WINDOW: Duration = Duration::from_secs(600);
/// Failures needed in the window before the rate counts: one deleted channel among a few
/// requests is not an outage.
const MIN_FAILURES: u64 = 10;

/// Delivery requests of the last [`FAILURE_WINDOW`], per second (bounded memory whatever the
/// rate), and the last failure's reason.
#[derive(Debug, Default)]
pub struct FailureWindow {
    /// (second since `origin`, successes, failures), oldest first.
    seconds: VecDeque<(u64, u64, u64)>,
    origin: Option<Instant>,
    last_failure: Option<String>,
}

impl FailureWindow {
    pub fn record(&mut self, at: Instant, outcome: Result<(), &str>) {
        let origin = *self.origin.get_or_insert(at);
        let second = at.saturating_duration_since(origin).as_secs();
        if self.seconds.back().is_none_or(|b| b.0 != second) {
            self.seconds.push_back((second, 0, 0));
        }
        let slot = self.seconds.back_mut().expect("pushed");
        match outcome {
            Ok(()) => slot.1 += 1,
            Err(why) => {
                slot.2 += 1;
                self.last_failure = Some(why.to_string());
            }
        }
        self.forget_before(at);
    }

    fn forget_before(&mut self, now: Instant) {
        let Some(origin) = self.origin else { return };
        let now_s = now.saturating_duration_since(origin).as_secs();
        while self
            .seconds
            .front()
            .is_some_and(|f| f.0 + FAILURE_WINDOW.as_secs() <= now_s)
        {
            self.seconds.pop_front();
        }
    }

    /// Why delivery counts as failing at `now`: at least [`MIN_FAILURES`] failures in the window,
    /// and at least half of its requests.
    pub fn verdict(&mut self, now: Instant) -> Option<String> {
        self.forget_before(now);
        let (ok, failed) = self
            .seconds
            .iter()
            .fold((0, 0), |(o, f), s| (o + s.1, f + s.2));
        (failed >= MIN_FAILURES && failed >= ok).then(|| {
            format!(
                "{failed} of {} delivery requests to Discord failed in the last {} minutes; \
                 the last: {}",
                ok + failed,
                FAILURE_WINDOW.as_secs() / 60,
                self.last_failure.as_deref().unwrap_or("unknown")
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn healthy_only_with_every_shard_the_database_and_a_scheduler() {
        let h = Health::new(Duration::from_secs(60));
        let r = h.report(vec![], Ok(()));
        assert!(
            !r.ok && !r.gateway.ok,
            "no shard expected or connected yet: {r:?}"
        );
        assert!(
            r.scheduler.ok,
            "a process just started has time for its first pass"
        );
        h.expect_shards(2);
        let r = h.report(vec![1], Ok(()));
        assert!(!r.gateway.ok, "one of two shards");
        assert_eq!(r.gateway.shards_connected, vec![1]);
        let r = h.report(vec![1, 0], Ok(()));
        assert!(r.ok);
        assert_eq!(r.gateway.shards_connected, vec![0, 1]);
        let r = h.report(vec![0, 1], Err("database is locked".into()));
        assert!(!r.ok && !r.database.ok && r.gateway.ok);
        assert_eq!(r.database.error.as_deref(), Some("database is locked"));
        // Through the tunnel, a shard serenity still calls connected needs a live connection.
        let open = Arc::new(AtomicUsize::new(1));
        h.watch_tunnel(open.clone());
        assert!(
            !h.report(vec![0, 1], Ok(())).gateway.ok,
            "one connection for two shards"
        );
        open.store(2, Ordering::Relaxed);
        let r = h.report(vec![0, 1], Ok(()));
        assert!(r.ok && r.gateway.tunnel_connections == Some(2), "{r:?}");
    }

    #[test]
    fn a_scheduler_is_stuck_when_idle_past_its_longest_sleep() {
        let h = Health::new(Duration::ZERO);
        h.expect_shards(1);
        h.pass_started();
        assert!(h.report(vec![0], Ok(())).scheduler.ok, "in a pass");
        h.pass_finished();
        let r = h.report(vec![0], Ok(())).scheduler;
        assert!(r.ok && !r.in_pass && r.passes == 1 && r.idle_seconds.is_some());
        // The last pass ended two minutes ago: past max_sleep + 60 s it is stuck.
        let h = Health {
            started: Instant::now() - Duration::from_secs(120),
            ..h
        };
        h.last_pass_end_ms.store(1, Ordering::Relaxed);
        let r = h.report(vec![0], Ok(()));
        assert!(!r.ok && !r.scheduler.ok, "{r:?}");
        // And a process whose first pass never ended, two minutes after its start.
        h.last_pass_end_ms.store(0, Ordering::Relaxed);
        assert!(!h.report(vec![0], Ok(())).scheduler.ok);
    }

    #[test]
    fn a_refused_token_fails_health_until_it_is_accepted() {
        let h = Health::new(Duration::from_secs(60));
        h.expect_shards(1);
        assert!(h.report(vec![0], Ok(())).ok);
        h.token_refused(Some(
            "Discord refuses the bot token (401 Unauthorized)".into(),
        ));
        let r = h.report(vec![0], Ok(()));
        assert!(!r.ok && !r.delivery.ok && r.gateway.ok, "{r:?}");
        assert!(r.delivery.reason.unwrap().contains("401"));
        h.token_refused(None);
        assert!(h.report(vec![0], Ok(())).ok);
    }

    #[test]
    fn a_model_refusal_is_reported_but_never_unhealthy() {
        let h = Health::new(Duration::from_secs(60));
        h.expect_shards(1);
        let r = h.report(vec![0], Ok(()));
        assert!(r.model.is_none(), "summaries off: no model part");
        assert!(!serde_json::to_string(&r).unwrap().contains("model"));
        let cell = Arc::new(Mutex::new(None));
        h.watch_model(cell.clone());
        assert_eq!(
            h.report(vec![0], Ok(())).model,
            Some(ModelReport { last_refusal: None })
        );
        *cell.lock().unwrap() = Some("No models loaded.".into());
        let r = h.report(vec![0], Ok(()));
        assert!(r.ok, "a refusal is the papers' failure, not the process's");
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["model"]["last_refusal"], "No models loaded.");
    }

    #[test]
    fn most_requests_failing_in_the_window_is_unhealthy_with_the_reason() {
        let t0 = Instant::now();
        let at = |s: u64| t0 + Duration::from_secs(s);
        let mut w = FailureWindow::default();
        // A few failures among many successes: a deleted channel, not an outage.
        for i in 0..100 {
            w.record(at(i), Ok(()));
        }
        for i in 0..12 {
            w.record(at(100 + i), Err("the channel no longer exists"));
        }
        assert_eq!(w.verdict(at(120)), None);
        // Then everything fails: more failures than successes in the window.
        for i in 0..90 {
            w.record(
                at(120 + i),
                Err("Discord refused the request (400, code 50109): bad"),
            );
        }
        let why = w.verdict(at(300)).expect("failing");
        assert!(
            why.starts_with("102 of 202 delivery requests")
                && why.ends_with("(400, code 50109): bad"),
            "{why}"
        );
        // Nine failures alone are too few to judge.
        let mut few = FailureWindow::default();
        for i in 0..9 {
            few.record(at(i), Err("x"));
        }
        assert_eq!(few.verdict(at(10)), None);
        // Ten minutes later the window has forgotten them: healthy again.
        assert_eq!(w.verdict(at(120 + 90 + 600)), None);
        // Memory stays one slot per second, whatever the rate.
        let mut busy = FailureWindow::default();
        for i in 0..10_000u64 {
            busy.record(at(i / 100), Ok(()));
        }
        assert_eq!(busy.seconds.len(), 100);
    }
}
