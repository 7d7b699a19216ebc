//! The bot's way out to the network, configured once ([`NetworkConfig`]): which CAs are trusted
//! and which HTTP proxy https traffic goes through. The same configuration serves Discord's REST
//! API (serenity's `Http` with its rate limiter on), the digest downloads, and the gateway.
//!
//! serenity 0.12's gateway WebSocket cannot use a proxy (it dials the gateway directly, and would
//! leave a proxied network or fail), and it reconnects without any pause when a gateway keeps
//! accepting and closing connections (hundreds a second). So the gateway goes through a
//! [`GatewayTunnel`]: serenity speaks plain WebSocket to a loopback port, and the tunnel carries
//! it to the gateway (through the proxy, `CONNECT host:443`, when there is one) inside TLS it
//! terminates itself, with the same trusted CAs, and waits longer and longer before dialing again
//! while connections keep dying young.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

use crate::config::NetworkConfig;

#[derive(Debug, thiserror::Error)]
pub enum NetError {
    #[error("cannot read the CA file {path} (network.ca_file / SSL_CERT_FILE): {reason}")]
    CaFile { path: String, reason: String },
    #[error("network.https_proxy / HTTPS_PROXY `{0}` is not a usable proxy URL")]
    BadProxy(String),
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
    #[error("the gateway address `{0}` is not a wss:// URL")]
    BadGatewayUrl(String),
    #[error("cannot open the local gateway tunnel: {0}")]
    Tunnel(std::io::Error),
}

/// How long connecting (TCP, proxy, TLS) may take before it counts as failed.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

fn ca_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, NetError> {
    let err = |reason: String| NetError::CaFile {
        path: path.display().to_string(),
        reason,
    };
    let pem = std::fs::read(path).map_err(|e| err(e.to_string()))?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| err(e.to_string()))?;
    if certs.is_empty() {
        return Err(err("no PEM certificate in it".into()));
    }
    Ok(certs)
}

/// The one reqwest client configuration: rustls with the bundled roots, the system's store and
/// the configured CA file; https through the configured proxy (and only that: the environment
/// was read into the config already), honouring `NO_PROXY`.
pub fn http_client(net: &NetworkConfig) -> Result<reqwest::Client, NetError> {
    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(true)
        .user_agent(concat!("paperboy/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(CONNECT_TIMEOUT)
        .no_proxy();
    if let Some(path) = &net.ca_file {
        for der in ca_certs(path)? {
            let cert = reqwest::Certificate::from_der(der.as_ref())
                .map_err(|e| NetError::Client(e.to_string()))?;
            builder = builder.add_root_certificate(cert);
        }
    }
    if let Some(proxy) = &net.https_proxy {
        let p = reqwest::Proxy::https(proxy)
            .map_err(|_| NetError::BadProxy(proxy.clone()))?
            .no_proxy(reqwest::NoProxy::from_env());
        builder = builder.proxy(p);
    }
    builder.build().map_err(|e| NetError::Client(e.to_string()))
}

/// A rustls client configuration trusting what [`http_client`] trusts.
fn tls_config(net: &NetworkConfig) -> Result<rustls::ClientConfig, NetError> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for cert in rustls_native_certs::load_native_certs().certs {
        let _ = roots.add(cert);
    }
    if let Some(path) = &net.ca_file {
        for der in ca_certs(path)? {
            roots.add(der).map_err(|e| NetError::CaFile {
                path: path.display().to_string(),
                reason: e.to_string(),
            })?;
        }
    }
    rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map(|b| b.with_root_certificates(roots).with_no_client_auth())
        .map_err(|e| NetError::Client(e.to_string()))
}

/// `wss://host[:port][/path]` → (host, port, path).
fn split_wss(url: &str) -> Result<(String, u16, String), NetError> {
    let bad = || NetError::BadGatewayUrl(url.to_string());
    let rest = url.strip_prefix("wss://").ok_or_else(bad)?;
    let (authority, path) = match rest.find(['/', '?']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, p.parse().map_err(|_| bad())?),
        None => (authority, 443),
    };
    if host.is_empty() {
        return Err(bad());
    }
    Ok((host.to_string(), port, path.to_string()))
}

/// A loopback WebSocket endpoint carried to the real gateway.
pub struct GatewayTunnel {
    /// What serenity connects to instead of the gateway's address.
    pub local_url: String,
    /// Connections carried to the gateway right now. serenity's own view of a shard lags: while
    /// it waits to resume, its shard manager still says "connected".
    pub open: Arc<AtomicUsize>,
}

/// Counts a carried connection while it lives.
struct Open(Arc<AtomicUsize>);

