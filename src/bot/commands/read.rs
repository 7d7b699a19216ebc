//! Reading commands: a day's papers, search over the archive, and this channel's preview.
//! They need no permission.

use chrono::NaiveDate;

use crate::bot::commands::context::{
    discord_time, lang, parse_user_date, sanitize_inline, say_ephemeral, send_messages, today_for,
    user_error, Context, Error,
};
use crate::deliver::settings::filter_for;
use crate::deliver::target::Target;
use crate::language::Language;
use crate::render::{date_text, day_messages_with, reply, DayContent, Reader, Reply};
use crate::select::filter::Filter;
use crate::source::digest::DigestError;
use crate::source::fetch::FetchError;
use crate::store::{Archived, Subscription};
use crate::t;

/// Today's papers, filtered by this channel's keywords when it is subscribed.
#[poise::command(slash_command)]
pub async fn today(
    ctx: Context<'_>,
    #[description = "Show every paper, ignoring this channel's keywords"] all: Option<bool>,
) -> Result<(), Error> {
    let lang = lang(ctx);
    let date = today_for(ctx).await?;
    let all = all.unwrap_or(false);
    match load_day(ctx, date, false).await {
        Ok(day) => {
            // A day still growing: say where the newest complete digest is.
            let note = if day.final_ {
                None
            } else {
                newest_complete_before(ctx, date).await?.map(|d| {
                    t!(
                        &lang,
                        "papers-newest-complete",
                        date = date_text(d, &lang),
                        iso = d.to_string()
                    )
                })
            };
            show_day(ctx, &day, all, false, note).await
        }
        Err(e) if e.downcast_ref::<NotOutYet>().is_some() => {
            match newest_complete_before(ctx, date).await? {
                Some(newest) => {
                    let day = load_day(ctx, newest, false).await?;
                    let note = t!(
                        &lang,
                        "papers-today-not-out",
                        date = date_text(date, &lang),
                        newest = date_text(newest, &lang)
                    );
                    show_day(ctx, &day, all, false, Some(note)).await
                }
                None => Err(user_error(t!(
                    &lang,
                    "papers-no-digest-yet",
                    date = date_text(date, &lang)
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
    let lang = lang(ctx);
    let today = today_for(ctx).await?;
    let date = parse_user_date(&day, today, &lang)?;
    let first = ctx.data().config.source.first_date;
    if date < first {
        return Err(user_error(t!(
            &lang,
            "papers-before-first",
            first = date_text(first, &lang)
        )));
    }
    let day = match load_day(ctx, date, false).await {
        Err(e) if e.downcast_ref::<NotOutYet>().is_some() => {
            let key = if date >= today {
                "papers-no-digest-yet"
            } else {
                "papers-no-digest"
            };
            return Err(user_error(t!(&lang, key, date = date_text(date, &lang))));
        }
        other => other?,
    };
    show_day(ctx, &day, all.unwrap_or(false), false, None).await
}

/// What this channel's next daily post will carry, shown only to you.
#[poise::command(slash_command)]
pub async fn preview(ctx: Context<'_>) -> Result<(), Error> {
    let lang = lang(ctx);
    let data = ctx.data();
    let now = data.clock.now();
    let sub = data.store.subscription(ctx.channel_id().get()).await?;
    let subscribed = sub.is_some();
    // An unsubscribed channel sees what subscribing with the defaults would bring.
    let sub = sub.unwrap_or_else(|| Subscription::with_defaults(ctx.channel_id().get(), now));
    let next =
        crate::deliver::outlook::outlook(&data.store, &data.config, &Target::Channel(sub), now)
            .await?
            .next;
    let Some(next) = next else {
        return Err(user_error(if subscribed {
            t!(&lang, "preview-paused")
        } else {
            t!(&lang, "preview-never")
        }));
    };
    let when = discord_time(next.at);
    // The next digest may be out already without paperboy having fetched it.
    match load_day(ctx, next.date, true).await {
        Ok(day) if day.final_ => {
            let note = t!(
                &lang,
                "preview-note",
                words = next_post_words(subscribed, &when, None, &lang)
            );
            return show_day(ctx, &day, false, true, Some(note)).await;
        }
        Ok(_) => {}
        Err(e) if e.downcast_ref::<NotOutYet>().is_some() => {}
        Err(e) => return Err(e),
    }
    let waiting = next_post_words(subscribed, &when, Some(next.date), &lang);
    match newest_complete_before(ctx, next.date).await? {
        Some(newest) => {
            let day = load_day(ctx, newest, true).await?;
            let note = t!(
                &lang,
                "preview-meanwhile",
                waiting = waiting,
                newest = date_text(newest, &lang)
            );
            show_day(ctx, &day, false, true, Some(note)).await
        }
        None => say_ephemeral(ctx, t!(&lang, "preview-nothing-yet", waiting = waiting)).await,
    }
}

/// What `/papers preview` says the shown digest is: the next post here (`pending` is the date
/// of a digest not out yet), or, in a channel that is not subscribed, what its next post would
/// carry if it were, with the default settings, and how to subscribe: an unsubscribed channel
/// gets no post, and must not be told it does.
fn next_post_words(
    subscribed: bool,
    when: &str,
    pending: Option<NaiveDate>,
    lang: &Language,
) -> String {
    let key = match (subscribed, pending.is_some()) {
        (true, false) => "preview-next-carries",
        (true, true) => "preview-next-will-carry",
        (false, false) => "preview-unsubscribed-carries",
        (false, true) => "preview-unsubscribed-will-carry",
    };
    let date = pending.map(|d| date_text(d, lang)).unwrap_or_default();
    t!(lang, key, when = when.to_string(), date = date)
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
    crate::bot::commands::context::defer(ctx, ephemeral).await?;
    let lang = lang(ctx);
    let day = date_text(date, &lang);
    match data
        .fetcher
        .for_member(date, data.clock.now(), ctx.author().id.get())
        .await
    {
        Ok(d) => Ok(d),
        Err(FetchError::Digest(DigestError::NotPublished(_))) => Err(NotOutYet(date).into()),
        Err(FetchError::Busy { retry_in }) => Err(user_error(t!(
            &lang,
            "papers-fetch-busy",
            seconds = retry_in.num_seconds().max(1)
        ))),
        Err(FetchError::Digest(e @ (DigestError::Network(_) | DigestError::Io { .. }))) => {
            tracing::warn!(%date, error = %e, "digest fetch failed for a command");
            Err(user_error(t!(&lang, "papers-fetch-failed", date = day)))
        }
        Err(FetchError::Digest(e @ (DigestError::Malformed(_) | DigestError::TooLarge { .. }))) => {
            tracing::error!(%date, error = %e, "digest unreadable");
            Err(user_error(t!(&lang, "papers-fetch-unreadable", date = day)))
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
    let lang = lang(ctx);
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
                Some(sub) => {
                    crate::summaries::overlay::language_of(sub.language.as_ref(), &cfg.language)
                }
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
            // The index first, the cards in the next messages (a reply has no thread).
            shape: crate::render::Shape::Glance {
                top: sub
                    .as_ref()
                    .map_or(crate::store::DEFAULT_INDEX_TOP, |s| s.index_top())
                    as usize,
                thread: false,
            },
        },
        overlay.as_ref(),
        &lang,
    );
    match reply(shown, note.as_deref(), &lang) {
        Reply::Notice(text) => say_ephemeral(ctx, text).await,
        Reply::Messages(messages) => send_messages(ctx, &messages, ephemeral).await,
    }
}

/// The longest look back `/papers search` takes (ten years).
const MAX_SEARCH_DAYS: u32 = 3650;

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
    let lang = lang(ctx);
    let q = query.trim();
    let chars = q.chars().count();
    if chars < 2 {
        return Err(user_error(t!(&lang, "search-too-short")));
    }
    if chars > 200 {
        return Err(user_error(t!(&lang, "search-too-long")));
    }
    let data = ctx.data();
    // Discord enforces the option's range, but a handler never trusts its input.
    let since = match days {
        Some(n @ 1..=MAX_SEARCH_DAYS) => {
            Some(today_for(ctx).await? - chrono::Duration::days(i64::from(n)))
        }
        Some(_) => {
            return Err(user_error(t!(
                &lang,
                "search-days-range",
                max = MAX_SEARCH_DAYS
            )))
        }
        None => None,
    };
    let hits = data.store.search(q, since, 10).await?;
    if hits.is_empty() {
        let query = sanitize_inline(q);
        return Err(user_error(match days {
            Some(n) => t!(&lang, "search-no-match-days", query = query, days = n),
            None => t!(&lang, "search-no-match", query = query),
        }));
    }
    // The hits as a ranking is shown: their index (each with its day), then their cards.
    let ranked: Vec<crate::select::ranking::Ranked<'_>> = hits
        .iter()
        .map(|h| crate::select::ranking::Ranked {
            date: h.date,
            paper: &h.paper,
            matched: Vec::new(),
        })
        .collect();
    let header = format!(
        "🔎 **{}** · {}",
        t!(&lang, "search-title", query = sanitize_inline(q)),
        t!(&lang, "search-footer", count = hits.len())
    );
    let messages = crate::render::top_messages(&header, &ranked, None, &lang, None);
    send_messages(ctx, &messages, false).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn en() -> Language {
        Language::english()
    }

    #[test]
    fn a_subscribed_channels_preview_names_its_next_post() {
        assert_eq!(
            next_post_words(true, "<t:1:F>", None, &en()),
            "the next post here, <t:1:F>, carries this digest"
        );
        let day = "2024-04-03".parse().unwrap();
        assert_eq!(
            next_post_words(true, "<t:1:F>", Some(day), &en()),
            "The next post here, <t:1:F>, will carry the digest of 2024-04-03 once it is out"
        );
    }

    #[test]
    fn an_unsubscribed_channel_is_told_it_is_not_and_what_it_would_get() {
        let day = "2024-04-03".parse().unwrap();
        for text in [
            next_post_words(false, "<t:1:F>", None, &en()),
            next_post_words(false, "<t:1:F>", Some(day), &en()),
        ] {
            assert!(text.contains("not subscribed"), "{text}");
            assert!(text.contains("`/papers subscribe`"), "{text}");
            assert!(text.contains("would carry"), "{text}");
            assert!(!text.contains("post here"), "{text}");
        }
    }
}
