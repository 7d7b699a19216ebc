//! What every command works with: the shared [`Data`], the [`Context`] and [`Error`] types, a
//! person's mistake ([`UserError`]) as opposed to the operator's problem, and the small helpers
//! every command file uses (the reader's language, deferring, ephemeral answers, sending
//! rendered messages, the Manage Channels check, dates as people type them).

use std::sync::Arc;

use chrono::{NaiveDate, Utc};
use poise::serenity_prelude as serenity;
use poise::CreateReply;

use crate::clock::Clock;
use crate::config::Config;
use crate::language::Language;
use crate::render::MessageSpec;
use crate::select::terms::{TermError, MAX_TERM_CHARS};
use crate::source::fetch::Fetcher;
use crate::store::{Store, StoreError};
use crate::t;

/// What every command handler can reach.
pub struct Data {
    pub store: Store,
    pub fetcher: Arc<Fetcher>,
    pub config: Arc<Config>,
    pub clock: Arc<dyn Clock>,
    /// `/papers ask`: `None` without a model (`[summaries]`) or with `ask.enabled = false`.
    pub asker: Option<Arc<crate::ask::service::Asker>>,
}

pub type Error = anyhow::Error;
pub type Context<'a> = poise::Context<'a, Data, Error>;

/// A mistake of the person using the command. Its text is shown to them (ephemerally); anything
/// else is the operator's problem, logged in full and answered with a generic apology.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UserError(pub String);

pub fn user_error(msg: impl Into<String>) -> Error {
    UserError(msg.into()).into()
}

/// The language of the person running the command: their Discord client's (`locale`, sent on
/// every interaction; a language without a catalog reads English, see `i18n::catalog`).
pub fn lang(ctx: Context<'_>) -> Language {
    ctx.locale()
        .and_then(Language::from_discord_locale)
        .unwrap_or_else(Language::english)
}

/// Why a term cannot be used, in `lang`.
pub fn term_error_words(e: &TermError, lang: &Language) -> String {
    match e {
        TermError::MissingAuthorName => t!(lang, "term-missing-author"),
        TermError::Empty => t!(lang, "term-empty"),
        TermError::TooLong => t!(lang, "term-too-long", max = MAX_TERM_CHARS),
        TermError::NoLetterOrDigit => t!(lang, "term-no-letter"),
        TermError::UnknownHas => t!(lang, "term-unknown-has"),
        TermError::MissingOrgName => t!(lang, "term-missing-org"),
    }
}

/// A store error: the person's mistake (a limit) in `lang` as a [`UserError`], anything else
/// the operator's.
pub fn store_error(e: StoreError, lang: &Language) -> Error {
    let words = match &e {
        StoreError::TooManyKeywords { limit } => t!(lang, "store-too-many-keywords", max = *limit),
        StoreError::TooManyAlertTerms { limit } => {
            t!(lang, "store-too-many-terms", max = *limit)
        }
        StoreError::KeywordTooLong { keyword, limit } => t!(
            lang,
            "store-keyword-too-long",
            keyword = crate::render::truncate_chars(&sanitize_inline(keyword), 40),
            max = *limit
        ),
        StoreError::KeywordEmpty => t!(lang, "store-keyword-empty"),
        StoreError::NotSubscribed { .. } => t!(lang, "store-not-subscribed"),
        _ => return e.into(),
    };
    user_error(words)
}

/// The value a person chose in a select menu (a menu offers one choice at a time); empty for
/// any other component.
pub fn chosen(interaction: &serenity::ComponentInteraction) -> String {
    match &interaction.data.kind {
        serenity::ComponentInteractionDataKind::StringSelect { values } => {
            values.first().cloned().unwrap_or_default()
        }
        _ => String::new(),
    }
}

/// Answers a component choice with words for the chooser alone.
pub async fn answer_privately(
    ctx: &serenity::Context,
    interaction: &serenity::ComponentInteraction,
    text: String,
) -> Result<(), Error> {
    interaction
        .create_response(
            &ctx.http,
            serenity::CreateInteractionResponse::Message(
                serenity::CreateInteractionResponseMessage::new()
                    .content(text)
                    .ephemeral(true)
                    .allowed_mentions(no_mentions()),
            ),
        )
        .await?;
    Ok(())
}

/// Replies nobody can be pinged by: digest text is third-party content.
pub fn no_mentions() -> serenity::CreateAllowedMentions {
    serenity::CreateAllowedMentions::new()
}

/// Marks an interaction whose original response is still a "thinking…" deferral.
struct PendingDeferral;

/// Defers the answer (Discord's 3-second deadline) and remembers that nothing was sent yet.
pub async fn defer(ctx: Context<'_>, ephemeral: bool) -> Result<(), Error> {
    if ephemeral {
        ctx.defer_ephemeral().await?;
    } else {
        ctx.defer().await?;
    }
    ctx.set_invocation_data(PendingDeferral).await;
    Ok(())
}

/// Whether the original response is a deferral nothing has filled yet (and forgets it).
async fn take_pending_deferral(ctx: Context<'_>) -> bool {
    let pending = ctx.invocation_data::<PendingDeferral>().await.is_some();
    if pending {
        ctx.set_invocation_data(()).await;
    }
    pending
}

