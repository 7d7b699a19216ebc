//! Personal alerts: which of a day's papers each person asked to hear about by DM.
//!
//! A person's alert is a list of [`Term`]s, with the meaning a channel [`Filter`] gives them:
//! a paper is theirs when it matches one of their keywords or is by one of their `author:`
//! terms, unless one of their excludes (keyword or `-author:`) vetoes it. Unlike a channel, a
//! person whose terms only exclude gets nothing: an alert has to ask for something, and "every
//! paper but surveys" is what the channel digest is for.
//!
//! Hundreds of thousands of people must be matched against a day in well under a second, so
//! the work is shared rather than done per person: [`AlertIndex::build`] puts the distinct
//! normalised keywords of everybody into one Aho-Corasick automaton and the distinct author
//! name keys into one hash map. A day is searched once for all of them, which gives the papers
//! each pattern and name hits; each person then only reads those short lists through their own
//! terms (`matcher.rs` has the details and the why).
//!
//! Keywords are normalised, bounded and shown exactly as [`crate::select::filter`] does it (its rules
//! are shared, not copied), and names compare by [`crate::select::names`]; `AlertIndex` for one person
//! gives what `Filter::compile().apply` gives for that person's terms (tested below).
//!
//! [`Filter`]: crate::select::filter::Filter

mod matcher;
mod stored;

pub use stored::{stored_term, term_of};

use std::collections::HashMap;

use crate::select::filter::{author_display, keyword_display, Prepared};
use crate::select::names::NameKey;
use crate::select::script::normalize;
use crate::select::terms::{Facet, Term, TermKind};
use crate::source::digest::Paper;

pub use matcher::PersonMatches;
use matcher::{Matcher, Slot, SlotTarget};

/// Everybody's alert terms, compiled once and matched against each day.
#[derive(Debug, Clone)]
pub struct AlertIndex {
    matcher: Matcher,
}

impl AlertIndex {
    /// Compiles everybody's terms. A user id given more than once has its term lists joined.
    /// Blank terms and repeats (the same normalised keyword or the same name key, of the same
    /// kind) are dropped as a channel filter drops them; people left with no include keyword
    /// and no author are not indexed at all.
    pub fn build(people: impl IntoIterator<Item = (u64, Vec<Term>)>) -> AlertIndex {
        let mut interner = Interner::default();
        let mut people: Vec<(u64, Vec<RawSlot>)> = people
            .into_iter()
            .map(|(user, terms)| {
                let slots = terms
                    .iter()
                    .filter_map(|term| interner.slot(term))
                    .collect();
                (user, slots)
            })
            .collect();
        // Stable, so a user's lists keep the order they came in when joined.
        people.sort_by_key(|(user, _)| *user);
        let mut compiled = Vec::with_capacity(people.len());
        let mut people = people.into_iter().peekable();
        while let Some((user, mut slots)) = people.next() {
            while let Some((_, more)) = people.next_if(|(next, _)| *next == user) {
                slots.extend(more);
            }
            if let Some(slots) = arrange(slots) {
                compiled.push((user, slots));
            }
        }
        AlertIndex {
            matcher: Matcher::new(
                compiled,
                interner.patterns,
                interner.names,
                interner.facets,
                interner.displays,
            ),
        }
    }

    /// Each person's matches in `papers`, sorted by user id; people without a match are absent.
    pub fn matches(&self, papers: &[Paper]) -> Vec<PersonMatches> {
        self.matches_prepared(&Prepared::new(papers))
    }

    /// [`AlertIndex::matches`] on a day whose text is already normalised (shared with the
    /// channels' filters).
    pub fn matches_prepared(&self, prepared: &Prepared<'_>) -> Vec<PersonMatches> {
        self.matcher.run(prepared)
    }

    /// How many people were indexed (those whose terms ask for something).
    pub fn people(&self) -> usize {
        self.matcher.people()
    }
}

/// A term reduced to what it matches on (interned) and how it is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct RawSlot {
    kind: TermKind,
    target: SlotTarget,
    display: u32,
}

/// Gives each distinct keyword pattern, name key and display string one id across everybody,
/// so that a word thousands of people follow is stored and searched once.
#[derive(Default)]
struct Interner {
    pattern_ids: HashMap<String, u32>,
    patterns: Vec<String>,
    name_ids: HashMap<NameKey, u32>,
    names: Vec<NameKey>,
    facet_ids: HashMap<String, u32>,
    facets: Vec<String>,
    display_ids: HashMap<String, u32>,
    displays: Vec<Box<str>>,
}

