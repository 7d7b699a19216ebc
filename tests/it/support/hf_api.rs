//! A Hugging Face daily-papers API on loopback whose list for a date D fills up while D lasts
//! (one paper every 24/29 hours of the injected clock), as the real one does; it counts the
//! requests it answers.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::response::IntoResponse;
use axum::routing::get;
use chrono::{NaiveDate, TimeZone, Utc};
use paperboy::clock::{Clock, ManualClock};
use serde_json::Value;

/// Papers in the list of a day that is over (the real answer for 2024-10-25).
pub const FULL_DAY: usize = 29;

#[derive(Clone)]
struct Api {
    clock: ManualClock,
    papers: Arc<Vec<Value>>,
    requests: Arc<AtomicUsize>,
    answered: Arc<AtomicUsize>,
    delay: std::time::Duration,
}

pub struct GrowingApi {
    pub base_url: String,
    requests: Arc<AtomicUsize>,
    answered: Arc<AtomicUsize>,
}

impl GrowingApi {
    pub async fn start(clock: ManualClock) -> GrowingApi {
        GrowingApi::start_slow(clock, std::time::Duration::ZERO).await
    }

    /// An API that takes `delay` to answer each request.
    pub async fn start_slow(clock: ManualClock, delay: std::time::Duration) -> GrowingApi {
        let fixture = include_bytes!("../../fixtures/hf-api/2024-10-25.json");
        let papers: Vec<Value> = serde_json::from_slice(fixture).unwrap();
        assert_eq!(papers.len(), FULL_DAY);
        let requests = Arc::new(AtomicUsize::new(0));
        let answered = Arc::new(AtomicUsize::new(0));
        let api = Api {
            clock,
            papers: Arc::new(papers),
            requests: requests.clone(),
            answered: answered.clone(),
            delay,
        };
        let app = axum::Router::new()
            .route("/api/daily_papers", get(daily_papers))
            .with_state(api);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        GrowingApi {
            base_url: format!("http://{addr}"),
            requests,
            answered,
        }
    }

    /// Requests received.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    /// Requests answered (after the delay).
    pub fn answered(&self) -> usize {
        self.answered.load(Ordering::SeqCst)
    }
}

/// How many papers the list for `date` has at the clock's now.
pub fn papers_at(date: NaiveDate, now: chrono::DateTime<Utc>) -> usize {
    let start = Utc.from_utc_datetime(&date.and_hms_opt(0, 0, 0).unwrap());
    let elapsed = (now - start).num_seconds();
    let per_paper = 86_400 / FULL_DAY as i64;
    if elapsed < 0 {
        0
    } else {
        ((elapsed / per_paper) as usize + 1).min(FULL_DAY)
    }
}

async fn daily_papers(
    State(api): State<Api>,
    Query(q): Query<HashMap<String, String>>,
) -> impl IntoResponse {
    api.requests.fetch_add(1, Ordering::SeqCst);
    tokio::time::sleep(api.delay).await;
    api.answered.fetch_add(1, Ordering::SeqCst);
    let n = q
        .get("date")
        .and_then(|s| s.parse::<NaiveDate>().ok())
        .map_or(0, |date| papers_at(date, api.clock.now()));
    axum::Json(Value::Array(api.papers[..n].to_vec()))
}
