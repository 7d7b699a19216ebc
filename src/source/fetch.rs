//! Archive-first access to a day's digest. Every command and every delivery asks here, so a
//! digest is downloaded once, archived with where and when it came from (and so searchable),
//! and served from SQLite afterwards. There are two doors:
//! - the daily job's ([`Fetcher::look`]): one source at a time, only final days count, and it
//!   never waits behind anything a member asked for;
//! - members' ([`Fetcher::for_member`]): primary then fallback, provisional days allowed (shown
//!   as "so far"), and bounded so that nobody can make the bot download without end: one
//!   download per date at a time, a few at once in all, a cooldown per member, and a memory of
//!   dates that are not published.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use tokio::sync::Semaphore;

use crate::config::SourceConfig;
use crate::source::digest::{Digest, DigestError, Parsed};
use crate::source::enrich::enrich;
use crate::source::loader::{DigestSource, SourceLoader};
use crate::source::publication::{missing_streak, PrimaryDay, Publication};
use crate::store::{Archived, ArchivedDay, CheckOutcome, Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error(transparent)]
    Digest(#[from] DigestError),
    #[error("database error: {0}")]
    Store(#[from] StoreError),
    /// A member asked for downloads faster than the cooldown allows.
    #[error("too many new days asked for; try again in {} s", .retry_in.num_seconds().max(1))]
    Busy { retry_in: Duration },
}

/// Which configured source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Primary,
    Fallback,
}

/// The configured sources: the primary, and the fallback asked for a day the primary lacks;
/// for the days a history source covers, it first and the primary standing in
/// ([`SourceConfig::for_date`]). Shared by the archive-backed [`Fetcher`] and the archive-free
/// `paperboy preview`.
pub struct Sources {
    primary: SourceLoader,
    fallback: Option<SourceLoader>,
    history: Option<(SourceLoader, NaiveDate)>,
}

impl Sources {
    /// The sources, downloading with `client` (the bot's one network configuration).
    pub fn new(source: &SourceConfig, client: reqwest::Client) -> Sources {
        let loader = |s: &DigestSource| {
            SourceLoader::new(s.clone())
                .with_timeout(source.timeout)
                .with_max_bytes(source.max_bytes)
                .with_client(client.clone())
        };
        Sources {
            primary: loader(&source.primary),
            fallback: source.fallback.as_ref().map(loader),
            history: source
                .history
                .as_ref()
                .map(|h| (loader(&h.source), h.until)),
        }
    }

    /// The source asked first for a new day.
    pub fn primary(&self) -> &SourceLoader {
        &self.primary
    }

    /// The source standing in for a new day the primary lacks.
    pub fn fallback(&self) -> Option<&SourceLoader> {
        self.fallback.as_ref()
    }

    /// The history source and its last day.
    pub fn history(&self) -> Option<(&SourceLoader, NaiveDate)> {
        self.history.as_ref().map(|(l, d)| (l, *d))
    }

    /// The source in `role` for `date` (see the type's docs).
    pub fn get(&self, role: Role, date: NaiveDate) -> Option<&SourceLoader> {
        match (&self.history, role) {
            (Some((h, until)), Role::Primary) if date <= *until => Some(h),
            (Some((_, until)), Role::Fallback) if date <= *until => Some(&self.primary),
            (_, Role::Primary) => Some(&self.primary),
            (_, Role::Fallback) => self.fallback.as_ref(),
        }
    }

    /// Every configured source.
    pub fn all(&self) -> impl Iterator<Item = &SourceLoader> {
        [Some(&self.primary), self.fallback.as_ref()]
            .into_iter()
            .flatten()
            .chain(self.history.as_ref().map(|(l, _)| l))
    }

    /// The configured source with this recorded description.
    pub fn described(&self, recorded: &str) -> Option<&SourceLoader> {
        self.all().find(|l| l.describe() == recorded)
    }

    /// Which source an archived day came from (by its recorded description): the history
    /// source is its days' primary; `None` for a source no longer configured.
    pub fn role_of(&self, recorded: &str) -> Option<Role> {
        if recorded == self.primary.describe()
            || self
                .history
                .as_ref()
                .is_some_and(|(h, _)| recorded == h.describe())
        {
            Some(Role::Primary)
        } else if self
            .fallback
            .as_ref()
            .is_some_and(|f| recorded == f.describe())
        {
            Some(Role::Fallback)
        } else {
            None
        }
    }

