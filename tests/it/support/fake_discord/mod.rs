//! A Discord-compatible fake server on 127.0.0.1 (REST API v10 + gateway WebSocket) for tests
//! and benchmarks. Nothing ever leaves loopback. Two ways in:
//! - **proxy mode** ([`FakeDiscord::http`], [`FakeDiscord::client_builder`]): serenity's
//!   `HttpBuilder::proxy(base_url)` with its rate limiter off, plain HTTP to this port;
//!   `GET /gateway` sends the client to this server's plain WebSocket.
//! - **production mode** ([`FakeDiscord::production_http`]): serenity as shipped, rate limiter
//!   on, talking to `https://discord.com/api/v10/...` through an HTTP CONNECT proxy
//!   ([`FakeDiscord::proxy_url`]) that ends every tunnel in this fake: it terminates TLS with a
//!   certificate of a test CA made at start ([`FakeDiscord::ca_pem`], [`FakeDiscord::ca_file`])
//!   and serves the same router (REST and the gateway WebSocket) over it.
//!   [`FakeDiscord::set_gateway_url`] makes `GET /gateway` answer `wss://gateway.discord.gg`
//!   for a client that reaches the gateway through the proxy too.
//!
//! Self-contained on purpose: the benchmark and the example include it with
//! `#[path = "../tests/support/fake_discord/mod.rs"] mod fake_discord;`.
//!
//! What it enforces, like Discord does (see /work/shared/discord/FACTS.md):
//! message/embed limits (400 / 50035 Invalid Form Body), message components (action rows,
//! select menus and buttons: counts, custom ids, option labels, values and descriptions, as
//! 50035 with their paths), empty messages (50006), nonce
//! de-duplication with `enforce_nonce` within a window (5 minutes), deleted (404 / 10003) and
//! forbidden (403 / 50013) channels, forum channels refusing plain messages (400 / 50008), a
//! global request limit, per-channel message buckets and a per-channel crosspost quota (10 an
//! hour) with Discord's `X-RateLimit-*` / `Retry-After` headers and 429 bodies, interaction
//! callbacks answered once (40060) and within 3 seconds of dispatch (10062), follow-ups only
//! after a callback (10015), application command shape limits (and install fields:
//! `integration_types` 0/1 and `contexts` 0/1/2 on top-level commands only), a bad token (401,
//! gateway close 4004), gateway dispatches only to the shard that owns the guild (DMs: shard 0).
//!
//! Direct messages: `POST /users/@me/channels` opens (or returns) the bot's DM channel with a
//! known user ([`FakeDiscord::add_user`], or seen in a dispatched interaction; unknown: 400
//! 50033); messages there go through the same route as any channel's, and a user whose DMs are
//! closed ([`FakeDiscord::close_dms`]) gets them refused with 403 50007. `GET /users/{id}` answers
//! known users (404 10013 otherwise).
//!
//! Effects happen when a request arrives: a slow or lost answer ([`Failure::Slow`],
//! [`Failure::AnswerLost`], [`FakeDiscord::set_answer_delay`]) still stores the message, even if
//! the client gives up or is killed before the answer, as on Discord.
//!
//! This module is the test's handle, [`FakeDiscord`], and its [`FakeConfig`]. The server behind
//! it, by concern:
//! - `state`: what one running fake keeps (guilds, channels, users, messages, interactions, the
//!   request log and its counters);
//! - `rest`: the REST router and route handlers; `reply`: the answers they give;
//! - `validate`: payload validation and body parsing;
//! - `failures`: injected failures (`fail_next`, `fail_route_next`, random failures);
//! - `ratelimit`: the global limit, per-channel buckets and the crosspost quota, with their
//!   headers;
//! - `payloads`: Discord objects as JSON, built from the state;
//! - `users`: the users the fake knows and `GET /users/{id}`;
//! - `dm`: DM channels (`POST /users/@me/channels`) and closed DMs;
//! - `gateway`: the WebSocket sessions (HELLO, IDENTIFY, READY, heartbeats, RESUME, close,
//!   shard routing);
//! - `tls`: the test CA and the per-host certificates;
//! - `proxy`: the HTTPS CONNECT proxy that serves the router over TLS;
//! - [`interaction`]: builders for the INTERACTION_CREATE payloads tests dispatch (in a guild,
//!   in the bot's DM, for a user-installed app where the bot is not, and a choice in a
//!   message's select menu: [`FakeDiscord::choose`]).
//!
//! Uploaded files (multipart `files[n]`) are kept with their text: an interaction answer that
//! carries one lists it under `"files"` in [`FakeDiscord::interaction_responses`].

mod dm;
mod failures;
mod gateway;
pub mod interaction;
mod payloads;
mod proxy;
mod ratelimit;
mod reply;
mod rest;
mod state;
mod tls;
mod users;
mod validate;

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::DefaultBodyLimit;
use axum::routing::any;
use axum::Router;
use serde_json::{json, Value};
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use failures::Failure;

/// A guild id the fake puts on `shard` of `total` (it routes a guild by `(id >> 22) % total`,
/// as Discord does).
pub fn guild_on(shard: u64, total: u64) -> u64 {
    ((100 * total + shard) << 22) | 7
}
pub use state::{RecordedRequest, Stats};

use failures::RandomFailures;
use gateway::{gateway_route, Outbound};
use payloads::channel_type_name;
use rest::rest_route;
use state::{lock, now_iso, ChannelRec, ForumRec, GuildRec, Inner, RouteFailure, Shared};
use tls::{TestCa, DISCORD_HOSTS};

