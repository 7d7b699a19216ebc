//! The background worker: summarises papers as they appear on Hugging Face's list (today's and
//! yesterday's, in UTC: a day's list grows while it lasts), in every language in use, so that
//! at post time only late additions remain. Posts that find a paper missing ask for it first
//! ([`Summariser::want`]).
//!
//! Each paper and language is claimed in the store before any work (two processes never
//! summarise the same one at once; a dead one's claims pass on), its text fetched from arXiv
//! once and kept, its summary stored with the cost of the calls. When the endpoint fails (down,
//! 429, 5xx, timeout, key refused) the worker pauses, `retry-after` or a doubling backoff,
//! instead of trying paper after paper: one log line per cause, the repeats counted and
//! summarised when it answers again. A paper whose answers stay unusable, or that the model
//! refuses, is given up and keeps Hugging Face's text. A day's caps stop the work until the
//! next UTC day.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use futures::stream::{self, StreamExt};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::overlay::wanted;
use super::source::{Arxiv, SourceError};
use super::writer::{WriteError, Writer};
use super::{SummariesConfig, Summary, Usage, PROMPT_VERSION};
use crate::clock::Clock;
use crate::model::{ChatError, Endpoint, ModelClient};
use crate::source::loader::{DigestSource, SourceLoader};
use crate::store::{ClaimEnd, Store, StoreError};

/// Waits that are not worth a config key; tests shrink them.
#[derive(Debug, Clone)]
pub struct WorkerTuning {
    /// How often Hugging Face's list is looked at for new papers.
    pub poll_every: Duration,
    /// First pause after the endpoint failed (doubling while it keeps failing).
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// How long a claim lasts unrenewed (a killed process's claims pass on after it).
    pub lease: Duration,
    /// The wait before a paper whose answer was unusable is tried again.
    pub retry_failed_after: Duration,
    /// Tries of one paper before it is given up.
    pub max_attempts: u32,
}

impl Default for WorkerTuning {
    fn default() -> Self {
        WorkerTuning {
            poll_every: Duration::from_secs(10 * 60),
            backoff_base: Duration::from_secs(30),
            backoff_max: Duration::from_secs(30 * 60),
            lease: Duration::from_secs(5 * 60),
            retry_failed_after: Duration::from_secs(20 * 60),
            max_attempts: 3,
        }
    }
}

/// One paper in one language.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Item {
    pub language: String,
    pub arxiv_id: String,
    pub title: String,
}

/// What came of one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemOutcome {
    Written(Summary),
    /// Someone else has it, it is stored, given up, or its next try is not due.
    Skipped,
    /// The endpoint is paused after failures: not tried.
    Paused,
    /// The day's cap is reached.
    Capped,
    /// Tried and failed (counted against the paper; given up when `gave_up`).
    Failed {
        cause: &'static str,
        gave_up: bool,
    },
    /// The endpoint failed: not counted against the paper, the worker pauses.
    EndpointDown(&'static str),
    /// The store failed.
    Error(String),
}

/// The summarising service: shared by the worker loop, the delivery engine and the CLI.
pub struct Summariser {
    cfg: SummariesConfig,
    store: Store,
    writer: Writer,
    arxiv: Arxiv,
    clock: Arc<dyn Clock>,
    hf: Option<SourceLoader>,
    owner: String,
    tuning: WorkerTuning,
    wanted: Mutex<BTreeMap<(String, String), String>>,
    wake: Notify,
    /// Until when the endpoint is left alone, and how many failures in a row led there.
    paused_until: Mutex<Option<tokio::time::Instant>>,
    failures: AtomicU32,
    /// Failures since the endpoint last answered, by cause (logged once each, summarised).
    causes: Mutex<BTreeMap<&'static str, u64>>,
    /// The UTC day the cap was last reported.
    cap_reported: Mutex<Option<NaiveDate>>,
    /// Papers written or given up since start: a change may make a posted message editable.
    progress: std::sync::atomic::AtomicU64,
}

