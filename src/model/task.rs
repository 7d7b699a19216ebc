//! What a caller asks the model for ([`ChatTask`]), and the request body it becomes at an
//! endpoint with what was learned about it ([`body`]). Pure: the same task and settings give the
//! same body. The body is built as JSON here rather than with a typed request: what an endpoint
//! refuses is taken out by name, and a parameter left out must be absent, not `null`.

use serde_json::{json, Map, Value};

use super::learned::{JsonMode, Learned};

/// Who says a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    System,
    User,
    Assistant,
}

impl Role {
    fn as_str(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub role: Role,
    pub content: String,
}

impl Message {
    pub fn system(content: impl Into<String>) -> Message {
        Message {
            role: Role::System,
            content: content.into(),
        }
    }

    pub fn user(content: impl Into<String>) -> Message {
        Message {
            role: Role::User,
            content: content.into(),
        }
    }
}

/// The answer wanted.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// Plain text (an answer to a question).
    Text,
    /// One JSON object of this schema. Where the endpoint does not hold the model to a schema,
    /// the schema is given in the system message instead.
    Json {
        name: String,
        description: String,
        schema: Value,
    },
}

/// How much a reasoning model should think before it answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effort {
    Low,
    Medium,
    High,
}

impl Effort {
    pub fn as_str(self) -> &'static str {
        match self {
            Effort::Low => "low",
            Effort::Medium => "medium",
            Effort::High => "high",
        }
    }
}

/// One request to the model, as the caller means it; [`body`] makes it what the endpoint takes.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatTask {
    pub messages: Vec<Message>,
    pub output: Output,
    /// The answer's budget in tokens (a reasoning model's thinking counts against it).
    pub max_output_tokens: u32,
    /// Sent only when set, and only while the endpoint takes it.
    pub temperature: Option<f64>,
    /// Sent while the endpoint takes it (`reasoning_effort`); `None` sends nothing.
    pub effort: Option<Effort>,
}

/// The most an output budget is ever raised to.
pub const MAX_BUDGET: u32 = 32_000;

/// The budget a request carries: the task's, or more where reasoning was learned to need it.
pub fn budget(task: &ChatTask, learned: &Learned) -> u32 {
    task.max_output_tokens.max(learned.min_output_tokens)
}

