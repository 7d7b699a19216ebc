//! The state one running fake keeps, shared by the REST handlers, the gateway sessions and the
//! test's [`FakeDiscord`](super::FakeDiscord) handle: guilds, channels (DM channels included),
//! users, stored messages, interactions, registered commands, the request log and its counters.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use tokio::sync::watch;

use super::failures::{Failure, RandomFailures};
use super::gateway::SessionHandle;
use super::ratelimit::Bucket;
use super::FakeConfig;

const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;

/// One REST request the fake received.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    pub method: String,
    /// Path without the `/api/v10` prefix, e.g. `/channels/4/messages`.
    pub path: String,
    /// JSON body (`payload_json` for multipart), `Null` when there was none.
    pub body: Value,
    /// Status the fake answered with.
    pub status: u16,
    /// A message POST answered with an earlier message because of `nonce` + `enforce_nonce`.
    pub deduplicated: bool,
    /// When the request reached the fake (its answer may have left later).
    pub received: Instant,
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

pub(super) struct Shared {
    pub(super) cfg: FakeConfig,
    pub(super) base_url: String,
    /// The plain gateway address `ws://127.0.0.1:PORT` (the default of `Inner::gateway_url`).
    pub(super) ws_url: String,
    pub(super) inner: Mutex<Inner>,
    pub(super) ready_count: AtomicUsize,
    /// REST requests that arrived, answered or not (a slow answer is still in flight).
    pub(super) arrived: AtomicUsize,
    /// Requests whose effect took place and whose (delayed) answer has not been given yet.
    pub(super) answers_pending: AtomicUsize,
    pub(super) next_conn: AtomicU64,
    pub(super) deadline_ms: AtomicU64,
    pub(super) shutdown_tx: watch::Sender<bool>,
}

#[derive(Default)]
pub(super) struct Inner {
    pub(super) last_id: u64,
    pub(super) guilds: BTreeMap<u64, GuildRec>,
    pub(super) channels: HashMap<u64, ChannelRec>,
    /// Users the fake knows, by id: their User object (added by the test or seen in a
    /// dispatched interaction).
    pub(super) users: HashMap<u64, Value>,
    /// The bot's DM channel with a user: user id → channel id (the channel is in `channels`).
    pub(super) dm_channels: HashMap<u64, u64>,
    /// Users whose DMs are closed to the bot: messages to their DM channel get 403 50007.
    pub(super) closed_dms: HashSet<u64>,
    /// Stored messages by channel: request body + "id" + "channel_id".
    pub(super) messages: HashMap<u64, Vec<Value>>,
    pub(super) msg_meta: HashMap<u64, MsgMeta>,
    /// `(channel, nonce)` → (message id, when it was created).
    pub(super) nonces: HashMap<(u64, String), (u64, Instant)>,
    /// How long a nonce de-duplicates (`None`: never).
    pub(super) nonce_window: Option<Duration>,
    /// Delay of every answer of message creation, after the message is stored.
    pub(super) answer_delay: Duration,
    pub(super) threads: HashMap<u64, Vec<Value>>,
    /// Forums' tags (`available_tags`) and `REQUIRE_TAG`, by forum id; a forum not here has
    /// no tags and requires none.
    pub(super) forums: HashMap<u64, ForumRec>,
    /// Channels whose threads the bot may not post in (no Send Messages in Threads), though it
    /// may start them: a message to one of their threads gets 403 50013.
    pub(super) no_thread_messages: HashSet<u64>,
    /// Tags applied to each forum post, by thread id (`applied_tags`).
    pub(super) applied_tags: HashMap<u64, Vec<u64>>,
    pub(super) crossposts: Vec<(u64, u64)>,
    pub(super) itx: HashMap<String, Itx>,
    pub(super) registered: Option<Value>,
    pub(super) global_commands: Vec<Value>,
    pub(super) guild_commands: HashMap<u64, Vec<Value>>,
    pub(super) command_ids: HashMap<(u64, String), u64>,
    pub(super) requests: Vec<LoggedRequest>,
    pub(super) stats: Stats,
    pub(super) fail_next: VecDeque<Failure>,
    pub(super) route_failures: VecDeque<RouteFailure>,
    /// Every REST request and gateway IDENTIFY is refused (401 / close 4004).
    pub(super) reject_token: bool,
    pub(super) random: Option<RandomFailures>,
    pub(super) global_window: VecDeque<Instant>,
    pub(super) buckets: HashMap<u64, Bucket>,
    pub(super) crosspost_buckets: HashMap<u64, Bucket>,
    /// What `GET /gateway` and `GET /gateway/bot` answer, and READY's `resume_gateway_url`.
    pub(super) gateway_url: String,
    /// `shards` of `GET /gateway/bot`.
    pub(super) recommended_shards: u64,
    /// Targets of the proxy's CONNECTs, e.g. `discord.com:443`.
    pub(super) connects: Vec<String>,
    pub(super) sessions: Vec<SessionHandle>,
    /// Sessions that can be resumed, by session id.
    pub(super) resumable: HashMap<String, Resumable>,
    pub(super) identifies: Vec<Value>,
    pub(super) resumes: Vec<Value>,
    /// Close codes for the next gateway connections, closed before HELLO.
    pub(super) close_next: VecDeque<u16>,
    pub(super) gateway_log: Vec<Value>,
}

