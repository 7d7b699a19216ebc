//! Reading commands: a day's papers, search over the archive, and this channel's preview.
//! They need no permission.

use chrono::NaiveDate;

use super::{
    discord_time, parse_user_date, sanitize_inline, say_ephemeral, send_messages, today_for,
    user_error, Context, Error,
};
use crate::channel::filter_for;
use crate::digest::DigestError;
use crate::fetch::FetchError;
use crate::filter::Filter;
use crate::render::{day_messages_with, pack, reply, DayContent, EmbedSpec, Reader, Reply};
use crate::store::{Archived, Subscription};
use crate::target::Target;

/// Today's papers, filtered by this channel's keywords when it is subscribed.
#[poise::command(slash_command)]
pub async fn today(
    ctx: Context<'_>,
    #[description = "Show every paper, ignoring this channel's keywords"] all: Option<bool>,
) -> Result<(), Error> {
    let date = today_for(ctx).await?;
    let all = all.unwrap_or(false);
    match load_day(ctx, date, false).await {
        Ok(day) => {
            // A day still growing: say where the newest complete digest is.
            let note = if day.final_ {
                None
            } else {
                newest_complete_before(ctx, date)
                    .await?
                    .map(|d| format!("The newest complete digest is {d} (`/papers date day:{d}`)."))
            };
            show_day(ctx, &day, all, false, note).await
        }
        Err(e) if e.downcast_ref::<NotOutYet>().is_some() => {
            match newest_complete_before(ctx, date).await? {
                Some(newest) => {
                    let day = load_day(ctx, newest, false).await?;
                    let note = format!("Today's digest ({date}) is not out yet; here is the newest, {newest}.");
                    show_day(ctx, &day, all, false, Some(note)).await
                }
                None => Err(user_error(format!(
                    "There is no Daily Papers digest for {date} yet. Digests appear on weekdays, at the end of the day in UTC."
                ))),
            }
        }
        Err(e) => Err(e),
    }
}

/// The papers of a given day, filtered by this channel's keywords when it is subscribed.
#[poise::command(slash_command)]
pub async fn date(
    ctx: Context<'_>,
    #[description = "The day, as YYYY-MM-DD (or 'yesterday')"]
    #[max_length = 40]
    day: String,
    #[description = "Show every paper, ignoring this channel's keywords"] all: Option<bool>,
) -> Result<(), Error> {
    let today = today_for(ctx).await?;
    let date = parse_user_date(&day, today)?;
    let first = ctx.data().config.source.first_date;
    if date < first {
        return Err(user_error(format!(
            "The Daily Papers start on {first}: pick a day from then on."
        )));
    }
    let day = match load_day(ctx, date, false).await {
        Err(e) if e.downcast_ref::<NotOutYet>().is_some() => {
            return Err(user_error(format!(
                "There is no Daily Papers digest for {date}{}. Digests appear on weekdays, at the end of the day in UTC.",
                if date >= today { " yet" } else { "" }
            )))
        }
        other => other?,
    };
    show_day(ctx, &day, all.unwrap_or(false), false, None).await
}

/// What this channel's next daily post will carry, shown only to you.
#[poise::command(slash_command)]
pub async fn preview(ctx: Context<'_>) -> Result<(), Error> {
    let data = ctx.data();
    let now = data.clock.now();
    let sub = data.store.subscription(ctx.channel_id().get()).await?;
    let subscribed = sub.is_some();
    // An unsubscribed channel sees what subscribing with the defaults would bring.
    let sub = sub.unwrap_or_else(|| Subscription::with_defaults(ctx.channel_id().get(), now));
    let next = crate::outlook::outlook(&data.store, &data.config, &Target::Channel(sub), now)
        .await?
        .next;
    let Some(next) = next else {
        return Err(user_error(if subscribed {
            "This channel's daily post is paused (or its schedule never fires): there is nothing to preview."
        } else {
            "This channel is not subscribed, and the bot's schedule never fires: there is nothing to preview."
        }));
    };
    let when = discord_time(next.at);
    // The next digest may be out already without paperboy having fetched it.
    match load_day(ctx, next.date, true).await {
        Ok(day) if day.final_ => {
            let note = format!("Preview: {}.", next_post_words(subscribed, &when, None));
            return show_day(ctx, &day, false, true, Some(note)).await;
        }
        Ok(_) => {}
        Err(e) if e.downcast_ref::<NotOutYet>().is_some() => {}
        Err(e) => return Err(e),
    }
    let waiting = next_post_words(subscribed, &when, Some(next.date));
    match newest_complete_before(ctx, next.date).await? {
        Some(newest) => {
            let day = load_day(ctx, newest, true).await?;
            let note =
                format!("{waiting}; meanwhile, this is {newest}'s with this channel's filters.");
            show_day(ctx, &day, false, true, Some(note)).await
        }
        None => {
            say_ephemeral(
                ctx,
                format!("{waiting}. There is no digest to preview yet."),
            )
            .await
        }
    }
}