    /// Loads `date` from its primary, then (when allowed) its fallback; returns the parsed
    /// digest and the source it came from.
    pub async fn load(
        &self,
        date: NaiveDate,
        allow_fallback: bool,
    ) -> Result<(Parsed, &SourceLoader), DigestError> {
        let primary = self.get(Role::Primary, date).expect("always a primary");
        match primary.load(date).await {
            Ok(p) => Ok((p, primary)),
            Err(DigestError::NotPublished(_)) if allow_fallback => {
                match self.get(Role::Fallback, date) {
                    Some(fb) => Ok((fb.load(date).await?, fb)),
                    None => Err(DigestError::NotPublished(date)),
                }
            }
            Err(e) => Err(e),
        }
    }
}

/// What the daily job found for one day at one source.
#[derive(Debug, Clone)]
pub enum Look {
    /// A final digest, archived.
    Final(Arc<Archived>),
    /// The source's day is not over yet (plus settling): nothing final before `final_at`.
    Provisional {
        final_at: DateTime<Utc>,
    },
    NotPublished,
    /// The source could not be read: the reason.
    Failed(String),
    /// Nothing usable archived, and the caller did not ask to look at the source now.
    Unchecked,
}

/// Whether the primary source has gone quiet (see [`crate::source::publication`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QuietStatus {
    /// Most recent expected days in a row the primary is known not to have published.
    pub missing_days: u32,
    /// `missing_days` reached `source.quiet_after_days`: the fallback is used at once.
    pub quiet: bool,
    /// The newest day the primary published, as archived.
    pub last_published: Option<ArchivedDay>,
}

/// How far back the quiet rule looks for expected days.
const QUIET_LOOKBACK_DAYS: u32 = 21;
/// A provisional day shown to members is downloaded again when older than this.
const PROVISIONAL_REFRESH: Duration = Duration::minutes(10);
/// A date a source did not have is not asked again by members for this long.
const NOT_PUBLISHED_MEMORY: Duration = Duration::minutes(10);
/// A member may make the bot download at most `MEMBER_BURST` new days per `MEMBER_WINDOW`.
pub const MEMBER_BURST: usize = 3;
pub const MEMBER_WINDOW: Duration = Duration::seconds(60);
/// Downloads members may trigger at the same time (the daily job has its own way in).
const MEMBER_DOWNLOADS: usize = 2;

/// The member door's bookkeeping.
struct MemberGate {
    slots: Semaphore,
    /// One download per date at a time: a burst of `/papers today` costs one download.
    dates: Mutex<HashMap<NaiveDate, Arc<tokio::sync::Mutex<()>>>>,
    /// Each member's recent downloads, oldest first.
    downloads: Mutex<HashMap<u64, VecDeque<DateTime<Utc>>>>,
}

pub struct Fetcher {
    store: Store,
    sources: Sources,
    publication: Publication,
    members: MemberGate,
}

impl Fetcher {
    pub fn new(store: Store, source: &SourceConfig, client: reqwest::Client) -> Fetcher {
        Fetcher {
            store,
            sources: Sources::new(source, client),
            publication: source.publication.clone(),
            members: MemberGate {
                slots: Semaphore::new(MEMBER_DOWNLOADS),
                dates: Mutex::new(HashMap::new()),
                downloads: Mutex::new(HashMap::new()),
            },
        }
    }

    pub fn sources(&self) -> &Sources {
        &self.sources
    }

    pub fn publication(&self) -> &Publication {
        &self.publication
    }

    /// The archived digest for `date`, without touching the network.
    pub async fn archived(&self, date: NaiveDate) -> Result<Option<Archived>, StoreError> {
        self.store.archived(date).await
    }

    /// Whether an archived copy is final, given its source: a copy of a day that grows is
    /// final once fetched after the day settled, whatever it was marked when saved.
    fn is_final(&self, a: &Archived) -> bool {
        a.final_
            || (self.grows(&a.source) && a.fetched_at >= self.publication.final_at(a.digest.date))
    }

