//! LM Studio's local server (`http://localhost:1234/v1`). Its errors are a bare string,
//! `{"error": "..."}`. It takes `json_schema` structured output but not JSON mode: 400
//! `{"error": "'response_format.type' must be 'json_schema' or 'text'"}` (LoadShine/tada#16,
//! HKUDS/DeepTutor#344, lmstudio-ai/lmstudio-bug-tracker#189, #307). Fields it does not know
//! are ignored. With no model loaded it answers 404 "No models loaded. Please load a model in
//! the developer page or use the `lms load` command" (lmstudio-ai/lms#107): nothing a client
//! can change.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::{schema_ok, Provider};

fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({"error": message}))).into_response()
}

pub struct LmStudio {
    /// Whether the model is loaded (else every request is refused).
    pub loaded: bool,
}

impl Provider for LmStudio {
    fn name(&self) -> &'static str {
        "LM Studio"
    }

    fn model(&self) -> &'static str {
        "qwen2.5-7b-instruct"
    }

    fn unknown_model(&self) -> Response {
        error(StatusCode::NOT_FOUND, "Model not found")
    }

    fn refuse(&self, body: &Value) -> Option<Response> {
        if !self.loaded {
            return Some(error(
                StatusCode::NOT_FOUND,
                "No models loaded. Please load a model in the developer page or use the `lms load` command",
            ));
        }
        let format = body.get("response_format")?;
        match format["type"].as_str() {
            Some("json_schema") if schema_ok(format) => None,
            Some("text") => None,
            _ => Some(error(
                StatusCode::BAD_REQUEST,
                "'response_format.type' must be 'json_schema' or 'text'",
            )),
        }
    }

    fn answer(&self, _body: &Value, bullets: &Value) -> Response {
        Json(json!({
            "id": "chatcmpl-lmstudio",
            "object": "chat.completion",
            "created": 1_733_300_000,
            "model": "qwen2.5-7b-instruct",
            "choices": [{"index": 0, "logprobs": null, "finish_reason": "stop",
                "message": {"role": "assistant", "content": bullets.to_string()}}],
            "usage": {"prompt_tokens": 900, "completion_tokens": 160, "total_tokens": 1060},
            "stats": {},
            "system_fingerprint": "qwen2.5-7b-instruct"
        }))
        .into_response()
    }
}
