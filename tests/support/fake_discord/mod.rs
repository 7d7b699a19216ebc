#![allow(dead_code)]
//! A Discord-compatible fake server on 127.0.0.1 (REST API v10 + gateway WebSocket) for tests
//! and benchmarks. The unmodified serenity client is pointed at it through
//! `HttpBuilder::proxy(base_url)`; `GET /gateway` tells the client to connect to this server's
//! WebSocket, so nothing ever leaves loopback.
//!
//! Self-contained on purpose: the benchmark and the example include it with
//! `#[path = "../tests/support/fake_discord/mod.rs"] mod fake_discord;`.
//!
//! What it enforces, like Discord does (see /work/shared/discord/FACTS.md):
//! message/embed limits (400 / 50035 Invalid Form Body), empty messages (50006), nonce
//! de-duplication with `enforce_nonce`, deleted (404 / 10003) and forbidden (403 / 50013)
//! channels, forum channels refusing plain messages (400 / 50008), a global request limit and
//! per-channel message buckets with `X-RateLimit-*` headers, interaction callbacks answered once
//! (40060) and within 3 seconds of dispatch (10062), follow-ups only after a callback (10015),
//! application command shape limits.
//!
//! This module is the test's handle, [`FakeDiscord`], and its [`FakeConfig`]. The server behind
//! it, by concern:
//! - `state`: what one running fake keeps (guilds, channels, messages, interactions, the request
//!   log and its counters);
//! - `rest`: the REST router and route handlers; `reply`: the answers they give;
//! - `validate`: payload validation and body parsing;
//! - `failures`: injected failures (`fail_next`, random failures);
//! - `ratelimit`: the global limit and per-channel buckets, with their headers;
//! - `payloads`: Discord objects as JSON, built from the state;
//! - `gateway`: the WebSocket sessions (HELLO, IDENTIFY, READY, heartbeats, RESUME, close);
//! - [`interaction`]: builders for the INTERACTION_CREATE payloads tests dispatch.

mod failures;
mod gateway;
pub mod interaction;
mod payloads;
mod ratelimit;
mod reply;
mod rest;
mod state;
mod validate;

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
pub use state::{RecordedRequest, Stats};

use failures::RandomFailures;
use gateway::{gateway_route, Outbound};
use payloads::channel_type_name;
use rest::rest_route;
use state::{lock, now_iso, ChannelRec, GuildRec, Inner, Shared};

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
    /// Sent in HELLO.
    pub heartbeat_interval_ms: u64,
    pub bot_user_id: u64,
}

impl Default for FakeConfig {
    fn default() -> Self {
        FakeConfig {
            global_limit_per_sec: None,
            global_window: Duration::from_secs(1),
            channel_bucket: None,
            heartbeat_interval_ms: 41_250,
            bot_user_id: 1,
        }
    }
}