/// How long a bot has to answer an interaction the fake dispatched.
const INTERACTION_DEADLINE: Duration = Duration::from_secs(3);
/// VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | ATTACH_FILES | READ_MESSAGE_HISTORY |
/// USE_EXTERNAL_EMOJIS | ADD_REACTIONS | CREATE_PUBLIC_THREADS | SEND_MESSAGES_IN_THREADS:
/// the bot's `app_permissions` in built interactions.
const DEFAULT_APP_PERMISSIONS: u64 = (1 << 10)
    | (1 << 11)
    | (1 << 14)
    | (1 << 15)
    | (1 << 16)
    | (1 << 18)
    | (1 << 6)
    | (1 << 35)
    | (1 << 38);
/// The token the fake knows by default (and every `Http` it builds uses).
pub const FAKE_TOKEN: &str = "fake-token";
/// The fake application's id (and the bot's `Http` application id).
const APPLICATION_ID: u64 = 2;

/// Configuration of a fake server.
#[derive(Clone, Debug)]
pub struct FakeConfig {
    /// Enforce a global limit of N requests per sliding second (interaction callbacks and
    /// webhooks are exempt, like on Discord). `None`: unlimited.
    pub global_limit_per_sec: Option<u32>,
    /// The sliding window of `global_limit_per_sec`: one second like Discord by default; tests
    /// that must fill it with sequential requests widen it so a slow machine cannot let it slide.
    pub global_window: Duration,
    /// Per-channel bucket for `POST /channels/{id}/messages`: `(limit, window)`, e.g.
    /// `Some((5, Duration::from_secs(5)))`. `X-RateLimit-*` headers are announced on every answer
    /// of that route when set.
    pub channel_bucket: Option<(u32, Duration)>,
    /// Per-channel quota of `POST /channels/{id}/messages/{id}/crosspost`: `(limit, window)`,
    /// Discord's 10 an hour by default; past it a `shared` 429 whose `retry_after` is the rest
    /// of the window. `None`: unlimited.
    pub crosspost_quota: Option<(u32, Duration)>,
    /// How long `nonce` + `enforce_nonce` return the earlier message (Discord: a few minutes;
    /// default 5). `None`: no de-duplication, every POST creates a message.
    pub nonce_window: Option<Duration>,
    /// Every answer of message creation (`POST /channels/{id}/messages`, `/threads`) leaves this
    /// long after the message was stored (see [`FakeDiscord::set_answer_delay`]).
    pub answer_delay: Duration,
    /// Sent in HELLO.
    pub heartbeat_interval_ms: u64,
    pub bot_user_id: u64,
    /// The bot's token: REST requests must carry `Authorization: Bot <token>` (401 otherwise,
    /// as on Discord), and IDENTIFY the token itself.
    pub bot_token: String,
}

impl Default for FakeConfig {
    fn default() -> Self {
        FakeConfig {
            global_limit_per_sec: None,
            global_window: Duration::from_secs(1),
            channel_bucket: None,
            crosspost_quota: Some((10, Duration::from_secs(3600))),
            nonce_window: Some(Duration::from_secs(5 * 60)),
            answer_delay: Duration::ZERO,
            heartbeat_interval_ms: 41_250,
            bot_user_id: 1,
            bot_token: FAKE_TOKEN.to_string(),
        }
    }
}

/// A running fake Discord. Shuts down on `shutdown()` or drop.
pub struct FakeDiscord {
    shared: Arc<Shared>,
    server: Option<JoinHandle<()>>,
    proxy: Option<JoinHandle<()>>,
    proxy_url: String,
    ca: Arc<TestCa>,
    ca_file: tempfile::NamedTempFile,
}

impl FakeDiscord {
    /// Starts a fake with the default configuration.
    pub async fn start() -> FakeDiscord {
        Self::start_with(FakeConfig::default()).await
    }

    /// Starts a fake on a random loopback port.
    pub async fn start_with(cfg: FakeConfig) -> FakeDiscord {
        Self::start_on(std::net::SocketAddr::from(([127, 0, 0, 1], 0)), cfg).await
    }

    /// Starts a fake on a given loopback address (e.g. `127.0.0.1:3210` for manual runs).
    /// Panics if the address is not loopback or cannot be bound.
    pub async fn start_on(addr: std::net::SocketAddr, cfg: FakeConfig) -> FakeDiscord {
        assert!(
            addr.ip().is_loopback(),
            "the fake Discord only listens on loopback"
        );
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .unwrap_or_else(|e| panic!("fake Discord: cannot bind {addr}: {e}"));
        let local = listener.local_addr().expect("local addr");
        let proxy_listener = tokio::net::TcpListener::bind((addr.ip(), 0))
            .await
            .unwrap_or_else(|e| panic!("fake Discord: cannot bind its proxy: {e}"));
        let proxy_addr = proxy_listener.local_addr().expect("proxy addr");
        let ca = Arc::new(TestCa::generate(&DISCORD_HOSTS));
        let mut ca_file = tempfile::Builder::new()
            .prefix("fake-discord-ca-")
            .suffix(".pem")
            .tempfile()
            .expect("CA file");
        ca_file
            .write_all(ca.pem().as_bytes())
            .and_then(|()| ca_file.flush())
            .expect("CA file written");
        let (shutdown_tx, _) = watch::channel(false);
        let ws_url = format!("ws://{local}");
        let inner = Inner {
            gateway_url: ws_url.clone(),
            recommended_shards: 1,
            nonce_window: cfg.nonce_window,
            answer_delay: cfg.answer_delay,
            ..Inner::default()
        };
        let shared = Arc::new(Shared {
            cfg,
            base_url: format!("http://{local}"),
            ws_url,
            inner: Mutex::new(inner),
            ready_count: AtomicUsize::new(0),
            arrived: AtomicUsize::new(0),
            answers_pending: AtomicUsize::new(0),
            next_conn: AtomicU64::new(1),
            deadline_ms: AtomicU64::new(INTERACTION_DEADLINE.as_millis() as u64),
            shutdown_tx,
        });
        let app = Router::new()
            .route("/", any(gateway_route))
            .fallback(rest_route)
            .layer(DefaultBodyLimit::max(64 << 20))
            .with_state(Arc::clone(&shared));
        let proxy = tokio::spawn(proxy::serve_proxy(
            proxy_listener,
            Arc::clone(&shared),
            app.clone(),
            Arc::clone(&ca),
        ));
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeDiscord {
            shared,
            server: Some(server),
            proxy: Some(proxy),
            proxy_url: format!("http://{proxy_addr}"),
            ca,
            ca_file,
        }
    }

