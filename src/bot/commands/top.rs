//! `/papers top [week|month]`: the best papers of the past week or month by their votes, with
//! this channel's filters when it is subscribed (the ranking of the weekly post, on demand).

use chrono::NaiveDate;

use crate::bot::commands::context::{send_messages, today_for, user_error, Context, Error};
use crate::render::{span, top_messages};
use crate::select::ranking::{top_papers, Period};
use crate::source::digest::Digest;

/// Papers a ranking shows unless asked otherwise.
pub const DEFAULT_TOP: u32 = 10;

/// How far back `/papers top` looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, poise::ChoiceParameter)]
pub enum TopPeriod {
    #[name = "week"]
    Week,
    #[name = "month"]
    Month,
}

/// The best papers of the past week or month by votes (this channel's filters when subscribed).
#[poise::command(slash_command)]
pub async fn top(
    ctx: Context<'_>,
    #[description = "The past week (default) or month"] period: Option<TopPeriod>,
    #[description = "How many papers (default 10)"]
    #[min = 1]
    #[max = 25]
    count: Option<u32>,
) -> Result<(), Error> {
    let data = ctx.data();
    let lang = super::saved::author_language(ctx).await;
    let period = match period.unwrap_or(TopPeriod::Week) {
        TopPeriod::Week => Period::Week,
        TopPeriod::Month => Period::Month,
    };
    let n = count.unwrap_or(DEFAULT_TOP).clamp(1, 25) as usize;
    // The period ends before the channel's today, which is never ahead of UTC's.
    let today = today_for(ctx).await? + chrono::Duration::days(1);
    let dates: Vec<NaiveDate> = period.dates(today);
    let mut days: Vec<Digest> = Vec::with_capacity(dates.len());
    for date in &dates {
        if let Some(digest) = data.store.digest(*date).await? {
            days.push(digest);
        }
    }
    let channel_id = ctx.channel_id().get();
    let sub = data.store.subscription(channel_id).await?;
    let filter = match &sub {
        Some(sub) => {
            let keywords = data.store.keywords(channel_id).await?;
            crate::deliver::settings::filter_for(Some(sub), &keywords)
        }
        None => crate::select::filter::Filter::default(),
    };
    let ranked = top_papers(&days, &filter, n);
    let shown_span = span(&dates);
    if ranked.is_empty() {
        let key = if filter.is_empty() {
            "top-none"
        } else {
            "top-none-filtered"
        };
        return Err(user_error(crate::t!(&lang, key, span = shown_span)));
    }
    let key = match period {
        Period::Week => "top-header-week",
        Period::Month => "top-header-month",
    };
    let mut header = crate::t!(&lang, key, count = ranked.len(), span = shown_span.clone());
    if !filter.is_empty() {
        header.push(' ');
        header.push_str(&crate::t!(&lang, "top-filtered"));
    }
    // With summaries on, the bullets stored in the channel's language (none written for this).
    let overlay = match &data.config.summaries {
        Some(cfg) => {
            let language = match &sub {
                Some(sub) => {
                    crate::summaries::overlay::language_of(sub.language.as_ref(), &cfg.language)
                }
                None => cfg.language.clone(),
            };
            let papers: Vec<&crate::source::digest::Paper> =
                ranked.iter().map(|r| r.paper).collect();
            Some(
                crate::summaries::overlay::stored_overlay_of(&data.store, &papers, &language)
                    .await?,
            )
        }
        None => None,
    };
    let messages = top_messages(&header, &ranked, None, &lang, overlay.as_ref());
    // Long answers are for the asker alone; a short one (the index and one message of cards)
    // may be shared with the channel.
    let ephemeral = messages.len() > 2;
    send_messages(ctx, &messages, ephemeral).await
}