/// A failure queued for the next request matching a method and a path prefix.
pub(super) struct RouteFailure {
    pub(super) method: String,
    pub(super) path_prefix: String,
    pub(super) failure: Failure,
}

/// A gateway session's state kept across its connections.
pub(super) struct Resumable {
    pub(super) seq: u64,
    /// `[shard_id, num_shards]` from its IDENTIFY.
    pub(super) shard: [u64; 2],
    /// The connection currently holding the session.
    pub(super) conn_id: u64,
}

pub(super) struct LoggedRequest {
    pub(super) method: String,
    pub(super) path: String,
    pub(super) body: Arc<Value>,
    pub(super) status: u16,
    pub(super) deduplicated: bool,
    pub(super) received: Instant,
}

pub(super) struct GuildRec {
    pub(super) system_channel_id: Option<u64>,
    /// The server's language (`preferred_locale`), sent as `guild_locale` on its interactions.
    pub(super) locale: String,
}

/// What a forum says about tagging posts.
#[derive(Clone, Default)]
pub(super) struct ForumRec {
    /// `(id, name, moderated)`, in the forum's order.
    pub(super) tags: Vec<(u64, String, bool)>,
    pub(super) require_tag: bool,
}

/// The forum channel flag `REQUIRE_TAG`.
pub(super) const REQUIRE_TAG: u64 = 1 << 4;

#[derive(Clone)]
pub(super) struct ChannelRec {
    pub(super) guild_id: u64,
    pub(super) kind: u8,
    pub(super) name: String,
    pub(super) parent_id: Option<u64>,
    pub(super) deleted: bool,
    pub(super) forbidden: bool,
    /// The bot may not start threads here nor post in them (no Create Public Threads nor Send
    /// Messages in Threads): a thread start gets 403 50013, and so does a message to one of
    /// its threads; interactions here say so in `app_permissions`.
    pub(super) no_threads: bool,
    pub(super) created: String,
    /// A thread's creator; `None`: the bot.
    pub(super) owner_id: Option<u64>,
    /// A DM channel's (type 1) recipient; `None` for every other channel.
    pub(super) recipient: Option<u64>,
}

impl ChannelRec {
    /// A text channel the test never added, outside any guild: what deleting or forbidding an
    /// unknown id acts on.
    pub(super) fn unknown_text(channel_id: u64) -> ChannelRec {
        ChannelRec {
            guild_id: 0,
            kind: 0,
            name: format!("text-{channel_id}"),
            parent_id: None,
            deleted: false,
            forbidden: false,
            no_threads: false,
            created: now_iso(),
            owner_id: None,
            recipient: None,
        }
    }
}

pub(super) struct MsgMeta {
    pub(super) channel_id: u64,
    pub(super) index: usize,
    pub(super) guild_id: Option<u64>,
    pub(super) timestamp: String,
    pub(super) edited: Option<String>,
    pub(super) flags_extra: u64,
    pub(super) deleted: bool,
}

#[derive(Default)]
pub(super) struct Itx {
    pub(super) id: Option<u64>,
    pub(super) dispatched_at: Option<Instant>,
    pub(super) channel_id: Option<u64>,
    pub(super) guild_id: Option<u64>,
    pub(super) acked: bool,
    pub(super) original: Option<InteractionMessage>,
    pub(super) followups: BTreeMap<u64, InteractionMessage>,
    pub(super) log: Vec<Value>,
}

#[derive(Clone)]
pub(super) struct InteractionMessage {
    pub(super) id: u64,
    pub(super) body: Value,
    pub(super) timestamp: String,
    pub(super) edited: Option<String>,
    pub(super) kind: u8,
}

pub(super) fn now_iso() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, false)
}

pub(super) fn lock(m: &Mutex<Inner>) -> MutexGuard<'_, Inner> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Inner {
    pub(super) fn next_id(&mut self) -> u64 {
        let ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        let candidate = ms.saturating_sub(DISCORD_EPOCH_MS) << 22;
        self.last_id = candidate.max(self.last_id + 1);
        self.last_id
    }
}
