//! One chat-completions request to the operator's OpenAI-compatible endpoint, and what its
//! answer means. The request and answer types are async-openai's; the request goes out through
//! the bot's own HTTP client (`net::http_client`: its proxy and CA settings apply), because
//! async-openai's own client is built on another reqwest and hides what this needs to see: the
//! status and a 429's `retry-after`.

use std::time::Duration;

use async_openai::types::chat::{
    CreateChatCompletionRequest, CreateChatCompletionResponse, FinishReason,
};

use super::config::ApiKey;
use super::Usage;

/// What went wrong with a request, by what the caller should do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChatError {
    /// 429: wait `retry_after` (when given) before the next request to the endpoint.
    #[error("rate limited by the endpoint (retry after {retry_after:?})")]
    RateLimited { retry_after: Option<Duration> },
    /// 5xx: the endpoint is in trouble; back off.
    #[error("the endpoint answered {0}")]
    Server(u16),
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    /// Connection refused, DNS, TLS: the endpoint is down or unreachable.
    #[error("cannot reach the endpoint: {0}")]
    Unreachable(String),
    /// 401/403: the key is missing or wrong; nothing works until the operator fixes it.
    #[error("the endpoint refused the API key ({0})")]
    Unauthorized(u16),
    /// 400 and other 4xx: this request is wrong (`schema` when it names `response_format` or
    /// `json_schema`: the endpoint does not take structured output).
    #[error("the endpoint refused the request ({status}): {message}")]
    Rejected {
        status: u16,
        message: String,
        schema: bool,
    },
    /// The answer is not a chat completion.
    #[error("the answer is not a chat completion: {0}")]
    Malformed(String),
}

impl ChatError {
    /// A cause in one word, for logs and metrics.
    pub fn cause(&self) -> &'static str {
        match self {
            ChatError::RateLimited { .. } => "rate_limited",
            ChatError::Server(_) => "server_error",
            ChatError::Timeout(_) => "timeout",
            ChatError::Unreachable(_) => "unreachable",
            ChatError::Unauthorized(_) => "unauthorized",
            ChatError::Rejected { .. } => "rejected",
            ChatError::Malformed(_) => "malformed",
        }
    }

    /// Whether the endpoint as a whole is unwell (every paper would fail the same way now), as
    /// opposed to this one request being wrong.
    pub fn endpoint_wide(&self) -> bool {
        !matches!(self, ChatError::Rejected { .. } | ChatError::Malformed(_))
    }
}

/// A completion's text and what it cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// The message's content (empty when the model gave none).
    pub content: String,
    /// The model declined (`message.refusal`, or `finish_reason: content_filter`).
    pub refused: bool,
    /// The answer was cut at `max_completion_tokens` (`finish_reason: length`).
    pub truncated: bool,
    pub usage: Usage,
}

/// The endpoint, its key and the bot's HTTP client.
#[derive(Clone)]
pub struct ChatClient {
    http: reqwest::Client,
    base_url: String,
    key: Option<ApiKey>,
    timeout: Duration,
}

impl std::fmt::Debug for ChatClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChatClient")
            .field("base_url", &self.base_url)
            .field("key", &self.key)
            .finish()
    }
}

/// The longest `retry-after` honoured: a longer one is cut to this, and the caller's own backoff
/// takes over.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(600);

impl ChatClient {
    pub fn new(
        http: reqwest::Client,
        base_url: &str,
        key: Option<ApiKey>,
        timeout: Duration,
    ) -> ChatClient {
        ChatClient {
            http,
            base_url: base_url.trim_end_matches('/').to_string(),
            key,
            timeout,
        }
    }

    /// Sends `request` to `{base_url}/chat/completions`.
    pub async fn complete(
        &self,
        request: &CreateChatCompletionRequest,
    ) -> Result<Completion, ChatError> {
        let mut req = self
            .http
            .post(format!("{}/chat/completions", self.base_url))
            .timeout(self.timeout)
            .json(request);
        if let Some(key) = &self.key {
            req = req.bearer_auth(key.expose());
        }
        let response = req.send().await.map_err(|e| self.transport(e))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let body = response.bytes().await.map_err(|e| self.transport(e))?;
        interpret(status, retry_after, &body)
    }

