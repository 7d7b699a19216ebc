//! When is each channel due? Pure functions over a clock value passed in, so the scheduler's
//! decisions (including catch-up after downtime and DST transitions) are unit-tested without
//! waiting for real time to pass.

use std::collections::HashSet;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

use crate::config::ScheduleConfig;

/// A channel's effective schedule: the bot-wide cron unless the channel chose its own time,
/// read in the channel's zone when it chose one.
#[derive(Debug, Clone)]
pub struct ChannelSchedule {
    cron: cron::Schedule,
    tz: Tz,
    offset_days: i64,
}

impl ChannelSchedule {
    pub fn new(cron: cron::Schedule, tz: Tz, offset_days: i64) -> Self {
        ChannelSchedule {
            cron,
            tz,
            offset_days,
        }
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
        ChannelSchedule::new(
            cron,
            tz.unwrap_or(default.timezone),
            default.digest_offset_days,
        )
    }

    pub fn timezone(&self) -> Tz {
        self.tz
    }

    /// The first fire time strictly after `t`.
    pub fn next_after(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.cron
            .after(&t.with_timezone(&self.tz))
            .next()
            .map(|d| d.with_timezone(&Utc))
    }

    /// Fire times in `(from, to]`, oldest first, at most one per local day (the first): a day's
    /// digest is posted once however often the cron fires, so walking day by day keeps this
    /// cheap and exact even for an every-minute cron over a two-week catch-up window.
    pub fn fires_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<DateTime<Utc>> {
        let mut out = Vec::new();
        let mut cursor = from;
        while let Some(fire) = self.next_after(cursor) {
            if fire > to {
                break;
            }
            out.push(fire);
            let next_day = fire.with_timezone(&self.tz).date_naive() + Duration::days(1);
            match next_day
                .and_hms_opt(0, 0, 0)
                .and_then(|midnight| self.tz.from_local_datetime(&midnight).earliest())
            {
                Some(start) => cursor = start.with_timezone(&Utc) - Duration::seconds(1),
                None => break,
            }
        }
        out
    }

    /// Which digest a run at `fire` posts: the digest dated the run's local day (plus the
    /// configured offset), because "today's papers" means today where the channel lives.
    pub fn digest_date(&self, fire: DateTime<Utc>) -> NaiveDate {
        fire.with_timezone(&self.tz).date_naive() + Duration::days(self.offset_days)
    }

    /// The moment a given digest date is due in this channel: the first fire on that local day.
    pub fn due_time_for(&self, date: NaiveDate) -> Option<DateTime<Utc>> {
        let local_day = date - Duration::days(self.offset_days);
        let start = self
            .tz
            .from_local_datetime(&local_day.and_hms_opt(0, 0, 0)?)
            .earliest()?
            .with_timezone(&Utc);
        let fire = self.next_after(start - Duration::seconds(1))?;
        (self.digest_date(fire) == date).then_some(fire)
    }
}

/// A cron schedule firing every day at `t` (seconds ignored).
pub fn daily_at(t: NaiveTime) -> cron::Schedule {
    let expr = format!("0 {} {} * * *", t.minute(), t.hour());
    expr.parse()
        .expect("a daily cron built from a valid time always parses")
}

/// One day a channel should receive: which digest, and when it became due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    pub date: NaiveDate,
    pub due_at: DateTime<Utc>,
}

