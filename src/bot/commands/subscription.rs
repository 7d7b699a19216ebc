//! A channel's subscription: subscribe / unsubscribe / pause / resume (Manage Channels
//! required) and settings (anyone).

use chrono::{NaiveDate, NaiveTime};
use chrono_tz::Tz;
use poise::serenity_prelude as serenity;

use super::forum_mode::{forum_mode_for, mode_line, mode_words, not_a_forum, ForumModeChoice};
use super::layout::{
    layout_for, layout_line, layout_words, missing_thread_permissions, starts_threads, LayoutChoice,
};
use crate::bot::commands::context::{
    discord_time, lang, require_manage_channels, sanitize_inline, say_ephemeral, send_messages,
    user_error, Context, Error,
};
use crate::config::parse_timezone;
use crate::deliver::carry::NextPost;
use crate::deliver::outlook::outlook;
use crate::deliver::settings::schedule_for;
use crate::deliver::MAX_DELIVERY_ATTEMPTS;
use crate::language::Language;
use crate::render::{date_text, outside_text, pack, truncate_chars, EmbedSpec, FieldSpec};
use crate::store::{KeywordKind, NewSubscription, RetryingDay, Subscription};
use crate::t;
use crate::{channel_kind::ChannelKind, deliver::target::Target};

/// Suggests IANA zone names containing what was typed.
pub async fn autocomplete_timezone(
    _ctx: Context<'_>,
    partial: &str,
) -> serenity::CreateAutocompleteResponse {
    let needle = partial.trim().to_ascii_lowercase().replace(' ', "_");
    let choices = chrono_tz::TZ_VARIANTS
        .iter()
        .map(|tz| tz.name())
        .filter(|name| name.to_ascii_lowercase().contains(&needle))
        .take(25)
        .map(serenity::AutocompleteChoice::from)
        .collect();
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}

/// Parses `HH:MM` (24-hour); the error in `lang`.
pub fn parse_time(text: &str, lang: &Language) -> Result<NaiveTime, Error> {
    NaiveTime::parse_from_str(text.trim(), "%H:%M").map_err(|_| {
        user_error(t!(
            lang,
            "error-time-unreadable",
            input = sanitize_inline(text)
        ))
    })
}

/// Parses an IANA zone name; the error in `lang`.
pub fn parse_zone(text: &str, lang: &Language) -> Result<Tz, Error> {
    parse_timezone(text).map_err(|_| {
        user_error(t!(
            lang,
            "error-timezone-unknown",
            input = sanitize_inline(text)
        ))
    })
}

/// The channel's kind, from the interaction when Discord sent it, else asked for; `None` for a
/// channel paperboy cannot post a digest in.
async fn channel_kind(ctx: Context<'_>) -> Result<Option<ChannelKind>, Error> {
    if let poise::Context::Application(app) = ctx {
        if let Some(ch) = &app.interaction.channel {
            return Ok(ChannelKind::from_serenity(ch.kind));
        }
    }
    let ch = ctx.channel_id().to_channel(ctx.http()).await?;
    Ok(match ch {
        serenity::Channel::Guild(g) => ChannelKind::from_serenity(g.kind),
        _ => None,
    })
}

/// What the bot itself needs in a channel of this kind to post there, with the catalog key of
/// its name as Discord's channel settings name it (in each reader's language).
pub fn required_permissions(kind: ChannelKind) -> Vec<(serenity::Permissions, &'static str)> {
    use serenity::Permissions as P;
    let mut need = vec![
        (P::VIEW_CHANNEL, "perm-view-channel"),
        (P::EMBED_LINKS, "perm-embed-links"),
        // To find a message it may have sent before a crash instead of posting it twice.
        (P::READ_MESSAGE_HISTORY, "perm-read-message-history"),
    ];
    match kind {
        ChannelKind::Forum => need.extend([
            (P::CREATE_PUBLIC_THREADS, "perm-create-posts"),
            (P::SEND_MESSAGES_IN_THREADS, "perm-send-messages-in-posts"),
        ]),
        ChannelKind::Thread => {
            need.push((P::SEND_MESSAGES_IN_THREADS, "perm-send-messages-in-threads"))
        }
        ChannelKind::Text | ChannelKind::Announcement | ChannelKind::Dm => {
            need.push((P::SEND_MESSAGES, "perm-send-messages"))
        }
    }
    need
}

