//! Summary bullets written by a model the operator chooses, in each reader's language.
//!
//! Why it exists: the Korean digest paperboy was built to deliver was one volunteer's job, and
//! it stopped; without it every post carries Hugging Face's one English line. With
//! `[summaries]` in `bot.toml` paperboy writes the bullets itself: a background worker
//! summarises each paper as it appears on Hugging Face's list, once per language in use, and
//! stores the result; a post carries what is stored, waits a little for what is not, and goes
//! out with Hugging Face's text for the rest.
//!
//! # Layout
//! - [`config`]: `[summaries]` and the API key (from the environment only).
//! - [`prompt`]: what the model is asked, and the JSON schema of the answer, pure.
//! - [`validate`]: whether an answer is usable (count, lengths, the language plausible), pure.
//! - the model endpoint itself (requests, lessons, lenient answers) is [`crate::model`].
//! - [`gate`]: when the endpoint may be called: a pause per outage, then a single probe.
//! - [`source`]: the paper's text from arXiv (HTML, else PDF, else abstract), paced.
//! - [`writer`]: one paper in one language: text, prompt, answer, one retry when invalid.
//! - [`overlay`]: which stored summary each paper of a post carries, and whether a post waits.
//! - [`edit`]: a posted message edited once when its papers' summaries arrive late.
//! - [`worker`]: the background loop that summarises papers as they appear.
//! - [`posts`]: what the delivery pass asks of all this, and what it gets back: the one place
//!   the delivery engine and the summaries meet.
//! - [`labels`]: the words around the bullets (labels, footer) in each language.

pub mod config;
pub mod edit;
pub mod gate;
pub mod labels;
pub mod overlay;
pub mod posts;
pub mod prompt;
pub mod source;
pub mod validate;
pub mod worker;
pub mod writer;

use serde::{Deserialize, Serialize};

pub use config::{ApiKey, Input, SummariesConfig};

/// Bumped whenever the prompt changes meaningfully: stored summaries say which version wrote
/// them (nothing is written again because of it: a stored summary stays valid, and a card
/// fits whatever its bullets' length). 2: the lengths asked for are what a card shows (each
/// bullet at most 180 characters, all at most 560; 1 asked for up to 350 each).
pub const PROMPT_VERSION: i32 = 2;

/// What a bullet says; the label shown is ours ([`labels`]), never the model's, so an answer
/// cannot choose how a post is structured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum BulletKind {
    /// What is new about the paper.
    New,
    /// How it works.
    Method,
    /// Results, with their numbers.
    Results,
    /// Anything else worth a line (limits, release of code or data).
    Note,
}

impl BulletKind {
    pub const ALL: [BulletKind; 4] = [
        BulletKind::New,
        BulletKind::Method,
        BulletKind::Results,
        BulletKind::Note,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BulletKind::New => "new",
            BulletKind::Method => "method",
            BulletKind::Results => "results",
            BulletKind::Note => "note",
        }
    }

    pub fn parse(s: &str) -> Option<BulletKind> {
        BulletKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One labelled bullet, its text already checked by [`validate`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bullet {
    pub kind: BulletKind,
    pub text: String,
}

/// A paper's summary in one language, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub arxiv_id: String,
    pub language: String,
    pub bullets: Vec<Bullet>,
    /// The model that wrote it (the configured name).
    pub model: String,
    pub prompt_version: i32,
    pub tokens_in: u64,
    pub tokens_out: u64,
}

/// Tokens a call used, as the endpoint reported them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub calls: u64,
    pub tokens_in: u64,
    pub tokens_out: u64,
}

impl std::ops::AddAssign for Usage {
    fn add_assign(&mut self, o: Usage) {
        self.calls += o.calls;
        self.tokens_in += o.tokens_in;
        self.tokens_out += o.tokens_out;
    }
}
