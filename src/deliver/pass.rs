//! One pass, as the pipeline it is (see the module doc of [`crate::deliver`]): each stage a
//! named call, in order; and when the scheduler should run the next one.

use std::sync::atomic::Ordering;

use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

use super::decide;
use super::engine::{Deliverer, PassSummary, Stats};
use super::job;
use super::plan;
use super::target::Target;
use crate::store::StoreError;

impl Deliverer {
    /// One pass: resume unfinished deliveries, then deliver every due (channel, date).
    pub async fn tick(&self, cancel: &CancellationToken) -> PassSummary {
        if let Some(h) = &self.health {
            h.pass_started();
        }
        let summary = self.run_pass(cancel).await;
        if let Some(h) = &self.health {
            h.pass_finished();
        }
        crate::ops::metrics::pass();
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
        let for_you = self
            .for_you_stage(&work.jobs, &snapshot.alert_terms, &alert_matches)
            .await;
        for j in work.jobs.values() {
            Stats::add(&stats.deliveries, (j.resume.len() + j.new.len()) as u64);
            Stats::add(&stats.resumed, j.resume.len() as u64);
        }
        let chunks = decide::chunks(work.jobs, self.tuning.plan_chunk);
        let people = job::PeopleDays {
            matches: &alert_matches,
            for_you: &for_you,
        };
        self.fan_out(chunks, &keywords, people, &overlays, cancel, stats)
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
                    if let Some(weekly) =
                        crate::deliver::weekly::timing::channel_schedule(&s, &self.config.schedule)
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
                if let Some(weekly) = crate::deliver::weekly::timing::reading_list_schedule(
                    &user,
                    &self.config.schedule,
                ) {
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
}
