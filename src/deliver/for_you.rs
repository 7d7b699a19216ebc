//! The "for you" stage of a pass, between matching everybody's alerts and planning: for each
//! person with "for you" on and a new day, their matches in the order their reading list gives
//! them, up to a few papers no term matched, each with the saved paper it is close to, and the
//! news of their saved papers their next DM tells.
//!
//! The work is shared as the alert matching's is: every distinct paper anybody's list holds (or
//! anybody turned down) is compared with the day once, whoever saved it; each person then only
//! reads their own rows ([`crate::select::for_you`]). With `summaries.embedding_model` the
//! comparison is by embeddings, each paper's computed once and stored; when the endpoint fails
//! the pass falls back to the lexical similarity (said once until it answers again), so a DM is
//! never late for it. Follow-ups are marked told under the delivery that tells them before it
//! is planned, so a crash or a retried plan tells the same, and no other DM tells them again.
//! Anything else failing here leaves the DMs as plain alerts, never unsent.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use chrono::NaiveDate;

use super::decide::{DayRef, Unplanned};
use super::embedder::Embedder;
use super::engine::Deliverer;
use super::job::AlertMatches;
use super::personal_day::{ForYouDms, PersonalDay};
use crate::model::client::ChatError;
use crate::model::embeddings::MAX_INPUTS_PER_REQUEST;
use crate::select::alerts::AlertIndex;
use crate::select::for_you::document::Document;
use crate::select::for_you::followup::MAX_FOLLOWUPS_PER_DM;
use crate::select::for_you::lexical::DayIndex;
use crate::select::for_you::rank::{Ranker, Reader, MIN_SAVED};
use crate::select::for_you::similarity::Similarities;
use crate::select::terms::{Term, TermKind};
use crate::source::digest::Paper;
use crate::store::{Archived, EmbeddingUsage, FollowUp, ListedPaper, StoreError};

/// A paper's key among stored embeddings: its arXiv id (a paper without one, which no real
/// day has, is keyed by its title and never stored).
fn key_of(paper: &Paper) -> Option<String> {
    paper.arxiv_id.clone()
}

/// The excludes of a person's terms turned into what they exclude, so that one more
/// [`AlertIndex`] says which papers each person's excludes veto.
fn vetoes_of(terms: &[Term]) -> Vec<Term> {
    terms
        .iter()
        .filter_map(|t| {
            let kind = match t.kind {
                TermKind::Exclude => TermKind::Include,
                TermKind::ExcludeAuthor => TermKind::Author,
                TermKind::ExcludeFacet => TermKind::Facet,
                _ => return None,
            };
            Some(Term::new(kind, t.text.clone()))
        })
        .collect()
}

impl Deliverer {
    /// See the module docs. Never fails: trouble is logged and the DMs stay plain alerts.
    pub(super) async fn for_you_stage(
        &self,
        jobs: &BTreeMap<u64, Unplanned>,
        terms: &HashMap<u64, Vec<Term>>,
        matches: &AlertMatches,
    ) -> ForYouDms {
        match self.for_you(jobs, terms, matches).await {
            Ok(dms) => dms,
            Err(e) => {
                tracing::warn!(error = %e, "\"for you\" could not read the store; DMs go out as plain alerts this pass");
                ForYouDms::new()
            }
        }
    }

