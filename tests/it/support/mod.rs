//! Shared helpers of the integration suites: the fake Discord, the running-bot harness, the
//! delivery-engine harness, the `paperboy` binary, subscriptions, a fake Hugging Face API, a
//! fake embeddings endpoint, a
//! PostgreSQL schema per test, and the machine's share for tests that measure time.

pub mod arxiv;
pub mod bibtex;
pub mod bot;
pub mod catalog;
pub mod chat_api;
pub mod embeddings_api;
pub mod engine;
pub mod fake_discord;
pub mod hf_api;
pub mod hf_votes;
pub mod korean_digest;
pub mod logs;
pub mod machine;
pub mod postgres;
pub mod process;
pub mod providers;
pub mod subscription;
