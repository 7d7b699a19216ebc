//! DeepSeek's API (`https://api.deepseek.com/v1`): JSON mode only. A `json_schema` response
//! format is refused with a message and nothing else, 400 `{"error": {"message": "This
//! response_format type is unavailable now", "type": "invalid_request_error", "param": null,
//! "code": "invalid_request_error"}}` (llm-exe/llm-exe#662, ItzCrazyKns/Vane#969,
//! khoj-ai/khoj#1336); `json_object` wants the word "json" in the prompt
//! (browserbase/stagehand#1204). Fields it does not know are ignored. Its usage names cache
//! hits its own way (`prompt_cache_hit_tokens`, `prompt_cache_miss_tokens`).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::{mentions_json, openai_error, Provider};

pub struct DeepSeek;

impl Provider for DeepSeek {
    fn name(&self) -> &'static str {
        "DeepSeek"
    }

    fn model(&self) -> &'static str {
        "deepseek-chat"
    }

    fn refuse(&self, body: &Value) -> Option<Response> {
        let format = body.get("response_format")?;
        match format["type"].as_str() {
            Some("json_object") if !mentions_json(body) => Some(openai_error(
                StatusCode::BAD_REQUEST,
                "Prompt must contain the word 'json' in some form to use 'response_format' of type 'json_object'.",
                None,
                Some("invalid_request_error"),
            )),
            Some("json_object" | "text") => None,
            _ => Some(openai_error(
                StatusCode::BAD_REQUEST,
                "This response_format type is unavailable now",
                None,
                Some("invalid_request_error"),
            )),
        }
    }

    fn answer(&self, _body: &Value, bullets: &Value) -> Response {
        Json(json!({
            "id": "930c60df-bf64-41c9-a88e-3ec75f81e00e",
            "object": "chat.completion",
            "created": 1_733_300_000,
            "model": "deepseek-chat",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": bullets.to_string()},
                "logprobs": null, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 900, "completion_tokens": 160, "total_tokens": 1060,
                "prompt_tokens_details": {"cached_tokens": 640},
                "prompt_cache_hit_tokens": 640, "prompt_cache_miss_tokens": 260},
            "system_fingerprint": "fp_8802369eaa_prod0623"
        }))
        .into_response()
    }
}
