//! When each channel's post fires. Pure functions over a clock value passed in, so the
//! scheduler's decisions (catch-up after downtime, DST transitions) are unit-tested without
//! waiting for real time to pass. Which digests a fire carries is [`crate::deliver::carry`]'s job.

use chrono::{
    DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike, Utc,
};
use chrono_tz::Tz;

use crate::config::ScheduleConfig;

/// A channel's effective schedule: the bot-wide cron unless the channel chose its own time,
/// read in the channel's zone when it chose one.
#[derive(Debug, Clone)]
pub struct ChannelSchedule {
    cron: cron::Schedule,
    tz: Tz,
}

/// A local wall-clock time that does not exist (the hour skipped by a spring-forward change)
/// is moved to the first minute that does; this bounds the search (no zone skips more).
const MAX_GAP_MINUTES: i64 = 24 * 60;

/// The instant a local wall-clock time stands for: in a spring-forward gap, the first valid
/// minute after it (02:30 in Berlin on 2024-03-31 is 03:00 CEST), so a post whose time does not
/// exist that day still goes out; in a fall-back fold, the earlier of the two, so a post fires
/// once.
pub fn resolve_local(tz: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    let mut t = local;
    for _ in 0..=MAX_GAP_MINUTES {
        match tz.from_local_datetime(&t) {
            LocalResult::Single(d) => return Some(d.with_timezone(&Utc)),
            LocalResult::Ambiguous(early, _) => return Some(early.with_timezone(&Utc)),
            LocalResult::None => {
                // Next whole minute.
                let next = t.with_second(0)?.with_nanosecond(0)? + Duration::minutes(1);
                t = next;
            }
        }
    }
    None
}

/// The first instant of a local day.
pub fn start_of_local_day(tz: Tz, day: NaiveDate) -> Option<DateTime<Utc>> {
    resolve_local(tz, day.and_hms_opt(0, 0, 0)?)
}

impl ChannelSchedule {
    pub fn new(cron: cron::Schedule, tz: Tz) -> Self {
        ChannelSchedule { cron, tz }
    }

    /// The bot-wide schedule with a channel's overrides applied. A channel time means "every day
    /// at HH:MM", which deliberately replaces the bot's day-of-week restrictions too: the
    /// channel owner asked for a time, not for the operator's weekdays.
    pub fn for_channel(
        default: &ScheduleConfig,
        time: Option<NaiveTime>,
        tz: Option<Tz>,
    ) -> ChannelSchedule {
        let cron = match time {
            Some(t) => daily_at(t),
            None => default.cron.clone(),
        };
        ChannelSchedule::new(cron, tz.unwrap_or(default.timezone))
    }

    pub fn timezone(&self) -> Tz {
        self.tz
    }

    /// The local date of an instant in this schedule's zone.
    pub fn local_date(&self, t: DateTime<Utc>) -> NaiveDate {
        t.with_timezone(&self.tz).date_naive()
    }

    /// The first fire time strictly after `t`.
    ///
    /// The cron expression is evaluated on the zone's wall clock (not through `cron`'s own zone
    /// support, which silently skips a local time that does not exist): each wall-clock match is
    /// then mapped to an instant with [`resolve_local`].
    pub fn next_after(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let local = t.with_timezone(&self.tz).naive_local();
        // A wall clock without a zone: cron on UTC never meets a gap or a fold.
        let wall = Utc.from_utc_datetime(&local);
        self.cron
            .after(&wall)
            // A fold can map a later wall-clock time to an instant at or before `t`; a few
            // candidates always reach past it.
            .take(4 * 24 * 60)
            .filter_map(|w| resolve_local(self.tz, w.naive_utc()))
            .find(|fire| *fire > t)
    }

    /// The latest fire time at or before `t`.
    pub fn last_at_or_before(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let wall =
            Utc.from_utc_datetime(&t.with_timezone(&self.tz).naive_local()) + Duration::seconds(1);
        self.cron
            .after(&wall)
            .rev()
            .take(4 * 24 * 60)
            .filter_map(|w| resolve_local(self.tz, w.naive_utc()))
            .find(|fire| *fire <= t)
    }

