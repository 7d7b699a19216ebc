//! The REST API v10: the axum handler every non-gateway request goes to, the request flow
//! (token check, injected failures, limits, effect, delayed answers, recording), the route
//! table, and the handlers for channels, messages, threads, guilds, application commands,
//! interaction callbacks and webhooks (users and DM channels: `users`, `dm`).

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State as AxState;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use serde_json::{json, Value};

use super::dm::DM;
use super::failures::{Failure, RandomFailures};
use super::payloads::merge_into;
use super::reply::Reply;
use super::state::{
    lock, now_iso, ChannelRec, Inner, InteractionMessage, Itx, LoggedRequest, MsgMeta, Shared,
};
use super::validate::{
    applied_tags, id_of, is_empty_message, parse_body, path_of, validate_commands,
    validate_message, validate_thread_start, FormErrors,
};
use super::APPLICATION_ID;

const API_PREFIX: &str = "/api/v10";
/// Message flag: the message is an interaction "thinking…" placeholder.
const FLAG_LOADING: u64 = 1 << 7;
/// Message flag: published to followers.
const FLAG_CROSSPOSTED: u64 = 1;
/// Message flag: a thread was started from it.
pub(super) const FLAG_HAS_THREAD: u64 = 1 << 5;

struct Req {
    method: String,
    path: String,
    query: String,
    segs: Vec<String>,
    body: Value,
    files: usize,
    /// The uploaded files, `{"filename", "content"}`.
    uploads: Vec<Value>,
    received: Instant,
    /// The `Authorization` header as sent (`None`: absent or not text).
    authorization: Option<String>,
}

/// What the fake decided for a request: its answer, whether a nonce de-duplicated it, and how
/// long the answer waits (the effect has already happened).
struct Decision {
    reply: Reply,
    dedup: bool,
    delay: Duration,
}

impl Decision {
    fn now(reply: Reply) -> Decision {
        Decision {
            reply,
            dedup: false,
            delay: Duration::ZERO,
        }
    }
}

/// Interaction callbacks and webhooks are exempt from the global limit (like on Discord) and from
/// `fail_next`. `/gateway` is exempt too: if it failed, serenity would fall back to the real
/// `wss://gateway.discord.gg`.
fn is_exempt(segs: &[String]) -> bool {
    matches!(
        segs.first().map(String::as_str),
        Some("interactions") | Some("webhooks") | Some("gateway")
    )
}

/// `GET /gateway` needs no token on Discord, and a failed one would send serenity to the real
/// gateway: it is never refused.
fn is_plain_gateway(method: &str, segs: &[String]) -> bool {
    method == "GET" && segs.len() == 1 && segs[0] == "gateway"
}

/// A channel of a guild the bot is not in (seen in a user-installed app's interaction).
fn is_foreign(inner: &Inner, c: &ChannelRec) -> bool {
    c.guild_id != 0 && !inner.guilds.contains_key(&c.guild_id)
}

/// Requests that create a message or a thread: `POST /channels/{id}/messages`, `/threads` and
/// `/messages/{id}/threads`.
fn is_message_post(method: &str, segs: &[String]) -> bool {
    method == "POST"
        && segs.first().is_some_and(|s| s == "channels")
        && match segs.len() {
            3 => segs[2] == "messages" || segs[2] == "threads",
            5 => segs[2] == "messages" && segs[4] == "threads",
            _ => false,
        }
}

pub(super) async fn rest_route(
    AxState(shared): AxState<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    let received = Instant::now();
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
        uploads: Vec::new(),
        received,
        authorization: headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
    };
    if !full_path.starts_with(API_PREFIX) {
        return shared.finish(&mut lock(&shared.inner), &req, Reply::not_found(), false);
    }
    match parse_body(&headers, &bytes) {
        Ok((body, uploads)) => {
            req.body = body;
            req.files = uploads.len();
            req.uploads = uploads;
        }
        Err(reply) => return shared.finish(&mut lock(&shared.inner), &req, reply, false),
    }
    // Spawned: axum drops this handler when the client disconnects, but a request that reached
    // Discord takes effect and is answered (to nobody) all the same.
    let task = tokio::spawn(async move { shared.handle(req).await });
    task.await
        .unwrap_or_else(|_| Reply::error(500, 0, "500: Internal Server Error").into_response())
}