/// Sends a short ephemeral text reply.
///
/// After a public deferral, Discord gives the first follow-up the deferral's visibility and
/// ignores the ephemeral flag, so a user's mistake would be shown to the whole channel: the
/// "thinking…" message is deleted first, and the answer goes out as a fresh, ephemeral
/// follow-up.
pub async fn say_ephemeral(ctx: Context<'_>, text: impl Into<String>) -> Result<(), Error> {
    if take_pending_deferral(ctx).await {
        if let poise::Context::Application(app) = ctx {
            if let Err(e) = app.interaction.delete_response(ctx.http()).await {
                tracing::debug!(error = %e, "could not remove the deferred response");
            }
        }
    }
    ctx.send(
        CreateReply::default()
            .content(text)
            .ephemeral(true)
            .allowed_mentions(no_mentions()),
    )
    .await?;
    Ok(())
}

/// Sends rendered messages as the reply (first) and follow-ups (rest).
pub async fn send_messages(
    ctx: Context<'_>,
    messages: &[MessageSpec],
    ephemeral: bool,
) -> Result<(), Error> {
    // The first message fills the deferral (if any).
    take_pending_deferral(ctx).await;
    for m in messages {
        let mut reply = CreateReply::default()
            .ephemeral(ephemeral)
            .allowed_mentions(no_mentions());
        if let Some(c) = &m.content {
            reply = reply.content(c.clone());
        }
        for e in &m.embeds {
            reply = reply.embed(e.to_create_embed());
        }
        if let Some(menu) = &m.menu {
            reply = reply.components(vec![menu.to_action_row()]);
        }
        ctx.send(reply).await?;
    }
    Ok(())
}

/// Settings may only be changed by members who can manage the channel. Discord's
/// `default_member_permissions` cannot be used for this: it applies to the whole `/papers`
/// command and would hide the reading subcommands from everyone else, so the check lives here,
/// on the permissions Discord computed for the member in this channel.
pub async fn require_manage_channels(ctx: Context<'_>) -> Result<(), Error> {
    let lang = lang(ctx);
    if ctx.guild_id().is_none() {
        return Err(user_error(t!(&lang, "error-need-guild")));
    }
    let perms = ctx.author_member().await.and_then(|m| m.permissions);
    match perms {
        Some(p) if p.manage_channels() || p.administrator() => Ok(()),
        _ => Err(user_error(t!(&lang, "error-need-manage-channels"))),
    }
}

/// The date "today" means for this channel: its own zone's date when it has one, else the
/// bot's, but never ahead of UTC's: a day that has not started in UTC has no digest anywhere
/// (the Hugging Face list is dated in UTC), so east of Greenwich "today" waits for it.
pub async fn today_for(ctx: Context<'_>) -> Result<NaiveDate, Error> {
    let data = ctx.data();
    let sub = data.store.subscription(ctx.channel_id().get()).await?;
    let sched = crate::deliver::settings::schedule_for(sub.as_ref(), &data.config.schedule);
    let now = data.clock.now();
    Ok(sched.local_date(now).min(now.date_naive()))
}

/// Parses a user-typed date, rejecting impossible and future dates with a human message in
/// `lang`.
pub fn parse_user_date(text: &str, today: NaiveDate, lang: &Language) -> Result<NaiveDate, Error> {
    let t = text.trim();
    // "today" and "yesterday" in English and in the reader's language.
    let word = |key: &str| [t!(&Language::english(), key), t!(lang, key)];
    let typed = t.to_lowercase();
    let date = match typed {
        w if word("date-word-today").contains(&w) => today,
        w if word("date-word-yesterday").contains(&w) => today - chrono::Duration::days(1),
        _ => NaiveDate::parse_from_str(t, "%Y-%m-%d").map_err(|_| {
            user_error(t!(
                lang,
                "error-date-unreadable",
                input = sanitize_inline(t),
                example = (today - chrono::Duration::days(1)).to_string()
            ))
        })?,
    };
    if date > today {
        return Err(user_error(t!(
            lang,
            "error-date-future",
            date = crate::render::date_text(date, lang),
            today = crate::render::date_text(today, lang)
        )));
    }
    Ok(date)
}

/// Echoing user input back: keep it on one line, short, and unable to break out of code spans.
pub fn sanitize_inline(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| if c == '`' { '\'' } else { c })
        .take(100)
        .collect();
    cleaned
}

/// A Discord timestamp tag, rendered by each reader's client in their own zone.
pub fn discord_time(t: chrono::DateTime<Utc>) -> String {
    format!("<t:{}:F> (<t:{}:R>)", t.timestamp(), t.timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn user_dates() {
        let today = d("2024-04-02");
        let en = Language::english();
        let parse_user_date = |t: &str, today| super::parse_user_date(t, today, &en);
        assert_eq!(
            parse_user_date("2024-04-01", today).unwrap(),
            d("2024-04-01")
        );
        assert_eq!(
            parse_user_date(" yesterday ", today).unwrap(),
            d("2024-04-01")
        );
        let e = parse_user_date("2024-13-01", today)
            .unwrap_err()
            .to_string();
        assert!(e.contains("YYYY-MM-DD"), "{e}");
        let e = parse_user_date("2024-04-03", today)
            .unwrap_err()
            .to_string();
        assert!(e.contains("future"), "{e}");
        let e = parse_user_date("`@everyone`\n", today)
            .unwrap_err()
            .to_string();
        assert!(!e.contains('\n') && e.matches('`').count() == 4, "{e}");
        // In Korean, with the day as Korean writes it; its words for the days too.
        let ko: Language = "ko".parse().unwrap();
        assert_eq!(
            super::parse_user_date("어제", today, &ko).unwrap(),
            d("2024-04-01")
        );
        assert_eq!(
            super::parse_user_date("yesterday", today, &ko).unwrap(),
            d("2024-04-01")
        );
        let e = super::parse_user_date("2024-04-03", today, &ko)
            .unwrap_err()
            .to_string();
        assert!(e.contains("2024년 4월 3일") && !e.contains("future"), "{e}");
    }
}
