#![allow(dead_code)]
//! A Discord-compatible fake server on 127.0.0.1 (REST API v10 + gateway WebSocket) for tests
//! and benchmarks. The unmodified serenity client is pointed at it through
//! `HttpBuilder::proxy(base_url)`; `GET /gateway` tells the client to connect to this server's
//! WebSocket, so nothing ever leaves loopback.
//!
//! Self-contained on purpose: benchmarks include it with
//! `#[path = "../tests/support/fake_discord.rs"] mod fake_discord;`.
//!
//! What it enforces, like Discord does (see /work/shared/discord/FACTS.md):
//! message/embed limits (400 / 50035 Invalid Form Body), empty messages (50006), nonce
//! de-duplication with `enforce_nonce`, deleted (404 / 10003) and forbidden (403 / 50013)
//! channels, forum channels refusing plain messages (400 / 50008), a global request limit and
//! per-channel message buckets with `X-RateLimit-*` headers, interaction callbacks answered once
//! (40060) and within 3 seconds of dispatch (10062), follow-ups only after a callback (10015),
//! application command shape limits.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{DefaultBodyLimit, State as AxState};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Map, Value};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

const API_PREFIX: &str = "/api/v10";
const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;
const MESSAGE_BUCKET_HASH: &str = "80c17d2f203122d936070c88c8d10f33";
/// How long a bot has to answer an interaction the fake dispatched.
pub const INTERACTION_DEADLINE: Duration = Duration::from_secs(3);
/// VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | ATTACH_FILES | READ_MESSAGE_HISTORY |
/// USE_EXTERNAL_EMOJIS | ADD_REACTIONS | CREATE_PUBLIC_THREADS | SEND_MESSAGES_IN_THREADS:
/// the bot's `app_permissions` in built interactions.
pub const DEFAULT_APP_PERMISSIONS: u64 = (1 << 10)
    | (1 << 11)
    | (1 << 14)
    | (1 << 15)
    | (1 << 16)
    | (1 << 18)
    | (1 << 6)
    | (1 << 35)
    | (1 << 38);
/// Message flag: the message is an interaction "thinking…" placeholder.
const FLAG_LOADING: u64 = 1 << 7;
/// Message flag: published to followers.
const FLAG_CROSSPOSTED: u64 = 1;

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

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
    pub application_id: u64,
    pub bot_user_id: u64,
}

impl Default for FakeConfig {
    fn default() -> Self {
        FakeConfig {
            global_limit_per_sec: None,
            global_window: Duration::from_secs(1),
            channel_bucket: None,
            heartbeat_interval_ms: 41_250,
            application_id: 2,
            bot_user_id: 1,
        }
    }
}

/// An injected failure.
#[derive(Clone, Debug, PartialEq)]
pub enum Failure {
    /// 429 with `retry_after` (seconds) and `global` in the body and headers.
    RateLimited { retry_after: f64, global: bool },
    /// That status (500, 502, 503, ...) with a JSON body.
    ServerError(u16),
    /// Wait that long, then answer normally.
    Slow(Duration),
    /// 403 `{"code":50013,"message":"Missing Permissions"}`.
    Forbidden,
    /// 404 `{"code":10003,"message":"Unknown Channel"}`.
    UnknownChannel,
    /// The request takes effect, but the client gets this 5xx status instead of the answer (a
    /// gateway timeout between the bot and Discord): the bot cannot tell whether it worked.
    AnswerLost(u16),
}

/// One REST request the fake received.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    pub method: String,
    /// Path without the `/api/v10` prefix, e.g. `/channels/4/messages`.
    pub path: String,
    /// Raw query string without `?` (serenity writes `?&a=b`, so this may start with `&`).
    pub query: String,
    /// JSON body (`payload_json` for multipart), `Null` when there was none.
    pub body: Value,
    /// Number of uploaded files in a multipart body.
    pub files: usize,
    /// Status the fake answered with.
    pub status: u16,
    /// When the request arrived.
    pub at: Instant,
    /// A message POST answered with an earlier message because of `nonce` + `enforce_nonce`.
    pub deduplicated: bool,
}

/// Counters over all REST requests.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    pub total_requests: u64,
    pub by_status: BTreeMap<u16, u64>,
    /// Number of 429 answers (injected or enforced).
    pub rate_limited: u64,
    /// `POST /channels/{id}/messages` requests, whatever their outcome.
    pub message_posts: u64,
    /// Messages actually created in channels and threads (forum starter messages included).
    pub messages_created: u64,
    /// Message POSTs answered with an existing message because of `enforce_nonce`.
    pub deduplicated: u64,
}

/// A running fake Discord. Shuts down on `shutdown()` or drop.
pub struct FakeDiscord {
    shared: Arc<Shared>,
    server: Option<JoinHandle<()>>,
}

// ---------------------------------------------------------------------------------------------
// Internal state
// ---------------------------------------------------------------------------------------------

struct Shared {
    cfg: FakeConfig,
    base_url: String,
    ws_url: String,
    inner: Mutex<Inner>,
    ready_count: AtomicUsize,
    /// REST requests that arrived, answered or not (a slow answer is still in flight).
    arrived: AtomicUsize,
    next_conn: AtomicU64,
    deadline_ms: AtomicU64,
    shutdown_tx: watch::Sender<bool>,
}

#[derive(Default)]
struct Inner {
    last_id: u64,
    guilds: BTreeMap<u64, GuildRec>,
    channels: HashMap<u64, ChannelRec>,
    /// Stored messages by channel: request body + "id" + "channel_id".
    messages: HashMap<u64, Vec<Value>>,
    msg_meta: HashMap<u64, MsgMeta>,
    nonces: HashMap<(u64, String), u64>,
    threads: HashMap<u64, Vec<Value>>,
    crossposts: Vec<(u64, u64)>,
    itx: HashMap<String, Itx>,
    registered: Option<Value>,
    global_commands: Vec<Value>,
    guild_commands: HashMap<u64, Vec<Value>>,
    command_ids: HashMap<(u64, String), u64>,
    requests: Vec<LoggedRequest>,
    stats: Stats,
    fail_next: VecDeque<Failure>,
    random: Option<RandomFailures>,
    global_window: VecDeque<Instant>,
    buckets: HashMap<u64, Bucket>,
    sessions: Vec<SessionHandle>,
    session_seqs: HashMap<String, u64>,
    identifies: Vec<Value>,
    gateway_log: Vec<Value>,
}

struct LoggedRequest {
    method: String,
    path: String,
    query: String,
    body: Arc<Value>,
    files: usize,
    status: u16,
    at: Instant,
    deduplicated: bool,
}

struct GuildRec {
    system_channel_id: Option<u64>,
}

#[derive(Clone)]
struct ChannelRec {
    guild_id: u64,
    kind: u8,
    name: String,
    parent_id: Option<u64>,
    deleted: bool,
    forbidden: bool,
    created: String,
    /// A thread's creator; `None`: the bot.
    owner_id: Option<u64>,
}

struct MsgMeta {
    channel_id: u64,
    index: usize,
    guild_id: Option<u64>,
    timestamp: String,
    edited: Option<String>,
    flags_extra: u64,
    deleted: bool,
}

#[derive(Default)]
struct Itx {
    id: Option<u64>,
    dispatched_at: Option<Instant>,
    channel_id: Option<u64>,
    guild_id: Option<u64>,
    acked: bool,
    original: Option<InteractionMessage>,
    followups: BTreeMap<u64, InteractionMessage>,
    log: Vec<Value>,
}

#[derive(Clone)]
struct InteractionMessage {
    id: u64,
    body: Value,
    timestamp: String,
    edited: Option<String>,
    kind: u8,
}

struct RandomFailures {
    rate: f64,
    rng: StdRng,
    kinds: Vec<Failure>,
}

struct Bucket {
    window_end: Instant,
    used: u32,
}

impl Bucket {
    /// Ok((remaining, reset_after)) or Err(retry_after).
    fn take(
        &mut self,
        now: Instant,
        limit: u32,
        per: Duration,
    ) -> Result<(u32, Duration), Duration> {
        if now >= self.window_end {
            self.window_end = now + per;
            self.used = 0;
        }
        if self.used >= limit {
            Err(self.window_end - now)
        } else {
            self.used += 1;
            Ok((limit - self.used, self.window_end - now))
        }
    }
}

struct SessionHandle {
    conn_id: u64,
    session_id: String,
    tx: mpsc::UnboundedSender<Outbound>,
}

enum Outbound {
    Dispatch(String, Value),
    Raw(Value),
    Close(u16),
}

struct Req {
    method: String,
    path: String,
    query: String,
    segs: Vec<String>,
    body: Value,
    files: usize,
}

enum Outcome {
    Done(Reply, bool),
    SlowThen(Duration),
}

struct Reply {
    status: u16,
    body: Option<Value>,
    headers: Vec<(String, String)>,
}

impl Reply {
    fn json(status: u16, body: Value) -> Reply {
        Reply {
            status,
            body: Some(body),
            headers: Vec::new(),
        }
    }

    fn no_content() -> Reply {
        Reply {
            status: 204,
            body: None,
            headers: Vec::new(),
        }
    }

    fn error(status: u16, code: i64, message: &str) -> Reply {
        Reply::json(status, json!({ "message": message, "code": code }))
    }

    fn not_found() -> Reply {
        Reply::error(404, 0, "404: Not Found")
    }

    fn unknown_channel() -> Reply {
        Reply::error(404, 10003, "Unknown Channel")
    }

    fn unknown_message() -> Reply {
        Reply::error(404, 10008, "Unknown Message")
    }

    fn unknown_webhook() -> Reply {
        Reply::error(404, 10015, "Unknown Webhook")
    }

    fn unknown_interaction() -> Reply {
        Reply::error(404, 10062, "Unknown interaction")
    }

    fn missing_permissions() -> Reply {
        Reply::error(403, 50013, "Missing Permissions")
    }

    fn empty_message() -> Reply {
        Reply::error(400, 50006, "Cannot send an empty message")
    }

    fn rate_limited(retry_after: f64, global: bool) -> Reply {
        let retry_after = (retry_after * 1000.0).ceil() / 1000.0;
        let mut r = Reply::json(
            429,
            json!({ "message": "You are being rate limited.", "retry_after": retry_after, "global": global }),
        );
        r.headers
            .push(("retry-after".into(), format!("{retry_after:.3}")));
        if global {
            r.headers.push(("x-ratelimit-global".into(), "true".into()));
            r.headers
                .push(("x-ratelimit-scope".into(), "global".into()));
        } else {
            r.headers.push(("x-ratelimit-scope".into(), "user".into()));
        }
        r
    }