/// A weekday for `/papers subscribe weekday:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, poise::ChoiceParameter)]
pub enum WeekdayChoice {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

impl WeekdayChoice {
    pub fn weekday(self) -> chrono::Weekday {
        use chrono::Weekday as W;
        match self {
            WeekdayChoice::Monday => W::Mon,
            WeekdayChoice::Tuesday => W::Tue,
            WeekdayChoice::Wednesday => W::Wed,
            WeekdayChoice::Thursday => W::Thu,
            WeekdayChoice::Friday => W::Fri,
            WeekdayChoice::Saturday => W::Sat,
            WeekdayChoice::Sunday => W::Sun,
        }
    }
}

/// A weekday's name in `lang`.
pub fn weekday_name(lang: &crate::language::Language, day: chrono::Weekday) -> String {
    use chrono::Weekday as W;
    let key = match day {
        W::Mon => "weekly-day-mon",
        W::Tue => "weekly-day-tue",
        W::Wed => "weekly-day-wed",
        W::Thu => "weekly-day-thu",
        W::Fri => "weekly-day-fri",
        W::Sat => "weekly-day-sat",
        W::Sun => "weekly-day-sun",
    };
    crate::t!(lang, key)
}

/// The weekly settings `/papers subscribe` asked for, from what is stored (`keep`) and what
/// was given: `weekly:False` turns it off, `weekly:True` or a `weekday`/`weekly_top` alone turns
/// it on (keeping what is not given), nothing keeps it as it is.
pub fn chosen_weekly(
    keep: Option<crate::store::Weekly>,
    weekly: Option<bool>,
    weekday: Option<chrono::Weekday>,
    top: Option<u32>,
) -> Option<crate::store::Weekly> {
    let asked = weekly == Some(true) || weekday.is_some() || top.is_some();
    if weekly == Some(false) {
        return None;
    }
    if !asked {
        return keep;
    }
    let base = keep.unwrap_or_default();
    Some(crate::store::Weekly {
        weekday: weekday.unwrap_or(base.weekday),
        top: top.unwrap_or(base.top),
    })
}

/// The weekly post as `/papers subscribe` and `/papers settings` say it: when, how many, and the
/// next one; or that it is off.
pub fn weekly_words(
    lang: &crate::language::Language,
    sub: &crate::store::Subscription,
    config: &crate::config::Config,
    now: chrono::DateTime<chrono::Utc>,
    settings_view: bool,
) -> String {
    let Some(w) = crate::deliver::settings::weekly_settings(sub) else {
        return if settings_view {
            crate::t!(lang, "weekly-settings-off")
        } else {
            String::new()
        };
    };
    let tz = sub.timezone.unwrap_or(config.schedule.timezone);
    let time = crate::deliver::weekly::timing::post_time(&config.schedule, sub.delivery_time, tz);
    let shown_time = format!("{} ({tz})", time.format("%H:%M"));
    let day = weekday_name(lang, w.weekday);
    if settings_view {
        let schedule = crate::deliver::weekly::timing::schedule(w.weekday, time, tz);
        let next = crate::deliver::weekly::timing::next_fire(&schedule, now)
            .map(crate::bot::commands::context::discord_time)
            .unwrap_or_else(|| "—".into());
        crate::t!(
            lang,
            "weekly-settings-on",
            weekday = day,
            time = shown_time,
            count = w.top,
            next = next
        )
    } else {
        crate::t!(
            lang,
            "weekly-subscribed",
            weekday = day,
            time = shown_time,
            count = w.top
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Weekly;
    use chrono::Weekday;

    #[test]
    fn weekly_options_turn_it_on_change_it_keep_it_or_turn_it_off() {
        let on = Weekly {
            weekday: Weekday::Mon,
            top: 5,
        };
        assert_eq!(chosen_weekly(None, None, None, None), None);
        assert_eq!(
            chosen_weekly(None, Some(true), None, None),
            Some(Weekly::default())
        );
        assert_eq!(
            chosen_weekly(None, None, None, Some(3)),
            Some(Weekly {
                weekday: Weekday::Sat,
                top: 3
            })
        );
        assert_eq!(chosen_weekly(Some(on), None, None, None), Some(on));
        assert_eq!(
            chosen_weekly(Some(on), None, Some(Weekday::Fri), None),
            Some(Weekly {
                weekday: Weekday::Fri,
                top: 5
            })
        );
        assert_eq!(
            chosen_weekly(Some(on), Some(false), Some(Weekday::Fri), None),
            None
        );
    }
}
