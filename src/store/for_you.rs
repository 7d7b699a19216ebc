//! "For you": whether a person's DMs are ranked by their reading list (`for_you`), the papers
//! they turned down (`not_for_me`), and their reading lists as the ranking reads them. A
//! person's rows are theirs alone: every statement is keyed by their user id, and
//! [`Store::clear_alerts`] / [`Store::clear_saved`] delete them.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::store::db::{id_from_db, id_to_db, placeholders, Store, StoreError, MAX_IDS_PER_QUERY};

/// A person's "for you" setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForYou {
    pub enabled: bool,
    /// Papers no term matched that may be added to a DM (0: none).
    pub extra: u8,
}

/// One paper of a reading list, as ranking needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedPaper {
    pub arxiv_id: String,
    /// The title as it was when saved (or turned down): what the "why" names.
    pub title: String,
    pub at: DateTime<Utc>,
}

type ListRow = (i64, String, String, DateTime<Utc>);

impl Store {
    /// Turns "for you" on or off for `user_id` (creating their alerts, as a first `/alerts add`
    /// would, so it works before any term); `extra` `None` keeps what they had (3 at first).
    #[tracing::instrument(skip_all, fields(user_id = user_id, enabled = enabled))]
    pub async fn set_for_you(
        &self,
        user_id: u64,
        enabled: bool,
        extra: Option<u8>,
    ) -> Result<ForYou, StoreError> {
        let now = self.now();
        let extra = extra.map(|e| i32::from(e.min(crate::select::for_you::rank::MAX_EXTRA as u8)));
        with_write_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO alert_users (user_id, created_at, updated_at) VALUES ($1, $2, $2) \
                 ON CONFLICT (user_id) DO NOTHING",
            )
            .bind(id_to_db(user_id))
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let (enabled, extra): (bool, i32) = sqlx::query_as(
                "INSERT INTO for_you (user_id, enabled, extra, updated_at) \
                 VALUES ($1, $2, COALESCE($3, 3), $4) \
                 ON CONFLICT (user_id) DO UPDATE SET enabled = excluded.enabled, \
                 extra = COALESCE($3, for_you.extra), updated_at = excluded.updated_at \
                 RETURNING enabled, extra",
            )
            .bind(id_to_db(user_id))
            .bind(enabled)
            .bind(extra)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(ForYou {
                enabled,
                extra: extra.clamp(0, 255) as u8,
            })
        })
    }

    /// `user_id`'s setting; `None` when they never set one.
    #[tracing::instrument(skip_all, fields(user_id = user_id))]
    pub async fn for_you(&self, user_id: u64) -> Result<Option<ForYou>, StoreError> {
        let row: Option<(bool, i32)> = with_pool!(self, |db| sqlx::query_as(
            "SELECT enabled, extra FROM for_you WHERE user_id = $1"
        )
        .bind(id_to_db(user_id))
        .fetch_optional(db)
        .await)?;
        Ok(row.map(|(enabled, extra)| ForYou {
            enabled,
            extra: extra.clamp(0, 255) as u8,
        }))
    }

    /// Which of `users` have "for you" on, with how many extra papers each asked for.
    #[tracing::instrument(skip_all, fields(users = users.len()))]
    pub async fn for_you_readers(&self, users: &[u64]) -> Result<HashMap<u64, u8>, StoreError> {
        let mut out = HashMap::new();
        for chunk in users.chunks(MAX_IDS_PER_QUERY) {
            let sql = format!(
                "SELECT user_id, extra FROM for_you WHERE enabled = TRUE AND user_id IN ({})",
                placeholders(1, chunk.len())
            );
            let rows: Vec<(i64, i32)> = with_pool!(self, |db| {
                let mut q = sqlx::query_as(&sql);
                for u in chunk {
                    q = q.bind(id_to_db(*u));
                }
                q.fetch_all(db).await
            })?;
            out.extend(
                rows.into_iter()
                    .map(|(u, e)| (id_from_db(u), e.clamp(0, 255) as u8)),
            );
        }
        Ok(out)
    }

    /// The reading lists of `users` (saved papers, oldest first), by user.
    #[tracing::instrument(skip_all, fields(users = users.len()))]
    pub async fn reading_lists(
        &self,
        users: &[u64],
    ) -> Result<HashMap<u64, Vec<ListedPaper>>, StoreError> {
        self.lists_of(
            "SELECT user_id, arxiv_id, title, saved_at FROM saved_papers WHERE user_id IN ({}) \
             ORDER BY user_id, saved_at, arxiv_id",
            users,
        )
        .await
    }

    /// The papers each of `users` turned down, oldest first, by user.
    #[tracing::instrument(skip_all, fields(users = users.len()))]
    pub async fn not_for_me_lists(
        &self,
        users: &[u64],
    ) -> Result<HashMap<u64, Vec<ListedPaper>>, StoreError> {
        self.lists_of(
            "SELECT user_id, arxiv_id, title, created_at FROM not_for_me WHERE user_id IN ({}) \
             ORDER BY user_id, created_at, arxiv_id",
            users,
        )
        .await
    }

    async fn lists_of(
        &self,
        template: &str,
        users: &[u64],
    ) -> Result<HashMap<u64, Vec<ListedPaper>>, StoreError> {
        let mut out: HashMap<u64, Vec<ListedPaper>> = HashMap::new();
        for chunk in users.chunks(MAX_IDS_PER_QUERY) {
            let sql = template.replace("{}", &placeholders(1, chunk.len()));
            let rows: Vec<ListRow> = with_pool!(self, |db| {
                let mut q = sqlx::query_as(&sql);
                for u in chunk {
                    q = q.bind(id_to_db(*u));
                }
                q.fetch_all(db).await
            })?;
            for (user, arxiv_id, title, at) in rows {
                out.entry(id_from_db(user)).or_default().push(ListedPaper {
                    arxiv_id,
                    title,
                    at,
                });
            }
        }
        Ok(out)
    }

    /// Records that `user_id` finds `arxiv_id` not for them; false when it was already there.
    #[tracing::instrument(skip_all, fields(user_id = user_id, arxiv_id = arxiv_id))]
    pub async fn add_not_for_me(
        &self,
        user_id: u64,
        arxiv_id: &str,
        title: &str,
    ) -> Result<bool, StoreError> {
        let n = with_pool!(self, |db| {
            sqlx::query(
            "INSERT INTO not_for_me (user_id, arxiv_id, title, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (user_id, arxiv_id) DO NOTHING"
        )
        .bind(id_to_db(user_id))
        .bind(arxiv_id)
        .bind(title)
        .bind(self.now())
        .execute(db)
        .await
        .map(|r| r.rows_affected())
        })?;
        Ok(n == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SavedPaper;

    fn saved(id: &str) -> SavedPaper {
        SavedPaper {
            arxiv_id: id.into(),
            title: format!("Paper {id}"),
            authors: vec![],
            digest_date: None,
            saved_at: Utc::now(),
        }
    }

    store_tests! {
        async fn for_you_is_set_per_person_and_creates_their_alerts(store) {
            assert_eq!(store.for_you(7).await.unwrap(), None);
            assert!(store.alert_user(7).await.unwrap().is_none());
            let on = store.set_for_you(7, true, None).await.unwrap();
            assert_eq!(on, ForYou { enabled: true, extra: 3 });
            assert!(store.alert_user(7).await.unwrap().is_some(), "their alerts exist now");
            assert_eq!(store.set_for_you(7, true, Some(9)).await.unwrap().extra, 5, "at most 5");
            assert_eq!(store.set_for_you(7, false, None).await.unwrap(), ForYou { enabled: false, extra: 5 });
            assert_eq!(store.set_for_you(8, true, Some(0)).await.unwrap().extra, 0);
            let readers = store.for_you_readers(&[7, 8, 9]).await.unwrap();
            assert_eq!(readers, HashMap::from([(8, 0)]));
            // A person with "for you" on and no term is among the active alerts.
            let active: Vec<u64> = store.active_alerts().await.unwrap().iter().map(|(u, _)| u.user_id).collect();
            assert_eq!(active, [8]);
        }

        async fn reading_lists_and_turned_down_papers_are_read_for_many_people(store) {
            for id in ["2404.00001", "2404.00002"] {
                store.save_paper(7, &saved(id)).await.unwrap();
            }
            store.save_paper(8, &saved("2404.00003")).await.unwrap();
            let users: Vec<u64> = (0..1200).collect();
            let lists = store.reading_lists(&users).await.unwrap();
            assert_eq!(lists.len(), 2);
            let ids: Vec<&str> = lists[&7].iter().map(|p| p.arxiv_id.as_str()).collect();
            assert_eq!(ids, ["2404.00001", "2404.00002"]);
            assert_eq!(lists[&8][0].title, "Paper 2404.00003");
            assert!(store.add_not_for_me(7, "2404.00009", "A paper").await.unwrap());
            assert!(!store.add_not_for_me(7, "2404.00009", "A paper").await.unwrap());
            let down = store.not_for_me_lists(&[7, 8]).await.unwrap();
            assert_eq!(down.len(), 1);
            assert_eq!((down[&7][0].arxiv_id.as_str(), down[&7][0].title.as_str()), ("2404.00009", "A paper"));
        }

        async fn clearing_deletes_the_feedback_and_follow_ups_with_the_list(store) {
            store.set_for_you(7, true, None).await.unwrap();
            store.save_paper(7, &saved("2404.00001")).await.unwrap();
            store.add_not_for_me(7, "2404.00009", "A paper").await.unwrap();
            store.add_not_for_me(8, "2404.00009", "A paper").await.unwrap();
            let day = chrono::NaiveDate::from_ymd_opt(2024, 4, 2).unwrap();
            store.mark_told(7, &[("2404.00001".into(), crate::select::for_you::followup::Kind::Code)], 7, day).await.unwrap();
            let count = |table: &'static str, user: i64| {
                let store = store.clone();
                async move {
                    let sql = format!("SELECT count(*) FROM {table} WHERE user_id = $1");
                    let n: i64 = with_pool!(store, |db| sqlx::query_scalar(&sql).bind(user).fetch_one(db).await.unwrap());
                    n
                }
            };
            // `/papers saved clear`: the list and what came of it; the setting stays.
            store.clear_saved(7).await.unwrap();
            assert_eq!(count("not_for_me", 7).await, 0);
            assert_eq!(count("followups_told", 7).await, 0);
            assert_eq!(count("for_you", 7).await, 1);
            assert_eq!(count("not_for_me", 8).await, 1, "another person's feedback stays");
            // `/alerts clear`: everything.
            store.add_not_for_me(7, "2404.00009", "A paper").await.unwrap();
            assert!(store.clear_alerts(7).await.unwrap());
            for table in ["for_you", "not_for_me", "followups_told", "saved_papers"] {
                assert_eq!(count(table, 7).await, 0, "{table}");
            }
            assert_eq!(store.for_you(7).await.unwrap(), None);
        }
    }
}