impl Shared {
    async fn handle(self: Arc<Self>, req: Req) -> Response {
        self.arrived.fetch_add(1, Ordering::SeqCst);
        let decision = {
            let mut inner = lock(&self.inner);
            let d = self.decide(&mut inner, &req);
            if d.delay.is_zero() {
                return self.finish(&mut inner, &req, d.reply, d.dedup);
            }
            d
        };
        self.answers_pending.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(decision.delay).await;
        let answer = self.finish(&mut lock(&self.inner), &req, decision.reply, decision.dedup);
        self.answers_pending.fetch_sub(1, Ordering::SeqCst);
        answer
    }

    /// Everything that happens when the request arrives: the effect takes place here, only the
    /// answer may wait (`Decision::delay`).
    fn decide(&self, inner: &mut Inner, req: &Req) -> Decision {
        if !self.authorized(inner, req) {
            return Decision::now(Reply::error(401, 0, "401: Unauthorized"));
        }
        let exempt = is_exempt(&req.segs);
        let mut d = match self.take_injected(inner, &req.method, &req.path, exempt) {
            Some(f) => self.apply_failure(inner, req, !exempt, &f),
            None => self.process(inner, req, exempt),
        };
        if is_message_post(&req.method, &req.segs) {
            d.delay += inner.answer_delay;
        }
        d
    }

    /// Whether Discord would accept the request's `Authorization`: exactly `Bot <token>` of the
    /// bot (while its token is not refused) on every route but `GET /gateway`; interaction
    /// callbacks and webhooks are authorised by the token in their path, and a header there must
    /// still be the bot's if one is sent.
    fn authorized(&self, inner: &Inner, req: &Req) -> bool {
        if is_plain_gateway(&req.method, &req.segs) {
            return true;
        }
        let expected = format!("Bot {}", self.cfg.bot_token);
        let valid = !inner.reject_token && req.authorization.as_deref() == Some(expected.as_str());
        match req.segs.first().map(String::as_str) {
            Some("interactions" | "webhooks") => req.authorization.is_none() || valid,
            _ => valid,
        }
    }

    /// An injected or drawn failure: `Slow` and `AnswerLost` take effect (the answer is delayed
    /// or replaced by a 5xx), the others answer at once without any effect. `check_global`:
    /// whether the request still has to pass the global limit.
    fn apply_failure(
        &self,
        inner: &mut Inner,
        req: &Req,
        check_global: bool,
        f: &Failure,
    ) -> Decision {
        match f {
            Failure::Slow(delay) => {
                let mut d = self.effect(inner, req, check_global);
                d.delay += *delay;
                d
            }
            Failure::AnswerLost(_) => {
                let d = self.effect(inner, req, check_global);
                Decision {
                    reply: self.failure_reply(f, &req.method, &req.segs),
                    ..d
                }
            }
            f => Decision::now(self.failure_reply(f, &req.method, &req.segs)),
        }
    }

    fn finish(&self, inner: &mut Inner, req: &Req, reply: Reply, deduplicated: bool) -> Response {
        let status = reply.status;
        inner.stats.total_requests += 1;
        *inner.stats.by_status.entry(status).or_insert(0) += 1;
        if status == 429 {
            inner.stats.rate_limited += 1;
        }
        inner.requests.push(LoggedRequest {
            method: req.method.clone(),
            path: req.path.clone(),
            body: Arc::new(req.body.clone()),
            status,
            deduplicated,
            received: req.received,
        });
        reply.into_response()
    }

