//! This process among the bot processes sharing the database: its heartbeat, and its share of
//! the token's request budget. Its id, and which ids are provably dead, are
//! [`crate::ops::process`]'s: the summaries worker's claims carry the same id.

use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::engine::Deliverer;
use crate::ops::process::{dead_on_this_host, pid_alive};

impl Deliverer {
    /// Takes this process's share of the budget before a pass. On the first pass, a process
    /// joining others already at work waits for their next heartbeat (they re-divide the budget
    /// then) and the slots their limiters already handed out, so the sum never goes over.
    /// False when shutdown came first.
    pub(super) async fn join(&self, cancel: &CancellationToken) -> bool {
        self.share_budget().await;
        let others = self.processes.load(Ordering::Relaxed) > 1;
        if self.joined.swap(true, Ordering::Relaxed) || !others {
            return true;
        }
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
            _ = tokio::time::sleep(wait) => true,
            _ = cancel.cancelled() => false,
        }
    }

    /// Beats this process's heartbeat and takes its share of the token's request budget: the
    /// configured rate divided by the live processes, so together they never exceed it.
    pub(super) async fn share_budget(&self) {
        self.forget_dead_predecessors().await;
        let live = match self
            .store
            .heartbeat(&self.process, self.config.delivery.lease)
            .await
        {
            Ok(n) => n.max(1),
            Err(e) => {
                tracing::warn!(error = %e, "could not record this process's heartbeat");
                return;
            }
        };
        crate::ops::metrics::processes(live);
        let before = self.processes.swap(live, Ordering::Relaxed);
        if before != live {
            let share = f64::from(self.config.delivery.requests_per_second) / live as f64;
            self.limiter.set_rate(share);
            tracing::info!(
                processes = live,
                requests_per_second = format!("{share:.1}"),
                "sharing the request budget"
            );
        }
    }

    /// Unregisters the processes of this host that died without leaving (a crash, `kill -9`):
    /// their shares and leases come back now instead of when their heartbeats expire.
    async fn forget_dead_predecessors(&self) {
        let others = match self.store.processes().await {
            Ok(ids) => ids,
            Err(e) => {
                tracing::warn!(error = %e, "could not list the processes sharing the database");
                return;
            }
        };
        for id in dead_on_this_host(&self.process, &others, pid_alive) {
            tracing::info!(
                process = id,
                "a process of this host died without leaving; taking back its share"
            );
            if let Err(e) = self.store.leave(id).await {
                tracing::warn!(process = id, error = %e, "could not unregister a dead process");
            }
        }
    }
}
