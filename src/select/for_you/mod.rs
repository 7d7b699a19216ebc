//! "For you": a person's day ranked by what they saved, and word when a saved paper gets its
//! code. Pure.
//!
//! **In:** the day's papers, each reader's reading list and the papers they turned down (as
//! [`Document`]s for the lexical default, or as a model's embeddings), their keyword matches
//! and vetoes; what Hugging Face links a saved paper to, now and before. **Out:** each
//! reader's matches closest first and a few recommended papers, each with the saved paper it is
//! close to; the follow-ups each reader has not been told yet.
//! - [`document`]: a paper as weighted terms (titles, summaries, AI keywords) or one text for
//!   an embedding model.
//! - [`lexical`]: TF-IDF over the day, indexed by term (the embedded default, no model).
//! - [`similarity`]: every known paper against the day, by either backend, once for everybody.
//! - [`rank`]: one reader's order, recommendations and the "why".
//! - [`followup`]: what a saved paper gained, who to tell, when to look again.

pub mod document;
pub mod followup;
pub mod lexical;
pub mod rank;
pub mod similarity;
