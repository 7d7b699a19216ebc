//! What a refused request refuses, read from the error body whatever its shape, pure. Every
//! OpenAI-compatible server says it its own way:
//! - OpenAI: `{"error": {"message", "type", "param": "temperature", "code": "unsupported_value"}}`;
//! - Mistral (FastAPI/pydantic): `{"detail": [{"type": "extra_forbidden", "loc": ["body",
//!   "max_completion_tokens"], "msg": "Extra inputs are not permitted"}]}`, also wrapped as
//!   `{"object": "error", "message": {"detail": [...]}}` or with that JSON as a string;
//! - Gemini: a JSON array, `[{"error": {"code": 400, "message": "Invalid JSON payload received.
//!   Unknown name \"additionalProperties\" at 'generation_config.response_schema': Cannot find
//!   field.", "status": "INVALID_ARGUMENT"}}]`;
//! - LM Studio: a bare string, `{"error": "'response_format.type' must be 'json_schema' or 'text'"}`;
//! - OpenRouter: the upstream's own body as a string in `error.metadata.raw`;
//! - vLLM (older): the error at the top, `{"object": "error", "message", "type", "code": 400}`;
//! - DeepSeek, Groq: a message only ("This response_format type is unavailable now",
//!   "minItems is not supported", "`reasoning_effort` is not supported with this model").

use serde_json::Value;

use super::learned::DROPPABLE;

/// One thing a refusal names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// A request parameter (`temperature`, `max_completion_tokens`, …).
    Param(String),
    /// The way structured output was asked for (`response_format`).
    ResponseFormat,
    /// A keyword of the JSON schema (`minItems`, `pattern`, …).
    SchemaKeyword(String),
    /// Nothing the bot can change.
    Unknown,
}

/// A refusal read: what it names, and the provider's own words (for the operator).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub refused: Vec<Refused>,
    pub message: String,
}

/// The longest provider message kept (logs, status, `/healthz`).
const MAX_MESSAGE: usize = 400;

/// JSON-schema keywords a server may refuse. Structural ones (`type`, `properties`, `items`,
/// `required`) are not here: a schema without them says nothing.
const SCHEMA_KEYWORDS: [&str; 18] = [
    "minItems",
    "maxItems",
    "minLength",
    "maxLength",
    "pattern",
    "format",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "additionalProperties",
    "uniqueItems",
    "minProperties",
    "maxProperties",
    "propertyNames",
    "const",
    "enum",
];

/// What the error body of a refused request says.
#[derive(Debug, Default)]
struct Said {
    messages: Vec<String>,
    param: Option<String>,
    /// Parameters a pydantic `extra_forbidden` names (`loc: ["body", name]`).
    extra: Vec<String>,
}

/// Reads the error body `body` of a refused request.
pub fn read_refusal(body: &[u8]) -> Refusal {
    let mut said = Said::default();
    match serde_json::from_slice::<Value>(body) {
        Ok(v) => gather(&v, &mut said, 0),
        Err(_) => {
            let text = String::from_utf8_lossy(body).trim().to_string();
            if !text.is_empty() {
                said.messages.push(text);
            }
        }
    }
    // The innermost words are the upstream's own: OpenRouter's "Provider returned error" is
    // not worth showing when the provider's message is there.
    let message = said
        .messages
        .iter()
        .rev()
        .find(|m| !m.trim().is_empty())
        .cloned()
        .unwrap_or_else(|| "no message".into());
    let message = cap(&message);
    let mut refused: Vec<Refused> = said
        .extra
        .iter()
        .map(|p| Refused::Param(p.clone()))
        .collect();
    if refused.is_empty() {
        refused = classify(said.param.as_deref(), &said.messages.join("\n"));
    }
    Refusal { refused, message }
}

/// The provider's message in an error body, if it has one (for answers that are not refusals:
/// a 5xx, a 200 carrying an error).
pub fn error_message(body: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let mut said = Said::default();
    gather(&v, &mut said, 0);
    said.messages
        .into_iter()
        .rev()
        .find(|m| !m.is_empty())
        .map(|m| cap(&m))
}

