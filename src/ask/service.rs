//! One question, from its reservation under the day's caps to the answer: the paper's text (as
//! stored, else fetched from arXiv once, in the same paced queue the summaries use, and kept),
//! the thread's earlier questions, the model (the summaries' client: what it learned about the
//! endpoint serves here too), the answer made safe and recorded with its cost. Discord is the
//! caller's business (`bot::commands::ask`).
//!
//! A question that gets no answer because arXiv or the endpoint failed is forgotten: it costs
//! the asker nothing. One the model declines, or answers with nothing usable, counts (it cost
//! tokens).

use std::sync::Arc;

use super::answer::{shape, Shaped};
use super::caps::Cap;
use super::config::AskConfig;
use super::history::follow_up_context;
use super::prompt::{task, Question};
use super::reply::MAX_ANSWER_CHARS;
use crate::model::ChatError;
use crate::store::{NewAsk, Reserved, Store, StoreError};
use crate::summaries::prompt::{cap_chars, PaperText, TextKind};
use crate::summaries::source::SourceError;
use crate::summaries::worker::Summariser;
use crate::summaries::Usage;

/// Characters of a model's answer kept for follow-ups.
const MAX_STORED_ANSWER_CHARS: usize = 4_000;

/// One question, as the command resolved it.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// The thread, channel or DM asked in.
    pub channel_id: u64,
    pub guild_id: Option<u64>,
    pub user_id: u64,
    pub arxiv_id: &'a str,
    pub title: &'a str,
    pub question: &'a str,
    /// The language to answer in.
    pub language: &'a str,
    pub private: bool,
}

/// An answer.
#[derive(Debug, Clone)]
pub struct Asked {
    pub answer: Shaped,
    /// What it was written from.
    pub kind: TextKind,
    pub usage: Usage,
}

/// Why a question got no answer.
#[derive(Debug, thiserror::Error)]
pub enum AskFailure {
    #[error("the day's {} cap is reached", .0.as_str())]
    Capped(Cap),
    #[error("cannot read the paper's text: {0}")]
    NoText(SourceError),
    #[error("the model endpoint failed: {0}")]
    Model(ChatError),
    #[error("the model declined to answer")]
    Declined,
    #[error("the model's answer was empty")]
    Empty,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl AskFailure {
    /// The outcome label of [`crate::ops::metrics::ASK_QUESTIONS`].
    pub fn outcome(&self) -> &'static str {
        match self {
            AskFailure::Capped(_) => "capped",
            AskFailure::NoText(_) => "no_text",
            AskFailure::Model(_) => "model_error",
            AskFailure::Declined => "declined",
            AskFailure::Empty => "empty",
            AskFailure::Store(_) => "store_error",
        }
    }
}

/// Questions, answered with the summaries' model and arXiv queue.
pub struct Asker {
    summariser: Arc<Summariser>,
    cfg: AskConfig,
    store: Store,
}

impl Asker {
    pub fn new(summariser: Arc<Summariser>, cfg: AskConfig, store: Store) -> Asker {
        Asker {
            summariser,
            cfg,
            store,
        }
    }

    pub fn config(&self) -> &AskConfig {
        &self.cfg
    }

    /// The model's configured name (said under every answer).
    pub fn model(&self) -> &str {
        &self.summariser.config().model
    }