    async fn for_you(
        &self,
        jobs: &BTreeMap<u64, Unplanned>,
        terms: &HashMap<u64, Vec<Term>>,
        matches: &AlertMatches,
    ) -> Result<ForYouDms, StoreError> {
        // People with a new day this pass, and the days.
        let mut new_days: BTreeMap<u64, Vec<(NaiveDate, Arc<Archived>)>> = BTreeMap::new();
        for j in jobs.values().filter(|j| j.target.is_person()) {
            for (date, day) in &j.new {
                if let DayRef::Digest(a) = day {
                    new_days
                        .entry(j.target.key())
                        .or_default()
                        .push((*date, a.clone()));
                }
            }
        }
        if new_days.is_empty() {
            return Ok(ForYouDms::new());
        }
        let people: Vec<u64> = new_days.keys().copied().collect();
        let readers = self.store.for_you_readers(&people).await?;
        if readers.is_empty() {
            return Ok(ForYouDms::new());
        }
        let ids: Vec<u64> = readers.keys().copied().collect();
        let lists = self.store.reading_lists(&ids).await?;
        let unwanted = self.store.not_for_me_lists(&ids).await?;

        // Every distinct known paper is one row.
        let mut row_of: HashMap<&str, u32> = HashMap::new();
        let mut known: Vec<&ListedPaper> = Vec::new();
        for p in lists.values().chain(unwanted.values()).flatten() {
            row_of.entry(p.arxiv_id.as_str()).or_insert_with(|| {
                known.push(p);
                (known.len() - 1) as u32
            });
        }
        let known_ids: Vec<String> = known.iter().map(|p| p.arxiv_id.clone()).collect();
        let archived = self.store.papers_by_arxiv_ids(&known_ids).await?;
        let known_docs: Vec<Document> = known
            .iter()
            .map(|p| match archived.get(&p.arxiv_id) {
                Some(paper) => Document::of(paper),
                None => Document::titled(&p.title),
            })
            .collect();

        let vetoes = AlertIndex::build(ids.iter().filter_map(|u| {
            let v = vetoes_of(terms.get(u).map(Vec::as_slice).unwrap_or_default());
            (!v.is_empty()).then_some((*u, v))
        }));

        let mut days: BTreeMap<NaiveDate, Arc<Archived>> = BTreeMap::new();
        for u in &ids {
            for (date, a) in new_days.get(u).into_iter().flatten() {
                days.entry(*date).or_insert_with(|| a.clone());
            }
        }
        let mut dms = ForYouDms::new();
        let mut ranker = Ranker::default();
        for (date, a) in &days {
            let papers = &a.digest.papers;
            let sim = self.similarities(papers, &known, &known_docs).await;
            let embeddings =
                sim.backend() == crate::select::for_you::similarity::Backend::Embeddings;
            let vetoed: HashMap<u64, Vec<usize>> = vetoes
                .matches(papers)
                .into_iter()
                .map(|m| (m.user, m.papers.into_iter().map(|(p, _)| p).collect()))
                .collect();
            let day_matches = matches.get(date);
            // The day's papers by arXiv id, to tell which a reader knows already.
            let on_day: HashMap<&str, usize> = papers
                .iter()
                .enumerate()
                .filter_map(|(i, p)| Some((p.arxiv_id.as_deref()?, i)))
                .collect();
            let mut recommended = 0u64;
            for (user, extra) in &readers {
                if !new_days
                    .get(user)
                    .is_some_and(|d| d.iter().any(|(d, _)| d == date))
                {
                    continue;
                }
                let list = lists.get(user).map(Vec::as_slice).unwrap_or_default();
                let down = unwanted.get(user).map(Vec::as_slice).unwrap_or_default();
                let saved: Vec<u32> = list.iter().map(|p| row_of[p.arxiv_id.as_str()]).collect();
                let unwanted_rows: Vec<u32> =
                    down.iter().map(|p| row_of[p.arxiv_id.as_str()]).collect();
                let mine: &[(usize, Vec<String>)] = day_matches
                    .and_then(|m| m.get(user))
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                let matched: Vec<usize> = mine.iter().map(|(p, _)| *p).collect();
                let mut known_here: Vec<usize> = list
                    .iter()
                    .chain(down)
                    .filter_map(|p| on_day.get(p.arxiv_id.as_str()).copied())
                    .collect();
                known_here.sort_unstable();
                let reader = Reader {
                    saved: &saved,
                    unwanted: &unwanted_rows,
                    matches: &matched,
                    vetoed: vetoed.get(user).map(Vec::as_slice).unwrap_or_default(),
                    known: &known_here,
                    extra: usize::from(*extra),
                };
                let ranked = ranker.rank(&sim, &reader);
                let title = |i: Option<usize>| i.map(|i| list[i].title.clone());
                let terms_of = |paper: usize| {
                    mine.iter()
                        .find(|(p, _)| *p == paper)
                        .map(|(_, t)| t.clone())
                        .unwrap_or_default()
                };
                let day = PersonalDay {
                    ranked: saved.len() >= MIN_SAVED,
                    matches: ranked
                        .matches
                        .iter()
                        .map(|p| (p.paper, terms_of(p.paper), title(p.close_to)))
                        .collect(),
                    recommended: ranked
                        .recommended
                        .iter()
                        .filter_map(|p| Some((p.paper, title(p.close_to)?)))
                        .collect(),
                    followups: Vec::new(),
                };
                recommended += day.recommended.len() as u64;
                dms.insert((*user, *date), Arc::new(day));
            }
            crate::ops::metrics::for_you_recommended(embeddings, recommended);
        }
        self.add_followups(&ids, &new_days, &mut dms).await?;
        // A day that ranks nothing and tells nothing is the plain alert.
        dms.retain(|_, d| d.ranked || !d.followups.is_empty());
        Ok(dms)
    }

