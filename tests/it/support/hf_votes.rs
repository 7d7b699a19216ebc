//! A Hugging Face daily-papers API on loopback whose lists the test writes: for each date, the
//! papers (arXiv id, title, votes) it answers `GET /api/daily_papers?date=…` with, in the
//! API's item shape and paging (`limit`, `p`). Votes can be changed between requests, as they
//! change on Hugging Face for days; every answered date is counted.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::routing::get;
use chrono::NaiveDate;
use serde_json::{json, Value};

/// One paper of a list: (arXiv id, title, votes).
pub type Listed = (String, String, u32);

#[derive(Clone, Default)]
struct Lists {
    days: Arc<Mutex<HashMap<NaiveDate, Vec<Listed>>>>,
    asked: Arc<Mutex<Vec<NaiveDate>>>,
}

pub struct VotesApi {
    pub base_url: String,
    lists: Lists,
}

impl VotesApi {
    pub async fn start() -> VotesApi {
        let lists = Lists::default();
        let app = axum::Router::new()
            .route("/api/daily_papers", get(daily_papers))
            .with_state(lists.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        VotesApi {
            base_url: format!("http://{addr}"),
            lists,
        }
    }

    /// What the list of `date` holds from now on.
    pub fn set(&self, date: NaiveDate, papers: Vec<Listed>) {
        self.lists.days.lock().unwrap().insert(date, papers);
    }

    /// What the list of `date` holds now.
    pub fn list(&self, date: NaiveDate) -> Vec<Listed> {
        self.lists
            .days
            .lock()
            .unwrap()
            .get(&date)
            .cloned()
            .unwrap_or_default()
    }

    /// The dates asked for so far, in order (a date once per page asked).
    pub fn asked(&self) -> Vec<NaiveDate> {
        self.lists.asked.lock().unwrap().clone()
    }
}

fn item((id, title, votes): &Listed) -> Value {
    json!({
        "paper": {
            "id": id,
            "title": title,
            "summary": format!("The abstract of {title}."),
            "authors": [{ "name": "Ada Lovelace" }, { "name": "Alan Turing" }],
            "upvotes": votes,
            "publishedAt": "2024-04-01T00:00:00.000Z",
        },
        "title": title,
        "thumbnail": format!("https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/{id}.png"),
        "numComments": 0,
    })
}

async fn daily_papers(
    State(lists): State<Lists>,
    Query(q): Query<HashMap<String, String>>,
) -> axum::Json<Value> {
    let date = q.get("date").and_then(|s| s.parse::<NaiveDate>().ok());
    let limit = q
        .get("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or(50)
        .clamp(1, 100);
    let page = q
        .get("p")
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(0);
    let Some(date) = date else {
        return axum::Json(json!([]));
    };
    lists.asked.lock().unwrap().push(date);
    let papers = lists
        .days
        .lock()
        .unwrap()
        .get(&date)
        .cloned()
        .unwrap_or_default();
    axum::Json(Value::Array(
        papers
            .iter()
            .skip(page.saturating_mul(limit))
            .take(limit)
            .map(item)
            .collect(),
    ))
}