    fn grows(&self, recorded: &str) -> bool {
        self.sources
            .described(recorded)
            .is_some_and(|l| l.source().grows_during_day())
    }

    /// The daily job's look at one source for one day: the archive first; the source itself
    /// only when `check` (the scheduler's re-check policy says so). Only final days come back
    /// as [`Look::Final`]; a day that is still growing is not even downloaded.
    pub async fn look(
        &self,
        role: Role,
        date: NaiveDate,
        now: DateTime<Utc>,
        check: bool,
    ) -> Result<Look, StoreError> {
        let Some(loader) = self.sources.get(role, date) else {
            return Ok(Look::NotPublished);
        };
        let source = loader.describe();
        let archived = self.store.archived(date).await?;
        if let Some(a) = archived.filter(|a| a.source == source) {
            if self.is_final(&a) {
                return Ok(Look::Final(Arc::new(a)));
            }
        }
        if role == Role::Fallback {
            // The primary's final copy is never replaced by the fallback's.
            if let Some(a) = self
                .store
                .archived(date)
                .await?
                .filter(|a| self.is_final(a))
            {
                return Ok(Look::Final(Arc::new(a)));
            }
        }
        let final_at = self.publication.final_at(date);
        let grows = loader.source().grows_during_day();
        if grows && now < final_at {
            return Ok(Look::Provisional { final_at });
        }
        if !check {
            return Ok(Look::Unchecked);
        }
        match loader.load(date).await {
            Ok(parsed) => {
                log_warnings(&parsed, date, &source);
                let mut digest = parsed.digest;
                // A file whose heading names another day is still the file for the day asked.
                digest.date = date;
                self.archive(&mut digest, loader, true).await?;
                self.store.clear_check(&source, date).await?;
                tracing::info!(%date, papers = digest.papers.len(), %source, "digest archived");
                match self.store.archived(date).await? {
                    Some(a) => Ok(Look::Final(Arc::new(a))),
                    None => Ok(Look::Unchecked),
                }
            }
            Err(DigestError::NotPublished(_)) => {
                self.store
                    .record_check(&source, date, &CheckOutcome::NotPublished)
                    .await?;
                Ok(Look::NotPublished)
            }
            Err(e) => {
                self.store
                    .record_check(&source, date, &CheckOutcome::Error(e.to_string()))
                    .await?;
                Ok(Look::Failed(e.to_string()))
            }
        }
    }

    /// Whether the primary has gone quiet at `now`, from what the archive and the remembered
    /// checks say (so `paperboy status` sees the same as the running bot).
    pub async fn quiet(&self, now: DateTime<Utc>) -> Result<QuietStatus, StoreError> {
        quiet_status(&self.store, &self.sources, &self.publication, now).await
    }

    /// Archives a day just loaded from `loader`, replacing the archived copy of its date.
    ///
    /// The archive keeps one copy per date (a `digests` row and its papers, replaced whole by
    /// [`Store::save_digest`]), so when the primary's markdown day replaces the Hugging Face
    /// fallback's copy of the same date, that copy — the only place the bot has Hugging Face's
    /// fields for the day — is gone. So the fields are kept here, at archive time: a day not
    /// straight from the Hugging Face API first takes them from the copy it replaces
    /// ([`enrich`]: matched by arXiv id, only fields the paper lacks, never a paper added, its
    /// own text, votes and order untouched). Every reader — the daily post, `/papers
    /// today|date|search`, alert DMs — reads the archive, so all see the same enriched day, and
    /// no request is made for it. A copy replacing a markdown copy keeps what that one had
    /// gained; a day from the Hugging Face API itself is the fresher word and is saved as read.
    /// A markdown day archived before any Hugging Face list of its date stays without the
    /// fields: the fallback is not asked for a day the primary has.
    async fn archive(
        &self,
        digest: &mut Digest,
        loader: &SourceLoader,
        final_: bool,
    ) -> Result<(), StoreError> {
        let source = loader.describe();
        if !matches!(loader.source(), DigestSource::HfApi { .. }) {
            if let Some(old) = self.store.archived(digest.date).await? {
                let enriched = enrich(&mut digest.papers, &old.digest.papers);
                if enriched > 0 {
                    tracing::info!(date = %digest.date, enriched, %source, from = %old.source, "papers given Hugging Face's fields from the archived copy they replace");
                }
            }
        }
        self.store.save_digest(digest, &source, final_).await
    }