    fn failure(f: &Failure) -> Reply {
        match f {
            Failure::RateLimited {
                retry_after,
                global,
            } => Reply::rate_limited(*retry_after, *global),
            Failure::ServerError(code) => {
                let status = if (500..600).contains(code) {
                    *code
                } else {
                    500
                };
                Reply::error(status, 0, &format!("{status}: Server Error"))
            }
            Failure::Forbidden => Reply::missing_permissions(),
            Failure::UnknownChannel => Reply::unknown_channel(),
            // Only reached if a Slow failure had to be answered directly; answer normally-ish.
            Failure::Slow(_) => Reply::error(500, 0, "500: Internal Server Error"),
            Failure::AnswerLost(code) => {
                Reply::error(*code, 0, &format!("{code}: Gateway Timeout"))
            }
        }
    }

    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut resp = match self.body {
            Some(body) => (
                status,
                [(CONTENT_TYPE, "application/json")],
                body.to_string(),
            )
                .into_response(),
            None => status.into_response(),
        };
        for (k, v) in self.headers {
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(k.as_bytes()),
                HeaderValue::from_str(&v),
            ) {
                resp.headers_mut().insert(name, value);
            }
        }
        resp
    }
}

/// Collects `errors` for a 50035 Invalid Form Body answer, in Discord's nested shape
/// `{"embeds":{"0":{"title":{"_errors":[{"code","message"}]}}}}`.
#[derive(Default)]
struct FormErrors {
    root: Map<String, Value>,
}

impl FormErrors {
    fn add(&mut self, path: &[String], code: &str, message: String) {
        let mut cur = &mut self.root;
        for p in path {
            cur = cur
                .entry(p.clone())
                .or_insert_with(|| Value::Object(Map::new()))
                .as_object_mut()
                .expect("error tree nodes are objects");
        }
        let errs = cur
            .entry("_errors".to_string())
            .or_insert_with(|| json!([]));
        if let Some(a) = errs.as_array_mut() {
            a.push(json!({ "code": code, "message": message }));
        }
    }

    fn max_len(&mut self, path: &[String], value: Option<&Value>, max: usize) {
        if let Some(s) = value.and_then(Value::as_str) {
            if s.chars().count() > max {
                self.add(
                    path,
                    "BASE_TYPE_MAX_LENGTH",
                    format!("Must be {max} or fewer in length."),
                );
            }
        }
    }

    fn len_between(&mut self, path: &[String], value: Option<&Value>, min: usize, max: usize) {
        match value.and_then(Value::as_str) {
            None => self.add(path, "BASE_TYPE_REQUIRED", "This field is required".into()),
            Some(s) => {
                let n = s.chars().count();
                if n < min || n > max {
                    self.add(
                        path,
                        "BASE_TYPE_BAD_LENGTH",
                        format!("Must be between {min} and {max} in length."),
                    );
                }
            }
        }
    }

    fn is_empty(&self) -> bool {
        self.root.is_empty()
    }

    fn into_reply(self) -> Reply {
        Reply::json(
            400,
            json!({ "code": 50035, "message": "Invalid Form Body", "errors": self.root }),
        )
    }
}

fn path_of(prefix: &[String], extra: &[&str]) -> Vec<String> {
    prefix
        .iter()
        .cloned()
        .chain(extra.iter().map(|s| s.to_string()))
        .collect()
}

fn chars(v: Option<&Value>) -> usize {
    v.and_then(Value::as_str).map_or(0, |s| s.chars().count())
}

fn check_url(errs: &mut FormErrors, path: Vec<String>, v: Option<&Value>, allow_attachment: bool) {
    let Some(v) = v else { return };
    let Some(s) = v.as_str() else {
        if !v.is_null() {
            errs.add(
                &path,
                "URL_TYPE_INVALID_URL",
                "Not a well formed URL.".into(),
            );
        }
        return;
    };
    let ok = (s.starts_with("https://") && s.len() > 8)
        || (s.starts_with("http://") && s.len() > 7)
        || (allow_attachment && s.starts_with("attachment://") && s.len() > 13);
    if !ok {
        match s.split_once("://") {
            Some((scheme, _)) if !scheme.is_empty() => errs.add(
                &path,
                "URL_TYPE_INVALID_SCHEME",
                format!("Scheme \"{scheme}\" is not supported. Scheme must be one of ('http', 'https')."),
            ),
            _ => errs.add(&path, "URL_TYPE_INVALID_URL", "Not a well formed URL.".into()),
        }
    }
}

/// Discord's message limits. `prefix` is the error path of the message object.
fn validate_message(errs: &mut FormErrors, prefix: &[String], body: &Value) {
    if !body.is_object() {
        if !body.is_null() {
            errs.add(
                prefix,
                "DICT_TYPE_CONVERT",
                "Only dictionaries may be used in a DictType".into(),
            );
        }
        return;
    }
    errs.max_len(&path_of(prefix, &["content"]), body.get("content"), 2000);
    if let Some(nonce) = body.get("nonce") {
        match nonce {
            Value::String(s) if s.chars().count() > 25 => errs.add(
                &path_of(prefix, &["nonce"]),
                "BASE_TYPE_MAX_LENGTH",
                "Must be 25 or fewer in length.".into(),
            ),
            Value::String(_) | Value::Number(_) | Value::Null => {}
            _ => errs.add(
                &path_of(prefix, &["nonce"]),
                "NONCE_TYPE_INVALID",
                "Nonce must be a string or integer".into(),
            ),
        }
    }
    if let Some(embeds) = body.get("embeds").and_then(Value::as_array) {
        let epath = path_of(prefix, &["embeds"]);
        if embeds.len() > 10 {
            errs.add(
                &epath,
                "BASE_TYPE_MAX_LENGTH",
                "Must be 10 or fewer in length.".into(),
            );
        }
        let mut total = 0usize;
        for (i, e) in embeds.iter().enumerate() {
            let i = i.to_string();
            let ep = path_of(&epath, &[&i]);
            total += validate_embed(errs, &ep, e);
        }
        if total > 6000 {
            errs.add(
                &epath,
                "MAX_EMBED_SIZE_EXCEEDED",
                "Embed size exceeds maximum size of 6000".into(),
            );
        }
    }
    if let Some(rows) = body.get("components").and_then(Value::as_array) {
        if rows.len() > 5 {
            errs.add(
                &path_of(prefix, &["components"]),
                "BASE_TYPE_MAX_LENGTH",
                "Must be 5 or fewer in length.".into(),
            );
        }
    }
}

/// Validates one embed and returns its size as Discord counts it.
fn validate_embed(errs: &mut FormErrors, ep: &[String], e: &Value) -> usize {
    if !e.is_object() {
        errs.add(
            ep,
            "DICT_TYPE_CONVERT",
            "Only dictionaries may be used in a DictType".into(),
        );
        return 0;
    }
    let mut size = chars(e.get("title")) + chars(e.get("description"));
    errs.max_len(&path_of(ep, &["title"]), e.get("title"), 256);
    errs.max_len(&path_of(ep, &["description"]), e.get("description"), 4096);
    check_url(errs, path_of(ep, &["url"]), e.get("url"), false);
    if let Some(c) = e.get("color") {
        match c.as_u64() {
            Some(c) if c <= 0xFF_FFFF => {}
            _ if c.is_null() => {}
            _ => errs.add(
                &path_of(ep, &["color"]),
                "NUMBER_TYPE_MAX",
                "int value should be less than or equal to 16777215.".into(),
            ),
        }
    }
    if let Some(fields) = e.get("fields").and_then(Value::as_array) {
        if fields.len() > 25 {
            errs.add(
                &path_of(ep, &["fields"]),
                "BASE_TYPE_MAX_LENGTH",
                "Must be 25 or fewer in length.".into(),
            );
        }
        for (j, f) in fields.iter().enumerate() {
            let j = j.to_string();
            size += chars(f.get("name")) + chars(f.get("value"));
            errs.len_between(&path_of(ep, &["fields", &j, "name"]), f.get("name"), 1, 256);
            errs.len_between(
                &path_of(ep, &["fields", &j, "value"]),
                f.get("value"),
                1,
                1024,
            );
        }
    }
    if let Some(footer) = e.get("footer").filter(|f| !f.is_null()) {
        size += chars(footer.get("text"));
        errs.len_between(
            &path_of(ep, &["footer", "text"]),
            footer.get("text"),
            1,
            2048,
        );
        check_url(
            errs,
            path_of(ep, &["footer", "icon_url"]),
            footer.get("icon_url"),
            true,
        );
    }
    if let Some(author) = e.get("author").filter(|a| !a.is_null()) {
        size += chars(author.get("name"));
        errs.len_between(
            &path_of(ep, &["author", "name"]),
            author.get("name"),
            1,
            256,
        );
        check_url(
            errs,
            path_of(ep, &["author", "url"]),
            author.get("url"),
            false,
        );
        check_url(
            errs,
            path_of(ep, &["author", "icon_url"]),
            author.get("icon_url"),
            true,
        );
    }
    for key in ["thumbnail", "image"] {
        if let Some(obj) = e.get(key).filter(|o| !o.is_null()) {
            match obj.get("url") {
                None | Some(Value::Null) => errs.add(
                    &path_of(ep, &[key, "url"]),
                    "BASE_TYPE_REQUIRED",
                    "This field is required".into(),
                ),
                url => check_url(errs, path_of(ep, &[key, "url"]), url, true),
            }
        }
    }
    size
}

fn is_empty_message(body: &Value, files: usize) -> bool {
    let nonempty_str = |k: &str| {
        body.get(k)
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty())
    };
    let nonempty_arr = |k: &str| {
        body.get(k)
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty())
    };
    !(nonempty_str("content")
        || nonempty_arr("embeds")
        || nonempty_arr("components")
        || nonempty_arr("sticker_ids")
        || nonempty_arr("attachments")
        || body.get("poll").is_some_and(|p| !p.is_null())
        || files > 0)
}

fn valid_command_name(name: &str, chat_input: bool) -> bool {
    let n = name.chars().count();
    if !(1..=32).contains(&n) {
        return false;
    }
    if !chat_input {
        return true;
    }
    name.chars()
        .all(|c| c == '-' || c == '_' || c.is_alphanumeric())
        && name.to_lowercase() == name
}

