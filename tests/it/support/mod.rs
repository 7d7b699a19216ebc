//! Shared helpers for the integration test binaries.

pub mod bot;
pub mod engine;
pub mod fake_discord;
pub mod hf_api;
pub mod machine;
pub mod postgres;
pub mod subscription;
