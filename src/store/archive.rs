//! Archive of fetched digests and full-text search over it.

use chrono::{DateTime, NaiveDate, Utc};

use crate::source::digest::{Digest, Organization, Paper};
use crate::store::db::{opt_u32, Store, StoreError};

/// Shorter tokens yield no trigram, so the FTS index cannot find them; they are matched with
/// LIKE instead (common in Korean, where many words are two syllables).
const TRIGRAM_CHARS: usize = 3;

/// Weights for bm25 over (title, bullets): a hit in the title says more about the paper.
const RANK_EXPR: &str = "bm25(papers_fts, 2.0, 1.0)";

/// An archived day with its provenance.
#[derive(Debug, Clone, PartialEq)]
pub struct Archived {
    pub digest: Digest,
    /// The source it came from, as [`crate::source::loader::DigestSource::describe`] put it.
    pub source: String,
    pub fetched_at: DateTime<Utc>,
    /// Whether the day was complete at its source when fetched. A provisional day (a Hugging
    /// Face list whose day was not over) is shown as "so far" and never posted by the daily job.
    pub final_: bool,
}

/// An archived day without its papers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArchivedDay {
    pub date: NaiveDate,
    pub fetched_at: DateTime<Utc>,
    pub final_: bool,
    pub papers: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    pub date: NaiveDate,
    pub paper: Paper,
    /// FTS5 bm25 score on SQLite, an occurrence count standing in for it on Postgres: lower
    /// (more negative) is a better match. 0 when the query had only tokens too short for the
    /// index and was answered by substring matching alone.
    pub rank: f64,
}

#[derive(sqlx::FromRow)]
struct PaperRow {
    title: String,
    url: Option<String>,
    arxiv_id: Option<String>,
    thumbnail_url: Option<String>,
    votes: Option<i64>,
    authors: String,
    bullets: String,
    github_repo: Option<String>,
    github_stars: Option<i64>,
    project_page: Option<String>,
    organization: Option<String>,
    organization_fullname: Option<String>,
    ai_keywords: String,
    num_comments: Option<i64>,
    submitted_by: Option<String>,
    #[sqlx(rename = "abstract")]
    abstract_: Option<String>,
    hf_summary: String,
}

impl TryFrom<PaperRow> for Paper {
    type Error = StoreError;

    fn try_from(row: PaperRow) -> Result<Self, StoreError> {
        let list = |json: &str, what: &str| -> Result<Vec<String>, StoreError> {
            serde_json::from_str(json)
                .map_err(|e| StoreError::Corrupt(format!("{what} of paper {:?}: {e}", row.title)))
        };
        Ok(Paper {
            authors: list(&row.authors, "authors")?,
            bullets: list(&row.bullets, "bullets")?,
            ai_keywords: list(&row.ai_keywords, "ai_keywords")?,
            hf_summary: list(&row.hf_summary, "hf_summary")?,
            votes: opt_u32(row.votes),
            github_stars: opt_u32(row.github_stars),
            num_comments: opt_u32(row.num_comments),
            organization: row.organization.map(|name| Organization {
                name,
                fullname: row.organization_fullname,
            }),
            github_repo: row.github_repo,
            project_page: row.project_page,
            submitted_by: row.submitted_by,
            abstract_: row.abstract_,
            title: row.title,
            url: row.url,
            arxiv_id: row.arxiv_id,
            thumbnail_url: row.thumbnail_url,
        })
    }
}

#[derive(sqlx::FromRow)]
struct SearchRow {
    date: NaiveDate,
    rank: f64,
    #[sqlx(flatten)]
    paper: PaperRow,
}

#[derive(sqlx::FromRow)]
struct DatedRow {
    date: NaiveDate,
    #[sqlx(flatten)]
    paper: PaperRow,
}

const PAPER_COLUMNS: &str =
    "p.title, p.url, p.arxiv_id, p.thumbnail_url, p.votes, p.authors, p.bullets, \
     p.github_repo, p.github_stars, p.project_page, p.organization, p.organization_fullname, \
     p.ai_keywords, p.num_comments, p.submitted_by, p.abstract, p.hf_summary";

