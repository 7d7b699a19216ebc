//! `[ask]` in `bot.toml`: whether `/papers ask` answers (it needs `[summaries]`, whose model
//! answers), how many questions a person and a server may ask a day, the day's token budget for
//! all questions together, and how much of the paper and of the conversation a question carries.
//!
//! The defaults keep one busy server's day under a stated budget: a question carries at most
//! about 10,000 tokens of paper (40,000 characters), about 1,500 of earlier questions and
//! answers and the question itself, and at most 1,000 tokens of answer: ~12,500 tokens, so a
//! server's 100 questions are at most ~1.25M tokens, and the whole bot's questions stop at 2M a
//! day whatever the number of servers.

use serde::Deserialize;

use super::caps::Limits;
use crate::config::error::{invalid, ConfigError};

/// The section as written; every key has a default, so `[ask]` may be left out.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct RawAsk {
    enabled: bool,
    max_per_person_per_day: u32,
    max_per_server_per_day: u32,
    max_tokens_per_day: u64,
    max_paper_chars: usize,
    max_answer_tokens: u32,
    follow_ups: usize,
}

impl Default for RawAsk {
    fn default() -> Self {
        RawAsk {
            enabled: true,
            max_per_person_per_day: 10,
            max_per_server_per_day: 100,
            max_tokens_per_day: 2_000_000,
            max_paper_chars: 40_000,
            max_answer_tokens: 1_000,
            follow_ups: 3,
        }
    }
}

/// Validated `[ask]`.
#[derive(Debug, Clone, PartialEq)]
pub struct AskConfig {
    /// `false`: `/papers ask` says questions are off, even with a model.
    pub enabled: bool,
    pub limits: Limits,
    /// The paper's text is cut to this many characters before it is sent.
    pub max_paper_chars: usize,
    /// The answer's budget (raised by the model client where reasoning needs more).
    pub max_answer_tokens: u32,
    /// Earlier questions and answers of the thread a follow-up carries.
    pub follow_ups: usize,
}

impl Default for AskConfig {
    fn default() -> Self {
        RawAsk::default()
            .validate()
            .expect("the defaults are valid")
    }
}

impl RawAsk {
    /// Checks every key, naming it in the error.
    pub(crate) fn validate(self) -> Result<AskConfig, ConfigError> {
        if !(1..=1_000).contains(&self.max_per_person_per_day) {
            return Err(invalid(
                "ask.max_per_person_per_day",
                "must be between 1 and 1000 (set `enabled = false` to turn questions off)",
            ));
        }
        if !(1..=1_000_000).contains(&self.max_per_server_per_day) {
            return Err(invalid(
                "ask.max_per_server_per_day",
                "must be between 1 and 1000000",
            ));
        }
        if self.max_tokens_per_day < 10_000 {
            return Err(invalid(
                "ask.max_tokens_per_day",
                "must be at least 10000 (one question can take that much)",
            ));
        }
        if !(1_000..=1_000_000).contains(&self.max_paper_chars) {
            return Err(invalid(
                "ask.max_paper_chars",
                "must be between 1000 and 1000000",
            ));
        }
        if !(100..=16_000).contains(&self.max_answer_tokens) {
            return Err(invalid(
                "ask.max_answer_tokens",
                "must be between 100 and 16000",
            ));
        }
        if self.follow_ups > 10 {
            return Err(invalid("ask.follow_ups", "must be between 0 and 10"));
        }
        Ok(AskConfig {
            enabled: self.enabled,
            limits: Limits {
                per_person: self.max_per_person_per_day,
                per_server: self.max_per_server_per_day,
                tokens: self.max_tokens_per_day,
            },
            max_paper_chars: self.max_paper_chars,
            max_answer_tokens: self.max_answer_tokens,
            follow_ups: self.follow_ups,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<AskConfig, ConfigError> {
        let raw: RawAsk = toml::from_str(text).unwrap();
        raw.validate()
    }

    #[test]
    fn defaults_and_overrides() {
        let d = parse("").unwrap();
        assert_eq!(d, AskConfig::default());
        assert!(d.enabled);
        assert_eq!(
            d.limits,
            Limits {
                per_person: 10,
                per_server: 100,
                tokens: 2_000_000
            }
        );
        assert_eq!(
            (d.max_paper_chars, d.max_answer_tokens, d.follow_ups),
            (40_000, 1_000, 3)
        );
        let c = parse("max_per_person_per_day = 2\nmax_per_server_per_day = 3\nenabled = false\n")
            .unwrap();
        assert_eq!((c.limits.per_person, c.limits.per_server), (2, 3));
        assert!(!c.enabled);
    }

    #[test]
    fn bad_values_name_their_key() {
        for (text, key) in [
            ("max_per_person_per_day = 0", "ask.max_per_person_per_day"),
            ("max_per_server_per_day = 0", "ask.max_per_server_per_day"),
            ("max_tokens_per_day = 5", "ask.max_tokens_per_day"),
            ("max_paper_chars = 10", "ask.max_paper_chars"),
            ("max_answer_tokens = 20", "ask.max_answer_tokens"),
            ("follow_ups = 50", "ask.follow_ups"),
        ] {
            let e = parse(text).unwrap_err().to_string();
            assert!(e.contains(key), "{text}: {e}");
        }
        assert!(toml::from_str::<RawAsk>("max_questions = 3").is_err());
    }
}