impl Summariser {
    /// `http` is the bot's client (`net::http_client`); `hf_base` the Hugging Face API whose
    /// daily lists drive the worker.
    pub fn new(
        cfg: SummariesConfig,
        store: Store,
        http: reqwest::Client,
        clock: Arc<dyn Clock>,
        hf_base: &str,
    ) -> Summariser {
        let client = ModelClient::new(
            http.clone(),
            Endpoint {
                base_url: cfg.base_url.clone(),
                model: cfg.model.clone(),
                key: cfg.api_key.clone(),
                timeout: cfg.timeout,
            },
            Some(store.clone()),
        );
        let writer = Writer::new(client, cfg.max_output_tokens, cfg.temperature);
        let arxiv = Arxiv::new(
            http.clone(),
            &cfg.arxiv_base,
            cfg.arxiv_interval,
            Duration::from_secs(60),
        );
        let hf = SourceLoader::new(DigestSource::HfApi {
            base_url: hf_base.to_string(),
        })
        .with_client(http);
        Summariser {
            cfg,
            store,
            writer,
            arxiv,
            clock,
            hf: Some(hf),
            owner: crate::ops::process::process_id(),
            tuning: WorkerTuning::default(),
            wanted: Mutex::new(BTreeMap::new()),
            wake: Notify::new(),
            paused_until: Mutex::new(None),
            failures: AtomicU32::new(0),
            causes: Mutex::new(BTreeMap::new()),
            cap_reported: Mutex::new(None),
            progress: std::sync::atomic::AtomicU64::new(0),
        }
    }

    pub fn with_tuning(mut self, tuning: WorkerTuning) -> Summariser {
        self.tuning = tuning;
        self
    }

    /// Whether today's cap was reached: posts then do not wait for summaries that will not come
    /// today.
    pub fn capped(&self) -> bool {
        *self.cap_reported.lock().expect("cap lock") == Some(self.today())
    }

    /// Ends a pause at once (tests, after the fake endpoint is told to recover).
    #[doc(hidden)]
    pub fn pause_off_for_tests(&self) {
        *self.paused_until.lock().expect("pause lock") = None;
    }

    /// Papers written or given up so far by this process (see the field).
    pub fn progress(&self) -> u64 {
        self.progress.load(Ordering::Relaxed)
    }