/// Validates application command options; returns the characters they count toward the
/// 4000-character limit of a command.
fn validate_options(
    errs: &mut FormErrors,
    prefix: &[String],
    options: &[Value],
    depth: usize,
) -> usize {
    let mut total = 0;
    if options.len() > 25 {
        errs.add(
            prefix,
            "BASE_TYPE_MAX_LENGTH",
            "Must be 25 or fewer in length.".into(),
        );
    }
    let mut names = HashSet::new();
    let mut seen_optional = false;
    for (i, o) in options.iter().enumerate() {
        let i = i.to_string();
        let op = path_of(prefix, &[&i]);
        let kind = o.get("type").and_then(Value::as_u64).unwrap_or(0);
        let name = o.get("name").and_then(Value::as_str).unwrap_or("");
        total += name.chars().count() + chars(o.get("description"));
        if !valid_command_name(name, true) {
            errs.add(
                &path_of(&op, &["name"]),
                "APPLICATION_COMMAND_INVALID_NAME",
                "Command name is invalid".into(),
            );
        }
        if !names.insert(name.to_string()) {
            errs.add(
                &path_of(&op, &["name"]),
                "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS",
                "Option names must be unique".into(),
            );
        }
        errs.len_between(
            &path_of(&op, &["description"]),
            o.get("description"),
            1,
            100,
        );
        if !(1..=11).contains(&kind) {
            errs.add(
                &path_of(&op, &["type"]),
                "BASE_TYPE_CHOICES",
                "Value must be one of {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}.".into(),
            );
        }
        let required = o.get("required").and_then(Value::as_bool).unwrap_or(false);
        if kind > 2 {
            if required && seen_optional {
                errs.add(
                    &path_of(&op, &["required"]),
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options".into(),
                );
            }
            if !required {
                seen_optional = true;
            }
        }
        if let Some(choices) = o.get("choices").and_then(Value::as_array) {
            if choices.len() > 25 {
                errs.add(
                    &path_of(&op, &["choices"]),
                    "BASE_TYPE_MAX_LENGTH",
                    "Must be 25 or fewer in length.".into(),
                );
            }
            for (j, c) in choices.iter().enumerate() {
                let j = j.to_string();
                total += chars(c.get("name"))
                    + c.get("value")
                        .and_then(Value::as_str)
                        .map_or(0, |s| s.chars().count());
                errs.len_between(
                    &path_of(&op, &["choices", &j, "name"]),
                    c.get("name"),
                    1,
                    100,
                );
                errs.max_len(
                    &path_of(&op, &["choices", &j, "value"]),
                    c.get("value"),
                    100,
                );
            }
        }
        let sub = o.get("options").and_then(Value::as_array);
        match kind {
            1 | 2 => {
                let allowed_child = |k: u64| if kind == 2 { k == 1 } else { k > 2 };
                if depth >= 2 || (kind == 2 && depth >= 1) {
                    errs.add(&path_of(&op, &["type"]), "APPLICATION_COMMAND_OPTION_TYPE_INVALID", "Sub-command and sub-command group option types are mutually exclusive to all other types".into());
                }
                if let Some(sub) = sub {
                    for (j, s) in sub.iter().enumerate() {
                        let k = s.get("type").and_then(Value::as_u64).unwrap_or(0);
                        if !allowed_child(k) {
                            let j = j.to_string();
                            errs.add(&path_of(&op, &["options", &j, "type"]), "APPLICATION_COMMAND_OPTION_TYPE_INVALID", "Sub-command and sub-command group option types are mutually exclusive to all other types".into());
                        }
                    }
                    total += validate_options(errs, &path_of(&op, &["options"]), sub, depth + 1);
                }
            }
            _ => {
                if sub.is_some_and(|s| !s.is_empty()) {
                    errs.add(
                        &path_of(&op, &["options"]),
                        "APPLICATION_COMMAND_OPTION_TYPE_INVALID",
                        "Only sub-commands and groups can have options".into(),
                    );
                }
            }
        }
    }
    total
}

fn validate_commands(errs: &mut FormErrors, body: &Value) {
    let Some(cmds) = body.as_array() else {
        errs.add(&[], "BASE_TYPE_ARRAY", "Must be an array".into());
        return;
    };
    if cmds.len() > 100 {
        errs.add(
            &[],
            "BASE_TYPE_MAX_LENGTH",
            "Must be 100 or fewer in length.".into(),
        );
    }
    let mut names = HashSet::new();
    for (i, c) in cmds.iter().enumerate() {
        let i = i.to_string();
        let cp = vec![i.clone()];
        let kind = c.get("type").and_then(Value::as_u64).unwrap_or(1);
        let name = c.get("name").and_then(Value::as_str).unwrap_or("");
        if !valid_command_name(name, kind == 1) {
            errs.add(
                &path_of(&cp, &["name"]),
                "APPLICATION_COMMAND_INVALID_NAME",
                "Command name is invalid".into(),
            );
        }
        if !names.insert((kind, name.to_string())) {
            errs.add(
                &path_of(&cp, &["name"]),
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                format!("Application command names must be unique: {name}"),
            );
        }
        let mut total = name.chars().count();
        if kind == 1 {
            errs.len_between(
                &path_of(&cp, &["description"]),
                c.get("description"),
                1,
                100,
            );
            total += chars(c.get("description"));
        }
        if let Some(p) = c.get("default_member_permissions") {
            let ok = p.is_null()
                || p.as_str()
                    .is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()));
            if !ok {
                errs.add(
                    &path_of(&cp, &["default_member_permissions"]),
                    "BASE_TYPE_INVALID",
                    "Must be a permission bitfield string".into(),
                );
            }
        }
        if let Some(opts) = c.get("options").and_then(Value::as_array) {
            total += validate_options(errs, &path_of(&cp, &["options"]), opts, 0);
        }
        if total > 4000 {
            errs.add(
                &cp,
                "APPLICATION_COMMAND_TOO_LARGE",
                "Command exceeds maximum size (4000)".into(),
            );
        }
    }
}

fn find_bytes(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() || from > hay.len() - needle.len() {
        return None;
    }
    hay[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// Parses a JSON or multipart (`payload_json` + `files[n]`) body.
fn parse_body(headers: &HeaderMap, bytes: &[u8]) -> Result<(Value, usize), Reply> {
    if bytes.is_empty() {
        return Ok((Value::Null, 0));
    }
    let ct = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let invalid_json = || Reply::error(400, 50109, "The request body contains invalid JSON.");
    if !ct.starts_with("multipart/form-data") {
        return serde_json::from_slice(bytes)
            .map(|v| (v, 0))
            .map_err(|_| invalid_json());
    }
    let boundary = ct
        .split(';')
        .find_map(|p| p.trim().strip_prefix("boundary="))
        .map(|b| b.trim_matches('"').to_string())
        .ok_or_else(invalid_json)?;
    let delim = format!("--{boundary}").into_bytes();
    let mut payload = Value::Null;
    let mut files = 0;
    let mut pos = find_bytes(bytes, &delim, 0).ok_or_else(invalid_json)? + delim.len();
    loop {
        if bytes[pos..].starts_with(b"--") {
            break;
        }
        let next = find_bytes(bytes, &delim, pos).ok_or_else(invalid_json)?;
        let part = &bytes[pos..next];
        let part = part.strip_prefix(b"\r\n").unwrap_or(part);
        let part = part.strip_suffix(b"\r\n").unwrap_or(part);
        if let Some(h_end) = find_bytes(part, b"\r\n\r\n", 0) {
            let head = String::from_utf8_lossy(&part[..h_end]).to_ascii_lowercase();
            let content = &part[h_end + 4..];
            if head.contains("name=\"payload_json\"") {
                payload = serde_json::from_slice(content).map_err(|_| invalid_json())?;
            } else if head.contains("filename=")
                || head.contains("name=\"files[")
                || head.contains("name=\"file\"")
            {
                files += 1;
            }
        }
        pos = next + delim.len();
    }
    Ok((payload, files))
}

fn id_of(s: &str) -> Result<u64, Reply> {
    s.parse::<u64>().ok().filter(|&n| n > 0).ok_or_else(|| {
        let mut e = FormErrors::default();
        e.add(
            &[],
            "NUMBER_TYPE_COERCE",
            format!("Value \"{s}\" is not snowflake."),
        );
        e.into_reply()
    })
}

fn now_iso() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, false)
}

fn epoch_secs_f64(after: Duration) -> f64 {
    (SystemTime::now() + after)
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

fn bucket_headers(limit: u32, remaining: u32, reset_after: Duration) -> Vec<(String, String)> {
    vec![
        ("x-ratelimit-bucket".into(), MESSAGE_BUCKET_HASH.into()),
        ("x-ratelimit-limit".into(), limit.to_string()),
        ("x-ratelimit-remaining".into(), remaining.to_string()),
        (
            "x-ratelimit-reset".into(),
            format!("{:.3}", epoch_secs_f64(reset_after)),
        ),
        (
            "x-ratelimit-reset-after".into(),
            format!("{:.3}", reset_after.as_secs_f64()),
        ),
    ]
}

fn normalize_embeds(v: Option<&Value>) -> Value {
    let embeds = v.and_then(Value::as_array).cloned().unwrap_or_default();
    Value::Array(
        embeds
            .into_iter()
            .map(|mut e| {
                if let Some(o) = e.as_object_mut() {
                    o.entry("type").or_insert_with(|| json!("rich"));
                    if o.get("fields").is_some_and(Value::is_null) {
                        o.remove("fields");
                    }
                }
                e
            })
            .collect(),
    )
}

fn merge_into(target: &mut Value, patch: &Value) {
    if let (Some(t), Some(p)) = (target.as_object_mut(), patch.as_object()) {
        for (k, v) in p {
            t.insert(k.clone(), v.clone());
        }
    }
}

fn channel_type_name(kind: u8) -> &'static str {
    match kind {
        0 => "text",
        2 => "voice",
        4 => "category",
        5 => "announcements",
        10..=12 => "thread",
        15 => "forum",
        16 => "media",
        _ => "channel",
    }
}

fn lock(m: &Mutex<Inner>) -> MutexGuard<'_, Inner> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Inner {
    fn next_id(&mut self) -> u64 {
        let ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        let candidate = ms.saturating_sub(DISCORD_EPOCH_MS) << 22;
        self.last_id = candidate.max(self.last_id + 1);
        self.last_id
    }
}

// ---------------------------------------------------------------------------------------------
// Payload builders (need config + state)
// ---------------------------------------------------------------------------------------------

impl Shared {
    fn bot_user(&self) -> Value {
        json!({
            "id": self.cfg.bot_user_id.to_string(),
            "username": "paperboy",
            "discriminator": "0",
            "global_name": null,
            "avatar": null,
            "bot": true,
            "system": false,
            "public_flags": 0,
            "flags": 0,
        })
    }

    fn current_user(&self) -> Value {
        let mut u = self.bot_user();
        merge_into(
            &mut u,
            &json!({ "verified": true, "mfa_enabled": false, "email": null, "locale": "en-US", "banner": null, "accent_color": null, "premium_type": 0 }),
        );
        u
    }

    fn channel_json(&self, id: u64, c: &ChannelRec) -> Value {
        let mut v = json!({
            "id": id.to_string(),
            "type": c.kind,
            "guild_id": c.guild_id.to_string(),
            "name": c.name,
            "position": 0,
            "permission_overwrites": [],
            "nsfw": false,
            "topic": null,
            "last_message_id": null,
            "parent_id": c.parent_id.map(|p| p.to_string()),
            "rate_limit_per_user": 0,
            "flags": 0,
        });
        match c.kind {
            15 | 16 => merge_into(
                &mut v,
                &json!({
                    "available_tags": [],
                    "default_reaction_emoji": null,
                    "default_sort_order": null,
                    "default_forum_layout": 0,
                    "default_thread_rate_limit_per_user": 0,
                }),
            ),
            10..=12 => {
                merge_into(
                    &mut v,
                    &json!({
                        "owner_id": c.owner_id.unwrap_or(self.cfg.bot_user_id).to_string(),
                        "message_count": 0,
                        "member_count": 1,
                        "total_message_sent": 0,
                        "thread_metadata": {
                            "archived": false,
                            "auto_archive_duration": 4320,
                            "archive_timestamp": c.created,
                            "locked": false,
                            "create_timestamp": c.created,
                        },
                    }),
                );
                if let Some(o) = v.as_object_mut() {
                    o.remove("permission_overwrites");
                    o.remove("position");
                    o.remove("topic");
                }
            }
            _ => {}
        }
        v
    }

