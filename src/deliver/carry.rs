//! Which digests a post carries, decided without I/O.
//!
//! A channel's post fires on its schedule; by default it carries **every digest that is complete
//! and that the channel has not received yet**, oldest first: normally exactly one, yesterday's.
//! That needs no thought about time zones or publication times: a Sunday post finds nothing new,
//! a Monday post carries Friday's (and a rare Saturday's), a digest that appears late is carried
//! by the next post at the latest. Three limits keep it sane:
//! - the **catch-up cap**: a post never carries a digest dated more than `catch_up_days` before
//!   it, so a bot back from a month of downtime does not flood its channels;
//! - the **subscription's start**: a channel that never got a post gets the newest digest only,
//!   not a backlog, and nothing older than its first post afterwards;
//! - **order**: while a digest that is due (expected and not out yet) is still being waited for,
//!   later ones wait behind it, so days arrive in date order.
//!
//! `schedule.digest_offset_days` pins each fire to one date instead (the fire's local day plus
//! the offset), the way paperboy used to work; it is kept as an explicit override.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};

use crate::deliver::schedule::ChannelSchedule;
use crate::source::publication::Publication;

/// What the pass knows about one digest date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayState {
    /// When a final digest (the primary's, or the fallback's where that is allowed) was first
    /// seen; `None` while there is none.
    pub ready_since: Option<DateTime<Utc>>,
    /// When the primary's digest was due; `None` for a date the primary does not publish on.
    pub expected_at: Option<DateTime<Utc>>,
}

impl DayState {
    pub fn is_ready(&self) -> bool {
        self.ready_since.is_some()
    }
}

/// What one channel has had so far.
#[derive(Debug, Clone, Copy)]
pub struct History<'a> {
    /// The first date this subscription was posted; `None` for a channel never posted to.
    pub start: Option<NaiveDate>,
    /// Dates with a ledger entry for the channel (sent, in progress or given up): never again.
    pub received: &'a BTreeSet<NaiveDate>,
}

/// A digest that was not due by a post's fire still goes with it if it was there at the fire:
/// seen this long after the fire at most (the pass that handles the fire looks at the sources).
pub const AT_THE_FIRE: Duration = Duration::minutes(5);

/// Which dates a post may carry.
#[derive(Debug, Clone)]
pub enum Selection {
    /// Every complete digest not received yet, dated `cap..=newest`, that was due by the post's
    /// fire or already there at it (seen by `seen_by`): one that was neither waits for the next
    /// post, so a channel posts at its time, not whenever a digest turns up.
    Latest {
        cap: NaiveDate,
        newest: NaiveDate,
        fire: DateTime<Utc>,
        seen_by: DateTime<Utc>,
    },
    /// Exactly these dates, each with the fire it is due at (`digest_offset_days`).
    Pinned(Vec<(NaiveDate, DateTime<Utc>)>),
}

impl Selection {
    /// The oldest date this selection can carry.
    pub fn oldest(&self) -> Option<NaiveDate> {
        match self {
            Selection::Latest { cap, newest, .. } => (cap <= newest).then_some(*cap),
            Selection::Pinned(dates) => dates.iter().map(|(d, _)| *d).min(),
        }
    }
}

/// The dates a post could carry for this channel, oldest first: in the selection, not received,
/// not older than the channel's start.
pub fn candidates(selection: &Selection, history: History<'_>) -> Vec<NaiveDate> {
    let fresh = |d: &NaiveDate| {
        !history.received.contains(d) && history.start.is_none_or(|start| *d >= start)
    };
    match selection {
        Selection::Latest { cap, newest, .. } => cap
            .iter_days()
            .take_while(|d| d <= newest)
            .filter(fresh)
            .collect(),
        Selection::Pinned(dates) => dates.iter().map(|(d, _)| *d).filter(fresh).collect(),
    }
}

