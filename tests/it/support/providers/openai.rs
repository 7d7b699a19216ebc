//! OpenAI itself, two kinds of model.
//!
//! A reasoning model (gpt-5 family, o-series), from OpenAI's API reference and these reports:
//! - any `temperature` but 1 is refused: 400, `param: "temperature"`, `code: "unsupported_value"`,
//!   "Unsupported value: 'temperature' does not support 0.2 with this model. Only the default
//!   (1) value is supported." (BeehiveInnovations/pal-mcp-server#78, leafo/lua-openai#12);
//! - `max_tokens` is refused: 400, `param: "max_tokens"`, `code: "unsupported_parameter"`, "Use
//!   'max_completion_tokens' instead." (ITSpecialist111/ai_automation_suggester#38, gpt-5:
//!   griptape-ai/ComfyUI-Griptape#312);
//! - reasoning tokens count against `max_completion_tokens`: a budget the reasoning uses up is
//!   answered 200 with empty content and `finish_reason: "length"`
//!   (covan-ai/covan#112, 64bit/async-openai#424, langchain-ai/langchain#32477); the reasoning
//!   spent depends on `reasoning_effort` (default medium) and shows in
//!   `usage.completion_tokens_details.reasoning_tokens`.
//!
//! A classic model (gpt-4o-mini): takes `temperature`, both budget names and JSON schemas, and
//! refuses `reasoning_effort`: 400 "Unsupported parameter: 'reasoning_effort' is not supported
//! with this model." (avante-corp/avante.nvim#1359; the same shape for `reasoning.effort`,
//! BoundaryML/baml#2708).
//!
//! Both check `response_format` as OpenAI does: `json_schema` needs `name` and `schema`;
//! `json_object` needs the word "json" in the messages.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::{budget, mentions_json, openai_error, schema_ok, Provider};

/// The tokens an answer's JSON takes.
pub const ANSWER_TOKENS: u64 = 160;
pub const PROMPT_TOKENS: u64 = 900;

fn format_refusal(body: &Value) -> Option<Response> {
    let format = body.get("response_format")?;
    match format["type"].as_str() {
        Some("json_schema") if schema_ok(format) => None,
        Some("json_schema") => Some(openai_error(
            StatusCode::BAD_REQUEST,
            "Missing required parameter: 'response_format.json_schema'.",
            Some("response_format.json_schema"),
            Some("missing_required_parameter"),
        )),
        Some("json_object") if mentions_json(body) => None,
        Some("json_object") => Some(openai_error(
            StatusCode::BAD_REQUEST,
            "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.",
            Some("messages"),
            None,
        )),
        Some("text") => None,
        _ => Some(openai_error(
            StatusCode::BAD_REQUEST,
            "Invalid value: 'response_format.type'. Supported values are: 'text', 'json_object', and 'json_schema'.",
            Some("response_format.type"),
            Some("invalid_value"),
        )),
    }
}

/// A gpt-5-mini.
pub struct Reasoning;

impl Reasoning {
    /// What `reasoning_effort` costs in reasoning tokens here.
    pub fn reasoning_tokens(effort: Option<&str>) -> u64 {
        match effort {
            Some("minimal") => 0,
            Some("low") => 512,
            Some("high") => 4096,
            _ => 1536,
        }
    }
}

impl Provider for Reasoning {
    fn name(&self) -> &'static str {
        "OpenAI reasoning model"
    }

    fn model(&self) -> &'static str {
        "gpt-5-mini"
    }

    fn refuse(&self, body: &Value) -> Option<Response> {
        if let Some(t) = body.get("temperature").and_then(Value::as_f64) {
            if t != 1.0 {
                return Some(openai_error(
                    StatusCode::BAD_REQUEST,
                    &format!("Unsupported value: 'temperature' does not support {t} with this model. Only the default (1) value is supported."),
                    Some("temperature"),
                    Some("unsupported_value"),
                ));
            }
        }
        if body.get("max_tokens").is_some() {
            return Some(openai_error(
                StatusCode::BAD_REQUEST,
                "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
                Some("max_tokens"),
                Some("unsupported_parameter"),
            ));
        }
        if let Some(e) = body.get("reasoning_effort") {
            if !matches!(e.as_str(), Some("minimal" | "low" | "medium" | "high")) {
                return Some(openai_error(
                    StatusCode::BAD_REQUEST,
                    &format!("Invalid value: {e}. Supported values are: 'minimal', 'low', 'medium', and 'high'."),
                    Some("reasoning_effort"),
                    Some("invalid_value"),
                ));
            }
        }
        format_refusal(body)
    }

    fn answer(&self, body: &Value, bullets: &Value) -> Response {
        let reasoning = Reasoning::reasoning_tokens(body["reasoning_effort"].as_str());
        let limit = budget(body).unwrap_or(u64::MAX);
        let (content, finish, out, reasoned) = if reasoning + ANSWER_TOKENS > limit {
            // Cut while still thinking: nothing written yet.
            (String::new(), "length", limit, limit.min(reasoning))
        } else {
            (
                bullets.to_string(),
                "stop",
                reasoning + ANSWER_TOKENS,
                reasoning,
            )
        };
        Json(json!({
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": 1_733_300_000,
            "model": "gpt-5-mini-2025-08-07",
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": null, "annotations": []},
                "finish_reason": finish
            }],
            "usage": {
                "prompt_tokens": PROMPT_TOKENS,
                "completion_tokens": out,
                "total_tokens": PROMPT_TOKENS + out,
                "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                "completion_tokens_details": {"reasoning_tokens": reasoned, "audio_tokens": 0,
                    "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}
            },
            "service_tier": "default",
            "system_fingerprint": null
        }))
        .into_response()
    }
}

/// A gpt-4o-mini.
pub struct Classic;

impl Provider for Classic {
    fn name(&self) -> &'static str {
        "OpenAI classic model"
    }

    fn model(&self) -> &'static str {
        "gpt-4o-mini"
    }

    fn refuse(&self, body: &Value) -> Option<Response> {
        if body.get("reasoning_effort").is_some() {
            return Some(openai_error(
                StatusCode::BAD_REQUEST,
                "Unsupported parameter: 'reasoning_effort' is not supported with this model.",
                Some("reasoning_effort"),
                Some("unsupported_parameter"),
            ));
        }
        if let Some(t) = body.get("temperature").and_then(Value::as_f64) {
            if !(0.0..=2.0).contains(&t) {
                return Some(openai_error(
                    StatusCode::BAD_REQUEST,
                    &format!("Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got {t} instead."),
                    Some("temperature"),
                    Some("decimal_above_max_value"),
                ));
            }
        }
        format_refusal(body)
    }

    fn answer(&self, _body: &Value, bullets: &Value) -> Response {
        super::openai_completion(
            "gpt-4o-mini-2024-07-18",
            &bullets.to_string(),
            json!({"prompt_tokens": PROMPT_TOKENS, "completion_tokens": ANSWER_TOKENS,
                   "total_tokens": PROMPT_TOKENS + ANSWER_TOKENS,
                   "prompt_tokens_details": {"cached_tokens": 512, "audio_tokens": 0},
                   "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0}}),
        )
    }
}
