//! The background worker: summarises papers as they appear on Hugging Face's list (today's and
//! yesterday's, in UTC: a day's list grows while it lasts), in every language in use, so that
//! at post time only late additions remain. Posts that find a paper missing ask for it first
//! ([`Summariser::want`]).
//!
//! Each paper and language is claimed in the store before any work (two processes never
//! summarise the same one at once; a dead one's claims pass on), its text fetched from arXiv
//! once and kept (a paper from Hugging Face's list is read from the list's abstract), its
//! summary stored; each call is counted in the day's cost before it is sent (its tokens when
//! answered), so the cost of calls in flight at a crash is not lost. When the endpoint fails
//! (down, 429, 5xx, timeout, key refused) the worker pauses ([`super::gate`]: `retry-after`
//! or a backoff, the calls in flight that fail with it counted once, then one probe) instead of
//! trying paper after paper. Each cause is logged once per window, its repeats counted and
//! summarised ([`crate::ops::logging::Repeats`]). A paper whose answers stay unusable, or that the
//! model refuses, is given up and keeps Hugging Face's text. A day's caps stop the work until
//! the next UTC day.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use futures::stream::{self, StreamExt};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::gate::{Failure, Gate};
use super::overlay::wanted;
use super::prompt::{PaperText, TextKind};
use super::source::{Arxiv, SourceError};
use super::writer::{CallLog, WriteError, Writer};
use super::{SummariesConfig, Summary, Usage, PROMPT_VERSION};
use crate::clock::Clock;
use crate::model::{ChatError, Endpoint, ModelClient};
use crate::ops::logging::Repeats;
use crate::source::loader::{DigestSource, SourceLoader};
use crate::store::{ClaimEnd, Store, StoreError};

/// How long a logged cause's repeats are counted before one line summarises them.
const LOG_WINDOW: Duration = Duration::from_secs(10 * 60);

/// Waits that are not worth a config key; tests shrink them.
#[derive(Debug, Clone)]
pub struct WorkerTuning {
    /// How often Hugging Face's list is looked at for new papers.
    pub poll_every: Duration,
    /// First pause after the endpoint failed (doubling with each failed probe).
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// How long a claim lasts unrenewed (a killed process's claims pass on after it).
    pub lease: Duration,
    /// The wait before a paper whose answer was unusable is tried again.
    pub retry_failed_after: Duration,
    /// Tries of one paper before it is given up.
    pub max_attempts: u32,
    /// The first wait after arXiv turned a request away without a `retry-after` (doubling).
    pub arxiv_backoff: Duration,
}

impl Default for WorkerTuning {
    fn default() -> Self {
        WorkerTuning {
            poll_every: Duration::from_secs(10 * 60),
            backoff_base: Duration::from_secs(30),
            // A pause ends with one probe: once a minute at most while the endpoint is down,
            // so summaries resume within a minute of its return.
            backoff_max: Duration::from_secs(60),
            lease: Duration::from_secs(5 * 60),
            retry_failed_after: Duration::from_secs(20 * 60),
            max_attempts: 3,
            arxiv_backoff: Duration::from_secs(30),
        }
    }
}

/// One paper in one language.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Item {
    pub language: String,
    pub arxiv_id: String,
    pub title: String,
    /// The abstract Hugging Face's list gives, when the paper comes from it: arXiv is not
    /// asked for it.
    pub abstract_: Option<String>,
}

/// The papers of `digest` that need a summary in `language` ([`wanted`]), as work: each with
/// the abstract the digest gives, if any.
pub fn items(digest: &crate::source::digest::Digest, language: &str) -> Vec<Item> {
    wanted(digest, language)
        .into_iter()
        .map(|(arxiv_id, title)| Item {
            abstract_: digest
                .papers
                .iter()
                .find(|p| p.arxiv_id.as_deref() == Some(arxiv_id.as_str()))
                .and_then(|p| p.abstract_.clone()),
            language: language.to_string(),
            arxiv_id,
            title,
        })
        .collect()
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
    /// arXiv turned the paper's text request away (busy): not counted, asked again after its
    /// wait.
    SourceBusy,
    /// The store failed.
    Error(String),
}