    pub fn config(&self) -> &SummariesConfig {
        &self.cfg
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// arXiv, paced for the whole process: whatever else fetches a paper's text (`/papers ask`)
    /// takes its turn in the same queue.
    pub fn arxiv(&self) -> &Arxiv {
        &self.arxiv
    }

    /// The model endpoint's client: what it learned, its last refusal (`/healthz`).
    pub fn model_client(&self) -> &ModelClient {
        self.writer.client()
    }

    /// The languages papers are summarised in: every language an enabled channel or a person
    /// with alerts reads (the default for those that chose none). Nobody to read: none.
    pub async fn languages(&self) -> Vec<String> {
        let default = &self.cfg.language;
        let mut out = std::collections::BTreeSet::new();
        match self.store.enabled_subscriptions().await {
            Ok(subs) => out.extend(subs.into_iter().map(|s| {
                super::overlay::language_of(&crate::deliver::target::Target::Channel(s), default)
            })),
            Err(e) => tracing::warn!(error = %e, "cannot read the channels' languages"),
        }
        match self.store.active_alerts().await {
            Ok(people) => out.extend(people.into_iter().map(|(u, _)| {
                super::overlay::language_of(&crate::deliver::target::Target::Person(u), default)
            })),
            Err(e) => tracing::warn!(error = %e, "cannot read the people's languages"),
        }
        out.into_iter().collect()
    }

    /// Asks for these papers before anything else (a post is waiting for them).
    pub fn want(&self, items: impl IntoIterator<Item = Item>) {
        let mut w = self.wanted.lock().expect("wanted lock");
        let before = w.len();
        for i in items {
            w.insert((i.language, i.arxiv_id), i.title);
        }
        if w.len() > before {
            self.wake.notify_one();
        }
    }

    fn today(&self) -> NaiveDate {
        self.clock.now().date_naive()
    }

    fn lease_until(&self) -> DateTime<Utc> {
        self.clock.now()
            + chrono::Duration::from_std(self.tuning.lease).unwrap_or(chrono::Duration::minutes(5))
    }

    fn paused(&self) -> bool {
        self.paused_until
            .lock()
            .expect("pause lock")
            .is_some_and(|t| t > tokio::time::Instant::now())
    }

    /// Whether today's caps leave room for another paper.
    async fn under_cap(&self) -> Result<bool, StoreError> {
        let today = self.today();
        let used = self.store.summary_usage(today).await?;
        let (usage, papers) = used
            .iter()
            .find(|(d, _, _)| *d == today)
            .map(|(_, u, p)| (*u, *p))
            .unwrap_or_default();
        let ok = papers < u64::from(self.cfg.max_papers_per_day)
            && usage.tokens_in + usage.tokens_out < self.cfg.max_tokens_per_day;
        if !ok {
            let mut reported = self.cap_reported.lock().expect("cap lock");
            if *reported != Some(today) {
                *reported = Some(today);
                tracing::warn!(
                    day = %today,
                    papers,
                    tokens = usage.tokens_in + usage.tokens_out,
                    max_papers = self.cfg.max_papers_per_day,
                    max_tokens = self.cfg.max_tokens_per_day,
                    "the day's summary cap is reached; no more summaries until the next UTC day (posts carry Hugging Face's text)"
                );
            }
        }
        Ok(ok)
    }

    /// Summarises one paper in one language (see the module docs); with `redo`, a stored
    /// summary is replaced.
    pub async fn summarise(&self, item: &Item, redo: bool) -> ItemOutcome {
        match self.try_summarise(item, redo).await {
            Ok(o) => o,
            Err(e) => {
                tracing::error!(arxiv_id = %item.arxiv_id, language = %item.language, error = %e, "summary bookkeeping failed");
                ItemOutcome::Error(e.to_string())
            }
        }
    }

    async fn try_summarise(&self, item: &Item, redo: bool) -> Result<ItemOutcome, StoreError> {
        if self.paused() {
            return Ok(ItemOutcome::Paused);
        }
        if !self.under_cap().await? {
            return Ok(ItemOutcome::Capped);
        }
        if redo {
            self.store
                .forget_summaries(std::slice::from_ref(&item.arxiv_id), &item.language)
                .await?;
        }
        let (id, lang) = (item.arxiv_id.as_str(), item.language.as_str());
        if !self
            .store
            .claim_summary(id, lang, &self.owner, self.lease_until())
            .await?
        {
            return Ok(ItemOutcome::Skipped);
        }
        let text = match self.store.paper_text(id).await? {
            Some(mut t) => {
                t.title = item.title.clone();
                t
            }
            None => match self
                .arxiv
                .text(id, &item.title, self.cfg.input, self.cfg.max_input_chars)
                .await
            {
                Ok(t) => {
                    self.store.save_paper_text(&t).await?;
                    t
                }
                Err(e) => {
                    let gave_up = matches!(e, SourceError::Unknown(_))
                        || self.store.summary_attempts(id, lang).await? + 1
                            >= self.tuning.max_attempts;
                    tracing::warn!(arxiv_id = id, language = lang, error = %e, gave_up, "cannot read the paper's text");
                    self.fail(item, e.to_string(), gave_up).await?;
                    return Ok(ItemOutcome::Failed {
                        cause: "source",
                        gave_up,
                    });
                }
            },
        };
        let outcome = self.writer.write(&text, lang).await;
        self.count(outcome.usage, u64::from(outcome.result.is_ok()))
            .await?;
        match outcome.result {
            Ok(bullets) => {
                self.recovered();
                let summary = Summary {
                    arxiv_id: id.to_string(),
                    language: lang.to_string(),
                    bullets,
                    model: self.cfg.model.clone(),
                    prompt_version: PROMPT_VERSION,
                    tokens_in: outcome.usage.tokens_in,
                    tokens_out: outcome.usage.tokens_out,
                };
                self.store.save_summary(&summary, redo).await?;
                self.progress.fetch_add(1, Ordering::Relaxed);
                crate::ops::metrics::summary("written");
                tracing::debug!(
                    arxiv_id = id,
                    language = lang,
                    tokens_in = summary.tokens_in,
                    tokens_out = summary.tokens_out,
                    "summary written"
                );
                Ok(ItemOutcome::Written(summary))
            }
            Err(WriteError::Endpoint(e)) => {
                self.store
                    .release_summary(id, lang, &self.owner, ClaimEnd::Released)
                    .await?;
                self.endpoint_failed(&e);
                crate::ops::metrics::summary("endpoint_error");
                Ok(ItemOutcome::EndpointDown(e.cause()))
            }
            Err(e) => {
                self.recovered();
                let cause = e.cause();
                let gave_up = matches!(e, WriteError::Refused)
                    || self.store.summary_attempts(id, lang).await? + 1 >= self.tuning.max_attempts;
                tracing::warn!(arxiv_id = id, language = lang, cause, error = %e, gave_up, "no summary this time");
                self.fail(item, e.to_string(), gave_up).await?;
                if gave_up {
                    self.progress.fetch_add(1, Ordering::Relaxed);
                }
                crate::ops::metrics::summary(if gave_up { "given_up" } else { "failed" });
                Ok(ItemOutcome::Failed { cause, gave_up })
            }
        }
    }

    async fn fail(&self, item: &Item, error: String, give_up: bool) -> Result<(), StoreError> {
        let retry_at = self.clock.now()
            + chrono::Duration::from_std(self.tuning.retry_failed_after)
                .unwrap_or(chrono::Duration::minutes(20));
        self.store
            .release_summary(
                &item.arxiv_id,
                &item.language,
                &self.owner,
                ClaimEnd::Failed {
                    error,
                    retry_at,
                    give_up,
                },
            )
            .await
    }

    /// Adds a call's cost to the day's, in the store and the metrics.
    async fn count(&self, usage: Usage, papers: u64) -> Result<(), StoreError> {
        if usage.calls == 0 {
            return Ok(());
        }
        let today = self.today();
        self.store.add_summary_usage(today, usage, papers).await?;
        crate::ops::metrics::summary_usage(usage);
        if let Some((_, total, _)) = self.store.summary_usage(today).await?.into_iter().next() {
            crate::ops::metrics::summary_day(total);
        }
        Ok(())
    }

    /// The endpoint failed: pause (its `retry-after`, else a doubling backoff), and say so once
    /// per cause until it answers again.
    fn endpoint_failed(&self, e: &ChatError) {
        let n = self.failures.fetch_add(1, Ordering::Relaxed) + 1;
        let backoff = self
            .tuning
            .backoff_base
            .saturating_mul(1 << (n - 1).min(16))
            .min(self.tuning.backoff_max);
        let pause = match e {
            ChatError::RateLimited {
                retry_after: Some(r),
            } => (*r).max(Duration::from_millis(1)),
            _ => backoff,
        };
        let until = tokio::time::Instant::now() + pause;
        {
            let mut p = self.paused_until.lock().expect("pause lock");
            *p = Some(p.map_or(until, |t| t.max(until)));
        }
        let mut causes = self.causes.lock().expect("causes lock");
        let seen = causes.entry(e.cause()).or_insert(0);
        *seen += 1;
        if *seen == 1 {
            tracing::warn!(cause = e.cause(), error = %e, pause_s = pause.as_secs_f64(), "the summaries endpoint failed; pausing (repeats of this cause are counted, not logged)");
        }
    }

    /// The endpoint answered: the repeated failures, if any, in one line.
    fn recovered(&self) {
        self.failures.store(0, Ordering::Relaxed);
        let mut causes = self.causes.lock().expect("causes lock");
        if !causes.is_empty() {
            let summary: Vec<String> = causes.iter().map(|(c, n)| format!("{c} ×{n}")).collect();
            tracing::info!(failures = %summary.join(", "), "the summaries endpoint answers again");
            causes.clear();
        }
    }

    /// One round over `items`, `concurrency` at a time; stops starting new ones while the
    /// endpoint is paused or the day's cap is reached.
    pub async fn round(&self, items: Vec<Item>) -> Vec<(Item, ItemOutcome)> {
        let concurrency = self.cfg.concurrency.max(1);
        stream::iter(items)
            .map(|item| async move {
                let o = self.summarise(&item, false).await;
                (item, o)
            })
            .buffered(concurrency)
            .collect()
            .await
    }

    /// One round over what there is to do now (see [`Summariser::run`]): what the tests and
    /// `paperboy summarize` drive.
    pub async fn work_once(&self) -> Vec<(Item, ItemOutcome)> {
        let items = self.collect().await;
        self.round(items).await
    }

    /// What to work on now: the papers posts are waiting for, then today's and yesterday's
    /// lists, in every language in use, less what is stored.
    async fn collect(&self) -> Vec<Item> {
        let mut items: Vec<Item> = std::mem::take(&mut *self.wanted.lock().expect("wanted lock"))
            .into_iter()
            .map(|((language, arxiv_id), title)| Item {
                language,
                arxiv_id,
                title,
            })
            .collect();
        let languages = self.languages().await;
        let today = self.today();
        for date in [today, today - chrono::Duration::days(1)] {
            let Some(hf) = &self.hf else { break };
            let digest = match hf.load(date).await {
                Ok(parsed) => parsed.digest,
                Err(crate::source::digest::DigestError::NotPublished(_)) => continue,
                Err(e) => {
                    tracing::debug!(%date, error = %e, "cannot read Hugging Face's list for summaries");
                    continue;
                }
            };
            for lang in &languages {
                let list = wanted(&digest, lang);
                let ids: Vec<String> = list.iter().map(|(id, _)| id.clone()).collect();
                let done = match self.store.summaries_for(&ids, lang).await {
                    Ok(d) => d,
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot read stored summaries");
                        continue;
                    }
                };
                items.extend(
                    list.into_iter()
                        .filter(|(id, _)| !done.contains_key(id))
                        .map(|(arxiv_id, title)| Item {
                            language: lang.clone(),
                            arxiv_id,
                            title,
                        }),
                );
            }
        }
        let mut seen = std::collections::HashSet::new();
        items.retain(|i| seen.insert((i.language.clone(), i.arxiv_id.clone())));
        items
    }

