//! The loop around [`Deliverer::tick`]: a pass, then sleep until something can be due, until
//! shutdown.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::engine::{Deliverer, PassSummary};

/// What the scheduler did over its whole run; logged as one line at shutdown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunSummary {
    pub passes: u64,
    pub messages_sent: u64,
    /// Deliveries completed, i.e. (channel, date) pairs served.
    pub channels_served: u64,
    pub paused: u64,
    /// Pass errors plus deliveries given up for good.
    pub errors: u64,
}

impl RunSummary {
    pub fn add(&mut self, pass: &PassSummary) {
        self.passes += 1;
        self.messages_sent += pass.messages_sent;
        self.channels_served += pass.completed;
        self.paused += pass.paused;
        self.errors += pass.errors + pass.failed;
    }
}

impl fmt::Display for RunSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} passes, {} messages sent, {} channels served, {} paused, {} errors",
            self.passes, self.messages_sent, self.channels_served, self.paused, self.errors
        )
    }
}

/// Runs delivery passes until `cancel` fires. Spawn it once per process. On cancellation the
/// message in flight is finished and recorded (see `send`), then the loop stops and returns
/// its summary.
pub async fn run_scheduler(d: Arc<Deliverer>, cancel: CancellationToken) -> RunSummary {
    let mut run = RunSummary::default();
    tracing::info!("delivery scheduler started");
    let keeper = {
        let (d, cancel) = (d.clone(), cancel.clone());
        tokio::spawn(async move { d.keep_alive(&cancel).await })
    };
    while !cancel.is_cancelled() {
        let pass = d.tick(&cancel).await;
        run.add(&pass);
        if cancel.is_cancelled() {
            break;
        }
        let now = d.clock().now();
        let mut wait = (d.next_wake(now).await - now)
            .to_std()
            .unwrap_or(Duration::ZERO)
            .min(d.tuning.max_sleep);
        // Work left unfinished (a Discord outage) is retried after a short pause, not at once.
        if pass.left_pending > 0 || pass.errors > 0 {
            wait = wait.max(Duration::from_secs(5)).min(d.tuning.max_sleep);
        }
        // Due times are to the second; waking just after one avoids a pass that finds nothing.
        let wait = wait + Duration::from_millis(250);
        tracing::debug!(wait_secs = wait.as_secs_f64(), "scheduler sleeping");
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = cancel.cancelled() => break,
        }
    }
    // Stopped beating first, so leaving is final.
    let _ = keeper.await;
    d.leave().await;
    tracing::info!("delivery scheduler stopped: {run}");
    run
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_summary_adds_passes() {
        let mut run = RunSummary::default();
        run.add(&PassSummary {
            completed: 3,
            messages_sent: 6,
            paused: 1,
            failed: 1,
            errors: 1,
            ..PassSummary::default()
        });
        run.add(&PassSummary::default());
        assert_eq!(
            run.to_string(),
            "2 passes, 6 messages sent, 3 channels served, 1 paused, 2 errors"
        );
    }
}
