//! A chat completion read leniently, pure. Only `choices[0].message.content` matters; every
//! other field may be missing or `null`, as compatible servers leave them out: Gemini's answer
//! has had no `id`, none has `refusal` but OpenAI, Ollama has no `logprobs`, usage comes with or
//! without `prompt_tokens_details` / `completion_tokens_details`, sometimes without
//! `completion_tokens`, sometimes not at all. The text is cleaned of what thinking models put
//! around it: `<think>…</think>` blocks (Ollama, vLLM without a reasoning parser) and, for JSON,
//! a Markdown code fence. Where a server put the whole answer into `reasoning_content` (vLLM's
//! reasoning parser when it sees no `</think>`), that is where it is taken from.

use serde::Deserialize;
use serde_json::Value;

/// Tokens one or more calls used, as the endpoint reported them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TokenUsage {
    pub prompt: u64,
    /// Output tokens, the reasoning included (what is billed as output).
    pub completion: u64,
    /// Prompt tokens served from the provider's cache.
    pub cached: u64,
    /// Output tokens the model spent thinking.
    pub reasoning: u64,
    /// Calls whose answer carried no usage at all.
    pub unreported: u32,
}

impl std::ops::AddAssign for TokenUsage {
    fn add_assign(&mut self, o: TokenUsage) {
        self.prompt += o.prompt;
        self.completion += o.completion;
        self.cached += o.cached;
        self.reasoning += o.reasoning;
        self.unreported += o.unreported;
    }
}

/// Why an answer ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finish {
    Stop,
    /// Cut at the output budget.
    Length,
    /// The provider's filter stopped it.
    ContentFilter,
    Other,
}

/// One answer, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The message's text, `<think>` blocks taken out (fences stay: see [`json_text`]).
    pub text: String,
    /// The model's own refusal (`message.refusal`).
    pub refusal: Option<String>,
    pub finish: Finish,
    pub usage: TokenUsage,
}

