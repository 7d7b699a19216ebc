//! OpenAI-compatible providers on loopback, each behaving as its own documents and public bug
//! reports say it does: what it refuses, with which status and error shape, and what its
//! answers leave out. One server core (key, model, request log) and one module per provider;
//! each module's doc names its sources. Every request is checked as the provider checks it, so
//! a request the real one would refuse is refused here too, and counted.

pub mod deepseek;
pub mod gemini;
pub mod groq;
pub mod lmstudio;
pub mod mistral;
pub mod ollama;
pub mod openai;
pub mod openrouter;
pub mod vllm;

use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Json;
use serde_json::{json, Value};

pub const KEY: &str = "sk-test-provider-key";

/// One provider's behaviour.
pub trait Provider: Send + Sync + 'static {
    /// What it is, for test messages.
    fn name(&self) -> &'static str;
    /// The model it serves (another name is answered as it answers an unknown model).
    fn model(&self) -> &'static str;
    /// Where its OpenAI-compatible API lives under the host (`/v1`, `/v1beta/openai`, …).
    fn base_path(&self) -> &'static str {
        "/v1"
    }
    /// Its answer to a model it does not serve.
    fn unknown_model(&self) -> Response {
        openai_error(
            StatusCode::NOT_FOUND,
            "The model does not exist or you do not have access to it.",
            None,
            Some("model_not_found"),
        )
    }
    /// Its refusal of `body`, if it refuses it.
    fn refuse(&self, body: &Value) -> Option<Response>;
    /// Its answer to `body`, whose bullets are `bullets` (a JSON object to put in the content).
    fn answer(&self, body: &Value, bullets: &Value) -> Response;
}

/// A request as received, and whether it was refused.
#[derive(Debug, Clone)]
pub struct Seen {
    pub body: Value,
    pub refused: bool,
}

struct Inner {
    provider: Box<dyn Provider>,
    seen: Mutex<Vec<Seen>>,
    /// How long each answer takes, after the request is recorded.
    latency: Mutex<std::time::Duration>,
}

#[derive(Clone)]
pub struct FakeProvider {
    pub base_url: String,
    inner: Arc<Inner>,
}

impl FakeProvider {
    pub async fn start(provider: impl Provider) -> FakeProvider {
        let path = format!("{}/chat/completions", provider.base_path());
        let base = provider.base_path();
        let inner = Arc::new(Inner {
            provider: Box::new(provider),
            seen: Mutex::new(Vec::new()),
            latency: Mutex::new(std::time::Duration::ZERO),
        });
        let app = axum::Router::new()
            .route(&path, post(complete))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        FakeProvider {
            base_url: format!("http://{addr}{base}"),
            inner,
        }
    }

    pub fn name(&self) -> &'static str {
        self.inner.provider.name()
    }

    pub fn model(&self) -> &'static str {
        self.inner.provider.model()
    }

    /// Each answer takes `d` (so that requests sent at once are in flight together).
    pub fn set_latency(&self, d: std::time::Duration) {
        *self.inner.latency.lock().unwrap() = d;
    }

    /// Every request with a valid key, in order.
    pub fn seen(&self) -> Vec<Seen> {
        self.inner.seen.lock().unwrap().clone()
    }
}

async fn complete(State(inner): State<Arc<Inner>>, headers: HeaderMap, body: String) -> Response {
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok());
    if auth != Some(&format!("Bearer {KEY}")) {
        return openai_error(
            StatusCode::UNAUTHORIZED,
            "Incorrect API key provided.",
            None,
            Some("invalid_api_key"),
        );
    }
    let Ok(body) = serde_json::from_str::<Value>(&body) else {
        return openai_error(
            StatusCode::BAD_REQUEST,
            "We could not parse the JSON body of your request.",
            None,
            None,
        );
    };
    let p = &inner.provider;
    let refusal = if body["model"] != p.model() {
        Some(p.unknown_model())
    } else if !valid_messages(&body) {
        Some(openai_error(
            StatusCode::BAD_REQUEST,
            "Invalid 'messages'.",
            Some("messages"),
            None,
        ))
    } else {
        p.refuse(&body)
    };
    inner.seen.lock().unwrap().push(Seen {
        body: body.clone(),
        refused: refusal.is_some(),
    });
    let latency = *inner.latency.lock().unwrap();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match refusal {
        Some(r) => r,
        None => {
            let (id, lang) = subject(&body);
            p.answer(&body, &bullets(&id, &lang))
        }
    }
}

