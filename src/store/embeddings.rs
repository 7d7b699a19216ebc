//! Papers' embeddings by the operator's embedding model (`summaries.embedding_model`), each
//! computed once per paper and model, and what computing them cost per UTC day. Per paper,
//! never per person.

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::store::db::{placeholders, Store, StoreError, MAX_IDS_PER_QUERY};

/// A day's embedding cost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EmbeddingUsage {
    pub calls: u64,
    pub tokens: u64,
    pub papers: u64,
}

/// A vector as stored: little-endian 32-bit floats.
fn to_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn from_bytes(b: &[u8]) -> Vec<f32> {
    b.chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

impl Store {
    /// The stored embeddings of `arxiv_ids` by `model`, for those that have one.
    #[tracing::instrument(skip_all, fields(ids = arxiv_ids.len(), model = model))]
    pub async fn embeddings(
        &self,
        model: &str,
        arxiv_ids: &[String],
    ) -> Result<HashMap<String, Vec<f32>>, StoreError> {
        let mut out = HashMap::new();
        for chunk in arxiv_ids.chunks(MAX_IDS_PER_QUERY) {
            let sql = format!(
                "SELECT arxiv_id, dims, vector FROM paper_embeddings WHERE model = $1 \
                 AND arxiv_id IN ({})",
                placeholders(2, chunk.len())
            );
            let rows: Vec<(String, i32, Vec<u8>)> = with_pool!(self, |db| {
                let mut q = sqlx::query_as(&sql).bind(model);
                for id in chunk {
                    q = q.bind(id);
                }
                q.fetch_all(db).await
            })?;
            for (id, dims, bytes) in rows {
                if bytes.len() != 4 * dims.max(0) as usize {
                    return Err(StoreError::Corrupt(format!(
                        "embedding of {id:?}: {} bytes for {dims} dimensions",
                        bytes.len()
                    )));
                }
                out.insert(id, from_bytes(&bytes));
            }
        }
        Ok(out)
    }

    /// Stores embeddings by `model` (a paper already stored keeps its first one: two processes
    /// embedding the same paper agree anyway).
    #[tracing::instrument(skip_all, fields(papers = vectors.len(), model = model))]
    pub async fn save_embeddings(
        &self,
        model: &str,
        vectors: &[(String, Vec<f32>)],
    ) -> Result<(), StoreError> {
        let now = self.now();
        with_write_tx!(self, |tx| {
            for (id, v) in vectors.iter().filter(|(_, v)| !v.is_empty()) {
                sqlx::query(
                    "INSERT INTO paper_embeddings (arxiv_id, model, dims, vector, created_at) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (arxiv_id, model) DO NOTHING",
                )
                .bind(id)
                .bind(model)
                .bind(i32::try_from(v.len()).unwrap_or(i32::MAX))
                .bind(to_bytes(v))
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// Adds a request's cost to `day`'s (UTC) total.
    pub async fn add_embedding_usage(
        &self,
        day: NaiveDate,
        usage: EmbeddingUsage,
    ) -> Result<(), StoreError> {
        with_pool!(self, |db| sqlx::query(
            "INSERT INTO embedding_usage (day, calls, tokens, papers) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (day) DO UPDATE SET calls = embedding_usage.calls + excluded.calls, \
             tokens = embedding_usage.tokens + excluded.tokens, \
             papers = embedding_usage.papers + excluded.papers"
        )
        .bind(day)
        .bind(usage.calls as i64)
        .bind(usage.tokens as i64)
        .bind(usage.papers as i64)
        .execute(db)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Each day's embedding cost on or after `since`, oldest first.
    pub async fn embedding_usage(
        &self,
        since: NaiveDate,
    ) -> Result<Vec<(NaiveDate, EmbeddingUsage)>, StoreError> {
        let rows: Vec<(NaiveDate, i64, i64, i64)> = with_pool!(self, |db| {
            sqlx::query_as(
            "SELECT day, calls, tokens, papers FROM embedding_usage WHERE day >= $1 ORDER BY day"
        )
        .bind(since)
        .fetch_all(db)
        .await
        })?;
        Ok(rows
            .into_iter()
            .map(|(d, c, t, p)| {
                (
                    d,
                    EmbeddingUsage {
                        calls: c.max(0) as u64,
                        tokens: t.max(0) as u64,
                        papers: p.max(0) as u64,
                    },
                )
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    store_tests! {
        async fn embeddings_are_stored_once_per_paper_and_model(store) {
            let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
            assert!(store.embeddings("m", &ids(&["2404.00001"])).await.unwrap().is_empty());
            store
                .save_embeddings("m", &[("2404.00001".into(), vec![0.5, -1.25, 3.0e-8])])
                .await
                .unwrap();
            // A second write of the same paper keeps the first; an empty vector is not stored.
            store
                .save_embeddings(
                    "m",
                    &[("2404.00001".into(), vec![9.0, 9.0, 9.0]), ("2404.00002".into(), vec![])],
                )
                .await
                .unwrap();
            store.save_embeddings("other", &[("2404.00001".into(), vec![1.0])]).await.unwrap();
            let got = store
                .embeddings("m", &ids(&["2404.00001", "2404.00002", "2404.00003"]))
                .await
                .unwrap();
            assert_eq!(got.len(), 1);
            assert_eq!(got["2404.00001"], [0.5, -1.25, 3.0e-8]);
            assert_eq!(store.embeddings("other", &ids(&["2404.00001"])).await.unwrap()["2404.00001"], [1.0]);
            // Many ids at once go in chunks.
            let many: Vec<String> = (0..1200).map(|i| format!("2405.{i:05}")).collect();
            let vectors: Vec<(String, Vec<f32>)> =
                many.iter().map(|id| (id.clone(), vec![1.0, 2.0])).collect();
            store.save_embeddings("m", &vectors).await.unwrap();
            assert_eq!(store.embeddings("m", &many).await.unwrap().len(), 1200);
        }

        async fn embedding_cost_adds_up_per_day(store) {
            let day = NaiveDate::from_ymd_opt(2024, 4, 2).unwrap();
            let one = EmbeddingUsage { calls: 1, tokens: 120, papers: 8 };
            store.add_embedding_usage(day, one).await.unwrap();
            store.add_embedding_usage(day, one).await.unwrap();
            store.add_embedding_usage(day.succ_opt().unwrap(), one).await.unwrap();
            let rows = store.embedding_usage(day).await.unwrap();
            assert_eq!(rows[0], (day, EmbeddingUsage { calls: 2, tokens: 240, papers: 16 }));
            assert_eq!(rows.len(), 2);
            assert_eq!(store.embedding_usage(day.succ_opt().unwrap()).await.unwrap().len(), 1);
        }
    }
}
