//! The operator's endpoint: one task in, one answer out, whatever the endpoint refuses along the
//! way. A refusal the bot can adapt to (a parameter, the structured-output mode, a schema
//! keyword) is learned from at once: the request is sent again changed, without a pause, and
//! what was learned is stored per endpoint and model, so no later request, restart or other
//! process pays for it again. Until a request with the current settings has been answered,
//! requests go one at a time, so a refusal costs one extra call, not one per request in flight.
//! A refusal it cannot adapt to is the request's failure ([`ChatError::Rejected`]), never the
//! endpoint's: it is logged once with the provider's own words, stored for `paperboy status`,
//! and kept for `/healthz`.
//!
//! Requests go out through the bot's own HTTP client (`net::http_client`: its proxy and CA
//! settings apply), which also shows what a typed SDK hides: the status and a 429's
//! `retry-after`.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::adapt::{adapt, larger_budget};
use super::answer::{read_answer, AnswerError, Finish, TokenUsage};
use super::learned::{Learned, Lesson};
use super::refusal::{error_message, read_refusal};
use super::task::{self, ChatTask, Sent};
use crate::store::Store;
use crate::summaries::config::ApiKey;

/// What went wrong with a request, by what the caller should do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChatError {
    /// 429: wait `retry_after` (when given) before the next request to the endpoint.
    #[error("rate limited by the endpoint (retry after {retry_after:?})")]
    RateLimited { retry_after: Option<Duration> },
    /// 5xx (or a 408): the endpoint is in trouble; back off.
    #[error("the endpoint answered {0}")]
    Server(u16),
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    /// Connection refused, DNS, TLS: the endpoint is down or unreachable.
    #[error("cannot reach the endpoint: {0}")]
    Unreachable(String),
    /// 401/403 (402: no credit): nothing works until the operator fixes the key or account.
    #[error("the endpoint refused the API key ({0})")]
    Unauthorized(u16),
    /// A 4xx the bot cannot adapt to: this request fails, the endpoint is fine. `message` is
    /// the provider's own.
    #[error("the endpoint refused the request ({status}): {message}")]
    Rejected { status: u16, message: String },
    /// The answer is not a chat completion.
    #[error("the answer is not a chat completion: {0}")]
    Malformed(String),
}

impl ChatError {
    /// A cause in one word, for logs and metrics.
    pub fn cause(&self) -> &'static str {
        match self {
            ChatError::RateLimited { .. } => "rate_limited",
            ChatError::Server(_) => "server_error",
            ChatError::Timeout(_) => "timeout",
            ChatError::Unreachable(_) => "unreachable",
            ChatError::Unauthorized(_) => "unauthorized",
            ChatError::Rejected { .. } => "rejected",
            ChatError::Malformed(_) => "malformed",
        }
    }

    /// Whether the endpoint as a whole is unwell (every request would fail the same way now),
    /// as opposed to this one request being wrong.
    pub fn endpoint_wide(&self) -> bool {
        !matches!(self, ChatError::Rejected { .. } | ChatError::Malformed(_))
    }
}

/// An answer and what it took.
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    /// The answer's text, thinking taken out (for JSON, see [`super::json_text`]).
    pub text: String,
    /// The model's own refusal (`message.refusal`).
    pub refusal: Option<String>,
    pub finish: Finish,
    /// Every call of this completion, the ones refused or cut off included.
    pub usage: TokenUsage,
    pub calls: u32,
    /// What this completion learned (each one cost one call).
    pub lessons: Vec<Lesson>,
    /// What the answered request carried.
    pub sent: Sent,
    /// From the first call to the answer.
    pub latency: Duration,
}

impl Completion {
    /// The model declined: a refusal, or the provider's filter.
    pub fn declined(&self) -> bool {
        self.refusal.is_some() || self.finish == Finish::ContentFilter
    }

    /// Cut at the output budget.
    pub fn truncated(&self) -> bool {
        self.finish == Finish::Length
    }
}

/// Where and how to reach the endpoint.
#[derive(Clone)]
pub struct Endpoint {
    /// The API's base, up to and including `/v1`, without a trailing slash.
    pub base_url: String,
    pub model: String,
    pub key: Option<ApiKey>,
    pub timeout: Duration,
}

