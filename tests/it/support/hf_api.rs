//! A Hugging Face daily-papers API on loopback whose list for a date D fills up while D lasts
//! (one paper every 24/29 hours of the injected clock), as the real one does; it counts the
//! requests it answers. It pages as the real API does: `limit` items (default 50, at most 100)
//! of page `p` (from 0), so a client that does not page loses papers on a big day.
//!
//! It also serves one paper's page as the real API does, for follow-ups on saved papers:
//! `GET /api/papers/{id}` (the paper's fields, `githubRepo` and `projectPage` among them; a 404
//! with `{"error": …}` for a paper Hugging Face has not indexed) and `GET
//! /api/arxiv/{id}/repos` (`{"models": [...], "datasets": [...], "spaces": [...]}`, each item
//! with its `id`; empty lists for a paper nothing cites). A test sets what each paper has and
//! changes it while the bot runs; every paper request is recorded with when it came.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use axum::routing::get;
use chrono::{NaiveDate, TimeZone, Utc};
use paperboy::clock::{Clock, ManualClock};
use serde_json::Value;

/// Papers in the list of a day that is over (the real answer for 2024-10-25).
pub const FULL_DAY: usize = 29;
/// The API's page size when the client does not ask for one, and the largest it allows.
pub const DEFAULT_LIMIT: usize = 50;
pub const MAX_LIMIT: usize = 100;

#[derive(Clone)]
struct Api {
    clock: ManualClock,
    papers: Arc<Vec<Value>>,
    requests: Arc<AtomicUsize>,
    answered: Arc<AtomicUsize>,
    delay: std::time::Duration,
    pages: Arc<Mutex<Pages>>,
}

/// Single papers' pages, as the test sets them.
#[derive(Default)]
struct Pages {
    /// arXiv id → the paper object `GET /api/papers/{id}` answers.
    papers: HashMap<String, Value>,
    /// arXiv id → the `repos` object.
    repos: HashMap<String, Value>,
    /// (path, when) of every paper request.
    seen: Vec<(String, std::time::Instant)>,
}

pub struct GrowingApi {
    pub base_url: String,
    requests: Arc<AtomicUsize>,
    answered: Arc<AtomicUsize>,
    pages: Arc<Mutex<Pages>>,
}

impl GrowingApi {
    pub async fn start(clock: ManualClock) -> GrowingApi {
        GrowingApi::start_slow(clock, std::time::Duration::ZERO).await
    }

    /// An API that takes `delay` to answer each request.
    pub async fn start_slow(clock: ManualClock, delay: std::time::Duration) -> GrowingApi {
        GrowingApi::serve(clock, delay, real_day()).await
    }

    /// An API whose list for a day that is over holds `n` papers: the real answer's items again
    /// and again, with ids `2410.9NNNN` and titles `Paper N: …` from the 30th on. The list
    /// fills up through the day in the same way (`papers_at` scaled to `n`).
    pub async fn start_big(clock: ManualClock, n: usize) -> GrowingApi {
        GrowingApi::serve(clock, std::time::Duration::ZERO, big_day(n)).await
    }

    async fn serve(
        clock: ManualClock,
        delay: std::time::Duration,
        papers: Vec<Value>,
    ) -> GrowingApi {
        let requests = Arc::new(AtomicUsize::new(0));
        let answered = Arc::new(AtomicUsize::new(0));
        let pages = Arc::new(Mutex::new(Pages::default()));
        let api = Api {
            clock,
            papers: Arc::new(papers),
            requests: requests.clone(),
            answered: answered.clone(),
            delay,
            pages: pages.clone(),
        };
        let app = axum::Router::new()
            .route("/api/daily_papers", get(daily_papers))
            .route("/api/papers/{id}", get(paper_page))
            .route("/api/arxiv/{id}/repos", get(paper_repos))
            .with_state(api);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        GrowingApi {
            base_url: format!("http://{addr}"),
            requests,
            answered,
            pages,
        }
    }

    /// Indexes paper `id` with `title` and, when given, its code repository (what
    /// `GET /api/papers/{id}` answers from now on).
    pub fn set_paper(&self, id: &str, title: &str, github_repo: Option<&str>) {
        let mut page = serde_json::json!({
            "id": id,
            "title": title,
            "summary": "An abstract.",
            "authors": [{"_id": "65f0", "name": "A. Author", "hidden": false}],
            "publishedAt": "2024-01-19T00:00:00.000Z",
            "upvotes": 12,
            "discussionId": "65ab",
            "ai_keywords": ["speculative decoding"],
        });
        if let Some(repo) = github_repo {
            page["githubRepo"] = Value::from(repo);
            page["githubStars"] = Value::from(2300);
        }
        lock(&self.pages).papers.insert(id.to_string(), page);
    }

