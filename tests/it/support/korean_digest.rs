//! The Korean digest's repository as GitHub serves its raw files
//! (`/l-yohai/daily_papers_ko/main/paper_logs/YYYY/MM/DD.md`, `text/plain; charset=utf-8`, a
//! plain `404: Not Found` for a day it lacks), on loopback, with the real digests of
//! `tests/fixtures/digests/` for their days. It records every path asked for.

use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};

const PREFIX: &str = "/l-yohai/daily_papers_ko/main/paper_logs/";

#[derive(Clone)]
pub struct KoreanDigest {
    /// Stands for `https://raw.githubusercontent.com`.
    pub base_url: String,
    asked: Arc<Mutex<Vec<String>>>,
}

impl KoreanDigest {
    pub async fn start() -> KoreanDigest {
        let asked = Arc::new(Mutex::new(Vec::new()));
        let app = axum::Router::new().fallback(raw).with_state(asked.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        KoreanDigest {
            base_url: format!("http://{addr}"),
            asked,
        }
    }

    /// The days asked for (`YYYY-MM-DD`), in order.
    pub fn asked(&self) -> Vec<String> {
        self.asked.lock().unwrap().clone()
    }
}

async fn raw(State(asked): State<Arc<Mutex<Vec<String>>>>, uri: Uri) -> Response {
    let not_found = || (StatusCode::NOT_FOUND, "404: Not Found").into_response();
    let Some(day) = uri
        .path()
        .strip_prefix(PREFIX)
        .and_then(|p| p.strip_suffix(".md"))
        .map(|p| p.replace('/', "-"))
    else {
        return not_found();
    };
    asked.lock().unwrap().push(day.clone());
    let file = format!(
        "{}/tests/fixtures/digests/{day}.md",
        env!("CARGO_MANIFEST_DIR")
    );
    match std::fs::read(file) {
        Ok(body) => ([("content-type", "text/plain; charset=utf-8")], body).into_response(),
        Err(_) => not_found(),
    }
}