    /// A day for a member's command: the archive when it has a usable copy, otherwise the
    /// primary, then the fallback. A provisional copy (the fallback's day still growing) is
    /// returned as such, refreshed when older than a few minutes or once the day settled.
    pub async fn for_member(
        &self,
        date: NaiveDate,
        now: DateTime<Utc>,
        user: u64,
    ) -> Result<Archived, FetchError> {
        if let Some(a) = self.usable_for_member(date, now).await? {
            return Ok(a);
        }
        if self.recently_missing(date, now).await? {
            return Err(DigestError::NotPublished(date).into());
        }
        self.admit(user, now)?;
        let lock = {
            let mut dates = self.members.dates.lock().expect("dates lock");
            dates.retain(|_, l| Arc::strong_count(l) > 1);
            dates.entry(date).or_default().clone()
        };
        let _one_per_date = lock.lock().await;
        // Someone else's download of the same day may just have finished.
        if let Some(a) = self.usable_for_member(date, now).await? {
            return Ok(a);
        }
        let _slot = self.members.slots.acquire().await.expect("never closed");
        let stale = self.store.archived(date).await?;
        match self.download_for_member(date, now).await {
            Ok(a) => Ok(a),
            // A stale provisional copy beats no answer when the refresh fails.
            Err(FetchError::Digest(e)) if !matches!(e, DigestError::NotPublished(_)) => match stale
            {
                Some(a) => {
                    tracing::warn!(%date, error = %e, "refreshing a provisional day failed; showing the copy we have");
                    Ok(a)
                }
                None => Err(e.into()),
            },
            Err(e) => Err(e),
        }
    }