/// The permissions of `required_permissions(kind)` that `have` lacks (an administrator lacks
/// none).
pub fn missing_permissions(kind: ChannelKind, have: serenity::Permissions) -> Vec<&'static str> {
    if have.administrator() {
        return Vec::new();
    }
    required_permissions(kind)
        .into_iter()
        .filter(|(p, _)| !have.contains(*p))
        .map(|(_, name)| name)
        .collect()
}

/// What Discord says the bot may do in the interaction's channel (`app_permissions`).
fn app_permissions(ctx: Context<'_>) -> Option<serenity::Permissions> {
    match ctx {
        poise::Context::Application(app) => app.interaction.app_permissions,
        _ => None,
    }
}

/// Refuses to subscribe a channel the bot cannot post in, naming what is missing. Discord tells
/// each interaction what the bot may do in its channel (`app_permissions`).
fn check_bot_permissions(ctx: Context<'_>, kind: ChannelKind) -> Result<(), Error> {
    let poise::Context::Application(app) = ctx else {
        return Ok(());
    };
    let Some(have) = app.interaction.app_permissions else {
        return Ok(());
    };
    let missing = missing_permissions(kind, have);
    if missing.is_empty() {
        return Ok(());
    }
    let lang = lang(ctx);
    let list = missing
        .iter()
        .map(|m| format!("**{}**", t!(&lang, m)))
        .collect::<Vec<_>>()
        .join(", ");
    Err(user_error(t!(
        &lang,
        "subscribe-missing-permissions",
        list = list,
        count = missing.len()
    )))
}