    /// Fire times in `(from, to]`, oldest first, at most one per local day (the first).
    pub fn fires_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<DateTime<Utc>> {
        let mut out = Vec::new();
        let mut cursor = from;
        while let Some(fire) = self.next_after(cursor) {
            if fire > to {
                break;
            }
            out.push(fire);
            let next_day = self.local_date(fire) + Duration::days(1);
            match start_of_local_day(self.tz, next_day) {
                Some(start) => cursor = start - Duration::seconds(1),
                None => break,
            }
        }
        out
    }
}

/// A cron schedule firing every day at `t` (seconds ignored).
pub fn daily_at(t: NaiveTime) -> cron::Schedule {
    let expr = format!("0 {} {} * * *", t.minute(), t.hour());
    expr.parse()
        .expect("a daily cron built from a valid time always parses")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse_cron;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn sched(expr: &str, tz: Tz) -> ChannelSchedule {
        ChannelSchedule::new(parse_cron(expr).unwrap(), tz)
    }

    #[test]
    fn next_fire_respects_the_zone() {
        let s = sched("0 0 9 * * *", chrono_tz::Asia::Seoul);
        // 09:00 KST is 00:00 UTC.
        let next = s.next_after(utc("2024-04-01T12:00:00Z")).unwrap();
        assert_eq!(next, utc("2024-04-02T00:00:00Z"));
        assert_eq!(
            s.local_date(next),
            "2024-04-02".parse::<NaiveDate>().unwrap()
        );
        assert_eq!(
            s.last_at_or_before(utc("2024-04-02T00:00:00Z")),
            Some(utc("2024-04-02T00:00:00Z"))
        );
        assert_eq!(
            s.last_at_or_before(utc("2024-04-01T23:59:59Z")),
            Some(utc("2024-04-01T00:00:00Z"))
        );
    }

    #[test]
    fn dst_shift_keeps_local_time() {
        let s = sched("0 0 9 * * *", chrono_tz::Europe::Berlin);
        // Before the 2024-03-31 switch 09:00 CET = 08:00 UTC, after it 09:00 CEST = 07:00 UTC.
        assert_eq!(
            s.next_after(utc("2024-03-30T00:00:00Z")).unwrap(),
            utc("2024-03-30T08:00:00Z")
        );
        assert_eq!(
            s.next_after(utc("2024-03-31T00:00:00Z")).unwrap(),
            utc("2024-03-31T07:00:00Z")
        );
    }

    #[test]
    fn a_time_skipped_by_spring_forward_fires_at_the_first_valid_minute_after_it() {
        // Berlin, 2024-03-31: 02:00 CET jumps to 03:00 CEST, so 02:30 does not exist.
        let berlin = sched("0 30 2 * * *", chrono_tz::Europe::Berlin);
        let fire = berlin.next_after(utc("2024-03-30T12:00:00Z")).unwrap();
        // 03:00 CEST = 01:00 UTC.
        assert_eq!(fire, utc("2024-03-31T01:00:00Z"));
        // Once, and the next day is back to 02:30 CEST = 00:30 UTC.
        assert_eq!(
            berlin.next_after(fire).unwrap(),
            utc("2024-04-01T00:30:00Z")
        );
        assert_eq!(
            berlin.last_at_or_before(utc("2024-03-31T05:00:00Z")),
            Some(fire)
        );
        // New York, 2024-03-10: 02:00 EST jumps to 03:00 EDT.
        let ny = sched("0 15 2 * * *", chrono_tz::America::New_York);
        let fire = ny.next_after(utc("2024-03-09T12:00:00Z")).unwrap();
        assert_eq!(fire, utc("2024-03-10T07:00:00Z"), "03:00 EDT");
        assert_eq!(ny.next_after(fire).unwrap(), utc("2024-03-11T06:15:00Z"));
        // A channel time via `daily_at` gets the same treatment.
        let daily = ChannelSchedule::new(
            daily_at(NaiveTime::from_hms_opt(2, 30, 0).unwrap()),
            chrono_tz::Europe::Berlin,
        );
        assert_eq!(
            daily.next_after(utc("2024-03-31T00:00:00Z")).unwrap(),
            utc("2024-03-31T01:00:00Z")
        );
    }

    #[test]
    fn a_time_repeated_by_fall_back_fires_once() {
        // Berlin, 2024-10-27: 03:00 CEST falls back to 02:00 CET, so 02:30 happens twice.
        let berlin = sched("0 30 2 * * *", chrono_tz::Europe::Berlin);
        let first = berlin.next_after(utc("2024-10-26T12:00:00Z")).unwrap();
        assert_eq!(first, utc("2024-10-27T00:30:00Z"), "the earlier, CEST one");
        let second = berlin.next_after(first).unwrap();
        assert_eq!(second, utc("2024-10-28T01:30:00Z"), "next day, CET");
        // Asked from inside the repeated hour, nothing fires again that day.
        assert_eq!(
            berlin.next_after(utc("2024-10-27T01:10:00Z")).unwrap(),
            second
        );
        // New York, 2024-11-03: 01:30 happens twice (EDT then EST).
        let ny = sched("0 30 1 * * *", chrono_tz::America::New_York);
        let first = ny.next_after(utc("2024-11-02T12:00:00Z")).unwrap();
        assert_eq!(first, utc("2024-11-03T05:30:00Z"), "01:30 EDT");
        assert_eq!(ny.next_after(first).unwrap(), utc("2024-11-04T06:30:00Z"));
        let fires = ny.fires_between(utc("2024-11-02T12:00:00Z"), utc("2024-11-04T12:00:00Z"));
        assert_eq!(fires.len(), 2, "{fires:?}");
    }

    #[test]
    fn channel_time_overrides_default() {
        let mut cfg = crate::config::Config::from_toml("", std::path::Path::new("."))
            .unwrap()
            .schedule;
        cfg.cron = parse_cron("0 0 9 * * Mon-Fri").unwrap();
        let s = ChannelSchedule::for_channel(
            &cfg,
            Some(NaiveTime::from_hms_opt(18, 30, 0).unwrap()),
            Some(chrono_tz::America::New_York),
        );
        // 2024-04-06 is a Saturday: the channel's own daily time still fires.
        let next = s.next_after(utc("2024-04-06T12:00:00Z")).unwrap();
        assert_eq!(next, utc("2024-04-06T22:30:00Z"));
    }

    #[test]
    fn frequent_crons_list_each_day_once() {
        let s = sched("0 * * * * *", chrono_tz::UTC);
        let fires = s.fires_between(utc("2024-04-01T17:00:30Z"), utc("2024-04-15T17:00:30Z"));
        assert_eq!(fires.len(), 15, "{fires:?}");
        assert_eq!(fires[0], utc("2024-04-01T17:01:00Z"));
        assert_eq!(fires[14], utc("2024-04-15T00:00:00Z"));
        assert_eq!(
            s.last_at_or_before(utc("2024-04-15T17:00:30Z")),
            Some(utc("2024-04-15T17:00:00Z"))
        );
    }

    #[test]
    fn weekday_cron_skips_weekends() {
        let s = sched("0 0 9 * * Mon-Fri", chrono_tz::UTC);
        let fires = s.fires_between(utc("2024-04-05T10:00:00Z"), utc("2024-04-08T10:00:00Z"));
        assert_eq!(fires, vec![utc("2024-04-08T09:00:00Z")]);
        assert_eq!(
            s.last_at_or_before(utc("2024-04-07T10:00:00Z")),
            Some(utc("2024-04-05T09:00:00Z"))
        );
    }
}