impl Endpoint {
    /// The endpoint `[summaries]` names: every task of the bot (summaries, questions,
    /// embeddings) goes to the one model the operator chose.
    pub fn configured(cfg: &crate::summaries::config::SummariesConfig) -> Endpoint {
        Endpoint {
            base_url: cfg.base_url.clone(),
            model: cfg.model.clone(),
            key: cfg.api_key.clone(),
            timeout: cfg.timeout,
        }
    }
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("key", &self.key)
            .finish()
    }
}

/// The longest `retry-after` honoured: a longer one is cut to this, and the caller's own backoff
/// takes over.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(600);
/// Calls one completion may make: every lesson needs one, and there are only so many things to
/// learn. A server that keeps refusing past this is answered with its last refusal.
const MAX_CALLS: u32 = 10;

/// A request that did not come back with a 2xx.
enum Failure {
    /// A 4xx that may name something to change.
    Refused {
        status: u16,
        body: Vec<u8>,
    },
    Other(ChatError),
}

/// The client of one endpoint and model, shared by everything that calls it.
pub struct ModelClient {
    http: reqwest::Client,
    endpoint: Endpoint,
    store: Option<Store>,
    learned: Mutex<Learned>,
    loaded: tokio::sync::OnceCell<()>,
    /// Whether a request with the current settings was answered; until then requests take
    /// `gate` one at a time.
    confirmed: AtomicBool,
    gate: tokio::sync::Mutex<()>,
    /// The last refusal it could not adapt to, in the provider's words (for `/healthz`).
    last_refusal: Arc<Mutex<Option<String>>>,
    /// Refusals already logged, so each is said once.
    reported: Mutex<HashSet<String>>,
}

impl std::fmt::Debug for ModelClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModelClient")
            .field("endpoint", &self.endpoint)
            .finish()
    }
}

impl ModelClient {
    /// `store`: where lessons are kept (`None`: this process only).
    pub fn new(http: reqwest::Client, mut endpoint: Endpoint, store: Option<Store>) -> ModelClient {
        endpoint.base_url = endpoint.base_url.trim_end_matches('/').to_string();
        ModelClient {
            http,
            endpoint,
            store,
            learned: Mutex::new(Learned::default()),
            loaded: tokio::sync::OnceCell::new(),
            confirmed: AtomicBool::new(false),
            gate: tokio::sync::Mutex::new(()),
            last_refusal: Arc::new(Mutex::new(None)),
            reported: Mutex::new(HashSet::new()),
        }
    }

    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// What is known of the endpoint now (after [`ModelClient::load`] or a first call).
    pub fn learned(&self) -> Learned {
        self.learned.lock().expect("learned lock").clone()
    }

    /// The last refusal the client could not adapt to, as it changes (for `/healthz`).
    pub fn refusal_watch(&self) -> Arc<Mutex<Option<String>>> {
        self.last_refusal.clone()
    }

    /// Reads what was learned before (by this or another process); done once, before the first
    /// request.
    pub async fn load(&self) {
        self.loaded
            .get_or_init(|| async {
                self.refresh().await;
            })
            .await;
    }