fn cap(text: &str) -> String {
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let one_line = one_line.split_whitespace().collect::<Vec<_>>().join(" ");
    match one_line.char_indices().nth(MAX_MESSAGE) {
        Some((end, _)) => format!("{}…", &one_line[..end]),
        None => one_line,
    }
}

fn gather(v: &Value, said: &mut Said, depth: usize) {
    if depth > 6 {
        return;
    }
    match v {
        Value::Array(items) => {
            for item in items.iter().take(8) {
                gather(item, said, depth + 1);
            }
        }
        Value::String(s) => {
            // A message that is itself JSON (Mistral's, OpenRouter's `raw`) is read as JSON.
            match serde_json::from_str::<Value>(s) {
                Ok(inner @ (Value::Object(_) | Value::Array(_))) => gather(&inner, said, depth + 1),
                _ => said.messages.push(s.clone()),
            }
        }
        Value::Object(map) => {
            if let Some(Value::Array(details)) = map.get("detail") {
                for d in details {
                    let loc: Vec<&str> = d["loc"]
                        .as_array()
                        .map(|l| l.iter().filter_map(Value::as_str).collect())
                        .unwrap_or_default();
                    if d["type"] == "extra_forbidden" && loc.len() == 2 && loc[0] == "body" {
                        said.extra.push(loc[1].to_string());
                    }
                    if let Some(msg) = d["msg"].as_str() {
                        said.messages.push(if loc.is_empty() {
                            msg.to_string()
                        } else {
                            format!("{}: {msg}", loc.join("."))
                        });
                    }
                }
            } else if let Some(Value::String(d)) = map.get("detail") {
                said.messages.push(d.clone());
            }
            if let Some(p) = map.get("param").and_then(Value::as_str) {
                said.param.get_or_insert_with(|| p.to_string());
            }
            for key in ["message", "error"] {
                if let Some(inner) = map.get(key) {
                    gather(inner, said, depth + 1);
                }
            }
            if let Some(raw) = map.get("metadata").and_then(|m| m.get("raw")) {
                let provider = map["metadata"]["provider_name"].as_str();
                let before = said.messages.len();
                gather(raw, said, depth + 1);
                let grew = said.messages.len() > before;
                if let (Some(p), Some(last), true) = (provider, said.messages.last_mut(), grew) {
                    *last = format!("{p}: {last}");
                }
            }
        }
        _ => {}
    }
}

/// The parameter names as servers spell them, to ours.
fn normalise_param(p: &str) -> String {
    match p {
        "reasoning.effort" | "reasoningEffort" => "reasoning_effort".into(),
        "maxTokens" => "max_tokens".into(),
        other => other.to_string(),
    }
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$'
}

/// Where `word` occurs in `text` as a whole word, first to last.
fn word_at(text: &str, word: &str) -> Vec<usize> {
    text.match_indices(word)
        .filter(|(i, _)| {
            let before = text[..*i].chars().next_back();
            let after = text[i + word.len()..].chars().next();
            !before.is_some_and(is_word) && !after.is_some_and(is_word)
        })
        .map(|(i, _)| i)
        .collect()
}

