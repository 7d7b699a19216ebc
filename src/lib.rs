//! paperboy: posts the Hugging Face Daily Papers digest to Discord channels.
//!
//! # Layout
//! - [`config`]: `bot.toml` loading and validation (cron, time zones, paths).
//! - [`digest`]: the paper model, the markdown and Hugging Face JSON parsers, and the sources
//!   that fetch a day's digest.
//! - [`terms`]: what people type for keywords and alerts (`llm -survey author:"Tri Dao"`), pure.
//! - [`names`]: whether an `author:` term names one of a paper's authors, pure.
//! - [`filter`]: per-channel keyword / author / vote filtering, pure.
//! - [`alerts`]: everybody's personal alert terms matched against a day in one pass, pure.
//! - [`render`]: papers to embeds, and embeds packed into as few messages as Discord allows.
//! - [`store`]: SQLite persistence: subscriptions, keywords, digest archive, deliveries ledger.
//! - [`target`]: who a post is for (a channel or a person) and the kinds of channel, pure.
//! - [`schedule`]: when each channel's post fires (DST-correct), pure.
//! - [`publication`]: when digests are expected and complete, from how sources publish; pure.
//! - [`carry`]: which digests a post carries, and what the next post will carry; pure.
//! - [`channel`]: a channel's effective filter and schedule, from its stored settings.
//! - [`fetch`]: archive-first digest loading shared by commands and deliveries.
//! - [`outlook`]: a channel's last and next post, for settings and `paperboy status`.
//! - [`report`]: the operator's views without Discord (`paperboy status`, `preview`).
//! - [`commands`]: the `/papers` slash command (poise), one file per group.
//! - [`deliver`]: the daily delivery engine: planning, the ledger, rate-limited sending.
//! - [`discord`]: wiring the client, commands and scheduler together; clean shutdown.
//! - [`net`]: the HTTP client (proxy, trusted CAs) and the gateway tunnel behind a proxy.
//! - [`logging`]: logs for operators (no colour off a terminal, repeats summarised).
//! - [`clock`]: the injectable time source.

pub mod alerts;
pub mod carry;
pub mod channel;
pub mod clock;
pub mod commands;
pub mod config;
pub mod deliver;
pub mod digest;
pub mod discord;
pub mod endpoint;
pub mod fetch;
pub mod filter;
pub mod health;
pub mod logging;
pub mod metrics;
pub mod names;
pub mod net;
pub mod outlook;
pub mod publication;
pub mod render;
pub mod report;
pub mod schedule;
pub mod store;
pub mod target;
pub mod terms;
