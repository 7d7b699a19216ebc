//! Wiring the bot together: the serenity client and poise framework, the store, the digest
//! fetcher and the delivery scheduler, and a clean shutdown of all of them.
//!
//! Start-up fails loudly instead of limping: the token is checked once (`GET /users/@me`), the
//! gateway address and shard count come from `GET /gateway/bot` (never a hard-coded Discord
//! address), and behind an egress proxy the gateway goes through [`crate::net::GatewayTunnel`].
//! Commands are registered in the background, retried with backoff, so a failed registration
//! never leaves the bot deaf.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context as _};
use poise::serenity_prelude as serenity;
use tokio_util::sync::CancellationToken;

use crate::bot::commands::{self, Data};
use crate::clock::Clock;
use crate::config::{Config, DiscordConfig, Shards, Token};
use crate::deliver::ratelimit::RateLimitSignals;
use crate::deliver::{self, Deliverer, Tuning};
use crate::ops::health::Health;
use crate::source::fetch::Fetcher;
use crate::store::{Database, ProcessLock, Store};

/// Builds the REST client. In production (no `api_base`) it is serenity's own client with its
/// rate limiter on, over `client` (the bot's one network configuration: proxy and CAs); rate
/// limits it meets are reported to `signals`. With `api_base` every request goes to that base
/// URL (a rate-limit proxy in front of Discord, or a local fake); serenity ignores a proxy while
/// its limiter is on, so the limiter is off there and paperboy's own 429 handling (in `deliver`)
/// carries the load.
pub fn build_http(
    token: &Token,
    discord: &DiscordConfig,
    client: reqwest::Client,
    signals: &Arc<RateLimitSignals>,
) -> serenity::Http {
    let mut builder = serenity::HttpBuilder::new(token.expose())
        .client(client.clone())
        .default_allowed_mentions(serenity::CreateAllowedMentions::new());
    match &discord.api_base {
        Some(base) => builder = builder.proxy(base.clone()).ratelimiter_disabled(true),
        None => {
            let mut limiter = serenity::http::Ratelimiter::new(client, token.authorization());
            let signals = signals.clone();
            limiter.set_ratelimit_callback(Box::new(move |info| signals.report(&info)));
            builder = builder.ratelimiter(limiter);
        }
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
    let tuning = Tuning::default();
    let health = Arc::new(Health::new(tuning.max_sleep));
    run_with_tuning(config, token, clock, tuning, health, shutdown).await
}

/// Forwards what serenity's rate limiter reports to the delivery engine (the client installs
/// this handler as the limiter's callback, replacing the one [`build_http`] set).
struct RateLimitHandler(Arc<RateLimitSignals>);

#[serenity::async_trait]
impl serenity::EventHandler for RateLimitHandler {
    async fn ratelimit(&self, data: serenity::http::RatelimitInfo) {
        self.0.report(&data);
    }
}

/// Start-up checks before anything else talks to Discord: the token, then the gateway.
async fn check_discord(
    http: &serenity::Http,
) -> anyhow::Result<(serenity::CurrentUser, serenity::BotGateway)> {
    let me = match http.get_current_user().await {
        Ok(me) => me,
        Err(e) if crate::deliver::is_unauthorized(&e) => bail!(
            "Discord refused the bot token (401 Unauthorized): check DISCORD_TOKEN (Developer Portal → Bot → Reset Token)"
        ),
        Err(e) => return Err(e).context("asking Discord who the bot is (GET /users/@me)"),
    };
    // A few tries: a blip at start-up should not need a restart, but a gateway address is never
    // guessed.
    let mut wait = Duration::from_secs(1);
    let gateway = loop {
        match http.get_bot_gateway().await {
            Ok(g) => break g,
            Err(e) if wait <= Duration::from_secs(8) => {
                tracing::warn!(error = %e, retry_in_s = wait.as_secs(), "cannot get the gateway address yet");
                tokio::time::sleep(wait).await;
                wait *= 2;
            }
            Err(e) => return Err(e).context("getting the gateway address (GET /gateway/bot)"),
        }
    };
    Ok((me, gateway))
}

/// The bot's commands as Discord wants them, registered in the background with backoff until
/// it works: the bot answers commands that are already registered meanwhile, and from the
/// first success on the new ones.
fn spawn_registration(
    http: Arc<serenity::Http>,
    commands: Vec<serenity::CreateCommand>,
    dev_guild: Option<u64>,
    cancel: CancellationToken,
) {
    tokio::spawn(async move {
        let mut wait = Duration::from_secs(1);
        let mut failures = 0u32;
        loop {
            let result = match dev_guild {
                Some(g) => serenity::GuildId::new(g)
                    .set_commands(&http, commands.clone())
                    .await
                    .map(|_| ()),
                None => serenity::Command::set_global_commands(&http, commands.clone())
                    .await
                    .map(|_| ()),
            };
            match result {
                Ok(()) => {
                    match dev_guild {
                        Some(g) => tracing::info!(
                            guild_id = g,
                            failures,
                            "slash commands registered in the development guild"
                        ),
                        None => tracing::info!(failures, "slash commands registered globally"),
                    }
                    return;
                }
                Err(e) => {
                    failures += 1;
                    tracing::warn!(error = %e, failures, retry_in_s = wait.as_secs(), "registering the slash commands failed; retrying");
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = cancel.cancelled() => return,
            }
            wait = (wait * 2).min(Duration::from_secs(300));
        }
    });
}

/// [`run`] with the delivery engine's internal waits adjusted, so that end-to-end tests of the
/// whole bot do not wait a real minute for the scheduler to wake up, and with the [`Health`] it
/// reports to given by the caller (tests wait on its pass count instead of sleeping).
pub async fn run_with_tuning(
    config: Arc<Config>,
    token: Token,
    clock: Arc<dyn Clock>,
    tuning: Tuning,
    health: Arc<Health>,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let database = config.database();
    // Before anything else touches the file: a second bot on it would post everything twice.
    // (The lock is SQLite's: a Postgres server is shared by design.)
    let _lock = match &database {
        Database::Sqlite(path) => Some(ProcessLock::acquire(path)?),
        Database::Postgres(_) => None,
    };
    let store = Store::connect(&database)
        .await
        .with_context(|| format!("opening the database {}", database.describe()))?
        .with_clock(clock.clone());
    let subs = store.subscription_count().await?;
    tracing::info!(database = %database.describe(), subscriptions = subs, "database ready");
    let client = crate::net::http_client(&config.network)?;
    let fetcher = Arc::new(Fetcher::new(store.clone(), &config.source, client.clone()));
    let signals = RateLimitSignals::new();
    let http = build_http(&token, &config.discord, client, &signals);
    let (me, gateway) = check_discord(&http).await?;
    let shards = match config.discord.shards {
        Shards::Auto => gateway.shards.max(1),
        Shards::Fixed(n) => n,
    };
    let range = config
        .discord
        .shard_range
        .map(|r| (r.first, r.last))
        .unwrap_or((0, shards - 1));
    if range.1 >= shards {
        bail!(
            "config key `discord.shard_range`: shard {} does not exist, the bot has {shards} shards",
            range.1
        );
    }
    // serenity's WebSocket goes through the bot's tunnel: the proxy (which serenity cannot use)
    // and a pause between reconnects (which serenity does not make) live there.
    health.expect_shards(range.1 - range.0 + 1);
    let ws_url = if gateway.url.starts_with("wss://") {
        let tunnel =
            crate::net::gateway_tunnel(&config.network, &gateway.url, shutdown.clone()).await?;
        health.watch_tunnel(tunnel.open.clone());
        match &config.network.https_proxy {
            Some(proxy) => {
                tracing::info!(gateway = %gateway.url, via = %proxy, "gateway through the proxy")
            }
            None => tracing::debug!(gateway = %gateway.url, "gateway through the local tunnel"),
        }
        tunnel.local_url
    } else {
        // A local fake's plain address (proxy mode): as is.
        gateway.url.clone()
    };
    tracing::info!(user = %me.name, shards, first_shard = range.0, last_shard = range.1, "connecting to Discord");

    // Summaries (with `[summaries]` only): the worker writes them as papers appear, posts carry
    // them, and `/papers ask` answers with the same model and arXiv queue.
    let summariser = match &config.summaries {
        Some(cfg) => {
            let summariser = Arc::new(crate::summaries::worker::Summariser::new(
                cfg.clone(),
                store.clone(),
                crate::net::http_client(&config.network)?,
                clock.clone(),
                &config.source.hf_api_base,
            ));
            // What earlier runs learned about the endpoint, before the first request.
            summariser.model_client().load().await;
            health.watch_model(summariser.model_client().refusal_watch());
            Some(summariser)
        }
        None => None,
    };
    let asker = summariser.as_ref().filter(|_| config.ask.enabled).map(|s| {
        Arc::new(crate::ask::service::Asker::new(
            s.clone(),
            config.ask.clone(),
            store.clone(),
        ))
    });
    let data = Data {
        store: store.clone(),
        fetcher: fetcher.clone(),
        config: config.clone(),
        clock: clock.clone(),
        asker,
    };
    let dev_guild = config.discord.dev_guild;
    let registration_cancel = shutdown.clone();
    let framework = poise::Framework::builder()
        .options(poise::FrameworkOptions {
            commands: commands::all_commands(),
            on_error: |e| Box::pin(commands::on_error(e)),
            event_handler: |framework, event| Box::pin(commands::on_event(framework, event)),
            allowed_mentions: Some(serenity::CreateAllowedMentions::new()),
            ..Default::default()
        })
        // The builder's own flag wins over the options' (poise 0.7): no owner lookup at start.
        .initialize_owners(false)
        .setup(move |ctx, ready, framework| {
            Box::pin(async move {
                // Runs once, at the first READY. Registration goes on in the background so a
                // failure there never keeps the user data (and so every command) waiting.
                let builders = poise::builtins::create_application_commands(&framework.options().commands);
                spawn_registration(ctx.http.clone(), builders, dev_guild, registration_cancel);
                tracing::info!(user = %ready.user.name, guilds = ready.guilds.len(), "connected to Discord");
                Ok(data)
            })
        })
        .build();

    let mut client = serenity::ClientBuilder::new_with_http(http, serenity::GatewayIntents::GUILDS)
        .framework(framework)
        .event_handler(RateLimitHandler(signals.clone()))
        .await
        .context("building the Discord client")?;
    // serenity asked `GET /gateway` itself and falls back to a hard-coded address when that
    // fails: use the address checked above instead.
    *client.ws_url.lock().await = ws_url;
    if let Some(addr) = config.metrics_listen {
        let handle = crate::ops::metrics::install().context("setting up the metrics recorder")?;
        crate::ops::endpoint::start(
            addr,
            health.clone(),
            client.shard_manager.clone(),
            store.clone(),
            handle,
            shutdown.clone(),
        )
        .await
        .with_context(|| format!("config key `metrics.listen`: cannot listen on {addr}"))?;
    }

    // The scheduler is spawned once, here, and not from READY: READY fires again after every
    // reconnect, and a second scheduler would mean double posts.
    let followup_every = tuning.followup_every;
    let followup_interval = tuning.followup_interval;
    let mut deliverer = Deliverer::new(
        client.http.clone(),
        store.clone(),
        fetcher,
        config.clone(),
        clock.clone(),
    )
    .with_signals(signals)
    .with_health(health.clone())
    .with_tuning(tuning);
    // The summary worker is spawned here, once, like the scheduler.
    let mut summary_worker = None;
    if config.summaries.is_none() {
        tracing::info!("summaries {}", crate::summaries::config::OFF);
    }
    if let Some(summariser) = summariser {
        summary_worker = Some(tokio::spawn(summariser.clone().run(shutdown.clone())));
        deliverer = deliverer.with_summaries(summariser);
    }
    // "For you" by embeddings, with `summaries.embedding_model`: the same endpoint and key.
    if let Some((cfg, model)) = config
        .summaries
        .as_ref()
        .and_then(|c| Some((c, c.embedding_model.clone()?)))
    {
        deliverer = deliverer.with_embeddings(crate::model::ModelClient::new(
            crate::net::http_client(&config.network)?,
            crate::model::Endpoint {
                model,
                ..crate::model::Endpoint::configured(cfg)
            },
            Some(store.clone()),
        ));
    }
    // Follow-ups on saved papers: one background look at Hugging Face, spawned once here.
    let followups = Arc::new(crate::source::followups::FollowUps::new(
        store.clone(),
        crate::net::http_client(&config.network)?,
        &config.source.hf_api_base,
        clock.clone(),
        followup_every,
        followup_interval,
    ));
    let followup_worker = tokio::spawn(followups.run(shutdown.clone()));
    let deliverer = Arc::new(deliverer);
    let mut scheduler = tokio::spawn(deliver::run_scheduler(deliverer, shutdown.clone()));

    let shard_manager = client.shard_manager.clone();
    let mut scheduler_done = false;
    let result = tokio::select! {
        biased;
        _ = shutdown.cancelled() => Ok(()),
        // serenity's range is inclusive of its end.
        r = client.start_shard_range(range.0..range.1, shards) => r.context("the Discord connection failed"),
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
    if let Err(e) = followup_worker.await {
        tracing::error!(error = %e, "follow-up worker task failed");
    }
    if let Some(worker) = summary_worker {
        if let Err(e) = worker.await {
            tracing::error!(error = %e, "summary worker task failed");
        }
    }
    store.close().await;
    // An error is reported once, by the caller.
    if result.is_ok() {
        tracing::info!("clean shutdown");
    }
    result
}
