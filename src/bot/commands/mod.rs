//! The slash commands (poise), one file per group: `/papers` for reading ([`read`]), a
//! channel's subscription ([`subscription`]) and its keywords ([`keywords`]), a person's reading
//! list ([`saved`]), questions about a paper ([`ask`]); `/alerts` for a person's own alerts by
//! DM ([`alerts`]). [`all_commands`] is the one registry.

pub mod alerts;
pub mod ask;
pub mod context;
pub mod for_you;
pub mod forum_mode;
pub mod keywords;
pub mod layout;
pub mod localise;
pub mod read;
pub mod saved;
pub mod subscription;
pub mod top;

use poise::serenity_prelude as serenity;

use crate::t;
use context::{lang, say_ephemeral};
pub use context::{Context, Data, Error, UserError};

/// Daily Papers from Hugging Face: today's papers, search, and this channel's daily post.
///
/// Installable for a person as well as a server, and usable in DMs, as `/alerts` is: Discord
/// sets where a command works per top-level command, and `/papers ask` must work wherever a
/// reader is. The channel's commands refuse outside a server (they need Manage Channels there).
#[poise::command(
    slash_command,
    install_context = "Guild|User",
    interaction_context = "Guild|BotDm|PrivateChannel",
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
        "keywords::keywords",
        "saved::saved",
        "top::top",
        "ask::ask"
    ),
    subcommand_required
)]
pub async fn papers(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Every command the bot registers, named and described from the catalogs in every language
/// ([`localise`]).
pub fn all_commands() -> Vec<poise::Command<Data, Error>> {
    let mut commands = vec![papers(), alerts::alerts()];
    localise::localise(&mut commands);
    commands
}
/// Events beyond slash commands: a choice in a post's "🔖 Save…" menu, or in a for-you DM's
/// "Not for me…" menu. A failure is logged and never ends the bot.
pub async fn on_event(
    framework: poise::FrameworkContext<'_, Data, Error>,
    event: &serenity::FullEvent,
) -> Result<(), Error> {
    if let serenity::FullEvent::InteractionCreate {
        interaction: serenity::Interaction::Component(component),
    } = event
    {
        if saved::is_save_choice(component) {
            if let Err(e) =
                saved::on_save_choice(framework.serenity_context, component, framework.user_data)
                    .await
            {
                tracing::error!(error = ?e, user_id = %component.user.id, "could not answer a save menu choice");
            }
        }
        if for_you::is_not_for_me(component) {
            if let Err(e) =
                for_you::on_not_for_me(framework.serenity_context, component, framework.user_data)
                    .await
            {
                tracing::error!(error = ?e, user_id = %component.user.id, "could not answer a not-for-me choice");
            }
        }
    }
    Ok(())
}

/// Answers a user's mistake with its text; logs everything else and apologises.
pub async fn on_error(error: poise::FrameworkError<'_, Data, Error>) {
    match error {
        poise::FrameworkError::Command { error, ctx, .. } => {
            let lang = lang(ctx);
            let text = if let Some(user) = error.downcast_ref::<UserError>() {
                // Within Discord's 2,000 characters whatever the message says.
                crate::render::truncate_chars(&format!("⚠️ {user}"), 1_900)
            } else {
                tracing::error!(command = %ctx.command().qualified_name, channel_id = ctx.channel_id().get(), error = ?error, "command failed");
                t!(&lang, "error-internal")
            };
            // An error answer that fails is never dropped silently: logged, and a short
            // fallback tried.
            if let Err(e) = say_ephemeral(ctx, text).await {
                tracing::error!(command = %ctx.command().qualified_name, error = %e, "could not send the error reply");
                let _ = say_ephemeral(ctx, t!(&lang, "error-fallback")).await;
            }
        }
        // What poise itself would answer in English, in the reader's language: an option
        // Discord let through that the command cannot read, and a panicking handler.
        poise::FrameworkError::ArgumentParse { ctx, error, .. } => {
            tracing::warn!(command = %ctx.command().qualified_name, error = %error, "unreadable command options");
            let _ = say_ephemeral(ctx, format!("⚠️ {}", t!(&lang(ctx), "error-argument"))).await;
        }
        poise::FrameworkError::CommandPanic { ctx, .. } => {
            tracing::error!(command = %ctx.command().qualified_name, "command panicked");
            let _ = say_ephemeral(ctx, t!(&lang(ctx), "error-internal")).await;
        }
        other => {
            if let Err(e) = poise::builtins::on_error(other).await {
                tracing::error!(error = %e, "error while handling a command error");
            }
        }
    }
}
