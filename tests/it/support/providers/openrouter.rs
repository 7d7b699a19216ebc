//! OpenRouter (`https://openrouter.ai/api/v1`) in front of an OpenAI reasoning model. An
//! upstream refusal comes back as OpenRouter's own error with the upstream's body as a string
//! in `error.metadata.raw` (openrouter.ai/docs/api/reference/errors-and-debugging;
//! diegosouzapw/OmniRoute#3044, reVrost/go-openrouter#21): `{"error": {"message": "Provider
//! returned error", "code": 400, "metadata": {"raw": "{\"error\": …}", "provider_name":
//! "OpenAI"}}, "user_id": "…"}`. Its answers carry `provider`, `native_finish_reason`, the
//! reasoning in `message.reasoning`, and OpenAI's usage details.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::Provider;

fn upstream_error(raw: Value) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(
            json!({"error": {"message": "Provider returned error", "code": 400,
            "metadata": {"raw": raw.to_string(), "provider_name": "OpenAI"}},
            "user_id": "user_2zFakeUser"}),
        ),
    )
        .into_response()
}

pub struct OpenRouter;

impl Provider for OpenRouter {
    fn name(&self) -> &'static str {
        "OpenRouter"
    }

    fn model(&self) -> &'static str {
        "openai/gpt-5-mini"
    }

    fn base_path(&self) -> &'static str {
        "/api/v1"
    }

    fn unknown_model(&self) -> Response {
        (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": {"message": "x is not a valid model ID", "code": 400}, "user_id": "user_2zFakeUser"})),
        )
            .into_response()
    }

    fn refuse(&self, body: &Value) -> Option<Response> {
        if let Some(t) = body.get("temperature").and_then(Value::as_f64) {
            if t != 1.0 {
                return Some(upstream_error(json!({"error": {
                    "message": format!("Unsupported value: 'temperature' does not support {t} with this model. Only the default (1) value is supported."),
                    "type": "invalid_request_error", "param": "temperature", "code": "unsupported_value"}})));
            }
        }
        if body.get("max_tokens").is_some() {
            return Some(upstream_error(json!({"error": {
                "message": "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
                "type": "invalid_request_error", "param": "max_tokens", "code": "unsupported_parameter"}})));
        }
        None
    }

    fn answer(&self, _body: &Value, bullets: &Value) -> Response {
        Json(json!({
            "id": "gen-1733300000-fake",
            "provider": "OpenAI",
            "model": "openai/gpt-5-mini",
            "object": "chat.completion",
            "created": 1_733_300_000,
            "choices": [{"logprobs": null, "finish_reason": "stop", "native_finish_reason": "completed",
                "index": 0,
                "message": {"role": "assistant", "content": bullets.to_string(), "refusal": null,
                    "reasoning": "The paper proposes a small model; three bullets."}}],
            "usage": {"prompt_tokens": 900, "completion_tokens": 672, "total_tokens": 1572,
                "prompt_tokens_details": {"cached_tokens": 0},
                "completion_tokens_details": {"reasoning_tokens": 512}}
        }))
        .into_response()
    }
}