impl Interner {
    /// `None` for a term that can match nothing (blank, or a name without letters or digits).
    fn slot(&mut self, term: &Term) -> Option<RawSlot> {
        let (target, display) = if term.kind.is_facet() {
            let key = Facet::of(&term.text)?.key();
            (
                SlotTarget::Facet(intern(&mut self.facet_ids, &mut self.facets, key)),
                keyword_display(&term.text),
            )
        } else if term.kind.is_author() {
            let key = NameKey::new(&term.text);
            if key.is_empty() {
                return None;
            }
            (
                SlotTarget::Name(intern(&mut self.name_ids, &mut self.names, key)),
                author_display(&term.text),
            )
        } else {
            let pattern = normalize(&term.text);
            if pattern.is_empty() {
                return None;
            }
            (
                SlotTarget::Pattern(intern(&mut self.pattern_ids, &mut self.patterns, pattern)),
                keyword_display(&term.text),
            )
        };
        let display = match self.display_ids.get(display.as_str()) {
            Some(&id) => id,
            None => {
                let id = self.displays.len() as u32;
                self.displays.push(display.as_str().into());
                self.display_ids.insert(display, id);
                id
            }
        };
        Some(RawSlot {
            kind: term.kind,
            target,
            display,
        })
    }
}

fn intern<K: std::hash::Hash + Eq + Clone>(
    ids: &mut HashMap<K, u32>,
    values: &mut Vec<K>,
    key: K,
) -> u32 {
    *ids.entry(key).or_insert_with_key(|key| {
        values.push(key.clone());
        (values.len() - 1) as u32
    })
}

