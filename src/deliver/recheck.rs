//! When a digest source is asked again: every date an open post needs is looked up archive
//! first; a source is asked when a new fire wants the date, and in between, while the date is
//! due and waited for, with backoff ([`next_look`], pure), never past the end of the wait or the
//! moment the fallback becomes allowed. The fallback is asked only for dates the primary lacks,
//! once it is allowed.

use chrono::{DateTime, Utc};

/// When a source was last looked at for a date, and when to look again.
#[derive(Debug, Clone, Copy)]
pub(super) struct CheckMemo {
    pub(super) last: DateTime<Utc>,
    pub(super) next: DateTime<Utc>,
    pub(super) checks: u32,
    /// Until when an open post wants the date: a look planned later than that will not happen
    /// unless a new fire asks for it, so it does not wake the scheduler.
    pub(super) wanted_until: DateTime<Utc>,
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