/// Why a 2xx body is not an answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    #[error("the answer is not JSON: {0}")]
    NotJson(String),
    #[error("the answer has no choices")]
    NoChoices,
    /// A 200 that carries an error instead (OpenRouter, when the model failed mid-answer).
    #[error("the answer is an error: {message}")]
    Error { code: Option<u16>, message: String },
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Raw {
    choices: Vec<RawChoice>,
    usage: Option<RawUsage>,
    error: Option<Value>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawChoice {
    message: RawMessage,
    finish_reason: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawMessage {
    content: Option<Value>,
    refusal: Option<String>,
    /// DeepSeek, vLLM.
    reasoning_content: Option<String>,
    /// Ollama, OpenRouter.
    reasoning: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawUsage {
    prompt_tokens: Option<u64>,
    completion_tokens: Option<u64>,
    total_tokens: Option<u64>,
    prompt_tokens_details: Option<RawPromptDetails>,
    completion_tokens_details: Option<RawCompletionDetails>,
    /// DeepSeek's name for cached prompt tokens.
    prompt_cache_hit_tokens: Option<u64>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawPromptDetails {
    cached_tokens: Option<u64>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawCompletionDetails {
    reasoning_tokens: Option<u64>,
}

fn usage(u: Option<RawUsage>) -> TokenUsage {
    let Some(u) = u else {
        return TokenUsage {
            unreported: 1,
            ..TokenUsage::default()
        };
    };
    let prompt = u.prompt_tokens.unwrap_or(0);
    TokenUsage {
        prompt,
        completion: u
            .completion_tokens
            .or_else(|| u.total_tokens.map(|t| t.saturating_sub(prompt)))
            .unwrap_or(0),
        cached: u
            .prompt_tokens_details
            .and_then(|d| d.cached_tokens)
            .or(u.prompt_cache_hit_tokens)
            .unwrap_or(0),
        reasoning: u
            .completion_tokens_details
            .and_then(|d| d.reasoning_tokens)
            .unwrap_or(0),
        unreported: 0,
    }
}

/// The text of `content`: a string, or a list of parts of which the text ones count (Mistral's
/// reasoning models answer with `[{"type": "thinking", …}, {"type": "text", "text": …}]`).
fn content_text(content: Option<Value>) -> String {
    match content {
        Some(Value::String(s)) => s,
        Some(Value::Array(parts)) => parts
            .iter()
            .filter(|p| p["type"] == "text" || p.get("type").is_none())
            .filter_map(|p| p["text"].as_str())
            .collect::<Vec<_>>()
            .join(""),
        _ => String::new(),
    }
}

/// Reads a 2xx body.
pub fn read_answer(body: &[u8]) -> Result<Answer, AnswerError> {
    let raw: Raw = serde_json::from_slice(body).map_err(|e| AnswerError::NotJson(e.to_string()))?;
    if raw.choices.is_empty() {
        if let Some(e) = raw.error {
            return Err(AnswerError::Error {
                code: e["code"].as_u64().and_then(|c| u16::try_from(c).ok()),
                message: super::refusal::error_message(e.to_string().as_bytes())
                    .unwrap_or_else(|| "no message".into()),
            });
        }
        return Err(AnswerError::NoChoices);
    }
    let usage = usage(raw.usage);
    let choice = raw.choices.into_iter().next().expect("not empty");
    let finish = match choice.finish_reason.as_deref() {
        Some("stop") | Some("eos") | Some("end_turn") | None => Finish::Stop,
        Some("length") | Some("max_tokens") => Finish::Length,
        Some("content_filter") => Finish::ContentFilter,
        Some(_) => Finish::Other,
    };
    let mut text = strip_think(&content_text(choice.message.content));
    if text.trim().is_empty() && finish != Finish::Length {
        // The whole answer in the reasoning field: the server's parser never saw the thinking
        // end. Where the model was cut off, that is thinking, not an answer.
        if let Some(r) = choice
            .message
            .reasoning_content
            .or(choice.message.reasoning)
        {
            text = strip_think(&r);
        }
    }
    Ok(Answer {
        text: text.trim().to_string(),
        refusal: choice.message.refusal.filter(|r| !r.trim().is_empty()),
        finish,
        usage,
    })
}

/// `text` without `<think>…</think>` blocks, and without the thinking before a lone `</think>`
/// (some chat templates open the block in the prompt, so only its end is in the answer).
pub fn strip_think(text: &str) -> String {
    let mut out = text.to_string();
    for (open, close) in [("<think>", "</think>"), ("<thinking>", "</thinking>")] {
        while let Some(start) = out.find(open) {
            match out[start..].find(close) {
                Some(end) => out.replace_range(start..start + end + close.len(), ""),
                // Never closed: everything after it is thinking.
                None => out.truncate(start),
            }
        }
        if let Some(end) = out.find(close) {
            out.replace_range(..end + close.len(), "");
        }
    }
    out.trim().to_string()
}

/// The JSON in a text answer: a Markdown fence taken off, and whatever a chatty model said
/// around the one object left out.
pub fn json_text(text: &str) -> &str {
    let t = text.trim();
    let t = match t.find("```") {
        Some(start) => {
            let rest = &t[start + 3..];
            let rest = rest
                .strip_prefix("json")
                .or_else(|| rest.strip_prefix("JSON"))
                .unwrap_or(rest);
            match rest.find("```") {
                Some(end) => rest[..end].trim(),
                None => rest.trim(),
            }
        }
        None => t,
    };
    if t.starts_with('{') || t.starts_with('[') {
        return t;
    }
    match (t.find('{'), t.rfind('}')) {
        (Some(a), Some(b)) if a < b => &t[a..=b],
        _ => t,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(v: Value) -> Answer {
        read_answer(v.to_string().as_bytes()).unwrap()
    }

    #[test]
    fn only_the_content_is_required() {
        // softwaremill/sttp-ai#338: Gemini's answer, without `id`, `refusal`, `logprobs`.
        let a = read(json!({"choices": [{"finish_reason": "stop", "index": 0,
            "message": {"content": "OK.", "role": "assistant"}}],
            "created": 1747469284, "model": "models/gemini-2.5-flash", "object": "chat.completion",
            "usage": {"completion_tokens": 24, "prompt_tokens": 138, "total_tokens": 448}}));
        assert_eq!(a.text, "OK.");
        assert_eq!(a.finish, Finish::Stop);
        assert_eq!(
            a.usage,
            TokenUsage {
                prompt: 138,
                completion: 24,
                ..TokenUsage::default()
            }
        );
        // The barest answer of all.
        let a = read(json!({"choices": [{"message": {"content": "x"}}]}));
        assert_eq!((a.text.as_str(), a.finish), ("x", Finish::Stop));
        assert_eq!(a.usage.unreported, 1);
        assert!(matches!(
            read_answer(br#"{"choices": []}"#),
            Err(AnswerError::NoChoices)
        ));
        assert!(matches!(
            read_answer(b"<html>"),
            Err(AnswerError::NotJson(_))
        ));
    }

    #[test]
    fn usage_in_every_variant() {
        let a = read(
            json!({"choices": [{"message": {"content": "x"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1000, "completion_tokens": 600, "total_tokens": 1600,
                "prompt_tokens_details": {"cached_tokens": 512},
                "completion_tokens_details": {"reasoning_tokens": 448}}}),
        );
        assert_eq!(
            a.usage,
            TokenUsage {
                prompt: 1000,
                completion: 600,
                cached: 512,
                reasoning: 448,
                unreported: 0
            }
        );
        // No completion_tokens: the total less the prompt.
        let a = read(json!({"choices": [{"message": {"content": "x"}}],
            "usage": {"prompt_tokens": 10, "total_tokens": 25, "prompt_tokens_details": null}}));
        assert_eq!(a.usage.completion, 15);
        // DeepSeek's cache hits.
        let a = read(json!({"choices": [{"message": {"content": "x"}}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 2, "prompt_cache_hit_tokens": 8}}));
        assert_eq!(a.usage.cached, 8);
        let mut sum = TokenUsage::default();
        sum += a.usage;
        sum += a.usage;
        assert_eq!(sum.prompt, 20);
    }

    #[test]
    fn thinking_is_taken_out_and_a_reasoning_only_answer_taken_from_there() {
        // bold84/cot_proxy#3: Ollama with qwen3.
        let a = read(json!({"choices": [{"message": {"role": "assistant",
            "content": "<think>\nOkay, the user said hello.\n</think>\n\nHello! How can I assist you today?"},
            "finish_reason": "stop"}]}));
        assert_eq!(a.text, "Hello! How can I assist you today?");
        assert_eq!(strip_think("reasoning only\n</think>\n\nAnswer"), "Answer");
        assert_eq!(strip_think("Answer <think>never closed"), "Answer");
        // vllm-project/vllm#15618: everything in reasoning_content, content null.
        let a = read(json!({"choices": [{"message": {"content": null,
            "reasoning_content": "{\"bullets\": []}"}, "finish_reason": "stop"}]}));
        assert_eq!(a.text, "{\"bullets\": []}");
        // A reasoning model cut off while thinking has no answer (async-openai#424).
        let a = read(
            json!({"choices": [{"message": {"content": "", "reasoning_content": "Let me think"},
            "finish_reason": "length"}],
            "usage": {"prompt_tokens": 900, "completion_tokens": 400,
                "completion_tokens_details": {"reasoning_tokens": 400}}}),
        );
        assert_eq!((a.text.as_str(), a.finish), ("", Finish::Length));
        assert_eq!(a.usage.reasoning, 400);
        // Mistral's parts.
        let a = read(json!({"choices": [{"message": {"content": [
            {"type": "thinking", "thinking": [{"type": "text", "text": "hmm"}]},
            {"type": "text", "text": "The answer."}]}}]}));
        assert_eq!(a.text, "The answer.");
    }

    #[test]
    fn refusals_filters_and_errors_in_a_200() {
        let a = read(
            json!({"choices": [{"message": {"content": null, "refusal": "I can't help with that."},
            "finish_reason": "stop"}]}),
        );
        assert_eq!(a.refusal.as_deref(), Some("I can't help with that."));
        let a = read(
            json!({"choices": [{"message": {"content": ""}, "finish_reason": "content_filter"}]}),
        );
        assert_eq!(a.finish, Finish::ContentFilter);
        let e = read_answer(br#"{"error": {"code": 502, "message": "Upstream idle timeout"}}"#)
            .unwrap_err();
        assert_eq!(
            e,
            AnswerError::Error {
                code: Some(502),
                message: "Upstream idle timeout".into()
            }
        );
    }

    #[test]
    fn json_is_found_in_fences_and_chatter() {
        assert_eq!(json_text("```json\n{\"a\": 1}\n```"), "{\"a\": 1}");
        assert_eq!(json_text("```\n{\"a\": 1}\n```"), "{\"a\": 1}");
        assert_eq!(
            json_text("Here is the JSON:\n```json\n{\"a\": 1}\n```\nHope it helps."),
            "{\"a\": 1}"
        );
        assert_eq!(
            json_text("Sure! {\"a\": {\"b\": 2}} Done."),
            "{\"a\": {\"b\": 2}}"
        );
        assert_eq!(json_text("  {\"a\": 1} "), "{\"a\": 1}");
        assert_eq!(json_text("no json"), "no json");
    }
}