/// What one request carried, in words an operator reads (`summarize --check`).
#[derive(Debug, Clone, PartialEq)]
pub struct Sent {
    /// `None` for a plain-text task.
    pub mode: Option<JsonMode>,
    /// The name the budget went under and the budget (`None`: no limit sent).
    pub budget: Option<(&'static str, u32)>,
    pub temperature: Option<f64>,
    pub effort: Option<&'static str>,
}

/// What `task` sends at an endpoint with `learned`.
pub fn sent(task: &ChatTask, learned: &Learned) -> Sent {
    Sent {
        mode: match task.output {
            Output::Text => None,
            Output::Json { .. } => Some(learned.json),
        },
        budget: learned.token_param().map(|p| (p, budget(task, learned))),
        temperature: task.temperature.filter(|_| learned.takes("temperature")),
        effort: task
            .effort
            .filter(|_| learned.takes("reasoning_effort"))
            .map(Effort::as_str),
    }
}

/// The chat-completions body for `task` to `model`.
pub fn body(model: &str, task: &ChatTask, learned: &Learned) -> Value {
    let s = sent(task, learned);
    let mut messages: Vec<Message> = task.messages.clone();
    let mut out = Map::new();
    out.insert("model".into(), json!(model));
    if let Output::Json {
        name,
        description,
        schema,
    } = &task.output
    {
        let schema = without_keywords(schema, learned);
        match learned.json {
            JsonMode::Schema => {
                out.insert(
                    "response_format".into(),
                    json!({"type": "json_schema", "json_schema": {
                        "name": name, "description": description, "schema": schema, "strict": true
                    }}),
                );
            }
            mode => {
                if mode == JsonMode::JsonObject {
                    out.insert("response_format".into(), json!({"type": "json_object"}));
                }
                // The shape is only in the prompt now. (DeepSeek's JSON mode also wants the word
                // "json" in the messages; this says it.)
                let note = format!(
                    "Answer with one JSON object, nothing else, matching this JSON schema: {schema}"
                );
                match messages.iter_mut().find(|m| m.role == Role::System) {
                    Some(m) => {
                        m.content.push_str("\n\n");
                        m.content.push_str(&note);
                    }
                    None => messages.insert(0, Message::system(note)),
                }
            }
        }
    }
    out.insert(
        "messages".into(),
        Value::Array(
            messages
                .iter()
                .map(|m| json!({"role": m.role.as_str(), "content": m.content}))
                .collect(),
        ),
    );
    if let Some((name, n)) = s.budget {
        out.insert(name.into(), json!(n));
    }
    if let Some(t) = s.temperature {
        out.insert("temperature".into(), json!(t));
    }
    if let Some(e) = s.effort {
        out.insert("reasoning_effort".into(), json!(e));
    }
    Value::Object(out)
}

/// `schema` without the keywords the endpoint refused. Only keywords are taken out, never a
/// property that happens to share a keyword's name.
pub fn without_keywords(schema: &Value, learned: &Learned) -> Value {
    if learned.dropped_keywords.is_empty() {
        return schema.clone();
    }
    strip(schema, &|k| learned.dropped_keywords.contains(k))
}

fn strip(schema: &Value, drop: &dyn Fn(&str) -> bool) -> Value {
    let Value::Object(map) = schema else {
        return schema.clone();
    };
    let mut out = Map::new();
    for (k, v) in map {
        if drop(k) {
            continue;
        }
        let v = match k.as_str() {
            // Maps of name to schema: the names stay, their schemas are cleaned.
            "properties" | "$defs" | "definitions" | "patternProperties" => match v {
                Value::Object(props) => Value::Object(
                    props
                        .iter()
                        .map(|(name, s)| (name.clone(), strip(s, drop)))
                        .collect(),
                ),
                other => other.clone(),
            },
            "items" | "additionalProperties" | "not" | "contains" => strip(v, drop),
            "anyOf" | "oneOf" | "allOf" | "prefixItems" => match v {
                Value::Array(list) => Value::Array(list.iter().map(|s| strip(s, drop)).collect()),
                other => other.clone(),
            },
            _ => v.clone(),
        };
        out.insert(k.clone(), v);
    }
    Value::Object(out)
}

/// Whether `keyword` is used anywhere in `schema` as a keyword.
pub fn uses_keyword(schema: &Value, keyword: &str) -> bool {
    let stripped = strip(schema, &|k| k == keyword);
    stripped != *schema
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(output: Output) -> ChatTask {
        ChatTask {
            messages: vec![Message::system("Rules."), Message::user("The paper.")],
            output,
            max_output_tokens: 900,
            temperature: None,
            effort: Some(Effort::Low),
        }
    }

    fn json_task() -> ChatTask {
        task(Output::Json {
            name: "summary".into(),
            description: "Bullets".into(),
            schema: json!({"type": "object", "additionalProperties": false,
                "properties": {"pattern": {"type": "string", "pattern": "^a"},
                               "list": {"type": "array", "minItems": 2, "items": {"type": "string", "maxLength": 5}}}}),
        })
    }

    #[test]
    fn a_fresh_endpoint_gets_the_schema_the_budget_and_low_effort_and_no_temperature() {
        let b = body("m", &json_task(), &Learned::default());
        assert_eq!(b["model"], "m");
        assert_eq!(b["response_format"]["type"], "json_schema");
        assert_eq!(b["response_format"]["json_schema"]["name"], "summary");
        assert_eq!(b["max_completion_tokens"], 900);
        assert_eq!(b["reasoning_effort"], "low");
        assert!(b.get("temperature").is_none() && b.get("max_tokens").is_none());
        assert_eq!(
            b["messages"][0],
            json!({"role": "system", "content": "Rules."})
        );
        assert_eq!(b["messages"][1]["role"], "user");
        // A temperature is sent only when asked for.
        let mut t = json_task();
        t.temperature = Some(0.2);
        assert_eq!(body("m", &t, &Learned::default())["temperature"], 0.2);
    }

    #[test]
    fn what_was_learned_changes_the_body() {
        let mut l = Learned::default();
        l.refused
            .extend(["temperature", "reasoning_effort", "max_completion_tokens"].map(String::from));
        l.min_output_tokens = 4000;
        let mut t = json_task();
        t.temperature = Some(0.2);
        let b = body("m", &t, &l);
        assert_eq!(b["max_tokens"], 4000);
        assert!(b.get("temperature").is_none() && b.get("reasoning_effort").is_none());
        assert!(b.get("max_completion_tokens").is_none());

        l.json = JsonMode::JsonObject;
        let b = body("m", &t, &l);
        assert_eq!(b["response_format"], json!({"type": "json_object"}));
        let system = b["messages"][0]["content"].as_str().unwrap();
        assert!(
            system.starts_with("Rules.\n\nAnswer with one JSON object"),
            "{system}"
        );
        assert!(system.contains("\"minItems\":2"), "{system}");

        l.json = JsonMode::Prompt;
        let b = body("m", &t, &l);
        assert!(b.get("response_format").is_none());
        assert!(b["messages"][0]["content"]
            .as_str()
            .unwrap()
            .contains("JSON schema"));
    }

    #[test]
    fn refused_keywords_leave_the_schema_but_never_a_property_of_that_name() {
        let mut l = Learned::default();
        l.dropped_keywords
            .extend(["pattern", "minItems", "maxLength", "additionalProperties"].map(String::from));
        let Output::Json { schema, .. } = json_task().output else {
            unreachable!()
        };
        let s = without_keywords(&schema, &l);
        assert_eq!(
            s,
            json!({"type": "object", "properties": {
                "pattern": {"type": "string"},
                "list": {"type": "array", "items": {"type": "string"}}}})
        );
        assert!(uses_keyword(&schema, "minItems") && uses_keyword(&schema, "pattern"));
        assert!(!uses_keyword(&schema, "$schema"));
        assert_eq!(
            body("m", &json_task(), &l)["response_format"]["json_schema"]["schema"],
            s
        );
    }

    #[test]
    fn a_text_task_has_no_response_format() {
        let b = body("m", &task(Output::Text), &Learned::default());
        assert!(b.get("response_format").is_none());
        assert_eq!(b["messages"][0]["content"], "Rules.");
        assert_eq!(sent(&task(Output::Text), &Learned::default()).mode, None);
    }
}