/// The decision for one channel at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Carry {
    /// Dates to post now, oldest first.
    pub post: Vec<NaiveDate>,
    /// Dates still waited for (to be checked again), oldest first.
    pub awaiting: Vec<NaiveDate>,
    /// Pinned dates whose wait ended without a digest: settled (with a notice for channels that
    /// asked for one).
    pub never_came: Vec<NaiveDate>,
}

/// Decides what a channel's open post carries at `now`. `hold` is how long after its due time a
/// missing digest is waited for (`publish_deadline_minutes`).
pub fn carry(
    selection: &Selection,
    history: History<'_>,
    now: DateTime<Utc>,
    hold: Duration,
    day: impl Fn(NaiveDate) -> DayState,
) -> Carry {
    let mut out = Carry::default();
    let candidates = candidates(selection, history);
    match selection {
        Selection::Latest { fire, seen_by, .. } => {
            // Due by the fire and not out: waited for, holding later ones.
            let awaited = |d: NaiveDate| {
                let s = day(d);
                !s.is_ready() && s.expected_at.is_some_and(|t| t <= *fire && now < t + hold)
            };
            let ready = |d: NaiveDate| {
                let s = day(d);
                s.ready_since.is_some_and(|since| {
                    since <= *seen_by || s.expected_at.is_some_and(|t| t <= *fire)
                })
            };
            if history.start.is_none() {
                // A new channel gets the newest digest, once nothing newer is still due.
                let newest_ready = candidates.iter().rev().find(|d| ready(**d)).copied();
                out.awaiting = candidates
                    .iter()
                    .filter(|d| newest_ready.is_none_or(|r| **d > r) && awaited(**d))
                    .copied()
                    .collect();
                if out.awaiting.is_empty() {
                    out.post.extend(newest_ready);
                }
                return out;
            }
            let mut holding = false;
            for d in candidates {
                if awaited(d) {
                    holding = true;
                    out.awaiting.push(d);
                } else if !holding && ready(d) {
                    out.post.push(d);
                }
            }
        }
        Selection::Pinned(dates) => {
            let mut holding = false;
            for (d, due) in dates.iter().filter(|(d, _)| candidates.contains(d)) {
                if holding {
                    out.awaiting.push(*d);
                } else if day(*d).is_ready() {
                    out.post.push(*d);
                } else if now < *due + hold {
                    holding = true;
                    out.awaiting.push(*d);
                } else {
                    out.never_came.push(*d);
                }
            }
        }
    }
    out
}

/// When a post carrying `date` first fell due: the first fire, from the subscription on, at
/// which the day could be carried (the UTC day begun, and the digest due by the fire or there
/// at it), or when the digest was first seen if that was later. Not the latest fire: on a
/// schedule firing more often than a wait that counts from it (the summaries'), every fire
/// would start the wait again and the post would never go out. `fire` is the post's latest
/// fire; a pinned date's due time is its own fire.
pub fn first_due(
    schedule: &ChannelSchedule,
    selection: &Selection,
    subscribed_at: DateTime<Utc>,
    date: NaiveDate,
    state: DayState,
    fire: DateTime<Utc>,
) -> DateTime<Utc> {
    let seen = state.ready_since.unwrap_or(fire);
    let first_fire = match selection {
        Selection::Pinned(dates) => dates
            .iter()
            .find(|(d, _)| *d == date)
            .map_or(fire, |(_, due)| *due),
        Selection::Latest { .. } => {
            let available = match state.expected_at {
                Some(expected) => expected.min(seen - AT_THE_FIRE),
                None => seen - AT_THE_FIRE,
            };
            let day_begun = Utc.from_utc_datetime(&date.and_time(chrono::NaiveTime::MIN));
            let from = available.max(day_begun).max(subscribed_at);
            schedule
                .next_after(from - Duration::seconds(1))
                .map_or(fire, |f| f.min(fire))
        }
    };
    first_fire.max(seen)
}

