//! The production-mode transport: an HTTP CONNECT proxy on a second loopback port, like an
//! operator's egress proxy. It accepts `CONNECT host:port HTTP/1.1`, answers
//! `200 Connection Established`, then terminates TLS on that stream itself with the test CA's
//! certificate for `host` and serves the fake's own axum router (REST and the gateway WebSocket)
//! over it. It never dials anywhere: every tunnel ends in this fake, so nothing leaves loopback.
//! Anything but CONNECT is refused with 405.

use std::sync::Arc;

use axum::Router;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

use super::state::{lock, Shared};
use super::tls::TestCa;

/// Longest request head the proxy reads.
const MAX_HEAD: usize = 8 * 1024;

/// Accepts proxy connections until the task is aborted.
pub(super) async fn serve_proxy(
    listener: TcpListener,
    shared: Arc<Shared>,
    app: Router,
    ca: Arc<TestCa>,
) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let (shared, app, ca) = (Arc::clone(&shared), app.clone(), Arc::clone(&ca));
        tokio::spawn(async move {
            let _ = tunnel(stream, shared, app, ca).await;
        });
    }
}

/// Reads the request head byte by byte, so nothing of the TLS handshake that follows is taken.
async fn read_head(stream: &mut TcpStream) -> std::io::Result<Option<String>> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() >= MAX_HEAD || stream.read(&mut byte).await? == 0 {
            return Ok(None);
        }
        head.push(byte[0]);
    }
    Ok(Some(String::from_utf8_lossy(&head).into_owned()))
}

/// `discord.com:443` → `discord.com`; `[::1]:443` → `::1`.
fn host_of(target: &str) -> &str {
    let host = target.rsplit_once(':').map_or(target, |(h, _)| h);
    host.trim_start_matches('[').trim_end_matches(']')
}

async fn tunnel(
    mut stream: TcpStream,
    shared: Arc<Shared>,
    app: Router,
    ca: Arc<TestCa>,
) -> std::io::Result<()> {
    let Some(head) = read_head(&mut stream).await? else {
        return Ok(());
    };
    let mut parts = head.lines().next().unwrap_or("").split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    if method != "CONNECT" {
        stream
            .write_all(
                b"HTTP/1.1 405 Method Not Allowed\r\nAllow: CONNECT\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            )
            .await?;
        return stream.shutdown().await;
    }
    let host = host_of(target);
    if host.is_empty() || !target.contains(':') {
        stream
            .write_all(
                b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            )
            .await?;
        return stream.shutdown().await;
    }
    lock(&shared.inner).connects.push(target.to_string());
    stream
        .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
        .await?;
    let tls = TlsAcceptor::from(ca.server_config(host))
        .accept(stream)
        .await?;
    let _ = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(tls), TowerToHyperService::new(app))
        .with_upgrades()
        .await;
    Ok(())
}