/// Digest dates due for a channel at `now` that it has not received yet, oldest first.
///
/// Only fires inside the catch-up `window` count, so a bot that was down for a month does not
/// flood a channel with a month of digests; fires before `not_before` (when the channel
/// subscribed) do not count either, so subscribing at 10:00 does not replay 09:00's post.
pub fn due_dates(
    schedule: &ChannelSchedule,
    now: DateTime<Utc>,
    window: Duration,
    not_before: DateTime<Utc>,
    delivered: &HashSet<NaiveDate>,
) -> Vec<Due> {
    let from = (now - window).max(not_before);
    let mut seen = HashSet::new();
    schedule
        .fires_between(from, now)
        .into_iter()
        .filter_map(|fire| {
            let date = schedule.digest_date(fire);
            (!delivered.contains(&date) && seen.insert(date)).then_some(Due { date, due_at: fire })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse_cron;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn sched(expr: &str, tz: Tz) -> ChannelSchedule {
        ChannelSchedule::new(parse_cron(expr).unwrap(), tz, 0)
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn next_fire_respects_the_zone() {
        let s = sched("0 0 9 * * *", chrono_tz::Asia::Seoul);
        // 09:00 KST is 00:00 UTC.
        let next = s.next_after(utc("2024-04-01T12:00:00Z")).unwrap();
        assert_eq!(next, utc("2024-04-02T00:00:00Z"));
        assert_eq!(s.digest_date(next), d("2024-04-02"));
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
        assert_eq!(s.digest_date(next), d("2024-04-06"));
    }

    #[test]
    fn due_dates_catch_up_within_window_oldest_first() {
        let s = sched("0 0 9 * * *", chrono_tz::UTC);
        let now = utc("2024-04-05T10:00:00Z");
        let none = HashSet::new();
        let due = due_dates(
            &s,
            now,
            Duration::days(2),
            utc("2024-01-01T00:00:00Z"),
            &none,
        );
        let dates: Vec<_> = due.iter().map(|x| x.date).collect();
        assert_eq!(dates, vec![d("2024-04-04"), d("2024-04-05")]);

        let delivered: HashSet<_> = [d("2024-04-04")].into();
        let due = due_dates(
            &s,
            now,
            Duration::days(2),
            utc("2024-01-01T00:00:00Z"),
            &delivered,
        );
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].date, d("2024-04-05"));
        assert_eq!(due[0].due_at, utc("2024-04-05T09:00:00Z"));
    }

    #[test]
    fn nothing_due_before_subscription_or_before_time() {
        let s = sched("0 0 9 * * *", chrono_tz::UTC);
        let none = HashSet::new();
        // Subscribed at 09:30: today's 09:00 post is not replayed.
        let due = due_dates(
            &s,
            utc("2024-04-05T10:00:00Z"),
            Duration::days(1),
            utc("2024-04-05T09:30:00Z"),
            &none,
        );
        assert!(due.is_empty());
        // 08:59: not due yet today, yesterday's was delivered... or not: window of 1 day.
        let due = due_dates(
            &s,
            utc("2024-04-05T08:59:00Z"),
            Duration::days(1),
            utc("2024-01-01T00:00:00Z"),
            &none,
        );
        assert_eq!(
            due.iter().map(|x| x.date).collect::<Vec<_>>(),
            vec![d("2024-04-04")]
        );
    }

    #[test]
    fn frequent_crons_count_each_day_once_over_a_long_window() {
        let s = sched("0 * * * * *", chrono_tz::UTC);
        let now = utc("2024-04-15T17:00:30Z");
        let due = due_dates(
            &s,
            now,
            Duration::days(14),
            utc("2024-01-01T00:00:00Z"),
            &HashSet::new(),
        );
        assert_eq!(due.len(), 15, "{due:?}");
        assert_eq!(due.first().unwrap().date, d("2024-04-01"));
        assert_eq!(due.first().unwrap().due_at, utc("2024-04-01T17:01:00Z"));
        assert_eq!(due.last().unwrap().date, d("2024-04-15"));
        assert_eq!(due.last().unwrap().due_at, utc("2024-04-15T00:00:00Z"));
    }

    #[test]
    fn weekday_cron_skips_weekends() {
        let s = sched("0 0 9 * * Mon-Fri", chrono_tz::UTC);
        let fires = s.fires_between(utc("2024-04-05T10:00:00Z"), utc("2024-04-08T10:00:00Z"));
        assert_eq!(fires, vec![utc("2024-04-08T09:00:00Z")]);
    }

    #[test]
    fn due_time_for_a_date() {
        let s = sched("0 30 8 * * *", chrono_tz::Asia::Seoul);
        assert_eq!(
            s.due_time_for(d("2024-04-02")).unwrap(),
            utc("2024-04-01T23:30:00Z")
        );
        let weekdays = sched("0 0 9 * * Mon-Fri", chrono_tz::UTC);
        assert_eq!(weekdays.due_time_for(d("2024-04-06")), None);
    }
}