impl Open {
    fn new(n: &Arc<AtomicUsize>) -> Open {
        n.fetch_add(1, Ordering::Relaxed);
        Open(n.clone())
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A connection shorter than this counts as dying young.
const SHORT_LIVED: Duration = Duration::from_secs(10);
/// The longest pause between two gateway connections.
const MAX_PAUSE: Duration = Duration::from_secs(60);

/// The pause before dialing the gateway again after `young` connections in a row died young:
/// none after one, then 1, 2, 4 … seconds up to a minute.
pub fn reconnect_pause(young: u32) -> Duration {
    match young {
        0 | 1 => Duration::ZERO,
        n => Duration::from_secs(1u64 << (n - 2).min(6)).min(MAX_PAUSE),
    }
}

/// The count of connections in a row that died young, after one that was up for `lived`
/// (`None`: it never got through to the gateway). Only a connection that stayed up resets it: an
/// attempt that fails slowly during an outage (a connect or TLS timeout) is no sign of recovery.
pub fn young_after(young: u32, lived: Option<Duration>) -> u32 {
    match lived {
        Some(d) if d >= SHORT_LIVED => 0,
        _ => young.saturating_add(1),
    }
}

/// Opens a [`GatewayTunnel`] to `gateway` (a `wss://` URL), through the configured proxy when
/// there is one; it runs until `cancel`.
pub async fn gateway_tunnel(
    net: &NetworkConfig,
    gateway: &str,
    cancel: CancellationToken,
) -> Result<GatewayTunnel, NetError> {
    let (host, port, path) = split_wss(gateway)?;
    let proxy = net
        .https_proxy
        .as_deref()
        .map(proxy_authority)
        .transpose()?;
    let tls = Arc::new(tls_config(net)?);
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(NetError::Tunnel)?;
    let local = listener.local_addr().map_err(NetError::Tunnel)?;
    let young = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let open = Arc::new(AtomicUsize::new(0));
    let counted = open.clone();
    tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                a = listener.accept() => a,
                _ = cancel.cancelled() => return,
            };
            let Ok((client, _)) = accepted else { continue };
            let (tls, host, proxy, young, cancel, counted) = (
                tls.clone(),
                host.clone(),
                proxy.clone(),
                young.clone(),
                cancel.clone(),
                counted.clone(),
            );
            tokio::spawn(async move {
                let pause = reconnect_pause(young.load(std::sync::atomic::Ordering::Relaxed));
                if !pause.is_zero() {
                    tracing::info!(gateway = %host, pause_s = pause.as_secs(), "the gateway keeps closing connections; waiting before connecting again");
                    tokio::select! {
                        _ = tokio::time::sleep(pause) => {}
                        _ = cancel.cancelled() => return,
                    }
                }
                let mut established = None;
                let carried = carry(
                    client,
                    proxy.as_deref(),
                    &host,
                    port,
                    tls,
                    &counted,
                    &mut established,
                )
                .await;
                if let Err(e) = carried {
                    tracing::warn!(gateway = %host, error = %e, "gateway connection failed");
                }
                let lived = established.map(|t: std::time::Instant| t.elapsed());
                // One update, so two connections ending together cannot lose a count.
                let _ = young.fetch_update(
                    std::sync::atomic::Ordering::Relaxed,
                    std::sync::atomic::Ordering::Relaxed,
                    |n| Some(young_after(n, lived)),
                );
            });
        }
    });
    Ok(GatewayTunnel {
        local_url: format!("ws://{local}{path}"),
        open,
    })
}

/// `http://[user:pass@]host:port` → `host:port`.
fn proxy_authority(proxy: &str) -> Result<String, NetError> {
    let bad = || NetError::BadProxy(proxy.to_string());
    let rest = proxy
        .strip_prefix("http://")
        .or_else(|| proxy.strip_prefix("https://"))
        .ok_or_else(bad)?;
    let authority = rest.split('/').next().unwrap_or(rest);
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    if authority.contains(':') {
        Ok(authority.to_string())
    } else {
        Ok(format!("{authority}:80"))
    }
}