    /// The worker: rounds until `cancel`, each after the poll interval, a post's request, or
    /// the end of a pause. Its claims are renewed meanwhile.
    pub async fn run(self: Arc<Self>, cancel: CancellationToken) {
        let keep = {
            let me = self.clone();
            let cancel = cancel.clone();
            tokio::spawn(async move {
                let every = (me.tuning.lease / 3).max(Duration::from_millis(200));
                loop {
                    tokio::select! {
                        _ = tokio::time::sleep(every) => {}
                        _ = cancel.cancelled() => return,
                    }
                    if let Err(e) = me
                        .store
                        .renew_summary_claims(&me.owner, me.lease_until())
                        .await
                    {
                        tracing::warn!(error = %e, "could not renew the summary claims");
                    }
                }
            })
        };
        tracing::info!(model = %self.cfg.model, language = %self.cfg.language, "summaries on");
        loop {
            let items = tokio::select! {
                items = self.collect() => items,
                _ = cancel.cancelled() => break,
            };
            if !items.is_empty() {
                let results = tokio::select! {
                    r = self.round(items) => r,
                    _ = cancel.cancelled() => break,
                };
                let mut tally: HashMap<&'static str, u64> = HashMap::new();
                for (_, o) in &results {
                    let k = match o {
                        ItemOutcome::Written(_) => "written",
                        ItemOutcome::Skipped => "skipped",
                        ItemOutcome::Paused => "paused",
                        ItemOutcome::Capped => "capped",
                        ItemOutcome::Failed { .. } => "failed",
                        ItemOutcome::EndpointDown(_) => "endpoint_down",
                        ItemOutcome::Error(_) => "error",
                    };
                    *tally.entry(k).or_default() += 1;
                }
                tracing::debug!(?tally, "summary round");
                // What the pause kept from being tried comes first next time.
                let again: Vec<Item> = results
                    .into_iter()
                    .filter(|(_, o)| {
                        matches!(o, ItemOutcome::Paused | ItemOutcome::EndpointDown(_))
                    })
                    .map(|(i, _)| i)
                    .collect();
                if !again.is_empty() {
                    self.want(again);
                }
            }
            let pause = *self.paused_until.lock().expect("pause lock");
            let next = match pause {
                Some(t) if t > tokio::time::Instant::now() => t,
                _ => tokio::time::Instant::now() + self.tuning.poll_every,
            };
            tokio::select! {
                _ = tokio::time::sleep_until(next) => {}
                _ = self.wake.notified() => {
                    // A post asked: but never sooner than the pause allows.
                    if let Some(t) = pause {
                        tokio::select! {
                            _ = tokio::time::sleep_until(t) => {}
                            _ = cancel.cancelled() => break,
                        }
                    }
                }
                _ = cancel.cancelled() => break,
            }
        }
        keep.abort();
        // Shutting down: this process's claims go back at once.
        let _ = self
            .store
            .renew_summary_claims(&self.owner, self.clock.now())
            .await;
    }
}

