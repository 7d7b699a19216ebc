//! A reader's language: one setting per channel and per person that picks both the language the
//! summaries are written in and the words of the bot's posts and replies.
//!
//! It is a BCP 47 code rather than an enum of the languages the bot has catalogs for, because a
//! model can summarise in far more languages than paperboy has translations: a channel set to
//! `ja` gets Japanese summaries inside English chrome until someone adds `locales/ja/`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A language code: a 2–3 letter primary subtag, optionally a region or script
/// (`ko`, `en`, `pt-BR`, `zh-TW`, `es-419`, `sr-Latn`), normalised (`EN-us` → `en-US`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Language(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a language code (examples: ko, en, ja, pt-BR)")]
pub struct LanguageError(pub String);

impl Language {
    /// The language of the bot's words when nothing else is known, and of command names.
    pub fn english() -> Language {
        Language("en".to_string())
    }

    pub fn parse(code: &str) -> Result<Language, LanguageError> {
        let bad = || LanguageError(code.to_string());
        let mut parts = code.trim().split(['-', '_']);
        let primary = parts.next().ok_or_else(bad)?;
        if !(2..=3).contains(&primary.len()) || !primary.chars().all(|c| c.is_ascii_alphabetic()) {
            return Err(bad());
        }
        let mut out = primary.to_ascii_lowercase();
        if let Some(sub) = parts.next() {
            if !(2..=8).contains(&sub.len()) || !sub.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(bad());
            }
            out.push('-');
            match sub.len() {
                // A region: `US`, `BR`.
                2 => out.push_str(&sub.to_ascii_uppercase()),
                // A script: `Latn`, `Hant`.
                4 if sub.chars().all(|c| c.is_ascii_alphabetic()) => {
                    let mut chars = sub.chars();
                    out.extend(chars.next().map(|c| c.to_ascii_uppercase()));
                    out.extend(chars.map(|c| c.to_ascii_lowercase()));
                }
                // A numeric region (`419`) or anything else: as written.
                _ => out.push_str(sub),
            }
        }
        if parts.next().is_some() {
            return Err(bad());
        }
        Ok(Language(out))
    }

    /// The language of a Discord `locale` / `guild_locale` (`en-US`, `ko`, `zh-TW`, `es-419`).
    /// Discord's English locales say nothing about which English a reader wants summaries in, so
    /// they become plain `en`.
    pub fn from_discord_locale(locale: &str) -> Option<Language> {
        let lang = Language::parse(locale).ok()?;
        if lang.primary() == "en" {
            return Some(Language::english());
        }
        Some(lang)
    }

    pub fn code(&self) -> &str {
        &self.0
    }

    /// The primary subtag: `pt` for `pt-BR`.
    pub fn primary(&self) -> &str {
        self.0.split('-').next().unwrap_or(&self.0)
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Language {
    type Err = LanguageError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Language::parse(s)
    }
}

impl TryFrom<String> for Language {
    type Error = LanguageError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        Language::parse(&s)
    }
}

impl From<Language> for String {
    fn from(l: Language) -> String {
        l.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_normalised() {
        for (input, want) in [
            ("ko", "ko"),
            ("KO", "ko"),
            ("en-us", "en-US"),
            ("pt_BR", "pt-BR"),
            ("zh-hant", "zh-Hant"),
            ("es-419", "es-419"),
            (" ja ", "ja"),
            ("fil", "fil"),
        ] {
            assert_eq!(Language::parse(input).unwrap().code(), want, "{input:?}");
        }
    }

    #[test]
    fn nonsense_is_refused_with_the_input_named() {
        for bad in [
            "", "k", "korean", "ko-", "ko-KR-x", "1a", "ko KR", "en-@@", "<@1>",
        ] {
            let err = Language::parse(bad).unwrap_err();
            assert_eq!(err.0, bad);
        }
    }

    #[test]
    fn discord_locales_map_to_languages() {
        assert_eq!(
            Language::from_discord_locale("en-US"),
            Some(Language::english())
        );
        assert_eq!(
            Language::from_discord_locale("en-GB"),
            Some(Language::english())
        );
        assert_eq!(Language::from_discord_locale("ko").unwrap().code(), "ko");
        assert_eq!(
            Language::from_discord_locale("zh-TW").unwrap().code(),
            "zh-TW"
        );
        assert_eq!(
            Language::from_discord_locale("es-419").unwrap().primary(),
            "es"
        );
        assert_eq!(Language::from_discord_locale("??"), None);
    }

    #[test]
    fn serde_round_trips_through_the_code() {
        let l: Language = serde_json::from_str("\"pt-br\"").unwrap();
        assert_eq!(serde_json::to_string(&l).unwrap(), "\"pt-BR\"");
        assert!(serde_json::from_str::<Language>("\"not a code\"").is_err());
    }
}
