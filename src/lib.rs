//! paperboy: posts the Hugging Face Daily Papers digest to Discord channels.
//!
//! # Layout
//! - [`config`]: `bot.toml` loading and validation (cron, time zones, paths).
//! - [`digest`]: the paper model, the markdown and Hugging Face JSON parsers, and the sources
//!   that fetch a day's digest.
//! - [`terms`]: what people type for keywords and alerts (`llm -survey author:"Tri Dao"`), pure.
//! - [`language`]: a reader's language (a BCP 47 code), for summaries and the bot's words.
//! - [`i18n`]: the bot's words from Fluent catalogs (`locales/<code>/`), by language.
//! - [`script`]: which scripts put spaces between words (for keywords and names), pure.
//! - [`names`]: whether an `author:` term names one of a paper's authors, pure.
//! - [`filter`]: per-channel keyword / author / vote filtering, pure.
//! - [`alerts`]: everybody's personal alert terms matched against a day in one pass, pure.
//! - [`render`]: what a day looks like in Discord, pure: [`render::day_messages`] is the one path
//!   from a day to messages for every reader (daily post, alert DM, replies, CLI preview).
//!   - `render::limits`: Discord's limits, the message/embed specs and packing.
//!   - `render::wire`: specs to serenity's builders and the exact JSON body sent.
//!   - `render::sanitise`: untrusted text cut, defused and escaped.
//!   - `render::save_menu`: the "🔖 Save…" select menu under a post's messages, and its ids.
//!   - `render::paper`: one paper as one embed within a budget.
//!   - `render::digest`: a channel's post (header, size budget, empty notices).
//!   - `render::alert`: a person's alert DM (one message).
//!   - `render::day`: the one path ([`render::day_messages`]) and its caps.
//!   - `render::reply`: a day cut to what a command's reply may hold.
//!   - `render::text`: messages as plain text for the CLI.
//! - [`forum`]: a forum in paper mode (a post per paper): which of its tags a post gets, and
//!   a post as planned and as sent; pure.
//! - [`ranking`]: the best papers of several days by votes (weekly post, `/papers top`), pure.
//! - [`reading_list`]: a person's saved papers as a page and as BibTeX or links, pure.
//! - [`store`]: persistence on SQLite or PostgreSQL, a file per table: subscriptions,
//!   keywords, alerts, the digest archive, the deliveries ledger, leases.
//! - [`model`]: the operator's OpenAI-compatible endpoint: one request, the answer read
//!   leniently, what a refusal names, what was learned (stored per endpoint and model).
//! - [`summaries`]: summary bullets written by the operator's model, in each reader's
//!   language: config, prompt, validation, the arXiv text source, the background worker.
//! - [`target`]: who a post is for (a channel or a person) and the kinds of channel, pure.
//! - [`schedule`]: when each channel's post fires (DST-correct), pure.
//! - [`publication`]: when digests are expected and complete, from how sources publish; pure.
//! - [`carry`]: which digests a post carries, and what the next post will carry; pure.
//! - [`channel`]: a channel's effective filter and schedule, from its stored settings.
//! - [`fetch`]: archive-first digest loading shared by commands and deliveries.
//! - [`outlook`]: a channel's (or a person's DM) last and next post, for settings, `/alerts`
//!   and `paperboy status`.
//! - [`report`]: the operator's views without Discord (`paperboy status`, `preview`).
//! - [`commands`]: the `/papers` and `/alerts` slash commands (poise), one file per group.
//!   Their names, descriptions and every reply come from the catalogs (`commands::localise`).
//! - `catalog_check` (tests only): the catalogs against each other and against the code.
//! - [`deliver`]: the daily delivery engine, a pipeline of stages: membership (processes sharing
//!   the database), snapshot (one store read), decide (pure), recheck (when a source is asked
//!   again), job and fanout (plan into the ledger, send), send/failure/transport (one
//!   delivery's requests and what Discord's answers mean).
//! - [`discord`]: wiring the client, commands and scheduler together; clean shutdown.
//! - [`health`]: what `/healthz` reports (gateway, database, scheduler, delivery).
//! - [`metrics`]: every figure `/metrics` exports, named and labelled in one place.
//! - [`endpoint`]: the small HTTP app serving `/healthz` and `/metrics`.
//! - [`net`]: the HTTP client (proxy, trusted CAs) and the gateway tunnel behind a proxy.
//! - [`logging`]: logs for operators (no colour off a terminal, repeats summarised).
//! - [`weekly`]: the week's best post: when it fires, which is due, its ledger key; pure.
//! - [`clock`]: the injectable time source.

pub mod alerts;
pub mod carry;
#[cfg(test)]
mod catalog_check;
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
pub mod forum;
pub mod health;
pub mod i18n;
pub mod language;
pub mod logging;
pub mod metrics;
pub mod model;
pub mod names;
pub mod net;
pub mod outlook;
pub mod publication;
pub mod ranking;
pub mod reading_list;
pub mod render;
pub mod report;
pub mod schedule;
pub mod script;
pub mod store;
pub mod summaries;
pub mod target;
pub mod terms;
pub mod weekly;
