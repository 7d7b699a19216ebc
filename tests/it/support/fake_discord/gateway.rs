//! The gateway WebSocket: one session per connection (HELLO, IDENTIFY then READY and GUILD_CREATE,
//! heartbeat ACKs, RESUME then RESUMED, close codes), and dispatches to the READY sessions whose
//! shard owns the guild (`shard_id = (guild_id >> 22) % num_shards`, each session's
//! `[shard_id, num_shards]` from its IDENTIFY).
//!
//! Sessions outlive their connection like on Discord: a session whose connection the fake
//! closed (op 7 RECONNECT, [`FakeDiscord::close_sessions`](super::FakeDiscord::close_sessions)
//! with 1001, 4000, ...) or that dropped can be RESUMEd, except after the close codes that
//! end it (4004, 4007, 4009, 4010–4014) or a close by the client with 1000/1001.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::State as AxState;
use axum::response::Response;
use serde_json::{json, Value};
use tokio::sync::mpsc;

use super::payloads::shard_owns;
use super::state::{lock, Inner, Resumable, Shared};

/// Close codes after which a session cannot be resumed.
const ENDS_SESSION: [u16; 8] = [4004, 4007, 4009, 4010, 4011, 4012, 4013, 4014];

pub(super) struct SessionHandle {
    pub(super) conn_id: u64,
    pub(super) session_id: String,
    /// `[shard_id, num_shards]`.
    pub(super) shard: [u64; 2],
    pub(super) tx: mpsc::UnboundedSender<Outbound>,
}

pub(super) enum Outbound {
    Dispatch(String, Value),
    Raw(Value),
    Close(u16),
}

pub(super) async fn gateway_route(
    AxState(shared): AxState<Arc<Shared>>,
    ws: WebSocketUpgrade,
) -> Response {
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
                if let Some(r) = inner.resumable.get_mut(sid) {
                    if r.conn_id == self.conn_id {
                        r.seq = self.seq;
                    }
                }
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
                let asked = d.get("shard").and_then(shard_of);
                let shard = asked.unwrap_or([0, 1]);
                let identified = {
                    let mut inner = lock(&self.shared.inner);
                    inner.identifies.push(d.clone());
                    if inner.reject_token || !self.shared.is_bot_token(&d["token"]) {
                        Err(close_frame(4004, "Authentication failed."))
                    } else if shard[1] == 0 || shard[0] >= shard[1] {
                        Err(close_frame(4010, "Invalid shard."))
                    } else {
                        let ready = self.shared.ready(&inner, &session_id, asked);
                        let guilds: Vec<Value> = inner
                            .guilds
                            .keys()
                            .filter(|g| shard_owns(shard, Some(**g)))
                            .filter_map(|g| self.shared.guild_create(&inner, *g))
                            .collect();
                        inner.sessions.push(SessionHandle {
                            conn_id: self.conn_id,
                            session_id: session_id.clone(),
                            shard,
                            tx: self.tx.clone(),
                        });
                        inner.resumable.insert(
                            session_id.clone(),
                            Resumable {
                                seq: 0,
                                shard,
                                conn_id: self.conn_id,
                            },
                        );
                        Ok((ready, guilds))
                    }
                };
                let (ready, guilds) = match identified {
                    Ok(frames) => frames,
                    Err(close) => {
                        let _ = socket.send(close).await;
                        return false;
                    }
                };
                self.session_id = Some(session_id);
                if !self.dispatch(socket, "READY", ready).await {
                    return false;
                }
                self.shared.ready_count.fetch_add(1, Ordering::SeqCst);
                for g in guilds {
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
                    inner.resumes.push(d.clone());
                    if inner.reject_token || !self.shared.is_bot_token(&d["token"]) {
                        Err(close_frame(4004, "Authentication failed."))
                    } else {
                        let conn_id = self.conn_id;
                        let known = inner.resumable.get_mut(&sid).map(|r| {
                            r.conn_id = conn_id;
                            (r.seq, r.shard)
                        });
                        if let Some((_, shard)) = known {
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
                                conn_id,
                                session_id: sid.clone(),
                                shard,
                                tx: self.tx.clone(),
                            });
                        }
                        Ok(known.map(|(seq, _)| seq))
                    }
                };
                match known {
                    Err(close) => {
                        let _ = socket.send(close).await;
                        false
                    }
                    Ok(Some(seq)) => {
                        self.seq = seq;
                        self.session_id = Some(sid);
                        self.dispatch(socket, "RESUMED", json!({})).await
                    }
                    Ok(None) => {
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

/// `[shard_id, num_shards]` of an IDENTIFY's `shard`.
fn shard_of(v: &Value) -> Option<[u64; 2]> {
    let a = v.as_array()?;
    match a.as_slice() {
        [id, n] => Some([id.as_u64()?, n.as_u64()?]),
        _ => None,
    }
}

impl GatewayConn {
    /// The session of this connection ends (it cannot be resumed) if this connection still
    /// holds it.
    fn end_session(&self) {
        if let Some(sid) = &self.session_id {
            let mut inner = lock(&self.shared.inner);
            if inner
                .resumable
                .get(sid)
                .is_some_and(|r| r.conn_id == self.conn_id)
            {
                inner.resumable.remove(sid);
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
    let close_now = lock(&shared.inner).close_next.pop_front();
    if let Some(code) = close_now {
        let _ = socket.send(close_frame(code, "Closed by the fake")).await;
        return;
    }
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
                    if ENDS_SESSION.contains(&code) {
                        conn.end_session();
                    }
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
                Some(Ok(WsMessage::Close(frame))) => {
                    // A client that closes with 1000 or 1001 logs off: its session ends.
                    let code = frame.as_ref().map(|f| f.code);
                    if code.is_some_and(|c| c == 1000 || c == 1001) {
                        conn.end_session();
                    }
                    // Discord answers a close frame with one, completing the handshake: the
                    // WebSocket queued the reply; flushing sends it before the connection drops.
                    let _ = futures::SinkExt::close(&mut socket).await;
                    break;
                }
                Some(Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
        }
    }
    lock(&shared.inner)
        .sessions
        .retain(|s| s.conn_id != conn_id);
}

impl Shared {
    /// IDENTIFY and RESUME carry the token itself; serenity sends it with its `Bot ` prefix,
    /// which Discord accepts too.
    fn is_bot_token(&self, token: &Value) -> bool {
        let token = token.as_str().unwrap_or_default();
        token.strip_prefix("Bot ").unwrap_or(token) == self.cfg.bot_token
    }

    /// Sends a dispatch to the READY gateway sessions whose shard owns `guild_id` (`None`: an
    /// event outside a guild, for shard 0). Returns how many got it.
    pub(super) fn broadcast(
        &self,
        inner: &mut Inner,
        guild_id: Option<u64>,
        t: &str,
        d: Value,
    ) -> usize {
        inner.sessions.retain(|s| !s.tx.is_closed());
        let mut sent = 0;
        for s in inner
            .sessions
            .iter()
            .filter(|s| shard_owns(s.shard, guild_id))
        {
            let _ = s.tx.send(Outbound::Dispatch(t.to_string(), d.clone()));
            sent += 1;
        }
        sent
    }
}
