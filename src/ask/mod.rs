//! Questions about a paper, answered by the operator's model from the paper's own text, in the
//! asker's language (`/papers ask`).
//!
//! What enters: a reader's question, which paper it is about (given, or known from the thread
//! it is asked in: a forum post of its own, a thread started from its card, a day's thread), the
//! paper's stored text (arXiv's HTML or PDF text, else its abstract), the thread's earlier
//! questions and answers, and what today's questions have cost so far. What leaves: whether the
//! day's caps allow it, the model's task (the paper and the question delimited as data), and
//! the answer as a message nobody can be pinged by, holding no link but the paper's own, cut at
//! a sentence within Discord's limits.
//!
//! Why it exists: readers of a posted paper ask about it ("what dataset?", "is the code out?");
//! answering where the paper was posted, in their language, from the paper itself rather than
//! from what a model remembers, keeps the discussion in Discord.
//!
//! # Layout
//! Pure, tested without a network:
//! - [`config`]: `[ask]` in `bot.toml`: the caps and the sizes.
//! - [`caps`]: whether a question fits today's caps (per person, per server, tokens).
//! - [`thread`]: which paper (or papers) a thread is about, from the delivery ledger's bodies;
//!   which paper a question is about; what `paper:` suggests.
//! - [`history`]: the earlier questions and answers a follow-up carries.
//! - [`prompt`]: the model's task: rules, the paper and the question as delimited data.
//! - [`answer`]: the model's answer made safe and cut at a sentence.
//! - [`reply`]: the message shown under the post: the question above the answer.
//!
//! With I/O:
//! - [`service`]: one question from reservation to answer (the store, arXiv, the model).

pub mod answer;
pub mod caps;
pub mod config;
pub mod history;
pub mod prompt;
pub mod reply;
pub mod service;
pub mod thread;

pub use config::AskConfig;
