//! What `/healthz` reports: whether this process can do its job right now. A load balancer or
//! a service manager restarts a process that says it cannot; so each part is something a
//! restart can fix, and nothing slow is asked (one query, two atomics and a lock).

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
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
}

/// The answer of `/healthz`, as JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub ok: bool,
    pub gateway: GatewayReport,
    pub database: DatabaseReport,
    pub scheduler: SchedulerReport,
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
        }
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
        Report {
            ok: gateway.ok && database.ok && scheduler.ok,
            gateway,
            database,
            scheduler,
        }
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
}
