//! A person's reading list: the papers they saved from a post's "🔖 Save…" menu. Each row is a
//! snapshot (title, authors, day) taken when saving, so the list shows and exports the same
//! whether or not the archive still has the paper. A person's list is theirs alone: every
//! statement here is keyed by their user id.

use chrono::{DateTime, NaiveDate, Utc};

use crate::store::db::{id_to_db, Store, StoreError};

/// Papers one person may keep: a visible limit (stated in the reply that hits it), so that one
/// person cannot grow the database without bound.
pub const MAX_SAVED_PAPERS: usize = 1000;

/// One saved paper, as it was when saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedPaper {
    /// Without version, e.g. `2404.00399`.
    pub arxiv_id: String,
    pub title: String,
    /// In the digest's order; may hold the literal `"+"` of an elided run, as the digest did.
    pub authors: Vec<String>,
    /// The digest day it was saved from, when known.
    pub digest_date: Option<NaiveDate>,
    pub saved_at: DateTime<Utc>,
}

/// What saving did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveOutcome {
    Saved,
    /// It was on the list already (saved once, whatever the number of clicks).
    AlreadySaved,
    /// The list holds [`MAX_SAVED_PAPERS`] already.
    Full,
}

#[derive(sqlx::FromRow)]
struct SavedRow {
    arxiv_id: String,
    title: String,
    authors: String,
    digest_date: Option<NaiveDate>,
    saved_at: DateTime<Utc>,
}

impl TryFrom<SavedRow> for SavedPaper {
    type Error = StoreError;

    fn try_from(r: SavedRow) -> Result<Self, StoreError> {
        let authors = serde_json::from_str(&r.authors).map_err(|e| {
            StoreError::Corrupt(format!("authors of saved paper {:?}: {e}", r.arxiv_id))
        })?;
        Ok(SavedPaper {
            arxiv_id: r.arxiv_id,
            title: r.title,
            authors,
            digest_date: r.digest_date,
            saved_at: r.saved_at,
        })
    }
}

const COLUMNS: &str = "arxiv_id, title, authors, digest_date, saved_at";

