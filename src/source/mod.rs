//! The first stage: where a day's papers come from, up to the archive.
//!
//! **In:** a date. **Out:** that day's [`digest::Digest`] (archived with where and when it came
//! from, and whether it is final), or why there is none yet.
//! - [`digest`]: the paper model every later stage reads (`Paper`, `Digest`, parse warnings).
//! - [`markdown`], [`hf_json`]: the two formats, parsed leniently (a bad entry is skipped with a
//!   warning, never the whole day).
//! - [`loader`]: the sources (a folder, a URL template, Hugging Face's API) and their errors.
//! - [`enrich`]: a markdown day completed from Hugging Face's list of the same date.
//! - [`publication`]: when each source's digest of a date is expected and final.
//! - [`fetch`]: the archive-first door to a day, shared by commands and deliveries.
//! - [`hf_paper`]: what Hugging Face links one paper to (code, project page, models, datasets).
//! - [`followups`]: the background look at saved papers' links, for follow-ups.

pub mod digest;
pub mod enrich;
pub mod fetch;
pub mod followups;
pub mod hf_json;
pub mod hf_paper;
pub mod loader;
pub mod markdown;
pub mod publication;
