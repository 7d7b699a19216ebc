//! When digests appear and when they are complete, from how the sources really publish.
//!
//! Measured on the Korean digest's real timeline (`publication-times.csv`): the digest dated D
//! summarises Hugging Face's list for D and appears once that list is done, almost always
//! between 20:00 and 24:00 UTC on D, Monday to Friday. So a digest is *expected* at the end of
//! its day in UTC, on the source's publishing weekdays. A markdown file is complete the moment
//! it appears; a Hugging Face API day grows while the day lasts and is only *final* once the day
//! is over in UTC plus a settling time. Everything here is pure: the scheduler, `paperboy
//! status` and `/papers settings` share it.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};

/// A set of weekdays, written like cron's day-of-week field with names: `Mon-Fri`,
/// `Mon,Wed,Fri`, `Sat-Sun`, `*`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct WeekdaySet(u8);

const NAMES: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

impl WeekdaySet {
    pub const ALL: WeekdaySet = WeekdaySet(0x7f);

    pub fn contains(self, day: Weekday) -> bool {
        self.0 & (1 << day.num_days_from_monday()) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl fmt::Debug for WeekdaySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WeekdaySet({self})")
    }
}

impl fmt::Display for WeekdaySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days: Vec<&str> = (0..7)
            .filter(|i| self.0 & (1 << i) != 0)
            .map(|i| NAMES[i])
            .collect();
        f.write_str(&days.join(","))
    }
}

fn weekday_index(name: &str) -> Option<u8> {
    let lower = name.trim().to_ascii_lowercase();
    NAMES
        .iter()
        .position(|n| lower.starts_with(&n.to_ascii_lowercase()) && lower.len() >= 3)
        .map(|i| i as u8)
}

impl FromStr for WeekdaySet {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let bad = || {
            format!(
                "`{text}` is not a set of weekdays: use names like \"Mon-Fri\", \"Mon,Wed,Fri\" or \"*\""
            )
        };
        if text.trim() == "*" {
            return Ok(WeekdaySet::ALL);
        }
        let mut bits = 0u8;
        for item in text.split(',') {
            match item.split_once('-') {
                Some((a, b)) => {
                    let (a, b) = (
                        weekday_index(a).ok_or_else(bad)?,
                        weekday_index(b).ok_or_else(bad)?,
                    );
                    // Mon-Fri, and wrapping ranges like Sat-Mon.
                    let mut i = a;
                    loop {
                        bits |= 1 << i;
                        if i == b {
                            break;
                        }
                        i = (i + 1) % 7;
                    }
                }
                None => bits |= 1 << weekday_index(item).ok_or_else(bad)?,
            }
        }
        if bits == 0 {
            return Err(bad());
        }
        Ok(WeekdaySet(bits))
    }
}

/// The publication model of the configured sources.
#[derive(Debug, Clone)]
pub struct Publication {
    /// The weekdays of the dates the primary source publishes a digest for.
    pub publish_days: WeekdaySet,
    /// How long past a digest's expected time the primary is waited for before the fallback's
    /// version is used (unless the primary has gone quiet).
    pub fallback_after: Duration,
    /// Expected days in a row without a primary digest after which it counts as quiet.
    pub quiet_after_days: u32,
    /// How long after its day ends in UTC a Hugging Face API day is still provisional.
    pub settle: Duration,
}

impl Publication {
    /// Whether the primary source normally publishes a digest dated `date`.
    pub fn is_expected(&self, date: NaiveDate) -> bool {
        self.publish_days.contains(date.weekday())
    }

    /// The end of `date` in UTC: when the list a digest summarises is complete, and so when the
    /// digest is due. Defined for every date (the scheduler decides what is expected).
    pub fn day_end(date: NaiveDate) -> DateTime<Utc> {
        let next = date.succ_opt().unwrap_or(date);
        Utc.from_utc_datetime(&next.and_hms_opt(0, 0, 0).expect("midnight exists"))
    }

    /// When an expected digest is due: [`Publication::day_end`] for an expected date, `None`
    /// for a date the primary does not normally publish (weekends, by default).
    pub fn expected_at(&self, date: NaiveDate) -> Option<DateTime<Utc>> {
        self.is_expected(date).then(|| Self::day_end(date))
    }

    /// When a day of a source that grows during the day (the Hugging Face API) becomes final.
    pub fn final_at(&self, date: NaiveDate) -> DateTime<Utc> {
        Self::day_end(date) + self.settle
    }

    /// From when the fallback's version of `date` may be used: never for a day the primary does
    /// not publish on, at the expected time when the primary has gone quiet, `fallback_after`
    /// later otherwise.
    pub fn fallback_from(&self, date: NaiveDate, quiet: bool) -> Option<DateTime<Utc>> {
        let expected = self.expected_at(date)?;
        Some(if quiet {
            expected
        } else {
            expected + self.fallback_after
        })
    }

