//! The operator's embedding model as the delivery engine holds it ("for you" by embeddings,
//! `summaries.embedding_model`): the client, and whether it is failing so the fall back to the
//! lexical similarity is said once. Apart from the stage so the engine can hold one without
//! importing the stage that imports the engine.

use std::sync::atomic::AtomicBool;

use crate::model::client::ModelClient;

/// The operator's embedding model, and whether it is failing (said once per failure).
pub struct Embedder {
    pub(super) client: ModelClient,
    pub(super) failing: AtomicBool,
}

impl Embedder {
    pub fn new(client: ModelClient) -> Embedder {
        Embedder {
            client,
            failing: AtomicBool::new(false),
        }
    }

    pub fn model(&self) -> &str {
        &self.client.endpoint().model
    }
}
