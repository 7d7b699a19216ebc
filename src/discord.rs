//! Wiring the bot together: the serenity client and poise framework, the store, the digest
//! fetcher and the delivery scheduler, and a clean shutdown of all of them.

use std::sync::Arc;

use anyhow::Context as _;
use poise::serenity_prelude as serenity;
use tokio_util::sync::CancellationToken;

use crate::clock::Clock;
use crate::commands::{self, Data};
use crate::config::{Config, DiscordConfig, Token};
use crate::deliver::{self, Deliverer, Tuning};
use crate::fetch::Fetcher;
use crate::store::Store;

/// Builds the REST client. With `api_base` set, every request goes to that base URL (an HTTP
/// proxy in front of Discord, or a local fake); serenity ignores a proxy while its own rate
/// limiter is on, so the limiter is switched off there and paperboy's own pacing and 429
/// handling (in `deliver`) carry the load.
pub fn build_http(token: &Token, discord: &DiscordConfig) -> serenity::Http {
    let mut builder = serenity::HttpBuilder::new(token.expose())
        .default_allowed_mentions(serenity::CreateAllowedMentions::new());
    if let Some(base) = &discord.api_base {
        builder = builder.proxy(base.clone()).ratelimiter_disabled(true);
    }
    if let Some(app) = discord.application_id {
        builder = builder.application_id(serenity::ApplicationId::new(app));
    }
    builder.build()
}

/// Runs the bot until `shutdown` is cancelled or the gateway connection fails for good.
pub async fn run(
    config: Arc<Config>,
    token: Token,
    clock: Arc<dyn Clock>,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    run_with_tuning(config, token, clock, Tuning::default(), shutdown).await
}

/// [`run`] with the delivery engine's internal waits adjusted, so that end-to-end tests of the
/// whole bot do not wait a real minute for the scheduler to wake up.
pub async fn run_with_tuning(
    config: Arc<Config>,
    token: Token,
    clock: Arc<dyn Clock>,
    tuning: Tuning,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let store = Store::open(&config.database_path)
        .await
        .with_context(|| format!("opening the database {}", config.database_path.display()))?
        .with_clock(clock.clone());
    let subs = store.subscription_count().await?;
    tracing::info!(database = %config.database_path.display(), subscriptions = subs, "database ready");
    let fetcher = Arc::new(Fetcher::new(store.clone(), &config.source));

    let data = Data {
        store: store.clone(),
        fetcher: fetcher.clone(),
        config: config.clone(),
        clock: clock.clone(),
    };
    let dev_guild = config.discord.dev_guild;
    let framework = poise::Framework::builder()
        .options(poise::FrameworkOptions {
            commands: commands::all_commands(),
            on_error: |e| Box::pin(commands::on_error(e)),
            allowed_mentions: Some(serenity::CreateAllowedMentions::new()),
            initialize_owners: false,
            ..Default::default()
        })
        .setup(move |ctx, ready, framework| {
            Box::pin(async move {
                let cmds = &framework.options().commands;
                match dev_guild {
                    Some(g) => {
                        poise::builtins::register_in_guild(ctx, cmds, serenity::GuildId::new(g))
                            .await?;
                        tracing::info!(guild_id = g, "slash commands registered in the development guild");
                    }
                    None => {
                        poise::builtins::register_globally(ctx, cmds).await?;
                        tracing::info!("slash commands registered globally");
                    }
                }
                tracing::info!(user = %ready.user.name, guilds = ready.guilds.len(), "connected to Discord");
                Ok(data)
            })
        })
        .build();

    let http = build_http(&token, &config.discord);
    let mut client = serenity::ClientBuilder::new_with_http(http, serenity::GatewayIntents::GUILDS)
        .framework(framework)
        .await
        .context("building the Discord client")?;

    // The scheduler is spawned once, here, and not from READY: READY fires again after every
    // reconnect, and a second scheduler would mean double posts.
    let deliverer = Arc::new(
        Deliverer::new(
            client.http.clone(),
            store.clone(),
            fetcher,
            config.clone(),
            clock,
        )
        .with_tuning(tuning),
    );
    let mut scheduler = tokio::spawn(deliver::run_scheduler(deliverer, shutdown.clone()));

    let shard_manager = client.shard_manager.clone();
    let mut scheduler_done = false;
    let result = tokio::select! {
        biased;
        _ = shutdown.cancelled() => Ok(()),
        r = client.start() => r.context("the Discord connection failed"),
        // The scheduler only returns when cancelled, so ending here means it panicked. A bot
        // that answers commands but silently never posts again is the worst outcome: stop, and
        // let the service manager restart it (unfinished deliveries resume from the ledger).
        r = &mut scheduler => {
            scheduler_done = true;
            // A requested shutdown also ends the scheduler; only an unrequested end is an error.
            if shutdown.is_cancelled() {
                Ok(())
            } else {
                Err(match r {
                    Err(e) => anyhow::anyhow!("the delivery scheduler crashed: {e}"),
                    Ok(summary) => {
                        anyhow::anyhow!("the delivery scheduler stopped unexpectedly ({summary})")
                    }
                })
            }
        }
    };
    shutdown.cancel();
    shard_manager.shutdown_all().await;
    // The scheduler logs its own one-line summary when it stops.
    if !scheduler_done {
        if let Err(e) = scheduler.await {
            tracing::error!(error = %e, "scheduler task failed");
        }
    }
    store.close().await;
    // An error is reported once, by the caller.
    if result.is_ok() {
        tracing::info!("clean shutdown");
    }
    result
}
