//! What the bot learned about one endpoint and model from its refusals: which parameters it
//! does not take, how structured output can be asked for, which schema keywords it refuses,
//! and how much room its reasoning needs. Pure; stored as JSON per endpoint and model
//! (`store::model_settings`), so a restart or another process never pays for a lesson twice.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

/// How an answer in JSON is asked for, from the best to the last resort.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JsonMode {
    /// `response_format: {"type": "json_schema", ...}`: the endpoint holds the model to the shape.
    #[default]
    Schema,
    /// `response_format: {"type": "json_object"}`: valid JSON, the shape asked for in the prompt.
    JsonObject,
    /// No `response_format`: JSON and its shape asked for in the prompt only.
    Prompt,
}

impl JsonMode {
    pub fn as_str(self) -> &'static str {
        match self {
            JsonMode::Schema => "JSON schema",
            JsonMode::JsonObject => "JSON mode (json_object)",
            JsonMode::Prompt => "JSON asked for in the prompt",
        }
    }

    /// The next mode down after this one was refused.
    pub fn fallback(self) -> Option<JsonMode> {
        match self {
            JsonMode::Schema => Some(JsonMode::JsonObject),
            JsonMode::JsonObject => Some(JsonMode::Prompt),
            JsonMode::Prompt => None,
        }
    }
}

/// The parameters a refusal can take away: the request is still meaningful without them.
pub const DROPPABLE: [&str; 4] = [
    "temperature",
    "reasoning_effort",
    "max_completion_tokens",
    "max_tokens",
];

/// The settings of one endpoint and model. The default is what a request carries before anything
/// was learned.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Learned {
    /// Request parameters the endpoint refused (names from [`DROPPABLE`]).
    pub refused: BTreeSet<String>,
    pub json: JsonMode,
    /// JSON-schema keywords the endpoint refused, taken out of every schema sent.
    pub dropped_keywords: BTreeSet<String>,
    /// The least output budget that left room for the model's reasoning (0: none learned).
    pub min_output_tokens: u32,
}

impl Learned {
    pub fn takes(&self, param: &str) -> bool {
        !self.refused.contains(param)
    }

    /// The name the output budget is sent under: `max_completion_tokens` (OpenAI's current
    /// name, which its reasoning models require), else `max_tokens` (Mistral and older
    /// servers), else none.
    pub fn token_param(&self) -> Option<&'static str> {
        ["max_completion_tokens", "max_tokens"]
            .into_iter()
            .find(|p| self.takes(p))
    }

    /// Takes in what another process learned: lessons only ever add up.
    pub fn merge(&mut self, other: &Learned) {
        self.refused.extend(other.refused.iter().cloned());
        self.dropped_keywords
            .extend(other.dropped_keywords.iter().cloned());
        self.json = self.json.max(other.json);
        self.min_output_tokens = self.min_output_tokens.max(other.min_output_tokens);
    }

    /// Whether anything differs from a fresh endpoint.
    pub fn is_default(&self) -> bool {
        *self == Learned::default()
    }

    /// One line for operators (`paperboy status`, `summarize --check`).
    pub fn describe(&self) -> String {
        let mut parts = vec![format!("structured output: {}", self.json.as_str())];
        if !self.refused.is_empty() {
            let names: Vec<&str> = self.refused.iter().map(String::as_str).collect();
            parts.push(format!("not sent: {}", names.join(", ")));
        }
        if !self.dropped_keywords.is_empty() {
            let names: Vec<&str> = self.dropped_keywords.iter().map(String::as_str).collect();
            parts.push(format!("schema without: {}", names.join(", ")));
        }
        if self.min_output_tokens > 0 {
            parts.push(format!(
                "output budget at least {} tokens",
                self.min_output_tokens
            ));
        }
        parts.join("; ")
    }
}

/// One thing learned, said once in the log and by `summarize --check`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lesson {
    /// A parameter is not sent any more.
    Dropped(String),
    /// Structured output is asked for another way.
    Mode(JsonMode),
    /// A schema keyword is taken out of the schema.
    Keyword(String),
    /// The output budget is raised (reasoning used up the smaller one).
    Budget(u32),
}

impl std::fmt::Display for Lesson {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Lesson::Dropped(p) => write!(f, "`{p}` refused: no longer sent"),
            Lesson::Mode(m) => write!(f, "structured output refused: now {}", m.as_str()),
            Lesson::Keyword(k) => write!(f, "schema keyword `{k}` refused: taken out"),
            Lesson::Budget(n) => write!(
                f,
                "reasoning used the whole output budget: at least {n} tokens from now on"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_goes_by_the_name_the_endpoint_takes() {
        let mut l = Learned::default();
        assert_eq!(l.token_param(), Some("max_completion_tokens"));
        l.refused.insert("max_completion_tokens".into());
        assert_eq!(l.token_param(), Some("max_tokens"));
        l.refused.insert("max_tokens".into());
        assert_eq!(l.token_param(), None);
    }

    #[test]
    fn settings_survive_storage_and_old_rows_read_as_defaults() {
        let mut l = Learned::default();
        l.refused.insert("temperature".into());
        l.json = JsonMode::JsonObject;
        l.dropped_keywords.insert("minItems".into());
        l.min_output_tokens = 6000;
        let text = serde_json::to_string(&l).unwrap();
        assert_eq!(serde_json::from_str::<Learned>(&text).unwrap(), l);
        // A row written before a field existed reads with that field's default.
        assert_eq!(
            serde_json::from_str::<Learned>(r#"{"json": "prompt"}"#).unwrap(),
            Learned {
                json: JsonMode::Prompt,
                ..Learned::default()
            }
        );
        assert!(
            l.describe().contains("not sent: temperature"),
            "{}",
            l.describe()
        );
        assert_eq!(JsonMode::Schema.fallback(), Some(JsonMode::JsonObject));
        // Another process's lessons add to these, never undo them.
        let mut other = Learned::default();
        other.refused.insert("reasoning_effort".into());
        other.min_output_tokens = 100;
        let mut merged = l.clone();
        merged.merge(&other);
        assert_eq!(merged.refused.len(), 2);
        assert_eq!(
            (merged.json, merged.min_output_tokens),
            (JsonMode::JsonObject, 6000)
        );
        assert_eq!(JsonMode::Prompt.fallback(), None);
    }
}