impl Store {
    /// Stores a day's digest, replacing whatever was archived for that date: a re-fetch (the
    /// digest gets corrected during the day, a provisional list grows, the primary's version
    /// replaces the fallback's) must not leave stale papers behind. `final_` says whether the
    /// day can still change at its source (see [`Archived::final_`]).
    #[tracing::instrument(skip_all, fields(date = %digest.date, papers = digest.papers.len(), source = source, final_ = final_))]
    pub async fn save_digest(
        &self,
        digest: &Digest,
        source: &str,
        final_: bool,
    ) -> Result<(), StoreError> {
        with_write_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO digests (date, source, fetched_at, paper_count, final) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (date) DO UPDATE SET source = excluded.source, \
             fetched_at = excluded.fetched_at, paper_count = excluded.paper_count, \
             final = excluded.final",
            )
            .bind(digest.date)
            .bind(source)
            .bind(self.now())
            .bind(digest.papers.len() as i64)
            .bind(final_)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM papers WHERE date = $1")
                .bind(digest.date)
                .execute(&mut *tx)
                .await?;
            for (position, paper) in digest.papers.iter().enumerate() {
                sqlx::query(
                "INSERT INTO papers (date, position, title, url, arxiv_id, thumbnail_url, votes, \
                 authors, bullets, github_repo, github_stars, project_page, organization, \
                 organization_fullname, ai_keywords, num_comments, submitted_by, abstract, hf_summary) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
                 $18, $19)",
            )
            .bind(digest.date)
            .bind(position as i64)
            .bind(&paper.title)
            .bind(&paper.url)
            .bind(&paper.arxiv_id)
            .bind(&paper.thumbnail_url)
            .bind(paper.votes.map(i64::from))
            .bind(serde_json::to_string(&paper.authors).expect("strings always serialize"))
            .bind(serde_json::to_string(&paper.bullets).expect("strings always serialize"))
            .bind(&paper.github_repo)
            .bind(paper.github_stars.map(i64::from))
            .bind(&paper.project_page)
            .bind(paper.organization.as_ref().map(|o| &o.name))
            .bind(paper.organization.as_ref().and_then(|o| o.fullname.as_ref()))
            .bind(serde_json::to_string(&paper.ai_keywords).expect("strings always serialize"))
            .bind(paper.num_comments.map(i64::from))
            .bind(&paper.submitted_by)
            .bind(&paper.abstract_)
            .bind(serde_json::to_string(&paper.hf_summary).expect("strings always serialize"))
            .execute(&mut *tx)
            .await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// The archived digest for `date`, papers in digest order; `None` if that date was never
    /// saved (a saved day with no papers is `Some` with an empty list).
    #[tracing::instrument(skip_all, fields(date = %date))]
    pub async fn digest(&self, date: NaiveDate) -> Result<Option<Digest>, StoreError> {
        // One snapshot, so a concurrent re-save cannot mix two versions of the day.
        let rows = with_read_tx!(self, |tx| {
            let known: Option<i64> =
                sqlx::query_scalar("SELECT paper_count FROM digests WHERE date = $1")
                    .bind(date)
                    .fetch_optional(&mut *tx)
                    .await?;
            if known.is_none() {
                return Ok(None);
            }
            let rows: Vec<PaperRow> = sqlx::query_as(&format!(
                "SELECT {PAPER_COLUMNS} FROM papers AS p WHERE p.date = $1 ORDER BY p.position"
            ))
            .bind(date)
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            rows
        });
        let papers = rows
            .into_iter()
            .map(Paper::try_from)
            .collect::<Result<_, _>>()?;
        Ok(Some(Digest { date, papers }))
    }

    /// The archived digest for `date` with where and when it was fetched.
    #[tracing::instrument(skip_all, fields(date = %date))]
    pub async fn archived(&self, date: NaiveDate) -> Result<Option<Archived>, StoreError> {
        let meta: Option<(String, DateTime<Utc>, bool)> = with_pool!(self, |db| sqlx::query_as(
            "SELECT source, fetched_at, final FROM digests WHERE date = $1"
        )
        .bind(date)
        .fetch_optional(db)
        .await)?;
        let Some((source, fetched_at, final_)) = meta else {
            return Ok(None);
        };
        let Some(digest) = self.digest(date).await? else {
            // Replaced between the two reads: a newer copy is there, read it again.
            return Box::pin(self.archived(date)).await;
        };
        Ok(Some(Archived {
            digest,
            source,
            fetched_at,
            final_,
        }))
    }