    /// The "for you" part of `user`'s weekly reading-list DM (ledger key `key`, of `date`): the
    /// papers of the week before closest to their list that they neither saved nor turned down,
    /// none an exclude of theirs vetoes, and the news of their saved papers no other DM told
    /// (marked told under this one). Empty when "for you" is off.
    pub(super) async fn weekly_for_you(
        &self,
        user: u64,
        key: u64,
        date: NaiveDate,
    ) -> Result<(Vec<(Paper, String)>, Vec<FollowUp>), StoreError> {
        let Some(extra) = self
            .store
            .for_you_readers(&[user])
            .await?
            .get(&user)
            .copied()
        else {
            return Ok((Vec::new(), Vec::new()));
        };
        let mut followups = self
            .store
            .followup_news(&[(user, key)], date)
            .await?
            .remove(&user)
            .unwrap_or_default();
        followups.truncate(MAX_FOLLOWUPS_PER_DM);
        let told: Vec<_> = followups
            .iter()
            .map(|f| (f.arxiv_id.clone(), f.kind))
            .collect();
        self.store.mark_told(user, &told, key, date).await?;
        for f in &followups {
            crate::ops::metrics::followup_told(f.kind.as_db());
        }
        let list = self
            .store
            .reading_lists(&[user])
            .await?
            .remove(&user)
            .unwrap_or_default();
        let down = self
            .store
            .not_for_me_lists(&[user])
            .await?
            .remove(&user)
            .unwrap_or_default();
        if list.len() < MIN_SAVED || extra == 0 {
            return Ok((Vec::new(), followups));
        }
        // The week's papers, each once (a paper listed on two days counts once).
        let mut week: Vec<Paper> = Vec::new();
        for d in crate::deliver::weekly::timing::ranked_dates(date) {
            if let Some(a) = self.store.archived(d).await? {
                for p in a.digest.papers {
                    let seen =
                        p.arxiv_id.is_some() && week.iter().any(|w| w.arxiv_id == p.arxiv_id);
                    if !seen {
                        week.push(p);
                    }
                }
            }
        }
        let known: Vec<&ListedPaper> = list.iter().chain(&down).collect();
        let ids: Vec<String> = known.iter().map(|p| p.arxiv_id.clone()).collect();
        let archived = self.store.papers_by_arxiv_ids(&ids).await?;
        let docs: Vec<Document> = known
            .iter()
            .map(|p| match archived.get(&p.arxiv_id) {
                Some(paper) => Document::of(paper),
                None => Document::titled(&p.title),
            })
            .collect();
        let sim = self.similarities(&week, &known, &docs).await;
        let terms: Vec<Term> = self
            .store
            .alert_terms(user)
            .await?
            .iter()
            .map(crate::select::alerts::term_of)
            .collect();
        let vetoed: Vec<usize> = AlertIndex::build([(user, vetoes_of(&terms))])
            .matches(&week)
            .into_iter()
            .flat_map(|m| m.papers.into_iter().map(|(p, _)| p))
            .collect();
        let mut known_here: Vec<usize> = week
            .iter()
            .enumerate()
            .filter(|(_, p)| {
                known
                    .iter()
                    .any(|k| p.arxiv_id.as_deref() == Some(&k.arxiv_id))
            })
            .map(|(i, _)| i)
            .collect();
        known_here.sort_unstable();
        let saved: Vec<u32> = (0..list.len() as u32).collect();
        let unwanted: Vec<u32> = (list.len() as u32..known.len() as u32).collect();
        let ranked = Ranker::default().rank(
            &sim,
            &Reader {
                saved: &saved,
                unwanted: &unwanted,
                matches: &[],
                vetoed: &vetoed,
                known: &known_here,
                extra: usize::from(extra),
            },
        );
        let recommended = ranked
            .recommended
            .iter()
            .filter_map(|p| Some((week[p.paper].clone(), list[p.close_to?].title.clone())))
            .collect();
        Ok((recommended, followups))
    }

    /// Each reader's news of saved papers, on the first of their new days (their next DM),
    /// marked told under that DM before it is planned.
    async fn add_followups(
        &self,
        readers: &[u64],
        new_days: &BTreeMap<u64, Vec<(NaiveDate, Arc<Archived>)>>,
        dms: &mut ForYouDms,
    ) -> Result<(), StoreError> {
        let mut by_date: BTreeMap<NaiveDate, Vec<(u64, u64)>> = BTreeMap::new();
        for u in readers {
            if let Some(first) = new_days
                .get(u)
                .and_then(|d| d.iter().map(|(d, _)| *d).min())
            {
                // A person's daily DM is keyed by their user id in the ledger.
                by_date.entry(first).or_default().push((*u, *u));
            }
        }
        for (date, people) in by_date {
            for (user, mut news) in self.store.followup_news(&people, date).await? {
                news.truncate(MAX_FOLLOWUPS_PER_DM);
                let told: Vec<_> = news.iter().map(|f| (f.arxiv_id.clone(), f.kind)).collect();
                self.store.mark_told(user, &told, user, date).await?;
                for f in &news {
                    crate::ops::metrics::followup_told(f.kind.as_db());
                }
                let entry = dms.entry((user, date)).or_default();
                Arc::make_mut(entry).followups = news;
            }
        }
        Ok(())
    }