    /// `http://127.0.0.1:PORT` — give it to `HttpBuilder::proxy`.
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// What `GET /gateway` answers: `ws://127.0.0.1:PORT` unless [`FakeDiscord::set_gateway_url`]
    /// changed it.
    pub fn gateway_url(&self) -> String {
        lock(&self.shared.inner).gateway_url.clone()
    }

    /// The plain gateway address of this fake, `ws://127.0.0.1:PORT`, whatever `GET /gateway`
    /// answers.
    pub fn plain_gateway_url(&self) -> String {
        self.shared.ws_url.clone()
    }

    /// What `GET /gateway` and `GET /gateway/bot` answer (and READY's `resume_gateway_url`),
    /// e.g. the real `wss://gateway.discord.gg` for a client that reaches it through
    /// [`FakeDiscord::proxy_url`], whose CONNECT ends in this fake. Nothing else is dialled.
    pub fn set_gateway_url(&self, url: &str) {
        lock(&self.shared.inner).gateway_url = url.to_string();
    }

    /// `shards` of `GET /gateway/bot` (default 1).
    pub fn set_recommended_shards(&self, n: u64) {
        lock(&self.shared.inner).recommended_shards = n;
    }

    /// `http://127.0.0.1:PORT` of the HTTPS CONNECT proxy: every CONNECT (to `discord.com:443`,
    /// `gateway.discord.gg:443`, any host) ends in this fake, with TLS by the test CA.
    pub fn proxy_url(&self) -> String {
        self.proxy_url.clone()
    }

    /// The test CA's certificate (PEM) that signed the proxy's host certificates.
    pub fn ca_pem(&self) -> String {
        self.ca.pem().to_string()
    }

    /// The test CA's certificate in a PEM file the fake owns (deleted with it).
    pub fn ca_file(&self) -> PathBuf {
        self.ca_file.path().to_path_buf()
    }

    /// A rustls client configuration trusting only the test CA (for a test's own TLS client
    /// through the proxy, e.g. a WebSocket to `wss://gateway.discord.gg`).
    pub fn tls_client_config(&self) -> Arc<tokio_rustls::rustls::ClientConfig> {
        Arc::new(self.ca.client_config())
    }

    /// Targets of the proxy's CONNECTs so far, e.g. `["discord.com:443"]`.
    pub fn connects(&self) -> Vec<String> {
        lock(&self.shared.inner).connects.clone()
    }

    /// A serenity `Http` as the bot runs in production: serenity's rate limiter on, requests to
    /// `https://discord.com/api/v10`, through [`FakeDiscord::proxy_url`] on a reqwest client
    /// (rustls) that trusts the test CA. Application id set.
    pub fn production_http(&self) -> Arc<serenity::http::Http> {
        Arc::new(
            serenity::http::HttpBuilder::new(FAKE_TOKEN)
                .client(self.production_client())
                .application_id(serenity::model::id::ApplicationId::new(APPLICATION_ID))
                .build(),
        )
    }

    /// The reqwest client of [`FakeDiscord::production_http`]: rustls, every https request
    /// through the proxy, the test CA trusted. It is serenity's reqwest (0.12: serenity 0.12.5
    /// asks for ">=0.11.22"), the one `HttpBuilder::client` takes.
    pub fn production_client(&self) -> reqwest::Client {
        let ca = reqwest::Certificate::from_pem(self.ca.pem().as_bytes()).expect("test CA");
        reqwest::Client::builder()
            .use_rustls_tls()
            .proxy(reqwest::Proxy::https(self.proxy_url()).expect("proxy URL"))
            .add_root_certificate(ca)
            .build()
            .expect("production reqwest client")
    }

    /// How the bot reaches this fake in production mode: every https request through the
    /// proxy, the test CA trusted (what an operator behind an egress proxy configures).
    pub fn network(&self) -> paperboy::config::NetworkConfig {
        paperboy::config::NetworkConfig {
            https_proxy: Some(self.proxy_url()),
            ca_file: Some(self.ca_file()),
        }
    }