    /// The models and datasets citing paper `id` (names `org/name`).
    pub fn set_repos(&self, id: &str, models: &[&str], datasets: &[&str]) {
        let item = |name: &&str| serde_json::json!({"id": name, "author": name.split('/').next(), "likes": 3, "downloads": 100, "tags": []});
        let repos = serde_json::json!({
            "models": models.iter().map(item).collect::<Vec<_>>(),
            "datasets": datasets.iter().map(item).collect::<Vec<_>>(),
            "spaces": [],
        });
        lock(&self.pages).repos.insert(id.to_string(), repos);
    }

    /// Every paper request so far: its path and when it came.
    pub fn paper_requests(&self) -> Vec<(String, std::time::Instant)> {
        lock(&self.pages).seen.clone()
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

fn real_day() -> Vec<Value> {
    let fixture = include_bytes!("../../fixtures/hf-api/2024-10-25.json");
    let papers: Vec<Value> = serde_json::from_slice(fixture).unwrap();
    assert_eq!(papers.len(), FULL_DAY);
    papers
}

/// `n` distinct papers: the real day first, then its items again under new ids and titles.
/// Every third paper (index 0, 3, 6, …) has code (`githubRepo`, `githubStars`); every fifth is
/// submitted by the organisation `example-lab` ("Example Lab"); paper `i` has the AI keyword
/// `topic{i % 7}`.
pub fn big_day(n: usize) -> Vec<Value> {
    let real = real_day();
    (0..n)
        .map(|i| {
            let mut item = real[i % FULL_DAY].clone();
            if i % 3 == 0 {
                item["paper"]["githubRepo"] =
                    Value::from(format!("https://github.com/example/repo{i}"));
                item["paper"]["githubStars"] = Value::from(i * 10);
            }
            if i % 5 == 0 {
                item["organization"] =
                    serde_json::json!({"name": "example-lab", "fullname": "Example Lab"});
            }
            item["paper"]["ai_keywords"] = serde_json::json!([format!("topic{}", i % 7)]);
            if i >= FULL_DAY {
                item["paper"]["id"] = Value::from(format!("2410.9{i:04}"));
                let title = format!(
                    "Paper {i}: {}",
                    item["paper"]["title"].as_str().unwrap_or("")
                );
                item["paper"]["title"] = Value::from(title.clone());
                item["title"] = Value::from(title);
            }
            item
        })
        .collect()
}

/// How many papers the list for `date` has at the clock's now.
pub fn papers_at(date: NaiveDate, now: chrono::DateTime<Utc>) -> usize {
    papers_of_at(FULL_DAY, date, now)
}

/// [`papers_at`] for a list of `full` papers once its day is over.
pub fn papers_of_at(full: usize, date: NaiveDate, now: chrono::DateTime<Utc>) -> usize {
    let start = Utc.from_utc_datetime(&date.and_hms_opt(0, 0, 0).unwrap());
    let elapsed = (now - start).num_seconds();
    let per_paper = (86_400 / full.max(1) as i64).max(1);
    if elapsed < 0 {
        0
    } else {
        ((elapsed / per_paper) as usize + 1).min(full)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

async fn paper_page(State(api): State<Api>, Path(id): Path<String>) -> axum::response::Response {
    let mut pages = lock(&api.pages);
    pages
        .seen
        .push((format!("/api/papers/{id}"), std::time::Instant::now()));
    match pages.papers.get(&id) {
        Some(page) => axum::Json(page.clone()).into_response(),
        None => (
            axum::http::StatusCode::NOT_FOUND,
            axum::Json(serde_json::json!({"error": "Paper not found"})),
        )
            .into_response(),
    }
}

async fn paper_repos(State(api): State<Api>, Path(id): Path<String>) -> axum::response::Response {
    let mut pages = lock(&api.pages);
    pages
        .seen
        .push((format!("/api/arxiv/{id}/repos"), std::time::Instant::now()));
    let repos = pages
        .repos
        .get(&id)
        .cloned()
        .unwrap_or_else(|| serde_json::json!({"models": [], "datasets": [], "spaces": []}));
    axum::Json(repos).into_response()
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
        .map_or(0, |date| {
            papers_of_at(api.papers.len(), date, api.clock.now())
        });
    let limit = q
        .get("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or(DEFAULT_LIMIT)
        .clamp(1, MAX_LIMIT);
    let page = q
        .get("p")
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(0);
    let items = api.papers[..n]
        .iter()
        .skip(page.saturating_mul(limit))
        .take(limit)
        .cloned()
        .collect();
    axum::Json(Value::Array(items))
}
