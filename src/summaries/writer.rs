//! One paper in one language: the task, the answer checked, one more try when the answer is
//! unusable. How the request is made to suit the endpoint (structured-output mode, parameters,
//! budget) is the model client's business ([`crate::model::ModelClient`]); a refusal it cannot
//! adapt to fails this paper, not the endpoint.

use super::prompt::{task, PaperText};
use super::validate::parse_answer;
use super::{Bullet, Usage};
use crate::model::{ChatError, ModelClient, TokenUsage};

/// Why a paper got no bullets this time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WriteError {
    /// The endpoint failed (down, 429, 5xx, timeout, key refused): the paper is tried again
    /// after a pause.
    #[error(transparent)]
    Endpoint(ChatError),
    /// The endpoint refused this request and nothing in it could be changed to suit it (or
    /// answered with something that is not a completion): counted against the paper. Said
    /// without the provider's words, which the model client logs once for all papers.
    #[error("{}", request_error(.0))]
    Request(ChatError),
    /// Two answers in a row were unusable (invalid JSON, wrong shape or language, cut short).
    #[error("unusable answer: {0}")]
    Unusable(String),
    /// The model declined.
    #[error("the model declined to summarise the paper")]
    Refused,
}

fn request_error(e: &ChatError) -> String {
    match e {
        ChatError::Rejected { status, .. } => format!(
            "the endpoint refused the request ({status}; its words are logged once and shown by `paperboy status`)"
        ),
        other => other.to_string(),
    }
}

impl WriteError {
    /// A cause in one word, for logs and metrics.
    pub fn cause(&self) -> &'static str {
        match self {
            WriteError::Endpoint(e) | WriteError::Request(e) => e.cause(),
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
    client: ModelClient,
    max_output_tokens: u32,
    temperature: Option<f64>,
}

fn usage_of(calls: u32, t: TokenUsage) -> Usage {
    Usage {
        calls: u64::from(calls),
        tokens_in: t.prompt,
        tokens_out: t.completion,
    }
}

impl Writer {
    pub fn new(client: ModelClient, max_output_tokens: u32, temperature: Option<f64>) -> Writer {
        Writer {
            client,
            max_output_tokens,
            temperature,
        }
    }

    pub fn model(&self) -> &str {
        &self.client.endpoint().model
    }

    pub fn client(&self) -> &ModelClient {
        &self.client
    }

    /// The bullets for `paper` in `language`: at most two answers (one retry after an unusable
    /// one); the client's own calls to adapt to the endpoint come on top. Each request is told
    /// to `log` before it goes out (the client's extra calls, to adapt, when it answers), and its
    /// tokens when answered.
    pub async fn write(&self, paper: &PaperText, language: &str, log: &impl CallLog) -> Outcome {
        let mut usage = Usage::default();
        let mut note: Option<String> = None;
        let mut tries = 0;
        loop {
            let t = task(
                paper,
                language,
                self.max_output_tokens,
                self.temperature,
                note.as_deref(),
            );
            log.sending().await;
            let answer = match self.client.complete(&t).await {
                Ok(a) => {
                    log.answered(usage_of(a.calls.saturating_sub(1), a.usage))
                        .await;
                    a
                }
                Err(e) => {
                    let result = Err(if e.endpoint_wide() {
                        WriteError::Endpoint(e)
                    } else {
                        WriteError::Request(e)
                    });
                    return Outcome { result, usage };
                }
            };
            usage += usage_of(answer.calls, answer.usage);
            tries += 1;
            if answer.declined() {
                return Outcome {
                    result: Err(WriteError::Refused),
                    usage,
                };
            }
            let why = if answer.truncated() {
                "the answer was cut off at the token limit: write shorter bullets".to_string()
            } else {
                match parse_answer(&answer.text, language) {
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