    fn guild_common(&self, guild_id: u64, g: &GuildRec) -> Value {
        json!({
            "id": guild_id.to_string(),
            "name": format!("Guild {guild_id}"),
            "icon": null,
            "icon_hash": null,
            "splash": null,
            "discovery_splash": null,
            "owner_id": "99",
            "afk_timeout": 300,
            "widget_enabled": false,
            "widget_channel_id": null,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": [{
                "id": guild_id.to_string(),
                "name": "@everyone",
                "color": 0,
                "colors": { "primary_color": 0, "secondary_color": null, "tertiary_color": null },
                "hoist": false,
                "icon": null,
                "unicode_emoji": null,
                "position": 0,
                "permissions": DEFAULT_APP_PERMISSIONS.to_string(),
                "managed": false,
                "mentionable": false,
                "flags": 0,
            }],
            "emojis": [],
            "features": [],
            "mfa_level": 0,
            "application_id": null,
            "system_channel_id": g.system_channel_id.map(|c| c.to_string()),
            "system_channel_flags": 0,
            "rules_channel_id": null,
            "max_presences": null,
            "max_members": 500000,
            "vanity_url_code": null,
            "description": null,
            "banner": null,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "public_updates_channel_id": null,
            "max_video_channel_users": 25,
            "max_stage_video_channel_users": 50,
            "nsfw_level": 0,
            "stickers": [],
            "premium_progress_bar_enabled": false,
            "safety_alerts_channel_id": null,
            "incidents_data": null,
        })
    }

    fn guild_channels(&self, inner: &Inner, guild_id: u64, threads: bool) -> Vec<Value> {
        let mut ids: Vec<u64> = inner
            .channels
            .iter()
            .filter(|(_, c)| {
                c.guild_id == guild_id && !c.deleted && (10..=12).contains(&c.kind) == threads
            })
            .map(|(id, _)| *id)
            .collect();
        ids.sort_unstable();
        ids.iter()
            .map(|id| self.channel_json(*id, &inner.channels[id]))
            .collect()
    }

    fn guild_create(&self, inner: &Inner, guild_id: u64) -> Option<Value> {
        let g = inner.guilds.get(&guild_id)?;
        let mut v = self.guild_common(guild_id, g);
        let member = json!({
            "user": self.bot_user(),
            "nick": null,
            "avatar": null,
            "roles": [],
            "joined_at": "2024-01-01T00:00:00.000000+00:00",
            "premium_since": null,
            "deaf": false,
            "mute": false,
            "flags": 0,
            "pending": false,
            "communication_disabled_until": null,
        });
        merge_into(
            &mut v,
            &json!({
                "joined_at": "2024-01-01T00:00:00.000000+00:00",
                "large": false,
                "unavailable": false,
                "member_count": 2,
                "voice_states": [],
                "members": [member],
                "channels": self.guild_channels(inner, guild_id, false),
                "threads": self.guild_channels(inner, guild_id, true),
                "presences": [],
                "stage_instances": [],
                "guild_scheduled_events": [],
                "soundboard_sounds": [],
            }),
        );
        Some(v)
    }

    fn ready(&self, inner: &Inner, session_id: &str, shard: Option<Value>) -> Value {
        let guilds: Vec<Value> = inner
            .guilds
            .keys()
            .map(|g| json!({ "id": g.to_string(), "unavailable": true }))
            .collect();
        let mut v = json!({
            "v": 10,
            "user": self.current_user(),
            "guilds": guilds,
            "session_id": session_id,
            "resume_gateway_url": self.ws_url,
            "application": { "id": self.cfg.application_id.to_string(), "flags": 0 },
            "private_channels": [],
            "relationships": [],
        });
        if let Some(shard) = shard {
            v["shard"] = shard;
        }
        v
    }

    fn build_message(
        &self,
        id: u64,
        channel_id: u64,
        guild_id: Option<u64>,
        body: &Value,
        meta: MsgView<'_>,
    ) -> Value {
        let flags = body.get("flags").and_then(Value::as_u64).unwrap_or(0) | meta.flags_extra;
        let mut m = json!({
            "id": id.to_string(),
            "channel_id": channel_id.to_string(),
            "author": self.bot_user(),
            "content": body.get("content").and_then(Value::as_str).unwrap_or(""),
            "timestamp": meta.timestamp,
            "edited_timestamp": meta.edited,
            "tts": body.get("tts").and_then(Value::as_bool).unwrap_or(false),
            "mention_everyone": false,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": normalize_embeds(body.get("embeds")),
            "components": body.get("components").filter(|c| c.is_array()).cloned().unwrap_or(json!([])),
            "pinned": false,
            "type": meta.kind,
            "flags": flags,
        });
        if let Some(g) = guild_id {
            m["guild_id"] = json!(g.to_string());
        }
        if let Some(n) = body.get("nonce").filter(|n| !n.is_null()) {
            m["nonce"] = n.clone();
        }
        if meta.webhook {
            m["webhook_id"] = json!(self.cfg.application_id.to_string());
            m["application_id"] = json!(self.cfg.application_id.to_string());
        }
        m
    }

    fn stored_message_response(&self, inner: &Inner, id: u64) -> Option<Value> {
        let meta = inner.msg_meta.get(&id)?;
        let body = inner.messages.get(&meta.channel_id)?.get(meta.index)?;
        Some(self.build_message(
            id,
            meta.channel_id,
            meta.guild_id,
            body,
            MsgView {
                timestamp: &meta.timestamp,
                edited: meta.edited.as_deref(),
                flags_extra: meta.flags_extra,
                kind: 0,
                webhook: false,
            },
        ))
    }

    fn interaction_message_response(&self, itx: &Itx, m: &InteractionMessage) -> Value {
        self.build_message(
            m.id,
            itx.channel_id.unwrap_or(self.cfg.bot_user_id),
            itx.guild_id,
            &m.body,
            MsgView {
                timestamp: &m.timestamp,
                edited: m.edited.as_deref(),
                flags_extra: 0,
                kind: m.kind,
                webhook: true,
            },
        )
    }

    fn application_info(&self) -> Value {
        json!({
            "id": self.cfg.application_id.to_string(),
            "name": "paperboy",
            "icon": null,
            "description": "Hugging Face Daily Papers digest",
            "rpc_origins": [],
            "bot_public": true,
            "bot_require_code_grant": false,
            "terms_of_service_url": null,
            "privacy_policy_url": null,
            "owner": { "id": "99", "username": "owner", "discriminator": "0", "global_name": null, "avatar": null, "public_flags": 0, "flags": 0 },
            "verify_key": "0000000000000000000000000000000000000000000000000000000000000000",
            "team": null,
            "flags": 0,
            "tags": [],
            "bot": self.bot_user(),
            "redirect_uris": [],
            "interactions_endpoint_url": null,
            "role_connections_verification_url": null,
            "integration_types_config": { "0": {} },
            "approximate_guild_count": 0,
        })
    }
}

struct MsgView<'a> {
    timestamp: &'a str,
    edited: Option<&'a str>,
    flags_extra: u64,
    kind: u8,
    webhook: bool,
}

// ---------------------------------------------------------------------------------------------
// REST handling
// ---------------------------------------------------------------------------------------------

/// Interaction callbacks and webhooks are exempt from the global limit (like on Discord) and from
/// `fail_next`. `/gateway` is exempt too: if it failed, serenity would fall back to the real
/// `wss://gateway.discord.gg`.
fn is_exempt(segs: &[String]) -> bool {
    matches!(
        segs.first().map(String::as_str),
        Some("interactions") | Some("webhooks") | Some("gateway")
    )
}

fn is_message_post(method: &str, segs: &[String]) -> bool {
    method == "POST"
        && segs.len() == 3
        && segs[0] == "channels"
        && (segs[2] == "messages" || segs[2] == "threads")
}

async fn rest_route(
    AxState(shared): AxState<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    let at = Instant::now();
    let full_path = uri.path().to_string();
    let path = full_path
        .strip_prefix(API_PREFIX)
        .unwrap_or(&full_path)
        .to_string();
    let query = uri.query().unwrap_or("").to_string();
    let segs: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    let mut req = Req {
        method: method.as_str().to_string(),
        path,
        query,
        segs,
        body: Value::Null,
        files: 0,
    };
    if !full_path.starts_with(API_PREFIX) {
        return shared.finish(
            &mut lock(&shared.inner),
            &req,
            at,
            Reply::not_found(),
            false,
        );
    }
    match parse_body(&headers, &bytes) {
        Ok((body, files)) => {
            req.body = body;
            req.files = files;
        }
        Err(reply) => return shared.finish(&mut lock(&shared.inner), &req, at, reply, false),
    }

    let exempt = is_exempt(&req.segs);
    shared.arrived.fetch_add(1, Ordering::SeqCst);
    let injected = if exempt {
        None
    } else {
        lock(&shared.inner).fail_next.pop_front()
    };
    match injected {
        Some(Failure::Slow(d)) => tokio::time::sleep(d).await,
        Some(Failure::AnswerLost(code)) => {
            let mut inner = lock(&shared.inner);
            if let Outcome::Done(_, dedup) = shared.process(&mut inner, &req, exempt, true) {
                let lost = Reply::failure(&Failure::AnswerLost(code));
                return shared.finish(&mut inner, &req, at, lost, dedup);
            }
        }
        Some(f) => {
            return shared.finish(
                &mut lock(&shared.inner),
                &req,
                at,
                Reply::failure(&f),
                false,
            )
        }
        None => {}
    }
    let mut skip_random = false;
    loop {
        let outcome = {
            let mut inner = lock(&shared.inner);
            match shared.process(&mut inner, &req, exempt, skip_random) {
                Outcome::Done(reply, dedup) => {
                    return shared.finish(&mut inner, &req, at, reply, dedup)
                }
                other => other,
            }
        };
        if let Outcome::SlowThen(d) = outcome {
            tokio::time::sleep(d).await;
            skip_random = true;
        }
    }
}

impl Shared {
    fn finish(
        &self,
        inner: &mut Inner,
        req: &Req,
        at: Instant,
        reply: Reply,
        deduplicated: bool,
    ) -> Response {
        let status = reply.status;
        inner.stats.total_requests += 1;
        *inner.stats.by_status.entry(status).or_insert(0) += 1;
        if status == 429 {
            inner.stats.rate_limited += 1;
        }
        inner.requests.push(LoggedRequest {
            method: req.method.clone(),
            path: req.path.clone(),
            query: req.query.clone(),
            body: Arc::new(req.body.clone()),
            files: req.files,
            status,
            at,
            deduplicated,
        });
        reply.into_response()
    }