/// A paper a post asked for, by (language, arXiv id): its title and listed abstract.
type Wanted = (String, Option<String>);

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
    wanted: Mutex<BTreeMap<(String, String), Wanted>>,
    wake: Notify,
    /// When the endpoint may be called: pauses after failures, one probe after a pause.
    gate: Gate,
    /// Each cause of trouble is logged once per window, its repeats counted and summarised.
    repeats: Repeats,
    /// An outage was logged and its end not yet.
    announced: AtomicBool,
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
            Endpoint::configured(&cfg),
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
            gate: Gate::new(
                WorkerTuning::default().backoff_base,
                WorkerTuning::default().backoff_max,
            ),
            repeats: Repeats::new(LOG_WINDOW),
            announced: AtomicBool::new(false),
            cap_reported: Mutex::new(None),
            progress: std::sync::atomic::AtomicU64::new(0),
        }
    }

    pub fn with_tuning(mut self, tuning: WorkerTuning) -> Summariser {
        self.gate = Gate::new(tuning.backoff_base, tuning.backoff_max);
        self.arxiv.set_backoff(tuning.arxiv_backoff);
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
        self.gate.resume();
    }

    /// Returns when the endpoint's pause (if any) is over.
    pub async fn pause_over(&self) {
        if let Some(t) = self.gate.paused_until() {
            tokio::time::sleep_until(t).await;
        }
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
            Ok(subs) => out.extend(
                subs.into_iter()
                    .map(|s| super::overlay::language_of(s.language.as_ref(), default)),
            ),
            Err(e) => tracing::warn!(error = %e, "cannot read the channels' languages"),
        }
        match self.store.active_alerts().await {
            Ok(people) => out.extend(
                people
                    .into_iter()
                    .map(|(u, _)| super::overlay::language_of(u.language.as_ref(), default)),
            ),
            Err(e) => tracing::warn!(error = %e, "cannot read the people's languages"),
        }
        out.into_iter().collect()
    }

    /// Asks for these papers before anything else (a post is waiting for them).
    pub fn want(&self, items: impl IntoIterator<Item = Item>) {
        let mut w = self.wanted.lock().expect("wanted lock");
        let before = w.len();
        for i in items {
            let key = (i.language, i.arxiv_id);
            // The copy that knows the abstract wins (a post's archived day may lack it).
            let keep = w.get(&key).and_then(|(_, a)| a.clone());
            w.insert(key, (i.title, i.abstract_.or(keep)));
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
        self.gate.paused()
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
        let listed = item.abstract_.as_deref().filter(|a| !a.trim().is_empty());
        let stored = match (self.cfg.input, listed) {
            // The list gives all the model reads: nothing to fetch, nothing to keep.
            (super::Input::Abstract, Some(a)) => Some(PaperText {
                arxiv_id: id.to_string(),
                title: item.title.clone(),
                abstract_: a.trim().to_string(),
                body: None,
                kind: TextKind::Abstract,
            }),
            _ => self.store.paper_text(id).await?,
        };
        let text = match stored {
            Some(mut t) => {
                t.title = item.title.clone();
                t
            }
            None => match self
                .arxiv
                .text(
                    id,
                    &item.title,
                    listed,
                    self.cfg.input,
                    self.cfg.max_input_chars,
                )
                .await
            {
                Ok(t) => {
                    self.store.save_paper_text(&t).await?;
                    t
                }
                Err(e @ SourceError::Busy { .. }) => {
                    self.store
                        .release_summary(id, lang, &self.owner, ClaimEnd::Released)
                        .await?;
                    if self.first("arxiv_busy") {
                        tracing::warn!(arxiv_id = id, error = %e, "arXiv turned a request away; waiting before the next (repeats are counted, not logged)");
                    } else {
                        tracing::debug!(arxiv_id = id, error = %e, "arXiv turned a request away");
                    }
                    return Ok(ItemOutcome::SourceBusy);
                }
                Err(e) => {
                    let gave_up = matches!(e, SourceError::Unknown(_))
                        || self.store.summary_attempts(id, lang).await? + 1
                            >= self.tuning.max_attempts;
                    if self.first("source") {
                        tracing::warn!(arxiv_id = id, language = lang, error = %e, gave_up, "cannot read the paper's text (repeats are counted, not logged)");
                    } else {
                        tracing::debug!(arxiv_id = id, language = lang, error = %e, gave_up, "cannot read the paper's text");
                    }
                    self.fail(item, e.to_string(), gave_up).await?;
                    return Ok(ItemOutcome::Failed {
                        cause: "source",
                        gave_up,
                    });
                }
            },
        };
        // After a pause, one call probes the endpoint alone; the others wait for its answer.
        let Some(pass) = self.gate.admit().await else {
            self.store
                .release_summary(id, lang, &self.owner, ClaimEnd::Released)
                .await?;
            return Ok(ItemOutcome::Paused);
        };
        let outcome = self.writer.write(&text, lang, &Ledger(self)).await;
        match &outcome.result {
            Err(WriteError::Endpoint(e)) => {
                let retry_after = match e {
                    ChatError::RateLimited { retry_after } => *retry_after,
                    _ => None,
                };
                let verdict = pass.failed(retry_after);
                self.endpoint_failed(e, verdict);
            }
            _ => {
                if pass.answered() {
                    self.recovered();
                }
            }
        }
        if outcome.result.is_ok() {
            self.count(Usage::default(), 1).await?;
        }
        match outcome.result {
            Ok(bullets) => {
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
                crate::ops::metrics::summary("endpoint_error");
                Ok(ItemOutcome::EndpointDown(e.cause()))
            }
            Err(e) => {
                let cause = e.cause();
                let gave_up = matches!(e, WriteError::Refused)
                    || self.store.summary_attempts(id, lang).await? + 1 >= self.tuning.max_attempts;
                if self.first(&format!("paper:{cause}")) {
                    tracing::warn!(arxiv_id = id, language = lang, cause, error = %e, gave_up, "no summary this time (repeats of this cause are counted, not logged)");
                } else {
                    tracing::debug!(arxiv_id = id, language = lang, cause, error = %e, gave_up, "no summary this time");
                }
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

    /// Adds to the day's cost, in the store and the metrics: a call as it is sent, its tokens
    /// when answered, a paper when written.
    async fn count(&self, usage: Usage, papers: u64) -> Result<(), StoreError> {
        if usage == Usage::default() && papers == 0 {
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

    /// Whether `kind` is the first of its window (log it) or a repeat (counted).
    fn first(&self, kind: &str) -> bool {
        self.repeats
            .note(kind, tokio::time::Instant::now().into_std())
    }

    /// The endpoint failed (the gate paused it, or this call is of an outage already paused
    /// for): a new outage is logged once per cause and window, the rest counted.
    fn endpoint_failed(&self, e: &ChatError, verdict: Failure) {
        let cause = e.cause();
        match verdict {
            Failure::Paused { pause, outages } => {
                if self.first(&format!("endpoint:{cause}")) {
                    self.announced.store(true, Ordering::Relaxed);
                    tracing::warn!(cause, error = %e, pause_s = pause.as_secs_f64(), "the summaries endpoint failed; pausing, then one call probes it (repeats of this cause are counted, not logged)");
                } else {
                    tracing::debug!(cause, error = %e, pause_s = pause.as_secs_f64(), outages, "the summaries endpoint failed again; pausing");
                }
            }
            Failure::SameOutage => {
                tracing::debug!(cause, error = %e, "a call in flight met the same outage");
            }
        }
    }

    /// The endpoint answered after failing: said when its failure was (the first of its window).
    fn recovered(&self) {
        if self.announced.swap(false, Ordering::Relaxed) {
            tracing::info!("the summaries endpoint answers again");
        } else {
            tracing::debug!("the summaries endpoint answers again");
        }
    }

    /// One line per cause that repeated in a window now over (`all`: window over or not, at the
    /// end of a run), with how often.
    pub fn log_repeats(&self, all: bool) {
        let repeated = if all {
            self.repeats.drain()
        } else {
            self.repeats.due(tokio::time::Instant::now().into_std())
        };
        let window_min = self.repeats.window().as_secs() / 60;
        for (kind, repeats) in repeated {
            match (kind.as_str(), kind.split_once(':')) {
                (_, Some(("endpoint", cause))) => tracing::warn!(cause, repeats, window_min, "the summaries endpoint failed again with this cause (repeats, not logged one by one)"),
                (_, Some(("paper", cause))) => tracing::warn!(cause, repeats, window_min, "more papers got no summary this time (repeats, not logged one by one)"),
                ("arxiv_busy", _) => tracing::warn!(repeats, window_min, "arXiv turned more requests away (repeats, not logged one by one)"),
                ("usage", _) => tracing::warn!(repeats, window_min, "more summary calls' cost could not be recorded (repeats, not logged one by one)"),
                _ => tracing::warn!(cause = %kind, repeats, window_min, "more papers' text could not be read (repeats, not logged one by one)"),
            }
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
        let mut out: Vec<Item> = std::mem::take(&mut *self.wanted.lock().expect("wanted lock"))
            .into_iter()
            .map(|((language, arxiv_id), (title, abstract_))| Item {
                language,
                arxiv_id,
                title,
                abstract_,
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
                let list = items(&digest, lang);
                let ids: Vec<String> = list.iter().map(|i| i.arxiv_id.clone()).collect();
                let done = match self.store.summaries_for(&ids, lang).await {
                    Ok(d) => d,
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot read stored summaries");
                        continue;
                    }
                };
                out.extend(list.into_iter().filter(|i| !done.contains_key(&i.arxiv_id)));
            }
        }
        // Each paper once, where first asked for, with the abstract any copy knows.
        let mut first: HashMap<(String, String), usize> = HashMap::new();
        let mut items: Vec<Item> = Vec::with_capacity(out.len());
        for i in out {
            match first.entry((i.language.clone(), i.arxiv_id.clone())) {
                std::collections::hash_map::Entry::Occupied(at) => {
                    let kept = &mut items[*at.get()];
                    if kept.abstract_.is_none() {
                        kept.abstract_ = i.abstract_;
                    }
                }
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(items.len());
                    items.push(i);
                }
            }
        }
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
                        ItemOutcome::SourceBusy => "source_busy",
                        ItemOutcome::Error(_) => "error",
                    };
                    *tally.entry(k).or_default() += 1;
                }
                tracing::debug!(?tally, "summary round");
                self.log_repeats(false);
                // What the pause kept from being tried comes first next time.
                let again: Vec<Item> = results
                    .into_iter()
                    .filter(|(_, o)| {
                        matches!(
                            o,
                            ItemOutcome::Paused
                                | ItemOutcome::EndpointDown(_)
                                | ItemOutcome::SourceBusy
                        )
                    })
                    .map(|(i, _)| i)
                    .collect();
                if !again.is_empty() {
                    self.want(again);
                }
            }
            let pause = self.gate.paused_until();
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
        self.log_repeats(true);
        // Shutting down: the work in flight is abandoned where it stands, its claims left to
        // run out (the endpoint may still be answering those calls).
    }
}

/// The day's cost as the calls happen ([`CallLog`]): a call is in the store before it is sent.
struct Ledger<'a>(&'a Summariser);