/// One tunnelled connection: TCP to the gateway (CONNECT through the proxy when there is one),
/// TLS, then the client's WebSocket handshake with its `Host` made the gateway's, and bytes both
/// ways.
async fn carry(
    mut client: TcpStream,
    proxy: Option<&str>,
    host: &str,
    port: u16,
    tls: Arc<rustls::ClientConfig>,
    open: &Arc<AtomicUsize>,
    established: &mut Option<std::time::Instant>,
) -> std::io::Result<()> {
    let io = |m: String| std::io::Error::other(m);
    let dial = proxy.map_or_else(|| format!("{host}:{port}"), str::to_string);
    let mut upstream = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(&dial))
        .await
        .map_err(|_| io(format!("connecting to {dial} timed out")))??;
    if proxy.is_some() {
        upstream
            .write_all(
                format!("CONNECT {host}:{port} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n").as_bytes(),
            )
            .await?;
        let head = read_head(&mut upstream).await?;
        let status = head.split_whitespace().nth(1).unwrap_or_default();
        if status != "200" {
            let first = head.lines().next().unwrap_or_default();
            return Err(io(format!(
                "the proxy refused CONNECT {host}:{port}: {first}"
            )));
        }
    }
    let name = ServerName::try_from(host.to_string()).map_err(|e| io(e.to_string()))?;
    let mut gateway = tokio::time::timeout(
        CONNECT_TIMEOUT,
        tokio_rustls::TlsConnector::from(tls).connect(name, upstream),
    )
    .await
    .map_err(|_| io(format!("TLS to {host} timed out")))??;
    // The handshake names the loopback address; the gateway wants its own name.
    let request = read_head(&mut client).await?;
    let rewritten: String = request
        .split("\r\n")
        .map(|line| {
            if line.to_ascii_lowercase().starts_with("host:") {
                format!("Host: {host}")
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\r\n");
    gateway.write_all(rewritten.as_bytes()).await?;
    *established = Some(std::time::Instant::now());
    // Open until either side is done with it: a gateway that closed is not a connection,
    // whatever serenity does with its end.
    let open = std::sync::Mutex::new(Some(Open::new(open)));
    let gone = || drop(open.lock().expect("open lock").take());
    // Each direction to its end, so what one side sent last (a close frame) reaches the other
    // even when the far end then drops the connection without TLS's close_notify.
    let (mut client_read, mut client_write) = tokio::io::split(client);
    let (mut gateway_read, mut gateway_write) = tokio::io::split(gateway);
    let up = async {
        let r = tokio::io::copy(&mut client_read, &mut gateway_write).await;
        gone();
        let _ = gateway_write.shutdown().await;
        r
    };
    let down = async {
        let r = tokio::io::copy(&mut gateway_read, &mut client_write).await;
        gone();
        let _ = client_write.shutdown().await;
        r
    };
    let (up, down) = tokio::join!(up, down);
    for r in [up, down] {
        match r {
            Ok(_) => {}
            // How connections end in practice: not worth a warning.
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::UnexpectedEof
                        | std::io::ErrorKind::ConnectionReset
                        | std::io::ErrorKind::BrokenPipe
                ) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Reads an HTTP head (up to and including the blank line), byte by byte so nothing after it is
/// consumed.
async fn read_head(stream: &mut TcpStream) -> std::io::Result<String> {
    let mut head = Vec::with_capacity(512);
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > 16 * 1024 {
            return Err(std::io::Error::other("HTTP head too long"));
        }
        let n = tokio::time::timeout(CONNECT_TIMEOUT, stream.read(&mut byte))
            .await
            .map_err(|_| std::io::Error::other("no HTTP head in time"))??;
        if n == 0 {
            return Err(std::io::Error::other(
                "connection closed during the HTTP head",
            ));
        }
        head.push(byte[0]);
    }
    Ok(String::from_utf8_lossy(&head).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gateway_and_proxy_addresses_are_split() {
        assert_eq!(
            split_wss("wss://gateway.discord.gg").unwrap(),
            ("gateway.discord.gg".into(), 443, String::new())
        );
        assert_eq!(
            split_wss("wss://gw.example:8443/?v=10").unwrap(),
            ("gw.example".into(), 8443, "/?v=10".into())
        );
        assert!(split_wss("ws://127.0.0.1:1").is_err());
        assert_eq!(proxy_authority("http://proxy:3128").unwrap(), "proxy:3128");
        assert_eq!(
            proxy_authority("http://u:p@proxy.corp:8080/").unwrap(),
            "proxy.corp:8080"
        );
        assert_eq!(proxy_authority("http://proxy").unwrap(), "proxy:80");
        assert!(proxy_authority("socks5://x:1").is_err());
    }

    #[test]
    fn only_a_connection_that_stayed_up_resets_the_backoff() {
        // Mid-outage: each attempt times out after more than SHORT_LIVED without ever reaching
        // the gateway. The pause keeps growing.
        let mut young = 0;
        for _ in 0..5 {
            young = young_after(young, None);
        }
        assert_eq!(young, 5);
        assert_eq!(reconnect_pause(young).as_secs(), 8);
        // Reached, but closed at once: still dying young.
        assert_eq!(young_after(young, Some(Duration::from_secs(2))), 6);
        // Up for longer than SHORT_LIVED: recovered.
        assert_eq!(young_after(young, Some(SHORT_LIVED)), 0);
        assert_eq!(young_after(u32::MAX, None), u32::MAX);
    }

    #[test]
    fn reconnects_back_off_while_connections_die_young() {
        let pauses: Vec<u64> = (0..10).map(|n| reconnect_pause(n).as_secs()).collect();
        assert_eq!(pauses, vec![0, 0, 1, 2, 4, 8, 16, 32, 60, 60]);
    }

    #[test]
    fn a_missing_or_empty_ca_file_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let net = NetworkConfig {
            https_proxy: None,
            ca_file: Some(dir.path().join("nope.pem")),
        };
        let err = http_client(&net).unwrap_err().to_string();
        assert!(
            err.contains("nope.pem") && err.contains("SSL_CERT_FILE"),
            "{err}"
        );
        std::fs::write(dir.path().join("empty.pem"), "not a cert").unwrap();
        let net = NetworkConfig {
            https_proxy: None,
            ca_file: Some(dir.path().join("empty.pem")),
        };
        assert!(http_client(&net)
            .unwrap_err()
            .to_string()
            .contains("no PEM"));
    }
}
