//! The weekly stage of a pass: the week's best for each channel that asked for it, planned into
//! the ledger when due (see [`crate::deliver::weekly::timing`] for when and under which key) and then sent like any
//! resumed delivery, so it is exactly once, resumed after a crash and shared between processes
//! by the same machinery as the daily post.
//!
//! Votes keep changing for days, so right before planning each of the week's days is asked of
//! Hugging Face again and its votes replace the archived ones ([`crate::select::ranking::refresh_votes`]);
//! the posted text (summaries, order) stays the archive's. Once planned, the post never changes:
//! a process that resumes it sends the same bodies, whatever the votes say by then.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::deliver::decide::{Snapshot, Work};
use crate::deliver::engine::Deliverer;
use crate::deliver::plan::RenderCache;
use crate::deliver::target::Target;
use crate::source::digest::Digest;
use crate::store::StoreError;

impl Deliverer {
    /// Plans every weekly post due at `now` that the ledger does not have yet, and queues it (as
    /// a resume) in `work`. A day that cannot be refreshed keeps its archived votes; a post with
    /// no paper to show is recorded as done with nothing sent, so it is not tried again.
    pub(in crate::deliver) async fn plan_weekly(
        &self,
        snapshot: &Snapshot,
        now: DateTime<Utc>,
        work: &mut Work,
    ) -> Result<(), StoreError> {
        let cfg = &self.config.schedule;
        let catch_up = Duration::days(i64::from(cfg.catch_up_days.max(1)));
        let mut days: HashMap<NaiveDate, Option<Digest>> = HashMap::new();
        for target in snapshot.targets.values().filter(|t| t.is_weekly()) {
            if let Target::SavedWeekly(user) = &**target {
                self.plan_saved_weekly(target, user, snapshot, now, catch_up, work)
                    .await?;
                continue;
            }
            let Target::Weekly(sub) = &**target else {
                continue;
            };
            let Some(settings) = crate::deliver::settings::weekly_settings(sub) else {
                continue;
            };
            let Some(schedule) = crate::deliver::weekly::timing::channel_schedule(sub, cfg) else {
                continue;
            };
            let key = target.key();
            let Some((date, fire)) = crate::deliver::weekly::timing::due(
                &schedule,
                settings.since,
                now,
                catch_up,
                |_| false,
            ) else {
                continue;
            };
            if snapshot.held.contains_key(&(key, date)) || self.weekly_in_ledger(key, date).await? {
                // Planned already: finished, or resumed from the ledger like any delivery.
                continue;
            }
            let mut week = Vec::new();
            for d in crate::deliver::weekly::timing::ranked_dates(date) {
                if let std::collections::hash_map::Entry::Vacant(slot) = days.entry(d) {
                    slot.insert(self.refreshed_day(d).await?);
                }
                if let Some(Some(day)) = days.get(&d) {
                    week.push(day.clone());
                }
            }
            let keywords = self.store.keywords(sub.channel_id).await?;
            let filter = crate::deliver::settings::filter_for(Some(sub), &keywords);
            let ranked = crate::select::ranking::top_papers(&week, &filter, settings.top);
            let dates = crate::deliver::weekly::timing::ranked_dates(date);
            let lang = crate::deliver::settings::language_of(sub, &self.config);
            let header = crate::t!(
                &lang,
                "weekly-header",
                count = ranked.len(),
                span = crate::render::span(&dates)
            );
            // Summaries already written in the channel's language (none is written for this).
            let overlay = match &self.config.summaries {
                Some(_) => {
                    let papers: Vec<&crate::source::digest::Paper> =
                        ranked.iter().map(|r| r.paper).collect();
                    Some(
                        crate::summaries::posts::stored_overlay_of(
                            &self.store,
                            &papers,
                            lang.code(),
                        )
                        .await?,
                    )
                }
                None => None,
            };
            let messages =
                crate::render::top_messages(&header, &ranked, Some(now), &lang, overlay.as_ref());
            let bodies: Vec<serde_json::Value> = messages.iter().map(|m| m.to_json(None)).collect();
            let plan = RenderCache::default().plan_for(key, date, &bodies);
            self.store.plan_delivery(key, date, &plan).await?;
            self.remember_weekly(key, date);
            tracing::info!(
                channel_id = sub.channel_id,
                %date,
                %fire,
                papers = ranked.len(),
                messages = plan.len(),
                "weekly post planned"
            );
            if !plan.is_empty() {
                work.of(target).resume.push(date);
            }
        }
        Ok(())
    }