/// The Hugging Face API the worker reads lists from: the configured source's.
pub fn hf_base(source: &crate::config::SourceConfig) -> String {
    [Some(&source.primary), source.fallback.as_ref()]
        .into_iter()
        .flatten()
        .find_map(|s| match s {
            DigestSource::HfApi { base_url } => Some(base_url.clone()),
            _ => None,
        })
        .unwrap_or_else(|| crate::config::DEFAULT_HF_API_BASE.to_string())
}

/// What `paperboy summarize` found or made for one paper.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DayLine {
    /// The digest's own bullets are the summary in this language (a Korean digest).
    Free(Vec<String>),
    Summary(Summary),
    /// No summary: why; the post shows the digest's text.
    Missing(String),
}

/// Every paper of `digest` in `language`: its stored summary, generating (and storing) what
/// is missing, or replacing everything with `redo`. The day's papers in order, with titles.
pub async fn summarize_day(
    s: &Summariser,
    digest: &crate::source::digest::Digest,
    language: &str,
    redo: bool,
) -> Result<Vec<(String, Option<String>, DayLine)>, StoreError> {
    let ids: Vec<String> = digest
        .papers
        .iter()
        .filter_map(|p| p.arxiv_id.clone())
        .collect();
    let mut stored = s.store.summaries_for(&ids, language).await?;
    let mut out = Vec::new();
    for p in &digest.papers {
        let line = match &p.arxiv_id {
            _ if super::overlay::free_in(p, language) => DayLine::Free(p.bullets.clone()),
            None => DayLine::Missing("no arXiv id".into()),
            Some(id) => match stored.remove(id).filter(|_| !redo) {
                Some(summary) => DayLine::Summary(summary),
                None => {
                    let item = Item {
                        language: language.to_string(),
                        arxiv_id: id.clone(),
                        title: p.title.clone(),
                    };
                    match s.summarise(&item, redo).await {
                        ItemOutcome::Written(summary) => DayLine::Summary(summary),
                        other => DayLine::Missing(format!("{other:?}")),
                    }
                }
            },
        };
        out.push((p.title.clone(), p.arxiv_id.clone(), line));
    }
    Ok(out)
}
