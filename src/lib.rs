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
//! - [`channel`]: a channel's effective filter and schedule, from its stored settings.
//! - [`fetch`]: archive-first digest loading shared by commands and deliveries.
//! - [`commands`]: the `/papers` slash command (poise), one file per group.
//! - [`deliver`]: the daily delivery engine: planning, the ledger, rate-limited sending.
//! - [`discord`]: wiring the client, commands and scheduler together; clean shutdown.
//! - [`clock`]: the injectable time source.

pub mod channel;
pub mod clock;
pub mod commands;
pub mod config;
pub mod deliver;
pub mod digest;
pub mod discord;
pub mod fetch;
pub mod filter;
pub mod render;
pub mod schedule;
pub mod store;