    /// Answers `r` (see the module docs).
    #[tracing::instrument(skip_all, fields(arxiv_id = r.arxiv_id, user_id = r.user_id, channel_id = r.channel_id))]
    pub async fn ask(&self, r: &Request<'_>) -> Result<Asked, AskFailure> {
        let new = NewAsk {
            channel_id: r.channel_id,
            guild_id: r.guild_id,
            user_id: r.user_id,
            arxiv_id: r.arxiv_id,
            question: r.question,
            language: r.language,
            private: r.private,
        };
        let id = match self.store.reserve_ask(&new, &self.cfg.limits).await? {
            Reserved::Turn(id) => id,
            Reserved::Capped(cap) => {
                tracing::info!(cap = cap.as_str(), "a question met the day's cap");
                crate::ops::metrics::ask("capped");
                return Err(AskFailure::Capped(cap));
            }
        };
        let result = self.answer(r, id).await;
        match &result {
            Ok(a) => {
                crate::ops::metrics::ask("answered");
                tracing::debug!(
                    kind = a.kind.as_str(),
                    tokens_in = a.usage.tokens_in,
                    tokens_out = a.usage.tokens_out,
                    cut = a.answer.cut,
                    "question answered"
                );
            }
            Err(e) => {
                crate::ops::metrics::ask(e.outcome());
                if matches!(
                    e,
                    AskFailure::NoText(_) | AskFailure::Model(_) | AskFailure::Store(_)
                ) {
                    if let Err(f) = self.store.forget_ask(id).await {
                        tracing::warn!(error = %f, "could not forget an unanswered question");
                    }
                }
                // The endpoint's or arXiv's trouble is the operator's; a declined or empty
                // answer is the model's way with one question.
                if matches!(e, AskFailure::Declined | AskFailure::Empty) {
                    tracing::info!(error = %e, "a question got no answer");
                } else {
                    tracing::warn!(error = %e, "a question got no answer");
                }
            }
        }
        result
    }

    async fn answer(&self, r: &Request<'_>, id: i64) -> Result<Asked, AskFailure> {
        let text = self.paper_text(r.arxiv_id, r.title).await?;
        let n = self.cfg.follow_ups;
        // Room for others' private questions, which the asker's context leaves out.
        let stored = self
            .store
            .ask_history(r.channel_id, r.arxiv_id, (n * 4 + 4) as u32)
            .await?;
        let earlier = follow_up_context(&stored, r.user_id, n);
        let q = Question {
            paper: &text,
            title: r.title,
            question: r.question,
            earlier: &earlier,
            language: r.language,
        };
        let t = task(
            &q,
            self.cfg.max_paper_chars,
            self.cfg.max_answer_tokens,
            self.summariser.config().temperature,
        );
        let c = self
            .summariser
            .model_client()
            .complete(&t)
            .await
            .map_err(AskFailure::Model)?;
        let usage = Usage {
            calls: u64::from(c.calls),
            tokens_in: c.usage.prompt,
            tokens_out: c.usage.completion,
        };
        crate::ops::metrics::ask_usage(usage);
        let shaped = shape(&c.text, r.arxiv_id, MAX_ANSWER_CHARS, c.truncated());
        let (stored_answer, outcome) = if c.declined() {
            (String::new(), Err(AskFailure::Declined))
        } else if shaped.text.trim().is_empty() {
            (String::new(), Err(AskFailure::Empty))
        } else {
            (cap_chars(c.text.trim(), MAX_STORED_ANSWER_CHARS), Ok(()))
        };
        self.store.answer_ask(id, &stored_answer, usage).await?;
        self.report_day().await;
        outcome.map(|()| Asked {
            answer: shaped,
            kind: text.kind,
            usage,
        })
    }

    /// The day's questions and tokens for the gauges.
    async fn report_day(&self) {
        match self.store.ask_today().await {
            Ok(d) => crate::ops::metrics::ask_day(d.questions, d.usage),
            Err(e) => tracing::debug!(error = %e, "cannot read today's questions for the metrics"),
        }
    }

    /// The paper's text: as stored (the summaries fetch it too), else from arXiv, with the
    /// summaries' `input` (full text, or the abstract only), kept for next time.
    pub async fn paper_text(&self, id: &str, title: &str) -> Result<PaperText, AskFailure> {
        if let Some(mut t) = self.store.paper_text(id).await? {
            t.title = title.to_string();
            return Ok(t);
        }
        let cfg = self.summariser.config();
        // Hugging Face's list gives the abstract: used as is, as the summaries do.
        let listed = self
            .store
            .paper_by_arxiv_id(id)
            .await?
            .and_then(|(_, p)| p.abstract_);
        let t = self
            .summariser
            .arxiv()
            .text(id, title, listed.as_deref(), cfg.input, cfg.max_input_chars)
            .await
            .map_err(AskFailure::NoText)?;
        self.store.save_paper_text(&t).await?;
        Ok(t)
    }
}
