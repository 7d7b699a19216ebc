//! `[summaries]` in `bot.toml`: which model writes the bullets, in which language by default,
//! from what, and the limits that keep a mistake from running up a bill. Without the section
//! nothing is summarised and the bot behaves as it always has.

use std::fmt;
use std::time::Duration;

use serde::Deserialize;

use crate::config::error::ConfigError;

/// The section as written; every key but `base_url` and `model` has a default.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct RawSummaries {
    base_url: Option<String>,
    model: Option<String>,
    language: String,
    input: String,
    wait_minutes: u64,
    timeout_seconds: u64,
    concurrency: usize,
    max_papers_per_day: u32,
    max_tokens_per_day: u64,
    max_input_chars: usize,
    max_output_tokens: u32,
    temperature: Option<f64>,
    arxiv_base: String,
    arxiv_interval_ms: u64,
    embedding_model: Option<String>,
}

impl Default for RawSummaries {
    fn default() -> Self {
        RawSummaries {
            base_url: None,
            model: None,
            language: DEFAULT_LANGUAGE.into(),
            input: "full-text".into(),
            wait_minutes: 30,
            timeout_seconds: 120,
            concurrency: 4,
            max_papers_per_day: 300,
            max_tokens_per_day: 5_000_000,
            max_input_chars: 48_000,
            max_output_tokens: 1_500,
            temperature: None,
            arxiv_base: DEFAULT_ARXIV_BASE.into(),
            arxiv_interval_ms: 3_000,
            embedding_model: None,
        }
    }
}

pub const DEFAULT_LANGUAGE: &str = "ko";
pub const DEFAULT_ARXIV_BASE: &str = "https://arxiv.org";
/// The environment variables the key is read from, in order: the bot's own name first, so an
/// operator can give the bot a key other than the one their shell has for other tools.
pub const API_KEY_VARS: [&str; 2] = ["PAPERBOY_SUMMARIES_API_KEY", "OPENAI_API_KEY"];

/// What an operator without `[summaries]` is told (at start-up and by `paperboy status`): what
/// the posts carry, and the one section that changes it.
pub const OFF: &str = "off: posts carry the digest's own bullets (the Korean digest's Korean \
    summaries for the days it has, Hugging Face's one-line English summary for the others); \
    add a [summaries] section with base_url and model to bot.toml to have a model write them, \
    in each reader's language";

/// What the model reads besides title and abstract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// arXiv's HTML rendering, else the PDF's text, else the abstract (the default).
    FullText,
    /// Title and abstract only: cheaper, and no request to arXiv beyond the abstract page.
    Abstract,
}

/// The endpoint's API key. Only ever read from the environment; its `Debug` never shows it, so
/// a logged config or error cannot leak it.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    pub fn new(value: impl Into<String>) -> ApiKey {
        ApiKey(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The first of [`API_KEY_VARS`] that is set and not blank; `None` is fine for a local
    /// server (Ollama, llama.cpp) that wants no key.
    pub fn from_env() -> Option<ApiKey> {
        API_KEY_VARS
            .iter()
            .filter_map(|k| std::env::var(k).ok())
            .map(|v| v.trim().to_string())
            .find(|v| !v.is_empty())
            .map(ApiKey)
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

/// Validated `[summaries]`.
#[derive(Debug, Clone)]
pub struct SummariesConfig {
    /// The OpenAI-compatible API's base, up to and including `/v1`, without a trailing slash.
    pub base_url: String,
    pub model: String,
    pub api_key: Option<ApiKey>,
    /// The language of channels and people that chose none (a code like `ko`, `en`).
    pub language: String,
    pub input: Input,
    /// The longest a post waits for missing summaries after it is due.
    pub wait: Duration,
    /// One request to the model.
    pub timeout: Duration,
    /// Papers summarised at once.
    pub concurrency: usize,
    /// Per UTC day: papers summarised (each language counts) and tokens spent (in + out).
    pub max_papers_per_day: u32,
    pub max_tokens_per_day: u64,
    /// The paper's text is cut to this many characters before it is sent.
    pub max_input_chars: usize,
    pub max_output_tokens: u32,
    /// Sent only when set: today's reasoning models refuse any but their own, and the others'
    /// defaults are fine for summaries.
    pub temperature: Option<f64>,
    /// arXiv's base URL (tests point it at a fake) and the pause between two requests to it.
    pub arxiv_base: String,
    pub arxiv_interval: Duration,
    /// "For you": the model at the same endpoint whose embeddings (`/embeddings`) compare
    /// papers with people's reading lists; `None`: the embedded lexical similarity.
    pub embedding_model: Option<String>,
}

fn invalid(key: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key,
        reason: reason.into(),
    }
}

fn http_url(key: &'static str, url: &str) -> Result<String, ConfigError> {
    let url = url.trim();
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(invalid(key, format!("`{url}` is not an http(s) URL")));
    }
    Ok(url.trim_end_matches('/').to_string())
}