    /// The bot's own production client (`paperboy::bot::client::build_http`, serenity's rate
    /// limiter on) reaching this fake through [`FakeDiscord::network`], with the signals its
    /// rate limiter reports to.
    pub fn bot_http(
        &self,
    ) -> (
        Arc<serenity::http::Http>,
        Arc<paperboy::deliver::ratelimit::RateLimitSignals>,
    ) {
        let signals = paperboy::deliver::ratelimit::RateLimitSignals::new();
        let client = paperboy::net::http_client(&self.network()).expect("client");
        let discord = paperboy::config::Config::from_toml("", std::path::Path::new("."))
            .expect("defaults")
            .discord;
        let http = paperboy::bot::client::build_http(
            &paperboy::config::Token::new(FAKE_TOKEN),
            &discord,
            client,
            &signals,
        );
        (Arc::new(http), signals)
    }

    pub fn config(&self) -> &FakeConfig {
        &self.shared.cfg
    }

    /// A serenity `Http` talking to this fake (proxy mode, serenity's rate limiter off, application
    /// id set). The only way tests should build an `Http`.
    pub fn http(&self) -> Arc<serenity::http::Http> {
        Arc::new(self.http_builder().build())
    }

    /// The builder behind [`FakeDiscord::http`] and [`FakeDiscord::client_builder`].
    fn http_builder(&self) -> serenity::http::HttpBuilder {
        serenity::http::HttpBuilder::new(FAKE_TOKEN)
            .proxy(self.base_url())
            .ratelimiter_disabled(true)
            .application_id(serenity::model::id::ApplicationId::new(APPLICATION_ID))
    }

    /// A serenity `ClientBuilder` on this fake's `Http` (proxy mode). Add `.event_handler(..)` or
    /// `.framework(poise_framework)` and start it; `GET /gateway` sends it to this fake's gateway.
    pub fn client_builder(
        &self,
        intents: serenity::all::GatewayIntents,
    ) -> serenity::client::ClientBuilder {
        serenity::client::ClientBuilder::new_with_http(self.http_builder().build(), intents)
    }

    /// Adds a guild (sent as unavailable in READY, then GUILD_CREATE; connected sessions get a
    /// GUILD_CREATE at once). A system channel that was not added becomes a text channel.
    pub fn add_guild(&self, guild_id: u64, system_channel_id: Option<u64>) {
        let mut inner = lock(&self.shared.inner);
        inner.guilds.insert(
            guild_id,
            GuildRec {
                system_channel_id,
                locale: "en-US".into(),
            },
        );
        if let Some(c) = system_channel_id {
            inner.channels.entry(c).or_insert_with(|| ChannelRec {
                guild_id,
                kind: 0,
                name: format!("system-{c}"),
                parent_id: None,
                deleted: false,
                forbidden: false,
                no_threads: false,
                created: now_iso(),
                owner_id: None,
                recipient: None,
            });
        }
        if let Some(g) = self.shared.guild_create(&inner, guild_id) {
            self.shared
                .broadcast(&mut inner, Some(guild_id), "GUILD_CREATE", g);
        }
    }

    /// Sets a server's language (its `preferred_locale`, e.g. `ko`): GUILD_CREATE says it, and
    /// every interaction in the server carries it as `guild_locale`, as Discord sends them.
    pub fn set_guild_locale(&self, guild_id: u64, locale: &str) {
        let mut inner = lock(&self.shared.inner);
        if let Some(g) = inner.guilds.get_mut(&guild_id) {
            g.locale = locale.to_string();
        }
    }

    /// Adds a channel: kind 0 text, 5 announcement, 15 forum (also 2 voice, 4 category, 11
    /// thread...). Connected sessions get CHANNEL_CREATE.
    pub fn add_channel(&self, guild_id: u64, channel_id: u64, kind: u8) {
        let mut inner = lock(&self.shared.inner);
        inner.guilds.entry(guild_id).or_insert(GuildRec {
            system_channel_id: None,
            locale: "en-US".into(),
        });
        let rec = ChannelRec {
            guild_id,
            kind,
            name: format!("{}-{channel_id}", channel_type_name(kind)),
            parent_id: None,
            deleted: false,
            forbidden: false,
            no_threads: false,
            created: now_iso(),
            owner_id: None,
            recipient: None,
        };
        let payload = self.shared.channel_json(channel_id, &rec);
        inner.channels.insert(channel_id, rec);
        self.shared
            .broadcast(&mut inner, Some(guild_id), "CHANNEL_CREATE", payload);
    }

    /// Adds an active thread (a forum post) under `parent_id` that `owner_id` created, as a
    /// user would: listed by `GET /guilds/{id}/threads/active` and [`FakeDiscord::threads`]
    /// (connected sessions are not told).
    pub fn add_thread(&self, parent_id: u64, thread_id: u64, name: &str, owner_id: u64) {
        let mut inner = lock(&self.shared.inner);
        let guild_id = inner.channels.get(&parent_id).map_or(0, |p| p.guild_id);
        let rec = ChannelRec {
            guild_id,
            kind: 11,
            name: name.to_string(),
            parent_id: Some(parent_id),
            deleted: false,
            forbidden: false,
            no_threads: false,
            created: now_iso(),
            owner_id: Some(owner_id),
            recipient: None,
        };
        let payload = self.shared.channel_json(thread_id, &rec);
        inner.channels.insert(thread_id, rec);
        inner.threads.entry(parent_id).or_default().push(payload);
    }