/// A running fake Discord. Shuts down on `shutdown()` or drop.
pub struct FakeDiscord {
    shared: Arc<Shared>,
    server: Option<JoinHandle<()>>,
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
        let (shutdown_tx, _) = watch::channel(false);
        let shared = Arc::new(Shared {
            cfg,
            base_url: format!("http://{local}"),
            ws_url: format!("ws://{local}"),
            inner: Mutex::new(Inner::default()),
            ready_count: AtomicUsize::new(0),
            arrived: AtomicUsize::new(0),
            next_conn: AtomicU64::new(1),
            deadline_ms: AtomicU64::new(INTERACTION_DEADLINE.as_millis() as u64),
            shutdown_tx,
        });
        let app = Router::new()
            .route("/", any(gateway_route))
            .fallback(rest_route)
            .layer(DefaultBodyLimit::max(64 << 20))
            .with_state(Arc::clone(&shared));
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeDiscord {
            shared,
            server: Some(server),
        }
    }

    /// `http://127.0.0.1:PORT` — give it to `HttpBuilder::proxy`.
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// `ws://127.0.0.1:PORT` — what `GET /gateway` answers.
    pub fn gateway_url(&self) -> String {
        self.shared.ws_url.clone()
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
        serenity::http::HttpBuilder::new("fake-token")
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
        inner
            .guilds
            .insert(guild_id, GuildRec { system_channel_id });
        if let Some(c) = system_channel_id {
            inner.channels.entry(c).or_insert_with(|| ChannelRec {
                guild_id,
                kind: 0,
                name: format!("system-{c}"),
                parent_id: None,
                deleted: false,
                forbidden: false,
                created: now_iso(),
                owner_id: None,
            });
        }
        if let Some(g) = self.shared.guild_create(&inner, guild_id) {
            self.shared.broadcast(&mut inner, "GUILD_CREATE", g);
        }
    }

    /// Adds a channel: kind 0 text, 5 announcement, 15 forum (also 2 voice, 4 category, 11
    /// thread...). Connected sessions get CHANNEL_CREATE.
    pub fn add_channel(&self, guild_id: u64, channel_id: u64, kind: u8) {
        let mut inner = lock(&self.shared.inner);
        inner.guilds.entry(guild_id).or_insert(GuildRec {
            system_channel_id: None,
        });
        let rec = ChannelRec {
            guild_id,
            kind,
            name: format!("{}-{channel_id}", channel_type_name(kind)),
            parent_id: None,
            deleted: false,
            forbidden: false,
            created: now_iso(),
            owner_id: None,
        };
        let payload = self.shared.channel_json(channel_id, &rec);
        inner.channels.insert(channel_id, rec);
        self.shared.broadcast(&mut inner, "CHANNEL_CREATE", payload);
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
            created: now_iso(),
            owner_id: Some(owner_id),
        };
        let payload = self.shared.channel_json(thread_id, &rec);
        inner.channels.insert(thread_id, rec);
        inner.threads.entry(parent_id).or_default().push(payload);
    }

    /// Deletes a channel: afterwards requests to it get 404 10003 Unknown Channel. Connected
    /// sessions get CHANNEL_DELETE. A never-added id becomes a deleted text channel.
    pub fn delete_channel(&self, channel_id: u64) {
        let mut inner = lock(&self.shared.inner);
        let rec = inner
            .channels
            .entry(channel_id)
            .or_insert_with(|| ChannelRec {
                guild_id: 0,
                kind: 0,
                name: format!("text-{channel_id}"),
                parent_id: None,
                deleted: false,
                forbidden: false,
                created: now_iso(),
                owner_id: None,
            });
        rec.deleted = true;
        let rec = rec.clone();
        if rec.guild_id != 0 {
            let payload = self.shared.channel_json(channel_id, &rec);
            self.shared.broadcast(&mut inner, "CHANNEL_DELETE", payload);
        }
    }

    /// Afterwards message POSTs there get 403 50013 Missing Permissions.
    pub fn forbid_channel(&self, channel_id: u64) {
        let mut inner = lock(&self.shared.inner);
        let rec = inner
            .channels
            .entry(channel_id)
            .or_insert_with(|| ChannelRec {
                guild_id: 0,
                kind: 0,
                name: format!("text-{channel_id}"),
                parent_id: None,
                deleted: false,
                forbidden: false,
                created: now_iso(),
                owner_id: None,
            });
        rec.forbidden = true;
    }

    /// Undoes [`FakeDiscord::forbid_channel`].
    pub fn allow_channel(&self, channel_id: u64) {
        if let Some(rec) = lock(&self.shared.inner).channels.get_mut(&channel_id) {
            rec.forbidden = false;
        }
    }

    /// How long after `dispatch_interaction` the callback is accepted (default 3 s, as on
    /// Discord; later callbacks get 404 10062 Unknown interaction).
    pub fn set_interaction_deadline(&self, deadline: Duration) {
        self.shared
            .deadline_ms
            .store(deadline.as_millis() as u64, Ordering::Relaxed);
    }

    /// The next `n` non-interaction REST requests fail this way (`Slow`: delayed, then answered).
    pub fn fail_next(&self, n: usize, failure: Failure) {
        let mut inner = lock(&self.shared.inner);
        for _ in 0..n {
            inner.fail_next.push_back(failure.clone());
        }
    }

    /// A fraction `rate` of message POSTs (`/channels/{id}/messages` and `/threads`) fail with
    /// one of `kinds`, chosen by a generator seeded with `seed`. `rate` 0 turns it off.
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
            })
            .collect()
    }

    /// REST requests that reached the fake so far, including ones still waiting for a slow
    /// answer: lets a test act while a request is in flight.
    pub fn requests_arrived(&self) -> usize {
        self.shared.arrived.load(Ordering::SeqCst)
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
    /// `{"scope": "global"|"guild", "guild_id": null|"id", "commands": [as returned, with ids]}`.
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

    /// Every gateway frame the fake sent (HELLO, READY, GUILD_CREATE, ..., heartbeat ACKs).
    pub fn gateway_frames(&self) -> Vec<Value> {
        lock(&self.shared.inner).gateway_log.clone()
    }

    /// READY `d` as the fake would send it (for deserialization tests).
    pub fn ready_payload(&self, session_id: &str, shard: Option<[u64; 2]>) -> Value {
        let inner = lock(&self.shared.inner);
        self.shared
            .ready(&inner, session_id, shard.map(|s| json!(s)))
    }

    /// GUILD_CREATE `d` as the fake would send it.
    pub fn guild_create_payload(&self, guild_id: u64) -> Option<Value> {
        let inner = lock(&self.shared.inner);
        self.shared.guild_create(&inner, guild_id)
    }

    /// The channel object of `GET /channels/{id}` / CHANNEL_CREATE.
    pub fn channel_payload(&self, channel_id: u64) -> Option<Value> {
        let inner = lock(&self.shared.inner);
        inner
            .channels
            .get(&channel_id)
            .map(|c| self.shared.channel_json(channel_id, c))
    }

    /// The INTERACTION_CREATE `d` that [`FakeDiscord::dispatch_interaction`] would send for `d`.
    pub fn enriched_interaction(&self, mut d: Value) -> Value {
        let inner = lock(&self.shared.inner);
        self.shared.enrich_interaction(&inner, &mut d);
        d
    }

    /// True once a shard IDENTIFYed and was sent READY.
    pub async fn wait_until_ready(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if self.shared.ready_count.load(Ordering::SeqCst) > 0 {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Sends INTERACTION_CREATE to all READY gateway sessions (after filling in the application
    /// id, channel types, registered command id and resolved channels it knows). Starts the
    /// 3-second answer clock for that token. Panics when no session is READY.
    pub async fn dispatch_interaction(&self, mut d: Value) {
        let mut inner = lock(&self.shared.inner);
        self.shared.enrich_interaction(&inner, &mut d);
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
        let sent = self.shared.broadcast(&mut inner, "INTERACTION_CREATE", d);
        assert!(
            sent > 0,
            "fake Discord: no gateway session is READY; call wait_until_ready first"
        );
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
        if let Some(server) = self.server.take() {
            server.abort();
            let _ = server.await;
        }
    }
}

impl Drop for FakeDiscord {
    fn drop(&mut self) {
        let _ = self.shared.shutdown_tx.send(true);
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }
}