/// Post the Daily Papers in this channel every day.
#[poise::command(slash_command)]
#[allow(clippy::too_many_arguments)]
pub async fn subscribe(
    ctx: Context<'_>,
    #[description = "Local time of the daily post, HH:MM (default: the bot's schedule)"]
    #[max_length = 16]
    time: Option<String>,
    #[description = "Time zone for the post time, e.g. Asia/Seoul"]
    #[autocomplete = "autocomplete_timezone"]
    #[max_length = 64]
    timezone: Option<String>,
    #[description = "Only papers with at least this many votes"]
    #[min = 0]
    #[max = 100000]
    min_votes: Option<u32>,
    #[description = "Only the N most-voted papers"]
    #[min = 1]
    #[max = 100]
    top_n: Option<u32>,
    #[description = "Post a short notice on days with nothing to show"] notify_empty: Option<bool>,
    #[description = "Publish posts to following servers (announcement channels)"]
    auto_publish: Option<bool>,
    #[description = "Language of the summaries and posts, e.g. ko, en, ja (default: the bot's)"]
    #[autocomplete = "autocomplete_language"]
    #[max_length = 16]
    language: Option<String>,
    #[description = "Forum channels: one post a day (day, the default) or one post per paper"]
    forum_mode: Option<ForumModeChoice>,
    #[description = "Also post the week's best papers once a week"] weekly: Option<bool>,
    #[description = "The day of the week's best (default Saturday)"] weekday: Option<
        super::top::WeekdayChoice,
    >,
    #[description = "How many papers the week's best shows (default 10)"]
    #[min = 1]
    #[max = 25]
    weekly_top: Option<u32>,
    #[description = "The day: top papers first, cards in a thread (glance); all cards (full); the top alone (index)"]
    layout: Option<LayoutChoice>,
    #[description = "How many papers the day's list shows first (default 10, 0 = all)"]
    #[min = 0]
    #[max = 100]
    index_top: Option<u32>,
) -> Result<(), Error> {
    require_manage_channels(ctx).await?;
    let lang = lang(ctx);
    // Discord enforces the options' ranges, but a handler never trusts its input.
    if min_votes.is_some_and(|v| v > 100_000)
        || top_n.is_some_and(|n| !(1..=100).contains(&n))
        || index_top.is_some_and(|n| n > crate::store::MAX_INDEX_TOP)
    {
        return Err(user_error(t!(&lang, "subscribe-out-of-range")));
    }
    let data = ctx.data();
    let channel_id = ctx.channel_id().get();
    let guild_id = ctx.guild_id().map(|g| g.get()).unwrap_or_default();
    let Some(kind) = channel_kind(ctx).await?.filter(|k| k.subscribable()) else {
        return Err(user_error(t!(&lang, "subscribe-wrong-kind")));
    };
    check_bot_permissions(ctx, kind)?;
    let time = match time.as_deref().map(str::trim) {
        None => None,
        Some(t) if t.eq_ignore_ascii_case("default") => Some(None),
        Some(t) => Some(Some(parse_time(t, &lang)?)),
    };
    let timezone: Option<Option<Tz>> = match timezone.as_deref().map(str::trim) {
        None => None,
        Some(t) if t.eq_ignore_ascii_case("default") => Some(None),
        Some(t) => Some(Some(parse_zone(t, &lang)?)),
    };
    if auto_publish == Some(true) && kind != ChannelKind::Announcement {
        return Err(user_error(t!(&lang, "subscribe-auto-publish")));
    }
    let language: Option<Option<Language>> = match language.as_deref().map(str::trim) {
        None => None,
        Some(l) if l.eq_ignore_ascii_case("default") => Some(None),
        Some(l) => Some(Some(Language::parse(l).map_err(|_| {
            user_error(t!(
                &lang,
                "subscribe-language-unknown",
                input = sanitize_inline(l)
            ))
        })?)),
    };
    let existing = data.store.subscription(channel_id).await?;
    let keep = existing.as_ref();
    let weekly = super::top::chosen_weekly(
        keep.and_then(|s| s.weekly),
        weekly,
        weekday.map(super::top::WeekdayChoice::weekday),
        weekly_top,
    );
    if let Some(w) = weekly {
        let lang = keep
            .and_then(|s| s.language.clone())
            .unwrap_or_else(|| data.config.default_language());
        if kind == ChannelKind::Forum {
            return Err(user_error(crate::t!(&lang, "weekly-not-in-forum")));
        }
        if !(1..=crate::store::Weekly::MAX_TOP).contains(&w.top) {
            return Err(user_error(crate::t!(
                &lang,
                "weekly-top-range",
                max = crate::store::Weekly::MAX_TOP
            )));
        }
    }
    let language = match (language, keep) {
        (Some(chosen), _) => chosen,
        (None, Some(s)) => s.language.clone(),
        (None, None) => guild_language(ctx),
    };
    let forum_mode = forum_mode_for(kind, forum_mode, keep.map(|s| s.forum_mode))
        .map_err(|_| user_error(not_a_forum(&lang)))?;
    let missing = missing_thread_permissions(app_permissions(ctx));
    let (layout, layout_note) = layout_for(kind, layout, keep, &missing);
    let new = NewSubscription {
        guild_id,
        channel_id,
        channel_kind: kind,
        delivery_time: time.unwrap_or_else(|| keep.and_then(|s| s.delivery_time)),
        timezone: timezone.unwrap_or_else(|| keep.and_then(|s| s.timezone)),
        min_votes: min_votes.or_else(|| keep.and_then(|s| s.min_votes)),
        top_n: top_n.or_else(|| keep.and_then(|s| s.top_n)),
        notify_empty: notify_empty.unwrap_or_else(|| keep.is_some_and(|s| s.notify_empty)),
        auto_publish: auto_publish.unwrap_or_else(|| keep.is_some_and(|s| s.auto_publish)),
        created_by: ctx.author().id.get(),
        language,
        forum_mode,
        weekly,
        layout,
        index_top: index_top.or_else(|| keep.and_then(|s| s.index_top)),
        layout_note,
    };
    let (sub, created) = data.store.upsert_subscription(&new).await?;
    tracing::info!(channel_id, guild_id, created, "channel subscribed");
    let schedule = describe_schedule(ctx, &sub).await?;
    let key = if created {
        "subscribe-created"
    } else {
        "subscribe-updated"
    };
    let mut body = schedule;
    body.push('\n');
    body.push_str(&layout_line(&lang, &sub, &missing));
    if kind == ChannelKind::Forum {
        body.push('\n');
        body.push_str(&mode_line(&lang, sub.forum_mode, false));
    }
    let weekly = super::top::weekly_words(&lang, &sub, &data.config, data.clock.now(), false);
    if !weekly.is_empty() {
        body.push('\n');
        body.push_str(&weekly);
    }
    say_ephemeral(ctx, t!(&lang, key, schedule = body)).await
}

/// A new channel's language: its server's, when the server chose one. Discord reports `en-US`
/// for every server that never set a language (only community servers can), so English says
/// nothing and leaves the bot's default.
fn guild_language(ctx: Context<'_>) -> Option<Language> {
    let poise::Context::Application(app) = ctx else {
        return None;
    };
    let locale = app.interaction.guild_locale.as_deref()?;
    Language::from_discord_locale(locale).filter(|l| l.primary() != "en")
}