    /// The archived dates from `source` on or after `since`, newest first, with when each was
    /// fetched and whether it is final.
    #[tracing::instrument(skip_all, fields(source = source, since = %since))]
    pub async fn archived_dates(
        &self,
        source: &str,
        since: NaiveDate,
    ) -> Result<Vec<ArchivedDay>, StoreError> {
        let rows: Vec<(NaiveDate, DateTime<Utc>, bool, i64)> =
            with_pool!(self, |db| sqlx::query_as(
                "SELECT date, fetched_at, final, paper_count FROM digests \
             WHERE source = $1 AND date >= $2 ORDER BY date DESC",
            )
            .bind(source)
            .bind(since)
            .fetch_all(db)
            .await)?;
        Ok(rows
            .into_iter()
            .map(|(date, fetched_at, final_, papers)| ArchivedDay {
                date,
                fetched_at,
                final_,
                papers: papers.max(0) as usize,
            })
            .collect())
    }

    /// The newest archived copy of the paper with this arXiv id (as archived: no version), with
    /// its day: what a save from a post's menu snapshots. `None` when no archived day lists it.
    #[tracing::instrument(skip_all, fields(arxiv_id = arxiv_id))]
    pub async fn paper_by_arxiv_id(
        &self,
        arxiv_id: &str,
    ) -> Result<Option<(NaiveDate, Paper)>, StoreError> {
        let row: Option<DatedRow> = with_pool!(self, |db| sqlx::query_as(&format!(
            "SELECT p.date, {PAPER_COLUMNS} FROM papers AS p \
             WHERE p.arxiv_id = $1 ORDER BY p.date DESC LIMIT 1"
        ))
        .bind(arxiv_id)
        .fetch_optional(db)
        .await)?;
        row.map(|r| Ok((r.date, Paper::try_from(r.paper)?)))
            .transpose()
    }

    /// The newest archived copy of each paper of `arxiv_ids` that the archive has, by id: the
    /// text a reading list's papers are compared by. Asked in chunks, so a list of thousands
    /// stays within every backend's limit on parameters.
    #[tracing::instrument(skip_all, fields(ids = arxiv_ids.len()))]
    pub async fn papers_by_arxiv_ids(
        &self,
        arxiv_ids: &[String],
    ) -> Result<std::collections::HashMap<String, Paper>, StoreError> {
        let mut out = std::collections::HashMap::new();
        for chunk in arxiv_ids.chunks(crate::store::db::MAX_IDS_PER_QUERY) {
            let sql = format!(
                "SELECT p.date, {PAPER_COLUMNS} FROM papers AS p WHERE p.arxiv_id IN ({}) \
                 ORDER BY p.date DESC",
                crate::store::db::placeholders(1, chunk.len())
            );
            let rows: Vec<DatedRow> = with_pool!(self, |db| {
                let mut q = sqlx::query_as(&sql);
                for id in chunk {
                    q = q.bind(id);
                }
                q.fetch_all(db).await
            })?;
            for row in rows {
                let paper = Paper::try_from(row.paper)?;
                if let Some(id) = paper.arxiv_id.clone() {
                    // Newest first: the first row of an id is the one kept.
                    out.entry(id).or_insert(paper);
                }
            }
        }
        Ok(out)
    }

    /// The newest archived final day on or after `since`, from any source.
    #[tracing::instrument(skip_all, fields(since = %since))]
    pub async fn newest_final_since(
        &self,
        since: NaiveDate,
    ) -> Result<Option<NaiveDate>, StoreError> {
        Ok(with_pool!(self, |db| sqlx::query_scalar(
            "SELECT MAX(date) FROM digests WHERE final = TRUE AND date >= $1"
        )
        .bind(since)
        .fetch_one(db)
        .await)?)
    }

    /// The newest archived day from `source`, whatever its age.
    #[tracing::instrument(skip_all, fields(source = source))]
    pub async fn newest_archived(&self, source: &str) -> Result<Option<ArchivedDay>, StoreError> {
        Ok(self
            // Not NaiveDate::MIN: Postgres dates begin in 4713 BC.
            .archived_dates(
                source,
                NaiveDate::from_ymd_opt(1, 1, 1).expect("a valid date"),
            )
            .await?
            .into_iter()
            .next())
    }

