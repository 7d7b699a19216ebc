//! Groq (`https://api.groq.com/openai/v1`), a Llama model. It refuses `reasoning_effort` for
//! models that do not reason, with a message and a type only: 400 `{"error": {"message":
//! "`reasoning_effort` is not supported with this model", "type": "invalid_request_error"}}`
//! (iamsrikanthnani/pluely#242, #219). Its structured output takes a subset of JSON schema and
//! names the first keyword outside it: "invalid schema for response format:
//! response_format/json_schema: minItems is not supported" (i-am-bee/beeai-framework#1215).
//! Its usage adds timings (`queue_time`, `prompt_time`, …) and its answer an `x_groq` id.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::{mentions_json, schema_ok, schema_uses, Provider};

fn error(message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"error": {"message": message, "type": "invalid_request_error"}})),
    )
        .into_response()
}

/// What its schema subset lacks, in the order it checks.
const NOT_IN_SCHEMA: [&str; 4] = ["minItems", "maxItems", "minLength", "maxLength"];

pub struct Groq;

impl Provider for Groq {
    fn name(&self) -> &'static str {
        "Groq"
    }

    fn model(&self) -> &'static str {
        "llama-3.3-70b-versatile"
    }

    fn base_path(&self) -> &'static str {
        "/openai/v1"
    }

    fn refuse(&self, body: &Value) -> Option<Response> {
        if body.get("reasoning_effort").is_some() {
            return Some(error("`reasoning_effort` is not supported with this model"));
        }
        let format = body.get("response_format")?;
        match format["type"].as_str() {
            Some("json_schema") if schema_ok(format) => {
                let schema = &format["json_schema"]["schema"];
                let name = format["json_schema"]["name"].as_str().unwrap_or_default();
                NOT_IN_SCHEMA.iter().find(|k| schema_uses(schema, k)).map(|k| {
                    error(&format!(
                        "invalid schema for response format: response_format/json_schema/{name}: {k} is not supported"
                    ))
                })
            }
            Some("json_object") if !mentions_json(body) => Some(error(
                "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'",
            )),
            Some("json_object" | "text") => None,
            _ => Some(error("response_format.type must be one of json_schema, json_object, text")),
        }
    }

    fn answer(&self, _body: &Value, bullets: &Value) -> Response {
        Json(json!({
            "id": "chatcmpl-groq",
            "object": "chat.completion",
            "created": 1_733_300_000,
            "model": "llama-3.3-70b-versatile",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": bullets.to_string()},
                "logprobs": null, "finish_reason": "stop"}],
            "usage": {"queue_time": 0.02, "prompt_tokens": 900, "prompt_time": 0.05,
                "completion_tokens": 160, "completion_time": 0.3, "total_tokens": 1060, "total_time": 0.35},
            "usage_breakdown": null,
            "system_fingerprint": "fp_fake",
            "x_groq": {"id": "req_fake"},
            "service_tier": "on_demand"
        }))
        .into_response()
    }
}
