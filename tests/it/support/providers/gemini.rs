//! Gemini's OpenAI compatibility (`https://generativelanguage.googleapis.com/v1beta/openai`).
//! - Errors come as a JSON array of Google API errors, `[{"error": {"code": 400, "message":
//!   ..., "status": "INVALID_ARGUMENT"}}]` (FuzzAnything/PromptFuzz#42,
//!   SuzumiyaAkizuki/ComfyUI-NewBie-LLM-Formatter#3, google-gemini/gemini-cli#16987).
//! - A field it does not know: "Invalid JSON payload received. Unknown name \"reasoning\":
//!   Cannot find field." (the same issues).
//! - Its response schema is a subset of JSON schema: a keyword outside it is refused where it
//!   sits, "Unknown name \"$schema\" at 'generation_config.response_schema': Cannot find
//!   field." (QuantumNous/new-api#1037), `additionalProperties` likewise
//!   (bestruirui/octopus#43, glowingjade/obsidian-smart-composer#455), one line per place.
//! - Its answer leaves out what OpenAI's has: no `id` (softwaremill/sttp-ai#338,
//!   aallam/openai-kotlin#412, 64bit/async-openai#337), no `refusal`, no `logprobs`, usage
//!   without details, its `total_tokens` counting the thinking that `completion_tokens` does
//!   not.
//! - `reasoning_effort` is taken (`low`, `medium`, `high`, `none`).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::{schema_ok, Provider};

const FIELDS: [&str; 16] = [
    "model",
    "messages",
    "max_tokens",
    "max_completion_tokens",
    "temperature",
    "top_p",
    "n",
    "stop",
    "stream",
    "stream_options",
    "response_format",
    "reasoning_effort",
    "tools",
    "tool_choice",
    "seed",
    "extra_body",
];

/// The schema keywords its response schema does not have.
const NOT_IN_SCHEMA: [&str; 3] = ["additionalProperties", "$schema", "patternProperties"];

fn google_error(message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!([{"error": {"code": 400, "message": message, "status": "INVALID_ARGUMENT"}}])),
    )
        .into_response()
}

/// Where in `schema` a keyword sits, in Google's notation.
fn places(schema: &Value, keyword: &str, at: &str, out: &mut Vec<String>) {
    let Value::Object(map) = schema else { return };
    if map.contains_key(keyword) {
        out.push(at.to_string());
    }
    if let Some(Value::Object(props)) = map.get("properties") {
        for (i, s) in props.values().enumerate() {
            places(s, keyword, &format!("{at}.properties[{i}].value"), out);
        }
    }
    if let Some(items) = map.get("items") {
        places(items, keyword, &format!("{at}.items"), out);
    }
}

pub struct Gemini;

impl Provider for Gemini {
    fn name(&self) -> &'static str {
        "Gemini (OpenAI compatibility)"
    }

    fn model(&self) -> &'static str {
        "gemini-2.5-flash"
    }

    fn base_path(&self) -> &'static str {
        "/v1beta/openai"
    }

    fn unknown_model(&self) -> Response {
        (
            StatusCode::NOT_FOUND,
            Json(json!([{"error": {"code": 404, "message": "models/x is not found for API version v1beta, or is not supported for generateContent.", "status": "NOT_FOUND"}}])),
        )
            .into_response()
    }

    fn refuse(&self, body: &Value) -> Option<Response> {
        if let Some((k, _)) = body
            .as_object()?
            .iter()
            .find(|(k, _)| !FIELDS.contains(&k.as_str()))
        {
            return Some(google_error(&format!(
                "Invalid JSON payload received. Unknown name \"{k}\": Cannot find field."
            )));
        }
        if let Some(e) = body.get("reasoning_effort") {
            if !matches!(e.as_str(), Some("low" | "medium" | "high" | "none")) {
                return Some(google_error("Invalid reasoning effort"));
            }
        }
        let format = body.get("response_format")?;
        match format["type"].as_str() {
            Some("json_schema") if schema_ok(format) => {
                let schema = &format["json_schema"]["schema"];
                let mut lines = Vec::new();
                for k in NOT_IN_SCHEMA {
                    let mut at = Vec::new();
                    places(schema, k, "generation_config.response_schema", &mut at);
                    lines.extend(at.into_iter().map(|a| format!(
                        "Invalid JSON payload received. Unknown name \"{k}\" at '{a}': Cannot find field."
                    )));
                }
                (!lines.is_empty()).then(|| google_error(&lines.join("\n")))
            }
            Some("json_object" | "text") => None,
            _ => Some(google_error("Invalid value at 'response_format'")),
        }
    }

    fn answer(&self, _body: &Value, bullets: &Value) -> Response {
        Json(json!({
            "choices": [{"finish_reason": "stop", "index": 0,
                "message": {"content": bullets.to_string(), "role": "assistant"}}],
            "created": 1_747_469_284,
            "model": "models/gemini-2.5-flash",
            "object": "chat.completion",
            "usage": {"completion_tokens": 160, "prompt_tokens": 900, "total_tokens": 1370}
        }))
        .into_response()
    }
}