impl Ledger<'_> {
    async fn record(&self, usage: Usage) {
        if let Err(e) = self.0.count(usage, 0).await {
            if self.0.first("usage") {
                tracing::warn!(error = %e, "cannot record a summary call's cost (repeats are counted, not logged)");
            }
        }
    }
}

impl CallLog for Ledger<'_> {
    async fn sending(&self) {
        self.record(Usage {
            calls: 1,
            ..Usage::default()
        })
        .await;
    }

    /// `usage.calls` are the calls beyond the one already counted at `sending` (the model
    /// client's own, to adapt to the endpoint).
    async fn answered(&self, usage: Usage) {
        self.record(usage).await;
    }
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

/// Endpoint failures one paper of `paperboy summarize` waits out before it is left without a
/// summary (a 429 that never ends is a spent quota, not a busy minute).
const CLI_ENDPOINT_TRIES: u32 = 10;

/// Every paper of `digest` in `language`: its stored summary, generating (and storing) what
/// is missing, or replacing everything with `redo`; `concurrency` papers at a time. A failing
/// endpoint is waited out (a 429's `retry-after`, else the backoff) and the work goes on; a
/// refused key ends it. The day's papers in order, with titles.
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
    let stored = s.store.summaries_for(&ids, language).await?;
    let key_refused = AtomicBool::new(false);
    let lines: Vec<DayLine> = stream::iter(&digest.papers)
        .map(|p| {
            let (stored, key_refused) = (&stored, &key_refused);
            async move {
                match &p.arxiv_id {
                    _ if super::overlay::free_in(p, language) => DayLine::Free(p.bullets.clone()),
                    None => DayLine::Missing("no arXiv id".into()),
                    Some(id) => match stored.get(id).filter(|_| !redo) {
                        Some(summary) => DayLine::Summary(summary.clone()),
                        None => {
                            let item = Item {
                                language: language.to_string(),
                                arxiv_id: id.clone(),
                                title: p.title.clone(),
                                abstract_: p.abstract_.clone(),
                            };
                            summarize_waiting(s, &item, redo, key_refused).await
                        }
                    },
                }
            }
        })
        .buffered(s.cfg.concurrency.max(1))
        .collect()
        .await;
    s.log_repeats(true);
    Ok(digest
        .papers
        .iter()
        .zip(lines)
        .map(|(p, line)| (p.title.clone(), p.arxiv_id.clone(), line))
        .collect())
}

