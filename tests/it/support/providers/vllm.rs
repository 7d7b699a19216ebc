//! vLLM's OpenAI-compatible server serving a Qwen3 model with `--reasoning-parser`, at a
//! version whose xgrammar backend lacks array lengths. A schema with `minItems`/`maxItems` is
//! refused without naming them, the error at the top of the body: 400 `{"object": "error",
//! "message": "The provided JSON schema contains features not supported by xgrammar.",
//! "type": "BadRequestError", "param": null, "code": 400}` (vllm-project/vllm#16880, #12201,
//! #26421; the shape as in openai/openai-agents-python#2129). JSON mode is taken. With the
//! reasoning parser, a structured answer can end up all in `reasoning_content` with `content`
//! null (vllm-project/vllm#15618). Usage has `prompt_tokens_details: null`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::{schema_ok, schema_uses, Provider};

fn error(message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"object": "error", "message": message, "type": "BadRequestError", "param": null, "code": 400})),
    )
        .into_response()
}

pub struct Vllm;

impl Provider for Vllm {
    fn name(&self) -> &'static str {
        "vLLM"
    }

    fn model(&self) -> &'static str {
        "Qwen/Qwen3-8B"
    }

    fn unknown_model(&self) -> Response {
        (
            StatusCode::NOT_FOUND,
            Json(json!({"object": "error", "message": "The model `x` does not exist.", "type": "NotFoundError", "param": null, "code": 404})),
        )
            .into_response()
    }

    fn refuse(&self, body: &Value) -> Option<Response> {
        let format = body.get("response_format")?;
        match format["type"].as_str() {
            Some("json_schema") if schema_ok(format) => {
                let schema = &format["json_schema"]["schema"];
                (schema_uses(schema, "minItems") || schema_uses(schema, "maxItems")).then(|| {
                    error("The provided JSON schema contains features not supported by xgrammar.")
                })
            }
            Some("json_object" | "text") => None,
            _ => Some(error("1 validation error for ChatCompletionRequest")),
        }
    }

    fn answer(&self, _body: &Value, bullets: &Value) -> Response {
        Json(json!({
            "id": "chatcmpl-8e0d5a86d87f4e3cbc78591b49a023aa",
            "object": "chat.completion",
            "created": 1_755_146_543,
            "model": "Qwen/Qwen3-8B",
            "choices": [{"index": 0,
                "message": {"role": "assistant", "reasoning_content": bullets.to_string(),
                    "content": null, "tool_calls": []},
                "logprobs": null, "finish_reason": "stop", "stop_reason": null}],
            "usage": {"prompt_tokens": 900, "total_tokens": 1060, "completion_tokens": 160,
                "prompt_tokens_details": null},
            "prompt_logprobs": null
        }))
        .into_response()
    }
}