    fn process(&self, inner: &mut Inner, req: &Req, exempt: bool, skip_random: bool) -> Outcome {
        if !exempt {
            if let Some(limit) = self.cfg.global_limit_per_sec {
                let now = Instant::now();
                while inner
                    .global_window
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= self.cfg.global_window)
                {
                    inner.global_window.pop_front();
                }
                if inner.global_window.len() >= limit as usize {
                    let oldest = *inner
                        .global_window
                        .front()
                        .expect("window is non-empty when full");
                    let retry = self
                        .cfg
                        .global_window
                        .saturating_sub(now.duration_since(oldest));
                    return Outcome::Done(
                        Reply::rate_limited(retry.as_secs_f64().max(0.001), true),
                        false,
                    );
                }
                inner.global_window.push_back(now);
            }
        }
        if !skip_random && is_message_post(&req.method, &req.segs) {
            if let Some(r) = inner.random.as_mut() {
                if !r.kinds.is_empty() && r.rng.gen::<f64>() < r.rate {
                    let f = r.kinds[r.rng.gen_range(0..r.kinds.len())].clone();
                    return match f {
                        Failure::Slow(d) => Outcome::SlowThen(d),
                        f => Outcome::Done(Reply::failure(&f), false),
                    };
                }
            }
        }
        let mut dedup = false;
        let reply = self.route(inner, req, &mut dedup).unwrap_or_else(|r| r);
        Outcome::Done(reply, dedup)
    }

    fn route(&self, inner: &mut Inner, req: &Req, dedup: &mut bool) -> Result<Reply, Reply> {
        let segs: Vec<&str> = req.segs.iter().map(String::as_str).collect();
        let app = self.cfg.application_id;
        Ok(match (req.method.as_str(), segs.as_slice()) {
            ("GET", ["gateway"]) => Reply::json(200, json!({ "url": self.ws_url })),
            ("GET", ["gateway", "bot"]) => Reply::json(
                200,
                json!({
                    "url": self.ws_url,
                    "shards": 1,
                    "session_start_limit": { "total": 1000, "remaining": 999, "reset_after": 86_400_000u64, "max_concurrency": 1 },
                }),
            ),
            ("GET", ["users", "@me"]) => Reply::json(200, self.current_user()),
            ("GET", ["oauth2", "applications", "@me"]) | ("GET", ["applications", "@me"]) => {
                Reply::json(200, self.application_info())
            }
            ("PUT", ["applications", a, "commands"]) => {
                if id_of(a)? != app {
                    return Err(Reply::error(403, 50001, "Missing Access"));
                }
                self.put_commands(inner, None, &req.body)
            }
            ("GET", ["applications", a, "commands"]) => {
                if id_of(a)? != app {
                    return Err(Reply::error(403, 50001, "Missing Access"));
                }
                Reply::json(200, Value::Array(inner.global_commands.clone()))
            }
            ("PUT", ["applications", a, "guilds", g, "commands"]) => {
                if id_of(a)? != app {
                    return Err(Reply::error(403, 50001, "Missing Access"));
                }
                let g = id_of(g)?;
                self.put_commands(inner, Some(g), &req.body)
            }
            ("GET", ["applications", a, "guilds", g, "commands"]) => {
                if id_of(a)? != app {
                    return Err(Reply::error(403, 50001, "Missing Access"));
                }
                let g = id_of(g)?;
                Reply::json(
                    200,
                    Value::Array(inner.guild_commands.get(&g).cloned().unwrap_or_default()),
                )
            }
            ("GET", ["channels", c]) => {
                let c = id_of(c)?;
                match inner.channels.get(&c) {
                    Some(rec) if !rec.deleted => Reply::json(200, self.channel_json(c, rec)),
                    _ => Reply::unknown_channel(),
                }
            }
            ("POST", ["channels", c, "messages"]) => {
                let c = id_of(c)?;
                self.post_message(inner, c, req, dedup)
            }
            ("POST", ["channels", c, "typing"]) => {
                let c = id_of(c)?;
                self.writable_channel(inner, c)?;
                Reply::no_content()
            }
            ("GET", ["channels", c, "messages", m]) => {
                let (c, m) = (id_of(c)?, id_of(m)?);
                match inner.msg_meta.get(&m) {
                    Some(meta) if meta.channel_id == c && !meta.deleted => Reply::json(
                        200,
                        self.stored_message_response(inner, m)
                            .unwrap_or(Value::Null),
                    ),
                    _ => Reply::unknown_message(),
                }
            }
            ("PATCH", ["channels", c, "messages", m]) => {
                let (c, m) = (id_of(c)?, id_of(m)?);
                self.edit_channel_message(inner, c, m, &req.body)?
            }
            ("DELETE", ["channels", c, "messages", m]) => {
                let (c, m) = (id_of(c)?, id_of(m)?);
                match inner.msg_meta.get_mut(&m) {
                    Some(meta) if meta.channel_id == c && !meta.deleted => {
                        meta.deleted = true;
                        let index = meta.index;
                        if let Some(stored) =
                            inner.messages.get_mut(&c).and_then(|v| v.get_mut(index))
                        {
                            stored["deleted"] = json!(true);
                        }
                        Reply::no_content()
                    }
                    _ => Reply::unknown_message(),
                }
            }
            ("POST", ["channels", c, "messages", m, "crosspost"]) => {
                let (c, m) = (id_of(c)?, id_of(m)?);
                self.crosspost(inner, c, m)?
            }
            ("POST", ["channels", c, "threads"]) => {
                let c = id_of(c)?;
                self.create_thread(inner, c, &req.body, req.files)?
            }
            ("GET", ["guilds", g]) => {
                let g = id_of(g)?;
                match inner.guilds.get(&g) {
                    Some(rec) => {
                        let mut v = self.guild_common(g, rec);
                        if req.query.contains("with_counts=true") {
                            v["approximate_member_count"] = json!(2);
                            v["approximate_presence_count"] = json!(1);
                        }
                        Reply::json(200, v)
                    }
                    None => Reply::error(404, 10004, "Unknown Guild"),
                }
            }
            ("GET", ["guilds", g, "threads", "active"]) => {
                let g = id_of(g)?;
                if !inner.guilds.contains_key(&g) {
                    return Err(Reply::error(404, 10004, "Unknown Guild"));
                }
                let threads = self.guild_channels(inner, g, true);
                Reply::json(200, json!({ "threads": threads, "members": [] }))
            }
            ("GET", ["guilds", g, "channels"]) => {
                let g = id_of(g)?;
                if !inner.guilds.contains_key(&g) {
                    return Err(Reply::error(404, 10004, "Unknown Guild"));
                }
                Reply::json(200, Value::Array(self.guild_channels(inner, g, false)))
            }
            ("POST", ["interactions", i, token, "callback"]) => {
                let i = id_of(i)?;
                self.with_itx(inner, token, |s, itx, next| {
                    s.interaction_callback(itx, i, &req.body, next)
                })
            }
            ("POST", ["webhooks", a, token]) => {
                if id_of(a)? != app {
                    return Err(Reply::unknown_webhook());
                }
                self.with_itx(inner, token, |s, itx, next| {
                    s.followup(itx, &req.body, req.files, next)
                })
            }
            (method @ ("GET" | "PATCH" | "DELETE"), ["webhooks", a, token, "messages", m]) => {
                if id_of(a)? != app {
                    return Err(Reply::unknown_webhook());
                }
                let target = if *m == "@original" {
                    None
                } else {
                    Some(id_of(m)?)
                };
                self.with_itx(inner, token, |s, itx, _| {
                    s.webhook_message(itx, method, target, &req.body)
                })
            }
            _ => Reply::not_found(),
        })
    }

    /// Runs `f` with the interaction state of `token` (created if unknown) and an id generator.
    fn with_itx(
        &self,
        inner: &mut Inner,
        token: &str,
        f: impl FnOnce(&Self, &mut Itx, &mut dyn FnMut() -> u64) -> Reply,
    ) -> Reply {
        let mut itx = inner.itx.remove(token).unwrap_or_default();
        let reply = {
            let mut next = || inner.next_id();
            f(self, &mut itx, &mut next)
        };
        inner.itx.insert(token.to_string(), itx);
        reply
    }

    /// Channel checks shared by message POSTs: Ok((guild_id, kind)).
    fn writable_channel(&self, inner: &Inner, channel_id: u64) -> Result<(Option<u64>, u8), Reply> {
        match inner.channels.get(&channel_id) {
            None => Ok((None, 0)),
            Some(c) if c.deleted => Err(Reply::unknown_channel()),
            Some(c) if c.forbidden => Err(Reply::missing_permissions()),
            Some(c) => Ok((Some(c.guild_id), c.kind)),
        }
    }

    fn post_message(
        &self,
        inner: &mut Inner,
        channel_id: u64,
        req: &Req,
        dedup: &mut bool,
    ) -> Reply {
        inner.stats.message_posts += 1;
        let mut headers = Vec::new();
        if let Some((limit, per)) = self.cfg.channel_bucket {
            let now = Instant::now();
            let bucket = inner.buckets.entry(channel_id).or_insert(Bucket {
                window_end: now,
                used: 0,
            });
            match bucket.take(now, limit, per) {
                Ok((remaining, reset_after)) => {
                    headers = bucket_headers(limit, remaining, reset_after)
                }
                Err(retry) => {
                    let mut r = Reply::rate_limited(retry.as_secs_f64().max(0.001), false);
                    r.headers.extend(bucket_headers(limit, 0, retry));
                    return r;
                }
            }
        }
        let mut reply = self
            .post_message_inner(inner, channel_id, req, dedup)
            .unwrap_or_else(|r| r);
        reply.headers.extend(headers);
        reply
    }

    fn post_message_inner(
        &self,
        inner: &mut Inner,
        channel_id: u64,
        req: &Req,
        dedup: &mut bool,
    ) -> Result<Reply, Reply> {
        let (guild_id, kind) = self.writable_channel(inner, channel_id)?;
        if matches!(kind, 2 | 4 | 13 | 15 | 16) {
            return Err(Reply::error(
                400,
                50008,
                "Cannot send messages in a non-text channel",
            ));
        }
        let mut errs = FormErrors::default();
        validate_message(&mut errs, &[], &req.body);
        if !errs.is_empty() {
            return Err(errs.into_reply());
        }
        if is_empty_message(&req.body, req.files) {
            return Err(Reply::empty_message());
        }
        let nonce = match req.body.get("nonce") {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        let enforce = req
            .body
            .get("enforce_nonce")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        if let (Some(n), true) = (&nonce, enforce) {
            if let Some(&existing) = inner.nonces.get(&(channel_id, n.clone())) {
                if let Some(m) = self.stored_message_response(inner, existing) {
                    *dedup = true;
                    inner.stats.deduplicated += 1;
                    return Ok(Reply::json(200, m));
                }
            }
        }
        let id = inner.next_id();
        let m = self.store_message(inner, channel_id, guild_id, id, &req.body, req.files);
        if let Some(n) = nonce {
            inner.nonces.entry((channel_id, n)).or_insert(id);
        }
        Ok(Reply::json(200, m))
    }

    fn store_message(
        &self,
        inner: &mut Inner,
        channel_id: u64,
        guild_id: Option<u64>,
        id: u64,
        body: &Value,
        files: usize,
    ) -> Value {
        let mut stored = if body.is_object() {
            body.clone()
        } else {
            json!({})
        };
        stored["id"] = json!(id.to_string());
        stored["channel_id"] = json!(channel_id.to_string());
        if files > 0 {
            stored["uploaded_files"] = json!(files);
        }
        let list = inner.messages.entry(channel_id).or_default();
        list.push(stored);
        let index = list.len() - 1;
        inner.msg_meta.insert(
            id,
            MsgMeta {
                channel_id,
                index,
                guild_id,
                timestamp: now_iso(),
                edited: None,
                flags_extra: 0,
                deleted: false,
            },
        );
        inner.stats.messages_created += 1;
        self.stored_message_response(inner, id)
            .unwrap_or(Value::Null)
    }

    fn edit_channel_message(
        &self,
        inner: &mut Inner,
        channel_id: u64,
        id: u64,
        body: &Value,
    ) -> Result<Reply, Reply> {
        self.writable_channel(inner, channel_id)?;
        let Some(meta) = inner
            .msg_meta
            .get_mut(&id)
            .filter(|m| m.channel_id == channel_id && !m.deleted)
        else {
            return Err(Reply::unknown_message());
        };
        let mut errs = FormErrors::default();
        validate_message(&mut errs, &[], body);
        if !errs.is_empty() {
            return Err(errs.into_reply());
        }
        meta.edited = Some(now_iso());
        let index = meta.index;
        if let Some(stored) = inner
            .messages
            .get_mut(&channel_id)
            .and_then(|v| v.get_mut(index))
        {
            merge_into(stored, body);
        }
        Ok(Reply::json(
            200,
            self.stored_message_response(inner, id)
                .unwrap_or(Value::Null),
        ))
    }

    fn crosspost(&self, inner: &mut Inner, channel_id: u64, id: u64) -> Result<Reply, Reply> {
        let (_, kind) = self.writable_channel(inner, channel_id)?;
        let Some(meta) = inner
            .msg_meta
            .get_mut(&id)
            .filter(|m| m.channel_id == channel_id && !m.deleted)
        else {
            return Err(Reply::unknown_message());
        };
        if kind != 5 {
            return Err(Reply::error(
                400,
                50024,
                "Cannot execute action on this channel type",
            ));
        }
        if meta.flags_extra & FLAG_CROSSPOSTED != 0 {
            return Err(Reply::error(
                400,
                40033,
                "This message has already been crossposted.",
            ));
        }
        meta.flags_extra |= FLAG_CROSSPOSTED;
        inner.crossposts.push((channel_id, id));
        Ok(Reply::json(
            200,
            self.stored_message_response(inner, id)
                .unwrap_or(Value::Null),
        ))
    }

    fn create_thread(
        &self,
        inner: &mut Inner,
        parent_id: u64,
        body: &Value,
        files: usize,
    ) -> Result<Reply, Reply> {
        let (guild_id, kind) = self.writable_channel(inner, parent_id)?;
        let forum = matches!(kind, 15 | 16);
        let message = body.get("message").filter(|m| !m.is_null());
        let mut errs = FormErrors::default();
        errs.len_between(&["name".to_string()], body.get("name"), 1, 100);
        match (forum, message) {
            (true, None) => errs.add(
                &["message".to_string()],
                "BASE_TYPE_REQUIRED",
                "This field is required".into(),
            ),
            (true, Some(m)) => validate_message(&mut errs, &["message".to_string()], m),
            (false, Some(_)) => {
                return Err(Reply::error(
                    400,
                    50024,
                    "Cannot execute action on this channel type",
                ))
            }
            (false, None) => {}
        }
        if !errs.is_empty() {
            return Err(errs.into_reply());
        }
        if let (true, Some(m)) = (forum, message) {
            if is_empty_message(m, files) {
                return Err(Reply::empty_message());
            }
        }
        let thread_kind = if forum {
            11
        } else {
            body.get("type").and_then(Value::as_u64).unwrap_or(12) as u8
        };
        let thread_id = inner.next_id();
        let rec = ChannelRec {
            guild_id: guild_id.unwrap_or(0),
            kind: thread_kind,
            name: body
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("thread")
                .to_string(),
            parent_id: Some(parent_id),
            deleted: false,
            forbidden: false,
            created: now_iso(),
            owner_id: None,
        };
        let mut thread = self.channel_json(thread_id, &rec);
        if guild_id.is_none() {
            // Never-registered parent: no known guild; serenity needs a valid id, use the parent's.
            thread["guild_id"] = json!(parent_id.to_string());
        }
        inner.channels.insert(thread_id, rec);
        if let Some(m) = message {
            // On Discord the starter message of a forum post has the thread's id.
            let msg = self.store_message(inner, thread_id, guild_id, thread_id, m, files);
            thread["message"] = msg;
            thread["message_count"] = json!(1);
            thread["total_message_sent"] = json!(1);
        }
        inner
            .threads
            .entry(parent_id)
            .or_default()
            .push(thread.clone());
        Ok(Reply::json(201, thread))
    }

    fn put_commands(&self, inner: &mut Inner, guild: Option<u64>, body: &Value) -> Reply {
        let mut errs = FormErrors::default();
        validate_commands(&mut errs, body);
        if !errs.is_empty() {
            return errs.into_reply();
        }
        let mut out = Vec::new();
        for c in body.as_array().into_iter().flatten() {
            let name = c
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let key = (guild.unwrap_or(0), name);
            let id = match inner.command_ids.get(&key) {
                Some(id) => *id,
                None => {
                    let id = inner.next_id();
                    inner.command_ids.insert(key, id);
                    id
                }
            };
            let mut cmd = c.clone();
            let o = cmd.as_object_mut().expect("validated command is an object");
            o.insert("id".into(), json!(id.to_string()));
            o.insert(
                "application_id".into(),
                json!(self.cfg.application_id.to_string()),
            );
            o.insert("version".into(), json!(inner.next_id().to_string()));
            o.entry("type").or_insert(json!(1));
            o.entry("description").or_insert(json!(""));
            o.entry("default_member_permissions").or_insert(Value::Null);
            o.entry("nsfw").or_insert(json!(false));
            if let Some(g) = guild {
                o.insert("guild_id".into(), json!(g.to_string()));
            }
            out.push(cmd);
        }
        match guild {
            Some(g) => {
                inner.guild_commands.insert(g, out.clone());
            }
            None => inner.global_commands = out.clone(),
        }
        inner.registered = Some(json!({
            "scope": if guild.is_some() { "guild" } else { "global" },
            "guild_id": guild.map(|g| g.to_string()),
            "commands": out.clone(),
        }));
        Reply::json(200, Value::Array(out))
    }

    fn interaction_callback(
        &self,
        itx: &mut Itx,
        interaction_id: u64,
        body: &Value,
        next: &mut dyn FnMut() -> u64,
    ) -> Reply {
        if itx.id.is_some_and(|known| known != interaction_id) {
            return Reply::unknown_interaction();
        }
        let deadline = Duration::from_millis(self.deadline_ms.load(Ordering::Relaxed));
        if itx.dispatched_at.is_some_and(|at| at.elapsed() > deadline) {
            return Reply::unknown_interaction();
        }
        if itx.acked {
            return Reply::error(400, 40060, "Interaction has already been acknowledged.");
        }
        let kind = body.get("type").and_then(Value::as_u64);
        let data = body.get("data").filter(|d| !d.is_null());
        let mut errs = FormErrors::default();
        let data_path = ["data".to_string()];
        let mut original = None;
        match kind {
            Some(1) | Some(6) | Some(10) | Some(12) => {}
            Some(4) | Some(7) => {
                let data = data.cloned().unwrap_or(json!({}));
                validate_message(&mut errs, &data_path, &data);
                if errs.is_empty() && kind == Some(4) && is_empty_message(&data, 0) {
                    return Reply::empty_message();
                }
                if kind == Some(4) {
                    original = Some(data);
                }
            }
            Some(5) => {
                let flags = data
                    .and_then(|d| d.get("flags"))
                    .and_then(Value::as_u64)
                    .unwrap_or(0);
                original = Some(json!({ "content": "", "flags": flags | FLAG_LOADING }));
            }
            Some(8) => {
                let choices = data
                    .and_then(|d| d.get("choices"))
                    .and_then(Value::as_array);
                match choices {
                    None => errs.add(
                        &path_of(&data_path, &["choices"]),
                        "BASE_TYPE_REQUIRED",
                        "This field is required".into(),
                    ),
                    Some(choices) => {
                        if choices.len() > 25 {
                            errs.add(
                                &path_of(&data_path, &["choices"]),
                                "BASE_TYPE_MAX_LENGTH",
                                "Must be 25 or fewer in length.".into(),
                            );
                        }
                        for (j, c) in choices.iter().enumerate() {
                            let j = j.to_string();
                            errs.len_between(
                                &path_of(&data_path, &["choices", &j, "name"]),
                                c.get("name"),
                                1,
                                100,
                            );
                            errs.max_len(
                                &path_of(&data_path, &["choices", &j, "value"]),
                                c.get("value"),
                                100,
                            );
                            if c.get("value").is_none_or(Value::is_null) {
                                errs.add(
                                    &path_of(&data_path, &["choices", &j, "value"]),
                                    "BASE_TYPE_REQUIRED",
                                    "This field is required".into(),
                                );
                            }
                        }
                    }
                }
            }
            Some(9) => {
                let d = data.cloned().unwrap_or(json!({}));
                errs.len_between(
                    &path_of(&data_path, &["custom_id"]),
                    d.get("custom_id"),
                    1,
                    100,
                );
                errs.len_between(&path_of(&data_path, &["title"]), d.get("title"), 1, 45);
                if !d
                    .get("components")
                    .and_then(Value::as_array)
                    .is_some_and(|c| (1..=5).contains(&c.len()))
                {
                    errs.add(
                        &path_of(&data_path, &["components"]),
                        "BASE_TYPE_BAD_LENGTH",
                        "Must be between 1 and 5 in length.".into(),
                    );
                }
            }
            _ => errs.add(
                &["type".to_string()],
                "BASE_TYPE_CHOICES",
                "Value must be one of {1, 4, 5, 6, 7, 8, 9, 10, 12}.".into(),
            ),
        }
        if !errs.is_empty() {
            return errs.into_reply();
        }
        itx.acked = true;
        if let Some(body) = original {
            itx.original = Some(InteractionMessage {
                id: next(),
                body,
                timestamp: now_iso(),
                edited: None,
                kind: 20,
            });
        }
        itx.log.push(json!({ "kind": "callback", "body": body }));
        Reply::no_content()
    }

    fn followup(
        &self,
        itx: &mut Itx,
        body: &Value,
        files: usize,
        next: &mut dyn FnMut() -> u64,
    ) -> Reply {
        if !itx.acked {
            return Reply::unknown_webhook();
        }
        let mut errs = FormErrors::default();
        validate_message(&mut errs, &[], body);
        if !errs.is_empty() {
            return errs.into_reply();
        }
        if is_empty_message(body, files) {
            return Reply::empty_message();
        }
        let m = InteractionMessage {
            id: next(),
            body: body.clone(),
            timestamp: now_iso(),
            edited: None,
            kind: 0,
        };
        let resp = self.interaction_message_response(itx, &m);
        itx.log
            .push(json!({ "kind": "followup", "message_id": m.id.to_string(), "body": body }));
        itx.followups.insert(m.id, m);
        Reply::json(200, resp)
    }

    fn webhook_message(
        &self,
        itx: &mut Itx,
        method: &str,
        target: Option<u64>,
        body: &Value,
    ) -> Reply {
        let exists = match target {
            None => itx.original.is_some(),
            Some(id) => itx.followups.contains_key(&id),
        };
        if !exists {
            return Reply::unknown_message();
        }
        match method {
            "GET" => {
                let m = match target {
                    None => itx.original.clone(),
                    Some(id) => itx.followups.get(&id).cloned(),
                };
                m.map_or_else(Reply::unknown_message, |m| {
                    Reply::json(200, self.interaction_message_response(itx, &m))
                })
            }
            "DELETE" => {
                match target {
                    None => {
                        itx.original = None;
                        itx.log.push(json!({ "kind": "delete_original" }));
                    }
                    Some(id) => {
                        itx.followups.remove(&id);
                        itx.log.push(
                            json!({ "kind": "delete_followup", "message_id": id.to_string() }),
                        );
                    }
                }
                Reply::no_content()
            }
            _ => {
                let mut errs = FormErrors::default();
                validate_message(&mut errs, &[], body);
                if !errs.is_empty() {
                    return errs.into_reply();
                }
                let slot = match target {
                    None => itx.original.as_mut(),
                    Some(id) => itx.followups.get_mut(&id),
                };
                let Some(m) = slot else {
                    return Reply::unknown_message();
                };
                merge_into(&mut m.body, body);
                if let Some(flags) = m.body.get("flags").and_then(Value::as_u64) {
                    m.body["flags"] = json!(flags & !FLAG_LOADING);
                }
                m.edited = Some(now_iso());
                let m = m.clone();
                let resp = self.interaction_message_response(itx, &m);
                itx.log.push(match target {
                    None => json!({ "kind": "edit_original", "body": body }),
                    Some(id) => json!({ "kind": "edit_followup", "message_id": id.to_string(), "body": body }),
                });
                Reply::json(200, resp)
            }
        }
    }

    /// Sends a dispatch to every READY gateway session.
    fn broadcast(&self, inner: &mut Inner, t: &str, d: Value) -> usize {
        inner.sessions.retain(|s| !s.tx.is_closed());
        for s in &inner.sessions {
            let _ = s.tx.send(Outbound::Dispatch(t.to_string(), d.clone()));
        }
        inner.sessions.len()
    }

    /// Fills in what the fake knows: application id, channel types, registered command ids and
    /// `resolved` channels.
    fn enrich_interaction(&self, inner: &Inner, d: &mut Value) {
        d["application_id"] = json!(self.cfg.application_id.to_string());
        let channel_id = d
            .get("channel_id")
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<u64>().ok());
        if let Some(rec) = channel_id.and_then(|c| inner.channels.get(&c)) {
            if let Some(ch) = d.get_mut("channel").filter(|c| c.is_object()) {
                ch["type"] = json!(rec.kind);
                ch["name"] = json!(rec.name);
                if let Some(p) = rec.parent_id {
                    ch["parent_id"] = json!(p.to_string());
                }
            }
        }
        let guild_id = d
            .get("guild_id")
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<u64>().ok());
        if let Some(name) = d
            .pointer("/data/name")
            .and_then(Value::as_str)
            .map(str::to_string)
        {
            let registered = guild_id
                .and_then(|g| inner.guild_commands.get(&g))
                .into_iter()
                .flatten()
                .chain(inner.global_commands.iter())
                .find(|c| c.get("name").and_then(Value::as_str) == Some(name.as_str()))
                .and_then(|c| c.get("id").cloned());
            if let Some(id) = registered {
                d["data"]["id"] = id;
            }
        }
        let mut channel_opts = Vec::new();
        if let Some(opts) = d.pointer("/data/options") {
            collect_option_values(opts, 7, &mut channel_opts);
        }
        for cid in channel_opts {
            let Ok(c) = cid.parse::<u64>() else { continue };
            let Some(rec) = inner.channels.get(&c) else {
                continue;
            };
            if let Some(entry) = d.pointer_mut(&format!("/data/resolved/channels/{cid}")) {
                entry["type"] = json!(rec.kind);
                entry["name"] = json!(rec.name);
                if let Some(p) = rec.parent_id {
                    entry["parent_id"] = json!(p.to_string());
                }
            }
        }
    }
}

