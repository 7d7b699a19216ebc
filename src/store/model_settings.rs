//! What was learned about each model endpoint (`model::learned::Learned`, as JSON) and the last
//! refusal it could not adapt to: one row per endpoint and model, shared by every process on
//! the database, so a lesson is paid for once. Lessons only add up: a save merges with what is
//! stored, so two processes learning different things at once both keep theirs.

use chrono::{DateTime, Utc};

use crate::model::learned::Learned;
use crate::store::db::{Store, StoreError};

/// One endpoint and model, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelSettings {
    pub learned: Learned,
    /// The last refusal nothing could be changed for, in the provider's words, and when.
    pub refusal: Option<String>,
    pub refused_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

type Row = (String, Option<String>, Option<DateTime<Utc>>, DateTime<Utc>);

impl Store {
    /// What is stored for `model` at `base_url`.
    pub async fn model_settings(
        &self,
        base_url: &str,
        model: &str,
    ) -> Result<Option<ModelSettings>, StoreError> {
        let row: Option<Row> = with_pool!(self, |db| sqlx::query_as(
            "SELECT settings, refusal, refused_at, updated_at FROM model_settings \
             WHERE base_url = $1 AND model = $2"
        )
        .bind(base_url)
        .bind(model)
        .fetch_optional(db)
        .await)?;
        row.map(|(settings, refusal, refused_at, updated_at)| {
            let learned = serde_json::from_str(&settings).map_err(|e| {
                StoreError::Corrupt(format!("model settings of {model} at {base_url}: {e}"))
            })?;
            Ok(ModelSettings {
                learned,
                refusal,
                refused_at,
                updated_at,
            })
        })
        .transpose()
    }

    /// Stores `learned` for `model` at `base_url`, merged with what another process may have
    /// stored meanwhile.
    pub async fn save_model_settings(
        &self,
        base_url: &str,
        model: &str,
        learned: &Learned,
    ) -> Result<(), StoreError> {
        let now = self.now();
        with_write_tx!(self, |tx| {
            let stored: Option<(String,)> = sqlx::query_as(
                "SELECT settings FROM model_settings WHERE base_url = $1 AND model = $2",
            )
            .bind(base_url)
            .bind(model)
            .fetch_optional(&mut *tx)
            .await?;
            let mut merged = learned.clone();
            if let Some(other) = stored.and_then(|(s,)| serde_json::from_str::<Learned>(&s).ok()) {
                merged.merge(&other);
            }
            let text = serde_json::to_string(&merged)
                .map_err(|e| StoreError::Corrupt(format!("model settings: {e}")))?;
            sqlx::query(
                "INSERT INTO model_settings (base_url, model, settings, updated_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (base_url, model) DO UPDATE SET \
                 settings = excluded.settings, updated_at = excluded.updated_at",
            )
            .bind(base_url)
            .bind(model)
            .bind(text)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Records a refusal that nothing could be changed for.
    pub async fn save_model_refusal(
        &self,
        base_url: &str,
        model: &str,
        message: &str,
    ) -> Result<(), StoreError> {
        let now = self.now();
        with_pool!(self, |db| {
            sqlx::query(
            "INSERT INTO model_settings (base_url, model, settings, refusal, refused_at, updated_at) \
             VALUES ($1, $2, '{}', $3, $4, $4) ON CONFLICT (base_url, model) DO UPDATE SET \
             refusal = excluded.refusal, refused_at = excluded.refused_at"
        )
        .bind(base_url)
        .bind(model)
        .bind(message)
        .bind(now)
        .execute(db)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::learned::JsonMode;

    const URL: &str = "https://api.example/v1";

    store_tests! {
        async fn lessons_are_kept_per_endpoint_and_model_and_only_add_up(store) {
            assert_eq!(store.model_settings(URL, "m").await.unwrap(), None);
            let mut a = Learned::default();
            a.refused.insert("temperature".into());
            store.save_model_settings(URL, "m", &a).await.unwrap();
            let got = store.model_settings(URL, "m").await.unwrap().unwrap();
            assert_eq!(got.learned, a);
            assert_eq!(got.refusal, None);
            // Another process learned something else, from its fresh start: both are kept.
            let b = Learned {
                json: JsonMode::JsonObject,
                dropped_keywords: ["minItems".to_string()].into(),
                ..Learned::default()
            };
            store.save_model_settings(URL, "m", &b).await.unwrap();
            let got = store.model_settings(URL, "m").await.unwrap().unwrap().learned;
            assert!(got.refused.contains("temperature"));
            assert_eq!(got.json, JsonMode::JsonObject);
            assert!(got.dropped_keywords.contains("minItems"));
            // Another model at the same endpoint, or the same model elsewhere, starts fresh.
            assert_eq!(store.model_settings(URL, "other").await.unwrap(), None);
            assert_eq!(store.model_settings("http://127.0.0.1:11434/v1", "m").await.unwrap(), None);
        }

        async fn a_refusal_is_kept_beside_the_lessons(store) {
            store.save_model_refusal(URL, "m", "No models loaded.").await.unwrap();
            let got = store.model_settings(URL, "m").await.unwrap().unwrap();
            assert_eq!(got.refusal.as_deref(), Some("No models loaded."));
            assert!(got.refused_at.is_some());
            assert!(got.learned.is_default());
            let a = Learned {
                min_output_tokens: 6000,
                ..Learned::default()
            };
            store.save_model_settings(URL, "m", &a).await.unwrap();
            store.save_model_refusal(URL, "m", "context too long").await.unwrap();
            let got = store.model_settings(URL, "m").await.unwrap().unwrap();
            assert_eq!(got.learned.min_output_tokens, 6000);
            assert_eq!(got.refusal.as_deref(), Some("context too long"));
        }
    }
}
