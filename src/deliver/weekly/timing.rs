//! The week's best, posted once a week to channels that ask for it: when it fires, which post
//! is due, and its place in the ledger. Pure; the engine fetches, ranks
//! ([`crate::select::ranking`]), renders ([`crate::render::top_messages`]) and sends.
//!
//! Its place in the ledger is [`crate::store::keys`]'s.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;

use crate::config::ScheduleConfig;
use crate::deliver::schedule::ChannelSchedule;

/// The hour of a channel's weekly post: its own post time, else the time the bot-wide schedule
/// fires at (its first fire after a fixed Monday, so the answer never depends on today).
pub fn post_time(default: &ScheduleConfig, own: Option<NaiveTime>, tz: Tz) -> NaiveTime {
    own.unwrap_or_else(|| {
        let reference = DateTime::parse_from_rfc3339("2024-01-01T00:00:00Z")
            .expect("a valid instant")
            .with_timezone(&Utc);
        ChannelSchedule::new(default.cron.clone(), tz)
            .next_after(reference)
            .map(|t| t.with_timezone(&tz).time())
            .unwrap_or_else(|| NaiveTime::from_hms_opt(10, 0, 0).expect("a valid time"))
    })
}

/// A channel's weekly schedule: every `weekday` at `time` in `tz`.
pub fn schedule(weekday: Weekday, time: NaiveTime, tz: Tz) -> ChannelSchedule {
    let day = match weekday {
        Weekday::Mon => "Mon",
        Weekday::Tue => "Tue",
        Weekday::Wed => "Wed",
        Weekday::Thu => "Thu",
        Weekday::Fri => "Fri",
        Weekday::Sat => "Sat",
        Weekday::Sun => "Sun",
    };
    let cron = format!("0 {} {} * * {day}", time.format("%M"), time.format("%H"))
        .parse()
        .expect("a weekly cron expression is valid");
    ChannelSchedule::new(cron, tz)
}

/// The weekly post due at `now`, as its ledger date, or `None`. Due: the latest fire at or
/// before `now` is after the channel asked for weekly posts (`since`) and not older than
/// `catch_up` (after downtime the missed post goes out late, once; one older than that is
/// skipped rather than posted as news a week late), and `posted` (the ledger's answer for that
/// date) is false.
pub fn due(
    schedule: &ChannelSchedule,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
    catch_up: Duration,
    posted: impl Fn(NaiveDate) -> bool,
) -> Option<(NaiveDate, DateTime<Utc>)> {
    let fire = schedule.last_at_or_before(now)?;
    if fire < since || now - fire > catch_up {
        return None;
    }
    let date = schedule.local_date(fire);
    (!posted(date)).then_some((date, fire))
}

/// The days a weekly post fired on `date` ranks: the seven days before it (UTC dates: the
/// digests' own), oldest first.
pub fn ranked_dates(date: NaiveDate) -> Vec<NaiveDate> {
    crate::select::ranking::Period::Week.dates(date)
}

/// A channel's week's best schedule, when it asked for one (see
/// [`crate::deliver::settings::weekly_settings`]): its weekday at its post time in its zone.
pub fn channel_schedule(
    sub: &crate::store::Subscription,
    default: &ScheduleConfig,
) -> Option<ChannelSchedule> {
    let settings = crate::deliver::settings::weekly_settings(sub)?;
    let tz = sub.timezone.unwrap_or(default.timezone);
    Some(schedule(
        settings.weekday,
        post_time(default, sub.delivery_time, tz),
        tz,
    ))
}

/// A person's weekly reading-list DM schedule, when they asked for one: the default weekday at
/// their alerts' hour in their zone.
pub fn reading_list_schedule(
    user: &crate::store::AlertUser,
    default: &ScheduleConfig,
) -> Option<ChannelSchedule> {
    if !user.weekly_saved {
        return None;
    }
    let tz = user.timezone.unwrap_or(default.timezone);
    Some(schedule(
        crate::store::Weekly::DEFAULT_WEEKDAY,
        post_time(default, user.delivery_time, tz),
        tz,
    ))
}

