//! `/alerts …`: a person's own terms, delivered to them by direct message once a day.
//!
//! A top-level command rather than `/papers alerts`: Discord sets where a command can be
//! installed and used per top-level command, and alerts must work where `/papers` makes no
//! sense: in the bot's DM, and as an app a person installed for themselves (in servers the bot
//! is not in, and in DMs between people). Everything here is about the person running it, so
//! every reply is ephemeral and no permission is asked for.

use chrono::NaiveTime;
use chrono_tz::Tz;
use poise::serenity_prelude as serenity;

use super::subscription::{autocomplete_timezone, parse_time, parse_zone, when_words};
use crate::bot::commands::context::{
    lang, sanitize_inline, say_ephemeral, store_error, term_error_words, user_error, Context, Error,
};
use crate::deliver::outlook::outlook;
use crate::deliver::target::Target;
use crate::deliver::MAX_DELIVERY_ATTEMPTS;
use crate::language::Language;
use crate::render::{date_text, outside_text, truncate_chars};
use crate::select::alerts::{stored_term, term_of};
use crate::select::terms::{parse_terms, validate};
use crate::store::{AlertTerm, AlertTermKind, AlertUser, RetryingDay, MAX_ALERT_TERMS};
use crate::t;

/// The pause reason stored when the person pauses their own alerts; any other reason is
/// paperboy's (Discord refused a DM) and is explained with how to fix it.
pub const PAUSED_BY_YOU: &str = "you paused them";