/// Whether `code` is a language code the bot stores (see [`crate::language::Language`]).
pub fn valid_language(code: &str) -> bool {
    crate::language::Language::parse(code).is_ok()
}

impl RawSummaries {
    /// Checks every key, naming it in the error; the key itself comes from the environment.
    pub(crate) fn validate(self, api_key: Option<ApiKey>) -> Result<SummariesConfig, ConfigError> {
        let base_url = self.base_url.as_deref().ok_or_else(|| {
            invalid(
                "summaries.base_url",
                "is required: the OpenAI-compatible API to use, e.g. \"https://api.openai.com/v1\" \
                 or a local Ollama's \"http://127.0.0.1:11434/v1\" (remove [summaries] to turn \
                 summaries off)",
            )
        })?;
        let base_url = http_url("summaries.base_url", base_url)?;
        let model = self
            .model
            .as_deref()
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .ok_or_else(|| {
                invalid(
                    "summaries.model",
                    "is required: the model's name at that endpoint, e.g. \"gpt-4o-mini\" or \"qwen2.5:14b\"",
                )
            })?
            .to_string();
        if model.chars().count() > 100 || model.chars().any(char::is_control) {
            return Err(invalid(
                "summaries.model",
                "must be one line of at most 100 characters",
            ));
        }
        let language = crate::language::Language::parse(&self.language).map_err(|_| {
            invalid(
                "summaries.language",
                format!(
                    "`{}` is not a language code: write e.g. \"ko\", \"en\" or \"pt-BR\"",
                    self.language
                ),
            )
        })?;
        let input = match self.input.as_str() {
            "full-text" => Input::FullText,
            "abstract" => Input::Abstract,
            other => {
                return Err(invalid(
                    "summaries.input",
                    format!("`{other}` is not one of \"full-text\", \"abstract\""),
                ))
            }
        };
        if self.wait_minutes > 24 * 60 {
            return Err(invalid(
                "summaries.wait_minutes",
                "must be at most 1440 (a day)",
            ));
        }
        if !(1..=3600).contains(&self.timeout_seconds) {
            return Err(invalid(
                "summaries.timeout_seconds",
                "must be between 1 and 3600",
            ));
        }
        if !(1..=64).contains(&self.concurrency) {
            return Err(invalid("summaries.concurrency", "must be between 1 and 64"));
        }
        if self.max_papers_per_day == 0 {
            return Err(invalid(
                "summaries.max_papers_per_day",
                "must be at least 1 (remove [summaries] to turn summaries off)",
            ));
        }
        if self.max_tokens_per_day < 1_000 {
            return Err(invalid(
                "summaries.max_tokens_per_day",
                "must be at least 1000",
            ));
        }
        if !(1_000..=1_000_000).contains(&self.max_input_chars) {
            return Err(invalid(
                "summaries.max_input_chars",
                "must be between 1000 and 1000000",
            ));
        }
        if !(200..=32_000).contains(&self.max_output_tokens) {
            return Err(invalid(
                "summaries.max_output_tokens",
                "must be between 200 and 32000",
            ));
        }
        if let Some(t) = self.temperature {
            if !(0.0..=2.0).contains(&t) {
                return Err(invalid(
                    "summaries.temperature",
                    "must be between 0 and 2 (or left out: most models do best at their default)",
                ));
            }
        }
        let arxiv_base = http_url("summaries.arxiv_base", &self.arxiv_base)?;
        let embedding_model = match self.embedding_model.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(m) if m.chars().count() > 100 || m.chars().any(char::is_control) => {
                return Err(invalid(
                    "summaries.embedding_model",
                    "must be one line of at most 100 characters, e.g. \"text-embedding-3-small\" \
                     or \"nomic-embed-text\"",
                ))
            }
            Some(m) => Some(m.to_string()),
        };
        Ok(SummariesConfig {
            base_url,
            model,
            api_key,
            language: language.code().to_string(),
            input,
            wait: Duration::from_secs(self.wait_minutes * 60),
            timeout: Duration::from_secs(self.timeout_seconds),
            concurrency: self.concurrency,
            max_papers_per_day: self.max_papers_per_day,
            max_tokens_per_day: self.max_tokens_per_day,
            max_input_chars: self.max_input_chars,
            max_output_tokens: self.max_output_tokens,
            temperature: self.temperature,
            arxiv_base,
            arxiv_interval: Duration::from_millis(self.arxiv_interval_ms),
            embedding_model,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use std::path::Path;

    fn load(text: &str) -> Result<Config, ConfigError> {
        Config::from_toml(text, Path::new("/etc/paperboy"))
    }

    #[test]
    fn an_embedding_model_is_one_line() {
        let base = "[summaries]\nbase_url = \"http://x/v1\"\nmodel = \"m\"\n";
        let cfg = load(&format!(
            "{base}embedding_model = \" text-embedding-3-small \"\n"
        ))
        .unwrap()
        .summaries
        .unwrap();
        assert_eq!(
            cfg.embedding_model.as_deref(),
            Some("text-embedding-3-small")
        );
        let blank = load(&format!("{base}embedding_model = \"\"\n")).unwrap();
        assert_eq!(blank.summaries.unwrap().embedding_model, None);
        let err = load(&format!("{base}embedding_model = \"a\\nb\"\n")).unwrap_err();
        assert!(
            err.to_string().contains("summaries.embedding_model"),
            "{err}"
        );
    }

    #[test]
    fn without_the_section_nothing_is_summarised() {
        assert!(load("").unwrap().summaries.is_none());
    }

    #[test]
    fn the_section_takes_its_defaults() {
        let cfg = load(
            "[summaries]\nbase_url = \"http://127.0.0.1:11434/v1/\"\nmodel = \"qwen2.5:14b\"\n",
        )
        .unwrap()
        .summaries
        .unwrap();
        assert_eq!(cfg.base_url, "http://127.0.0.1:11434/v1");
        assert_eq!(cfg.language, "ko");
        assert_eq!(cfg.input, Input::FullText);
        assert_eq!(cfg.wait, Duration::from_secs(30 * 60));
        assert_eq!(cfg.arxiv_interval, Duration::from_secs(3));
        assert_eq!(cfg.arxiv_base, "https://arxiv.org");
        assert_eq!(cfg.temperature, None, "no temperature unless asked for");
        assert_eq!(
            cfg.embedding_model, None,
            "the lexical similarity unless asked for"
        );
        let cfg =
            load("[summaries]\nbase_url = \"http://x/v1\"\nmodel = \"m\"\ntemperature = 0.2\n")
                .unwrap()
                .summaries
                .unwrap();
        assert_eq!(cfg.temperature, Some(0.2));
    }

    #[test]
    fn mistakes_name_their_key() {
        for (text, key) in [
            ("model = \"m\"", "summaries.base_url"),
            (
                "base_url = \"ftp://x\"\nmodel = \"m\"",
                "summaries.base_url",
            ),
            ("base_url = \"http://x/v1\"", "summaries.model"),
            (
                "base_url = \"http://x/v1\"\nmodel = \"m\"\nlanguage = \"Korean\"",
                "summaries.language",
            ),
            (
                "base_url = \"http://x/v1\"\nmodel = \"m\"\ninput = \"pdf\"",
                "summaries.input",
            ),
            (
                "base_url = \"http://x/v1\"\nmodel = \"m\"\nconcurrency = 0",
                "summaries.concurrency",
            ),
            (
                "base_url = \"http://x/v1\"\nmodel = \"m\"\nmax_papers_per_day = 0",
                "summaries.max_papers_per_day",
            ),
            (
                "base_url = \"http://x/v1\"\nmodel = \"m\"\nwait_minutes = 5000",
                "summaries.wait_minutes",
            ),
            (
                "base_url = \"http://x/v1\"\nmodel = \"m\"\ntemperature = 2.5",
                "summaries.temperature",
            ),
            (
                "base_url = \"http://x/v1\"\nmodel = \"m\"\ntemperature = -1",
                "summaries.temperature",
            ),
        ] {
            let e = load(&format!("[summaries]\n{text}\n"))
                .unwrap_err()
                .to_string();
            assert!(e.contains(key), "{text}: {e}");
        }
        assert!(
            load("[summaries]\nbase_url = \"http://x/v1\"\nmodel = \"m\"\ncolour = 1\n").is_err()
        );
    }

    #[test]
    fn the_key_never_shows_in_debug_output() {
        let raw = RawSummaries {
            base_url: Some("http://x/v1".into()),
            model: Some("m".into()),
            ..RawSummaries::default()
        };
        let cfg = raw.validate(Some(ApiKey::new("sk-very-secret"))).unwrap();
        let shown = format!("{cfg:?}");
        assert!(!shown.contains("sk-very-secret"), "{shown}");
        assert!(shown.contains("ApiKey(<redacted>)"), "{shown}");
    }

    #[test]
    fn language_codes() {
        for ok in ["ko", "en", "pt-BR", "zh-Hans", "fil"] {
            assert!(valid_language(ok), "{ok}");
        }
        for bad in ["", "K", "Korean", "ko-", "ko-KR-x"] {
            assert!(!valid_language(bad), "{bad}");
        }
    }
}
