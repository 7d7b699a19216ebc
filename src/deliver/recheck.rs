//! When a digest source is asked again: every date an open post needs is looked up archive
//! first; a source is asked when a new fire wants the date, and in between, while the date is
//! due and waited for, with backoff ([`next_look`], pure), never past the end of the wait or the
//! moment the fallback becomes allowed. The fallback is asked only for dates the primary lacks,
//! once it is allowed.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};

use super::decide::Days;
use super::{plan, Deliverer};
use crate::fetch::{Look, QuietStatus, Role};
use crate::store::StoreError;

/// When a source was last looked at for a date, and when to look again.
#[derive(Debug, Clone, Copy)]
pub(super) struct CheckMemo {
    last: DateTime<Utc>,
    next: DateTime<Utc>,
    checks: u32,
    /// Until when an open post wants the date: a look planned later than that will not happen
    /// unless a new fire asks for it, so it does not wake the scheduler.
    wanted_until: DateTime<Utc>,
}

/// What decides when a source is looked at again for a date it did not have final.
#[derive(Debug, Clone, Copy)]
pub struct LookPolicy {
    pub now: DateTime<Utc>,
    /// The latest fire that wants the date.
    pub fire: DateTime<Utc>,
    /// How long after its due time a missing digest is waited for.
    pub hold: chrono::Duration,
    /// When a provisional copy (a list whose day is not over) becomes final.
    pub provisional_until: Option<DateTime<Utc>>,
    /// When the source publishes the date (`None`: not a publishing day).
    pub expected_at: Option<DateTime<Utc>>,
    /// A pinned day (`digest_offset_days`): due at the fire, not at its publication time.
    pub pinned: bool,
    /// The backoff after this many looks.
    pub backoff: chrono::Duration,
    /// When the fallback becomes allowed for the date.
    pub fallback_from: Option<DateTime<Utc>>,
}

/// When to look again: when a provisional copy becomes final; when the date falls due, if it
/// has not; while it is due and waited for, after the backoff but never past the end of the
/// wait or the moment the fallback is allowed; otherwise never (the next fire that wants it
/// asks anew). `DateTime::MAX_UTC` stands for never.
pub fn next_look(p: &LookPolicy) -> DateTime<Utc> {
    let (due_at, waited_until) = if p.pinned {
        (Some(p.fire), Some(p.fire + p.hold))
    } else {
        (p.expected_at, p.expected_at.map(|t| t + p.hold))
    };
    match (p.provisional_until, waited_until) {
        (Some(t), _) => t,
        (None, _) if due_at.is_some_and(|t| t > p.now) => due_at.expect("checked"),
        (None, Some(end)) if p.now < end => [Some(p.now + p.backoff), Some(end), p.fallback_from]
            .into_iter()
            .flatten()
            .filter(|t| *t > p.now)
            .min()
            .unwrap_or(p.now + p.backoff),
        _ => DateTime::<Utc>::MAX_UTC,
    }
}

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

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 5, h, m, 0).unwrap()
    }

    fn policy(now: DateTime<Utc>) -> LookPolicy {
        LookPolicy {
            now,
            fire: at(9, 0),
            hold: Duration::minutes(60),
            provisional_until: None,
            expected_at: Some(at(8, 0)),
            pinned: false,
            backoff: Duration::minutes(5),
            fallback_from: None,
        }
    }

    #[test]
    fn a_late_digest_is_asked_again_with_backoff_until_its_wait_ends() {
        // Due at 8:00, waited for until 9:00: every backoff, but not past the wait's end.
        assert_eq!(next_look(&policy(at(8, 10))), at(8, 15));
        assert_eq!(next_look(&policy(at(8, 57))), at(9, 0));
        // The wait is over: no further look until a new fire asks.
        assert_eq!(next_look(&policy(at(9, 0))), DateTime::<Utc>::MAX_UTC);
    }

    #[test]
    fn a_date_not_due_yet_is_asked_when_it_is() {
        assert_eq!(next_look(&policy(at(7, 0))), at(8, 0));
        // Not a publishing day: nothing to wait for.
        let none = LookPolicy {
            expected_at: None,
            ..policy(at(7, 0))
        };
        assert_eq!(next_look(&none), DateTime::<Utc>::MAX_UTC);
    }

    #[test]
    fn a_provisional_copy_is_asked_again_when_its_day_is_over() {
        let p = LookPolicy {
            provisional_until: Some(at(23, 0)),
            ..policy(at(8, 10))
        };
        assert_eq!(next_look(&p), at(23, 0));
    }

    #[test]
    fn the_fallback_becoming_allowed_brings_the_next_look_forward() {
        let p = LookPolicy {
            fallback_from: Some(at(8, 12)),
            ..policy(at(8, 10))
        };
        assert_eq!(next_look(&p), at(8, 12));
    }

    #[test]
    fn a_pinned_day_is_due_at_the_fire_and_waited_for_after_it() {
        let p = LookPolicy {
            pinned: true,
            expected_at: None,
            ..policy(at(8, 30))
        };
        assert_eq!(next_look(&p), at(9, 0), "not due before the fire");
        let p = LookPolicy {
            now: at(9, 20),
            ..p
        };
        assert_eq!(next_look(&p), at(9, 25));
        let p = LookPolicy {
            now: at(10, 0),
            ..p
        };
        assert_eq!(next_look(&p), DateTime::<Utc>::MAX_UTC);
    }
}
