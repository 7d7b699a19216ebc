//! The days a pass needs, resolved once for all targets: each needed date looked up archive
//! first, a source asked again only when [`super::recheck::next_look`] says so, the fallback
//! only for dates the primary lacks and once it is allowed; the quiet primary reported once a
//! day.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};

use super::decide::Days;
use super::engine::Deliverer;
use super::plan;
use super::recheck::{next_look, CheckMemo, LookPolicy};
use crate::source::fetch::{Look, QuietStatus, Role};
use crate::store::StoreError;

impl Deliverer {
    /// Looks up every needed date, archive first, asking a source only when its re-check is
    /// due: the primary for every date, then (for dates it lacks) the fallback where that is
    /// allowed. Dates no open post needs are forgotten.
    pub(super) async fn resolve_days(
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
        for (date, fire) in lacking {
            if self.fetcher.sources().get(Role::Fallback, date).is_none() {
                continue;
            }
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
        let provisional_until = match &look {
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
        let next = next_look(&LookPolicy {
            now,
            fire,
            hold,
            provisional_until,
            expected_at: publication.expected_at(date),
            pinned: self.config.schedule.digest_offset_days.is_some(),
            backoff: chrono::Duration::from_std(plan::late_retry_delay(
                checks,
                &self.config.schedule,
            ))
            .unwrap_or_else(|_| chrono::Duration::minutes(5)),
            fallback_from,
        });
        if let Look::Failed(e) = &look {
            tracing::warn!(%date, ?role, error = %e, checks, next_check = %plan::When(next), "could not read the digest; will retry");
        } else if matches!(look, Look::NotPublished) {
            tracing::info!(%date, ?role, checks, next_check = %plan::When(next), "digest not published yet");
        }
        // A pinned day is wanted by every later fire; a latest-digest post only during its wait.
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
    pub(super) fn next_check(&self) -> Option<DateTime<Utc>> {
        self.checks
            .lock()
            .expect("checks lock")
            .values()
            .filter(|m| m.next <= m.wanted_until)
            .map(|m| m.next)
            .min()
    }
}
