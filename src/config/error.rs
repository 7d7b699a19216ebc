//! What can be wrong with a configuration, always naming the key, so the operator knows what to
//! fix. Its own leaf so that each section's parser (e.g. `[summaries]` in
//! [`crate::summaries::config`]) reports through it without depending on the whole config.

/// A configuration problem, always naming the key so the operator knows what to fix.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("config file {path} is not valid TOML: {reason}")]
    Parse { path: String, reason: String },
    #[error("config key `{key}`: {reason}")]
    Invalid { key: &'static str, reason: String },
    #[error("the DISCORD_TOKEN environment variable is not set: create a bot at https://discord.com/developers/applications, copy its token and run `DISCORD_TOKEN=... paperboy run` (or try `paperboy preview` first, which needs no token)")]
    MissingToken,
}

pub fn invalid(key: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key,
        reason: reason.into(),
    }
}