/// What `/papers preview` says the shown digest is: the next post here (`pending` is the date
/// of a digest not out yet), or, in a channel that is not subscribed, what its next post would
/// carry if it were, with the default settings, and how to subscribe: an unsubscribed channel
/// gets no post, and must not be told it does.
fn next_post_words(subscribed: bool, when: &str, pending: Option<NaiveDate>) -> String {
    match (subscribed, pending) {
        (true, None) => format!("the next post here, {when}, carries this digest"),
        (true, Some(d)) => {
            format!("The next post here, {when}, will carry the digest of {d} once it is out")
        }
        (false, None) => format!(
            "this channel is **not subscribed**, so it gets no daily post. If it were (with the \
             default settings: `/papers subscribe`, Manage Channels), its next post, {when}, \
             would carry this digest"
        ),
        (false, Some(d)) => format!(
            "This channel is **not subscribed**, so it gets no daily post. If it were (with the \
             default settings: `/papers subscribe`, Manage Channels), its next post, {when}, \
             would carry the digest of {d} once it is out"
        ),
    }
}

/// The source has no digest for the day (yet).
#[derive(Debug, thiserror::Error)]
#[error("no digest for {0}")]
struct NotOutYet(NaiveDate);

/// The newest complete digest dated before `date` in the archive, within a week.
async fn newest_complete_before(
    ctx: Context<'_>,
    date: NaiveDate,
) -> Result<Option<NaiveDate>, Error> {
    let data = ctx.data();
    let since = date - chrono::Duration::days(7);
    let newest = data.store.newest_final_since(since).await?;
    Ok(newest.filter(|d| *d < date))
}