    /// Takes in what the store knows; whether that changed anything.
    async fn refresh(&self) -> bool {
        let Some(store) = &self.store else {
            return false;
        };
        match store
            .model_settings(&self.endpoint.base_url, &self.endpoint.model)
            .await
        {
            Ok(Some(row)) => {
                let mut l = self.learned.lock().expect("learned lock");
                let before = l.clone();
                l.merge(&row.learned);
                if let Some(r) = row.refusal {
                    self.last_refusal
                        .lock()
                        .expect("refusal lock")
                        .get_or_insert(r);
                }
                *l != before
            }
            Ok(None) => false,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read what was learned about the model endpoint");
                false
            }
        }
    }

    /// Sends `task`, adapting to what the endpoint refuses (see the module docs).
    pub async fn complete(&self, task: &ChatTask) -> Result<Completion, ChatError> {
        self.load().await;
        let started = Instant::now();
        let mut usage = TokenUsage::default();
        let mut lessons = Vec::new();
        let mut calls = 0;
        let mut budget_raised = false;
        loop {
            let _one_at_a_time = if self.confirmed.load(Ordering::Acquire) {
                None
            } else {
                Some(self.gate.lock().await)
            };
            let learned = self.learned();
            let body = task::body(&self.endpoint.model, task, &learned);
            calls += 1;
            let bytes = match self.send("chat/completions", &body).await {
                Ok(b) => b,
                Err(Failure::Other(e)) => return Err(e),
                Err(Failure::Refused { status, body: err }) => {
                    let refusal = read_refusal(&err);
                    let out_of_calls = calls >= MAX_CALLS;
                    // Another request or process may have learned this meanwhile.
                    if !out_of_calls && (self.learned() != learned || self.refresh().await) {
                        continue;
                    }
                    let (next, new) = adapt(&learned, &body, &refusal.refused);
                    if new.is_empty() || out_of_calls {
                        self.refused(&refusal.message).await;
                        return Err(ChatError::Rejected {
                            status,
                            message: refusal.message,
                        });
                    }
                    for lesson in &new {
                        tracing::info!(
                            endpoint = %self.endpoint.base_url,
                            model = %self.endpoint.model,
                            provider_said = %refusal.message,
                            "the model endpoint refused a request; {lesson}, sending it again"
                        );
                    }
                    self.learn(next).await;
                    lessons.extend(new);
                    continue;
                }
            };
            let answer = read_answer(&bytes).map_err(|e| match e {
                AnswerError::Error { code, message } => match code {
                    Some(429) => ChatError::RateLimited { retry_after: None },
                    Some(c @ 400..=499) => ChatError::Rejected { status: c, message },
                    Some(c) => ChatError::Server(c),
                    None => ChatError::Server(502),
                },
                other => ChatError::Malformed(other.to_string()),
            })?;
            usage += answer.usage;
            // A reasoning model that spent the whole budget thinking answers nothing: once,
            // room for both.
            if answer.text.is_empty()
                && answer.finish == Finish::Length
                && answer.refusal.is_none()
                && !budget_raised
                && calls < MAX_CALLS
            {
                if let Some(b) = larger_budget(task::budget(task, &learned)) {
                    budget_raised = true;
                    let lesson = Lesson::Budget(b);
                    tracing::info!(
                        endpoint = %self.endpoint.base_url,
                        model = %self.endpoint.model,
                        reasoning_tokens = answer.usage.reasoning,
                        "the answer was empty, cut at its budget; {lesson}, asking again"
                    );
                    let mut next = learned.clone();
                    next.min_output_tokens = b;
                    self.learn(next).await;
                    lessons.push(lesson);
                    continue;
                }
            }
            self.confirmed.store(true, Ordering::Release);
            return Ok(Completion {
                text: answer.text,
                refusal: answer.refusal,
                finish: answer.finish,
                usage,
                calls,
                lessons,
                sent: task::sent(task, &learned),
                latency: started.elapsed(),
            });
        }
    }

    /// POSTs `body` to `{base_url}/{path}` and returns the 2xx body: the building block for
    /// other endpoints of the same API (`embeddings`), with the same error reading.
    pub async fn post(&self, path: &str, body: &Value) -> Result<Vec<u8>, ChatError> {
        match self.send(path, body).await {
            Ok(b) => Ok(b),
            Err(Failure::Other(e)) => Err(e),
            Err(Failure::Refused { status, body }) => Err(ChatError::Rejected {
                status,
                message: read_refusal(&body).message,
            }),
        }
    }

    async fn learn(&self, next: Learned) {
        *self.learned.lock().expect("learned lock") = next.clone();
        self.confirmed.store(false, Ordering::Release);
        if let Some(store) = &self.store {
            if let Err(e) = store
                .save_model_settings(&self.endpoint.base_url, &self.endpoint.model, &next)
                .await
            {
                tracing::warn!(error = %e, "cannot store what was learned about the model endpoint");
            }
        }
    }

    /// A refusal that stands: said once per message, kept for status and `/healthz`.
    async fn refused(&self, message: &str) {
        *self.last_refusal.lock().expect("refusal lock") = Some(message.to_string());
        let first = self
            .reported
            .lock()
            .expect("reported lock")
            .insert(message.to_string());
        if !first {
            return;
        }
        tracing::warn!(
            endpoint = %self.endpoint.base_url,
            model = %self.endpoint.model,
            provider_said = %message,
            "the model endpoint refused a request and nothing in it can be changed to suit it; \
             the paper keeps Hugging Face's text after its tries (repeats of this refusal are not logged)"
        );
        if let Some(store) = &self.store {
            if let Err(e) = store
                .save_model_refusal(&self.endpoint.base_url, &self.endpoint.model, message)
                .await
            {
                tracing::warn!(error = %e, "cannot store the model endpoint's refusal");
            }
        }
    }

    async fn send(&self, path: &str, body: &Value) -> Result<Vec<u8>, Failure> {
        let mut req = self
            .http
            .post(format!("{}/{path}", self.endpoint.base_url))
            .timeout(self.endpoint.timeout)
            .json(body);
        if let Some(key) = &self.endpoint.key {
            req = req.bearer_auth(key.expose());
        }
        let response = req
            .send()
            .await
            .map_err(|e| Failure::Other(self.transport(e)))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let bytes = response
            .bytes()
            .await
            .map_err(|e| Failure::Other(self.transport(e)))?
            .to_vec();
        match classify_status(status, retry_after) {
            Status::Ok => Ok(bytes),
            Status::Refused => Err(Failure::Refused {
                status,
                body: bytes,
            }),
            Status::Failed(e) => {
                if let Some(m) = error_message(&bytes) {
                    tracing::debug!(status, provider_said = %m, "the model endpoint failed");
                }
                Err(Failure::Other(e))
            }
        }
    }

    fn transport(&self, e: reqwest::Error) -> ChatError {
        if e.is_timeout() {
            ChatError::Timeout(self.endpoint.timeout)
        } else {
            // Without the URL: it is the operator's, but an error chain can be long.
            ChatError::Unreachable(e.without_url().to_string())
        }
    }
}