    /// `owner_id` starts a public thread (type 11) named `name` from message `message_id` of
    /// channel `parent_id`, as a member does with "Create Thread" on a message
    /// (`POST /channels/{id}/messages/{id}/threads`): on Discord the thread gets the message's
    /// id. Interactions in it then carry it as their channel (type 11, `parent_id`,
    /// `thread_metadata`), and it is listed by [`FakeDiscord::threads`]. Panics when the fake
    /// has no such message in that channel.
    pub fn start_thread_from_message(
        &self,
        parent_id: u64,
        message_id: u64,
        name: &str,
        owner_id: u64,
    ) {
        let mut inner = lock(&self.shared.inner);
        assert!(
            inner
                .msg_meta
                .get(&message_id)
                .is_some_and(|m| m.channel_id == parent_id && !m.deleted),
            "fake Discord: no message {message_id} in channel {parent_id}"
        );
        let guild_id = inner.channels.get(&parent_id).map_or(0, |p| p.guild_id);
        let rec = ChannelRec {
            guild_id,
            kind: 11,
            name: name.to_string(),
            parent_id: Some(parent_id),
            deleted: false,
            forbidden: false,
            no_threads: false,
            created: now_iso(),
            owner_id: Some(owner_id),
            recipient: None,
        };
        if let Some(meta) = inner.msg_meta.get_mut(&message_id) {
            meta.flags_extra |= rest::FLAG_HAS_THREAD;
        }
        let payload = self.shared.channel_json(message_id, &rec);
        inner.channels.insert(message_id, rec);
        inner.threads.entry(parent_id).or_default().push(payload);
    }

    /// Gives a forum its tags, `(id, name, moderated)` in the forum's order, and whether it
    /// requires one on every post (`REQUIRE_TAG`): shown in its channel object
    /// (`available_tags`, `flags`) and enforced on new posts as Discord does (unknown tag ids or
    /// more than 5: 400 / 50035; no tag where one is required: 400 / 40067).
    pub fn set_forum_tags(&self, forum_id: u64, tags: &[(u64, &str, bool)], require_tag: bool) {
        let mut inner = lock(&self.shared.inner);
        inner.forums.insert(
            forum_id,
            ForumRec {
                tags: tags
                    .iter()
                    .map(|(id, name, moderated)| (*id, name.to_string(), *moderated))
                    .collect(),
                require_tag,
            },
        );
    }

    /// The tags applied to a forum post (thread), as Discord keeps them.
    pub fn applied_tags(&self, thread_id: u64) -> Vec<u64> {
        lock(&self.shared.inner)
            .applied_tags
            .get(&thread_id)
            .cloned()
            .unwrap_or_default()
    }

    /// Deletes a channel: afterwards requests to it get 404 10003 Unknown Channel. Connected
    /// sessions get CHANNEL_DELETE. A never-added id becomes a deleted text channel.
    pub fn delete_channel(&self, channel_id: u64) {
        let mut inner = lock(&self.shared.inner);
        let rec = inner
            .channels
            .entry(channel_id)
            .or_insert_with(|| ChannelRec::unknown_text(channel_id));
        rec.deleted = true;
        let rec = rec.clone();
        if rec.guild_id != 0 {
            let payload = self.shared.channel_json(channel_id, &rec);
            self.shared
                .broadcast(&mut inner, Some(rec.guild_id), "CHANNEL_DELETE", payload);
        }
    }

    /// Afterwards message POSTs there get 403 50013 Missing Permissions (reading its history with
    /// `GET /channels/{id}/messages` still works).
    pub fn forbid_channel(&self, channel_id: u64) {
        let mut inner = lock(&self.shared.inner);
        let rec = inner
            .channels
            .entry(channel_id)
            .or_insert_with(|| ChannelRec::unknown_text(channel_id));
        rec.forbidden = true;
    }

    /// Afterwards the bot may not start threads in the channel nor post in its threads (its
    /// Create Public Threads and Send Messages in Threads taken away): a thread start gets 403
    /// 50013, a message to one of its threads too, and interactions there lack both in their
    /// `app_permissions`. Plain messages still go out.
    pub fn forbid_threads(&self, channel_id: u64) {
        if let Some(rec) = lock(&self.shared.inner).channels.get_mut(&channel_id) {
            rec.no_threads = true;
        }
    }

    /// Afterwards the bot may still start threads in the channel but not post in them (its
    /// Send Messages in Threads taken away): a message to one of its threads gets 403 50013,
    /// and interactions there lack that permission in their `app_permissions`.
    pub fn forbid_thread_messages(&self, channel_id: u64) {
        lock(&self.shared.inner)
            .no_thread_messages
            .insert(channel_id);
    }

    /// Undoes [`FakeDiscord::forbid_channel`].
    pub fn allow_channel(&self, channel_id: u64) {
        if let Some(rec) = lock(&self.shared.inner).channels.get_mut(&channel_id) {
            rec.forbidden = false;
        }
    }

    /// Tells the fake about a user (not a bot) named `name`: `GET /users/{id}` returns it and the
    /// bot can open a DM channel with it. Users in dispatched interactions are learnt too; a user
    /// already known keeps its record.
    pub fn add_user(&self, user_id: u64, name: &str) {
        lock(&self.shared.inner)
            .users
            .insert(user_id, users::user_object(user_id, name));
    }

    /// From now on messages to `user_id`'s DM channel get 403 50007 Cannot send messages to this
    /// user (the user disabled DMs, or shares no server with the bot). Opening the DM channel
    /// still succeeds, as on Discord.
    pub fn close_dms(&self, user_id: u64) {
        lock(&self.shared.inner).closed_dms.insert(user_id);
    }

    /// Undoes [`FakeDiscord::close_dms`].
    pub fn open_dms(&self, user_id: u64) {
        lock(&self.shared.inner).closed_dms.remove(&user_id);
    }

