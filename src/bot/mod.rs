//! Discord: the client, the gateway, and the slash commands.
//!
//! **In:** the gateway's events and interactions. **Out:** command replies, and the delivery
//! engine and summaries worker started beside the client.
//! - [`client`]: wiring the serenity client, the poise framework, the scheduler and the
//!   summaries worker together; a clean shutdown of all of them.
//! - [`commands`]: `/papers` and `/alerts`, one file per group; a new command goes there and
//!   into its [`commands::all_commands`] registry.

pub mod client;
pub mod commands;