/// Suggests the languages the bot has words for, then whatever code is being typed.
pub async fn autocomplete_language(
    _ctx: Context<'_>,
    partial: &str,
) -> serenity::CreateAutocompleteResponse {
    let partial = partial.trim().to_ascii_lowercase();
    let mut choices: Vec<(String, String)> = crate::i18n::languages()
        .into_iter()
        .filter(|l| l.code().to_ascii_lowercase().starts_with(&partial))
        .map(|l| {
            let name = crate::t!(&l, "language-name");
            (format!("{name} ({l})"), l.code().to_string())
        })
        .collect();
    if let Ok(typed) = Language::parse(&partial) {
        if !choices.iter().any(|(_, code)| code == typed.code()) {
            choices.push((typed.code().to_string(), typed.code().to_string()));
        }
    }
    serenity::CreateAutocompleteResponse::new().set_choices(
        choices
            .into_iter()
            .take(25)
            .map(|(name, value)| serenity::AutocompleteChoice::new(name, value))
            .collect(),
    )
}

/// "every day at 09:00 (Asia/Seoul)" or "on the bot's schedule (`cron`, zone)": when a
/// subscription's posts (or a person's DMs) go out, in `lang`.
pub fn when_words(
    target: &Target,
    default: &crate::config::ScheduleConfig,
    lang: &Language,
) -> String {
    let sched = target.schedule(default);
    let zone = sched.timezone().to_string();
    match target.delivery_time() {
        Some(t) => t!(
            lang,
            "when-at",
            time = t.format("%H:%M").to_string(),
            zone = zone
        ),
        None => t!(
            lang,
            "when-bot",
            cron = default.cron_text.clone(),
            zone = zone
        ),
    }
}

async fn describe_schedule(ctx: Context<'_>, sub: &Subscription) -> Result<String, Error> {
    let lang = lang(ctx);
    let data = ctx.data();
    let target = Target::Channel(sub.clone());
    let when = when_words(&target, &data.config.schedule, &lang);
    let outlook = outlook(&data.store, &data.config, &target, data.clock.now()).await?;
    let mut text = t!(&lang, "schedule-channel", when = when);
    if let Some(n) = outlook.next {
        text.push('\n');
        text.push_str(&t!(
            &lang,
            "schedule-next-post",
            next = describe_next(&n, &lang)
        ));
    }
    Ok(text)
}

/// "<when>, with the digest of <date>" for a predicted post.
fn describe_next(n: &NextPost, lang: &Language) -> String {
    let key = if n.ready {
        "next-with-digest"
    } else {
        "next-with-digest-pending"
    };
    t!(
        lang,
        key,
        at = discord_time(n.at),
        date = date_text(n.date, lang)
    )
}

/// Stop posting the Daily Papers in this channel (its keywords are kept).
#[poise::command(slash_command)]
pub async fn unsubscribe(ctx: Context<'_>) -> Result<(), Error> {
    require_manage_channels(ctx).await?;
    let lang = lang(ctx);
    let channel_id = ctx.channel_id().get();
    if !ctx.data().store.remove_subscription(channel_id).await? {
        return Err(user_error(t!(&lang, "not-subscribed")));
    }
    tracing::info!(channel_id, "channel unsubscribed");
    say_ephemeral(ctx, t!(&lang, "unsubscribe-done")).await
}

/// Pause this channel's daily post without losing its settings.
#[poise::command(slash_command)]
pub async fn pause(ctx: Context<'_>) -> Result<(), Error> {
    require_manage_channels(ctx).await?;
    let channel_id = ctx.channel_id().get();
    // Kept as a record, in the words of whoever paused it.
    let reason = t!(&lang(ctx), "pause-reason", name = ctx.author().name.clone());
    if !ctx
        .data()
        .store
        .set_paused(channel_id, Some(&reason))
        .await?
    {
        return Err(user_error(t!(&lang(ctx), "not-subscribed-yet")));
    }
    say_ephemeral(ctx, t!(&lang(ctx), "pause-done")).await
}