    /// The bot's DM channel with `user_id`, once opened (`POST /users/@me/channels`, or a BOT_DM
    /// interaction dispatched from that user).
    pub fn dm_channel_of(&self, user_id: u64) -> Option<u64> {
        lock(&self.shared.inner).dm_channels.get(&user_id).copied()
    }

    /// Messages the bot sent to `user_id` in their DM channel, as [`FakeDiscord::messages`] lists
    /// them (refused ones are not there).
    pub fn dms(&self, user_id: u64) -> Vec<Value> {
        let inner = lock(&self.shared.inner);
        inner
            .dm_channels
            .get(&user_id)
            .and_then(|c| inner.messages.get(c))
            .cloned()
            .unwrap_or_default()
    }

    /// How long after `dispatch_interaction` the callback is accepted (default 3 s, as on
    /// Discord; later callbacks get 404 10062 Unknown interaction).
    pub fn set_interaction_deadline(&self, deadline: Duration) {
        self.shared
            .deadline_ms
            .store(deadline.as_millis() as u64, Ordering::Relaxed);
    }

    /// The next `n` REST requests (but interaction callbacks, webhooks and `/gateway`) fail this
    /// way (`Slow`: take effect, answered late; `AnswerLost`: take effect, answered 5xx).
    pub fn fail_next(&self, n: usize, failure: Failure) {
        let mut inner = lock(&self.shared.inner);
        for _ in 0..n {
            inner.fail_next.push_back(failure.clone());
        }
    }

    /// The next `n` requests with this method whose path (below `/api/v10`) starts with
    /// `path_prefix` fail this way; other requests are not affected, and these entries are used
    /// before any `fail_next` one. E.g. `("PUT", "/applications/")` fails only command
    /// registration. Panics for `/gateway` (a failed one sends serenity to the real gateway).
    pub fn fail_route_next(&self, method: &str, path_prefix: &str, n: usize, failure: Failure) {
        let prefix = path_prefix
            .strip_prefix("/api/v10")
            .unwrap_or(path_prefix)
            .to_string();
        assert!(
            !prefix.starts_with("/gateway") && !prefix.is_empty() && prefix != "/",
            "fake Discord: /gateway must not fail (serenity would try the real gateway)"
        );
        let mut inner = lock(&self.shared.inner);
        for _ in 0..n {
            inner.route_failures.push_back(RouteFailure {
                method: method.to_string(),
                path_prefix: prefix.clone(),
                failure: failure.clone(),
            });
        }
    }

    /// From now on (or no longer) the bot's token is refused: every REST request but
    /// `GET /gateway` gets 401 `{"code": 0, "message": "401: Unauthorized"}`, and an IDENTIFY or
    /// RESUME is closed with 4004 Authentication failed.
    pub fn reject_token(&self, reject: bool) {
        lock(&self.shared.inner).reject_token = reject;
    }

    /// How long `nonce` + `enforce_nonce` de-duplicate from now on (`None`: never).
    pub fn set_nonce_window(&self, window: Option<Duration>) {
        lock(&self.shared.inner).nonce_window = window;
    }

    /// Every answer of message creation (`POST /channels/{id}/messages`, `/threads`) leaves
    /// `delay` after the message was stored: a client killed in that gap has sent a message it
    /// never saw. `Duration::ZERO` turns it off.
    pub fn set_answer_delay(&self, delay: Duration) {
        lock(&self.shared.inner).answer_delay = delay;
    }

    /// A fraction `rate` of message POSTs (`/channels/{id}/messages` and `/threads`) fail with
    /// one of `kinds`, chosen by a generator seeded with `seed`, with the same effects as when
    /// injected (`AnswerLost` and `Slow` store the message). `rate` 0 turns it off.
    pub fn set_random_failures(&self, rate: f64, seed: u64, kinds: Vec<Failure>) {
        lock(&self.shared.inner).random = RandomFailures::new(rate, seed, kinds);
    }