    /// The known papers against the day: by embeddings when configured and the endpoint
    /// answers, else lexically.
    async fn similarities(
        &self,
        papers: &[Paper],
        known: &[&ListedPaper],
        known_docs: &[Document<'_>],
    ) -> Similarities {
        if let Some(embedder) = &self.embedder {
            match self.embedded(embedder, papers, known, known_docs).await {
                Ok(sim) => {
                    if embedder.failing.swap(false, Ordering::Relaxed) {
                        tracing::info!(model = embedder.model(), "the embedding endpoint answers again; \"for you\" compares by embeddings");
                    }
                    return sim;
                }
                Err(e) => {
                    if !embedder.failing.swap(true, Ordering::Relaxed) {
                        tracing::warn!(model = embedder.model(), error = %e, "embeddings failed; \"for you\" compares lexically until the endpoint answers (said once)");
                    } else {
                        tracing::debug!(error = %e, "embeddings still failing");
                    }
                }
            }
        }
        let day_docs: Vec<Document> = papers.iter().map(Document::of).collect();
        Similarities::lexical(&DayIndex::build(&day_docs), known_docs)
    }

    /// The day's and the known papers' embeddings (stored ones read, missing ones asked for in
    /// batches and stored), compared.
    async fn embedded(
        &self,
        embedder: &Embedder,
        papers: &[Paper],
        known: &[&ListedPaper],
        known_docs: &[Document<'_>],
    ) -> Result<Similarities, EmbedError> {
        let model = embedder.model();
        // (key, input) of every paper, the day's first.
        let items: Vec<(Option<String>, String)> = papers
            .iter()
            .map(|p| (key_of(p), Document::of(p).embedding_input()))
            .chain(
                known
                    .iter()
                    .zip(known_docs)
                    .map(|(p, d)| (Some(p.arxiv_id.clone()), d.embedding_input())),
            )
            .collect();
        let keys: Vec<String> = items.iter().filter_map(|(k, _)| k.clone()).collect();
        let mut stored = self.store.embeddings(model, &keys).await?;
        // Each paper once, however many of the day's and the lists' entries it is.
        let mut missing: Vec<usize> = Vec::new();
        let mut queued = std::collections::HashSet::new();
        for (i, (k, _)) in items.iter().enumerate() {
            match k {
                Some(k) if stored.contains_key(k) || !queued.insert(k.clone()) => {}
                _ => missing.push(i),
            }
        }
        let mut unkeyed: HashMap<usize, Vec<f32>> = HashMap::new();
        let today = self.clock.now().date_naive();
        for chunk in missing.chunks(MAX_INPUTS_PER_REQUEST) {
            let inputs: Vec<String> = chunk.iter().map(|&i| items[i].1.clone()).collect();
            let answer = embedder.client.embed(&inputs).await?;
            let usage = EmbeddingUsage {
                calls: 1,
                tokens: answer.tokens,
                papers: chunk.len() as u64,
            };
            self.store.add_embedding_usage(today, usage).await?;
            crate::ops::metrics::embedding_usage(usage);
            let mut fresh = Vec::new();
            for (&i, v) in chunk.iter().zip(answer.vectors) {
                match &items[i].0 {
                    Some(k) => fresh.push((k.clone(), v)),
                    None => {
                        unkeyed.insert(i, v);
                    }
                }
            }
            self.store.save_embeddings(model, &fresh).await?;
            stored.extend(fresh);
        }
        let vector = |i: usize| -> &[f32] {
            match &items[i].0 {
                Some(k) => stored.get(k).map(Vec::as_slice).unwrap_or_default(),
                None => unkeyed.get(&i).map(Vec::as_slice).unwrap_or_default(),
            }
        };
        let day: Vec<&[f32]> = (0..papers.len()).map(vector).collect();
        let rows: Vec<&[f32]> = (papers.len()..items.len()).map(vector).collect();
        Ok(Similarities::embeddings(&day, &rows))
    }
}

/// Why embeddings could not be had this pass.
#[derive(Debug, thiserror::Error)]
enum EmbedError {
    #[error(transparent)]
    Endpoint(#[from] ChatError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::select::terms::parse_terms;

    #[test]
    fn excludes_become_what_they_veto_and_nothing_else_counts() {
        let v = vetoes_of(&parse_terms(
            "llm -survey -author:\"Jane Roe\" -has:code author:X",
        ));
        let shown: Vec<(TermKind, &str)> = v.iter().map(|t| (t.kind, t.text.as_str())).collect();
        assert_eq!(
            shown,
            [
                (TermKind::Include, "survey"),
                (TermKind::Author, "Jane Roe"),
                (TermKind::Facet, "has:code"),
            ]
        );
    }
}