/// Resume this channel's daily post (also after paperboy paused it because of an error).
#[poise::command(slash_command)]
pub async fn resume(ctx: Context<'_>) -> Result<(), Error> {
    require_manage_channels(ctx).await?;
    let data = ctx.data();
    let channel_id = ctx.channel_id().get();
    let lang = lang(ctx);
    let Some(sub) = data.store.subscription(channel_id).await? else {
        return Err(user_error(t!(&lang, "not-subscribed-yet")));
    };
    data.store.set_paused(channel_id, None).await?;
    // Days that failed while the channel was unreachable (within the catch-up window) are
    // retried now that someone says it is fixed.
    let since = crate::bot::commands::context::today_for(ctx).await?
        - chrono::Duration::days(i64::from(data.config.schedule.catch_up_days));
    let reopened = data
        .store
        .reopen_failed_deliveries(channel_id, since)
        .await?;
    let schedule = describe_schedule(ctx, &sub).await?;
    let mut text = t!(&lang, "resume-done", schedule = schedule);
    if reopened > 0 {
        text.push('\n');
        text.push_str(&t!(&lang, "resume-retrying", count = reopened));
    }
    say_ephemeral(ctx, text).await
}

/// Try this channel's failed days again (the last `schedule.catch_up_days`).
#[poise::command(slash_command)]
pub async fn retry(ctx: Context<'_>) -> Result<(), Error> {
    require_manage_channels(ctx).await?;
    let data = ctx.data();
    let channel_id = ctx.channel_id().get();
    let lang = lang(ctx);
    let Some(sub) = data.store.subscription(channel_id).await? else {
        return Err(user_error(t!(&lang, "not-subscribed-yet")));
    };
    let since = crate::bot::commands::context::today_for(ctx).await?
        - chrono::Duration::days(i64::from(data.config.schedule.catch_up_days));
    let dates = data.store.retry_failed_days(channel_id, since).await?;
    if dates.is_empty() {
        return say_ephemeral(
            ctx,
            t!(&lang, "retry-nothing", since = date_text(since, &lang)),
        )
        .await;
    }
    tracing::info!(
        channel_id,
        days = dates.len(),
        "failed days retried on request"
    );
    let list = dates
        .iter()
        .map(|d| date_text(*d, &lang))
        .collect::<Vec<_>>()
        .join(", ");
    let next = outlook(
        &data.store,
        &data.config,
        &Target::Channel(sub.clone()),
        data.clock.now(),
    )
    .await?
    .next
    .map(|n| t!(&lang, "retry-next", at = discord_time(n.at)))
    .unwrap_or_default();
    say_ephemeral(ctx, t!(&lang, "retry-done", days = list, next = next)).await
}

/// A recorded source as members read it.
fn source_name(ctx: Context<'_>, recorded: Option<&str>, lang: &Language) -> String {
    let key = match recorded.and_then(|r| ctx.data().fetcher.sources().role_of(r)) {
        Some(crate::source::fetch::Role::Primary) => "source-primary",
        Some(crate::source::fetch::Role::Fallback) => "source-fallback",
        None => "source-earlier",
    };
    t!(lang, key)
}

/// What `/papers settings` says while days fail, one line each (none when all is well): a day
/// still being retried, with since when, its failed attempts out of the most the engine makes
/// and the last error in words, so a failing channel does not look as if all were well; and
/// the days given up, with why, and that `/papers retry` tries them again. Stored errors are
/// text from outside and are neutralised.
pub fn trouble_lines(
    retrying: &[RetryingDay],
    failed: &[(NaiveDate, Option<String>)],
    enabled: bool,
    lang: &Language,
) -> Vec<String> {
    let mut lines: Vec<String> = retrying
        .iter()
        .map(|r| {
            let then = if enabled {
                t!(lang, "trouble-keeps-trying", max = MAX_DELIVERY_ATTEMPTS)
            } else {
                t!(lang, "trouble-after-resume")
            };
            t!(
                lang,
                "trouble-retrying",
                date = date_text(r.date, lang),
                since = r.since.timestamp(),
                attempts = r.attempts,
                max = MAX_DELIVERY_ATTEMPTS,
                error = outside_text(&r.last_error, 200),
                then = then
            )
        })
        .collect();
    if !failed.is_empty() {
        let days: Vec<String> = failed
            .iter()
            .map(|(d, why)| {
                let why = match why {
                    Some(w) => crate::deliver::reason_words(w, lang),
                    None => t!(lang, "no-reason"),
                };
                format!("{}: {}", date_text(*d, lang), outside_text(&why, 120))
            })
            .collect();
        lines.push(format!(
            "{}\n{}",
            t!(
                lang,
                "trouble-failed",
                days = truncate_chars(&days.join("; "), 800)
            ),
            t!(lang, "trouble-gave-up", count = failed.len())
        ));
    }
    lines
}

