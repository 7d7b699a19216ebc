//! Reading commands: a day's papers, search over the archive, and this channel's preview.
//! They need no permission.

use chrono::NaiveDate;
use poise::serenity_prelude as serenity;
use poise::CreateReply;

use super::{
    no_mentions, parse_user_date, sanitize_inline, send_messages, today_for, user_error, Context,
    Error,
};
use crate::channel::filter_for;
use crate::digest::{Digest, DigestError};
use crate::fetch::FetchError;
use crate::filter::Filter;
use crate::render::{empty_notice, render_digest, EmptyReason};

/// Today's papers, filtered by this channel's keywords when it is subscribed.
#[poise::command(slash_command)]
pub async fn today(
    ctx: Context<'_>,
    #[description = "Show every paper, ignoring this channel's keywords"] all: Option<bool>,
) -> Result<(), Error> {
    let date = today_for(ctx).await?;
    show_day(ctx, date, all.unwrap_or(false), false).await
}

/// The papers of a given day, filtered by this channel's keywords when it is subscribed.
#[poise::command(slash_command)]
pub async fn date(
    ctx: Context<'_>,
    #[description = "The day, as YYYY-MM-DD (or 'yesterday')"] day: String,
    #[description = "Show every paper, ignoring this channel's keywords"] all: Option<bool>,
) -> Result<(), Error> {
    let today = today_for(ctx).await?;
    let date = parse_user_date(&day, today)?;
    show_day(ctx, date, all.unwrap_or(false), false).await
}

/// What this channel's daily post would contain today, shown only to you.
#[poise::command(slash_command)]
pub async fn preview(ctx: Context<'_>) -> Result<(), Error> {
    let data = ctx.data();
    let sub = data.store.subscription(ctx.channel_id().get()).await?;
    // The day the daily post would use now (the schedule's digest offset included).
    let schedule = crate::channel::schedule_for(sub.as_ref(), &data.config.schedule);
    let date = schedule.digest_date(data.clock.now());
    show_day(ctx, date, false, true).await
}

/// Loads a day's digest, deferring first when it has to be downloaded so that Discord's
/// 3-second deadline is never missed.
async fn load_day(ctx: Context<'_>, date: NaiveDate, ephemeral: bool) -> Result<Digest, Error> {
    let data = ctx.data();
    if let Some(d) = data.fetcher.archived(date).await? {
        return Ok(d);
    }
    super::defer(ctx, ephemeral).await?;
    match data.fetcher.digest(date).await {
        Ok(d) => Ok(d),
        Err(FetchError::Digest(DigestError::NotPublished(_))) => Err(user_error(format!(
            "There is no Daily Papers digest for {date} (yet). Digests appear on weekdays, usually during the day."
        ))),
        Err(FetchError::Digest(e @ (DigestError::Network(_) | DigestError::Io { .. }))) => {
            tracing::warn!(%date, error = %e, "digest fetch failed for a command");
            Err(user_error(format!(
                "I couldn't fetch the digest for {date} right now. Please try again in a few minutes."
            )))
        }
        Err(FetchError::Digest(e @ (DigestError::Malformed(_) | DigestError::TooLarge { .. }))) => {
            tracing::error!(%date, error = %e, "digest unreadable");
            Err(user_error(format!(
                "The digest for {date} could not be read; the operator has been told."
            )))
        }
        Err(e) => Err(e.into()),
    }
}