/// Your own Daily Papers alerts: papers matching your terms, by direct message once a day.
#[poise::command(
    slash_command,
    install_context = "Guild|User",
    interaction_context = "Guild|BotDm|PrivateChannel",
    subcommands(
        "add",
        "list",
        "remove",
        "clear",
        "pause",
        "resume",
        "time",
        "super::saved::saved_weekly",
        "super::for_you::for_you"
    ),
    subcommand_required
)]
pub async fn alerts(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// A term as shown back: in the syntax it is typed in, inside a code span.
fn show(t: &AlertTerm) -> String {
    format!("`{}`", sanitize_inline(&term_of(t).to_string()))
}

fn show_all(terms: &[AlertTerm]) -> String {
    terms.iter().map(show).collect::<Vec<_>>().join(", ")
}

/// An exclude (`-survey`, `-author:"Name"`) only takes papers away: never one of the terms a
/// person follows.
fn is_exclude(t: &AlertTerm) -> bool {
    matches!(
        t.kind,
        AlertTermKind::Exclude | AlertTermKind::ExcludeAuthor
    )
}

/// "Still following: `llm`, `author:"Tri Dao"`; excluding: `survey`": what is followed and
/// what is excluded, apart (an exclude listed as followed reads as the opposite of what it
/// does). Excludes are shown as the word or author they keep out.
pub fn still_following(terms: &[AlertTerm], lang: &Language) -> String {
    let (excludes, includes): (Vec<&AlertTerm>, Vec<&AlertTerm>) =
        terms.iter().partition(|t| is_exclude(t));
    let followed = if includes.is_empty() {
        t!(lang, "alerts-following-nothing")
    } else {
        let shown: Vec<String> = includes.iter().map(|t| show(t)).collect();
        t!(lang, "alerts-still-following", list = shown.join(", "))
    };
    if excludes.is_empty() {
        return followed;
    }
    let kept_out: Vec<String> = excludes
        .iter()
        .map(|t| {
            let kind = match t.kind {
                AlertTermKind::ExcludeAuthor => AlertTermKind::Author,
                _ => AlertTermKind::Include,
            };
            show(&AlertTerm {
                kind,
                term: t.term.clone(),
            })
        })
        .collect();
    t!(
        lang,
        "alerts-excluding",
        followed = followed,
        list = kept_out.join(", ")
    )
}

/// The line every reply starts with while the person's alerts are paused: why, and how to
/// start them again. Discord's refusals come with what the person can do about them.
pub fn paused_notice(user: &AlertUser, lang: &Language) -> Option<String> {
    if user.enabled {
        return None;
    }
    let reason = user.paused_reason.as_deref().unwrap_or(PAUSED_BY_YOU);
    Some(if reason == PAUSED_BY_YOU {
        t!(lang, "alerts-paused-by-you")
    } else {
        t!(
            lang,
            "alerts-paused-refused",
            reason = crate::deliver::reason_words(reason, lang)
        )
    })
}

/// `text`, after the paused notice when there is one.
fn with_notice(user: Option<&AlertUser>, text: String, lang: &Language) -> String {
    match user.and_then(|u| paused_notice(u, lang)) {
        Some(n) => format!("{n}\n\n{text}"),
        None => text,
    }
}

/// When the person's next DM goes out, from the same outlook channels use.
async fn describe_schedule(ctx: Context<'_>, user: &AlertUser) -> Result<String, Error> {
    let lang = lang(ctx);
    let data = ctx.data();
    let target = Target::Person(user.clone());
    let when = when_words(&target, &data.config.schedule, &lang);
    let mut text = t!(&lang, "alerts-schedule", when = when);
    if user.enabled {
        let next = outlook(&data.store, &data.config, &target, data.clock.now()).await?;
        if let Some(n) = next.next {
            let key = if n.ready {
                "alerts-next-check"
            } else {
                "alerts-next-check-pending"
            };
            text.push('\n');
            text.push_str(&t!(
                &lang,
                key,
                at = crate::bot::commands::context::discord_time(n.at),
                date = date_text(n.date, &lang)
            ));
        }
    }
    Ok(text)
}

/// Add terms: words, "quoted phrases", -excludes, author:"Name". You get a DM on days they match.
#[poise::command(slash_command)]
pub async fn add(
    ctx: Context<'_>,
    #[description = "e.g. speculative decoding, \"diffusion model\", author:\"Tri Dao\", -survey"]
    #[max_length = 1000]
    terms: String,
) -> Result<(), Error> {
    let lang = lang(ctx);
    let parsed = parse_terms(&terms);
    if parsed.is_empty() {
        return Err(user_error(t!(&lang, "alerts-none-given")));
    }
    for t in &parsed {
        if let Err(e) = validate(t) {
            return Err(user_error(t!(
                &lang,
                "error-term",
                term = sanitize_inline(&t.to_string()),
                why = term_error_words(&e, &lang)
            )));
        }
    }
    let mut wanted: Vec<AlertTerm> = Vec::new();
    for t in parsed.iter().map(stored_term) {
        if !wanted.contains(&t) {
            wanted.push(t);
        }
    }
    let store = &ctx.data().store;
    let user_id = ctx.author().id.get();
    let change = store
        .add_alert_terms(user_id, &wanted)
        .await
        .map_err(|e| store_error(e, &lang))?;
    // A person's DMs speak the language of the client they set their alerts up from.
    if store
        .alert_user(user_id)
        .await?
        .is_some_and(|u| u.language.is_none())
    {
        store.set_alert_language(user_id, Some(&lang)).await?;
    }
    let all = store.alert_terms(user_id).await?;
    let user = store.alert_user(user_id).await?;
    let mut lines = Vec::new();
    if !change.added.is_empty() {
        lines.push(t!(&lang, "alerts-added", list = show_all(&change.added)));
    }
    if !change.unchanged.is_empty() {
        lines.push(t!(
            &lang,
            "alerts-unchanged",
            list = show_all(&change.unchanged)
        ));
    }
    if all.iter().all(is_exclude) {
        lines.push(t!(&lang, "alerts-only-excludes"));
    }
    lines.push(t!(
        &lang,
        "alerts-count",
        count = all.len(),
        max = MAX_ALERT_TERMS
    ));
    if let Some(u) = &user {
        lines.push(describe_schedule(ctx, u).await?);
    }
    say_ephemeral(ctx, with_notice(user.as_ref(), lines.join("\n"), &lang)).await
}

/// Your terms and when your alerts arrive.
#[poise::command(slash_command)]
pub async fn list(ctx: Context<'_>) -> Result<(), Error> {
    let lang = lang(ctx);
    let store = &ctx.data().store;
    let user_id = ctx.author().id.get();
    let user = store.alert_user(user_id).await?;
    let terms = store.alert_terms(user_id).await?;
    let for_you = store.for_you(user_id).await?.filter(|f| f.enabled);
    let Some(u) = user
        .as_ref()
        .filter(|_| !terms.is_empty() || for_you.is_some())
    else {
        let text = t!(&lang, "alerts-none");
        return say_ephemeral(ctx, with_notice(user.as_ref(), text, &lang)).await;
    };
    let (excludes, includes): (Vec<AlertTerm>, Vec<AlertTerm>) =
        terms.iter().cloned().partition(is_exclude);
    let mut lines = vec![t!(
        &lang,
        "alerts-yours",
        count = terms.len(),
        max = MAX_ALERT_TERMS
    )];
    if let Some(f) = for_you {
        lines.push(super::for_you::list_line(f.extra, &lang));
    }
    if !includes.is_empty() {
        lines.push(t!(&lang, "alerts-matching", list = show_all(&includes)));
    }
    if !excludes.is_empty() {
        lines.push(t!(
            &lang,
            "alerts-never-matching",
            list = show_all(&excludes)
        ));
    }
    lines.push(describe_schedule(ctx, u).await?);
    let store = &ctx.data().store;
    lines.extend(retrying_words(&store.retrying_days(user_id).await?, &lang));
    let failed = store.failed_dm_days(user_id, retry_since(ctx, u)).await?;
    lines.extend(given_up_words(&failed, &lang));
    say_ephemeral(ctx, with_notice(user.as_ref(), lines.join("\n"), &lang)).await
}

/// The first day `/alerts resume` retries: the catch-up window back from the person's date
/// (never ahead of UTC's, as for channels).
fn retry_since(ctx: Context<'_>, user: &AlertUser) -> chrono::NaiveDate {
    let data = ctx.data();
    let sched = Target::Person(user.clone()).schedule(&data.config.schedule);
    let now = data.clock.now();
    sched.local_date(now).min(now.date_naive())
        - chrono::Duration::days(i64::from(data.config.schedule.catch_up_days))
}

/// What `/alerts list` says of DM days that keep failing and are still being retried: since
/// when, failed attempts out of the most paperboy makes, and the last error in words.
pub fn retrying_words(retrying: &[RetryingDay], lang: &Language) -> Vec<String> {
    retrying
        .iter()
        .map(|r| {
            t!(
                lang,
                "alerts-retrying",
                date = date_text(r.date, lang),
                since = r.since.timestamp(),
                attempts = r.attempts,
                max = MAX_DELIVERY_ATTEMPTS,
                error = outside_text(&r.last_error, 200)
            )
        })
        .collect()
}

/// What `/alerts list` says of DM days paperboy gave up on, with why, and that `/alerts
/// resume` tries them again (nothing otherwise tells the person a day was lost). Stored errors
/// are text from outside and are neutralised.
pub fn given_up_words(
    failed: &[(chrono::NaiveDate, Option<String>)],
    lang: &Language,
) -> Option<String> {
    if failed.is_empty() {
        return None;
    }
    let days: Vec<String> = failed
        .iter()
        .map(|(d, why)| {
            let why = match why {
                Some(w) => crate::deliver::reason_words(w, lang),
                None => t!(lang, "no-reason"),
            };
            format!("{} ({})", date_text(*d, lang), outside_text(&why, 120))
        })
        .collect();
    Some(t!(
        lang,
        "alerts-given-up",
        days = truncate_chars(&days.join("; "), 800)
    ))
}

/// Suggests the person's own terms.
async fn autocomplete_term(
    ctx: Context<'_>,
    partial: &str,
) -> serenity::CreateAutocompleteResponse {
    let needle = partial.trim().to_lowercase();
    let terms = ctx
        .data()
        .store
        .alert_terms(ctx.author().id.get())
        .await
        .unwrap_or_default();
    let choices = terms
        .iter()
        .map(|t| term_of(t).to_string())
        .filter(|s| s.to_lowercase().contains(&needle))
        .take(25)
        .map(|s| serenity::AutocompleteChoice::new(s.clone(), s))
        .collect();
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}

/// Remove one of your terms.
#[poise::command(slash_command)]
pub async fn remove(
    ctx: Context<'_>,
    #[description = "The term, as `/alerts list` shows it"]
    #[autocomplete = "autocomplete_term"]
    #[max_length = 200]
    term: String,
) -> Result<(), Error> {
    let lang = lang(ctx);
    let store = &ctx.data().store;
    let user_id = ctx.author().id.get();
    // Whatever form it is given in (`-survey`, `author:"Tri Dao"`, or the bare text), the
    // stored text is what is removed.
    let parsed = parse_terms(&term);
    let text = match parsed.as_slice() {
        [one] => one.text.clone(),
        _ => term.trim().to_lowercase(),
    };
    let removed = store.remove_alert_term(user_id, &text).await?;
    let user = store.alert_user(user_id).await?;
    let left = store.alert_terms(user_id).await?;
    let reply = if removed {
        let tail = if left.is_empty() {
            t!(&lang, "alerts-removed-last")
        } else {
            still_following(&left, &lang)
        };
        t!(
            &lang,
            "alerts-removed",
            term = sanitize_inline(&term),
            tail = tail
        )
    } else if left.is_empty() {
        t!(&lang, "alerts-nothing-to-remove")
    } else {
        return Err(user_error(t!(
            &lang,
            "alerts-not-a-term",
            term = sanitize_inline(&term),
            list = show_all(&left)
        )));
    };
    say_ephemeral(ctx, with_notice(user.as_ref(), reply, &lang)).await
}

/// Delete everything paperboy stores about you: terms, settings and the record of your DMs.
#[poise::command(slash_command)]
pub async fn clear(ctx: Context<'_>) -> Result<(), Error> {
    let user_id = ctx.author().id.get();
    let had = ctx.data().store.clear_alerts(user_id).await?;
    tracing::info!(had, "a person cleared their alerts");
    let text = if had {
        t!(&lang(ctx), "alerts-cleared")
    } else {
        t!(&lang(ctx), "alerts-nothing-stored")
    };
    say_ephemeral(ctx, text).await
}

/// Stop your alert DMs for now (your terms are kept).
#[poise::command(slash_command)]
pub async fn pause(ctx: Context<'_>) -> Result<(), Error> {
    let lang = lang(ctx);
    let store = &ctx.data().store;
    let user_id = ctx.author().id.get();
    match store.alert_user(user_id).await? {
        None => Err(user_error(t!(&lang, "alerts-nothing-to-pause"))),
        Some(u) if !u.enabled => {
            say_ephemeral(
                ctx,
                paused_notice(&u, &lang).unwrap_or_else(|| t!(&lang, "alerts-already-paused")),
            )
            .await
        }
        Some(_) => {
            store
                .set_alerts_paused(user_id, Some(PAUSED_BY_YOU))
                .await?;
            say_ephemeral(ctx, t!(&lang, "alerts-paused")).await
        }
    }
}

/// Start your alert DMs again (also after paperboy paused them because Discord refused a DM).
#[poise::command(slash_command)]
pub async fn resume(ctx: Context<'_>) -> Result<(), Error> {
    let lang = lang(ctx);
    let data = ctx.data();
    let user_id = ctx.author().id.get();
    let Some(before) = data.store.alert_user(user_id).await? else {
        return Err(user_error(t!(&lang, "alerts-no-alerts")));
    };
    data.store.set_alerts_paused(user_id, None).await?;
    // Every DM day given up within the catch-up window is tried again, as `/papers retry`
    // does for a channel: one refused while the person's DMs were closed, now that they say it
    // is fixed, and one lost to Discord's errors, even if the alerts were never paused.
    let retried = data
        .store
        .retry_failed_days(user_id, retry_since(ctx, &before))
        .await?;
    if !retried.is_empty() {
        tracing::info!(
            days = retried.len(),
            "a person's failed DM days retried on request"
        );
    }
    let Some(user) = data.store.alert_user(user_id).await? else {
        return Err(user_error(t!(&lang, "alerts-no-alerts")));
    };
    let mut text = if before.enabled {
        t!(&lang, "alerts-on")
    } else {
        t!(&lang, "alerts-resumed")
    };
    text.push(' ');
    text.push_str(&describe_schedule(ctx, &user).await?);
    if !retried.is_empty() {
        let days: Vec<String> = retried.iter().map(|d| date_text(*d, &lang)).collect();
        text.push('\n');
        text.push_str(&t!(&lang, "alerts-retried", days = days.join(", ")));
    }
    say_ephemeral(ctx, text).await
}

/// Choose when your alert DM arrives: a local time and a time zone (`default`: the bot's).
#[poise::command(slash_command)]
pub async fn time(
    ctx: Context<'_>,
    #[description = "Local time of your DM, HH:MM, or `default` for the bot's schedule"]
    #[max_length = 16]
    time: String,
    #[description = "Your time zone, e.g. Asia/Seoul (default: the bot's)"]
    #[autocomplete = "autocomplete_timezone"]
    #[max_length = 64]
    timezone: Option<String>,
) -> Result<(), Error> {
    let lang = lang(ctx);
    let store = &ctx.data().store;
    let user_id = ctx.author().id.get();
    let Some(user) = store.alert_user(user_id).await? else {
        return Err(user_error(t!(&lang, "alerts-time-first")));
    };
    let (time, tz): (Option<NaiveTime>, Option<Tz>) = if time.trim().eq_ignore_ascii_case("default")
    {
        (None, None)
    } else {
        let t = parse_time(&time, &lang)?;
        let tz = match timezone.as_deref().map(str::trim) {
            None => user.timezone,
            Some(z) if z.eq_ignore_ascii_case("default") => None,
            Some(z) => Some(parse_zone(z, &lang)?),
        };
        (Some(t), tz)
    };
    store.set_alert_time(user_id, time, tz).await?;
    let Some(user) = store.alert_user(user_id).await? else {
        return Err(user_error(t!(&lang, "alerts-no-alerts")));
    };
    let text = t!(
        &lang,
        "alerts-time-saved",
        schedule = describe_schedule(ctx, &user).await?
    );
    say_ephemeral(ctx, with_notice(Some(&user), text, &lang)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn term(kind: AlertTermKind, text: &str) -> AlertTerm {
        AlertTerm {
            kind,
            term: text.into(),
        }
    }

    #[test]
    fn a_refused_dm_is_explained_in_the_persons_language() {
        let at = chrono::DateTime::from_timestamp(1_712_048_400, 0).unwrap();
        let paused = |reason: &str| AlertUser {
            user_id: 5,
            delivery_time: None,
            timezone: None,
            enabled: false,
            paused_reason: Some(reason.into()),
            dm_channel_id: None,
            start_date: None,
            created_at: at,
            updated_at: at,
            language: None,
            weekly_saved: false,
        };
        let refused = paused(
            "Discord does not let paperboy send this user direct messages (50007: their DMs are \
             closed, or they share no server with the bot)",
        );
        let ko: Language = "ko".parse().unwrap();
        let text = paused_notice(&refused, &ko).unwrap();
        assert!(
            text.contains("DM이 닫혀 있거나") && text.contains("`/알림 재개`"),
            "{text}"
        );
        assert!(!text.contains("does not let"), "{text}");
        let en = paused_notice(&refused, &Language::english()).unwrap();
        assert!(en.starts_with("⏸️ Your alerts are paused: Discord does not let paperboy send this user direct messages"), "{en}");
        // By the person: said so; anything else as recorded.
        let mine = paused_notice(&paused(PAUSED_BY_YOU), &ko).unwrap();
        assert!(mine.contains("직접 멈추셨습니다"), "{mine}");
        let other = paused_notice(&paused("HTTP 500"), &ko).unwrap();
        assert!(other.contains("HTTP 500"), "{other}");
        let on = AlertUser {
            enabled: true,
            ..paused("x")
        };
        assert_eq!(paused_notice(&on, &ko), None);
    }

    #[test]
    fn excludes_are_never_listed_as_followed() {
        use AlertTermKind::*;
        let terms = [
            term(Author, "Tri Dao"),
            term(Exclude, "survey"),
            term(ExcludeAuthor, "Jane Roe"),
            term(Include, "llm"),
        ];
        let en = Language::english();
        let still_following = |t: &[AlertTerm]| super::still_following(t, &en);
        assert_eq!(
            still_following(&terms),
            "Still following: `author:\"Tri Dao\"`, `llm`; excluding: `survey`, \
             `author:\"Jane Roe\"`"
        );
        assert_eq!(
            still_following(&[term(Include, "llm")]),
            "Still following: `llm`"
        );
        let only = still_following(&[term(Exclude, "survey")]);
        assert!(only.starts_with("Following nothing"), "{only}");
        assert!(only.ends_with("; excluding: `survey`"), "{only}");
    }

    #[test]
    fn a_dm_day_being_retried_says_since_when_attempts_and_why() {
        let en = Language::english();
        assert!(retrying_words(&[], &en).is_empty());
        let lines = retrying_words(
            &[RetryingDay {
                date: "2024-04-02".parse().unwrap(),
                since: chrono::DateTime::from_timestamp(1_712_048_400, 0).unwrap(),
                attempts: 2,
                last_error: "HTTP 502, code 0: [Bad](x) Gateway".into(),
            }],
            &en,
        );
        assert_eq!(
            lines,
            vec![format!(
                "🔁 Your DM of 2024-04-02 is being retried (first tried <t:1712048400:R>): 2 of \
                 {MAX_DELIVERY_ATTEMPTS} attempts failed, the last with: HTTP 502, code 0: \
                 \\[Bad\\]\\(x\\) Gateway."
            )]
        );
    }

    #[test]
    fn given_up_dm_days_say_why_and_how_to_retry() {
        let day = |d: &str| d.parse::<chrono::NaiveDate>().unwrap();
        let en = Language::english();
        assert_eq!(given_up_words(&[], &en), None);
        let text = given_up_words(
            &[
                (day("2024-04-01"), Some("HTTP 502 <@1> **bold**".into())),
                (day("2024-04-02"), None),
            ],
            &en,
        )
        .unwrap();
        assert_eq!(
            text,
            "❌ Not delivered: your DM of 2024-04-01 (HTTP 502 <@\u{200B}1\\> \\*\\*bold\\*\\*); \
             2024-04-02 (no reason recorded). Run `/alerts resume` to try again."
        );
    }
}