/// The next weekly fire strictly after `now`, for settings.
pub fn next_fire(schedule: &ChannelSchedule, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    schedule.next_after(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_post_time_is_the_channels_else_the_bots() {
        let cfg = crate::config::Config::from_toml("", std::path::Path::new("."))
            .unwrap()
            .schedule;
        let tz: Tz = "Asia/Seoul".parse().unwrap();
        // The default schedule posts at 10:00 (Mon-Fri): the weekly post keeps the hour.
        assert_eq!(
            post_time(&cfg, None, tz),
            NaiveTime::from_hms_opt(10, 0, 0).unwrap()
        );
        let own = NaiveTime::from_hms_opt(8, 30, 0).unwrap();
        assert_eq!(post_time(&cfg, Some(own), tz), own);
    }

    #[test]
    fn due_once_at_its_fire_caught_up_after_downtime_not_a_week_late() {
        let tz: Tz = "UTC".parse().unwrap();
        let s = schedule(Weekday::Sat, NaiveTime::from_hms_opt(9, 0, 0).unwrap(), tz);
        let since = t("2024-04-01T00:00:00Z");
        let week = Duration::days(7);
        let catch_up = Duration::days(3);
        let never = |_: NaiveDate| false;
        // Friday: last Saturday's fire was before the channel asked.
        assert_eq!(
            due(&s, since, t("2024-04-12T12:00:00Z"), catch_up, never),
            None
        );
        // Saturday 08:59: not yet; 09:00: due, dated that Saturday.
        assert_eq!(
            due(&s, since, t("2024-04-13T08:59:00Z"), catch_up, never),
            None
        );
        let fire = t("2024-04-13T09:00:00Z");
        assert_eq!(
            due(&s, since, fire, catch_up, never),
            Some((d("2024-04-13"), fire))
        );
        // Down all weekend: caught up on Monday, same post.
        let monday = t("2024-04-15T07:00:00Z");
        assert_eq!(
            due(&s, since, monday, catch_up, never),
            Some((d("2024-04-13"), fire))
        );
        // Posted: nothing more that week.
        let posted = |date: NaiveDate| date == d("2024-04-13");
        assert_eq!(due(&s, since, monday, catch_up, posted), None);
        // Down for four days past the fire: that week is skipped, the next one comes.
        assert_eq!(
            due(&s, since, fire + Duration::days(4), catch_up, never),
            None
        );
        assert_eq!(
            due(&s, since, fire + week, catch_up, posted),
            Some((d("2024-04-20"), fire + week))
        );
        assert_eq!(
            ranked_dates(d("2024-04-13")).first(),
            Some(&d("2024-04-06"))
        );
        assert_eq!(ranked_dates(d("2024-04-13")).last(), Some(&d("2024-04-12")));
        assert_eq!(next_fire(&s, fire), Some(fire + week));
    }

    #[test]
    fn schedules_exist_only_for_those_who_asked_and_fire_at_their_hour() {
        let cfg = crate::config::Config::from_toml("", std::path::Path::new("."))
            .unwrap()
            .schedule;
        let now = t("2024-04-03T12:00:00Z"); // a Wednesday
        let mut sub = crate::store::Subscription::with_defaults(1, now);
        assert!(channel_schedule(&sub, &cfg).is_none());
        sub.weekly = Some(crate::store::Weekly {
            weekday: Weekday::Fri,
            top: 5,
        });
        sub.delivery_time = NaiveTime::from_hms_opt(18, 30, 0);
        sub.timezone = Some(chrono_tz::Asia::Seoul);
        let next = channel_schedule(&sub, &cfg)
            .unwrap()
            .next_after(now)
            .unwrap();
        assert_eq!(next, t("2024-04-05T09:30:00Z"), "Friday 18:30 in Seoul");
        sub.channel_kind = crate::channel_kind::ChannelKind::Forum;
        assert!(
            channel_schedule(&sub, &cfg).is_none(),
            "forums get no weekly post"
        );
    }
}