async fn show_day(
    ctx: Context<'_>,
    date: NaiveDate,
    all: bool,
    ephemeral: bool,
) -> Result<(), Error> {
    let data = ctx.data();
    let channel = ctx.channel_id().get();
    let sub = data.store.subscription(channel).await?;
    let keywords = data.store.keywords(channel).await?;
    let digest = load_day(ctx, date, ephemeral).await?;

    // `/papers today` and `date` filter only in subscribed channels (keywords outlive a
    // subscription); the preview always shows what the filters would let through.
    let filter = if all || (sub.is_none() && !ephemeral) {
        Filter::default()
    } else {
        filter_for(sub.as_ref(), &keywords)
    };
    let compiled = filter.compile();
    let selected = compiled.apply(&digest.papers);
    if selected.is_empty() {
        let reason = if digest.papers.is_empty() {
            EmptyReason::NoPapers
        } else {
            EmptyReason::NothingMatched
        };
        let mut notice = empty_notice(date, reason);
        if !digest.papers.is_empty() {
            let hint = format!(
                "\n{} papers are in the digest; add `all:True` to see them.",
                digest.papers.len()
            );
            notice.content = Some(notice.content.unwrap_or_default() + &hint);
        }
        return super::say_ephemeral(ctx, notice.content.unwrap_or_default()).await;
    }
    let messages = render_digest(
        &crate::render::RenderContext {
            date,
            total_in_digest: digest.papers.len(),
            filtered: !filter.is_empty(),
        },
        &selected,
    );
    if messages.len() > MAX_REPLY_MESSAGES {
        let shown: usize = messages[..MAX_REPLY_MESSAGES]
            .iter()
            .map(|m| m.embeds.len())
            .sum();
        let mut kept = messages[..MAX_REPLY_MESSAGES].to_vec();
        kept.push(crate::render::MessageSpec {
            content: Some(format!(
                "…and {} more papers. Narrow it down with `/papers keywords add` or `/papers search`.",
                selected.len() - shown
            )),
            embeds: Vec::new(),
        });
        return send_messages(ctx, &kept, ephemeral).await;
    }
    send_messages(ctx, &messages, ephemeral).await
}

/// A command answer is a conversation, not a feed: a huge day is cut off after this many
/// messages (100 papers) with a pointer to the filters.
const MAX_REPLY_MESSAGES: usize = 10;

/// Search the archived digests' titles and summaries.
#[poise::command(slash_command)]
pub async fn search(
    ctx: Context<'_>,
    #[description = "Words to look for (English or Korean)"] query: String,
    #[description = "Only the last N days"]
    #[min = 1]
    #[max = 3650]
    days: Option<u32>,
) -> Result<(), Error> {
    let q = query.trim();
    let chars = q.chars().count();
    if chars < 2 {
        return Err(user_error("Give me at least 2 characters to search for."));
    }
    if chars > 200 {
        return Err(user_error(
            "That query is too long: keep it under 200 characters.",
        ));
    }
    let data = ctx.data();
    let since = match days {
        Some(n) => Some(today_for(ctx).await? - chrono::Duration::days(i64::from(n))),
        None => None,
    };
    let hits = data.store.search(q, since, 10).await?;
    if hits.is_empty() {
        return Err(user_error(format!(
            "No archived paper matches `{}`{}.",
            sanitize_inline(q),
            days.map(|n| format!(" in the last {n} days"))
                .unwrap_or_default()
        )));
    }
    let mut lines = Vec::new();
    for h in &hits {
        let title = crate::render::truncate_chars(&h.paper.title, 200);
        let link = match &h.paper.url {
            Some(u) => format!("**[{title}]({u})**"),
            None => format!("**{title}**"),
        };
        let votes = h
            .paper
            .votes
            .map(|v| format!(" · 👍 {v}"))
            .unwrap_or_default();
        lines.push(format!("{link}\n{}{votes}", h.date));
    }
    let embed = serenity::CreateEmbed::new()
        .title(crate::render::truncate_chars(
            &format!("Search: {}", sanitize_inline(q)),
            256,
        ))
        .description(crate::render::truncate_chars(&lines.join("\n\n"), 4096))
        .footer(serenity::CreateEmbedFooter::new(format!(
            "{} result(s) from the digests paperboy has archived",
            hits.len()
        )));
    ctx.send(
        CreateReply::default()
            .embed(embed)
            .allowed_mentions(no_mentions()),
    )
    .await?;
    Ok(())
}
