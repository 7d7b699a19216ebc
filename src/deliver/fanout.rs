//! Serving the planned work: targets run `delivery.concurrency` at a time under the one global
//! limiter, each target's deliveries in order in one task; the next chunk is planned while the
//! current one sends, so planning never leaves the limiter idle. Progress of a long fan-out is
//! logged as it goes.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Mutex;

use futures::stream::{FuturesUnordered, StreamExt};
use tokio_util::sync::CancellationToken;

use super::decide::Unplanned;
use super::engine::{Deliverer, Stats};
use super::job::{ChannelJob, PeopleDays};
use super::plan::RenderCache;
use crate::store::{Keyword, StoreError};

impl Deliverer {
    /// Plans and sends `chunks` in order; returns the first error that kept a chunk from being
    /// written to the ledger (its targets wait for the next pass).
    pub(super) async fn fan_out(
        &self,
        chunks: Vec<Vec<Unplanned>>,
        keywords: &HashMap<u64, Vec<Keyword>>,
        people: PeopleDays<'_>,
        overlays: &super::summaries::Overlays,
        cancel: &CancellationToken,
        stats: &Stats,
    ) -> Result<(), StoreError> {
        let total: u64 = chunks.iter().map(|c| c.len() as u64).sum();
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
                            keywords,
                            people,
                            overlays,
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
}
