//! The slash commands (poise), one file per group: `/papers` for reading ([`read`]), a
//! channel's subscription ([`subscription`]) and its keywords ([`keywords`]); `/alerts` for a
//! person's own alerts by DM ([`alerts`]). [`all_commands`] is the one registry.

pub mod alerts;
pub mod forum_mode;
pub mod keywords;
pub mod read;
pub mod subscription;

use std::sync::Arc;

use chrono::{NaiveDate, Utc};
use poise::serenity_prelude as serenity;
use poise::CreateReply;

use crate::clock::Clock;
use crate::config::Config;
use crate::fetch::Fetcher;
use crate::render::MessageSpec;
use crate::store::Store;

/// What every command handler can reach.
pub struct Data {
    pub store: Store,
    pub fetcher: Arc<Fetcher>,
    pub config: Arc<Config>,
    pub clock: Arc<dyn Clock>,
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

/// Daily Papers from Hugging Face: today's papers, search, and this channel's daily post.
#[poise::command(
    slash_command,
    subcommands(
        "read::today",
        "read::date",
        "read::search",
        "read::preview",
        "subscription::subscribe",
        "subscription::unsubscribe",
        "subscription::pause",
        "subscription::resume",
        "subscription::retry",
        "subscription::settings",
        "keywords::keywords"
    ),
    subcommand_required
)]
pub async fn papers(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Every command the bot registers.
pub fn all_commands() -> Vec<poise::Command<Data, Error>> {
    vec![papers(), alerts::alerts()]
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
        ctx.send(reply).await?;
    }
    Ok(())
}

/// Settings may only be changed by members who can manage the channel. Discord's
/// `default_member_permissions` cannot be used for this: it applies to the whole `/papers`
/// command and would hide the reading subcommands from everyone else, so the check lives here,
/// on the permissions Discord computed for the member in this channel.
pub async fn require_manage_channels(ctx: Context<'_>) -> Result<(), Error> {
    if ctx.guild_id().is_none() {
        return Err(user_error(
            "Subscriptions live in server channels: run this in a channel of your server.",
        ));
    }
    let perms = ctx.author_member().await.and_then(|m| m.permissions);
    match perms {
        Some(p) if p.manage_channels() || p.administrator() => Ok(()),
        _ => Err(user_error(
            "You need the **Manage Channels** permission to change paperboy's settings for this channel.",
        )),
    }
}

/// The date "today" means for this channel: its own zone's date when it has one, else the
/// bot's, but never ahead of UTC's: a day that has not started in UTC has no digest anywhere
/// (the Hugging Face list is dated in UTC), so east of Greenwich "today" waits for it.
pub async fn today_for(ctx: Context<'_>) -> Result<NaiveDate, Error> {
    let data = ctx.data();
    let sub = data.store.subscription(ctx.channel_id().get()).await?;
    let sched = crate::channel::schedule_for(sub.as_ref(), &data.config.schedule);
    let now = data.clock.now();
    Ok(sched.local_date(now).min(now.date_naive()))
}

/// Parses a user-typed date, rejecting impossible and future dates with a human message.
pub fn parse_user_date(text: &str, today: NaiveDate) -> Result<NaiveDate, Error> {
    let t = text.trim();
    let date = match t.to_ascii_lowercase().as_str() {
        "today" => today,
        "yesterday" => today - chrono::Duration::days(1),
        _ => NaiveDate::parse_from_str(t, "%Y-%m-%d").map_err(|_| {
            user_error(format!(
                "`{}` is not a date I can read. Use YYYY-MM-DD, for example `{}`.",
                sanitize_inline(t),
                today - chrono::Duration::days(1)
            ))
        })?,
    };
    if date > today {
        return Err(user_error(format!(
            "{date} is in the future; the newest digest is today's ({today})."
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

/// Answers a user's mistake with its text; logs everything else and apologises.
pub async fn on_error(error: poise::FrameworkError<'_, Data, Error>) {
    match error {
        poise::FrameworkError::Command { error, ctx, .. } => {
            let text = if let Some(user) = error.downcast_ref::<UserError>() {
                // Within Discord's 2,000 characters whatever the message says.
                crate::render::truncate_chars(&format!("⚠️ {user}"), 1_900)
            } else {
                tracing::error!(command = %ctx.command().qualified_name, channel_id = ctx.channel_id().get(), error = ?error, "command failed");
                "Something went wrong on paperboy's side; the error has been logged. Please try again later.".to_string()
            };
            // An error answer that fails is never dropped silently: logged, and a short
            // fallback tried.
            if let Err(e) = say_ephemeral(ctx, text).await {
                tracing::error!(command = %ctx.command().qualified_name, error = %e, "could not send the error reply");
                let _ = say_ephemeral(ctx, "⚠️ That did not work; please try again.").await;
            }
        }
        other => {
            if let Err(e) = poise::builtins::on_error(other).await {
                tracing::error!(error = %e, "error while handling a command error");
            }
        }
    }
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
    }
}
