//! The integration suites, one binary: a module per suite, `support` shared by all of them.
//! One link step instead of one per suite, and `support` compiled once. Run one suite with
//! `cargo test --test it <suite>::` (e.g. `commands::`).
//!
//! All suites run in one process, two tests at a time (one per core), whatever their suite:
//! tests that load the machine or measure time take its share first (`support::machine`).

mod support;

mod alerts;
mod ask;
mod cli;
mod cluster;
mod commands;
mod crash;
mod delivery;
mod enrich;
mod fake_discord;
mod for_you;
mod forum_posts;
mod gateway;
mod glance;
mod hf_paging;
mod i18n;
mod layout;
mod postgres;
mod providers;
mod proxy_mode;
mod replay;
mod run;
mod saved;
mod sources;
mod summaries;
mod weekly;
