//! Embeddings from the operator's endpoint (`POST {base_url}/embeddings`), for comparing papers
//! with people's reading lists: the request, and the answer read leniently.
//!
//! What servers do, from their documents and bug reports: OpenAI answers `{"object": "list",
//! "data": [{"object": "embedding", "index": i, "embedding": [...]}], "model", "usage":
//! {"prompt_tokens", "total_tokens"}}` and takes at most 2,048 inputs a request; Ollama's
//! `/v1/embeddings` leaves `usage` out (older versions) and answers an unknown model with a 404
//! whose `error` is a bare string; vLLM answers a model that does not embed with a 400 in its
//! own `{"object": "error", "message"}` shape; any of them may answer `data` out of order, which
//! `index` puts right. A vector that is empty, not numbers, or of another length than the
//! others makes the whole answer unusable: a wrong vector would silently mis-rank.

use serde_json::{json, Value};

use super::client::{ChatError, ModelClient};

/// Inputs sent in one request: far under every server's limit, and a failed request loses
/// little.
pub const MAX_INPUTS_PER_REQUEST: usize = 64;

/// The vectors of one request, in the order of its inputs.
#[derive(Debug, Clone, PartialEq)]
pub struct Embedded {
    pub vectors: Vec<Vec<f32>>,
    /// Tokens the endpoint counted (`usage.total_tokens`, else `prompt_tokens`; 0 when it says
    /// nothing).
    pub tokens: u64,
}

/// The request body for `inputs` (plain floats are every server's default: no
/// `encoding_format` is sent, which some refuse).
pub fn request(model: &str, inputs: &[String]) -> Value {
    json!({ "model": model, "input": inputs })
}

/// The vectors of an answer to a request of `expected` inputs (see the module docs).
pub fn read(body: &[u8], expected: usize) -> Result<Embedded, ChatError> {
    let bad = |why: String| ChatError::Malformed(why);
    let value: Value = serde_json::from_slice(body).map_err(|e| bad(format!("not JSON: {e}")))?;
    let data = value
        .get("data")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("no `data` list of embeddings".into()))?;
    if data.len() != expected {
        return Err(bad(format!(
            "{} embeddings for {expected} inputs",
            data.len()
        )));
    }
    let mut slots: Vec<Option<Vec<f32>>> = vec![None; expected];
    for (position, item) in data.iter().enumerate() {
        let index = match item.get("index") {
            None | Some(Value::Null) => position,
            Some(v) => v
                .as_u64()
                .map(|i| i as usize)
                .filter(|i| *i < expected)
                .ok_or_else(|| bad(format!("embedding index {v} out of range")))?,
        };
        let numbers = item
            .get("embedding")
            .and_then(Value::as_array)
            .ok_or_else(|| bad(format!("embedding {index} is not a list of numbers")))?;
        let vector: Option<Vec<f32>> = numbers
            .iter()
            .map(|n| n.as_f64().map(|x| x as f32).filter(|x| x.is_finite()))
            .collect();
        let vector = vector
            .filter(|v| !v.is_empty())
            .ok_or_else(|| bad(format!("embedding {index} is not a list of numbers")))?;
        if slots[index].replace(vector).is_some() {
            return Err(bad(format!("embedding {index} given twice")));
        }
    }
    let vectors: Vec<Vec<f32>> = slots.into_iter().flatten().collect();
    if vectors.len() != expected {
        return Err(bad("an input has no embedding".into()));
    }
    if vectors.iter().any(|v| v.len() != vectors[0].len()) {
        return Err(bad("embeddings of different lengths".into()));
    }
    let usage = value.get("usage");
    let tokens = usage
        .and_then(|u| u.get("total_tokens").or_else(|| u.get("prompt_tokens")))
        .and_then(Value::as_u64)
        .unwrap_or(0);
    Ok(Embedded { vectors, tokens })
}

impl ModelClient {
    /// The embeddings of `inputs` (at most [`MAX_INPUTS_PER_REQUEST`]) by this client's model.
    pub async fn embed(&self, inputs: &[String]) -> Result<Embedded, ChatError> {
        let body = request(&self.endpoint().model, inputs);
        let answer = self.post("embeddings", &body).await?;
        read(&answer, inputs.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_names_the_model_and_lists_the_inputs() {
        assert_eq!(
            request("text-embedding-3-small", &["a".into(), "b".into()]),
            json!({"model": "text-embedding-3-small", "input": ["a", "b"]})
        );
    }

    #[test]
    fn answers_are_put_in_input_order_and_usage_is_optional() {
        // OpenAI's shape, out of order.
        let openai = br#"{"object": "list", "model": "m", "data": [
            {"object": "embedding", "index": 1, "embedding": [0.0, 1.0]},
            {"object": "embedding", "index": 0, "embedding": [1.0, 0.5]}],
            "usage": {"prompt_tokens": 7, "total_tokens": 7}}"#;
        assert_eq!(
            read(openai, 2).unwrap(),
            Embedded {
                vectors: vec![vec![1.0, 0.5], vec![0.0, 1.0]],
                tokens: 7
            }
        );
        // Ollama's: no usage, no index.
        let ollama = br#"{"object": "list", "data": [{"object": "embedding", "embedding": [0.25]}], "model": "nomic-embed-text"}"#;
        assert_eq!(read(ollama, 1).unwrap().tokens, 0);
        assert_eq!(read(ollama, 1).unwrap().vectors, vec![vec![0.25]]);
    }

    #[test]
    fn an_answer_that_could_mis_rank_is_refused_whole() {
        for (body, n) in [
            (&br#"{"data": [{"embedding": [1.0]}]}"#[..], 2),
            (br#"{"data": [{"index": 0, "embedding": [1.0]}, {"index": 0, "embedding": [2.0]}]}"#, 2),
            (br#"{"data": [{"index": 5, "embedding": [1.0]}]}"#, 1),
            (br#"{"data": [{"embedding": []}]}"#, 1),
            (br#"{"data": [{"embedding": "AAAA"}]}"#, 1),
            (br#"{"data": [{"embedding": [1.0, "x"]}]}"#, 1),
            (br#"{"data": [{"embedding": [1.0]}, {"embedding": [1.0, 2.0]}]}"#, 2),
            (br#"{"object": "error", "message": "The model does not support Embeddings API"}"#, 1),
            (b"<html>", 1),
        ] {
            assert!(
                matches!(read(body, n), Err(ChatError::Malformed(_))),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }
}
