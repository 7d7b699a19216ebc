//! Ollama's OpenAI compatibility (`http://127.0.0.1:11434/v1`) with a thinking model
//! (qwen3, deepseek-r1): the thinking comes in the content, `<think>…</think>` before the
//! answer (bold84/cot_proxy#3, ollama/ollama-python#529), and the model fences its JSON in
//! Markdown. Its answer has `system_fingerprint: "fp_ollama"`, no `refusal`, no `logprobs`,
//! and plain usage. Fields it does not know are ignored.

use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::Provider;

pub struct Ollama;

impl Provider for Ollama {
    fn name(&self) -> &'static str {
        "Ollama thinking model"
    }

    fn model(&self) -> &'static str {
        "qwen3:8b"
    }

    fn refuse(&self, _body: &Value) -> Option<Response> {
        None
    }

    fn answer(&self, _body: &Value, bullets: &Value) -> Response {
        let content = format!(
            "<think>\nOkay, the user wants bullets for this paper. Let me see: {{\"bullets\": \
             \"draft\"}} would be wrong, it must be a list.\n</think>\n\n```json\n{}\n```",
            serde_json::to_string_pretty(bullets).unwrap()
        );
        Json(json!({
            "id": "chatcmpl-184",
            "object": "chat.completion",
            "created": 1_747_546_347,
            "model": "qwen3:8b",
            "system_fingerprint": "fp_ollama",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 900, "completion_tokens": 260, "total_tokens": 1160}
        }))
        .into_response()
    }
}