/// The fire a channel's post belongs to at `now`, if its post is open: the latest fire since the
/// subscription while the wait after it lasts (`hold`), or, on the first pass after start-up
/// (`catch_up`), the latest fire within the catch-up window, so that a post missed during
/// downtime goes out now rather than at the next fire. A pinned post (`digest_offset_days`)
/// stays open until the next fire: its day is settled, one way or the other, within it.
pub fn open_post(
    schedule: &ChannelSchedule,
    subscribed_at: DateTime<Utc>,
    now: DateTime<Utc>,
    hold: Duration,
    catch_up: Option<Duration>,
    pinned: bool,
) -> Option<DateTime<Utc>> {
    let fire = schedule.last_at_or_before(now)?;
    if fire < subscribed_at {
        return None;
    }
    let open = pinned || now < fire + hold || catch_up.is_some_and(|window| fire >= now - window);
    open.then_some(fire)
}

/// What a channel's post at `fire` may carry.
/// `catching_up`: the first pass after start-up, which carries whatever is there.
pub fn selection_for(
    schedule: &ChannelSchedule,
    fire: DateTime<Utc>,
    now: DateTime<Utc>,
    catch_up_days: u32,
    offset_days: Option<i64>,
    subscribed_at: DateTime<Utc>,
    catching_up: bool,
) -> Selection {
    let window = Duration::days(i64::from(catch_up_days));
    match offset_days {
        None => Selection::Latest {
            cap: schedule.local_date(fire) - window,
            newest: now.date_naive(),
            fire,
            seen_by: if catching_up { now } else { fire + AT_THE_FIRE },
        },
        Some(offset) => {
            let from = (fire - window).max(subscribed_at) - Duration::seconds(1);
            let mut dates: Vec<(NaiveDate, DateTime<Utc>)> = schedule
                .fires_between(from, fire)
                .into_iter()
                .map(|f| (schedule.local_date(f) + Duration::days(offset), f))
                .collect();
            dates.sort();
            dates.dedup_by_key(|(d, _)| *d);
            Selection::Pinned(dates)
        }
    }
}

/// What a channel's next post will carry, for `/papers settings` and `paperboy status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NextPost {
    pub at: DateTime<Utc>,
    pub date: NaiveDate,
    /// Whether that digest is already there (otherwise it is the next one expected).
    pub ready: bool,
}

