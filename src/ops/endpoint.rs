//! The HTTP endpoint on `metrics.listen`: `/healthz` (JSON, 200 when this process can do its
//! job, 503 otherwise, see [`crate::ops::health`]) and `/metrics` (Prometheus text format, see
//! [`crate::ops::metrics`]). Meant for a private network or loopback: it says nothing secret, but
//! has no authentication.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use metrics_exporter_prometheus::PrometheusHandle;
use serenity::gateway::{ConnectionStage, ShardManager};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::ops::health::Health;
use crate::store::Store;

/// The database check must answer quickly: a health probe that hangs is a failed probe.
const DATABASE_CHECK: Duration = Duration::from_secs(2);

#[derive(Clone)]
struct App {
    health: Arc<Health>,
    shards: Arc<ShardManager>,
    store: Store,
    metrics: PrometheusHandle,
}

/// Binds the address (so a mistake fails the start-up, not a later probe) and serves until
/// `cancel`.
pub async fn start(
    addr: SocketAddr,
    health: Arc<Health>,
    shards: Arc<ShardManager>,
    store: Store,
    metrics: PrometheusHandle,
    cancel: CancellationToken,
) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    let app = Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(render))
        .with_state(App {
            health,
            shards,
            store,
            metrics: metrics.clone(),
        });
    // Histograms are kept in buckets that need draining now and then.
    let upkeep = cancel.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(5));
        loop {
            tokio::select! {
                _ = every.tick() => metrics.run_upkeep(),
                _ = upkeep.cancelled() => return,
            }
        }
    });
    tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(cancel.cancelled_owned())
            .await;
        if let Err(e) = served {
            tracing::error!(error = %e, "the metrics endpoint stopped");
        }
    });
    tracing::info!(address = %local, "serving /healthz and /metrics");
    Ok(local)
}

async fn healthz(State(app): State<App>) -> Response {
    let database = match tokio::time::timeout(DATABASE_CHECK, app.store.subscription_count()).await
    {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!("no answer within {DATABASE_CHECK:?}")),
    };
    let connected = app
        .shards
        .runners
        .lock()
        .await
        .iter()
        .filter(|(_, r)| r.stage == ConnectionStage::Connected)
        .map(|(id, _)| id.0)
        .collect();
    let report = app.health.report(connected, database);
    let status = if report.ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(report)).into_response()
}

async fn render(State(app): State<App>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        app.metrics.render(),
    )
        .into_response()
}
