//! The operator's OpenAI-compatible endpoint: one request, reading the answer leniently, what a
//! refusal names, what was learned.
//!
//! Why it exists: "OpenAI-compatible" servers differ in what they take (a reasoning model
//! refuses `temperature`, Mistral refuses `max_completion_tokens`, DeepSeek has no JSON schema,
//! LM Studio no JSON mode, Gemini no `additionalProperties`) and in what they answer (fields
//! missing, errors as arrays or bare strings, JSON after a `<think>` block). Callers say what
//! they want ([`ChatTask`]: plain text or JSON of a schema); [`ModelClient`] sends it the way
//! the endpoint takes it, learns from each refusal once, and stores the lesson per endpoint
//! and model.
//!
//! # Layout
//! - [`task`]: a task and the request body it becomes with what was learned, pure.
//! - [`learned`]: what was learned about an endpoint and model, pure (stored as JSON).
//! - [`refusal`]: what an error body says is refused, in every provider's shape, pure.
//! - [`adapt`]: the one change a refusal (or an empty, cut-off answer) calls for, pure.
//! - [`answer`]: a completion read leniently: text, thinking taken out, usage, pure.
//! - [`client`]: the requests, the lessons applied and stored, refusals reported.
//! - [`embeddings`]: a paper's embedding (`/embeddings`): the request, the answer read leniently.

pub mod adapt;
pub mod answer;
pub mod client;
pub mod embeddings;
pub mod learned;
pub mod refusal;
pub mod task;

pub use answer::{json_text, Finish, TokenUsage};
pub use client::{ChatError, Completion, Endpoint, ModelClient};
pub use learned::{JsonMode, Learned, Lesson};
pub use task::{ChatTask, Effort, Message, Output, Role, Sent};