    fn transport(&self, e: reqwest::Error) -> ChatError {
        if e.is_timeout() {
            ChatError::Timeout(self.timeout)
        } else {
            // Without the URL: it is the operator's, but an error chain can be long.
            ChatError::Unreachable(e.without_url().to_string())
        }
    }
}

/// `retry-after` in seconds (the form model APIs use); an HTTP date is not worth parsing here.
fn parse_retry_after(value: &str) -> Option<Duration> {
    let secs: f64 = value.trim().parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs).min(MAX_RETRY_AFTER))
}

/// What an answer means, pure: the status first, then the completion's shape.
pub fn interpret(
    status: u16,
    retry_after: Option<Duration>,
    body: &[u8],
) -> Result<Completion, ChatError> {
    match status {
        200..=299 => {}
        429 => return Err(ChatError::RateLimited { retry_after }),
        401 | 403 => return Err(ChatError::Unauthorized(status)),
        500..=599 => return Err(ChatError::Server(status)),
        _ => {
            let text = String::from_utf8_lossy(body);
            let message = serde_json::from_slice::<serde_json::Value>(body)
                .ok()
                .and_then(|v| v["error"]["message"].as_str().map(str::to_owned))
                .unwrap_or_else(|| text.chars().take(300).collect());
            let lower = text.to_ascii_lowercase();
            return Err(ChatError::Rejected {
                status,
                schema: lower.contains("response_format") || lower.contains("json_schema"),
                message: message.chars().take(300).collect(),
            });
        }
    }
    let answer: CreateChatCompletionResponse =
        serde_json::from_slice(body).map_err(|e| ChatError::Malformed(e.to_string()))?;
    let usage = answer.usage.as_ref().map_or(
        Usage {
            calls: 1,
            ..Usage::default()
        },
        |u| Usage {
            calls: 1,
            tokens_in: u64::from(u.prompt_tokens),
            tokens_out: u64::from(u.completion_tokens),
        },
    );
    let Some(choice) = answer.choices.into_iter().next() else {
        return Err(ChatError::Malformed("no choices".into()));
    };
    Ok(Completion {
        refused: choice.message.refusal.is_some()
            || choice.finish_reason == Some(FinishReason::ContentFilter),
        truncated: choice.finish_reason == Some(FinishReason::Length),
        content: choice.message.content.unwrap_or_default(),
        usage,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(content: &str, finish: &str) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({
            "id": "chatcmpl-1", "object": "chat.completion", "created": 1733300000, "model": "m",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": finish}],
            "usage": {"prompt_tokens": 1200, "completion_tokens": 150, "total_tokens": 1350}
        }))
        .unwrap()
    }

    #[test]
    fn answers_mean_what_they_say() {
        let ok = interpret(200, None, &answer("{}", "stop")).unwrap();
        assert_eq!(
            ok.usage,
            Usage {
                calls: 1,
                tokens_in: 1200,
                tokens_out: 150
            }
        );
        assert!(!ok.truncated && !ok.refused);
        assert!(
            interpret(200, None, &answer("{", "length"))
                .unwrap()
                .truncated
        );
        assert!(
            interpret(200, None, &answer("", "content_filter"))
                .unwrap()
                .refused
        );
        assert_eq!(
            interpret(429, Some(Duration::from_secs(7)), b"{}"),
            Err(ChatError::RateLimited {
                retry_after: Some(Duration::from_secs(7))
            })
        );
        assert_eq!(interpret(503, None, b"busy"), Err(ChatError::Server(503)));
        assert_eq!(interpret(401, None, b""), Err(ChatError::Unauthorized(401)));
        let e = interpret(400, None, br#"{"error": {"message": "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model."}}"#).unwrap_err();
        assert!(
            matches!(
                e,
                ChatError::Rejected {
                    schema: true,
                    status: 400,
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(matches!(
            interpret(200, None, b"<html>"),
            Err(ChatError::Malformed(_))
        ));
        assert_eq!(parse_retry_after("12"), Some(Duration::from_secs(12)));
        assert_eq!(parse_retry_after("99999"), Some(MAX_RETRY_AFTER));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }

    #[test]
    fn the_key_is_not_in_debug_output() {
        let c = ChatClient::new(
            reqwest::Client::new(),
            "http://x/v1",
            Some(ApiKey::new("sk-secret")),
            Duration::from_secs(1),
        );
        assert!(!format!("{c:?}").contains("sk-secret"));
    }
}
