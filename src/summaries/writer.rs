//! One paper in one language: the request, the answer checked, one more try when the answer is
//! unusable. Structured output is asked for as a JSON schema until the endpoint refuses one
//! (a 400 naming `response_format`), then as JSON mode for the rest of the process's life.

use std::sync::atomic::{AtomicBool, Ordering};

use super::client::{ChatClient, ChatError};
use super::prompt::{request, Mode, PaperText};
use super::validate::parse_answer;
use super::{Bullet, Usage};

/// Why a paper got no bullets this time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WriteError {
    /// The endpoint failed (down, 429, 5xx, timeout, key refused): the paper is tried again
    /// after a pause.
    #[error(transparent)]
    Endpoint(ChatError),
    /// Two answers in a row were unusable (invalid JSON, wrong shape or language, cut short).
    #[error("unusable answer: {0}")]
    Unusable(String),
    /// The model declined.
    #[error("the model declined to summarise the paper")]
    Refused,
}

impl WriteError {
    /// A cause in one word, for logs and metrics.
    pub fn cause(&self) -> &'static str {
        match self {
            WriteError::Endpoint(e) => e.cause(),
            WriteError::Unusable(_) => "unusable",
            WriteError::Refused => "refused",
        }
    }
}

/// Told of each request before it is sent and of its tokens when it is answered, so what the
/// calls cost is recorded as it happens: a crash with calls in flight loses none of them.
pub trait CallLog: Sync {
    fn sending(&self) -> impl std::future::Future<Output = ()> + Send;
    fn answered(&self, usage: Usage) -> impl std::future::Future<Output = ()> + Send;
}

/// What a try cost, whatever came of it.
#[derive(Debug)]
pub struct Outcome {
    pub result: Result<Vec<Bullet>, WriteError>,
    pub usage: Usage,
}

pub struct Writer {
    client: ChatClient,
    model: String,
    max_output_tokens: u32,
    /// Cleared for good when the endpoint refuses a JSON schema.
    schema: AtomicBool,
}

impl Writer {
    pub fn new(client: ChatClient, model: &str, max_output_tokens: u32) -> Writer {
        Writer {
            client,
            model: model.to_string(),
            max_output_tokens,
            schema: AtomicBool::new(true),
        }
    }

    pub fn model(&self) -> &str {
        &self.model
    }

    /// The bullets for `paper` in `language`: at most two answers (one retry after an unusable
    /// one), plus one resend in JSON mode if the endpoint refuses the schema. Each request is
    /// told to `log` before it goes out, and its tokens when answered.
    pub async fn write(&self, paper: &PaperText, language: &str, log: &impl CallLog) -> Outcome {
        let mut usage = Usage::default();
        let mut note: Option<String> = None;
        let mut tries = 0;
        loop {
            let mode = if self.schema.load(Ordering::Relaxed) {
                Mode::Schema
            } else {
                Mode::JsonObject
            };
            let req = request(
                &self.model,
                paper,
                language,
                mode,
                self.max_output_tokens,
                note.as_deref(),
            );
            log.sending().await;
            let answer = match self.client.complete(&req).await {
                Ok(a) => {
                    log.answered(a.usage).await;
                    a
                }
                Err(ChatError::Rejected { schema: true, .. }) if mode == Mode::Schema => {
                    tracing::warn!(model = %self.model, "the endpoint does not take a JSON schema; asking for JSON mode from now on");
                    self.schema.store(false, Ordering::Relaxed);
                    continue;
                }
                Err(e) => {
                    return Outcome {
                        result: Err(WriteError::Endpoint(e)),
                        usage,
                    }
                }
            };
            usage += answer.usage;
            tries += 1;
            if answer.refused {
                return Outcome {
                    result: Err(WriteError::Refused),
                    usage,
                };
            }
            let why = if answer.truncated {
                "the answer was cut off at the token limit: write shorter bullets".to_string()
            } else {
                match parse_answer(&answer.content, language) {
                    Ok(bullets) => {
                        return Outcome {
                            result: Ok(bullets),
                            usage,
                        }
                    }
                    Err(e) => e.to_string(),
                }
            };
            if tries >= 2 {
                return Outcome {
                    result: Err(WriteError::Unusable(why)),
                    usage,
                };
            }
            tracing::debug!(arxiv_id = %paper.arxiv_id, language, reason = %why, "unusable answer; asking once more");
            note = Some(why);
        }
    }
}
