//! Which papers a reader gets, and in which order. Pure.
//!
//! **In:** a day's papers and what a reader asked for (a channel's keywords and vote floor, a
//! person's alert terms). **Out:** the selected papers, why each matched, ranked.
//! - [`terms`]: the one parser of what people type (`llm -survey author:"Tri Dao" has:code`).
//! - [`script`]: which scripts put spaces between words (shared by matching and names).
//! - [`names`]: whether an `author:` term names one of a paper's authors.
//! - [`filter`]: a channel's selection: keywords, authors, facets, vote floor, top N.
//! - [`alerts`]: everybody's alert terms matched against a day in one pass.
//! - [`ranking`]: the best papers of several days by votes (the week's best, `/papers top`).
//! - [`for_you`]: a person's day ranked by their reading list, and follow-ups on saved papers.

pub mod alerts;
pub mod filter;
pub mod for_you;
pub mod names;
pub mod ranking;
pub mod script;
pub mod terms;