    async fn usable_for_member(
        &self,
        date: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Option<Archived>, StoreError> {
        Ok(self.store.archived(date).await?.filter(|a| {
            self.is_final(a)
                || (now < self.publication.final_at(date)
                    && now - a.fetched_at < PROVISIONAL_REFRESH)
        }))
    }

    /// Every configured source said "not published" for `date` a moment ago.
    async fn recently_missing(
        &self,
        date: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        for role in [Role::Primary, Role::Fallback] {
            let Some(loader) = self.sources.get(role, date) else {
                continue;
            };
            let checks = self.store.checks(&loader.describe(), date).await?;
            let recent = checks.get(&date).is_some_and(|c| {
                c.outcome == CheckOutcome::NotPublished && now - c.checked_at < NOT_PUBLISHED_MEMORY
            });
            if !recent {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// The per-member cooldown: a sliding window of recent downloads.
    fn admit(&self, user: u64, now: DateTime<Utc>) -> Result<(), FetchError> {
        let mut all = self.members.downloads.lock().expect("cooldown lock");
        all.retain(|_, log| log.back().is_some_and(|t| now - *t < MEMBER_WINDOW));
        let log = all.entry(user).or_default();
        while log.front().is_some_and(|t| now - *t >= MEMBER_WINDOW) {
            log.pop_front();
        }
        if log.len() >= MEMBER_BURST {
            let oldest = *log.front().expect("non-empty");
            return Err(FetchError::Busy {
                retry_in: MEMBER_WINDOW - (now - oldest),
            });
        }
        log.push_back(now);
        Ok(())
    }

    async fn download_for_member(
        &self,
        date: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Archived, FetchError> {
        let mut last_error = None;
        for role in [Role::Primary, Role::Fallback] {
            let Some(loader) = self.sources.get(role, date) else {
                continue;
            };
            let source = loader.describe();
            match loader.load(date).await {
                Ok(parsed) => {
                    log_warnings(&parsed, date, &source);
                    let mut digest = parsed.digest;
                    digest.date = date;
                    let final_ = !loader.source().grows_during_day()
                        || now >= self.publication.final_at(date);
                    // Never replace a final copy of the primary's with the fallback's.
                    if role == Role::Fallback {
                        if let Some(a) = self.store.archived(date).await? {
                            if self.is_final(&a) {
                                return Ok(a);
                            }
                        }
                    }
                    self.archive(&mut digest, loader, final_).await?;
                    self.store.clear_check(&source, date).await?;
                    tracing::info!(%date, papers = digest.papers.len(), %source, final_, "digest archived for a command");
                    return self
                        .store
                        .archived(date)
                        .await?
                        .ok_or_else(|| DigestError::NotPublished(date).into());
                }
                Err(DigestError::NotPublished(_)) => {
                    self.store
                        .record_check(&source, date, &CheckOutcome::NotPublished)
                        .await?;
                }
                Err(e) => {
                    self.store
                        .record_check(&source, date, &CheckOutcome::Error(e.to_string()))
                        .await?;
                    last_error = Some(e);
                }
            }
        }
        Err(last_error.unwrap_or(DigestError::NotPublished(date)).into())
    }
}

/// Logs a digest's skipped or repaired entries once each, and summarises past a few so a
/// hostile file cannot flood the log.
pub fn log_warnings(parsed: &Parsed, date: NaiveDate, source: &str) {
    const SHOWN: usize = 5;
    for w in parsed.warnings.iter().take(SHOWN) {
        tracing::warn!(%date, %source, warning = %w, "digest entry skipped or repaired");
    }
    if parsed.warnings.len() > SHOWN {
        tracing::warn!(
            %date,
            %source,
            more = parsed.warnings.len() - SHOWN,
            "further digest entries skipped or repaired (not listed)"
        );
    }
}

/// [`Fetcher::quiet`] on a bare store, for `paperboy status`.
pub async fn quiet_status(
    store: &Store,
    sources: &Sources,
    publication: &Publication,
    now: DateTime<Utc>,
) -> Result<QuietStatus, StoreError> {
    // The source asked first for the days now due, and whether anything stands in for it.
    let today = now.date_naive();
    let primary = sources
        .get(Role::Primary, today)
        .expect("always a primary")
        .describe();
    let since = today - Duration::days(i64::from(QUIET_LOOKBACK_DAYS));
    let published: Vec<ArchivedDay> = store.archived_dates(&primary, since).await?;
    let checks = store.checks(&primary, since).await?;
    let days = publication
        .expected_days_before(now, QUIET_LOOKBACK_DAYS)
        .into_iter()
        .map(|d| {
            if published.iter().any(|p| p.date == d) {
                PrimaryDay::Published
            } else {
                match (checks.get(&d), publication.expected_at(d)) {
                    (Some(c), Some(due))
                        if c.outcome == CheckOutcome::NotPublished && c.checked_at >= due =>
                    {
                        PrimaryDay::Missing
                    }
                    _ => PrimaryDay::Unknown,
                }
            }
        });
    let missing_days = missing_streak(days);
    let last_published = match published.first() {
        Some(p) => Some(*p),
        None => store.newest_archived(&primary).await?,
    };
    Ok(QuietStatus {
        missing_days,
        quiet: sources.get(Role::Fallback, today).is_some()
            && missing_days >= publication.quiet_after_days,
        last_published,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: &str =
        "## Daily Papers (2024-04-02)\n\n### [Paper A](https://arxiv.org/abs/2404.00001)\n\n- a\n";

    fn not_published(e: &FetchError) -> bool {
        matches!(e, FetchError::Digest(DigestError::NotPublished(_)))
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn config(primary: &std::path::Path, fallback: Option<DigestSource>) -> SourceConfig {
        let mut c = crate::config::Config::from_toml("", std::path::Path::new("."))
            .unwrap()
            .source;
        c.primary = DigestSource::Folder(primary.to_path_buf());
        c.fallback = fallback;
        c.history = None;
        c
    }

    #[tokio::test]
    async fn look_reads_one_source_and_keeps_the_primarys_copy() {
        let dir = tempfile::tempdir().unwrap();
        let (primary, fallback) = (dir.path().join("primary"), dir.path().join("fallback"));
        std::fs::create_dir_all(&primary).unwrap();
        std::fs::create_dir_all(&fallback).unwrap();
        std::fs::write(fallback.join("2024-04-02.md"), DAY).unwrap();
        let date: NaiveDate = "2024-04-02".parse().unwrap();
        let now = utc("2024-04-03T02:00:00Z");
        let store = Store::open_memory()
            .await
            .unwrap()
            .with_clock(Arc::new(crate::clock::ManualClock::new(now)));
        let fetcher = Fetcher::new(
            store.clone(),
            &config(&primary, Some(DigestSource::Folder(fallback.clone()))),
            reqwest::Client::new(),
        );

        assert!(matches!(
            fetcher.look(Role::Primary, date, now, false).await.unwrap(),
            Look::Unchecked
        ));
        assert!(matches!(
            fetcher.look(Role::Primary, date, now, true).await.unwrap(),
            Look::NotPublished
        ));
        let Look::Final(fb) = fetcher.look(Role::Fallback, date, now, true).await.unwrap() else {
            panic!("the fallback folder has the day")
        };
        assert_eq!(fb.digest.papers[0].title, "Paper A");
        // The fallback's copy is not the primary's.
        assert!(matches!(
            fetcher.look(Role::Primary, date, now, false).await.unwrap(),
            Look::Unchecked
        ));
        std::fs::write(
            primary.join("2024-04-02.md"),
            DAY.replace("Paper A", "Paper B"),
        )
        .unwrap();
        let Look::Final(p) = fetcher.look(Role::Primary, date, now, true).await.unwrap() else {
            panic!("the primary has it now")
        };
        assert_eq!(p.digest.papers[0].title, "Paper B");
        assert_eq!(p.source, DigestSource::Folder(primary).describe());
        // Once the primary's version is archived, members get it too.
        let a = fetcher.for_member(date, now, 1).await.unwrap();
        assert_eq!(a.digest.papers[0].title, "Paper B");
        // The primary's "not published" was remembered, then forgotten when it published.
        assert!(store.checks(&p.source, date).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn the_primarys_markdown_keeps_the_fields_of_the_list_it_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let (primary, fallback) = (dir.path().join("primary"), dir.path().join("fallback"));
        std::fs::create_dir_all(&primary).unwrap();
        std::fs::create_dir_all(&fallback).unwrap();
        std::fs::write(
            fallback.join("2024-04-02.json"),
            r#"[{"paper": {"id": "2404.00001v2", "title": "HF title", "upvotes": 50,
                 "githubRepo": "https://github.com/a/b", "githubStars": 12},
                 "numComments": 4},
                {"paper": {"id": "2404.00009", "title": "Only on Hugging Face"}}]"#,
        )
        .unwrap();
        let date: NaiveDate = "2024-04-02".parse().unwrap();
        let now = utc("2024-04-03T02:00:00Z");
        let store = Store::open_memory()
            .await
            .unwrap()
            .with_clock(Arc::new(crate::clock::ManualClock::new(now)));
        let fetcher = Fetcher::new(
            store.clone(),
            &config(&primary, Some(DigestSource::Folder(fallback))),
            reqwest::Client::new(),
        );
        let Look::Final(fb) = fetcher.look(Role::Fallback, date, now, true).await.unwrap() else {
            panic!("the fallback folder has the day")
        };
        assert_eq!(fb.digest.papers.len(), 2);
        std::fs::write(primary.join("2024-04-02.md"), DAY).unwrap();
        let Look::Final(p) = fetcher.look(Role::Primary, date, now, true).await.unwrap() else {
            panic!("the primary has it now")
        };
        // The markdown's one paper, its own title and bullets, with the list's fields.
        assert_eq!(p.digest.papers.len(), 1);
        let paper = &p.digest.papers[0];
        assert_eq!((paper.title.as_str(), paper.votes), ("Paper A", None));
        assert_eq!(paper.bullets, ["a"]);
        assert_eq!(paper.github_repo.as_deref(), Some("https://github.com/a/b"));
        assert_eq!(
            (paper.github_stars, paper.num_comments),
            (Some(12), Some(4))
        );
        assert_eq!(
            store.archived(date).await.unwrap().unwrap().digest,
            p.digest
        );
    }

    #[tokio::test]
    async fn members_are_bounded_by_a_cooldown_and_a_memory_of_missing_days() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("2024-04-02.md"), DAY).unwrap();
        let now = utc("2024-04-03T02:00:00Z");
        let clock = crate::clock::ManualClock::new(now);
        let store = Store::open_memory()
            .await
            .unwrap()
            .with_clock(Arc::new(clock.clone()));
        let fetcher = Fetcher::new(
            store.clone(),
            &config(dir.path(), None),
            reqwest::Client::new(),
        );
        let missing: NaiveDate = "2024-04-06".parse().unwrap();
        let err = fetcher.for_member(missing, now, 7).await.unwrap_err();
        assert!(not_published(&err), "{err}");
        // The same member, more new days right away: a few are fine, then the cooldown.
        for d in ["2024-04-07", "2024-04-08"] {
            let err = fetcher
                .for_member(d.parse().unwrap(), now, 7)
                .await
                .unwrap_err();
            assert!(not_published(&err), "{err}");
        }
        let err = fetcher
            .for_member("2024-04-02".parse().unwrap(), now, 7)
            .await
            .unwrap_err();
        assert!(matches!(err, FetchError::Busy { .. }), "{err}");
        // Anyone asking for the missing day again gets the remembered answer, no download.
        std::fs::write(dir.path().join("2024-04-06.md"), DAY).unwrap();
        let err = fetcher.for_member(missing, now, 8).await.unwrap_err();
        assert!(not_published(&err), "{err}");
        // After the memory expires, it is looked at again.
        let later = now + NOT_PUBLISHED_MEMORY + Duration::seconds(1);
        clock.set(later);
        assert!(fetcher.for_member(missing, later, 8).await.is_ok());
        // An archived day costs nothing and needs no cooldown.
        fetcher
            .for_member("2024-04-02".parse().unwrap(), later, 9)
            .await
            .unwrap();
        fetcher.for_member(missing, later, 9).await.unwrap();
    }

    #[tokio::test]
    async fn quiet_counts_the_expected_days_the_primary_lacks() {
        let dir = tempfile::tempdir().unwrap();
        // Friday 2024-04-12 02:00 UTC: Mon..Thu are due. The primary had Monday only.
        let now = utc("2024-04-12T02:00:00Z");
        let store = Store::open_memory()
            .await
            .unwrap()
            .with_clock(Arc::new(crate::clock::ManualClock::new(now)));
        let cfg = config(dir.path(), Some(DigestSource::hf_api()));
        let fetcher = Fetcher::new(store.clone(), &cfg, reqwest::Client::new());
        let source = fetcher.sources().primary().describe();
        let monday = crate::source::digest::Digest {
            date: "2024-04-08".parse().unwrap(),
            papers: vec![],
        };
        store.save_digest(&monday, &source, true).await.unwrap();
        let q = fetcher.quiet(now).await.unwrap();
        assert_eq!(q.missing_days, 0, "nothing checked yet");
        for d in ["2024-04-09", "2024-04-10", "2024-04-11"] {
            assert!(matches!(
                fetcher
                    .look(Role::Primary, d.parse().unwrap(), now, true)
                    .await
                    .unwrap(),
                Look::NotPublished
            ));
        }
        let q = fetcher.quiet(now).await.unwrap();
        assert_eq!(q.missing_days, 3);
        assert!(q.quiet);
        assert_eq!(q.last_published.unwrap().date, monday.date);
    }
}

#[cfg(test)]
mod log_tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use super::*;

    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl Write for Sink {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_hostile_digest_cannot_flood_the_log() {
        // A thousand headings without a title: each skipped, reported once, summarised.
        let input = "## Daily Papers (2024-04-02)\n".to_string() + &"### \n".repeat(1000);
        let sink = Sink::default();
        let writer = sink.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        let warnings = tracing::subscriber::with_default(subscriber, || {
            let parsed = crate::source::markdown::parse_markdown(input.as_bytes(), None).unwrap();
            assert!(parsed.warnings.len() >= 1000);
            log_warnings(&parsed, "2024-04-02".parse().unwrap(), "test");
            parsed.warnings.len()
        });
        let out = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        assert_eq!(out.lines().count(), 6, "{out}");
        assert!(out.contains(&format!("more={}", warnings - 5)), "{out}");
    }
}
