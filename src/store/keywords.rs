//! Per-channel keyword filters.
//!
//! Keywords belong to the channel, not to the subscription: they are not deleted by
//! `/papers unsubscribe`, so unsubscribing and subscribing again keeps the filter. A word is
//! either an include or an exclude; adding it with the other kind switches it.

use std::collections::{HashMap, HashSet};

use crate::store::db::{id_from_db, id_to_db, Store, StoreError};

/// Keeps the per-paper filter cost and the `/papers keywords` listing bounded.
pub const MAX_KEYWORDS: usize = 50;
/// Longer "keywords" are pasted sentences, which never match a title anyway.
pub const MAX_KEYWORD_CHARS: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeywordKind {
    /// Papers must mention at least one include word (when the channel has any).
    Include,
    /// Papers mentioning an exclude word are dropped.
    Exclude,
}

impl KeywordKind {
    fn as_db(self) -> &'static str {
        match self {
            KeywordKind::Include => "include",
            KeywordKind::Exclude => "exclude",
        }
    }

    fn from_db(s: &str) -> Result<Self, StoreError> {
        match s {
            "include" => Ok(KeywordKind::Include),
            "exclude" => Ok(KeywordKind::Exclude),
            other => Err(StoreError::Corrupt(format!("keyword kind {other:?}"))),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Keyword {
    /// Trimmed and lowercased when it comes out of the store; inner whitespace runs are
    /// collapsed to one space so a phrase matches however it was typed.
    pub word: String,
    pub kind: KeywordKind,
}

impl Keyword {
    pub fn include(word: impl Into<String>) -> Self {
        Keyword {
            word: word.into(),
            kind: KeywordKind::Include,
        }
    }

    pub fn exclude(word: impl Into<String>) -> Self {
        Keyword {
            word: word.into(),
            kind: KeywordKind::Exclude,
        }
    }
}

/// What [`Store::add_keywords`] did, so the command can tell the user exactly that. Every
/// keyword here is in its normalized form with its kind after the change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeywordChange {
    pub added: Vec<Keyword>,
    /// Words that were already there with the other kind and now have the requested one.
    pub switched: Vec<Keyword>,
    pub unchanged: Vec<Keyword>,
}

impl Store {
    pub const MAX_KEYWORDS: usize = MAX_KEYWORDS;
    pub const MAX_KEYWORD_CHARS: usize = MAX_KEYWORD_CHARS;

    /// Adds keywords all-or-nothing: if any word is empty or too long, or the channel would end
    /// up with more than [`MAX_KEYWORDS`], nothing is written. A word repeated in `words` counts
    /// once, with the kind it was given last.
    #[tracing::instrument(skip_all, fields(channel_id = channel_id, count = words.len()))]
    pub async fn add_keywords(
        &self,
        channel_id: u64,
        words: &[Keyword],
    ) -> Result<KeywordChange, StoreError> {
        let mut requested: Vec<Keyword> = Vec::with_capacity(words.len());
        for keyword in words {
            let word = normalize(&keyword.word);
            if word.is_empty() {
                return Err(StoreError::KeywordEmpty);
            }
            if word.chars().count() > MAX_KEYWORD_CHARS {
                return Err(StoreError::KeywordTooLong {
                    keyword: keyword.word.trim().to_string(),
                    limit: MAX_KEYWORD_CHARS,
                });
            }
            match requested.iter_mut().find(|k| k.word == word) {
                Some(existing) => existing.kind = keyword.kind,
                None => requested.push(Keyword {
                    word,
                    kind: keyword.kind,
                }),
            }
        }
        if requested.is_empty() {
            return Ok(KeywordChange::default());
        }

        // A write transaction (writers serialized) so the count check and the inserts see the
        // same state even if two admins add keywords to the same channel at once.
        with_write_tx!(self, |tx| {
            let rows: Vec<(String, String)> =
                sqlx::query_as("SELECT word, kind FROM keywords WHERE channel_id = $1")
                    .bind(id_to_db(channel_id))
                    .fetch_all(&mut *tx)
                    .await?;
            let mut current = HashMap::with_capacity(rows.len());
            for (word, kind) in rows {
                current.insert(word, KeywordKind::from_db(&kind)?);
            }

            let mut change = KeywordChange::default();
            for keyword in requested {
                match current.get(&keyword.word) {
                    None => change.added.push(keyword),
                    Some(kind) if *kind == keyword.kind => change.unchanged.push(keyword),
                    Some(_) => change.switched.push(keyword),
                }
            }
            if current.len() + change.added.len() > MAX_KEYWORDS {
                return Err(StoreError::TooManyKeywords {
                    limit: MAX_KEYWORDS,
                });
            }

            let now = self.now();
            for keyword in &change.added {
                sqlx::query(
                "INSERT INTO keywords (channel_id, word, kind, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(id_to_db(channel_id))
            .bind(&keyword.word)
            .bind(keyword.kind.as_db())
            .bind(now)
            .execute(&mut *tx)
            .await?;
            }
            for keyword in &change.switched {
                sqlx::query("UPDATE keywords SET kind = $1 WHERE channel_id = $2 AND word = $3")
                    .bind(keyword.kind.as_db())
                    .bind(id_to_db(channel_id))
                    .bind(&keyword.word)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(change)
        })
    }

    /// Removes a keyword whatever its kind, ignoring case. Users often type an exclude the way
    /// they added it (`-crypto`), so a leading `-` is dropped when the literal word is not
    /// there. Returns whether something was removed.
    #[tracing::instrument(skip_all, fields(channel_id = channel_id))]
    pub async fn remove_keyword(&self, channel_id: u64, word: &str) -> Result<bool, StoreError> {
        let word = normalize(word);
        let mut candidates = vec![word.as_str()];
        if let Some(stripped) = word.strip_prefix('-').map(str::trim_start) {
            candidates.push(stripped);
        }
        for candidate in candidates.into_iter().filter(|c| !c.is_empty()) {
            let removed = with_pool!(self, |db| sqlx::query(
                "DELETE FROM keywords WHERE channel_id = $1 AND word = $2"
            )
            .bind(id_to_db(channel_id))
            .bind(candidate)
            .execute(db)
            .await
            .map(|r| r.rows_affected()))?;
            if removed > 0 {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The channel's keywords: includes first, then excludes, each alphabetical.
    #[tracing::instrument(skip_all, fields(channel_id = channel_id))]
    pub async fn keywords(&self, channel_id: u64) -> Result<Vec<Keyword>, StoreError> {
        let rows: Vec<(String, String)> = with_pool!(self, |db| sqlx::query_as(
            "SELECT word, kind FROM keywords WHERE channel_id = $1 \
             ORDER BY kind = 'exclude', word",
        )
        .bind(id_to_db(channel_id))
        .fetch_all(db)
        .await)?;
        rows.into_iter()
            .map(|(word, kind)| {
                Ok(Keyword {
                    word,
                    kind: KeywordKind::from_db(&kind)?,
                })
            })
            .collect()
    }

    /// Keywords of many channels in one query, for the daily fan-out. The ids travel as a single
    /// JSON array parameter, so thousands of channels never hit SQLite's bound-parameter limit.
    /// Every requested channel is a key of the result (with an empty list when it has no
    /// keywords); lists are ordered as in [`Store::keywords`].
    #[tracing::instrument(skip_all, fields(channels = channel_ids.len()))]
    pub async fn keywords_for_channels(
        &self,
        channel_ids: &[u64],
    ) -> Result<HashMap<u64, Vec<Keyword>>, StoreError> {
        let unique: HashSet<u64> = channel_ids.iter().copied().collect();
        let mut result: HashMap<u64, Vec<Keyword>> =
            unique.iter().map(|&id| (id, Vec::new())).collect();
        if unique.is_empty() {
            return Ok(result);
        }
        let ids: Vec<i64> = unique.into_iter().map(id_to_db).collect();
        let ids_json = serde_json::to_string(&ids).expect("integers always serialize");
        let rows: Vec<(i64, String, String)> = with_pool!(self, |db| sqlx::query_as(self.sql(
            "SELECT k.channel_id, k.word, k.kind \
             FROM json_each($1) AS j JOIN keywords AS k ON k.channel_id = j.value \
             ORDER BY k.channel_id, k.kind = 'exclude', k.word",
            "SELECT k.channel_id, k.word, k.kind \
             FROM jsonb_array_elements_text($1::jsonb) AS j (value) \
             JOIN keywords AS k ON k.channel_id = j.value::bigint \
             ORDER BY k.channel_id, k.kind = 'exclude', k.word",
        ))
        .bind(ids_json)
        .fetch_all(db)
        .await)?;
        for (channel_id, word, kind) in rows {
            result
                .entry(id_from_db(channel_id))
                .or_default()
                .push(Keyword {
                    word,
                    kind: KeywordKind::from_db(&kind)?,
                });
        }
        Ok(result)
    }

    /// Removes every keyword of the channel; returns how many there were.
    #[tracing::instrument(skip_all, fields(channel_id = channel_id))]
    pub async fn clear_keywords(&self, channel_id: u64) -> Result<u64, StoreError> {
        let removed = with_pool!(self, |db| sqlx::query(
            "DELETE FROM keywords WHERE channel_id = $1"
        )
        .bind(id_to_db(channel_id))
        .execute(db)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(removed)
    }
}

/// The stored form of a keyword: the filter matches case-insensitively, so storing one case
/// makes "LLM" and "llm" the same keyword.
fn normalize(word: &str) -> String {
    word.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(list: &[Keyword]) -> Vec<&str> {
        list.iter().map(|k| k.word.as_str()).collect()
    }

    store_tests! {
        async fn add_list_and_sort(store) {
            let change = store
                .add_keywords(
                    1,
                    &[
                        Keyword::include("Transformer"),
                        Keyword::exclude("crypto"),
                        Keyword::include("  Diffusion   Model "),
                        Keyword::exclude("Blockchain"),
                    ],
                )
                .await
                .unwrap();
            assert_eq!(
                words(&change.added),
                vec!["transformer", "crypto", "diffusion model", "blockchain"]
            );
            assert!(change.switched.is_empty() && change.unchanged.is_empty());

            let list = store.keywords(1).await.unwrap();
            assert_eq!(
                list,
                vec![
                    Keyword::include("diffusion model"),
                    Keyword::include("transformer"),
                    Keyword::exclude("blockchain"),
                    Keyword::exclude("crypto"),
                ]
            );
            assert!(store.keywords(2).await.unwrap().is_empty());
        }

        async fn case_insensitive_duplicates_are_unchanged(store) {
            store
                .add_keywords(1, &[Keyword::include("LLM")])
                .await
                .unwrap();
            let change = store
                .add_keywords(1, &[Keyword::include("llm"), Keyword::include(" Llm ")])
                .await
                .unwrap();
            assert!(change.added.is_empty());
            assert_eq!(change.unchanged, vec![Keyword::include("llm")]);
            assert_eq!(store.keywords(1).await.unwrap().len(), 1);
        }

        async fn korean_keywords_are_kept(store) {
            store
                .add_keywords(1, &[Keyword::include("언어 모델")])
                .await
                .unwrap();
            assert_eq!(
                store.keywords(1).await.unwrap(),
                vec![Keyword::include("언어 모델")]
            );
        }

        async fn adding_with_the_other_kind_switches(store) {
            store
                .add_keywords(1, &[Keyword::include("robotics"), Keyword::include("rl")])
                .await
                .unwrap();
            let change = store
                .add_keywords(
                    1,
                    &[Keyword::exclude("Robotics"), Keyword::include("vision")],
                )
                .await
                .unwrap();
            assert_eq!(change.switched, vec![Keyword::exclude("robotics")]);
            assert_eq!(change.added, vec![Keyword::include("vision")]);
            assert_eq!(
                store.keywords(1).await.unwrap(),
                vec![
                    Keyword::include("rl"),
                    Keyword::include("vision"),
                    Keyword::exclude("robotics"),
                ]
            );

            let back = store
                .add_keywords(1, &[Keyword::include("robotics")])
                .await
                .unwrap();
            assert_eq!(back.switched, vec![Keyword::include("robotics")]);
        }

        async fn repeated_word_in_one_call_takes_the_last_kind(store) {
            let change = store
                .add_keywords(1, &[Keyword::include("gan"), Keyword::exclude("GAN")])
                .await
                .unwrap();
            assert_eq!(change.added, vec![Keyword::exclude("gan")]);
        }

        async fn fifty_first_keyword_is_rejected_and_nothing_added(store) {
            let fifty: Vec<Keyword> = (0..50).map(|i| Keyword::include(format!("w{i}"))).collect();
            store.add_keywords(1, &fifty[..45]).await.unwrap();

            // 45 + 6 new > 50: the whole batch is refused, including the 5 that would have fit.
            let batch: Vec<Keyword> = (45..51)
                .map(|i| Keyword::include(format!("w{i}")))
                .collect();
            let err = store.add_keywords(1, &batch).await.unwrap_err();
            assert!(matches!(err, StoreError::TooManyKeywords { limit: 50 }));
            assert!(err.is_user_error());
            assert_eq!(store.keywords(1).await.unwrap().len(), 45);

            store.add_keywords(1, &fifty[45..]).await.unwrap();
            assert_eq!(store.keywords(1).await.unwrap().len(), 50);
            let err = store
                .add_keywords(1, &[Keyword::include("one more")])
                .await
                .unwrap_err();
            assert!(matches!(err, StoreError::TooManyKeywords { .. }));
            assert_eq!(store.keywords(1).await.unwrap().len(), 50);

            // At the cap, switching or repeating existing words still works: they add nothing.
            let change = store
                .add_keywords(1, &[Keyword::exclude("w0"), Keyword::include("w1")])
                .await
                .unwrap();
            assert_eq!(change.switched.len(), 1);
            assert_eq!(change.unchanged.len(), 1);
        }

        async fn long_and_empty_words_are_rejected_atomically(store) {
            let hundred = "a".repeat(100);
            store
                .add_keywords(1, &[Keyword::include(hundred.clone())])
                .await
                .unwrap();

            let long = "b".repeat(101);
            let err = store
                .add_keywords(
                    1,
                    &[Keyword::include("fine"), Keyword::include(long.clone())],
                )
                .await
                .unwrap_err();
            match &err {
                StoreError::KeywordTooLong { keyword, limit } => {
                    assert_eq!(keyword, &long);
                    assert_eq!(*limit, 100);
                }
                other => panic!("unexpected {other:?}"),
            }
            assert!(err.is_user_error());

            // Characters, not bytes: 100 Hangul syllables (300 bytes) are fine.
            store
                .add_keywords(1, &[Keyword::include("가".repeat(100))])
                .await
                .unwrap();

            let err = store
                .add_keywords(1, &[Keyword::include("ok"), Keyword::exclude("   ")])
                .await
                .unwrap_err();
            assert!(matches!(err, StoreError::KeywordEmpty));
            assert_eq!(store.keywords(1).await.unwrap().len(), 2);
        }

        async fn remove_is_case_insensitive_and_accepts_dash_form(store) {
            store
                .add_keywords(
                    1,
                    &[
                        Keyword::include("Agents"),
                        Keyword::exclude("crypto"),
                        Keyword::include("-1 bit"),
                    ],
                )
                .await
                .unwrap();
            assert!(store.remove_keyword(1, "AGENTS").await.unwrap());
            assert!(!store.remove_keyword(1, "agents").await.unwrap());
            assert!(store.remove_keyword(1, " -Crypto ").await.unwrap());
            // A word that really starts with '-' is removed by its literal form.
            assert!(store.remove_keyword(1, "-1 bit").await.unwrap());
            assert!(!store.remove_keyword(1, "-").await.unwrap());
            assert!(!store.remove_keyword(1, "").await.unwrap());
            assert!(store.keywords(1).await.unwrap().is_empty());
        }

        async fn clear_counts_and_leaves_other_channels(store) {
            store
                .add_keywords(1, &[Keyword::include("a1"), Keyword::exclude("b1")])
                .await
                .unwrap();
            store
                .add_keywords(2, &[Keyword::include("a2")])
                .await
                .unwrap();
            assert_eq!(store.clear_keywords(1).await.unwrap(), 2);
            assert_eq!(store.clear_keywords(1).await.unwrap(), 0);
            assert_eq!(store.keywords(2).await.unwrap().len(), 1);
        }

        async fn keywords_survive_unsubscribe(store) {
            let sub = crate::store::subscriptions::NewSubscription {
                guild_id: 1,
                channel_id: 5,
                channel_kind: crate::channel_kind::ChannelKind::Text,
                delivery_time: None,
                timezone: None,
                min_votes: None,
                top_n: None,
                notify_empty: false,
                auto_publish: false,
                created_by: 2,
                language: None,
                forum_mode: crate::store::subscriptions::ForumMode::Day,
                weekly: None,
                layout: crate::store::subscriptions::Layout::Full,
                index_top: None,
                layout_note: None,
            };
            store.upsert_subscription(&sub).await.unwrap();
            store
                .add_keywords(5, &[Keyword::include("vision")])
                .await
                .unwrap();
            store.remove_subscription(5).await.unwrap();
            store.upsert_subscription(&sub).await.unwrap();
            assert_eq!(
                store.keywords(5).await.unwrap(),
                vec![Keyword::include("vision")]
            );
        }

        async fn keywords_for_many_channels_in_one_query(store) {
            let big = 1_300_000_000_000_000_001u64;
            store
                .add_keywords(big, &[Keyword::exclude("z"), Keyword::include("b")])
                .await
                .unwrap();
            store
                .add_keywords(2, &[Keyword::include("c")])
                .await
                .unwrap();
            store
                .add_keywords(3, &[Keyword::include("not asked")])
                .await
                .unwrap();

            // Far more ids than SQLite allows as bound parameters.
            let mut ids: Vec<u64> = (10_000..50_000).collect();
            ids.extend([big, 2, 2]);
            let map = store.keywords_for_channels(&ids).await.unwrap();
            assert_eq!(map.len(), 40_002);
            assert_eq!(
                map[&big],
                vec![Keyword::include("b"), Keyword::exclude("z")]
            );
            assert_eq!(map[&2], vec![Keyword::include("c")]);
            assert!(map[&10_000].is_empty());
            assert!(!map.contains_key(&3));

            assert!(store.keywords_for_channels(&[]).await.unwrap().is_empty());
        }
    }
}
