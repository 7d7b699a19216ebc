//! paperboy: posts the Hugging Face Daily Papers digest to Discord channels.
//!
//! # Layout
//! - [`config`]: `bot.toml` loading and validation (cron, time zones, paths).
//! - [`digest`]: the paper model, the markdown and Hugging Face JSON parsers, and the sources
//!   that fetch a day's digest.
//! - [`filter`]: per-channel keyword / vote filtering, pure.
//! - [`render`]: papers to embeds, and embeds packed into as few messages as Discord allows.
//! - [`store`]: SQLite persistence: subscriptions, keywords, digest archive, deliveries ledger.
//! - [`schedule`]: when each channel is due, pure.

pub mod config;
pub mod digest;
pub mod filter;
pub mod render;
pub mod schedule;
pub mod store;