fn classify(param: Option<&str>, message: &str) -> Vec<Refused> {
    let lower = message.to_ascii_lowercase();
    let keywords = schema_keywords(message);
    if let Some(p) = param.filter(|p| !p.is_empty()) {
        if p.starts_with("response_format") {
            return if keywords.is_empty() {
                vec![Refused::ResponseFormat]
            } else {
                keywords
            };
        }
        return vec![Refused::Param(normalise_param(p))];
    }
    // Gemini: `Unknown name "x": Cannot find field.` is a parameter it does not know; `Unknown
    // name "x" at 'generation_config.response_schema…'` a schema keyword.
    let mut gemini = Vec::new();
    for (i, _) in message.match_indices("Unknown name \"") {
        let rest = &message[i + "Unknown name \"".len()..];
        let Some(end) = rest.find('"') else { continue };
        let name = &rest[..end];
        let after = &rest[end + 1..];
        let thing = if after.starts_with(" at '")
            && after[5..]
                .split('\'')
                .next()
                .is_some_and(|at| at.contains("response_schema") || at.contains("response_format"))
        {
            Refused::SchemaKeyword(name.to_string())
        } else if after.starts_with(" at ") {
            // A field deeper in something else (a message, a tool): not ours to drop.
            Refused::Unknown
        } else {
            Refused::Param(normalise_param(name))
        };
        if !gemini.contains(&thing) {
            gemini.push(thing);
        }
    }
    if !gemini.is_empty() {
        return gemini;
    }
    if !keywords.is_empty() {
        return keywords;
    }
    if lower.contains("think value") {
        // Ollama: `think value "low" is not supported for this model` is its name for
        // `reasoning_effort`.
        return vec![Refused::Param("reasoning_effort".into())];
    }
    // The first parameter named: "'max_tokens' is not supported … Use 'max_completion_tokens'
    // instead" refuses the first, not the one it recommends.
    let mut names: Vec<(usize, &str)> = DROPPABLE
        .iter()
        .chain(["reasoning.effort"].iter())
        .flat_map(|p| word_at(message, p).into_iter().map(move |i| (i, *p)))
        .collect();
    names.sort();
    if let Some((_, p)) = names.first() {
        return vec![Refused::Param(normalise_param(p))];
    }
    if [
        "response_format",
        "response format",
        "json_schema",
        "json schema",
        "json_object",
    ]
    .iter()
    .any(|w| lower.contains(w))
    {
        return vec![Refused::ResponseFormat];
    }
    vec![Refused::Unknown]
}