    /// Papers with an arXiv id archived on or after `since`, newest day first and in each day's
    /// order, at most `limit`; with `id_prefix`, only ids starting so (what `/papers ask`
    /// suggests while an id is typed).
    #[tracing::instrument(skip_all, fields(since = %since, limit = limit))]
    pub async fn recent_papers(
        &self,
        since: NaiveDate,
        id_prefix: Option<&str>,
        limit: u32,
    ) -> Result<Vec<(NaiveDate, Paper)>, StoreError> {
        // `like_pattern` gives `%token%`: a prefix is that without its first `%`.
        let prefix = id_prefix.map(|p| like_pattern(p)[1..].to_string());
        let condition = if prefix.is_some() {
            "AND p.arxiv_id LIKE $3 ESCAPE '\\'"
        } else {
            ""
        };
        let sql = format!(
            "SELECT p.date, {PAPER_COLUMNS} FROM papers AS p \
             WHERE p.date >= $1 AND p.arxiv_id IS NOT NULL {condition} \
             ORDER BY p.date DESC, p.position LIMIT $2"
        );
        let rows: Vec<DatedRow> = with_pool!(self, |db| {
            let mut q = sqlx::query_as(&sql).bind(since).bind(i64::from(limit));
            if let Some(p) = &prefix {
                q = q.bind(p);
            }
            q.fetch_all(db).await
        })?;
        rows.into_iter()
            .map(|r| Ok((r.date, Paper::try_from(r.paper)?)))
            .collect()
    }

    /// Searches archived titles and bullets; every whitespace-separated token must occur
    /// (as a case-insensitive substring). Each token is quoted before it reaches FTS5 (bound as
    /// an escaped ILIKE pattern on Postgres), so user input is never parsed as query syntax
    /// (`AND`, `-x`, `a:b`, `*`, quotes and parentheses are just text). Results are newest
    /// date first, best match first within a day.
    #[tracing::instrument(skip_all, fields(query = %query, since = ?since, limit = limit))]
    pub async fn search(
        &self,
        query: &str,
        since: Option<NaiveDate>,
        limit: u32,
    ) -> Result<Vec<SearchHit>, StoreError> {
        let tokens: Vec<&str> = query.split_whitespace().collect();
        if tokens.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let (indexed, short): (Vec<&str>, Vec<&str>) = tokens
            .into_iter()
            .partition(|t| t.chars().count() >= TRIGRAM_CHARS);

        let mut binds: Vec<String> = Vec::new();
        let mut conditions = Vec::new();
        let rank;
        let from = if self.is_postgres() {
            // pg_trgm's GIN indexes answer ILIKE for any token of three or more characters, and
            // shorter ones by scanning, so every token is one substring condition. The rank
            // stands in for bm25 (lower is better): occurrences, title hits weighing double.
            let mut scores = Vec::new();
            for token in indexed.iter().chain(&short) {
                let like = param(&mut binds, like_pattern(token));
                conditions.push(format!(
                    "(p.title ILIKE {like} ESCAPE '\\' OR p.bullets_text ILIKE {like} ESCAPE '\\')"
                ));
            }
            for token in &indexed {
                let t = param(&mut binds, token.to_lowercase());
                scores.push(format!(
                    "2.0 * {title} + {bullets}",
                    title = pg_occurrences("p.title", &t),
                    bullets = pg_occurrences("p.bullets_text", &t),
                ));
            }
            rank = if scores.is_empty() {
                "CAST(0 AS DOUBLE PRECISION)".to_string()
            } else {
                format!("CAST(-({}) AS DOUBLE PRECISION)", scores.join(" + "))
            };
            "FROM papers AS p"
        } else {
            if !indexed.is_empty() {
                let phrases = param(&mut binds, fts_phrases(&indexed));
                conditions.push(format!("papers_fts MATCH {phrases}"));
            }
            for token in &short {
                let like = param(&mut binds, like_pattern(token));
                conditions.push(format!(
                    "(papers_fts.title LIKE {like} ESCAPE '\\' \
                     OR papers_fts.bullets LIKE {like} ESCAPE '\\')"
                ));
            }
            rank = if indexed.is_empty() { "0.0" } else { RANK_EXPR }.to_string();
            "FROM papers_fts JOIN papers AS p ON p.id = papers_fts.rowid"
        };
        if since.is_some() {
            conditions.push(format!("p.date >= ${}", binds.len() + 1));
        }
        let limit_param = binds.len() + usize::from(since.is_some()) + 1;
        let sql = format!(
            "SELECT p.date, {rank} AS rank, {PAPER_COLUMNS} {from} \
             WHERE {} ORDER BY p.date DESC, rank, p.position LIMIT ${limit_param}",
            conditions.join(" AND ")
        );

        let rows: Vec<SearchRow> = with_pool!(self, |db| {
            let mut q = sqlx::query_as(&sql);
            for bind in &binds {
                q = q.bind(bind);
            }
            if let Some(since) = since {
                q = q.bind(since);
            }
            q.bind(i64::from(limit)).fetch_all(db).await
        })?;
        rows.into_iter()
            .map(|row| {
                Ok(SearchHit {
                    date: row.date,
                    rank: row.rank,
                    paper: row.paper.try_into()?,
                })
            })
            .collect()
    }
}

