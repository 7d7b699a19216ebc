//! An OpenAI-compatible embeddings endpoint on loopback (`POST /v1/embeddings`) for "for you",
//! strict as the real ones are about what it is sent and answering in their shapes:
//! - `Authorization: Bearer <key>` (else 401, OpenAI's `invalid_api_key` error object);
//! - a JSON body with `model`, the one it serves (else 404 `model_not_found`, as OpenAI
//!   answers an unknown model), and `input`: a string or a non-empty array of at most 2,048
//!   non-empty strings, none over the model's context (8,192 tokens at 4 characters a token;
//!   else 400 `invalid_request_error`);
//! - the answer `{"object": "list", "data": [{"object": "embedding", "index", "embedding"}],
//!   "model", "usage": {"prompt_tokens", "total_tokens"}}`, in reverse order when told (servers
//!   need not keep the input order: `index` says where each goes), or without `usage`, as
//!   Ollama answers.
//!
//! `POST /v1/chat/completions` answers 503, so a `[summaries]` section pointing here leaves
//! posts with their digest text.
//!
//! The vectors are "semantic" in a way lexical similarity cannot imitate: each dimension is a
//! concept, counted from any of its words (`denoising` and `diffusion` are one concept, `moving
//! pictures` and `video` another), so a test can tell which backend ranked a DM.

use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Json;
use serde_json::{json, Value};

pub const KEY: &str = "sk-test-embeddings";
pub const MODEL: &str = "fake-embed-1";
/// The most inputs one request may carry (OpenAI's limit).
pub const MAX_INPUTS: usize = 2048;
const MAX_INPUT_TOKENS: usize = 8192;

/// Concepts, each with the words that evoke it.
const CONCEPTS: &[&[&str]] = &[
    &["diffusion", "denoising", "score-based"],
    &["video", "moving pictures", "temporal", "frames"],
    &["speculative", "decoding", "draft", "inference"],
    &["agent", "web", "navigat", "browser"],
    &["robot", "grasp", "tactile"],
    &["protein", "folding", "molecule"],
    &["survey", "overview", "review"],
];

#[derive(Default)]
struct Inner {
    /// Each request body, as received.
    requests: Vec<Value>,
    /// Every answer fails with this status while set.
    failing: Option<u16>,
    reversed: bool,
    no_usage: bool,
}

#[derive(Clone)]
pub struct EmbeddingsApi {
    pub base_url: String,
    inner: Arc<Mutex<Inner>>,
}

fn lock(m: &Mutex<Inner>) -> std::sync::MutexGuard<'_, Inner> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl EmbeddingsApi {
    pub async fn start() -> EmbeddingsApi {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let app = axum::Router::new()
            .route("/v1/embeddings", post(embed))
            .route(
                "/v1/chat/completions",
                post(|| async { (StatusCode::SERVICE_UNAVAILABLE, "overloaded") }),
            )
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        EmbeddingsApi {
            base_url: format!("http://{addr}/v1"),
            inner,
        }
    }

    /// Every answer from now on is this HTTP status (`None`: answers again).
    pub fn fail_with(&self, status: Option<u16>) {
        lock(&self.inner).failing = status;
    }

    /// Answers list the embeddings last input first, and leave `usage` out.
    pub fn answer_like_ollama(&self) {
        let mut i = lock(&self.inner);
        i.reversed = true;
        i.no_usage = true;
    }

    pub fn requests(&self) -> Vec<Value> {
        lock(&self.inner).requests.clone()
    }

    /// Every input embedded so far, in order.
    pub fn inputs(&self) -> Vec<String> {
        self.requests()
            .iter()
            .flat_map(|r| match &r["input"] {
                Value::String(s) => vec![s.clone()],
                Value::Array(a) => a
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect(),
                _ => vec![],
            })
            .collect()
    }
}

/// The fake's vector of a text: one count per concept, plus a constant so no vector is zero.
pub fn vector(text: &str) -> Vec<f64> {
    let lower = text.to_lowercase();
    let mut v: Vec<f64> = CONCEPTS
        .iter()
        .map(|words| words.iter().map(|w| lower.matches(w).count() as f64).sum())
        .collect();
    v.push(0.3);
    v
}

fn error(status: StatusCode, message: &str, kind: &str, code: Option<&str>) -> Response {
    (
        status,
        Json(json!({"error": {"message": message, "type": kind, "param": null, "code": code}})),
    )
        .into_response()
}

async fn embed(
    State(inner): State<Arc<Mutex<Inner>>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if auth != format!("Bearer {KEY}") {
        return error(
            StatusCode::UNAUTHORIZED,
            "Incorrect API key provided.",
            "invalid_request_error",
            Some("invalid_api_key"),
        );
    }
    let Ok(request) = serde_json::from_str::<Value>(&body) else {
        return error(
            StatusCode::BAD_REQUEST,
            "We could not parse the JSON body of your request.",
            "invalid_request_error",
            None,
        );
    };
    let (failing, reversed, no_usage) = {
        let mut i = lock(&inner);
        i.requests.push(request.clone());
        (i.failing, i.reversed, i.no_usage)
    };
    if let Some(status) = failing {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        return error(
            status,
            "The server had an error while processing your request.",
            "server_error",
            None,
        );
    }
    let model = request["model"].as_str().unwrap_or("");
    if model != MODEL {
        return error(
            StatusCode::NOT_FOUND,
            &format!("The model `{model}` does not exist or you do not have access to it."),
            "invalid_request_error",
            Some("model_not_found"),
        );
    }
    let inputs: Vec<String> = match &request["input"] {
        Value::String(s) => vec![s.clone()],
        Value::Array(a)
            if !a.is_empty()
                && a.len() <= MAX_INPUTS
                && a.iter().all(|v| v.as_str().is_some_and(|s| !s.is_empty())) =>
        {
            a.iter().map(|v| v.as_str().unwrap().to_string()).collect()
        }
        _ => {
            return error(
                StatusCode::BAD_REQUEST,
                "'$.input' is invalid. Please check the API reference.",
                "invalid_request_error",
                None,
            )
        }
    };
    let tokens: Vec<usize> = inputs
        .iter()
        .map(|s| s.chars().count().div_ceil(4))
        .collect();
    if let Some(t) = tokens.iter().find(|t| **t > MAX_INPUT_TOKENS) {
        return error(
            StatusCode::BAD_REQUEST,
            &format!("This model's maximum context length is {MAX_INPUT_TOKENS} tokens, however you requested {t} tokens."),
            "invalid_request_error",
            None,
        );
    }
    let mut data: Vec<Value> = inputs
        .iter()
        .enumerate()
        .map(|(i, text)| json!({"object": "embedding", "index": i, "embedding": vector(text)}))
        .collect();
    if reversed {
        data.reverse();
    }
    let total: usize = tokens.iter().sum();
    let mut answer = json!({"object": "list", "data": data, "model": MODEL});
    if !no_usage {
        answer["usage"] = json!({"prompt_tokens": total, "total_tokens": total});
    }
    Json(answer).into_response()
}