    /// Every REST request so far, in arrival-of-answer order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.inner)
            .requests
            .iter()
            .map(|r| RecordedRequest {
                method: r.method.clone(),
                path: r.path.clone(),
                body: (*r.body).clone(),
                status: r.status,
                deduplicated: r.deduplicated,
                received: r.received,
            })
            .collect()
    }

    /// REST requests that reached the fake so far, including ones still waiting for a slow
    /// answer: lets a test act while a request is in flight.
    pub fn requests_arrived(&self) -> usize {
        self.shared.arrived.load(Ordering::SeqCst)
    }

    /// Waits until no answer is held back any more (slow answers, [`Failure::AnswerLost`],
    /// [`FakeDiscord::set_answer_delay`]): every request that arrived so far has been answered,
    /// to its client or to nobody. False if that takes longer than `timeout`.
    pub async fn answers_landed(&self, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        while self.shared.answers_pending.load(Ordering::SeqCst) > 0 {
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        true
    }

    /// Number of REST requests answered so far (cheap).
    pub fn request_count(&self) -> usize {
        lock(&self.shared.inner).requests.len()
    }

    /// Messages created in a channel or thread, in order: the request body plus `"id"` and
    /// `"channel_id"` (strings). Edits are merged in; deleted ones carry `"deleted": true`.
    pub fn messages(&self, channel_id: u64) -> Vec<Value> {
        lock(&self.shared.inner)
            .messages
            .get(&channel_id)
            .cloned()
            .unwrap_or_default()
    }

    /// Threads created under a channel (forum posts), as returned (channel object + `"message"`).
    pub fn threads(&self, parent_id: u64) -> Vec<Value> {
        lock(&self.shared.inner)
            .threads
            .get(&parent_id)
            .cloned()
            .unwrap_or_default()
    }

    /// `(channel_id, message_id)` of successful crossposts.
    pub fn crossposts(&self) -> Vec<(u64, u64)> {
        lock(&self.shared.inner).crossposts.clone()
    }

    /// What the bot answered to an interaction, in order, each
    /// `{"kind": "callback"|"followup"|"edit_original"|"edit_followup"|"delete_original"|"delete_followup", "body": ...}`
    /// (follow-up entries also carry `"message_id"`). Only accepted (2xx) answers are listed.
    pub fn interaction_responses(&self, interaction_token: &str) -> Vec<Value> {
        lock(&self.shared.inner)
            .itx
            .get(interaction_token)
            .map(|i| i.log.clone())
            .unwrap_or_default()
    }

    /// Last `PUT` of application commands:
    /// `{"scope": "global"|"guild", "guild_id": null|"id", "commands": [as returned, with ids]}`
    /// (global commands carry `integration_types` and `contexts`, Discord's defaults `[0]` and
    /// `null` when not sent).
    pub fn registered_commands(&self) -> Option<Value> {
        lock(&self.shared.inner).registered.clone()
    }

    pub fn stats(&self) -> Stats {
        lock(&self.shared.inner).stats.clone()
    }

    /// IDENTIFY payloads (`d`) received so far.
    pub fn identifies(&self) -> Vec<Value> {
        lock(&self.shared.inner).identifies.clone()
    }

    /// The `shard` field of every IDENTIFY so far (`[id, total]`), in shard order.
    pub fn identified_shards(&self) -> Vec<Value> {
        let mut shards: Vec<Value> = self
            .identifies()
            .iter()
            .map(|i| i["shard"].clone())
            .collect();
        shards.sort_by_key(|s| s[0].as_u64());
        shards
    }

    /// RESUME payloads (`d`) received so far (answered RESUMED, or op 9 for an unknown or
    /// ended session).
    pub fn resumes(&self) -> Vec<Value> {
        lock(&self.shared.inner).resumes.clone()
    }

    /// The next `n` gateway connections are accepted and closed at once with `code` (e.g. 1011),
    /// before HELLO.
    pub fn close_next_connections(&self, n: usize, code: u16) {
        let mut inner = lock(&self.shared.inner);
        for _ in 0..n {
            inner.close_next.push_back(code);
        }
    }

    /// Closes every gateway connection with `code`. The sessions stay resumable (1001, 4000,
    /// ...), except after codes that end them (4004, 4007, 4009, 4010–4014).
    pub fn close_sessions(&self, code: u16) {
        let mut inner = lock(&self.shared.inner);
        inner.sessions.retain(|s| !s.tx.is_closed());
        for s in &inner.sessions {
            let _ = s.tx.send(Outbound::Close(code));
        }
    }

    /// Every gateway frame the fake sent (HELLO, READY, GUILD_CREATE, ..., heartbeat ACKs).
    pub fn gateway_frames(&self) -> Vec<Value> {
        lock(&self.shared.inner).gateway_log.clone()
    }

    /// READY `d` as the fake would send it (for deserialization tests).
    pub fn ready_payload(&self, session_id: &str, shard: Option<[u64; 2]>) -> Value {
        let inner = lock(&self.shared.inner);
        self.shared.ready(&inner, session_id, shard)
    }

    /// GUILD_CREATE `d` as the fake would send it.
    pub fn guild_create_payload(&self, guild_id: u64) -> Option<Value> {
        let inner = lock(&self.shared.inner);
        self.shared.guild_create(&inner, guild_id)
    }

    /// The channel object of `GET /channels/{id}` / CHANNEL_CREATE (a DM channel's for type 1).
    pub fn channel_payload(&self, channel_id: u64) -> Option<Value> {
        let inner = lock(&self.shared.inner);
        inner
            .channels
            .get(&channel_id)
            .map(|c| self.shared.channel_object(&inner, channel_id, c))
    }

    /// The INTERACTION_CREATE `d` that [`FakeDiscord::dispatch_interaction`] would send for `d`
    /// (like it, this makes the interaction's users known and opens the bot's DM channel of a
    /// BOT_DM interaction).
    pub fn enriched_interaction(&self, mut d: Value) -> Value {
        let mut inner = lock(&self.shared.inner);
        self.shared.enrich_interaction(&mut inner, &mut d);
        d
    }

    /// True once a shard IDENTIFYed and was sent READY.
    pub async fn wait_until_ready(&self, timeout: Duration) -> bool {
        self.wait_until_readies(1, timeout).await
    }

    /// True once `n` READYs were sent (over all sessions, resumes not counted).
    pub async fn wait_until_readies(&self, n: usize, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if self.shared.ready_count.load(Ordering::SeqCst) >= n {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Sends INTERACTION_CREATE to the READY gateway session(s) of the shard that owns the
    /// interaction's guild (`(guild_id >> 22) % num_shards`; shard 0 outside guilds; one
    /// unsharded session gets them all), after filling in the application id, channel types,
    /// registered command id and resolved channels it knows, and the bot's DM channel with the
    /// invoker for a BOT_DM interaction (opened if need be). Its users become known. Starts the 3-second answer clock for that token. Panics when no READY
    /// session owns the guild.
    pub async fn dispatch_interaction(&self, mut d: Value) {
        let mut inner = lock(&self.shared.inner);
        self.shared.enrich_interaction(&mut inner, &mut d);
        let token = d
            .get("token")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let itx = inner.itx.entry(token).or_default();
        itx.id = d
            .get("id")
            .and_then(Value::as_str)
            .and_then(|s| s.parse().ok());
        itx.channel_id = d
            .get("channel_id")
            .and_then(Value::as_str)
            .and_then(|s| s.parse().ok());
        itx.guild_id = d
            .get("guild_id")
            .and_then(Value::as_str)
            .and_then(|s| s.parse().ok());
        itx.dispatched_at = Some(Instant::now());
        itx.acked = false;
        itx.original = None;
        itx.followups.clear();
        let guild_id = itx.guild_id;
        let sent = self
            .shared
            .broadcast(&mut inner, guild_id, "INTERACTION_CREATE", d);
        assert!(
            sent > 0,
            "fake Discord: no READY gateway session owns guild {guild_id:?}; call wait_until_ready first"
        );
    }

    /// Message `message_id` as Discord gives it (e.g. inside an interaction): the full message
    /// object, components included; `None` for a message the fake never stored.
    pub fn message_object(&self, message_id: u64) -> Option<Value> {
        let inner = lock(&self.shared.inner);
        self.shared.stored_message_response(&inner, message_id)
    }

    /// `user_id` (a member with `permissions`) picks `values` in the select menu `custom_id` of
    /// message `message_id` in a guild channel: dispatches the MESSAGE_COMPONENT interaction with
    /// the message as the fake stored it (so whatever the bot put in its components comes back
    /// to it). Panics, as Discord's client would never send it, when the message has no such
    /// select menu or a value is not among its options. Returns the interaction's token.
    #[allow(clippy::too_many_arguments)]
    pub async fn choose(
        &self,
        interaction_id: u64,
        guild_id: u64,
        channel_id: u64,
        user_id: u64,
        permissions: u64,
        message_id: u64,
        custom_id: &str,
        values: &[&str],
    ) -> String {
        let message = self
            .message_object(message_id)
            .unwrap_or_else(|| panic!("fake Discord: no message {message_id}"));
        let select = message["components"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|row| row["components"].as_array())
            .flatten()
            .find(|c| c["type"] == 3 && c["custom_id"] == custom_id)
            .unwrap_or_else(|| panic!("fake Discord: message {message_id} has no select menu {custom_id:?}: {message:#}"))
            .clone();
        for v in values {
            assert!(
                select["options"]
                    .as_array()
                    .is_some_and(|o| o.iter().any(|o| o["value"] == *v)),
                "fake Discord: {v:?} is not an option of {select:#}"
            );
        }
        let token = format!("component-{interaction_id}");
        let d = interaction::select_choice(
            interaction_id,
            &token,
            guild_id,
            channel_id,
            user_id,
            permissions,
            message,
            custom_id,
            values,
        );
        self.dispatch_interaction(d).await;
        token
    }

    /// [`FakeDiscord::choose`] in the bot's DM with `user_id`, on a message the bot sent there.
    pub async fn choose_in_dm(
        &self,
        interaction_id: u64,
        user_id: u64,
        message_id: u64,
        custom_id: &str,
        values: &[&str],
    ) -> String {
        let message = self
            .message_object(message_id)
            .unwrap_or_else(|| panic!("fake Discord: no message {message_id}"));
        assert_eq!(
            message["channel_id"],
            json!(self.dm_channel_of(user_id).map(|c| c.to_string())),
            "fake Discord: message {message_id} is not in the DM with {user_id}"
        );
        let select = message["components"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|row| row["components"].as_array())
            .flatten()
            .find(|c| c["type"] == 3 && c["custom_id"] == custom_id)
            .unwrap_or_else(|| panic!("fake Discord: message {message_id} has no select menu {custom_id:?}: {message:#}"))
            .clone();
        for v in values {
            assert!(
                select["options"]
                    .as_array()
                    .is_some_and(|o| o.iter().any(|o| o["value"] == *v)),
                "fake Discord: {v:?} is not an option of {select:#}"
            );
        }
        let token = format!("component-{interaction_id}");
        let d = interaction::select_choice_in_dm(
            interaction_id,
            &token,
            user_id,
            message,
            custom_id,
            values,
        );
        self.dispatch_interaction(d).await;
        token
    }

    /// Sends op 7 RECONNECT to all sessions (serenity reconnects and RESUMEs).
    pub fn gateway_reconnect(&self) {
        let mut inner = lock(&self.shared.inner);
        inner.sessions.retain(|s| !s.tx.is_closed());
        for s in &inner.sessions {
            let _ = s.tx.send(Outbound::Raw(json!({ "op": 7, "d": null })));
        }
    }

    /// Waits until the token has at least `n` interaction responses (or the timeout passed) and
    /// returns them.
    pub async fn wait_for_responses(&self, token: &str, n: usize, timeout: Duration) -> Vec<Value> {
        let deadline = Instant::now() + timeout;
        loop {
            let got = self.interaction_responses(token);
            if got.len() >= n || Instant::now() >= deadline {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Stops the server and closes gateway connections.
    pub async fn shutdown(mut self) {
        let _ = self.shared.shutdown_tx.send(true);
        for task in [self.server.take(), self.proxy.take()]
            .into_iter()
            .flatten()
        {
            task.abort();
            let _ = task.await;
        }
    }
}

impl Drop for FakeDiscord {
    fn drop(&mut self) {
        let _ = self.shared.shutdown_tx.send(true);
        for task in [self.server.take(), self.proxy.take()]
            .into_iter()
            .flatten()
        {
            task.abort();
        }
    }
}
