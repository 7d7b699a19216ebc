//! paperboy: posts the Hugging Face Daily Papers digest to Discord channels.
//!
//! # Layout
//! A day flows through the stages in this order, each a folder whose `mod.rs` says what enters
//! and what leaves it: **source → store (archive) → summaries → select → render → deliver**, with
//! **bot** (Discord and the commands) and **ops** (what the operator sees) around them. A file
//! only imports from files that do not import it back (checked by `tests/it/layout.rs`).
//! - [`source`]: the digest model, its two formats, the sources, when a day is out and final,
//!   and the archive-first door to a day ([`source::fetch`]); a paper's links on Hugging Face
//!   and the background look at saved papers for follow-ups ([`source::followups`]).
//! - [`store`]: persistence on SQLite or PostgreSQL, a file per table: subscriptions,
//!   keywords, alerts, the digest archive, summaries, the deliveries ledger, leases, "for you"
//!   (settings, papers turned down, embeddings and their cost, follow-ups).
//! - [`model`]: the operator's OpenAI-compatible endpoint: one request, the answer read
//!   leniently, what a refusal names, what was learned (stored per endpoint and model); shared
//!   by everything that asks the model.
//! - [`summaries`]: summary bullets written by the operator's model, in each reader's
//!   language: config, prompt, validation, the arXiv text source, the background worker, and
//!   which stored summaries a post carries.
//! - [`select`]: which papers a reader gets and in which order: what people type
//!   ([`select::terms`]), a channel's filter, everybody's alerts in one pass, rankings, a
//!   person's day by their reading list ([`select::for_you`]); pure.
//! - [`render`]: what a day looks like in Discord, pure: [`render::day_messages`] is the one path
//!   from a day to messages for every reader (daily post, alert DM, replies, CLI preview); a DM
//!   "for you" (`render/for_you.rs`).
//! - [`deliver`]: who a post is for ([`deliver::target`]), a channel's effective settings
//!   ([`deliver::settings`]), when posts fire and which digests they carry, and the engine that
//!   plans them into the ledger and sends them exactly once; the weekly posts; the "for you"
//!   stage (`deliver/for_you.rs`).
//! - [`ask`]: questions about a paper answered by the operator's model from the paper's own
//!   text (`/papers ask`): caps, which paper a thread is, the prompt, the answer made safe.
//! - [`bot`]: the serenity client and the `/papers` and `/alerts` slash commands (poise).
//! - [`ops`]: this process's identity, logs, `/healthz`, `/metrics`, and `paperboy status`.
//!
//! Shared leaves every stage may read: [`config`] (`bot.toml`, validated up front), [`clock`]
//! (the injectable time source), [`language`] (a reader's language), [`i18n`] (the bot's words
//! from the Fluent catalogs), [`channel_kind`] (the kinds of channel), [`net`] (the one HTTP
//! client and the gateway tunnel behind a proxy).

pub mod ask;
pub mod bot;
pub mod channel_kind;
pub mod clock;
pub mod config;
pub mod deliver;
pub mod i18n;
pub mod language;
pub mod model;
pub mod net;
pub mod ops;
pub mod render;
pub mod select;
pub mod source;
pub mod store;
pub mod summaries;
