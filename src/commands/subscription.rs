//! A channel's subscription: subscribe / unsubscribe / pause / resume (Manage Channels
//! required) and settings (anyone).

use chrono::{NaiveDate, NaiveTime};
use chrono_tz::Tz;
use poise::serenity_prelude as serenity;

use super::forum_mode::{forum_mode_for, mode_line, mode_words, not_a_forum, ForumModeChoice};
use super::{
    discord_time, require_manage_channels, sanitize_inline, say_ephemeral, send_messages,
    user_error, Context, Error,
};
use crate::carry::NextPost;
use crate::channel::schedule_for;
use crate::config::parse_timezone;
use crate::deliver::MAX_DELIVERY_ATTEMPTS;
use crate::language::Language;
use crate::outlook::outlook;
use crate::render::{outside_text, pack, truncate_chars, EmbedSpec, FieldSpec};
use crate::store::{KeywordKind, NewSubscription, RetryingDay, Subscription};
use crate::target::{ChannelKind, Target};

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

/// Parses `HH:MM` (24-hour).
pub fn parse_time(text: &str) -> Result<NaiveTime, Error> {
    NaiveTime::parse_from_str(text.trim(), "%H:%M").map_err(|_| {
        user_error(format!(
            "`{}` is not a time I can read. Use 24-hour HH:MM, for example `09:00` or `18:30`.",
            sanitize_inline(text)
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

/// What the bot itself needs in a channel of this kind to post there: named as Discord's
/// channel settings name them.
pub fn required_permissions(kind: ChannelKind) -> Vec<(serenity::Permissions, &'static str)> {
    use serenity::Permissions as P;
    let mut need = vec![
        (P::VIEW_CHANNEL, "View Channel"),
        (P::EMBED_LINKS, "Embed Links"),
        // To find a message it may have sent before a crash instead of posting it twice.
        (P::READ_MESSAGE_HISTORY, "Read Message History"),
    ];
    match kind {
        ChannelKind::Forum => need.extend([
            (P::CREATE_PUBLIC_THREADS, "Create Posts"),
            (P::SEND_MESSAGES_IN_THREADS, "Send Messages in Posts"),
        ]),
        ChannelKind::Thread => need.push((P::SEND_MESSAGES_IN_THREADS, "Send Messages in Threads")),
        ChannelKind::Text | ChannelKind::Announcement | ChannelKind::Dm => {
            need.push((P::SEND_MESSAGES, "Send Messages"))
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
    let list = missing
        .iter()
        .map(|m| format!("**{m}**"))
        .collect::<Vec<_>>()
        .join(", ");
    Err(user_error(format!(
        "I can't post here yet: in this channel I'm missing {list}. Give paperboy's role {} (channel settings → Permissions), then run `/papers subscribe` again.",
        if missing.len() == 1 { "that permission" } else { "these permissions" }
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
) -> Result<(), Error> {
    require_manage_channels(ctx).await?;
    // Discord enforces the options' ranges, but a handler never trusts its input.
    if min_votes.is_some_and(|v| v > 100_000) || top_n.is_some_and(|n| !(1..=100).contains(&n)) {
        return Err(user_error(
            "`min_votes` goes up to 100000 and `top_n` from 1 to 100.",
        ));
    }
    let data = ctx.data();
    let channel_id = ctx.channel_id().get();
    let guild_id = ctx.guild_id().map(|g| g.get()).unwrap_or_default();
    let Some(kind) = channel_kind(ctx).await?.filter(|k| k.subscribable()) else {
        return Err(user_error(
            "paperboy can only post in text, announcement and forum channels, or threads.",
        ));
    };
    check_bot_permissions(ctx, kind)?;
    let time = match time.as_deref().map(str::trim) {
        None => None,
        Some(t) if t.eq_ignore_ascii_case("default") => Some(None),
        Some(t) => Some(Some(parse_time(t)?)),
    };
    let timezone: Option<Option<Tz>> = match timezone.as_deref().map(str::trim) {
        None => None,
        Some(t) if t.eq_ignore_ascii_case("default") => Some(None),
        Some(t) => Some(Some(parse_timezone(t).map_err(|_| {
            user_error(format!(
                "`{}` is not a time zone I know. Pick one from the list, e.g. `Asia/Seoul` or `Europe/Berlin`.",
                sanitize_inline(t)
            ))
        })?)),
    };
    if auto_publish == Some(true) && kind != ChannelKind::Announcement {
        return Err(user_error(
            "`auto_publish` only works in announcement channels.",
        ));
    }
    let language: Option<Option<Language>> = match language.as_deref().map(str::trim) {
        None => None,
        Some(l) if l.eq_ignore_ascii_case("default") => Some(None),
        Some(l) => Some(Some(Language::parse(l).map_err(|_| {
            user_error(format!(
                "`{}` is not a language code. Use a code such as `ko`, `en`, `ja` or `pt-BR`, or `default` for the bot's language.",
                sanitize_inline(l)
            ))
        })?)),
    };
    let existing = data.store.subscription(channel_id).await?;
    let keep = existing.as_ref();
    let language = match (language, keep) {
        (Some(chosen), _) => chosen,
        (None, Some(s)) => s.language.clone(),
        (None, None) => guild_language(ctx),
    };
    let reader = language
        .clone()
        .unwrap_or_else(|| data.config.default_language());
    let forum_mode = forum_mode_for(kind, forum_mode, keep.map(|s| s.forum_mode))
        .map_err(|_| user_error(not_a_forum(&reader)))?;
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
        weekly: keep.and_then(|s| s.weekly),
    };
    let (sub, created) = data.store.upsert_subscription(&new).await?;
    tracing::info!(channel_id, guild_id, created, "channel subscribed");
    let head = if created {
        "✅ Subscribed! This channel will get the Daily Papers"
    } else {
        "✅ Subscription updated. This channel gets the Daily Papers"
    };
    let mut body = describe_schedule(ctx, &sub).await?;
    if kind == ChannelKind::Forum {
        body.push('\n');
        body.push_str(&mode_line(&reader, sub.forum_mode, false));
    }
    say_ephemeral(ctx, format!("{head} {body}")).await
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
/// subscription's posts (or a person's DMs) go out.
pub fn when_words(target: &Target, default: &crate::config::ScheduleConfig) -> String {
    let sched = target.schedule(default);
    match target.delivery_time() {
        Some(t) => format!("every day at {} ({})", t.format("%H:%M"), sched.timezone()),
        None => format!(
            "on the bot's schedule (`{}`, {})",
            default.cron_text,
            sched.timezone()
        ),
    }
}

async fn describe_schedule(ctx: Context<'_>, sub: &Subscription) -> Result<String, Error> {
    let data = ctx.data();
    let target = Target::Channel(sub.clone());
    let when = when_words(&target, &data.config.schedule);
    let outlook = outlook(&data.store, &data.config, &target, data.clock.now()).await?;
    let next = outlook
        .next
        .map(|n| format!("\nNext post: {}", describe_next(&n)))
        .unwrap_or_default();
    Ok(format!("{when}, with each new digest.{next}"))
}

/// "<when>, with the digest of <date>" for a predicted post.
fn describe_next(n: &NextPost) -> String {
    let what = if n.ready {
        format!("with the digest of {}", n.date)
    } else {
        format!("with the digest of {} (once it is out)", n.date)
    };
    format!("{}, {what}", discord_time(n.at))
}

/// Stop posting the Daily Papers in this channel (its keywords are kept).
#[poise::command(slash_command)]
pub async fn unsubscribe(ctx: Context<'_>) -> Result<(), Error> {
    require_manage_channels(ctx).await?;
    let channel_id = ctx.channel_id().get();
    if !ctx.data().store.remove_subscription(channel_id).await? {
        return Err(user_error("This channel is not subscribed."));
    }
    tracing::info!(channel_id, "channel unsubscribed");
    say_ephemeral(
        ctx,
        "👋 Unsubscribed: no more daily posts here. Your keywords are kept in case you subscribe again (`/papers keywords clear` removes them).",
    )
    .await
}

/// Pause this channel's daily post without losing its settings.
#[poise::command(slash_command)]
pub async fn pause(ctx: Context<'_>) -> Result<(), Error> {
    require_manage_channels(ctx).await?;
    let channel_id = ctx.channel_id().get();
    let reason = format!("paused by {}", ctx.author().name);
    if !ctx
        .data()
        .store
        .set_paused(channel_id, Some(&reason))
        .await?
    {
        return Err(user_error(
            "This channel is not subscribed. Use `/papers subscribe` first.",
        ));
    }
    say_ephemeral(
        ctx,
        "⏸️ Paused. Use `/papers resume` to start the daily post again.",
    )
    .await
}

/// Resume this channel's daily post (also after paperboy paused it because of an error).
#[poise::command(slash_command)]
pub async fn resume(ctx: Context<'_>) -> Result<(), Error> {
    require_manage_channels(ctx).await?;
    let data = ctx.data();
    let channel_id = ctx.channel_id().get();
    let Some(sub) = data.store.subscription(channel_id).await? else {
        return Err(user_error(
            "This channel is not subscribed. Use `/papers subscribe` first.",
        ));
    };
    data.store.set_paused(channel_id, None).await?;
    // Days that failed while the channel was unreachable (within the catch-up window) are
    // retried now that someone says it is fixed.
    let since = super::today_for(ctx).await?
        - chrono::Duration::days(i64::from(data.config.schedule.catch_up_days));
    let reopened = data
        .store
        .reopen_failed_deliveries(channel_id, since)
        .await?;
    let body = describe_schedule(ctx, &sub).await?;
    let retry = if reopened > 0 {
        format!("\nThe {reopened} post(s) that failed recently will be retried within a minute.")
    } else {
        String::new()
    };
    say_ephemeral(
        ctx,
        format!("▶️ Resumed: the Daily Papers are posted here {body}{retry}"),
    )
    .await
}

/// Try this channel's failed days again (the last `schedule.catch_up_days`).
#[poise::command(slash_command)]
pub async fn retry(ctx: Context<'_>) -> Result<(), Error> {
    require_manage_channels(ctx).await?;
    let data = ctx.data();
    let channel_id = ctx.channel_id().get();
    let Some(sub) = data.store.subscription(channel_id).await? else {
        return Err(user_error(
            "This channel is not subscribed. Use `/papers subscribe` first.",
        ));
    };
    let since = super::today_for(ctx).await?
        - chrono::Duration::days(i64::from(data.config.schedule.catch_up_days));
    let dates = data.store.retry_failed_days(channel_id, since).await?;
    if dates.is_empty() {
        return say_ephemeral(
            ctx,
            format!("Nothing to retry: no post failed here since {since}."),
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
        .map(|d| d.to_string())
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
    .map(|n| format!(" (next post: {})", discord_time(n.at)))
    .unwrap_or_default();
    say_ephemeral(
        ctx,
        format!("🔁 Retrying {list}: a day that was partly posted continues within a minute, the others go with the next post{next}."),
    )
    .await
}

/// A recorded source as members read it.
fn source_name(ctx: Context<'_>, recorded: Option<&str>) -> &'static str {
    match recorded.and_then(|r| ctx.data().fetcher.sources().role_of(r)) {
        Some(crate::fetch::Role::Primary) => "the primary source",
        Some(crate::fetch::Role::Fallback) => "the fallback (Hugging Face)",
        None => "an earlier source",
    }
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
) -> Vec<String> {
    let mut lines: Vec<String> = retrying
        .iter()
        .map(|r| {
            let then = if enabled {
                format!("paperboy keeps trying, and gives up after {MAX_DELIVERY_ATTEMPTS}")
            } else {
                "it is tried again after `/papers resume`".to_string()
            };
            format!(
                "🔁 Retrying the post of {} (first tried <t:{}:R>): {} of {MAX_DELIVERY_ATTEMPTS} \
                 attempts failed, the last with: {}. {then}.",
                r.date,
                r.since.timestamp(),
                r.attempts,
                outside_text(&r.last_error, 200)
            )
        })
        .collect();
    if !failed.is_empty() {
        let days: Vec<String> = failed
            .iter()
            .map(|(d, why)| {
                let why = why.as_deref().unwrap_or("no reason recorded");
                format!("{d}: {}", outside_text(why, 120))
            })
            .collect();
        lines.push(format!(
            "❌ Failed: {}\npaperboy gave up on {}: run `/papers retry` to try again.",
            truncate_chars(&days.join("; "), 800),
            if failed.len() == 1 { "it" } else { "them" }
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
) -> Result<(), Error> {
    let data = ctx.data();
    let channel_id = ctx.channel_id().get();
    let mut sub = data.store.subscription(channel_id).await?;
    let mut changed = None;
    if let Some(choice) = forum_mode {
        require_manage_channels(ctx).await?;
        let Some(s) = sub.as_ref() else {
            return Err(user_error(
                "This channel is not subscribed. Use `/papers subscribe` first.",
            ));
        };
        let reader = s
            .language
            .clone()
            .unwrap_or_else(|| data.config.default_language());
        let mode = forum_mode_for(s.channel_kind, Some(choice), Some(s.forum_mode))
            .map_err(|_| user_error(not_a_forum(&reader)))?;
        let updated = data.store.set_forum_mode(channel_id, mode).await?;
        tracing::info!(channel_id, forum_mode = mode.as_str(), "forum mode changed");
        changed = Some(mode_line(&reader, mode, true));
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
        title: "paperboy settings for this channel".to_string(),
        url: None,
        description: String::new(),
        thumbnail: None,
        fields: Vec::new(),
        footer: String::new(),
        color: None,
    };
    match &sub {
        None => {
            embed.description =
                "Not subscribed. A member with **Manage Channels** can run `/papers subscribe`."
                    .to_string();
        }
        Some(s) => {
            let mut status = if s.enabled {
                "✅ Subscribed".to_string()
            } else {
                format!(
                    "⏸️ Paused — {}\nRun `/papers resume` to re-enable.",
                    s.paused_reason.as_deref().unwrap_or("no reason recorded")
                )
            };
            let sched = schedule_for(Some(s), &data.config.schedule);
            let now = data.clock.now();
            let view = outlook(&data.store, &data.config, &Target::Channel(s.clone()), now).await?;
            let retrying = data.store.retrying_days(channel_id).await?;
            let last_post = match (&view.last_post, retrying.first()) {
                (Some(p), _) => format!(
                    "{} from {}, {}",
                    p.date,
                    source_name(ctx, p.source.as_deref()),
                    discord_time(p.at)
                ),
                (None, Some(r)) => format!("— (none yet: {} is being retried)", r.date),
                (None, None) => "— (none yet)".to_string(),
            };
            let time = match s.delivery_time {
                Some(t) => format!("{} {}", t.format("%H:%M"), sched.timezone()),
                None => format!(
                    "bot schedule `{}` ({})",
                    data.config.schedule.cron_text,
                    sched.timezone()
                ),
            };
            let mut next = match (&view.next, s.enabled) {
                (_, false) => "— (paused)".to_string(),
                (Some(n), true) => describe_next(n),
                (None, true) => "never (the schedule has no future date)".into(),
            };
            if s.enabled && !retrying.is_empty() {
                next = format!("after the day being retried; then {next}");
            }
            let since = now.date_naive()
                - chrono::Duration::days(i64::from(data.config.schedule.catch_up_days));
            let failed = data.store.failed_days(channel_id, since).await?;
            for line in trouble_lines(&retrying, &failed, s.enabled) {
                status.push('\n');
                status.push_str(&line);
            }
            let quiet = data.fetcher.quiet(now).await?;
            if quiet.quiet {
                status.push_str(&format!(
                    "\n📭 The primary digest source has published nothing for {} expected days{}: posts use the fallback until it is back.",
                    quiet.missing_days,
                    quiet
                        .last_published
                        .map(|d| format!(" (last: {})", d.date))
                        .unwrap_or_default()
                ));
            }
            if let Some(line) = &changed {
                status = format!("{line}\n{status}");
            }
            embed.description = status;
            embed.fields = vec![
                field("Post time", time, true),
                field("Next post", next, true),
                field(
                    "Minimum votes",
                    s.min_votes.map(|v| v.to_string()).unwrap_or("—".into()),
                    true,
                ),
                field(
                    "Top N",
                    s.top_n.map(|v| v.to_string()).unwrap_or("all".into()),
                    true,
                ),
                field(
                    "Notice on empty days",
                    if s.notify_empty { "yes" } else { "no" }.to_string(),
                    true,
                ),
                field(
                    "Auto-publish",
                    if s.auto_publish { "yes" } else { "no" }.to_string(),
                    true,
                ),
                field(
                    "Language",
                    match &s.language {
                        Some(l) => l.to_string(),
                        None => format!("{} (bot default)", data.config.default_language()),
                    },
                    true,
                ),
                field("Last post", last_post, true),
            ];
            if s.channel_kind == ChannelKind::Forum {
                let reader = s
                    .language
                    .clone()
                    .unwrap_or_else(|| data.config.default_language());
                embed.fields.push(field(
                    &crate::t!(&reader, "forum-mode-field"),
                    mode_words(&reader, s.forum_mode),
                    true,
                ));
            }
            embed.fields.extend([field(
                "Set up by",
                format!("<@{}> on {}", s.created_by, s.created_at.format("%Y-%m-%d")),
                false,
            )]);
        }
    }
    embed.fields.extend([
        field("Keywords (any of)", list(KeywordKind::Include), false),
        field("Excluded", list(KeywordKind::Exclude), false),
    ]);
    // Through the same limit checks as every embed paperboy sends (`pack` fits each one).
    send_messages(ctx, &pack(vec![embed]), true).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use poise::serenity_prelude::Permissions as P;

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
        assert!(trouble_lines(&[], &[], true).is_empty());
    }

    #[test]
    fn a_day_being_retried_says_since_when_how_many_attempts_and_why() {
        let lines = trouble_lines(&[retrying(3, "HTTP 502, code -1: Bad Gateway")], &[], true);
        assert_eq!(
            lines,
            vec![format!(
                "🔁 Retrying the post of 2024-04-02 (first tried <t:1712048400:R>): 3 of \
                 {MAX_DELIVERY_ATTEMPTS} attempts failed, the last with: HTTP 502, code -1: Bad \
                 Gateway. paperboy keeps trying, and gives up after {MAX_DELIVERY_ATTEMPTS}."
            )]
        );
        // Paused: nothing is tried until the channel is resumed.
        let paused = trouble_lines(&[retrying(1, "timeout")], &[], false);
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
            vec!["Embed Links", "Read Message History"]
        );
        // A forum needs posts, not plain messages.
        assert_eq!(
            missing_permissions(ChannelKind::Forum, text),
            vec!["Create Posts", "Send Messages in Posts"]
        );
        assert!(missing_permissions(ChannelKind::Forum, P::ADMINISTRATOR).is_empty());
        assert_eq!(
            missing_permissions(ChannelKind::Thread, text),
            vec!["Send Messages in Threads"]
        );
    }
}
