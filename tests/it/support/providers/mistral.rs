//! Mistral's API (`https://api.mistral.ai/v1`), FastAPI with pydantic models that forbid extra
//! fields: any field it does not know is refused with 422 `extra_forbidden`, every such field
//! listed in one answer (two at once in Gitlawb/openclaude#739), the pydantic list inside
//! `message` (editor-code-assistant/eca#231, #315):
//! `{"object":"error","message":{"detail":[{"type":"extra_forbidden","loc":["body",
//! "max_completion_tokens"],"msg":"Extra inputs are not permitted","input":32000}]},
//! "type":"invalid_request_error","param":null,"code":null}`. Its budget is `max_tokens`
//! (TheJusticeMan/pure-chat-llm#13). It takes `temperature` and both `json_schema` and
//! `json_object` response formats; its answers carry no `refusal` and no `logprobs`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::{schema_ok, Provider};

/// The request fields Mistral's chat completion takes.
const FIELDS: [&str; 18] = [
    "model",
    "messages",
    "temperature",
    "top_p",
    "max_tokens",
    "stream",
    "stop",
    "random_seed",
    "response_format",
    "tools",
    "tool_choice",
    "presence_penalty",
    "frequency_penalty",
    "n",
    "prediction",
    "parallel_tool_calls",
    "safe_prompt",
    "prompt_mode",
];

pub struct Mistral;

impl Provider for Mistral {
    fn name(&self) -> &'static str {
        "Mistral"
    }

    fn model(&self) -> &'static str {
        "mistral-small-latest"
    }

    fn refuse(&self, body: &Value) -> Option<Response> {
        let detail: Vec<Value> = body
            .as_object()?
            .iter()
            .filter(|(k, _)| !FIELDS.contains(&k.as_str()))
            .map(|(k, v)| {
                json!({"type": "extra_forbidden", "loc": ["body", k],
                "msg": "Extra inputs are not permitted", "input": v})
            })
            .collect();
        if !detail.is_empty() {
            return Some(
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Json(json!({"object": "error", "message": {"detail": detail},
                        "type": "invalid_request_error", "param": null, "code": null})),
                )
                    .into_response(),
            );
        }
        let format = body.get("response_format")?;
        match format["type"].as_str() {
            Some("json_schema") if schema_ok(format) => None,
            Some("json_object" | "text") => None,
            _ => Some(
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Json(
                        json!({"object": "error", "message": {"detail": [{"type": "literal_error",
                        "loc": ["body", "response_format", "type"],
                        "msg": "Input should be 'text', 'json_object' or 'json_schema'"}]},
                        "type": "invalid_request_error", "param": null, "code": null}),
                    ),
                )
                    .into_response(),
            ),
        }
    }

    fn answer(&self, _body: &Value, bullets: &Value) -> Response {
        Json(json!({
            "id": "cmpl-e5cc70bb28c444948073e77776eb30ef",
            "object": "chat.completion",
            "model": "mistral-small-latest",
            "usage": {"prompt_tokens": 900, "total_tokens": 1060, "completion_tokens": 160},
            "created": 1_733_300_000,
            "choices": [{"index": 0, "finish_reason": "stop",
                "message": {"role": "assistant", "tool_calls": null, "content": bullets.to_string()}}]
        }))
        .into_response()
    }
}