/// Messages of the roles every provider takes, each with text.
fn valid_messages(body: &Value) -> bool {
    let messages = body["messages"].as_array().cloned().unwrap_or_default();
    !messages.is_empty()
        && messages.iter().all(|m| {
            matches!(m["role"].as_str(), Some("system" | "user" | "assistant"))
                && m["content"].is_string()
        })
}

/// OpenAI's error shape: `{"error": {"message", "type", "param", "code"}}`.
pub fn openai_error(
    status: StatusCode,
    message: &str,
    param: Option<&str>,
    code: Option<&str>,
) -> Response {
    (
        status,
        Json(json!({"error": {"message": message, "type": "invalid_request_error", "param": param, "code": code}})),
    )
        .into_response()
}

/// The paper a request is about (the `arXiv:` line of the user message) and the language its
/// system message asks for.
pub fn subject(body: &Value) -> (String, String) {
    let all: Vec<&str> = body["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m["content"].as_str())
        .collect();
    let text = all.join("\n");
    let id = text
        .lines()
        .find_map(|l| l.strip_prefix("arXiv: "))
        .unwrap_or("?")
        .to_string();
    let lang = ["Korean", "English", "Japanese", "German"]
        .into_iter()
        .find(|l| text.contains(&format!("in {l}")))
        .unwrap_or("?")
        .to_string();
    (id, lang)
}

/// Good bullets for paper `id` in `lang`.
pub fn bullets(id: &str, lang: &str) -> Value {
    match lang {
        "Korean" => json!({"bullets": [
            {"kind": "new", "text": format!("논문 {id}은 작은 확산 모델(diffusion model)로 새로운 방법을 제안합니다.")},
            {"kind": "method", "text": "잠재 공간(latent space)에서 증류(distillation)를 사용해 단계 수를 줄입니다."},
            {"kind": "results", "text": "ImageNet에서 FID 2.1을 기록하며 기존보다 30% 빠릅니다."}
        ]}),
        _ => json!({"bullets": [
            {"kind": "new", "text": format!("Paper {id} proposes a small diffusion model for images.")},
            {"kind": "method", "text": "It distils the sampler in latent space to cut the number of steps."},
            {"kind": "results", "text": "FID 2.1 on ImageNet, 30% faster than the baseline."}
        ]}),
    }
}

/// The output budget a request sets, under whichever name.
pub fn budget(body: &Value) -> Option<u64> {
    body["max_completion_tokens"]
        .as_u64()
        .or_else(|| body["max_tokens"].as_u64())
}

/// Whether a `json_schema` response format is well formed (a name and a schema object).
pub fn schema_ok(format: &Value) -> bool {
    format["json_schema"]["name"].is_string() && format["json_schema"]["schema"].is_object()
}

/// Whether the messages say "json" (DeepSeek's and OpenAI's rule for JSON mode).
pub fn mentions_json(body: &Value) -> bool {
    body["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m["content"].as_str())
        .any(|c| c.to_ascii_lowercase().contains("json"))
}

/// Whether `keyword` is used in `schema` (anywhere, as an object key outside `properties`).
pub fn schema_uses(schema: &Value, keyword: &str) -> bool {
    match schema {
        Value::Object(map) => map.iter().any(|(k, v)| {
            (k == keyword) || {
                if k == "properties" {
                    v.as_object()
                        .is_some_and(|p| p.values().any(|s| schema_uses(s, keyword)))
                } else {
                    schema_uses(v, keyword)
                }
            }
        }),
        Value::Array(list) => list.iter().any(|s| schema_uses(s, keyword)),
        _ => false,
    }
}

/// A completion in OpenAI's full shape; providers that leave fields out build their own.
pub fn openai_completion(model: &str, content: &str, usage: Value) -> Response {
    Json(json!({
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 1_733_300_000,
        "model": model,
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": content, "refusal": null, "annotations": []},
            "logprobs": null,
            "finish_reason": "stop"
        }],
        "usage": usage,
        "service_tier": "default",
        "system_fingerprint": "fp_fake"
    }))
    .into_response()
}
