//! The gateway WebSocket: one session per connection (HELLO, IDENTIFY then READY and GUILD_CREATE,
//! heartbeat ACKs, RESUME, close codes), and dispatches to every READY session.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::State as AxState;
use axum::response::Response;
use serde_json::{json, Value};
use tokio::sync::mpsc;

use super::state::{lock, Inner, Shared};

pub(super) struct SessionHandle {
    pub(super) conn_id: u64,
    pub(super) session_id: String,
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

impl Shared {
    /// Sends a dispatch to every READY gateway session.
    pub(super) fn broadcast(&self, inner: &mut Inner, t: &str, d: Value) -> usize {
        inner.sessions.retain(|s| !s.tx.is_closed());
        for s in &inner.sessions {
            let _ = s.tx.send(Outbound::Dispatch(t.to_string(), d.clone()));
        }
        inner.sessions.len()
    }
}