/// What a status means before the body is read.
#[derive(Debug, PartialEq)]
enum Status {
    Ok,
    /// A 4xx that may be adapted to.
    Refused,
    Failed(ChatError),
}

fn classify_status(status: u16, retry_after: Option<Duration>) -> Status {
    match status {
        200..=299 => Status::Ok,
        429 => Status::Failed(ChatError::RateLimited { retry_after }),
        401..=403 => Status::Failed(ChatError::Unauthorized(status)),
        408 | 500..=599 => Status::Failed(ChatError::Server(status)),
        _ => Status::Refused,
    }
}

/// `retry-after` in seconds (the form model APIs use); an HTTP date is not worth parsing here.
fn parse_retry_after(value: &str) -> Option<Duration> {
    let secs: f64 = value.trim().parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs).min(MAX_RETRY_AFTER))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_mean_what_they_say() {
        assert_eq!(classify_status(200, None), Status::Ok);
        assert_eq!(
            classify_status(429, Some(Duration::from_secs(7))),
            Status::Failed(ChatError::RateLimited {
                retry_after: Some(Duration::from_secs(7))
            })
        );
        assert_eq!(
            classify_status(503, None),
            Status::Failed(ChatError::Server(503))
        );
        assert_eq!(
            classify_status(401, None),
            Status::Failed(ChatError::Unauthorized(401))
        );
        assert_eq!(
            classify_status(402, None),
            Status::Failed(ChatError::Unauthorized(402))
        );
        for refused in [400, 404, 413, 422] {
            assert_eq!(classify_status(refused, None), Status::Refused, "{refused}");
        }
        assert!(!ChatError::Rejected {
            status: 400,
            message: "x".into()
        }
        .endpoint_wide());
        assert!(ChatError::Server(500).endpoint_wide());
        assert_eq!(parse_retry_after("12"), Some(Duration::from_secs(12)));
        assert_eq!(parse_retry_after("99999"), Some(MAX_RETRY_AFTER));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }

    #[test]
    fn the_key_is_not_in_debug_output() {
        let c = ModelClient::new(
            reqwest::Client::new(),
            Endpoint {
                base_url: "http://x/v1/".into(),
                model: "m".into(),
                key: Some(ApiKey::new("sk-secret")),
                timeout: Duration::from_secs(1),
            },
            None,
        );
        assert!(!format!("{c:?}").contains("sk-secret"));
        assert_eq!(c.endpoint().base_url, "http://x/v1");
    }
}