/// A person's slots in matching order: include keywords, then authors, then facets (so hits come out in
/// [`PersonMatches`] order), then the vetoes; each kind without repeats, first one kept.
/// `None` when nothing is asked for.
fn arrange(raw: Vec<RawSlot>) -> Option<Vec<Slot>> {
    let mut out: Vec<Slot> = Vec::with_capacity(raw.len());
    for kind in [
        TermKind::Include,
        TermKind::Author,
        TermKind::Facet,
        TermKind::Exclude,
        TermKind::ExcludeAuthor,
        TermKind::ExcludeFacet,
    ] {
        let first = out.len();
        for slot in raw.iter().filter(|s| s.kind == kind) {
            if out[first..].iter().any(|s| s.target == slot.target) {
                continue;
            }
            out.push(Slot {
                target: slot.target,
                display: slot.display,
                veto: kind.is_exclude(),
            });
        }
        if kind == TermKind::Facet && out.is_empty() {
            return None;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::select::filter::Filter;
    use crate::select::terms::parse_terms;
    use crate::source::markdown::parse_markdown;
    use proptest::prelude::*;
    use std::sync::OnceLock;

    fn paper(title: &str, bullets: &[&str], authors: &[&str]) -> Paper {
        Paper {
            title: title.to_string(),
            url: None,
            arxiv_id: None,
            thumbnail_url: None,
            votes: None,
            authors: authors.iter().map(|a| a.to_string()).collect(),
            bullets: bullets.iter().map(|b| b.to_string()).collect(),
            ..Default::default()
        }
    }

    fn index(people: &[(u64, &str)]) -> AlertIndex {
        AlertIndex::build(people.iter().map(|(u, typed)| (*u, parse_terms(typed))))
    }

    /// (user, [(paper, matched)]) for compact assertions.
    type Found = Vec<(u64, Vec<(usize, Vec<String>)>)>;

    fn run(index: &AlertIndex, papers: &[Paper]) -> Found {
        index
            .matches(papers)
            .into_iter()
            .map(|m| (m.user, m.papers))
            .collect()
    }

    fn hit(paper: usize, terms: &[&str]) -> (usize, Vec<String>) {
        (paper, terms.iter().map(|t| t.to_string()).collect())
    }

    fn day() -> Vec<Paper> {
        vec![
            paper("LLM agents", &["확산모델은 느리다"], &["Tri Dao", "+"]),
            paper("Video diffusion survey", &["LLMs for video"], &["Ann Kim"]),
            paper("Kernels", &["fast attention"], &["Dao, Tri", "Bo Li"]),
        ]
    }

    #[test]
    fn people_sharing_terms_each_get_them_as_they_typed_them() {
        let idx = index(&[(7, "LLM, video"), (3, "llm 확산"), (5, "attention")]);
        assert_eq!(idx.people(), 3);
        assert_eq!(
            run(&idx, &day()),
            vec![
                (3, vec![hit(0, &["llm", "확산"])]),
                (5, vec![hit(2, &["attention"])]),
                (7, vec![hit(0, &["llm"]), hit(1, &["video"])]),
            ]
        );
        let idx = AlertIndex::build([(1, vec![Term::new(TermKind::Include, "  LLM  Agents ")])]);
        assert_eq!(run(&idx, &day()), vec![(1, vec![hit(0, &["LLM Agents"])])]);
    }

    #[test]
    fn excludes_veto_only_their_owner() {
        let idx = index(&[
            (1, "video -survey"),
            (2, "video"),
            (3, "llm -author:\"Tri Dao\""),
        ]);
        assert_eq!(run(&idx, &day()), vec![(2, vec![hit(1, &["video"])])]);
    }

    #[test]
    fn authors_match_by_name_key_and_come_after_keywords() {
        let idx = index(&[
            (1, "author:\"Tri Dao\" kernels"),
            (2, "author:\"dao, tri\""),
            (3, "author:Dao author:Li"),
            (4, "author:\"Kim Ann\" -video"),
        ]);
        assert_eq!(
            run(&idx, &day()),
            vec![
                (
                    1,
                    vec![
                        hit(0, &["author:Tri Dao"]),
                        hit(2, &["kernels", "author:Tri Dao"])
                    ]
                ),
                (
                    2,
                    vec![hit(0, &["author:dao, tri"]), hit(2, &["author:dao, tri"])]
                ),
            ]
        );
    }

    #[test]
    fn people_who_only_exclude_or_name_nothing_get_nothing() {
        let idx = index(&[
            (1, "-survey"),
            (2, "-author:\"Tri Dao\""),
            (3, "author:+ -llm"),
            (4, ""),
            (5, "video"),
        ]);
        assert_eq!(idx.people(), 1);
        assert_eq!(run(&idx, &day()), vec![(5, vec![hit(1, &["video"])])]);
        // Blank terms made by hand are skipped like the filter skips them.
        let idx = AlertIndex::build([(9, vec![Term::new(TermKind::Include, "  ")])]);
        assert_eq!(idx.people(), 0);
        assert!(idx.matches(&day()).is_empty());
        assert!(AlertIndex::build([]).matches(&day()).is_empty());
    }

    #[test]
    fn a_repeated_user_has_its_lists_joined_and_repeats_dropped() {
        let idx = index(&[(4, "llm"), (2, "kernels"), (4, "LLM video -survey")]);
        assert_eq!(idx.people(), 2);
        assert_eq!(
            run(&idx, &day()),
            vec![(2, vec![hit(2, &["kernels"])]), (4, vec![hit(0, &["llm"])])]
        );
    }

    #[test]
    fn boundaries_are_the_filters() {
        let papers = vec![
            paper("LLMs and llm-based agents", &[], &[]),
            paper("allm", &["잠재확산"], &[]),
        ];
        let idx = index(&[(1, "llm"), (2, "llms"), (3, "확산 \"llm agents\"")]);
        assert_eq!(
            run(&idx, &papers),
            vec![
                (1, vec![hit(0, &["llm"])]),
                (2, vec![hit(0, &["llms"])]),
                (3, vec![hit(1, &["확산"])]),
            ]
        );
    }

    fn fixture(day: &str) -> Vec<Paper> {
        let path = format!(
            "{}/tests/fixtures/digests/{day}.md",
            env!("CARGO_MANIFEST_DIR")
        );
        parse_markdown(&std::fs::read(path).unwrap(), None)
            .unwrap()
            .digest
            .papers
    }

    struct Fixtures {
        days: Vec<Vec<Paper>>,
        /// Keywords: title words, Korean words and their first two syllables, title phrases,
        /// and near misses (plurals, prefixes of words).
        words: Vec<String>,
        /// Author names as listed, swapped, with a comma, in capitals, a family name alone.
        names: Vec<String>,
    }

    fn fixtures() -> &'static Fixtures {
        static FIXTURES: OnceLock<Fixtures> = OnceLock::new();
        FIXTURES.get_or_init(|| {
            let mut days = vec![fixture("2025-02-19"), fixture("2024-10-18")];
            // What Hugging Face's list would add: code for every third paper, an organisation
            // (by account or display name) for every fourth, an AI keyword for each.
            for (i, paper) in days.iter_mut().flatten().enumerate() {
                if i % 3 == 0 {
                    paper.github_repo = Some(format!("https://github.com/x/r{i}"));
                }
                if i % 4 == 0 {
                    paper.organization = Some(crate::source::digest::Organization {
                        name: ["huggingface", "meta-ai"][i % 8 / 4].into(),
                        fullname: Some(["Hugging Face", "Meta AI"][i % 8 / 4].into()),
                    });
                }
                paper.ai_keywords = vec![format!("keyword{}", i % 5)];
            }
            let mut words = Vec::new();
            let mut names = Vec::new();
            for paper in days.iter().flatten() {
                let title: Vec<&str> = paper.title.split_whitespace().collect();
                for pair in title.windows(2).step_by(3) {
                    words.push(pair.join(" "));
                }
                for text in std::iter::once(&paper.title).chain(&paper.bullets) {
                    for word in text.split_whitespace().step_by(4) {
                        let word = word.trim_matches(|c: char| !c.is_alphanumeric());
                        let chars: Vec<char> = word.chars().collect();
                        if chars.len() < 2 {
                            continue;
                        }
                        words.push(word.to_string());
                        words.push(format!("{word}s"));
                        words.push(chars[..chars.len() - 1].iter().collect());
                        if !chars[0].is_ascii() {
                            words.push(chars[..2].iter().collect());
                        }
                    }
                }
                for author in paper.authors.iter().step_by(3) {
                    names.push(author.clone());
                    names.push(author.to_uppercase());
                    if let Some((given, family)) = author.rsplit_once(' ') {
                        names.push(format!("{family}, {given}"));
                        names.push(format!("{family} {given}"));
                        names.push(family.to_string());
                    }
                }
            }
            words.sort();
            words.dedup();
            names.sort();
            names.dedup();
            Fixtures { days, words, names }
        })
    }

    fn arb_term() -> impl Strategy<Value = Term> {
        let f = fixtures();
        // A few words frequent in the fixtures, in several spellings, so that people share
        // terms and repeat their own.
        let hot = vec![
            "model", "Models", "LLM", "llm", "language", "모델", "학습", "video",
        ];
        prop_oneof![
            2 => prop::sample::select(hot.clone()).prop_map(|w| Term::new(TermKind::Include, w)),
            1 => prop::sample::select(hot).prop_map(|w| Term::new(TermKind::Exclude, w)),
            4 => prop::sample::select(f.words.clone()).prop_map(|w| Term::new(TermKind::Include, w)),
            2 => prop::sample::select(f.words.clone()).prop_map(|w| Term::new(TermKind::Exclude, w)),
            2 => prop::sample::select(f.names.clone()).prop_map(|n| Term::new(TermKind::Author, n)),
            1 => prop::sample::select(f.names.clone())
                .prop_map(|n| Term::new(TermKind::ExcludeAuthor, n)),
            1 => prop::sample::select(vec!["keyword1", "keyword3"])
                .prop_map(|w| Term::new(TermKind::Include, w)),
            2 => prop::sample::select(vec![
                "has:code", "org:huggingface", "org:Hugging Face", "org:META AI", "org:nobody",
            ])
            .prop_map(|t| Term::new(TermKind::Facet, t)),
            1 => prop::sample::select(vec!["has:code", "org:meta-ai"])
                .prop_map(|t| Term::new(TermKind::ExcludeFacet, t)),
        ]
    }

    /// The channel filter with a person's terms.
    fn filter_of(terms: &[Term]) -> Filter {
        let pick = |kind: TermKind| {
            terms
                .iter()
                .filter(|t| t.kind == kind)
                .map(|t| t.text.clone())
                .collect()
        };
        Filter {
            include: pick(TermKind::Include),
            exclude: pick(TermKind::Exclude),
            authors: pick(TermKind::Author),
            exclude_authors: pick(TermKind::ExcludeAuthor),
            facets: pick(TermKind::Facet),
            exclude_facets: pick(TermKind::ExcludeFacet),
            ..Filter::default()
        }
    }

    fn asks_for_something(terms: &[Term]) -> bool {
        terms.iter().any(|t| match t.kind {
            TermKind::Include => !normalize(&t.text).is_empty(),
            TermKind::Author => !NameKey::new(&t.text).is_empty(),
            TermKind::Facet => Facet::of(&t.text).is_some(),
            _ => false,
        })
    }

    #[test]
    fn has_code_org_and_ai_keywords_select_papers_for_people() {
        let f = fixtures();
        let papers = &f.days[0];
        let idx = AlertIndex::build([
            (1, parse_terms("has:code")),
            (2, parse_terms("org:\"hugging face\", -has:code")),
            (3, parse_terms("keyword2")),
            (4, parse_terms("org:huggingface")),
            (5, parse_terms("-org:huggingface")),
        ]);
        let got = idx.matches(papers);
        let of = |user: u64| -> Vec<usize> {
            got.iter()
                .find(|m| m.user == user)
                .map(|m| m.papers.iter().map(|p| p.0).collect())
                .unwrap_or_default()
        };
        let with_code: Vec<usize> = (0..papers.len())
            .filter(|&i| papers[i].github_repo.is_some())
            .collect();
        assert!(!with_code.is_empty());
        assert_eq!(of(1), with_code);
        let hf: Vec<usize> = (0..papers.len())
            .filter(|&i| {
                papers[i]
                    .organization
                    .as_ref()
                    .is_some_and(|o| o.name == "huggingface")
            })
            .collect();
        assert!(!hf.is_empty());
        assert_eq!(of(4), hf);
        let hf_no_code: Vec<usize> = hf
            .iter()
            .copied()
            .filter(|&i| papers[i].github_repo.is_none())
            .collect();
        assert_eq!(of(2), hf_no_code);
        let kw: Vec<usize> = (0..papers.len())
            .filter(|&i| papers[i].ai_keywords == ["keyword2"])
            .collect();
        assert!(!kw.is_empty());
        assert_eq!(of(3), kw);
        assert_eq!(of(5), Vec::<usize>::new(), "excludes alone ask for nothing");
        let first = got.iter().find(|m| m.user == 2).unwrap();
        assert_eq!(first.papers[0].1, ["org:hugging face"]);
    }

    #[test]
    fn the_fixture_vocabulary_hits() {
        // Guards the property below against a vocabulary that never matches anything.
        let f = fixtures();
        assert!(f.words.len() > 1000 && f.names.len() > 500);
        let everyone: Vec<(u64, Vec<Term>)> = f
            .words
            .iter()
            .map(|w| Term::new(TermKind::Include, w.clone()))
            .chain(
                f.names
                    .iter()
                    .map(|n| Term::new(TermKind::Author, n.clone())),
            )
            .enumerate()
            .map(|(i, t)| (i as u64, vec![t]))
            .collect();
        let matched = AlertIndex::build(everyone.clone()).matches(&f.days[0]);
        assert!(matched.len() > everyone.len() / 2, "{}", matched.len());
        let authors = matched
            .iter()
            .filter(|m| m.papers[0].1[0].starts_with("author:"))
            .count();
        assert!(authors > 100, "{authors}");
    }

    proptest! {
        /// Every person gets exactly what a channel filter with their terms would keep.
        #[test]
        fn each_person_gets_what_their_filter_keeps(
            people in prop::collection::vec(prop::collection::vec(arb_term(), 0..7), 1..6),
            day in 0usize..2,
        ) {
            let papers = &fixtures().days[day];
            let index = AlertIndex::build(
                people.iter().enumerate().map(|(i, terms)| (i as u64 * 10, terms.clone())),
            );
            let got = index.matches(papers);
            let mut expected = Vec::new();
            for (i, terms) in people.iter().enumerate() {
                if !asks_for_something(terms) {
                    continue;
                }
                let kept: Vec<(usize, Vec<String>)> = filter_of(terms)
                    .compile()
                    .apply(papers)
                    .into_iter()
                    .map(|s| {
                        let at = papers.iter().position(|p| std::ptr::eq(p, s.paper)).unwrap();
                        (at, s.matched)
                    })
                    .collect();
                if !kept.is_empty() {
                    expected.push(PersonMatches { user: i as u64 * 10, papers: kept });
                }
            }
            prop_assert_eq!(got, expected);
        }
    }
}
