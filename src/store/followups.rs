//! Follow-ups on saved papers: what Hugging Face links each saved paper to, as last looked at
//! (`paper_followups`, per paper: public facts, nothing about anyone), and which changes each
//! person was told of, in which delivery (`followups_told`, theirs alone, deleted with their
//! list). What counts as news is decided by [`crate::select::for_you::followup`].

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};

pub use crate::select::for_you::followup::FollowUp;
use crate::select::for_you::followup::{appeared, news, Kind, Links};
use crate::store::db::{id_from_db, id_to_db, placeholders, Store, StoreError, MAX_IDS_PER_QUERY};

#[derive(sqlx::FromRow)]
struct LinksRow {
    github_repo: Option<String>,
    project_page: Option<String>,
    models: i32,
    model: Option<String>,
    datasets: i32,
    dataset: Option<String>,
}

impl From<LinksRow> for Links {
    fn from(r: LinksRow) -> Links {
        Links {
            code: r.github_repo,
            project: r.project_page,
            models: r.models.max(0) as u32,
            model: r.model,
            datasets: r.datasets.max(0) as u32,
            dataset: r.dataset,
        }
    }
}

#[derive(sqlx::FromRow)]
struct StateRow {
    checked_at: Option<DateTime<Utc>>,
    #[sqlx(flatten)]
    links: LinksRow,
}

#[derive(sqlx::FromRow)]
struct NewsRow {
    user_id: i64,
    arxiv_id: String,
    title: String,
    saved_at: DateTime<Utc>,
    #[sqlx(flatten)]
    links: LinksRow,
    code_seen_at: Option<DateTime<Utc>>,
    project_seen_at: Option<DateTime<Utc>>,
    models_seen_at: Option<DateTime<Utc>>,
    datasets_seen_at: Option<DateTime<Utc>>,
}

/// (user, arXiv id, kind, ledger key, date) of a follow-up told.
type ToldRow = (i64, String, String, i64, NaiveDate);

const LINK_COLUMNS: &str =
    "f.github_repo, f.project_page, f.models, f.model, f.datasets, f.dataset";