fn collect_option_values(opts: &Value, kind: u64, out: &mut Vec<String>) {
    for o in opts.as_array().into_iter().flatten() {
        if o.get("type").and_then(Value::as_u64) == Some(kind) {
            if let Some(v) = o.get("value") {
                out.push(v.as_str().map_or_else(|| v.to_string(), str::to_string));
            }
        }
        if let Some(sub) = o.get("options") {
            collect_option_values(sub, kind, out);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Gateway
// ---------------------------------------------------------------------------------------------

async fn gateway_route(AxState(shared): AxState<Arc<Shared>>, ws: WebSocketUpgrade) -> Response {
    ws.max_message_size(16 << 20)
        .on_upgrade(move |socket| gateway_session(shared, socket))
}

struct GatewayConn {
    shared: Arc<Shared>,
    conn_id: u64,
    seq: u64,
    session_id: Option<String>,
    tx: mpsc::UnboundedSender<Outbound>,
}

impl GatewayConn {
    async fn send_frame(&mut self, socket: &mut WebSocket, frame: Value) -> bool {
        {
            let mut inner = lock(&self.shared.inner);
            inner.gateway_log.push(frame.clone());
            // Kept current so that a RESUME on a new connection (serenity opens it before the
            // old one is noticed as gone) continues the sequence.
            if let Some(sid) = &self.session_id {
                inner.session_seqs.insert(sid.clone(), self.seq);
            }
        }
        socket
            .send(WsMessage::Text(frame.to_string().into()))
            .await
            .is_ok()
    }

    async fn dispatch(&mut self, socket: &mut WebSocket, t: &str, d: Value) -> bool {
        self.seq += 1;
        let frame = json!({ "op": 0, "t": t, "s": self.seq, "d": d });
        self.send_frame(socket, frame).await
    }

    /// Handles one client frame; false when the connection must end.
    async fn on_frame(&mut self, socket: &mut WebSocket, text: &str) -> bool {
        let Ok(frame) = serde_json::from_str::<Value>(text) else {
            let _ = socket
                .send(close_frame(4002, "Error while decoding payload."))
                .await;
            return false;
        };
        let op = frame.get("op").and_then(Value::as_u64);
        let d = frame.get("d").cloned().unwrap_or(Value::Null);
        match op {
            Some(1) => self.send_frame(socket, json!({ "op": 11 })).await,
            Some(2) => {
                if self.session_id.is_some() {
                    let _ = socket
                        .send(close_frame(4005, "Already authenticated."))
                        .await;
                    return false;
                }
                let session_id = format!("fake-session-{}-{}", self.conn_id, rand::random::<u32>());
                let frames = {
                    let mut inner = lock(&self.shared.inner);
                    inner.identifies.push(d.clone());
                    let ready = self
                        .shared
                        .ready(&inner, &session_id, d.get("shard").cloned());
                    let guilds: Vec<Value> = inner
                        .guilds
                        .keys()
                        .filter_map(|g| self.shared.guild_create(&inner, *g))
                        .collect();
                    inner.sessions.push(SessionHandle {
                        conn_id: self.conn_id,
                        session_id: session_id.clone(),
                        tx: self.tx.clone(),
                    });
                    (ready, guilds)
                };
                self.session_id = Some(session_id);
                if !self.dispatch(socket, "READY", frames.0).await {
                    return false;
                }
                self.shared.ready_count.fetch_add(1, Ordering::SeqCst);
                for g in frames.1 {
                    if !self.dispatch(socket, "GUILD_CREATE", g).await {
                        return false;
                    }
                }
                true
            }
            Some(6) => {
                let sid = d
                    .get("session_id")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                let known = {
                    let mut inner = lock(&self.shared.inner);
                    let seq = inner.session_seqs.get(&sid).copied();
                    if seq.is_some() {
                        // Discord ends the old connection of a resumed session.
                        inner.sessions.retain(|s| {
                            if s.session_id == sid {
                                let _ = s.tx.send(Outbound::Close(4009));
                                false
                            } else {
                                true
                            }
                        });
                        inner.sessions.push(SessionHandle {
                            conn_id: self.conn_id,
                            session_id: sid.clone(),
                            tx: self.tx.clone(),
                        });
                    }
                    seq
                };
                match known {
                    Some(seq) => {
                        self.seq = seq;
                        self.session_id = Some(sid);
                        self.dispatch(socket, "RESUMED", json!({})).await
                    }
                    None => {
                        self.send_frame(socket, json!({ "op": 9, "d": false }))
                            .await
                    }
                }
            }
            // Presence update, voice state, request guild members, ...: accepted and ignored.
            Some(_) => true,
            None => {
                let _ = socket.send(close_frame(4001, "Unknown opcode.")).await;
                false
            }
        }
    }
}

fn close_frame(code: u16, reason: &str) -> WsMessage {
    WsMessage::Close(Some(CloseFrame {
        code,
        reason: reason.to_string().into(),
    }))
}

async fn gateway_session(shared: Arc<Shared>, mut socket: WebSocket) {
    let conn_id = shared.next_conn.fetch_add(1, Ordering::SeqCst);
    let (tx, mut rx) = mpsc::unbounded_channel::<Outbound>();
    let mut shutdown = shared.shutdown_tx.subscribe();
    let mut conn = GatewayConn {
        shared: Arc::clone(&shared),
        conn_id,
        seq: 0,
        session_id: None,
        tx,
    };
    let hello =
        json!({ "op": 10, "d": { "heartbeat_interval": shared.cfg.heartbeat_interval_ms } });
    let mut alive = conn.send_frame(&mut socket, hello).await;
    while alive {
        tokio::select! {
            changed = shutdown.changed() => {
                if changed.is_err() || *shutdown.borrow() {
                    let _ = socket.send(close_frame(1001, "Server shutting down")).await;
                    break;
                }
            }
            out = rx.recv() => match out {
                Some(Outbound::Dispatch(t, d)) => alive = conn.dispatch(&mut socket, &t, d).await,
                Some(Outbound::Raw(v)) => alive = conn.send_frame(&mut socket, v).await,
                Some(Outbound::Close(code)) => {
                    let _ = socket.send(close_frame(code, "Closed by the fake")).await;
                    break;
                }
                None => break,
            },
            msg = socket.recv() => match msg {
                Some(Ok(WsMessage::Text(t))) => alive = conn.on_frame(&mut socket, t.as_str()).await,
                Some(Ok(WsMessage::Binary(b))) => {
                    let text = String::from_utf8_lossy(&b).to_string();
                    alive = conn.on_frame(&mut socket, &text).await;
                }
                Some(Ok(WsMessage::Close(_))) | Some(Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
        }
    }
    lock(&shared.inner)
        .sessions
        .retain(|s| s.conn_id != conn_id);
}

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

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

    /// The builder behind [`FakeDiscord::http`], for tests that need to add e.g.
    /// `default_allowed_mentions`. Keep the proxy.
    pub fn http_builder(&self) -> serenity::http::HttpBuilder {
        serenity::http::HttpBuilder::new("fake-token")
            .proxy(self.base_url())
            .ratelimiter_disabled(true)
            .application_id(serenity::model::id::ApplicationId::new(
                self.shared.cfg.application_id,
            ))
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
        lock(&self.shared.inner).random =
            (rate > 0.0 && !kinds.is_empty()).then(|| RandomFailures {
                rate,
                rng: StdRng::seed_from_u64(seed),
                kinds,
            });
    }

    /// Every REST request so far, in arrival-of-answer order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.inner)
            .requests
            .iter()
            .map(|r| RecordedRequest {
                method: r.method.clone(),
                path: r.path.clone(),
                query: r.query.clone(),
                body: (*r.body).clone(),
                files: r.files,
                status: r.status,
                at: r.at,
                deduplicated: r.deduplicated,
            })
            .collect()
    }

    /// Number of REST requests so far (cheap).
    /// REST requests that reached the fake so far, including ones still waiting for a slow
    /// answer: lets a test act while a request is in flight.
    pub fn requests_arrived(&self) -> usize {
        self.shared.arrived.load(Ordering::SeqCst)
    }

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

    /// The current `@original` message of an interaction, as `GET .../messages/@original` returns it.
    pub fn original_response(&self, interaction_token: &str) -> Option<Value> {
        let inner = lock(&self.shared.inner);
        let itx = inner.itx.get(interaction_token)?;
        let m = itx.original.as_ref()?;
        Some(self.shared.interaction_message_response(itx, m))
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

    /// Number of gateway sessions currently READY (or RESUMED).
    pub fn connected_sessions(&self) -> usize {
        let mut inner = lock(&self.shared.inner);
        inner.sessions.retain(|s| !s.tx.is_closed());
        inner.sessions.len()
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

    /// Closes every gateway connection with that close code (e.g. 4000 to make serenity resume).
    pub fn gateway_close_all(&self, code: u16) {
        let mut inner = lock(&self.shared.inner);
        for s in inner.sessions.drain(..) {
            let _ = s.tx.send(Outbound::Close(code));
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

/// Builders for INTERACTION_CREATE `d` payloads serenity 0.12.5 deserializes.
pub mod interaction {
    use serde_json::{json, Value};

    use super::DEFAULT_APP_PERMISSIONS;

    /// A stable non-zero command id for a name (the fake replaces it with the registered id).
    pub fn command_id(name: &str) -> u64 {
        name.bytes().fold(1_000_003u64, |h, b| {
            h.wrapping_mul(31).wrapping_add(u64::from(b))
        }) % (1 << 40)
            + 1
    }

    fn user(user_id: u64) -> Value {
        json!({
            "id": user_id.to_string(),
            "username": format!("user{user_id}"),
            "discriminator": "0",
            "global_name": null,
            "avatar": null,
            "bot": false,
            "public_flags": 0,
        })
    }

    fn member(user_id: u64, permissions: u64) -> Value {
        json!({
            "user": user(user_id),
            "nick": null,
            "avatar": null,
            "roles": [],
            "joined_at": "2024-01-01T00:00:00.000000+00:00",
            "premium_since": null,
            "deaf": false,
            "mute": false,
            "flags": 0,
            "pending": false,
            "permissions": permissions.to_string(),
            "communication_disabled_until": null,
        })
    }

    /// Nests the leaf options under the subcommand (group) names of `path`.
    fn nest(path: &[&str], options: Value) -> Value {
        let options = if options.is_null() {
            json!([])
        } else {
            options
        };
        match path.len() {
            0 | 1 => options,
            2 => json!([{ "name": path[1], "type": 1, "options": options }]),
            _ => {
                json!([{ "name": path[1], "type": 2, "options": [{ "name": path[2], "type": 1, "options": options }] }])
            }
        }
    }

    /// `resolved` entries for channel (7), user (6), role (8) and mentionable (9) leaf options.
    fn resolved(guild_id: u64, permissions: u64, options: &Value) -> Value {
        let mut channels = serde_json::Map::new();
        let mut users = serde_json::Map::new();
        let mut members = serde_json::Map::new();
        let mut roles = serde_json::Map::new();
        for o in options.as_array().into_iter().flatten() {
            let kind = o.get("type").and_then(Value::as_u64).unwrap_or(0);
            let Some(v) = o.get("value") else { continue };
            let id = v.as_str().map_or_else(|| v.to_string(), str::to_string);
            let Ok(n) = id.parse::<u64>() else { continue };
            match kind {
                7 => {
                    channels.insert(
                        id.clone(),
                        json!({ "id": id, "name": format!("channel-{n}"), "type": 0, "permissions": permissions.to_string(), "guild_id": guild_id.to_string() }),
                    );
                }
                6 | 9 => {
                    users.insert(id.clone(), user(n));
                    let mut m = member(n, permissions);
                    if let Some(o) = m.as_object_mut() {
                        o.remove("user");
                    }
                    members.insert(id, m);
                }
                8 => {
                    roles.insert(
                        id.clone(),
                        json!({
                            "id": id, "name": format!("role-{n}"), "color": 0,
                            "colors": { "primary_color": 0, "secondary_color": null, "tertiary_color": null },
                            "hoist": false, "icon": null, "unicode_emoji": null, "position": 1,
                            "permissions": "0", "managed": false, "mentionable": true, "flags": 0,
                        }),
                    );
                }
                _ => {}
            }
        }
        json!({ "channels": channels, "users": users, "members": members, "roles": roles })
    }

    #[allow(clippy::too_many_arguments)]
    fn base(
        kind: u8,
        id: u64,
        token: &str,
        guild_id: u64,
        channel_id: u64,
        user_id: u64,
        permissions: u64,
        path: &[&str],
        options: Value,
    ) -> Value {
        // Discord sends the member's computed permissions: every bit for an administrator.
        let permissions = if permissions & 8 != 0 {
            serenity::model::permissions::Permissions::all().bits()
        } else {
            permissions
        };
        let name = path.first().copied().unwrap_or("command");
        let nested = nest(path, options.clone());
        json!({
            "id": id.to_string(),
            "application_id": "2",
            "type": kind,
            "data": {
                "id": command_id(name).to_string(),
                "name": name,
                "type": 1,
                "options": nested,
                "resolved": resolved(guild_id, permissions, &options),
            },
            "guild_id": guild_id.to_string(),
            "channel_id": channel_id.to_string(),
            "channel": {
                "id": channel_id.to_string(),
                "type": 0,
                "name": format!("channel-{channel_id}"),
                "guild_id": guild_id.to_string(),
                "permissions": permissions.to_string(),
            },
            "member": member(user_id, permissions),
            "token": token,
            "version": 1,
            "app_permissions": DEFAULT_APP_PERMISSIONS.to_string(),
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": { "0": guild_id.to_string() },
            "context": 0,
            "attachment_size_limit": 26_214_400,
        })
    }

    /// A slash command (type 2) in a guild. `path` = `["papers"]`, `["papers", "today"]` or
    /// `["papers", "keywords", "add"]`; `options` = JSON array of `{"name","type","value"}` for
    /// the leaf. `permissions` is the invoking member's permission bitfield (with ADMINISTRATOR (8)
    /// set, every bit is sent, as Discord does).
    #[allow(clippy::too_many_arguments)]
    pub fn slash(
        id: u64,
        token: &str,
        guild_id: u64,
        channel_id: u64,
        user_id: u64,
        permissions: u64,
        path: &[&str],
        options: Value,
    ) -> Value {
        base(
            2,
            id,
            token,
            guild_id,
            channel_id,
            user_id,
            permissions,
            path,
            options,
        )
    }

    /// An autocomplete interaction (type 4); the option being typed carries `"focused": true`.
    /// The member is an administrator (all permission bits): someone typing a command can see it, so
    /// permission-gated commands (poise checks `required_permissions` before autocompleting)
    /// still answer. Use [`autocomplete_with_permissions`] to choose.
    pub fn autocomplete(
        id: u64,
        token: &str,
        guild_id: u64,
        channel_id: u64,
        user_id: u64,
        path: &[&str],
        options_with_focused: Value,
    ) -> Value {
        autocomplete_with_permissions(
            id,
            token,
            guild_id,
            channel_id,
            user_id,
            8,
            path,
            options_with_focused,
        )
    }

    /// [`autocomplete`] with the invoking member's permission bitfield.
    #[allow(clippy::too_many_arguments)]
    pub fn autocomplete_with_permissions(
        id: u64,
        token: &str,
        guild_id: u64,
        channel_id: u64,
        user_id: u64,
        permissions: u64,
        path: &[&str],
        options_with_focused: Value,
    ) -> Value {
        base(
            4,
            id,
            token,
            guild_id,
            channel_id,
            user_id,
            permissions,
            path,
            options_with_focused,
        )
    }

    /// A string option `{"name","type":3,"value"}`.
    pub fn string_opt(name: &str, value: &str) -> Value {
        json!({ "name": name, "type": 3, "value": value })
    }

    /// An integer option (type 4).
    pub fn int_opt(name: &str, value: i64) -> Value {
        json!({ "name": name, "type": 4, "value": value })
    }

    /// A boolean option (type 5).
    pub fn bool_opt(name: &str, value: bool) -> Value {
        json!({ "name": name, "type": 5, "value": value })
    }

    /// A channel option (type 7); `resolved` gets an entry (type fixed by the fake on dispatch).
    pub fn channel_opt(name: &str, channel_id: u64) -> Value {
        json!({ "name": name, "type": 7, "value": channel_id.to_string() })
    }

    /// A focused (being typed) string option for autocomplete.
    pub fn focused(name: &str, partial: &str) -> Value {
        json!({ "name": name, "type": 3, "value": partial, "focused": true })
    }
}