    /// A request with nothing injected: the global limit, then a random failure for message
    /// POSTs (see `set_random_failures`), then the route.
    fn process(&self, inner: &mut Inner, req: &Req, exempt: bool) -> Decision {
        if !exempt {
            if let Some(reply) = self.take_global(inner) {
                return Decision::now(reply);
            }
        }
        if is_message_post(&req.method, &req.segs) {
            if let Some(f) = inner.random.as_mut().and_then(RandomFailures::roll) {
                return self.apply_failure(inner, req, false, &f);
            }
        }
        self.effect(inner, req, false)
    }

    /// What the request does: the global limit (when `check_global`), then the route.
    fn effect(&self, inner: &mut Inner, req: &Req, check_global: bool) -> Decision {
        if check_global {
            if let Some(reply) = self.take_global(inner) {
                return Decision::now(reply);
            }
        }
        let mut dedup = false;
        let reply = self.route(inner, req, &mut dedup).unwrap_or_else(|r| r);
        Decision {
            reply,
            dedup,
            delay: Duration::ZERO,
        }
    }

    fn route(&self, inner: &mut Inner, req: &Req, dedup: &mut bool) -> Result<Reply, Reply> {
        let segs: Vec<&str> = req.segs.iter().map(String::as_str).collect();
        let app = APPLICATION_ID;
        Ok(match (req.method.as_str(), segs.as_slice()) {
            ("GET", ["gateway"]) => Reply::json(200, json!({ "url": inner.gateway_url })),
            ("GET", ["gateway", "bot"]) => Reply::json(
                200,
                json!({
                    "url": inner.gateway_url,
                    "shards": inner.recommended_shards,
                    "session_start_limit": { "total": 1000, "remaining": 999, "reset_after": 86_400_000u64, "max_concurrency": 1 },
                }),
            ),
            ("GET", ["users", "@me"]) => Reply::json(200, self.current_user()),
            ("POST", ["users", "@me", "channels"]) => self.create_dm(inner, &req.body)?,
            ("GET", ["users", u]) => {
                let u = id_of(u)?;
                self.get_user(inner, u)
            }
            ("GET", ["oauth2", "applications", "@me"]) | ("GET", ["applications", "@me"]) => {
                Reply::json(200, self.application_info())
            }
            ("PUT", ["applications", a, "commands"]) => {
                if id_of(a)? != app {
                    return Err(Reply::missing_access());
                }
                self.put_commands(inner, None, &req.body)
            }
            ("GET", ["applications", a, "commands"]) => {
                if id_of(a)? != app {
                    return Err(Reply::missing_access());
                }
                Reply::json(200, Value::Array(inner.global_commands.clone()))
            }
            ("PUT", ["applications", a, "guilds", g, "commands"]) => {
                if id_of(a)? != app {
                    return Err(Reply::missing_access());
                }
                let g = id_of(g)?;
                self.put_commands(inner, Some(g), &req.body)
            }
            ("GET", ["applications", a, "guilds", g, "commands"]) => {
                if id_of(a)? != app {
                    return Err(Reply::missing_access());
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
                    Some(rec) if is_foreign(inner, rec) => Reply::missing_access(),
                    Some(rec) if !rec.deleted => {
                        Reply::json(200, self.channel_object(inner, c, rec))
                    }
                    _ => Reply::unknown_channel(),
                }
            }
            ("POST", ["channels", c, "messages"]) => {
                let c = id_of(c)?;
                self.post_message(inner, c, req, dedup)
            }
            ("GET", ["channels", c, "messages"]) => {
                let c = id_of(c)?;
                self.list_messages(inner, c, &req.query)?
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
            ("POST", ["channels", c, "messages", m, "threads"]) => {
                let (c, m) = (id_of(c)?, id_of(m)?);
                self.start_thread_from_message(inner, c, m, &req.body)?
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
                    s.interaction_callback(itx, i, &req.body, &req.uploads, next)
                })
            }
            ("POST", ["webhooks", a, token]) => {
                if id_of(a)? != app {
                    return Err(Reply::unknown_webhook());
                }
                self.with_itx(inner, token, |s, itx, next| {
                    s.followup(itx, &req.body, &req.uploads, next)
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

    /// Channel checks shared by message POSTs: Ok((guild_id, kind)); no guild for a DM (or a
    /// channel of no known guild).
    fn writable_channel(&self, inner: &Inner, channel_id: u64) -> Result<(Option<u64>, u8), Reply> {
        match inner.channels.get(&channel_id) {
            None => Ok((None, 0)),
            Some(c) if c.deleted => Err(Reply::unknown_channel()),
            Some(c) if is_foreign(inner, c) => Err(Reply::missing_access()),
            Some(c) if c.forbidden => Err(Reply::missing_permissions()),
            // A thread of a channel where the bot may not send messages in threads.
            Some(c)
                if (10..=12).contains(&c.kind)
                    && c.parent_id.is_some_and(|p| {
                        inner.no_thread_messages.contains(&p)
                            || inner.channels.get(&p).is_some_and(|p| p.no_threads)
                    }) =>
            {
                Err(Reply::missing_permissions())
            }
            Some(c) => Ok((Some(c.guild_id).filter(|g| *g != 0), c.kind)),
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
        let headers = match self.take_channel_bucket(inner, channel_id) {
            Ok(headers) => headers,
            Err(reply) => return reply,
        };
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
        self.check_dm_open(inner, channel_id)?;
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
        // Discord de-duplicates within a few minutes of the first message with that nonce.
        let window = inner.nonce_window;
        if let (Some(n), true, Some(window)) = (&nonce, enforce, window) {
            if let Some(&(existing, at)) = inner.nonces.get(&(channel_id, n.clone())) {
                if at.elapsed() <= window {
                    if let Some(m) = self.stored_message_response(inner, existing) {
                        *dedup = true;
                        inner.stats.deduplicated += 1;
                        return Ok(Reply::json(200, m));
                    }
                }
            }
        }
        let id = inner.next_id();
        let m = self.store_message(inner, channel_id, guild_id, id, &req.body, req.files);
        if let Some(n) = nonce {
            // The first message with a nonce keeps it until its window has passed.
            let key = (channel_id, n);
            let taken = inner
                .nonces
                .get(&key)
                .is_some_and(|(_, at)| window.is_some_and(|w| at.elapsed() <= w));
            if !taken {
                inner.nonces.insert(key, (id, Instant::now()));
            }
        }
        Ok(Reply::json(200, m))
    }

    /// `GET /channels/{id}/messages`: Discord's `limit` (1–100, default 50) and one of `around`,
    /// `before`, `after` (message ids); newest first. With `after`, the `limit` messages right
    /// after that id (still newest first); with `around`, up to `limit / 2` older ones and the
    /// rest from that id on.
    fn list_messages(&self, inner: &Inner, channel_id: u64, query: &str) -> Result<Reply, Reply> {
        match inner.channels.get(&channel_id) {
            Some(c) if c.deleted => return Err(Reply::unknown_channel()),
            Some(c) if is_foreign(inner, c) => return Err(Reply::missing_access()),
            _ => {}
        }
        let mut limit: usize = 50;
        let (mut around, mut before, mut after) = (None, None, None);
        let mut errs = FormErrors::default();
        for (k, v) in query.split('&').filter_map(|kv| kv.split_once('=')) {
            let path = [k.to_string()];
            match k {
                "limit" => match v.parse::<i64>() {
                    Ok(n) if n < 1 => errs.add(
                        &path,
                        "NUMBER_TYPE_MIN",
                        "int value should be greater than or equal to 1.".into(),
                    ),
                    Ok(n) if n > 100 => errs.add(
                        &path,
                        "NUMBER_TYPE_MAX",
                        "int value should be less than or equal to 100.".into(),
                    ),
                    Ok(n) => limit = n as usize,
                    Err(_) => errs.add(
                        &path,
                        "NUMBER_TYPE_COERCE",
                        format!("Value \"{v}\" is not int."),
                    ),
                },
                "around" | "before" | "after" => match v.parse::<u64>() {
                    Ok(id) => {
                        let slot = match k {
                            "around" => &mut around,
                            "before" => &mut before,
                            _ => &mut after,
                        };
                        *slot = Some(id);
                    }
                    Err(_) => errs.add(
                        &path,
                        "NUMBER_TYPE_COERCE",
                        format!("Value \"{v}\" is not snowflake."),
                    ),
                },
                _ => {}
            }
        }
        if !errs.is_empty() {
            return Err(errs.into_reply());
        }
        // Oldest first; ids grow with time.
        let mut ids: Vec<u64> = inner
            .messages
            .get(&channel_id)
            .into_iter()
            .flatten()
            .filter_map(|m| m.get("id").and_then(Value::as_str)?.parse().ok())
            .filter(|id| inner.msg_meta.get(id).is_some_and(|m| !m.deleted))
            .collect();
        ids.sort_unstable();
        let picked: Vec<u64> = if let Some(a) = around {
            let split = ids.partition_point(|id| *id < a);
            let older = limit / 2;
            let from = split.saturating_sub(older);
            let to = (split + (limit - older)).min(ids.len());
            ids[from..to].to_vec()
        } else if let Some(b) = before {
            let end = ids.partition_point(|id| *id < b);
            ids[end.saturating_sub(limit)..end].to_vec()
        } else if let Some(a) = after {
            let start = ids.partition_point(|id| *id <= a);
            ids[start..(start + limit).min(ids.len())].to_vec()
        } else {
            ids[ids.len().saturating_sub(limit)..].to_vec()
        };
        let list: Vec<Value> = picked
            .iter()
            .rev()
            .filter_map(|id| self.stored_message_response(inner, *id))
            .collect();
        Ok(Reply::json(200, Value::Array(list)))
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
        let headers = self.take_crosspost_quota(inner, channel_id)?;
        if let Some(meta) = inner.msg_meta.get_mut(&id) {
            meta.flags_extra |= FLAG_CROSSPOSTED;
        }
        inner.crossposts.push((channel_id, id));
        let mut reply = Reply::json(
            200,
            self.stored_message_response(inner, id)
                .unwrap_or(Value::Null),
        );
        reply.headers.extend(headers);
        Ok(reply)
    }

    /// `POST /channels/{id}/messages/{id}/threads`: a thread started from a message, as Discord
    /// does it. The parent must be a text (0) or announcement (5) channel (anything else:
    /// 50024; a DM: 50003), the bot must be allowed to start threads there (else 403 50013),
    /// the message must be the channel's (else 10008), and a message starts one thread only: a
    /// second start is 400 160004 "A thread has already been created for this message". The
    /// thread has the message's id, is public (11) or an announcement thread (10), is the bot's,
    /// and is listed among the guild's active threads; the message gets HAS_THREAD.
    fn start_thread_from_message(
        &self,
        inner: &mut Inner,
        parent_id: u64,
        message_id: u64,
        body: &Value,
    ) -> Result<Reply, Reply> {
        let (guild_id, kind) = self.writable_channel(inner, parent_id)?;
        if kind == DM {
            return Err(Reply::error(
                400,
                50003,
                "Cannot execute action on a DM channel",
            ));
        }
        if !matches!(kind, 0 | 5) {
            return Err(Reply::error(
                400,
                50024,
                "Cannot execute action on this channel type",
            ));
        }
        if inner.channels.get(&parent_id).is_some_and(|c| c.no_threads) {
            return Err(Reply::missing_permissions());
        }
        let mut errs = FormErrors::default();
        validate_thread_start(&mut errs, body);
        if !errs.is_empty() {
            return Err(errs.into_reply());
        }
        let Some(meta) = inner
            .msg_meta
            .get(&message_id)
            .filter(|m| m.channel_id == parent_id && !m.deleted)
        else {
            return Err(Reply::unknown_message());
        };
        if meta.flags_extra & FLAG_HAS_THREAD != 0 || inner.channels.contains_key(&message_id) {
            return Err(Reply::error(
                400,
                160004,
                "A thread has already been created for this message",
            ));
        }
        let rec = ChannelRec {
            guild_id: guild_id.unwrap_or(0),
            kind: if kind == 5 { 10 } else { 11 },
            name: body
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("thread")
                .to_string(),
            parent_id: Some(parent_id),
            deleted: false,
            forbidden: false,
            no_threads: false,
            created: now_iso(),
            owner_id: None,
            recipient: None,
        };
        if let Some(meta) = inner.msg_meta.get_mut(&message_id) {
            meta.flags_extra |= FLAG_HAS_THREAD;
        }
        let thread = self.channel_object(inner, message_id, &rec);
        inner.channels.insert(message_id, rec);
        inner
            .threads
            .entry(parent_id)
            .or_default()
            .push(thread.clone());
        Ok(Reply::json(201, thread))
    }

    fn create_thread(
        &self,
        inner: &mut Inner,
        parent_id: u64,
        body: &Value,
        files: usize,
    ) -> Result<Reply, Reply> {
        let (guild_id, kind) = self.writable_channel(inner, parent_id)?;
        if kind == DM {
            return Err(Reply::error(
                400,
                50003,
                "Cannot execute action on a DM channel",
            ));
        }
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
        let applied = if forum {
            applied_tags(
                &mut errs,
                body.get("applied_tags"),
                inner.forums.get(&parent_id),
            )
        } else {
            Vec::new()
        };
        if !errs.is_empty() {
            return Err(errs.into_reply());
        }
        if let (true, Some(m)) = (forum, message) {
            if is_empty_message(m, files) {
                return Err(Reply::empty_message());
            }
        }
        let require_tag = inner.forums.get(&parent_id).is_some_and(|f| f.require_tag);
        if forum && require_tag && applied.is_empty() {
            return Err(Reply::error(
                400,
                40067,
                "A tag is required to create a forum post in this channel",
            ));
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
            no_threads: false,
            created: now_iso(),
            owner_id: None,
            recipient: None,
        };
        if forum {
            inner.applied_tags.insert(thread_id, applied);
        }
        let mut thread = self.channel_object(inner, thread_id, &rec);
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
            o.insert("application_id".into(), json!(APPLICATION_ID.to_string()));
            o.insert("version".into(), json!(inner.next_id().to_string()));
            o.entry("type").or_insert(json!(1));
            o.entry("description").or_insert(json!(""));
            o.entry("default_member_permissions").or_insert(Value::Null);
            o.entry("nsfw").or_insert(json!(false));
            match guild {
                Some(g) => {
                    o.insert("guild_id".into(), json!(g.to_string()));
                }
                None => {
                    // Discord's defaults for a global command: the app's install types (guild),
                    // every context (null).
                    o.entry("integration_types").or_insert(json!([0]));
                    o.entry("contexts").or_insert(Value::Null);
                }
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
        uploads: &[Value],
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
                if errs.is_empty() && kind == Some(4) && is_empty_message(&data, uploads.len()) {
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
        let mut entry = json!({ "kind": "callback", "body": body });
        if !uploads.is_empty() {
            entry["files"] = json!(uploads);
        }
        itx.log.push(entry);
        Reply::no_content()
    }

    fn followup(
        &self,
        itx: &mut Itx,
        body: &Value,
        uploads: &[Value],
        next: &mut dyn FnMut() -> u64,
    ) -> Reply {
        let files = uploads.len();
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
        let mut entry = json!({ "kind": "followup", "message_id": m.id.to_string(), "body": body });
        if !uploads.is_empty() {
            entry["files"] = json!(uploads);
        }
        itx.log.push(entry);
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
}