    /// Whether the weekly post (`key`, `date`) is in the ledger; asked of the store once per
    /// process (a planned row stays), so a post due for days costs no query a pass.
    async fn weekly_in_ledger(&self, key: u64, date: NaiveDate) -> Result<bool, StoreError> {
        if self
            .weekly_planned
            .lock()
            .expect("weekly lock")
            .contains(&(key, date))
        {
            return Ok(true);
        }
        let known = self.store.delivery(key, date).await?.is_some();
        if known {
            self.remember_weekly(key, date);
        }
        Ok(known)
    }

    fn remember_weekly(&self, key: u64, date: NaiveDate) {
        self.weekly_planned
            .lock()
            .expect("weekly lock")
            .insert((key, date));
    }

    /// A person's weekly DM of their reading list, when due: on the default weekly day at
    /// their alerts' hour, the newest page of what they saved and have not removed (nothing
    /// when the list is empty), planned and queued like a channel's weekly post.
    async fn plan_saved_weekly(
        &self,
        target: &std::sync::Arc<Target>,
        user: &crate::store::AlertUser,
        snapshot: &Snapshot,
        now: DateTime<Utc>,
        catch_up: Duration,
        work: &mut Work,
    ) -> Result<(), StoreError> {
        let Some(schedule) =
            crate::deliver::weekly::timing::reading_list_schedule(user, &self.config.schedule)
        else {
            return Ok(());
        };
        let key = target.key();
        let Some((date, _)) =
            crate::deliver::weekly::timing::due(&schedule, user.updated_at, now, catch_up, |_| {
                false
            })
        else {
            return Ok(());
        };
        if snapshot.held.contains_key(&(key, date)) || self.weekly_in_ledger(key, date).await? {
            return Ok(());
        }
        let total = self.store.saved_count(user.user_id).await?;
        let papers = self
            .store
            .saved_papers(
                user.user_id,
                0,
                crate::render::reading_list::page::PAGE_SIZE,
            )
            .await?;
        let lang = user
            .language
            .clone()
            .unwrap_or_else(|| self.config.default_language());
        let messages = if papers.is_empty() {
            Vec::new()
        } else {
            let embed = crate::render::reading_list::page::page_embed(
                &papers,
                1,
                &crate::t!(&lang, "saved-list-title", count = total),
                &crate::t!(
                    &lang,
                    "saved-weekly-footer",
                    shown = papers.len(),
                    count = total
                ),
                &lang,
            );
            let mut message = crate::render::MessageSpec {
                content: Some(crate::t!(&lang, "saved-weekly-header")),
                embeds: vec![embed],
                menu: None,
            };
            // "For you": the week's papers closest to the list, and news of saved papers.
            let (recommended, followups) = self.weekly_for_you(user.user_id, key, date).await?;
            let recommended: Vec<crate::render::Recommended> = recommended
                .iter()
                .map(|(paper, close_to)| crate::render::Recommended { paper, close_to })
                .collect();
            crate::render::add_for_you_to_weekly(&mut message, &recommended, &followups, &lang);
            vec![message]
        };
        let bodies: Vec<serde_json::Value> = messages.iter().map(|m| m.to_json(None)).collect();
        let plan = RenderCache::default().plan_for(key, date, &bodies);
        self.store.plan_delivery(key, date, &plan).await?;
        self.remember_weekly(key, date);
        tracing::info!(user_id = user.user_id, %date, saved = total, "weekly reading-list DM planned");
        if !plan.is_empty() {
            work.of(target).resume.push(date);
        }
        Ok(())
    }

    /// A day for ranking: the archived copy (or the primary source's, when the archive lacks
    /// the day) with the votes of a fresh Hugging Face list of the same date, or either alone
    /// when the other is missing; `None` when nothing has it.
    async fn refreshed_day(&self, date: NaiveDate) -> Result<Option<Digest>, StoreError> {
        let sources = self.fetcher.sources();
        let hf = sources.all().find(|s| s.source().grows_during_day());
        let primary = sources
            .get(crate::source::fetch::Role::Primary, date)
            .expect("always a primary");
        let mut archived = self.store.archived(date).await?.map(|a| a.digest);
        if archived.is_none() && !primary.source().grows_during_day() {
            archived = primary.load(date).await.ok().map(|p| p.digest);
        }
        let fresh = match hf {
            Some(loader) => match loader.load(date).await {
                Ok(parsed) => Some(parsed.digest),
                Err(e) => {
                    tracing::warn!(%date, error = %e, "could not refresh the day's votes for the weekly post; using the archived ones");
                    None
                }
            },
            None => None,
        };
        Ok(match (archived, fresh) {
            (Some(a), Some(f)) => Some(crate::select::ranking::refresh_votes(&a, &f)),
            (Some(a), None) => Some(a),
            (None, Some(f)) => Some(f),
            (None, None) => None,
        })
    }
}