/// Schema keywords a message says are refused: `'minimum' is not permitted`, `minItems is not
/// supported`, "unsupported keyword `pattern`".
fn schema_keywords(message: &str) -> Vec<Refused> {
    let mut out = Vec::new();
    for k in SCHEMA_KEYWORDS {
        let refused = word_at(message, k).into_iter().any(|i| {
            let after = message[i + k.len()..]
                .trim_start_matches(['\'', '"', '`'])
                .to_ascii_lowercase();
            let before = message[..i]
                .trim_end_matches(['\'', '"', '`', ' '])
                .to_ascii_lowercase();
            after.starts_with(" is not")
                || after.starts_with(" not supported")
                || after.starts_with(" not permitted")
                || after.starts_with(" is unsupported")
                || before.ends_with("keyword")
                || before.ends_with("unsupported")
        });
        if refused {
            out.push(Refused::SchemaKeyword(k.to_string()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(body: &str) -> Refusal {
        read_refusal(body.as_bytes())
    }

    fn param(p: &str) -> Vec<Refused> {
        vec![Refused::Param(p.into())]
    }

    #[test]
    fn openai_names_the_parameter() {
        // BeehiveInnovations/pal-mcp-server#78, leafo/lua-openai#12
        let r = read(
            r#"{"error": {"message": "Unsupported value: 'temperature' does not support 0.2 with this model. Only the default (1) value is supported.", "type": "invalid_request_error", "param": "temperature", "code": "unsupported_value"}}"#,
        );
        assert_eq!(r.refused, param("temperature"));
        assert!(r.message.starts_with("Unsupported value: 'temperature'"));
        // ITSpecialist111/ai_automation_suggester#38
        let r = read(
            r#"{"error": {"message": "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.", "type": "invalid_request_error", "param": "max_tokens", "code": "unsupported_parameter"}}"#,
        );
        assert_eq!(r.refused, param("max_tokens"));
        // The same without `param` (a proxy that keeps only the message): the first name.
        let r = read(
            r#"{"error": {"message": "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.", "code": "invalid_request_body"}}"#,
        );
        assert_eq!(r.refused, param("max_tokens"));
        let r = read(
            r#"{"error": {"message": "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model.", "type": "invalid_request_error", "param": "response_format", "code": null}}"#,
        );
        assert_eq!(r.refused, vec![Refused::ResponseFormat]);
        // liam-hq/liam#1162: a strict schema's keyword.
        let r = read(
            r#"{"error":{"message":"Invalid schema for response_format 'review': In context=('properties', 'scores', 'items', 'properties', 'value'), 'minimum' is not permitted.","type":"invalid_request_error","param":"response_format","code":null}}"#,
        );
        assert_eq!(r.refused, vec![Refused::SchemaKeyword("minimum".into())]);
        // BoundaryML/baml#2708: the dotted spelling.
        let r = read(
            r#"{"error": {"message": "Unsupported parameter: 'reasoning.effort' is not supported with this model.", "type": "invalid_request_error", "param": "reasoning.effort", "code": "unsupported_parameter"}}"#,
        );
        assert_eq!(r.refused, param("reasoning_effort"));
    }

    #[test]
    fn mistral_pydantic_in_every_wrapping() {
        // openclaude#739: the bare FastAPI shape, two extra fields at once.
        let r = read(
            r#"{"detail":[{"type":"extra_forbidden","loc":["body","store"],"msg":"Extra inputs are not permitted","input":false},{"type":"extra_forbidden","loc":["body","max_completion_tokens"],"msg":"Extra inputs are not permitted","input":8192}]}"#,
        );
        assert_eq!(
            r.refused,
            vec![
                Refused::Param("store".into()),
                Refused::Param("max_completion_tokens".into())
            ]
        );
        assert_eq!(
            r.message,
            "body.max_completion_tokens: Extra inputs are not permitted"
        );
        // editor-code-assistant/eca#231: inside `message` as an object.
        let r = read(
            r#"{"object":"error","message":{"detail":[{"type":"extra_forbidden","loc":["body","max_completion_tokens"],"msg":"Extra inputs are not permitted","input":32000}]},"type":"invalid_request_error","param":null,"code":null}"#,
        );
        assert_eq!(r.refused, param("max_completion_tokens"));
        // mistralai/platform-docs-public#7: inside `message` as a string of JSON.
        let r = read(
            r#"{"object":"error","message":"{\"detail\":[{\"type\":\"extra_forbidden\",\"loc\":[\"body\",\"frequency_penalty\"],\"msg\":\"Extra inputs are not permitted\",\"input\":0.0}]}","type":"internal_error_proxy","param":null,"code":"1000"}"#,
        );
        assert_eq!(r.refused, param("frequency_penalty"));
    }

    #[test]
    fn gemini_answers_with_an_array_and_unknown_names() {
        // FuzzAnything/PromptFuzz#42
        let r = read(
            r#"[{"error": {"code": 400, "message": "Invalid JSON payload received. Unknown name \"web_search_options\": Cannot find field.", "status": "INVALID_ARGUMENT", "details": [{"@type": "type.googleapis.com/google.rpc.BadRequest", "fieldViolations": [{"description": "Invalid JSON payload received. Unknown name \"web_search_options\": Cannot find field."}]}]}}]"#,
        );
        assert_eq!(r.refused, param("web_search_options"));
        assert!(r.message.starts_with("Invalid JSON payload received."));
        // QuantumNous/new-api#1037: a keyword of the response schema, named twice.
        let r = read(
            r#"[{"error": {"code": 400, "message": "Invalid JSON payload received. Unknown name \"additionalProperties\" at 'generation_config.response_schema': Cannot find field.\nInvalid JSON payload received. Unknown name \"additionalProperties\" at 'generation_config.response_schema.properties[0].value.items': Cannot find field.", "status": "INVALID_ARGUMENT"}}]"#,
        );
        assert_eq!(
            r.refused,
            vec![Refused::SchemaKeyword("additionalProperties".into())]
        );
    }

    #[test]
    fn messages_alone_still_name_what_they_refuse() {
        // LoadShine/tada#16: LM Studio's bare string.
        let r = read(r#"{"error":"'response_format.type' must be 'json_schema' or 'text'"}"#);
        assert_eq!(r.refused, vec![Refused::ResponseFormat]);
        assert_eq!(
            r.message,
            "'response_format.type' must be 'json_schema' or 'text'"
        );
        // llm-exe/llm-exe#662: DeepSeek.
        let r = read(
            r#"{"error":{"message":"This response_format type is unavailable now","type":"invalid_request_error","param":null,"code":"invalid_request_error"}}"#,
        );
        assert_eq!(r.refused, vec![Refused::ResponseFormat]);
        // i-am-bee/beeai-framework#1215: Groq.
        let r = read(
            r#"{"error":{"message":"invalid schema for response format: response_format/json_schema/next_step: minItems is not supported","type":"invalid_request_error"}}"#,
        );
        assert_eq!(r.refused, vec![Refused::SchemaKeyword("minItems".into())]);
        // iamsrikanthnani/pluely#242, earendil-works/pi#1745: Groq.
        let r = read(
            r#"{"error":{"message":"`reasoning_effort` is not supported with this model","type":"invalid_request_error"}}"#,
        );
        assert_eq!(r.refused, param("reasoning_effort"));
        let r = read(
            r#"{"error":{"message":"reasoning_effort must be one of none or default","type":"invalid_request_error"}}"#,
        );
        assert_eq!(r.refused, param("reasoning_effort"));
        // ollama/ollama#12561
        let r = read(
            r#"{"error":{"message":"think value \"low\" is not supported for this model","type":"api_error","param":null,"code":null}}"#,
        );
        assert_eq!(r.refused, param("reasoning_effort"));
        // vllm-project/vllm#16880 and openai-agents-python#2129: vLLM's error at the top.
        let r = read(
            r#"{"object":"error","message":"The provided JSON schema contains features not supported by xgrammar.","type":"BadRequestError","param":null,"code":400}"#,
        );
        assert_eq!(r.refused, vec![Refused::ResponseFormat]);
        // What names nothing the bot sends.
        let r = read(
            r#"{"error":"No models loaded. Please load a model in the developer page or use the 'lms load' command."}"#,
        );
        assert_eq!(r.refused, vec![Refused::Unknown]);
        assert!(r.message.starts_with("No models loaded."));
        let r = read_refusal(b"<html>Bad Request</html>");
        assert_eq!(r.refused, vec![Refused::Unknown]);
        assert_eq!(r.message, "<html>Bad Request</html>");
    }

    #[test]
    fn openrouter_reads_the_upstreams_own_error() {
        // diegosouzapw/OmniRoute#3044, reVrost/go-openrouter#21
        let r = read(
            r#"{"error":{"message":"Provider returned error","code":400,"metadata":{"raw":"{\"error\":{\"message\":\"Unsupported value: 'temperature' does not support 0.2 with this model. Only the default (1) value is supported.\",\"type\":\"invalid_request_error\",\"param\":\"temperature\",\"code\":\"unsupported_value\"}}","provider_name":"OpenAI"}},"user_id":"user_1"}"#,
        );
        assert_eq!(r.refused, param("temperature"));
        assert!(
            r.message
                .starts_with("OpenAI: Unsupported value: 'temperature'"),
            "{}",
            r.message
        );
        // A plain-text `raw`.
        let r = read(
            r#"{"error":{"message":"Provider returned error","code":400,"metadata":{"raw":"minItems is not supported","provider_name":"Groq"}}}"#,
        );
        assert_eq!(r.refused, vec![Refused::SchemaKeyword("minItems".into())]);
        assert_eq!(r.message, "Groq: minItems is not supported");
    }

    #[test]
    fn words_are_whole_words() {
        assert_eq!(
            word_at("max_tokens and max_tokens_x", "max_tokens"),
            vec![0]
        );
        assert!(word_at("response_format", "format").is_empty());
        assert!(schema_keywords("response format: pattern is not supported").len() == 1);
        assert_eq!(
            error_message(br#"{"error": {"message": "The server had an error"}}"#),
            Some("The server had an error".into())
        );
        let long = format!(r#"{{"error": "{}"}}"#, "x".repeat(1000));
        assert_eq!(read(&long).message.chars().count(), MAX_MESSAGE + 1);
    }
}