/// Everything this channel has configured, and when the next post is due.
#[poise::command(slash_command)]
pub async fn settings(
    ctx: Context<'_>,
    #[description = "Change: forum channels get one post a day (day) or one per paper (paper)"]
    forum_mode: Option<ForumModeChoice>,
    #[description = "Change: top papers first, cards in a thread (glance); all cards (full); the top alone (index)"]
    layout: Option<LayoutChoice>,
    #[description = "Change: how many papers the day's list shows first (0 = all)"]
    #[min = 0]
    #[max = 100]
    index_top: Option<u32>,
) -> Result<(), Error> {
    let lang = lang(ctx);
    let data = ctx.data();
    let channel_id = ctx.channel_id().get();
    let mut sub = data.store.subscription(channel_id).await?;
    let mut changed = None;
    if layout.is_some() || index_top.is_some() {
        require_manage_channels(ctx).await?;
        let Some(s) = sub.as_ref() else {
            return Err(user_error(t!(&lang, "not-subscribed-yet")));
        };
        if index_top.is_some_and(|n| n > crate::store::MAX_INDEX_TOP) {
            return Err(user_error(t!(&lang, "subscribe-out-of-range")));
        }
        let chosen = layout.map(crate::store::Layout::from).unwrap_or(s.layout);
        let missing = missing_thread_permissions(app_permissions(ctx));
        if layout.is_some() && starts_threads(chosen, s.channel_kind) && !missing.is_empty() {
            let list = missing
                .iter()
                .map(|k| format!("**{}**", t!(&lang, k)))
                .collect::<Vec<_>>()
                .join(", ");
            return Err(user_error(t!(&lang, "layout-needs-threads", list = list)));
        }
        // Choosing the layout again settles why paperboy had chosen one itself.
        let note = if layout.is_some() {
            None
        } else {
            s.layout_note.as_deref()
        };
        let updated = data
            .store
            .set_layout(channel_id, chosen, index_top.map(Some), note)
            .await?;
        tracing::info!(channel_id, layout = chosen.as_str(), "layout changed");
        if let Some(u) = &updated {
            changed = Some(t!(
                &lang,
                "layout-changed",
                layout = layout_words(&lang, u.layout, u.index_top())
            ));
        }
        sub = updated;
    }
    if let Some(choice) = forum_mode {
        require_manage_channels(ctx).await?;
        let Some(s) = sub.as_ref() else {
            return Err(user_error(t!(&lang, "not-subscribed-yet")));
        };
        let mode = forum_mode_for(s.channel_kind, Some(choice), Some(s.forum_mode))
            .map_err(|_| user_error(not_a_forum(&lang)))?;
        let updated = data.store.set_forum_mode(channel_id, mode).await?;
        tracing::info!(channel_id, forum_mode = mode.as_str(), "forum mode changed");
        changed = Some(mode_line(&lang, mode, true));
        sub = updated;
    }
    let keywords = data.store.keywords(channel_id).await?;
    let list = |kind: KeywordKind| {
        let words: Vec<String> = keywords
            .iter()
            .filter(|k| k.kind == kind)
            .map(|k| format!("`{}`", k.word))
            .collect();
        if words.is_empty() {
            "—".to_string()
        } else {
            // Cut to a field's 1,024 characters by `fit_limits`, like every embed.
            words.join(", ")
        }
    };
    let field = |name: &str, value: String, inline: bool| FieldSpec {
        name: name.to_string(),
        value,
        inline,
    };
    let mut embed = EmbedSpec {
        author: None,
        timestamp: None,
        title: t!(&lang, "settings-title"),
        url: None,
        description: String::new(),
        thumbnail: None,
        fields: Vec::new(),
        footer: String::new(),
        color: None,
    };
    match &sub {
        None => {
            embed.description = t!(&lang, "settings-not-subscribed");
        }
        Some(s) => {
            let mut status = if s.enabled {
                t!(&lang, "settings-subscribed")
            } else {
                let reason = match &s.paused_reason {
                    Some(r) => crate::deliver::reason_words(r, &lang),
                    None => t!(&lang, "no-reason"),
                };
                format!(
                    "{}\n{}",
                    t!(&lang, "settings-paused", reason = reason),
                    t!(&lang, "settings-paused-hint")
                )
            };
            let sched = schedule_for(Some(s), &data.config.schedule);
            let now = data.clock.now();
            let view = outlook(&data.store, &data.config, &Target::Channel(s.clone()), now).await?;
            let retrying = data.store.retrying_days(channel_id).await?;
            let last_post = match (&view.last_post, retrying.first()) {
                (Some(p), _) => t!(
                    &lang,
                    "settings-last-post",
                    date = date_text(p.date, &lang),
                    source = source_name(ctx, p.source.as_deref(), &lang),
                    at = discord_time(p.at)
                ),
                (None, Some(r)) => t!(
                    &lang,
                    "settings-no-post-retrying",
                    date = date_text(r.date, &lang)
                ),
                (None, None) => t!(&lang, "settings-no-post"),
            };
            let time = match s.delivery_time {
                Some(t) => format!("{} {}", t.format("%H:%M"), sched.timezone()),
                None => t!(
                    &lang,
                    "settings-time-bot",
                    cron = data.config.schedule.cron_text.clone(),
                    zone = sched.timezone().to_string()
                ),
            };
            let mut next = match (&view.next, s.enabled) {
                (_, false) => t!(&lang, "settings-next-paused"),
                (Some(n), true) => describe_next(n, &lang),
                (None, true) => t!(&lang, "settings-next-never"),
            };
            if s.enabled && !retrying.is_empty() {
                next = t!(&lang, "settings-next-after-retry", next = next);
            }
            let since = now.date_naive()
                - chrono::Duration::days(i64::from(data.config.schedule.catch_up_days));
            let failed = data.store.failed_days(channel_id, since).await?;
            for line in trouble_lines(&retrying, &failed, s.enabled, &lang) {
                status.push('\n');
                status.push_str(&line);
            }
            let quiet = data.fetcher.quiet(now).await?;
            if quiet.quiet {
                let last = quiet
                    .last_published
                    .map(|d| {
                        t!(
                            &lang,
                            "settings-quiet-last",
                            date = date_text(d.date, &lang)
                        )
                    })
                    .unwrap_or_default();
                status.push('\n');
                status.push_str(&t!(
                    &lang,
                    "settings-quiet",
                    days = quiet.missing_days,
                    last = last
                ));
            }
            if let Some(line) = &changed {
                status = format!("{line}\n{status}");
            }
            embed.description = status;
            let yes_no = |b: bool| t!(&lang, if b { "yes" } else { "no" });
            embed.fields = vec![
                field(&t!(&lang, "settings-field-post-time"), time, true),
                field(&t!(&lang, "settings-field-next-post"), next, true),
                field(
                    &t!(&lang, "settings-field-min-votes"),
                    s.min_votes.map(|v| v.to_string()).unwrap_or("—".into()),
                    true,
                ),
                field(
                    &t!(&lang, "settings-field-top-n"),
                    s.top_n
                        .map(|v| v.to_string())
                        .unwrap_or_else(|| t!(&lang, "settings-all")),
                    true,
                ),
                field(
                    &t!(&lang, "settings-field-layout"),
                    {
                        let mut words = layout_words(&lang, s.layout, s.index_top());
                        if let Some(note) = &s.layout_note {
                            words.push('\n');
                            words.push_str(&crate::deliver::reason_words(note, &lang));
                        }
                        words
                    },
                    false,
                ),
                field(
                    &t!(&lang, "settings-field-notify-empty"),
                    yes_no(s.notify_empty),
                    true,
                ),
                field(
                    &t!(&lang, "settings-field-auto-publish"),
                    yes_no(s.auto_publish),
                    true,
                ),
                field(
                    &t!(&lang, "settings-field-language"),
                    match &s.language {
                        Some(l) => l.to_string(),
                        None => t!(
                            &lang,
                            "settings-language-default",
                            language = data.config.default_language().to_string()
                        ),
                    },
                    true,
                ),
                field(&t!(&lang, "settings-field-last-post"), last_post, true),
                field(
                    &t!(&lang, "weekly-settings-name"),
                    super::top::weekly_words(&lang, s, &data.config, now, true),
                    false,
                ),
            ];
            if s.channel_kind == ChannelKind::Forum {
                embed.fields.push(field(
                    &t!(&lang, "forum-mode-field"),
                    mode_words(&lang, s.forum_mode),
                    true,
                ));
            }
            embed.fields.push(field(
                &t!(&lang, "settings-field-set-up-by"),
                t!(
                    &lang,
                    "settings-set-up-by",
                    user = s.created_by.to_string(),
                    date = date_text(s.created_at.date_naive(), &lang)
                ),
                false,
            ));
        }
    }
    embed.fields.extend([
        field(
            &t!(&lang, "settings-field-keywords"),
            list(KeywordKind::Include),
            false,
        ),
        field(
            &t!(&lang, "settings-field-excluded"),
            list(KeywordKind::Exclude),
            false,
        ),
    ]);
    // Through the same limit checks as every embed paperboy sends (`pack` fits each one).
    send_messages(ctx, &pack(vec![embed]), true).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use poise::serenity_prelude::Permissions as P;

    fn en() -> Language {
        Language::english()
    }

    fn retrying(attempts: u32, error: &str) -> RetryingDay {
        RetryingDay {
            date: "2024-04-02".parse().unwrap(),
            since: chrono::DateTime::from_timestamp(1_712_048_400, 0).unwrap(),
            attempts,
            last_error: error.into(),
        }
    }

    #[test]
    fn all_well_says_nothing() {
        assert!(trouble_lines(&[], &[], true, &en()).is_empty());
    }

    #[test]
    fn a_day_being_retried_says_since_when_how_many_attempts_and_why() {
        let lines = trouble_lines(
            &[retrying(3, "HTTP 502, code -1: Bad Gateway")],
            &[],
            true,
            &en(),
        );
        assert_eq!(
            lines,
            vec![format!(
                "🔁 Retrying the post of 2024-04-02 (first tried <t:1712048400:R>): 3 of \
                 {MAX_DELIVERY_ATTEMPTS} attempts failed, the last with: HTTP 502, code -1: Bad \
                 Gateway. paperboy keeps trying, and gives up after {MAX_DELIVERY_ATTEMPTS}."
            )]
        );
        // Paused: nothing is tried until the channel is resumed.
        let paused = trouble_lines(&[retrying(1, "timeout")], &[], false, &en());
        assert!(
            paused[0].ends_with("it is tried again after `/papers resume`."),
            "{paused:?}"
        );
    }

    #[test]
    fn given_up_days_say_why_and_how_to_retry_with_the_error_neutralised() {
        let day = |d: &str| d.parse::<NaiveDate>().unwrap();
        let lines = trouble_lines(
            &[],
            &[
                (
                    day("2024-04-01"),
                    Some("400 Invalid Form Body: [x](https://e.test)\n@everyone".into()),
                ),
                (day("2024-04-02"), None),
            ],
            true,
            &en(),
        );
        assert_eq!(lines.len(), 1, "{lines:?}");
        let text = &lines[0];
        assert!(
            text.starts_with("❌ Failed: 2024-04-01: 400 Invalid Form Body: \\[x\\]"),
            "{text}"
        );
        assert!(text.contains("; 2024-04-02: no reason recorded"), "{text}");
        assert!(
            text.ends_with("gave up on them: run `/papers retry` to try again."),
            "{text}"
        );
        assert!(
            !text.contains("@everyone") && !text.contains("](https"),
            "{text}"
        );
    }

    #[test]
    fn missing_permissions_are_named_per_channel_kind() {
        let text = P::VIEW_CHANNEL | P::SEND_MESSAGES | P::EMBED_LINKS | P::READ_MESSAGE_HISTORY;
        assert!(missing_permissions(ChannelKind::Text, text).is_empty());
        assert_eq!(
            missing_permissions(ChannelKind::Text, P::VIEW_CHANNEL | P::SEND_MESSAGES),
            vec!["perm-embed-links", "perm-read-message-history"]
        );
        // A forum needs posts, not plain messages.
        assert_eq!(
            missing_permissions(ChannelKind::Forum, text),
            vec!["perm-create-posts", "perm-send-messages-in-posts"]
        );
        assert!(missing_permissions(ChannelKind::Forum, P::ADMINISTRATOR).is_empty());
        assert_eq!(
            missing_permissions(ChannelKind::Thread, text),
            vec!["perm-send-messages-in-threads"]
        );
    }
}