/// One paper for `paperboy summarize`, waiting out the endpoint's pauses.
async fn summarize_waiting(
    s: &Summariser,
    item: &Item,
    redo: bool,
    key_refused: &AtomicBool,
) -> DayLine {
    let mut endpoint_failures = 0;
    loop {
        if key_refused.load(Ordering::Relaxed) {
            return DayLine::Missing("the endpoint refused the API key".into());
        }
        match s.summarise(item, redo).await {
            ItemOutcome::Written(summary) => return DayLine::Summary(summary),
            ItemOutcome::EndpointDown("unauthorized") => {
                key_refused.store(true, Ordering::Relaxed);
                return DayLine::Missing("the endpoint refused the API key".into());
            }
            ItemOutcome::EndpointDown(cause) => {
                endpoint_failures += 1;
                if endpoint_failures >= CLI_ENDPOINT_TRIES {
                    return DayLine::Missing(format!("the endpoint kept failing ({cause})"));
                }
            }
            ItemOutcome::SourceBusy => {
                endpoint_failures += 1;
                if endpoint_failures >= CLI_ENDPOINT_TRIES {
                    return DayLine::Missing("arXiv kept turning the request away".into());
                }
            }
            ItemOutcome::Paused => {}
            other => return DayLine::Missing(format!("{other:?}")),
        }
        s.pause_over().await;
    }
}