fn count(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

impl Store {
    /// Papers saved by someone with "for you" on that are due for a look (never looked at, or
    /// their next look has come), the longest due first, at most `limit`.
    #[tracing::instrument(skip_all)]
    pub async fn followups_due(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<String>, StoreError> {
        let rows: Vec<(String,)> = with_pool!(self, |db| sqlx::query_as(
            "SELECT s.arxiv_id FROM saved_papers AS s \
             JOIN for_you AS y ON y.user_id = s.user_id AND y.enabled = TRUE \
             LEFT JOIN paper_followups AS f ON f.arxiv_id = s.arxiv_id \
             WHERE f.arxiv_id IS NULL OR f.next_check_at <= $1 \
             GROUP BY s.arxiv_id ORDER BY MIN(COALESCE(f.next_check_at, s.saved_at)), s.arxiv_id \
             LIMIT $2"
        )
        .bind(now)
        .bind(limit.min(i64::MAX as usize) as i64)
        .fetch_all(db)
        .await)?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// Claims the look at `arxiv_id` until `until`, so two processes never look at one paper at
    /// once; false when it is not due (another process has it, or looked already).
    #[tracing::instrument(skip_all, fields(arxiv_id = arxiv_id))]
    pub async fn claim_followup(
        &self,
        arxiv_id: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let n = with_pool!(self, |db| sqlx::query(
            "INSERT INTO paper_followups (arxiv_id, next_check_at) VALUES ($1, $3) \
             ON CONFLICT (arxiv_id) DO UPDATE SET next_check_at = excluded.next_check_at \
             WHERE paper_followups.next_check_at <= $2"
        )
        .bind(arxiv_id)
        .bind(now)
        .bind(until)
        .execute(db)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Records a look at `arxiv_id` (claimed first): what it is linked to now, when to look
    /// next. Returns the kinds of link that appeared since the last look (none at the first:
    /// that is where the paper starts), each stamped as first seen now.
    #[tracing::instrument(skip_all, fields(arxiv_id = arxiv_id))]
    pub async fn record_followup(
        &self,
        arxiv_id: &str,
        links: &Links,
        next: DateTime<Utc>,
    ) -> Result<Vec<Kind>, StoreError> {
        let now = self.now();
        with_write_tx!(self, |tx| {
            let before: Option<StateRow> = sqlx::query_as(&format!(
                "SELECT f.checked_at, {LINK_COLUMNS} FROM paper_followups AS f WHERE f.arxiv_id = $1"
            ))
            .bind(arxiv_id)
            .fetch_optional(&mut *tx)
            .await?;
            let previous: Option<Links> = before
                .filter(|b| b.checked_at.is_some())
                .map(|b| Links::from(b.links));
            let new = appeared(previous.as_ref(), links);
            let seen = |k: Kind| new.contains(&k).then_some(now);
            sqlx::query(
                "INSERT INTO paper_followups (arxiv_id, github_repo, project_page, models, model, \
                 datasets, dataset, checked_at, next_check_at, code_seen_at, project_seen_at, \
                 models_seen_at, datasets_seen_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
                 ON CONFLICT (arxiv_id) DO UPDATE SET github_repo = excluded.github_repo, \
                 project_page = excluded.project_page, models = excluded.models, \
                 model = excluded.model, datasets = excluded.datasets, dataset = excluded.dataset, \
                 checked_at = excluded.checked_at, next_check_at = excluded.next_check_at, \
                 code_seen_at = COALESCE(paper_followups.code_seen_at, excluded.code_seen_at), \
                 project_seen_at = COALESCE(paper_followups.project_seen_at, excluded.project_seen_at), \
                 models_seen_at = COALESCE(paper_followups.models_seen_at, excluded.models_seen_at), \
                 datasets_seen_at = COALESCE(paper_followups.datasets_seen_at, excluded.datasets_seen_at)",
            )
            .bind(arxiv_id)
            .bind(&links.code)
            .bind(&links.project)
            .bind(count(links.models))
            .bind(&links.model)
            .bind(count(links.datasets))
            .bind(&links.dataset)
            .bind(now)
            .bind(next)
            .bind(seen(Kind::Code))
            .bind(seen(Kind::Project))
            .bind(seen(Kind::Models))
            .bind(seen(Kind::Datasets))
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(new)
        })
    }

    /// A look that failed: tried again at `retry_at`, the last links kept.
    #[tracing::instrument(skip_all, fields(arxiv_id = arxiv_id))]
    pub async fn postpone_followup(
        &self,
        arxiv_id: &str,
        retry_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        with_pool!(self, |db| sqlx::query(
            "UPDATE paper_followups SET next_check_at = $2 WHERE arxiv_id = $1"
        )
        .bind(arxiv_id)
        .bind(retry_at)
        .execute(db)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// What the last look found for `arxiv_id` (`None`: never looked at).
    pub async fn followup_links(&self, arxiv_id: &str) -> Result<Option<Links>, StoreError> {
        let row: Option<LinksRow> = with_pool!(self, |db| sqlx::query_as(&format!(
            "SELECT {LINK_COLUMNS} FROM paper_followups AS f \
             WHERE f.arxiv_id = $1 AND f.checked_at IS NOT NULL"
        ))
        .bind(arxiv_id)
        .fetch_optional(db)
        .await)?;
        Ok(row.map(Links::from))
    }

    /// The follow-ups each of `people` (user, the ledger key of the delivery being planned) has
    /// not been told, for that delivery of `date`: what appeared on a paper after they saved it
    /// and no other delivery told them (the same delivery planned again tells the same). By
    /// user, in the order of their list (oldest saved first).
    #[tracing::instrument(skip_all, fields(people = people.len(), date = %date))]
    pub async fn followup_news(
        &self,
        people: &[(u64, u64)],
        date: NaiveDate,
    ) -> Result<HashMap<u64, Vec<FollowUp>>, StoreError> {
        let key_of: HashMap<u64, u64> = people.iter().copied().collect();
        let users: Vec<u64> = people.iter().map(|(u, _)| *u).collect();
        let mut out: HashMap<u64, Vec<FollowUp>> = HashMap::new();
        for chunk in users.chunks(MAX_IDS_PER_QUERY) {
            let list = placeholders(1, chunk.len());
            let news_sql = format!(
                "SELECT s.user_id, s.arxiv_id, s.title, s.saved_at, {LINK_COLUMNS}, \
                 f.code_seen_at, f.project_seen_at, f.models_seen_at, f.datasets_seen_at \
                 FROM saved_papers AS s JOIN paper_followups AS f ON f.arxiv_id = s.arxiv_id \
                 WHERE s.user_id IN ({list}) AND (f.code_seen_at > s.saved_at \
                 OR f.project_seen_at > s.saved_at OR f.models_seen_at > s.saved_at \
                 OR f.datasets_seen_at > s.saved_at) ORDER BY s.user_id, s.saved_at, s.arxiv_id"
            );
            let told_sql = format!(
                "SELECT user_id, arxiv_id, kind, ledger_key, date FROM followups_told \
                 WHERE user_id IN ({list})"
            );
            let (rows, told): (Vec<NewsRow>, Vec<ToldRow>) = with_pool!(self, |db| {
                let mut q = sqlx::query_as(&news_sql);
                let mut t = sqlx::query_as(&told_sql);
                for u in chunk {
                    q = q.bind(id_to_db(*u));
                    t = t.bind(id_to_db(*u));
                }
                (q.fetch_all(db).await?, t.fetch_all(db).await?)
            });
            // Told in another delivery than the one being planned.
            let mut elsewhere: HashMap<(u64, String), Vec<Kind>> = HashMap::new();
            for (user, id, kind, key, day) in told {
                let user = id_from_db(user);
                let this = key_of.get(&user) == Some(&id_from_db(key)) && day == date;
                if let (false, Some(kind)) = (this, Kind::from_db(&kind)) {
                    elsewhere.entry((user, id)).or_default().push(kind);
                }
            }
            for r in rows {
                let user = id_from_db(r.user_id);
                let seen: Vec<(Kind, DateTime<Utc>)> = [
                    (Kind::Code, r.code_seen_at),
                    (Kind::Project, r.project_seen_at),
                    (Kind::Models, r.models_seen_at),
                    (Kind::Datasets, r.datasets_seen_at),
                ]
                .into_iter()
                .filter_map(|(k, at)| at.map(|at| (k, at)))
                .collect();
                let told = elsewhere
                    .get(&(user, r.arxiv_id.clone()))
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                let links = Links::from(r.links);
                for kind in news(r.saved_at, &seen, told) {
                    out.entry(user).or_default().push(FollowUp {
                        arxiv_id: r.arxiv_id.clone(),
                        title: r.title.clone(),
                        kind,
                        links: links.clone(),
                    });
                }
            }
        }
        Ok(out)
    }

    /// Records that `user_id` was told `items` by the delivery (`ledger_key`, `date`); what was
    /// told before stays as it was.
    #[tracing::instrument(skip_all, fields(user_id = user_id, items = items.len()))]
    pub async fn mark_told(
        &self,
        user_id: u64,
        items: &[(String, Kind)],
        ledger_key: u64,
        date: NaiveDate,
    ) -> Result<(), StoreError> {
        let now = self.now();
        with_write_tx!(self, |tx| {
            for (id, kind) in items {
                sqlx::query(
                    "INSERT INTO followups_told (user_id, arxiv_id, kind, ledger_key, date, told_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (user_id, arxiv_id, kind) DO NOTHING",
                )
                .bind(id_to_db(user_id))
                .bind(id)
                .bind(kind.as_db())
                .bind(id_to_db(ledger_key))
                .bind(date)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Clock;
    use crate::store::SavedPaper;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    /// A store whose clock is set by the test.
    fn clocked(store: Store) -> (Store, crate::clock::ManualClock) {
        let clock = crate::clock::ManualClock::new(at("2024-04-02T12:00:00Z"));
        (store.with_clock(std::sync::Arc::new(clock.clone())), clock)
    }

    fn saved(id: &str) -> SavedPaper {
        SavedPaper {
            arxiv_id: id.into(),
            title: format!("Paper {id}"),
            authors: vec![],
            digest_date: None,
            saved_at: at("2024-04-02T12:00:00Z"),
        }
    }

    fn code(url: &str) -> Links {
        Links {
            code: Some(url.into()),
            ..Links::default()
        }
    }

    store_tests! {
        async fn due_papers_are_those_saved_by_for_you_readers_and_claimed_once(store) {
            let (store, clock) = clocked(store);
            store.save_paper(7, &saved("2404.00001")).await.unwrap();
            store.save_paper(8, &saved("2404.00002")).await.unwrap();
            let now = clock.now();
            assert!(store.followups_due(now, 10).await.unwrap().is_empty(), "nobody asked");
            store.set_for_you(7, true, None).await.unwrap();
            assert_eq!(store.followups_due(now, 10).await.unwrap(), ["2404.00001"]);
            let until = now + chrono::Duration::minutes(10);
            assert!(store.claim_followup("2404.00001", now, until).await.unwrap());
            assert!(!store.claim_followup("2404.00001", now, until).await.unwrap(), "claimed once");
            assert!(store.followups_due(now, 10).await.unwrap().is_empty());
            // A claim that ran out (its process died) is due again.
            let later = until + chrono::Duration::seconds(1);
            assert_eq!(store.followups_due(later, 10).await.unwrap(), ["2404.00001"]);
            assert!(store.claim_followup("2404.00001", later, later + chrono::Duration::minutes(10)).await.unwrap());
            store.set_for_you(7, false, None).await.unwrap();
            assert!(store.followups_due(later + chrono::Duration::days(9), 10).await.unwrap().is_empty());
        }

        async fn a_repository_that_appears_is_told_once_to_who_saved_the_paper_before(store) {
            let (store, clock) = clocked(store);
            store.save_paper(7, &saved("2404.00001")).await.unwrap();
            store.set_for_you(7, true, None).await.unwrap();
            let day = NaiveDate::from_ymd_opt(2024, 4, 3).unwrap();
            // The first look: no code yet; the baseline, nothing to tell.
            let next = clock.now() + chrono::Duration::days(1);
            assert!(store.claim_followup("2404.00001", clock.now(), next).await.unwrap());
            assert_eq!(store.record_followup("2404.00001", &Links::default(), next).await.unwrap(), []);
            assert!(store.followup_news(&[(7, 7)], day).await.unwrap().is_empty());
            // The next day the repository is there.
            clock.set(clock.now() + chrono::Duration::days(1));
            let found = code("https://github.com/a/b");
            assert_eq!(
                store.record_followup("2404.00001", &found, clock.now() + chrono::Duration::days(1)).await.unwrap(),
                [Kind::Code]
            );
            assert_eq!(store.followup_links("2404.00001").await.unwrap(), Some(found.clone()));
            let news = store.followup_news(&[(7, 7)], day).await.unwrap();
            assert_eq!(news[&7], [FollowUp {
                arxiv_id: "2404.00001".into(),
                title: "Paper 2404.00001".into(),
                kind: Kind::Code,
                links: found.clone(),
            }]);
            // Told by the DM of `day`: planned again, that DM says it again; no other does.
            store.mark_told(7, &[("2404.00001".into(), Kind::Code)], 7, day).await.unwrap();
            store.mark_told(7, &[("2404.00001".into(), Kind::Code)], 7, day).await.unwrap();
            assert_eq!(store.followup_news(&[(7, 7)], day).await.unwrap()[&7].len(), 1);
            assert!(store.followup_news(&[(7, 7)], day.succ_opt().unwrap()).await.unwrap().is_empty());
            assert!(store.followup_news(&[(7, 99)], day).await.unwrap().is_empty(), "another delivery");
            // A later look finding the same is not news; someone who saves it now hears nothing.
            assert_eq!(store.record_followup("2404.00001", &found, clock.now()).await.unwrap(), []);
            let mut late = saved("2404.00001");
            late.saved_at = clock.now();
            clock.set(clock.now() + chrono::Duration::hours(1));
            store.save_paper(8, &late).await.unwrap();
            assert!(store.followup_news(&[(8, 8)], day).await.unwrap().is_empty());
            // Cleared and saved again, the paper is saved after its code appeared: no news.
            store.clear_saved(7).await.unwrap();
            store.save_paper(7, &saved("2404.00001")).await.unwrap();
            assert!(store.followup_news(&[(7, 7)], day.succ_opt().unwrap()).await.unwrap().is_empty());
        }

        async fn a_failed_look_is_postponed_and_keeps_the_last_links(store) {
            let (store, clock) = clocked(store);
            store.save_paper(7, &saved("2404.00001")).await.unwrap();
            store.set_for_you(7, true, None).await.unwrap();
            let now = clock.now();
            store.claim_followup("2404.00001", now, now + chrono::Duration::minutes(10)).await.unwrap();
            store.record_followup("2404.00001", &code("https://github.com/a/b"), now).await.unwrap();
            store.claim_followup("2404.00001", now, now + chrono::Duration::minutes(10)).await.unwrap();
            let retry = now + chrono::Duration::hours(1);
            store.postpone_followup("2404.00001", retry).await.unwrap();
            assert!(store.followups_due(now + chrono::Duration::minutes(59), 10).await.unwrap().is_empty());
            assert_eq!(store.followups_due(retry, 10).await.unwrap(), ["2404.00001"]);
            assert_eq!(store.followup_links("2404.00001").await.unwrap(), Some(code("https://github.com/a/b")));
            assert_eq!(store.followup_links("2404.00002").await.unwrap(), None);
        }
    }
}