/// Predicts the next post: the next fire that will carry something, and which digest. A digest
/// that is complete and not received goes with the next fire; otherwise the next expected digest
/// goes with the first fire after it is due (so an hourly cron whose day was delivered names
/// tomorrow's post, not the next hour). `newest_ready` is the newest complete digest not received.
pub fn next_post(
    schedule: &ChannelSchedule,
    publication: &Publication,
    offset_days: Option<i64>,
    now: DateTime<Utc>,
    newest_received: Option<NaiveDate>,
    newest_ready: Option<NaiveDate>,
) -> Option<NextPost> {
    if let Some(offset) = offset_days {
        let at = schedule.next_after(now)?;
        let date = schedule.local_date(at) + Duration::days(offset);
        return Some(NextPost {
            at,
            date,
            ready: newest_ready == Some(date),
        });
    }
    if let Some(date) = newest_ready.filter(|d| newest_received.is_none_or(|r| *d > r)) {
        return Some(NextPost {
            at: schedule.next_after(now)?,
            date,
            ready: true,
        });
    }
    let Some(newest_received) = newest_received else {
        // A channel that never had a post gets the newest digest due by its next fire.
        let at = schedule.next_after(now)?;
        let date = (0..7)
            .map(|k| at.date_naive() - Duration::days(k))
            .find(|d| publication.expected_at(*d).is_some_and(|t| t <= at))?;
        return Some(NextPost {
            at,
            date,
            ready: false,
        });
    };
    // The next expected digest after what the channel has: from yesterday's on (one that is
    // due and late is still the next one), never one it has.
    let after = newest_received.max(now.date_naive() - Duration::days(2));
    let date = publication.next_expected_after(after)?;
    let due = publication.expected_at(date)?.max(now);
    let at = schedule.next_after(due - Duration::seconds(1))?;
    Some(NextPost {
        at,
        date,
        ready: false,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::config::parse_cron;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn publication() -> Publication {
        Publication {
            publish_days: "Mon-Fri".parse().unwrap(),
            fallback_after: Duration::minutes(60),
            quiet_after_days: 3,
            settle: Duration::minutes(60),
        }
    }

    /// A day map: listed dates are ready (long since), the rest are not; weekends are not
    /// expected.
    fn days(ready: &[&str]) -> impl Fn(NaiveDate) -> DayState {
        let ready: Vec<(&str, &str)> = ready.iter().map(|r| (*r, "2000-01-01T00:00:00Z")).collect();
        days_since(&ready)
    }

    /// Like [`days`], each ready date with when it was first seen.
    fn days_since(ready: &[(&str, &str)]) -> impl Fn(NaiveDate) -> DayState {
        let ready: HashMap<NaiveDate, DateTime<Utc>> =
            ready.iter().map(|(x, t)| (d(x), utc(t))).collect();
        let p = publication();
        move |date| DayState {
            ready_since: ready.get(&date).copied(),
            expected_at: p.expected_at(date),
        }
    }

    /// A post that fired at `fire`.
    fn latest(cap: &str, newest: &str, fire: &str) -> Selection {
        Selection::Latest {
            cap: d(cap),
            newest: d(newest),
            fire: utc(fire),
            seen_by: utc(fire) + AT_THE_FIRE,
        }
    }

    const HOLD: Duration = Duration::minutes(720);

    #[test]
    fn a_post_carries_every_complete_digest_not_received_yet_oldest_first() {
        // Monday 2024-04-08 10:00 KST (01:00 UTC): Friday's and a rare Saturday's are out.
        let received: BTreeSet<_> = [d("2024-04-04")].into();
        let h = History {
            start: Some(d("2024-04-01")),
            received: &received,
        };
        let c = carry(
            &latest("2024-04-01", "2024-04-08", "2024-04-08T01:00:00Z"),
            h,
            utc("2024-04-08T01:00:00Z"),
            HOLD,
            days(&["2024-04-04", "2024-04-05", "2024-04-06"]),
        );
        // 04-01..03 are missing and overdue: nothing waits for them.
        assert_eq!(c.post, vec![d("2024-04-05"), d("2024-04-06")]);
        assert!(c.awaiting.is_empty());
    }

    #[test]
    fn nothing_new_means_nothing_posted_no_sunday_duplicate() {
        let received: BTreeSet<_> = [d("2024-04-05")].into();
        let h = History {
            start: Some(d("2024-04-01")),
            received: &received,
        };
        // Sunday 2024-04-07 09:00 UTC.
        let c = carry(
            &latest("2024-03-31", "2024-04-07", "2024-04-07T09:00:00Z"),
            h,
            utc("2024-04-07T09:00:00Z"),
            HOLD,
            days(&["2024-04-05"]),
        );
        assert_eq!(c, Carry::default());
    }

    #[test]
    fn a_due_digest_that_is_late_is_waited_for_and_holds_later_ones() {
        let received: BTreeSet<_> = [d("2024-04-08")].into();
        let h = History {
            start: Some(d("2024-04-01")),
            received: &received,
        };
        // Wednesday 00:30 UTC: Tuesday's (due at 00:00) is not out, Wednesday's already is.
        let c = carry(
            &latest("2024-04-03", "2024-04-10", "2024-04-10T00:30:00Z"),
            h,
            utc("2024-04-10T00:30:00Z"),
            HOLD,
            days(&["2024-04-10"]),
        );
        assert_eq!(c.post, Vec::<NaiveDate>::new());
        assert_eq!(c.awaiting, vec![d("2024-04-09")]);
        // Once its wait is over, later ones go.
        let c = carry(
            &latest("2024-04-03", "2024-04-10", "2024-04-10T12:00:00Z"),
            h,
            utc("2024-04-10T12:00:00Z"),
            HOLD,
            days(&["2024-04-10"]),
        );
        assert_eq!(c.post, vec![d("2024-04-10")]);
        // And when it comes, it comes first.
        let c = carry(
            &latest("2024-04-03", "2024-04-10", "2024-04-10T01:00:00Z"),
            h,
            utc("2024-04-10T01:00:00Z"),
            HOLD,
            days(&["2024-04-09", "2024-04-10"]),
        );
        assert_eq!(c.post, vec![d("2024-04-09"), d("2024-04-10")]);
    }

    #[test]
    fn a_post_carries_what_was_due_by_its_fire_or_there_at_it_nothing_that_came_later() {
        let received: BTreeSet<_> = [d("2024-04-08")].into();
        let h = History {
            start: Some(d("2024-04-01")),
            received: &received,
        };
        // 18:00 in New York (22:00 UTC) on Tuesday: Tuesday's digest is not due until 00:00 UTC.
        let fire = "2024-04-09T22:00:00Z";
        let sel = latest("2024-04-02", "2024-04-10", fire);
        // It appears at 23:03, inside the post's wait: it waits for Wednesday's post.
        let later = days_since(&[("2024-04-09", "2024-04-09T23:03:00Z")]);
        let c = carry(&sel, h, utc("2024-04-10T00:30:00Z"), HOLD, later);
        assert_eq!(c, Carry::default());
        // Published early and there at the fire: it goes now.
        let early = days_since(&[("2024-04-09", "2024-04-09T02:25:00Z")]);
        let c = carry(&sel, h, utc("2024-04-09T22:00:01Z"), HOLD, early);
        assert_eq!(c.post, vec![d("2024-04-09")]);
    }

    #[test]
    fn a_new_channel_gets_the_newest_digest_not_a_backlog() {
        let none = BTreeSet::new();
        let h = History {
            start: None,
            received: &none,
        };
        let c = carry(
            &latest("2024-04-01", "2024-04-09", "2024-04-09T01:00:00Z"),
            h,
            utc("2024-04-09T01:00:00Z"),
            HOLD,
            days(&["2024-04-03", "2024-04-04", "2024-04-08"]),
        );
        assert_eq!(c.post, vec![d("2024-04-08")]);
        // While a newer digest is due and late, it waits for it rather than post an older one.
        let c = carry(
            &latest("2024-04-01", "2024-04-09", "2024-04-09T00:10:00Z"),
            h,
            utc("2024-04-09T00:10:00Z"),
            HOLD,
            days(&["2024-04-04", "2024-04-05"]),
        );
        assert!(c.post.is_empty());
        assert_eq!(c.awaiting, vec![d("2024-04-08")]);
        // Nothing older than the channel's start, ever.
        let received: BTreeSet<_> = [d("2024-04-08")].into();
        let h = History {
            start: Some(d("2024-04-08")),
            received: &received,
        };
        let c = carry(
            &latest("2024-04-01", "2024-04-10", "2024-04-10T09:00:00Z"),
            h,
            utc("2024-04-10T09:00:00Z"),
            HOLD,
            days(&["2024-04-05", "2024-04-08", "2024-04-09"]),
        );
        assert_eq!(c.post, vec![d("2024-04-09")]);
    }

    #[test]
    fn the_catch_up_cap_bounds_how_old_a_carried_digest_can_be() {
        let s = ChannelSchedule::new(parse_cron("0 0 9 * * *").unwrap(), chrono_tz::UTC);
        let sel = selection_for(
            &s,
            utc("2024-04-10T09:00:00Z"),
            utc("2024-04-10T09:05:00Z"),
            7,
            None,
            utc("2024-01-01T00:00:00Z"),
            false,
        );
        match sel {
            Selection::Latest { cap, newest, .. } => {
                assert_eq!(cap, d("2024-04-03"));
                assert_eq!(newest, d("2024-04-10"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn pinned_dates_wait_then_settle_as_never_came() {
        let s = ChannelSchedule::new(parse_cron("0 0 9 * * *").unwrap(), chrono_tz::UTC);
        let sel = selection_for(
            &s,
            utc("2024-04-10T09:00:00Z"),
            utc("2024-04-10T09:05:00Z"),
            1,
            Some(0),
            utc("2024-01-01T00:00:00Z"),
            false,
        );
        let Selection::Pinned(dates) = &sel else {
            panic!("{sel:?}")
        };
        assert_eq!(
            dates,
            &vec![
                (d("2024-04-09"), utc("2024-04-09T09:00:00Z")),
                (d("2024-04-10"), utc("2024-04-10T09:00:00Z"))
            ]
        );
        let none = BTreeSet::new();
        let h = History {
            start: None,
            received: &none,
        };
        let c = carry(
            &sel,
            h,
            utc("2024-04-10T09:05:00Z"),
            HOLD,
            days(&["2024-04-10"]),
        );
        assert_eq!(c.never_came, vec![d("2024-04-09")]);
        assert_eq!(c.post, vec![d("2024-04-10")]);
        let c = carry(&sel, h, utc("2024-04-10T09:05:00Z"), HOLD, days(&[]));
        assert_eq!(c.awaiting, vec![d("2024-04-10")]);
    }

    #[test]
    fn a_post_is_open_after_its_fire_or_on_the_catch_up_pass() {
        let s = ChannelSchedule::new(parse_cron("0 0 9 * * *").unwrap(), chrono_tz::UTC);
        let since = utc("2024-01-01T00:00:00Z");
        let hold = Duration::hours(12);
        assert_eq!(
            open_post(&s, since, utc("2024-04-10T10:00:00Z"), hold, None, false),
            Some(utc("2024-04-10T09:00:00Z"))
        );
        assert_eq!(
            open_post(&s, since, utc("2024-04-10T22:00:00Z"), hold, None, false),
            None
        );
        assert_eq!(
            open_post(
                &s,
                since,
                utc("2024-04-10T22:00:00Z"),
                hold,
                Some(Duration::days(1)),
                false
            ),
            Some(utc("2024-04-10T09:00:00Z"))
        );
        assert_eq!(
            open_post(&s, since, utc("2024-04-10T22:00:00Z"), hold, None, true),
            Some(utc("2024-04-10T09:00:00Z")),
            "a pinned post stays open until the next fire"
        );
        // Subscribed after today's fire: nothing until tomorrow's.
        assert_eq!(
            open_post(
                &s,
                utc("2024-04-10T09:30:00Z"),
                utc("2024-04-10T10:00:00Z"),
                hold,
                Some(Duration::days(1)),
                false
            ),
            None
        );
    }

    #[test]
    fn a_post_is_first_due_at_the_first_fire_that_could_carry_its_day_not_the_latest() {
        let every10 = ChannelSchedule::new(parse_cron("0 */10 * * * *").unwrap(), chrono_tz::UTC);
        let since = utc("2024-01-01T00:00:00Z");
        let fire = utc("2024-04-10T09:40:00Z");
        let sel = latest("2024-04-03", "2024-04-10", "2024-04-10T09:40:00Z");
        let seen = |t: &str| DayState {
            ready_since: Some(utc(t)),
            expected_at: Some(utc("2024-04-10T00:00:00Z")),
        };
        // Tuesday's digest, due at 00:00 Wednesday and seen then: due at that fire, whatever
        // the fires since.
        assert_eq!(
            first_due(
                &every10,
                &sel,
                since,
                d("2024-04-09"),
                seen("2024-04-10T00:01:00Z"),
                fire
            ),
            utc("2024-04-10T00:01:00Z")
        );
        // Seen long before its day began (a file dropped early): due at the day's first fire.
        assert_eq!(
            first_due(
                &every10,
                &sel,
                since,
                d("2024-04-10"),
                seen("2024-04-01T00:00:00Z"),
                fire
            ),
            utc("2024-04-10T00:00:00Z")
        );
        // A late digest (due at the 00:00 fire, seen at 00:23): due when it was seen.
        assert_eq!(
            first_due(
                &every10,
                &sel,
                since,
                d("2024-04-09"),
                seen("2024-04-10T00:23:00Z"),
                fire
            ),
            utc("2024-04-10T00:23:00Z")
        );
        // Subscribed at 09:15: the first fire after that.
        assert_eq!(
            first_due(
                &every10,
                &sel,
                utc("2024-04-10T09:15:00Z"),
                d("2024-04-09"),
                seen("2024-04-10T00:01:00Z"),
                fire
            ),
            utc("2024-04-10T09:20:00Z")
        );
        // A daily post: its one fire.
        let daily = ChannelSchedule::new(parse_cron("0 0 9 * * *").unwrap(), chrono_tz::UTC);
        let nine = utc("2024-04-10T09:00:00Z");
        let sel = latest("2024-04-03", "2024-04-10", "2024-04-10T09:00:00Z");
        assert_eq!(
            first_due(
                &daily,
                &sel,
                since,
                d("2024-04-09"),
                seen("2024-04-10T00:01:00Z"),
                nine
            ),
            nine
        );
        // A pinned date: the fire it is pinned to.
        let pinned = Selection::Pinned(vec![(d("2024-04-09"), nine)]);
        let ready = DayState {
            ready_since: Some(utc("2024-04-09T23:00:00Z")),
            expected_at: None,
        };
        assert_eq!(
            first_due(&daily, &pinned, since, d("2024-04-09"), ready, nine),
            nine
        );
    }

    #[test]
    fn the_next_post_names_the_next_expected_digest_even_for_frequent_crons() {
        let hourly = ChannelSchedule::new(parse_cron("0 0 * * * *").unwrap(), chrono_tz::UTC);
        let p = publication();
        // Tuesday 2024-04-09 05:30 UTC, Monday's received: the next post carries Tuesday's,
        // due at 00:00 UTC Wednesday, so it is that hour's post, not 06:00's.
        let next = next_post(
            &hourly,
            &p,
            None,
            utc("2024-04-09T05:30:00Z"),
            Some(d("2024-04-08")),
            None,
        )
        .unwrap();
        assert_eq!(next.date, d("2024-04-09"));
        assert_eq!(next.at, utc("2024-04-10T00:00:00Z"));
        assert!(!next.ready);
        // Friday's received on Saturday: the next is Monday's, posted Tuesday.
        let kst = ChannelSchedule::new(
            parse_cron("0 0 10 * * Mon-Fri").unwrap(),
            chrono_tz::Asia::Seoul,
        );
        let next = next_post(
            &kst,
            &p,
            None,
            utc("2024-04-06T03:00:00Z"),
            Some(d("2024-04-05")),
            None,
        )
        .unwrap();
        assert_eq!(next.date, d("2024-04-08"));
        assert_eq!(next.at, utc("2024-04-09T01:00:00Z"));
        // A ready digest goes with the next fire.
        let next = next_post(
            &kst,
            &p,
            None,
            utc("2024-04-06T03:00:00Z"),
            Some(d("2024-04-04")),
            Some(d("2024-04-05")),
        )
        .unwrap();
        assert_eq!((next.date, next.ready), (d("2024-04-05"), true));
        assert_eq!(next.at, utc("2024-04-08T01:00:00Z"));
        // A channel that never had a post: the newest digest due by the next fire.
        let next = next_post(&kst, &p, None, utc("2024-04-02T12:00:00Z"), None, None).unwrap();
        assert_eq!(
            (next.date, next.at),
            (d("2024-04-02"), utc("2024-04-03T01:00:00Z"))
        );
    }
}