    /// The expected dates whose expected time has passed by `now`, newest first, going back at
    /// most `days` calendar days.
    pub fn expected_days_before(&self, now: DateTime<Utc>, days: u32) -> Vec<NaiveDate> {
        let today = now.date_naive();
        (0..=i64::from(days))
            .map(|k| today - Duration::days(k))
            .filter(|d| self.expected_at(*d).is_some_and(|t| t <= now))
            .collect()
    }

    /// The first expected date strictly after `after`.
    pub fn next_expected_after(&self, after: NaiveDate) -> Option<NaiveDate> {
        if self.publish_days.is_empty() {
            return None;
        }
        (1..=7)
            .map(|k| after + Duration::days(k))
            .find(|d| self.is_expected(*d))
    }
}

/// What is known about the primary source for one expected date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrimaryDay {
    /// The primary has a digest for it.
    Published,
    /// Checked after its expected time, and not there.
    Missing,
    /// Not checked since it became due.
    Unknown,
}

/// How many of the most recent expected days in a row the primary is known to lack, given the
/// days newest first: counting stops at the first day it published; days not checked yet are
/// skipped (neither break nor extend the streak).
pub fn missing_streak(newest_first: impl IntoIterator<Item = PrimaryDay>) -> u32 {
    let mut streak = 0;
    for day in newest_first {
        match day {
            PrimaryDay::Published => break,
            PrimaryDay::Missing => streak += 1,
            PrimaryDay::Unknown => {}
        }
    }
    streak
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn model() -> Publication {
        Publication {
            publish_days: "Mon-Fri".parse().unwrap(),
            fallback_after: Duration::minutes(60),
            quiet_after_days: 3,
            settle: Duration::minutes(60),
        }
    }

    #[test]
    fn weekday_sets_parse_like_cron_day_names() {
        let wd: WeekdaySet = "Mon-Fri".parse().unwrap();
        assert!(wd.contains(Weekday::Mon) && wd.contains(Weekday::Fri));
        assert!(!wd.contains(Weekday::Sat) && !wd.contains(Weekday::Sun));
        assert_eq!(wd.to_string(), "Mon,Tue,Wed,Thu,Fri");
        let wrap: WeekdaySet = "Sat-Mon".parse().unwrap();
        assert_eq!(wrap.to_string(), "Mon,Sat,Sun");
        let list: WeekdaySet = "tue, thursday".parse().unwrap();
        assert_eq!(list.to_string(), "Tue,Thu");
        assert_eq!("*".parse::<WeekdaySet>().unwrap(), WeekdaySet::ALL);
        for bad in ["", "Mo", "Mon-Xyz", "1-5"] {
            assert!(bad.parse::<WeekdaySet>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_weekday_digest_is_expected_at_the_end_of_its_day_in_utc() {
        let m = model();
        // 2024-04-05 is a Friday, 2024-04-06 a Saturday.
        assert_eq!(
            m.expected_at(d("2024-04-05")),
            Some(utc("2024-04-06T00:00:00Z"))
        );
        assert_eq!(m.expected_at(d("2024-04-06")), None);
        assert_eq!(m.final_at(d("2024-04-06")), utc("2024-04-07T01:00:00Z"));
        assert_eq!(
            m.fallback_from(d("2024-04-05"), false),
            Some(utc("2024-04-06T01:00:00Z"))
        );
        assert_eq!(
            m.fallback_from(d("2024-04-05"), true),
            Some(utc("2024-04-06T00:00:00Z"))
        );
        assert_eq!(m.fallback_from(d("2024-04-07"), true), None);
        assert_eq!(
            m.next_expected_after(d("2024-04-05")),
            Some(d("2024-04-08"))
        );
    }

    #[test]
    fn expected_days_are_listed_newest_first() {
        let m = model();
        // Monday 2024-04-08 at 10:00 UTC: Monday itself is not due yet.
        let days = m.expected_days_before(utc("2024-04-08T10:00:00Z"), 7);
        assert_eq!(
            days,
            vec![
                d("2024-04-05"),
                d("2024-04-04"),
                d("2024-04-03"),
                d("2024-04-02"),
                d("2024-04-01")
            ]
        );
    }

    #[test]
    fn the_missing_streak_counts_back_to_the_last_publication() {
        use PrimaryDay::*;
        assert_eq!(missing_streak([Missing, Missing, Published, Missing]), 2);
        assert_eq!(missing_streak([Published, Missing]), 0);
        assert_eq!(missing_streak([Unknown, Missing, Unknown, Missing]), 2);
        assert_eq!(missing_streak([]), 0);
    }
}