/// Loads a day's digest, deferring first when it has to be downloaded so that Discord's
/// 3-second deadline is never missed.
async fn load_day(ctx: Context<'_>, date: NaiveDate, ephemeral: bool) -> Result<Archived, Error> {
    let data = ctx.data();
    if let Some(a) = data.fetcher.archived(date).await?.filter(|a| a.final_) {
        return Ok(a);
    }
    super::defer(ctx, ephemeral).await?;
    match data
        .fetcher
        .for_member(date, data.clock.now(), ctx.author().id.get())
        .await
    {
        Ok(d) => Ok(d),
        Err(FetchError::Digest(DigestError::NotPublished(_))) => Err(NotOutYet(date).into()),
        Err(FetchError::Busy { retry_in }) => Err(user_error(format!(
            "You're asking for new days quickly: try again in {} s (days paperboy already has answer at once).",
            retry_in.num_seconds().max(1)
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

/// Shows a day in this channel: the same [`day_messages_with`] as the daily post (with this
/// channel's filter, or none), cut to what a reply may hold by [`reply`].
async fn show_day(
    ctx: Context<'_>,
    day: &Archived,
    all: bool,
    ephemeral: bool,
    note: Option<String>,
) -> Result<(), Error> {
    let data = ctx.data();
    let channel = ctx.channel_id().get();
    let sub = data.store.subscription(channel).await?;
    let keywords = data.store.keywords(channel).await?;

    // `/papers today` and `date` filter only in subscribed channels (keywords outlive a
    // subscription); the preview always shows what the filters would let through.
    let filter = if all || (sub.is_none() && !ephemeral) {
        Filter::default()
    } else {
        filter_for(sub.as_ref(), &keywords)
    };
    let content = if day.final_ {
        DayContent::Digest(&day.digest, Some(day.fetched_at))
    } else {
        DayContent::Growing(&day.digest, day.fetched_at)
    };
    // With summaries on, the bullets stored in this channel's language (none are written for
    // a reply).
    let overlay = match &data.config.summaries {
        Some(cfg) => {
            let language = match &sub {
                Some(sub) => crate::summaries::overlay::language_of(
                    &crate::target::Target::Channel(sub.clone()),
                    &cfg.language,
                ),
                None => cfg.language.clone(),
            };
            Some(
                crate::summaries::overlay::stored_overlay(&data.store, &day.digest, &language)
                    .await?,
            )
        }
        None => None,
    };
    let shown = day_messages_with(
        day.digest.date,
        content,
        Reader::Channel {
            filter: &filter,
            notify_empty: true,
        },
        overlay.as_ref(),
    );
    match reply(shown, note.as_deref()) {
        Reply::Notice(text) => say_ephemeral(ctx, text).await,
        Reply::Messages(messages) => send_messages(ctx, &messages, ephemeral).await,
    }
}

/// The longest look back `/papers search` takes (ten years).
const MAX_SEARCH_DAYS: u32 = 3650;

/// Room for one search hit's link line (arXiv · PDF · Hugging Face, and more when short).
const SEARCH_LINKS_CHARS: usize = 160;

/// Search the archived digests' titles and summaries.
#[poise::command(slash_command)]

pub async fn search(
    ctx: Context<'_>,
    #[description = "Words to look for (English or Korean)"]
    #[max_length = 200]
    query: String,
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
    // Discord enforces the option's range, but a handler never trusts its input.
    let since = match days {
        Some(n @ 1..=MAX_SEARCH_DAYS) => {
            Some(today_for(ctx).await? - chrono::Duration::days(i64::from(n)))
        }
        Some(_) => {
            return Err(user_error(format!(
                "`days` must be between 1 and {MAX_SEARCH_DAYS}."
            )))
        }
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
    let mut lines: Vec<(String, String)> = Vec::new();
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
        // The same links as the paper's embed.
        let links = crate::render::link_line(&h.paper, SEARCH_LINKS_CHARS);
        lines.push((format!("{link}\n{}{votes}", h.date), links));
    }
    let description = search_description(lines);
    // Title and description are cut to their limits by `pack`, like every embed.
    let embed = EmbedSpec {
        title: format!("Search: {}", sanitize_inline(q)),
        url: None,
        description,
        thumbnail: None,
        fields: Vec::new(),
        footer: format!(
            "{} result(s) from the digests paperboy has archived",
            hits.len()
        ),
        color: None,
    };
    send_messages(ctx, &pack(vec![embed]), false).await
}

/// The hits, each with its link line, within a description's limit: link lines are left out
/// from the last hit up rather than let the description be cut inside a masked link.
fn search_description(mut hits: Vec<(String, String)>) -> String {
    let render = |hits: &[(String, String)]| {
        hits.iter()
            .map(|(hit, links)| {
                if links.is_empty() {
                    hit.clone()
                } else {
                    format!("{hit}\n{links}")
                }
            })
            .collect::<Vec<_>>()
            .join("\n\n")
    };
    let mut text = render(&hits);
    let mut i = hits.len();
    while text.chars().count() > crate::render::MAX_DESCRIPTION_CHARS && i > 0 {
        i -= 1;
        hits[i].1.clear();
        text = render(&hits);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_hits_keep_their_links_unless_the_description_is_full() {
        let hit = |n: usize| {
            (
                format!("**{}**\n2024-04-02", "t".repeat(n)),
                "[arXiv](https://arxiv.org/abs/2404.00399)".to_string(),
            )
        };
        let short = search_description(vec![hit(10), hit(10)]);
        assert_eq!(short.matches("[arXiv]").count(), 2);
        let long = search_description((0..10).map(|_| hit(370)).collect());
        assert!(long.chars().count() <= crate::render::MAX_DESCRIPTION_CHARS);
        let kept = long.matches("[arXiv]").count();
        assert!(kept > 0 && kept < 10, "{kept}");
        // The ones left are whole links of the first hits.
        assert_eq!(
            long.matches("](https://arxiv.org/abs/2404.00399)").count(),
            kept
        );
    }

    #[test]
    fn a_subscribed_channels_preview_names_its_next_post() {
        assert_eq!(
            next_post_words(true, "<t:1:F>", None),
            "the next post here, <t:1:F>, carries this digest"
        );
        let day = "2024-04-03".parse().unwrap();
        assert_eq!(
            next_post_words(true, "<t:1:F>", Some(day)),
            "The next post here, <t:1:F>, will carry the digest of 2024-04-03 once it is out"
        );
    }

    #[test]
    fn an_unsubscribed_channel_is_told_it_is_not_and_what_it_would_get() {
        let day = "2024-04-03".parse().unwrap();
        for text in [
            next_post_words(false, "<t:1:F>", None),
            next_post_words(false, "<t:1:F>", Some(day)),
        ] {
            assert!(text.contains("not subscribed"), "{text}");
            assert!(text.contains("`/papers subscribe`"), "{text}");
            assert!(text.contains("would carry"), "{text}");
            assert!(!text.contains("post here"), "{text}");
        }
    }
}