/// Adds a bound value and returns its placeholder: they are numbered as they are bound, and `$N`
/// works on both backends.
fn param(binds: &mut Vec<String>, value: String) -> String {
    binds.push(value);
    format!("${}", binds.len())
}

/// FTS5 query matching every token as a literal phrase (implicit AND between them). Inside a
/// double-quoted FTS5 string only `"` is special, and it is escaped by doubling.
fn fts_phrases(tokens: &[&str]) -> String {
    tokens
        .iter()
        .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// How often `token` (a placeholder bound to the lowercased token) occurs in `column`, ignoring
/// case, as a Postgres expression.
fn pg_occurrences(column: &str, token: &str) -> String {
    format!(
        "CAST(length(lower({column})) - length(replace(lower({column}), {token}, '')) \
         AS DOUBLE PRECISION) / length({token})"
    )
}

/// `%token%` with LIKE's own wildcards escaped, for use with `ESCAPE '\'`.
fn like_pattern(token: &str) -> String {
    let mut pattern = String::with_capacity(token.len() + 2);
    pattern.push('%');
    for c in token.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 1, d).unwrap()
    }

    fn paper(title: &str, bullets: &[&str]) -> Paper {
        Paper {
            title: title.to_string(),
            url: Some("https://arxiv.org/abs/2501.00001".into()),
            arxiv_id: Some("2501.00001".into()),
            thumbnail_url: Some("https://cdn.example/thumb.png".into()),
            votes: Some(12),
            authors: vec!["Ada Lovelace".into(), "+".into()],
            bullets: bullets.iter().map(|b| b.to_string()).collect(),
            ..Default::default()
        }
    }

    fn titles(hits: &[SearchHit]) -> Vec<&str> {
        hits.iter().map(|h| h.paper.title.as_str()).collect()
    }

    async fn seeded(store: Store) -> Store {
        store
            .save_digest(
                &Digest {
                    date: date(1),
                    papers: vec![
                        paper(
                            "Scaling Diffusion Transformers",
                            &["We scale DiT models to 8B parameters."],
                        ),
                        paper(
                            "한국어 대형 언어 모델의 추론 능력",
                            &[
                                "한국어 벤치마크에서 추론 성능을 평가한다.",
                                "모델 크기가 클수록 좋다.",
                            ],
                        ),
                    ],
                },
                "markdown",
                true,
            )
            .await
            .unwrap();
        store
            .save_digest(
                &Digest {
                    date: date(3),
                    papers: vec![
                        paper("Agents That Plan", &["A diffusion planner for agents."]),
                        paper(
                            "Quoting \"Strange\" AND (weird) a:b *titles*",
                            &["-foo bar"],
                        ),
                    ],
                },
                "hf_json",
                true,
            )
            .await
            .unwrap();
        store
    }

    #[test]
    fn query_escaping() {
        assert_eq!(fts_phrases(&["a\"b", "AND"]), "\"a\"\"b\" \"AND\"");
        assert_eq!(like_pattern("50%_a\\"), "%50\\%\\_a\\\\%");
    }

    store_tests! {
        async fn recent_papers_newest_day_first_in_order_and_by_id_prefix(store) {
            let with_id = |title: &str, id: &str| Paper {
                arxiv_id: Some(id.into()),
                ..paper(title, &[])
            };
            let day = |d, papers| Digest { date: date(d), papers };
            store.save_digest(&day(1, vec![with_id("Old", "2501.00001")]), "markdown", true).await.unwrap();
            let mut no_id = paper("No id", &[]);
            no_id.arxiv_id = None;
            store
                .save_digest(&day(3, vec![with_id("B", "2501.00300"), no_id, with_id("C", "2501.00301")]), "markdown", true)
                .await
                .unwrap();
            let titles = |got: Vec<(NaiveDate, Paper)>| got.into_iter().map(|(_, p)| p.title).collect::<Vec<_>>();
            assert_eq!(titles(store.recent_papers(date(1), None, 10).await.unwrap()), ["B", "C", "Old"]);
            assert_eq!(titles(store.recent_papers(date(2), None, 10).await.unwrap()), ["B", "C"]);
            assert_eq!(titles(store.recent_papers(date(1), None, 1).await.unwrap()), ["B"]);
            assert_eq!(titles(store.recent_papers(date(1), Some("2501.003"), 10).await.unwrap()), ["B", "C"]);
            assert_eq!(titles(store.recent_papers(date(1), Some("2501.0030%"), 10).await.unwrap()), Vec::<String>::new());
        }

        async fn archived_days_keep_their_provenance_and_finality(store) {
            assert_eq!(store.archived(date(7)).await.unwrap(), None);
            let day = Digest {
                date: date(7),
                papers: vec![paper("Growing list", &["so far"])],
            };
            store
                .save_digest(&day, "Hugging Face API at x", false)
                .await
                .unwrap();
            let a = store.archived(date(7)).await.unwrap().unwrap();
            assert_eq!(a.digest, day);
            assert_eq!(a.source, "Hugging Face API at x");
            assert!(!a.final_);
            // The primary's version replaces it, final.
            store.save_digest(&day, "folder d", true).await.unwrap();
            let a = store.archived(date(7)).await.unwrap().unwrap();
            assert!(a.final_ && a.source == "folder d");
            let days = store.archived_dates("folder d", date(1)).await.unwrap();
            assert_eq!(days.len(), 1);
            assert_eq!((days[0].date, days[0].papers), (date(7), 1));
            assert!(store
                .archived_dates("Hugging Face API at x", date(1))
                .await
                .unwrap()
                .is_empty());
            assert_eq!(
                store
                    .newest_archived("folder d")
                    .await
                    .unwrap()
                    .unwrap()
                    .date,
                date(7)
            );
        }

        async fn digest_round_trips_exactly(store) {
            let digest = Digest {
                date: date(2),
                papers: vec![
                    paper(
                        "First — with “Unicode” ✨",
                        &["bullet one", "bullet \"two\"\nline"],
                    ),
                    Paper {
                        title: "비어 있는 필드".into(),
                        url: None,
                        arxiv_id: None,
                        thumbnail_url: None,
                        votes: None,
                        authors: vec![],
                        bullets: vec![],
                        ..Default::default()
                    },
                    Paper {
                        title: String::new(),
                        url: Some(String::new()),
                        arxiv_id: None,
                        thumbnail_url: None,
                        votes: Some(0),
                        authors: vec!["김철수".into(), "이영희".into()],
                        bullets: vec![String::new()],
                        ..Default::default()
                    },
                    paper("Last", &["혼합 mixed 텍스트 😀"]),
                ],
            };
            store.save_digest(&digest, "markdown", true).await.unwrap();
            assert_eq!(store.digest(date(2)).await.unwrap(), Some(digest));
            assert_eq!(store.digest(date(9)).await.unwrap(), None);
        }

        async fn hugging_face_fields_round_trip_and_stay_absent_when_missing(store) {
            let rich = Paper {
                github_repo: Some("https://github.com/huggingface/smolagents".into()),
                github_stars: Some(u32::MAX),
                project_page: Some("https://smolagents.org/".into()),
                organization: Some(Organization {
                    name: "huggingface".into(),
                    fullname: Some("Hugging Face — 허깅페이스".into()),
                }),
                ai_keywords: vec!["code agents".into(), "에이전트".into()],
                num_comments: Some(0),
                submitted_by: Some("akhaliq".into()),
                abstract_: Some("We release smolagents, a library for code agents.".into()),
                ..paper("Rich", &["from the list"])
            };
            let named_only = Paper {
                organization: Some(Organization {
                    name: "solo".into(),
                    fullname: None,
                }),
                ..paper("Named only", &[])
            };
            let digest = Digest {
                date: date(6),
                papers: vec![rich, named_only, paper("Markdown paper", &["none of them"])],
            };
            store.save_digest(&digest, "hf_json", true).await.unwrap();
            let back = store.digest(date(6)).await.unwrap().unwrap();
            assert_eq!(back, digest);
            assert_eq!(back.papers[2].github_repo, None);
            assert_eq!(back.papers[2].abstract_, None);
            assert!(back.papers[2].ai_keywords.is_empty());
            // Search hits carry the fields too.
            let hits = store.search("list", None, 10).await.unwrap();
            assert_eq!(hits[0].paper, digest.papers[0]);
            // A row written before the migration (no values given) reads back empty.
            with_pool!(store, |db| sqlx::query(
                "INSERT INTO papers (date, position, title) VALUES ($1, 9, 'Old row')"
            )
            .bind(date(6))
            .execute(db)
            .await
            .map(|_| ()))
            .unwrap();
            let old = store.digest(date(6)).await.unwrap().unwrap().papers.pop().unwrap();
            assert_eq!(old.title, "Old row");
            assert_eq!(
                (old.github_stars, old.num_comments, old.organization, old.ai_keywords.len()),
                (None, None, None, 0)
            );
        }

        async fn empty_day_is_archived(store) {
            let digest = Digest {
                date: date(4),
                papers: vec![],
            };
            store.save_digest(&digest, "markdown", true).await.unwrap();
            assert_eq!(store.digest(date(4)).await.unwrap(), Some(digest));
        }

        async fn saving_a_date_again_replaces_it(store) {
            let store = seeded(store).await;
            let replacement = Digest {
                date: date(1),
                papers: vec![paper("Only One Now", &["replaced"])],
            };
            store
                .save_digest(&replacement, "hf_json", true)
                .await
                .unwrap();
            store
                .save_digest(&replacement, "hf_json", true)
                .await
                .unwrap();
            assert_eq!(store.digest(date(1)).await.unwrap(), Some(replacement));
            let (count, source): (i64, String) = with_pool!(store, |db| sqlx::query_as(
                "SELECT paper_count, source FROM digests WHERE date = $1"
            )
            .bind(date(1))
            .fetch_one(db)
            .await)
            .unwrap();
            assert_eq!((count, source.as_str()), (1, "hf_json"));

            // The old papers are gone from the search index too.
            assert!(store
                .search("Diffusion Transformers", None, 10)
                .await
                .unwrap()
                .is_empty());
            assert_eq!(
                titles(&store.search("replaced", None, 10).await.unwrap()),
                vec!["Only One Now"]
            );
            // The search index's copy of the text (Postgres indexes the papers table itself).
            let fts_rows: i64 = with_pool!(store, |db| sqlx::query_scalar(store.sql(
                "SELECT count(*) FROM papers_fts",
                "SELECT count(*) FROM papers WHERE bullets_text <> ''"
            ))
            .fetch_one(db)
            .await)
            .unwrap();
            assert_eq!(fts_rows, 3);
        }

        async fn search_english_is_case_insensitive_and_newest_first(store) {
            let store = seeded(store).await;
            let hits = store.search("DIFFUSION", None, 10).await.unwrap();
            assert_eq!(
                titles(&hits),
                vec!["Agents That Plan", "Scaling Diffusion Transformers"]
            );
            assert_eq!(hits[0].date, date(3));
            assert_eq!(hits[1].date, date(1));
            assert!(hits[0].rank < 0.0, "bm25 scores matches negatively");
            assert_eq!(
                hits[1].paper,
                paper(
                    "Scaling Diffusion Transformers",
                    &["We scale DiT models to 8B parameters."]
                )
            );

            // Every token must match; bullets are searched too.
            let hits = store.search("scale transformers", None, 10).await.unwrap();
            assert_eq!(titles(&hits), vec!["Scaling Diffusion Transformers"]);
            assert!(store
                .search("diffusion zebra", None, 10)
                .await
                .unwrap()
                .is_empty());
        }

        async fn search_ranks_within_a_day(store) {
            store
                .save_digest(
                    &Digest {
                        date: date(5),
                        papers: vec![
                            paper("Something Else", &["mentions robots once"]),
                            paper("Robots Robots Robots", &["robots everywhere"]),
                        ],
                    },
                    "markdown",
                    true,
                )
                .await
                .unwrap();
            let hits = store.search("robots", None, 10).await.unwrap();
            assert_eq!(
                titles(&hits),
                vec!["Robots Robots Robots", "Something Else"]
            );
            assert!(hits[0].rank <= hits[1].rank);
        }

        async fn search_korean(store) {
            let store = seeded(store).await;
            // A word from a bullet, glued to its particle in the text ("벤치마크에서").
            let hits = store.search("벤치마크", None, 10).await.unwrap();
            assert_eq!(titles(&hits), vec!["한국어 대형 언어 모델의 추론 능력"]);
            // Two-syllable words are below the trigram size and go through the LIKE fallback.
            let hits = store.search("추론", None, 10).await.unwrap();
            assert_eq!(hits.len(), 1);
            assert_eq!(hits[0].rank, 0.0);
            // Mixed: one indexed token, one short token.
            let hits = store.search("한국어 모델", None, 10).await.unwrap();
            assert_eq!(hits.len(), 1);
            assert!(store
                .search("한국어 고양이", None, 10)
                .await
                .unwrap()
                .is_empty());
        }

        async fn short_english_tokens_use_substring_match(store) {
            let store = seeded(store).await;
            let hits = store.search("8b", None, 10).await.unwrap();
            assert_eq!(titles(&hits), vec!["Scaling Diffusion Transformers"]);
            // LIKE wildcards in user text are literal.
            assert!(store.search("%", None, 10).await.unwrap().is_empty());
            assert!(store.search("_", None, 10).await.unwrap().is_empty());
        }

        async fn hostile_queries_never_error(store) {
            let store = seeded(store).await;
            for query in [
                "\"",
                "\"\"\"",
                "AND (",
                "AND",
                "OR",
                "NOT",
                "NEAR(a b)",
                "*",
                "-foo",
                "a:b",
                "title:agents",
                "(((",
                ")",
                "^",
                "{a b}",
                "'; DROP TABLE papers; --",
                "\\",
                "diffusion*",
                "\"unterminated",
                "a AND",
                "+",
                "-",
            ] {
                store
                    .search(query, None, 10)
                    .await
                    .unwrap_or_else(|e| panic!("query {query:?} failed: {e}"));
            }
            // The punctuation is searched literally.
            let hits = store.search("-foo", None, 10).await.unwrap();
            assert_eq!(hits.len(), 1);
            let hits = store.search("a:b", None, 10).await.unwrap();
            assert_eq!(hits.len(), 1);
            let hits = store.search("\"Strange\"", None, 10).await.unwrap();
            assert_eq!(hits.len(), 1);
            let hits = store.search("AND (weird)", None, 10).await.unwrap();
            assert_eq!(hits.len(), 1);
            assert!(store.search("   ", None, 10).await.unwrap().is_empty());
            assert_eq!(
                store.digest(date(1)).await.unwrap().unwrap().papers.len(),
                2
            );
        }

        async fn search_since_and_limit(store) {
            let store = seeded(store).await;
            let hits = store.search("diffusion", Some(date(2)), 10).await.unwrap();
            assert_eq!(titles(&hits), vec!["Agents That Plan"]);
            let hits = store.search("diffusion", Some(date(1)), 10).await.unwrap();
            assert_eq!(hits.len(), 2);
            let hits = store.search("diffusion", None, 1).await.unwrap();
            assert_eq!(titles(&hits), vec!["Agents That Plan"]);
            assert!(store.search("diffusion", None, 0).await.unwrap().is_empty());
            // The since filter applies to the substring fallback too.
            assert!(store
                .search("추론", Some(date(2)), 10)
                .await
                .unwrap()
                .is_empty());
        }
    }
}