impl Store {
    /// Adds a paper to `user_id`'s list, stamped now. A paper already there is left as it was
    /// (its first save time kept), so double clicks and two processes answering the same person
    /// at once save it once. The cap is checked in the same write transaction as the insert.
    #[tracing::instrument(skip_all, fields(user_id = user_id, arxiv_id = %paper.arxiv_id))]
    pub async fn save_paper(
        &self,
        user_id: u64,
        paper: &SavedPaper,
    ) -> Result<SaveOutcome, StoreError> {
        let now = self.now();
        with_write_tx!(self, |tx| {
            let exists: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM saved_papers WHERE user_id = $1 AND arxiv_id = $2)",
            )
            .bind(id_to_db(user_id))
            .bind(&paper.arxiv_id)
            .fetch_one(&mut *tx)
            .await?;
            if exists {
                tx.commit().await?;
                return Ok(SaveOutcome::AlreadySaved);
            }
            let count: i64 =
                sqlx::query_scalar("SELECT count(*) FROM saved_papers WHERE user_id = $1")
                    .bind(id_to_db(user_id))
                    .fetch_one(&mut *tx)
                    .await?;
            if count as usize >= MAX_SAVED_PAPERS {
                tx.commit().await?;
                return Ok(SaveOutcome::Full);
            }
            let inserted = sqlx::query(
                "INSERT INTO saved_papers (user_id, arxiv_id, title, authors, digest_date, saved_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (user_id, arxiv_id) DO NOTHING",
            )
            .bind(id_to_db(user_id))
            .bind(&paper.arxiv_id)
            .bind(&paper.title)
            .bind(serde_json::to_string(&paper.authors).expect("strings always serialize"))
            .bind(paper.digest_date)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            tx.commit().await?;
            Ok(if inserted == 1 {
                SaveOutcome::Saved
            } else {
                SaveOutcome::AlreadySaved
            })
        })
    }

    /// A page of `user_id`'s list, newest first (ties by arXiv id, so pages never overlap).
    #[tracing::instrument(skip_all, fields(user_id = user_id, offset = offset, limit = limit))]
    pub async fn saved_papers(
        &self,
        user_id: u64,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<SavedPaper>, StoreError> {
        let rows: Vec<SavedRow> = with_pool!(self, |db| sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM saved_papers WHERE user_id = $1 \
             ORDER BY saved_at DESC, arxiv_id LIMIT $2 OFFSET $3"
        ))
        .bind(id_to_db(user_id))
        .bind(limit.min(i64::MAX as usize) as i64)
        .bind(offset.min(i64::MAX as usize) as i64)
        .fetch_all(db)
        .await)?;
        rows.into_iter().map(SavedPaper::try_from).collect()
    }

    /// How many papers `user_id` has saved.
    #[tracing::instrument(skip_all, fields(user_id = user_id))]
    pub async fn saved_count(&self, user_id: u64) -> Result<usize, StoreError> {
        let n: i64 = with_pool!(self, |db| sqlx::query_scalar(
            "SELECT count(*) FROM saved_papers WHERE user_id = $1"
        )
        .bind(id_to_db(user_id))
        .fetch_one(db)
        .await)?;
        Ok(n.max(0) as usize)
    }

    /// Removes one paper from `user_id`'s list; false when it was not there.
    #[tracing::instrument(skip_all, fields(user_id = user_id, arxiv_id = arxiv_id))]
    pub async fn remove_saved(&self, user_id: u64, arxiv_id: &str) -> Result<bool, StoreError> {
        with_write_tx!(self, |tx| {
            let n = sqlx::query("DELETE FROM saved_papers WHERE user_id = $1 AND arxiv_id = $2")
                .bind(id_to_db(user_id))
                .bind(arxiv_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            // What they were told about it goes with it.
            sqlx::query("DELETE FROM followups_told WHERE user_id = $1 AND arxiv_id = $2")
                .bind(id_to_db(user_id))
                .bind(arxiv_id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(n > 0)
        })
    }

    /// Deletes `user_id`'s whole list, with what came of it (the papers they turned down from
    /// recommendations, the follow-ups they were told); the number of papers it held.
    #[tracing::instrument(skip_all, fields(user_id = user_id))]
    pub async fn clear_saved(&self, user_id: u64) -> Result<u64, StoreError> {
        with_write_tx!(self, |tx| {
            let n = sqlx::query("DELETE FROM saved_papers WHERE user_id = $1")
                .bind(id_to_db(user_id))
                .execute(&mut *tx)
                .await?
                .rows_affected();
            for table in ["not_for_me", "followups_told"] {
                sqlx::query(&format!("DELETE FROM {table} WHERE user_id = $1"))
                    .bind(id_to_db(user_id))
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(n)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paper(id: &str) -> SavedPaper {
        SavedPaper {
            arxiv_id: id.into(),
            title: format!("Paper {id}"),
            authors: vec!["Tri Dao".into(), "Cordélia".into()],
            digest_date: NaiveDate::from_ymd_opt(2024, 4, 2),
            saved_at: DateTime::<Utc>::MIN_UTC,
        }
    }

    fn ids(list: &[SavedPaper]) -> Vec<&str> {
        list.iter().map(|p| p.arxiv_id.as_str()).collect()
    }

    /// A clock that moves one second each time it is read, so saves have distinct times.
    #[derive(Debug)]
    struct Ticking(std::sync::Mutex<DateTime<Utc>>);

    impl crate::clock::Clock for Ticking {
        fn now(&self) -> DateTime<Utc> {
            let mut t = self.0.lock().unwrap();
            *t += chrono::Duration::seconds(1);
            *t
        }
    }

    fn ticking(store: Store) -> Store {
        let start = DateTime::parse_from_rfc3339("2024-04-02T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        store.with_clock(std::sync::Arc::new(Ticking(std::sync::Mutex::new(start))))
    }

    /// Two stores (two processes' pools) on one database save the same person's papers at
    /// once: each distinct paper ends up once, each reported saved by exactly one of them.
    async fn two_processes_save_for_one_person(a: Store, b: Store) {
        let mut tasks = Vec::new();
        for (n, store) in [a.clone(), b.clone(), a, b].into_iter().enumerate() {
            tasks.push(tokio::spawn(async move {
                let mut saved = 0;
                for i in 0..25 {
                    let id = format!("2404.{:05}", (i + n * 7) % 25);
                    if store.save_paper(7, &paper(&id)).await.unwrap() == SaveOutcome::Saved {
                        saved += 1;
                    }
                }
                (saved, store)
            }));
        }
        let mut saved = 0;
        let mut last = None;
        for t in tasks {
            let (n, store) = t.await.unwrap();
            saved += n;
            last = Some(store);
        }
        let store = last.unwrap();
        assert_eq!(saved, 25, "each paper reported saved exactly once");
        assert_eq!(store.saved_count(7).await.unwrap(), 25);
    }

    #[tokio::test]
    async fn two_processes_on_one_sqlite_file_save_for_one_person() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("paperboy.db");
        let a = Store::open(&path).await.unwrap();
        let b = Store::open(&path).await.unwrap();
        two_processes_save_for_one_person(a, b).await;
    }

    #[tokio::test]
    async fn two_processes_on_one_postgres_database_save_for_one_person() {
        let Some(options) = crate::store::testing::postgres_schema().await else {
            return;
        };
        let a = Store::open_postgres_with(options.clone()).await.unwrap();
        let b = Store::open_postgres_with(options).await.unwrap();
        two_processes_save_for_one_person(a, b).await;
    }

    store_tests! {
        async fn the_archive_finds_a_paper_by_its_arxiv_id_newest_day_first(store) {
            let day = |date: &str, title: &str| crate::source::digest::Digest {
                date: date.parse().unwrap(),
                papers: vec![crate::source::digest::Paper {
                    title: title.into(),
                    arxiv_id: Some("2404.00399".into()),
                    authors: vec!["Tri Dao".into()],
                    ..Default::default()
                }],
            };
            assert_eq!(store.paper_by_arxiv_id("2404.00399").await.unwrap(), None);
            store.save_digest(&day("2024-04-02", "Old"), "t", true).await.unwrap();
            store.save_digest(&day("2024-04-03", "New"), "t", true).await.unwrap();
            let (date, paper) = store.paper_by_arxiv_id("2404.00399").await.unwrap().unwrap();
            assert_eq!((date.to_string().as_str(), paper.title.as_str()), ("2024-04-03", "New"));
            assert_eq!(paper.authors, ["Tri Dao"]);
        }

        async fn saved_once_listed_newest_first_and_paged(store) {
            let store = ticking(store);
            for id in ["2404.00001", "2404.00002", "2404.00003"] {
                assert_eq!(store.save_paper(7, &paper(id)).await.unwrap(), SaveOutcome::Saved);
            }
            // Saved again: once, its first save time kept (so it does not jump to the top).
            assert_eq!(
                store.save_paper(7, &paper("2404.00001")).await.unwrap(),
                SaveOutcome::AlreadySaved
            );
            assert_eq!(store.saved_count(7).await.unwrap(), 3);
            let all = store.saved_papers(7, 0, 10).await.unwrap();
            assert_eq!(ids(&all), ["2404.00003", "2404.00002", "2404.00001"]);
            assert_eq!(all[0].authors, ["Tri Dao", "Cordélia"]);
            assert_eq!(all[0].digest_date, NaiveDate::from_ymd_opt(2024, 4, 2));
            assert!(all[0].saved_at > all[1].saved_at);
            assert_eq!(ids(&store.saved_papers(7, 1, 1).await.unwrap()), ["2404.00002"]);
            assert!(store.saved_papers(7, 3, 10).await.unwrap().is_empty());
            // Another person's list is apart.
            assert!(store.saved_papers(8, 0, 10).await.unwrap().is_empty());
            assert_eq!(store.save_paper(8, &paper("2404.00001")).await.unwrap(), SaveOutcome::Saved);
            assert_eq!(store.saved_count(7).await.unwrap(), 3);
        }

        async fn clearing_alerts_deletes_the_reading_list_too(store) {
            store.save_paper(7, &paper("2404.00001")).await.unwrap();
            store.save_paper(8, &paper("2404.00001")).await.unwrap();
            // A person with a list and no alerts: `/alerts clear` still deletes the list.
            assert!(store.clear_alerts(7).await.unwrap());
            assert_eq!(store.saved_count(7).await.unwrap(), 0);
            assert_eq!(store.saved_count(8).await.unwrap(), 1);
            assert!(!store.clear_alerts(7).await.unwrap());
        }

        async fn remove_and_clear_touch_only_that_person(store) {
            for id in ["2404.00001", "2404.00002"] {
                store.save_paper(7, &paper(id)).await.unwrap();
                store.save_paper(8, &paper(id)).await.unwrap();
            }
            assert!(store.remove_saved(7, "2404.00001").await.unwrap());
            assert!(!store.remove_saved(7, "2404.00001").await.unwrap());
            assert_eq!(ids(&store.saved_papers(7, 0, 10).await.unwrap()), ["2404.00002"]);
            assert_eq!(store.clear_saved(7).await.unwrap(), 1);
            assert_eq!(store.saved_count(7).await.unwrap(), 0);
            assert_eq!(store.saved_count(8).await.unwrap(), 2);
            assert_eq!(store.clear_saved(7).await.unwrap(), 0);
        }

        async fn a_full_list_refuses_more_but_not_a_paper_it_has(store) {
            with_pool!(store, |db| {
                for i in 0..MAX_SAVED_PAPERS {
                    sqlx::query(
                        "INSERT INTO saved_papers (user_id, arxiv_id, title, saved_at) \
                         VALUES (7, $1, 't', $2)",
                    )
                    .bind(format!("2404.{i:05}"))
                    .bind(Utc::now())
                    .execute(db)
                    .await
                    .unwrap();
                }
            });
            assert_eq!(store.save_paper(7, &paper("2405.00001")).await.unwrap(), SaveOutcome::Full);
            assert_eq!(
                store.save_paper(7, &paper("2404.00005")).await.unwrap(),
                SaveOutcome::AlreadySaved
            );
            assert_eq!(store.saved_count(7).await.unwrap(), MAX_SAVED_PAPERS);
        }

        /// Two processes answering one person's clicks at once: every distinct paper is saved
        /// exactly once, none lost, none doubled (writers are serialized on both backends, and
        /// the key makes a second insert of the same paper a no-op).
        async fn concurrent_saves_of_one_person_lose_and_double_nothing(store) {
            let mut tasks = Vec::new();
            for worker in 0..4 {
                let store = store.clone();
                tasks.push(tokio::spawn(async move {
                    let mut saved = 0;
                    for i in 0..20 {
                        // Every worker saves the same 20 papers, each starting elsewhere.
                        let id = format!("2404.{:05}", (i + worker * 5) % 20);
                        if store.save_paper(7, &paper(&id)).await.unwrap() == SaveOutcome::Saved {
                            saved += 1;
                        }
                    }
                    saved
                }));
            }
            let mut saved = 0;
            for t in tasks {
                saved += t.await.unwrap();
            }
            assert_eq!(saved, 20, "each paper reported saved exactly once");
            let list = store.saved_papers(7, 0, 100).await.unwrap();
            let mut got: Vec<&str> = ids(&list);
            got.sort();
            let want: Vec<String> = (0..20).map(|i| format!("2404.{i:05}")).collect();
            assert_eq!(got, want);
        }
    }
}
