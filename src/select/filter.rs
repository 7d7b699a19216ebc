//! Per-channel paper selection: keywords, authors, a vote floor and a top-N cut.
//!
//! Pure and allocation-light so one digest can be filtered for thousands of channels: each
//! channel's [`Filter`] is compiled once into two Aho-Corasick automata (includes, excludes),
//! and a digest's searchable text can be prepared once ([`Prepared`]) and shared by every channel.
//! The normalisation and boundary rules below are `pub(crate)` pieces so that
//! [`crate::select::alerts`], which matches everybody's keywords in one automaton, cannot drift from
//! them.
//!
//! # Selection
//! A paper is kept when it matches an include keyword, is by one of the `author:` terms or has
//! one of the facets asked for (`has:code`, `org:NAME`; see [`crate::select::terms::Facet`]) — when the
//! filter has any of them; with none, every paper is — unless an exclude keyword matches, it is
//! by an excluded author or has an excluded facet. Author names compare by [`crate::select::names`]'s
//! rules; organisations by account or display name, normalised as keywords are.
//!
//! # Matching rules
//! - Text and keywords are normalised the same way: Unicode lowercase, every whitespace run
//!   collapsed to one space, trimmed (see [`normalize`]). So `Diffusion   Model` matches the
//!   phrase `diffusion model` across a line break.
//! - The searched text is the title, every bullet and every AI keyword Hugging Face gave the
//!   paper, each searched separately (a phrase never spans two of them).
//! - Word boundaries are checked per edge of the keyword. An edge whose character is a letter or
//!   digit of a script that separates words with spaces (Latin, Greek, Cyrillic, digits, ...) must
//!   not touch another such "word character" in the text: `llm` matches `LLM-based`, `(LLM)` and
//!   `LLM은` but not `LLMs` or `allm`. An edge in a script written without spaces (Hangul, CJK
//!   ideographs, kana, Thai, Lao, Khmer, Myanmar) needs no boundary, so `확산` matches inside
//!   `확산모델은`. Korean particles glued to English words (`LLM은`, `GPT-4를`) are why those
//!   scripts never count as word characters for the Latin side either. An edge that is
//!   punctuation (`c++`) needs no boundary.
//! - Search is overlapping, so a hit that fails its boundary check (`llms`) can never hide a valid
//!   one of another keyword at the same place.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use std::sync::OnceLock;

use crate::select::names::NameKey;
use crate::select::script::is_unsegmented_script;
use crate::select::script::normalize;
use crate::select::terms::{Facet, HAS_CODE, ORG_PREFIX};
use crate::source::digest::Paper;

/// A channel's selection settings as stored; compile it with [`Filter::compile`] before use.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Keep only papers matching at least one of these (no list, or only blank entries: keep all).
    pub include: Vec<String>,
    /// Drop papers matching any of these, even when an include keyword matched.
    pub exclude: Vec<String>,
    /// Keep papers by any of these authors too (`author:` terms, the name as typed: `Tri Dao`).
    pub authors: Vec<String>,
    /// Drop papers by any of these authors (`-author:` terms), like an exclude keyword.
    pub exclude_authors: Vec<String>,
    /// Keep papers with any of these facets too (`has:code`, `org:Name`, as written).
    pub facets: Vec<String>,
    /// Drop papers with any of these facets (`-has:code`, `-org:Name`).
    pub exclude_facets: Vec<String>,
    /// Drop papers with fewer votes; papers without a vote count are dropped too when set,
    /// because "at least N votes" cannot be shown for them.
    pub min_votes: Option<u32>,
    /// Keep only the N most-voted survivors (unknown votes rank below 0; ties go to the paper
    /// listed first), still returned in digest order.
    pub top_n: Option<usize>,
}

impl Filter {
    /// Builds the automata; done once per channel, not per paper.
    pub fn compile(&self) -> CompiledFilter {
        CompiledFilter {
            include: KeywordSet::new(&self.include),
            exclude: KeywordSet::new(&self.exclude),
            authors: AuthorSet::new(&self.authors),
            exclude_authors: AuthorSet::new(&self.exclude_authors),
            facets: FacetSet::new(&self.facets),
            exclude_facets: FacetSet::new(&self.exclude_facets),
            min_votes: self.min_votes,
            top_n: self.top_n,
        }
    }

    /// True when the filter keeps every paper of every digest, so callers can skip it and say
    /// "all papers" rather than "filtered".
    pub fn is_empty(&self) -> bool {
        let blank = |list: &[String]| list.iter().all(|k| normalize(k).is_empty());
        let no_names = |list: &[String]| list.iter().all(|a| NameKey::new(a).is_empty());
        blank(&self.include)
            && blank(&self.exclude)
            && no_names(&self.authors)
            && no_names(&self.exclude_authors)
            && FacetSet::new(&self.facets).is_none()
            && FacetSet::new(&self.exclude_facets).is_none()
            && self.min_votes.is_none()
            && self.top_n.is_none()
    }
}

/// A paper that passed a channel's filter.
#[derive(Debug, Clone)]
pub struct Selected<'a> {
    pub paper: &'a Paper,
    /// The include keywords that hit, in include-list order, as the user spelled them (trimmed,
    /// whitespace collapsed), then the author terms that hit, in author-list order, as
    /// `author:Name`; empty when the filter has neither includes nor authors.
    pub matched: Vec<String>,
}

/// A digest's papers with their search text normalised once, shared by every channel's filter.
#[derive(Debug, Clone)]
pub struct Prepared<'a> {
    papers: &'a [Paper],
    /// Per paper: the normalised title and bullets.
    texts: Vec<Vec<String>>,
    /// Per paper: its authors' name keys; made on first use, as most filters name no author.
    author_keys: OnceLock<Vec<Vec<NameKey>>>,
    /// Per paper: its facet keys (see [`paper_facets`]).
    facets: Vec<Vec<String>>,
}

impl<'a> Prepared<'a> {
    pub fn new(papers: &'a [Paper]) -> Self {
        let texts = papers.iter().map(paper_texts).collect();
        Prepared {
            papers,
            texts,
            author_keys: OnceLock::new(),
            facets: papers.iter().map(paper_facets).collect(),
        }
    }

    pub fn papers(&self) -> &'a [Paper] {
        self.papers
    }

    /// Per paper: the normalised title and bullets, each searched on its own.
    pub(crate) fn texts(&self) -> &[Vec<String>] {
        &self.texts
    }

    /// Per paper: its facet keys (`has:code`, `org:<name>`), see [`paper_facets`].
    pub(crate) fn facets(&self) -> &[Vec<String>] {
        &self.facets
    }

    /// Per paper: the [`NameKey`] of every author (empty keys for the `+` marker included).
    pub(crate) fn author_keys(&self) -> &[Vec<NameKey>] {
        self.author_keys
            .get_or_init(|| self.papers.iter().map(paper_author_keys).collect())
    }
}

/// A [`Filter`] ready to run: built once per channel.
#[derive(Debug, Clone)]
pub struct CompiledFilter {
    include: Option<KeywordSet>,
    exclude: Option<KeywordSet>,
    authors: Option<AuthorSet>,
    exclude_authors: Option<AuthorSet>,
    facets: Option<FacetSet>,
    exclude_facets: Option<FacetSet>,
    min_votes: Option<u32>,
    top_n: Option<usize>,
}

impl CompiledFilter {
    /// The keyword and vote rules for one paper (`top_n` needs the whole list, so it is not
    /// applied here). `None` means dropped; `Some(matched)` as in [`Selected::matched`].
    pub fn matches(&self, paper: &Paper) -> Option<Vec<String>> {
        if !self.votes_ok(paper) {
            return None;
        }
        if self.searches_nothing() {
            return Some(Vec::new());
        }
        let keys = self.needs_authors().then(|| paper_author_keys(paper));
        self.select(&paper_texts(paper), keys.as_deref(), &paper_facets(paper))
    }

    /// Every rule, `top_n` included; output in digest order.
    pub fn apply<'a>(&self, papers: &'a [Paper]) -> Vec<Selected<'a>> {
        if self.searches_nothing() {
            // Nothing to search: skip normalising the text.
            let kept = papers
                .iter()
                .filter(|p| self.votes_ok(p))
                .map(|paper| Selected {
                    paper,
                    matched: Vec::new(),
                })
                .collect();
            return self.cut_top_n(kept);
        }
        self.apply_prepared(&Prepared::new(papers))
    }

    /// [`CompiledFilter::apply`] on text already normalised once for all channels.
    pub fn apply_prepared<'a>(&self, prepared: &Prepared<'a>) -> Vec<Selected<'a>> {
        let keys = self.needs_authors().then(|| prepared.author_keys());
        let kept = prepared
            .papers
            .iter()
            .zip(&prepared.texts)
            .enumerate()
            .filter(|(_, (paper, _))| self.votes_ok(paper))
            .filter_map(|(i, (paper, texts))| {
                self.select(texts, keys.map(|k| k[i].as_slice()), &prepared.facets[i])
                    .map(|matched| Selected { paper, matched })
            })
            .collect();
        self.cut_top_n(kept)
    }

    fn searches_nothing(&self) -> bool {
        self.include.is_none()
            && self.exclude.is_none()
            && self.authors.is_none()
            && self.exclude_authors.is_none()
            && self.facets.is_none()
            && self.exclude_facets.is_none()
    }

    fn needs_authors(&self) -> bool {
        self.authors.is_some() || self.exclude_authors.is_some()
    }

    fn votes_ok(&self, paper: &Paper) -> bool {
        match self.min_votes {
            None => true,
            Some(min) => paper.votes.is_some_and(|v| v >= min),
        }
    }

    /// The keyword and author rules for one paper's normalised `texts` and author keys (`None`
    /// only when the filter names no author).
    fn select(
        &self,
        texts: &[String],
        authors: Option<&[NameKey]>,
        facets: &[String],
    ) -> Option<Vec<String>> {
        if let Some(exclude) = &self.exclude_facets {
            if exclude.any_hit(facets) {
                return None;
            }
        }
        if let Some(exclude) = &self.exclude {
            if texts.iter().any(|t| exclude.any_hit(t)) {
                return None;
            }
        }
        let authors = authors.unwrap_or_default();
        if let Some(exclude) = &self.exclude_authors {
            if exclude.any_hit(authors) {
                return None;
            }
        }
        if self.include.is_none() && self.authors.is_none() && self.facets.is_none() {
            return Some(Vec::new());
        }
        let mut matched = self
            .include
            .as_ref()
            .map(|include| include.hits(texts))
            .unwrap_or_default();
        if let Some(set) = &self.authors {
            matched.extend(set.hits(authors));
        }
        if let Some(set) = &self.facets {
            matched.extend(set.hits(facets));
        }
        (!matched.is_empty()).then_some(matched)
    }

    fn cut_top_n<'a>(&self, mut kept: Vec<Selected<'a>>) -> Vec<Selected<'a>> {
        let Some(n) = self.top_n else { return kept };
        if kept.len() <= n {
            return kept;
        }
        // Rank by votes (unknown lowest), ties by digest position; then restore digest order.
        let mut ranked: Vec<usize> = (0..kept.len()).collect();
        ranked.sort_by_key(|&i| {
            (
                std::cmp::Reverse(kept[i].paper.votes.map(i64::from).unwrap_or(-1)),
                i,
            )
        });
        let mut keep = vec![false; kept.len()];
        for &i in &ranked[..n] {
            keep[i] = true;
        }
        let mut flags = keep.into_iter();
        kept.retain(|_| flags.next().unwrap_or(false));
        kept
    }
}

/// One automaton over a keyword list, with what each keyword needs checked around a hit.
#[derive(Debug, Clone)]
struct KeywordSet {
    automaton: AhoCorasick,
    /// Indexed by pattern id.
    keywords: Vec<Keyword>,
}

#[derive(Debug, Clone)]
struct Keyword {
    /// As shown back to the user in [`Selected::matched`].
    display: String,
    edges: Edges,
}

impl KeywordSet {
    /// `None` when no keyword survives trimming, so callers can tell "no list" apart cheaply.
    fn new(raw: &[String]) -> Option<Self> {
        let mut patterns: Vec<String> = Vec::new();
        let mut keywords = Vec::new();
        for k in raw {
            let pattern = normalize(k);
            if pattern.is_empty() || patterns.contains(&pattern) {
                continue;
            }
            keywords.push(Keyword {
                display: keyword_display(k),
                edges: Edges::of(&pattern),
            });
            patterns.push(pattern);
        }
        if patterns.is_empty() {
            return None;
        }
        let automaton = keyword_automaton(&patterns);
        Some(KeywordSet {
            automaton,
            keywords,
        })
    }

    fn valid_hits<'s>(&'s self, text: &'s str) -> impl Iterator<Item = usize> + 's {
        self.automaton
            .find_overlapping_iter(text)
            .filter_map(move |m| {
                let id = m.pattern().as_usize();
                self.keywords[id]
                    .edges
                    .allow(text, m.start(), m.end())
                    .then_some(id)
            })
    }

    fn any_hit(&self, text: &str) -> bool {
        self.valid_hits(text).next().is_some()
    }

    fn hits(&self, texts: &[String]) -> Vec<String> {
        let mut hit = vec![false; self.keywords.len()];
        for text in texts {
            for id in self.valid_hits(text) {
                hit[id] = true;
            }
        }
        self.keywords
            .iter()
            .zip(hit)
            .filter(|(_, h)| *h)
            .map(|(k, _)| k.display.clone())
            .collect()
    }
}

/// The author terms of one filter with their name keys.
#[derive(Debug, Clone)]
struct AuthorSet {
    /// As shown in [`Selected::matched`] (`author:Name`), with the key it matches on; blank and
    /// repeated names (same key) left out, as blank and repeated keywords are.
    names: Vec<(String, NameKey)>,
}

impl AuthorSet {
    /// `None` when no name has a letter or digit.
    fn new(raw: &[String]) -> Option<Self> {
        let mut names: Vec<(String, NameKey)> = Vec::new();
        for name in raw {
            let key = NameKey::new(name);
            if key.is_empty() || names.iter().any(|(_, k)| *k == key) {
                continue;
            }
            names.push((author_display(name), key));
        }
        (!names.is_empty()).then_some(AuthorSet { names })
    }

    fn any_hit(&self, authors: &[NameKey]) -> bool {
        self.names
            .iter()
            .any(|(_, key)| authors.iter().any(|a| a.matches(key)))
    }

    fn hits<'s>(&'s self, authors: &'s [NameKey]) -> impl Iterator<Item = String> + 's {
        self.names
            .iter()
            .filter(|(_, key)| authors.iter().any(|a| a.matches(key)))
            .map(|(display, _)| display.clone())
    }
}

/// The `has:` and `org:` terms of one filter with their facet keys.
#[derive(Debug, Clone)]
struct FacetSet {
    /// As shown in [`Selected::matched`] (the term as written), with its key; unknown and
    /// repeated facets left out.
    facets: Vec<(String, String)>,
}

impl FacetSet {
    /// `None` when no term is a facet [`Facet::of`] knows.
    fn new(raw: &[String]) -> Option<Self> {
        let mut facets: Vec<(String, String)> = Vec::new();
        for term in raw {
            let Some(facet) = Facet::of(term) else {
                continue;
            };
            let key = facet.key();
            if facets.iter().any(|(_, k)| *k == key) {
                continue;
            }
            facets.push((keyword_display(term), key));
        }
        (!facets.is_empty()).then_some(FacetSet { facets })
    }

    fn any_hit(&self, paper: &[String]) -> bool {
        self.facets.iter().any(|(_, key)| paper.contains(key))
    }

    fn hits<'s>(&'s self, paper: &'s [String]) -> impl Iterator<Item = String> + 's {
        self.facets
            .iter()
            .filter(|(_, key)| paper.contains(key))
            .map(|(display, _)| display.clone())
    }
}

/// The texts searched for a paper's keywords: its title, every bullet and every AI keyword,
/// normalised, each searched on its own so a phrase never spans two of them.
pub(crate) fn paper_texts(paper: &Paper) -> Vec<String> {
    std::iter::once(&paper.title)
        .chain(&paper.bullets)
        .chain(&paper.ai_keywords)
        .map(|s| normalize(s))
        .collect()
}

/// The facets a paper has, as [`Facet::key`]s: `has:code` when it has a repository, and
/// `org:<name>` for its organisation's account name and display name, normalised.
pub(crate) fn paper_facets(paper: &Paper) -> Vec<String> {
    let mut keys = Vec::new();
    if paper.github_repo.is_some() {
        keys.push(HAS_CODE.to_string());
    }
    if let Some(org) = &paper.organization {
        for name in std::iter::once(&org.name).chain(&org.fullname) {
            let key = format!("{ORG_PREFIX}{}", normalize(name));
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
    }
    keys
}

fn paper_author_keys(paper: &Paper) -> Vec<NameKey> {
    paper.authors.iter().map(|a| NameKey::new(a)).collect()
}

/// How a keyword is shown back: as typed, trimmed, whitespace collapsed.
pub(crate) fn keyword_display(raw: &str) -> String {
    raw.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// How an author term is shown back: `author:` and the name as typed, whitespace collapsed.
pub(crate) fn author_display(raw: &str) -> String {
    format!("author:{}", keyword_display(raw))
}

/// The automaton for normalised keyword patterns. Standard match kind is what overlapping
/// search requires; it reports every hit of every keyword, so a boundary-failing hit cannot
/// shadow a valid one.
pub(crate) fn keyword_automaton<P: AsRef<[u8]>>(patterns: &[P]) -> AhoCorasick {
    AhoCorasickBuilder::new()
        .match_kind(MatchKind::Standard)
        .build(patterns)
        .expect("keyword automaton: patterns are short strings, far below any size limit")
}

/// Which edges of a normalised keyword need a word boundary in the text around a hit: an edge
/// that is a word character (see [`is_word_char`]) must not touch another one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Edges {
    before: bool,
    after: bool,
}

impl Edges {
    pub(crate) fn of(pattern: &str) -> Edges {
        Edges {
            before: pattern.chars().next().is_some_and(is_word_char),
            after: pattern.chars().next_back().is_some_and(is_word_char),
        }
    }

    /// Whether a hit at `text[start..end]` respects the boundaries.
    pub(crate) fn allow(self, text: &str, start: usize, end: usize) -> bool {
        let before_ok =
            !self.before || !text[..start].chars().next_back().is_some_and(is_word_char);
        let after_ok = !self.after || !text[end..].chars().next().is_some_and(is_word_char);
        before_ok && after_ok
    }
}

/// A letter or digit of a script that puts spaces between words; only these form word
/// boundaries.
pub(crate) fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() && !is_unsegmented_script(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn paper(title: &str, bullets: &[&str], votes: Option<u32>) -> Paper {
        Paper {
            title: title.to_string(),
            url: None,
            arxiv_id: None,
            thumbnail_url: None,
            votes,
            authors: Vec::new(),
            bullets: bullets.iter().map(|b| b.to_string()).collect(),
            ..Default::default()
        }
    }

    fn include(words: &[&str]) -> CompiledFilter {
        Filter {
            include: words.iter().map(|w| w.to_string()).collect(),
            ..Filter::default()
        }
        .compile()
    }

    fn exclude(words: &[&str]) -> CompiledFilter {
        Filter {
            exclude: words.iter().map(|w| w.to_string()).collect(),
            ..Filter::default()
        }
        .compile()
    }

    fn hits(f: &CompiledFilter, title: &str) -> bool {
        f.matches(&paper(title, &[], None)).is_some()
    }

    #[test]
    fn latin_keywords_match_whole_words_only() {
        let f = include(&["llm"]);
        assert!(hits(&f, "An LLM for code"));
        assert!(hits(&f, "LLM-based agents"));
        assert!(hits(&f, "Large language models (LLM)"));
        assert!(hits(&f, "llm"));
        assert!(hits(&f, "Scaling: LLM."));
        assert!(!hits(&f, "LLMs are few-shot learners"));
        assert!(!hits(&f, "SmallLLM"));
        assert!(!hits(&f, "llm2vec"));
    }

    #[test]
    fn latin_keyword_glued_to_korean_particle_still_matches() {
        let f = include(&["llm", "gpt-4"]);
        assert!(hits(&f, "LLM은 강력하다"));
        assert!(hits(&f, "GPT-4를 사용한 평가"));
        assert_eq!(
            f.matches(&paper("대규모언어모델LLM을 사용한 GPT-4o", &[], None)),
            Some(vec!["llm".to_string()])
        );
    }

    #[test]
    fn matching_ignores_case_including_non_ascii() {
        assert!(hits(&include(&["LLM"]), "an llm"));
        assert!(hits(&include(&["ÜBER"]), "Ein Modell über alles"));
        assert!(hits(&include(&["σοφια"]), "ΣΟΦΙΑΣ ΣΟΦΙΑ"));
        assert!(hits(&include(&["ΣΟΦΙΑΣ"]), "σοφιας"));
    }

    #[test]
    fn phrases_match_with_whitespace_normalised() {
        let f = include(&["  Diffusion   Model "]);
        assert!(hits(&f, "A latent diffusion model for video"));
        assert!(hits(&f, "Latent Diffusion\n  Model"));
        assert!(hits(&f, "diffusion\u{a0}model"));
        assert!(!hits(&f, "diffusion models"));
        assert!(!hits(&f, "diffusion-model"));
        assert_eq!(
            f.matches(&paper("diffusion model", &[], None)),
            Some(vec!["Diffusion Model".to_string()])
        );
    }

    #[test]
    fn phrases_do_not_span_title_and_bullets() {
        let f = include(&["video diffusion"]);
        assert!(f
            .matches(&paper("Fast video", &["diffusion is slow"], None))
            .is_none());
        assert!(f
            .matches(&paper("Fast", &["a video diffusion model"], None))
            .is_some());
    }

    #[test]
    fn punctuation_is_a_boundary_and_punctuation_edges_need_none() {
        let f = include(&["rag"]);
        for t in [
            "[RAG]", "rag,", "\"rag\"", "RAG/LLM", "RAG's", "x_rag", "RAG…",
        ] {
            assert!(hits(&f, t), "{t}");
        }
        for t in ["drag", "rage", "rag2"] {
            assert!(!hits(&f, t), "{t}");
        }
        let cpp = include(&["c++"]);
        assert!(hits(&cpp, "written in C++17"));
        assert!(!hits(&cpp, "abc++"));
    }

    #[test]
    fn boundary_failure_does_not_hide_another_hit() {
        // Leftmost-longest would report only "llm agents" here, which fails its boundary, and
        // so hide the valid "llm" under it.
        let f = include(&["llm agents", "llm"]);
        assert_eq!(
            f.matches(&paper("llm agentsx", &[], None)),
            Some(vec!["llm".to_string()])
        );
        let f = include(&["model", "models"]);
        assert_eq!(
            f.matches(&paper("modelsx models", &[], None)),
            Some(vec!["models".to_string()])
        );
    }

    #[test]
    fn korean_keywords_match_as_substrings() {
        let f = include(&["확산"]);
        assert!(f
            .matches(&paper("Video", &["확산모델은 느리다"], None))
            .is_some());
        assert!(f.matches(&paper("Video", &["잠재확산"], None)).is_some());
        assert!(f.matches(&paper("Video", &["확장 모델"], None)).is_none());
        assert!(hits(&include(&["拡散"]), "潜在拡散モデル"));
        assert!(hits(&include(&["モデル"]), "拡散モデルの"));
        assert!(hits(&include(&["ภาษา"]), "แบบจำลองภาษาขนาดใหญ่"));
    }

    #[test]
    fn mixed_keyword_checks_only_its_latin_edge() {
        let f = include(&["LLM 기반"]);
        assert!(hits(&f, "LLM 기반의 에이전트"));
        assert!(!hits(&f, "MLLM 기반의 에이전트"));
    }

    #[test]
    fn exclude_wins_over_include() {
        let f = Filter {
            include: vec!["diffusion".into()],
            exclude: vec!["audio".into()],
            ..Filter::default()
        }
        .compile();
        assert!(f.matches(&paper("Video diffusion", &[], None)).is_some());
        assert!(f.matches(&paper("Audio diffusion", &[], None)).is_none());
        assert!(f
            .matches(&paper("Video diffusion", &["also audio"], None))
            .is_none());
        assert!(f
            .matches(&paper("Audiovisual diffusion", &[], None))
            .is_some());
        assert!(f.matches(&paper("Video generation", &[], None)).is_none());
    }

    #[test]
    fn exclude_only_keeps_everything_else() {
        let f = exclude(&["survey"]);
        assert_eq!(f.matches(&paper("A model", &[], None)), Some(vec![]));
        assert_eq!(f.matches(&paper("A Survey", &[], None)), None);
    }

    #[test]
    fn matched_lists_every_hitting_include_once_in_list_order() {
        let f = include(&["Video", "LLM", "diffusion", "llm", "  ", "audio"]);
        let p = paper(
            "Diffusion for video",
            &["an LLM", "more diffusion", "LLM again"],
            None,
        );
        assert_eq!(
            f.matches(&p),
            Some(vec![
                "Video".to_string(),
                "LLM".to_string(),
                "diffusion".to_string()
            ])
        );
    }

    #[test]
    fn blank_keywords_are_ignored() {
        let f = include(&["", "   "]);
        assert_eq!(f.matches(&paper("anything", &[], None)), Some(vec![]));
        assert!(Filter {
            include: vec![" ".into()],
            ..Filter::default()
        }
        .is_empty());
    }

    #[test]
    fn min_votes_drops_low_and_unknown_votes() {
        let f = Filter {
            min_votes: Some(10),
            ..Filter::default()
        }
        .compile();
        assert!(f.matches(&paper("a", &[], Some(10))).is_some());
        assert!(f.matches(&paper("a", &[], Some(11))).is_some());
        assert!(f.matches(&paper("a", &[], Some(9))).is_none());
        assert!(f.matches(&paper("a", &[], None)).is_none());
    }

    #[test]
    fn top_n_keeps_most_voted_in_digest_order_ties_to_the_earlier() {
        let papers = vec![
            paper("a", &[], Some(5)),
            paper("b", &[], Some(9)),
            paper("c", &[], None),
            paper("d", &[], Some(5)),
            paper("e", &[], Some(7)),
            paper("f", &[], Some(5)),
        ];
        let titles = |n: usize| -> Vec<String> {
            Filter {
                top_n: Some(n),
                ..Filter::default()
            }
            .compile()
            .apply(&papers)
            .iter()
            .map(|s| s.paper.title.clone())
            .collect()
        };
        assert_eq!(titles(0), Vec::<String>::new());
        assert_eq!(titles(2), ["b", "e"]);
        assert_eq!(titles(3), ["a", "b", "e"]);
        assert_eq!(titles(4), ["a", "b", "d", "e"]);
        assert_eq!(titles(6), ["a", "b", "c", "d", "e", "f"]);
        assert_eq!(titles(60).len(), 6);
    }

    #[test]
    fn top_n_applies_after_keywords_and_votes() {
        let papers = vec![
            paper("llm one", &[], Some(1)),
            paper("vision", &[], Some(100)),
            paper("llm two", &[], Some(3)),
            paper("llm three", &[], Some(2)),
        ];
        let f = Filter {
            include: vec!["llm".into()],
            min_votes: Some(2),
            top_n: Some(1),
            ..Filter::default()
        }
        .compile();
        let out = f.apply(&papers);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].paper.title, "llm two");
        assert_eq!(out[0].matched, ["llm"]);
    }

    #[test]
    fn empty_filter_keeps_all() {
        let filter = Filter::default();
        assert!(filter.is_empty());
        let papers = vec![paper("a", &[], None), paper("b", &["x"], Some(3))];
        let out = filter.compile().apply(&papers);
        assert_eq!(out.len(), 2);
        assert!(out.iter().all(|s| s.matched.is_empty()));
        assert!(!Filter {
            min_votes: Some(0),
            ..Filter::default()
        }
        .is_empty());
        assert!(!Filter {
            top_n: Some(3),
            ..Filter::default()
        }
        .is_empty());
        assert!(!Filter {
            exclude: vec!["x".into()],
            ..Filter::default()
        }
        .is_empty());
    }

    #[test]
    fn apply_prepared_agrees_with_apply() {
        let papers = vec![
            paper("LLM agents", &["확산 모델"], Some(3)),
            paper("Vision", &["LLMs"], Some(4)),
        ];
        let prepared = Prepared::new(&papers);
        for f in [include(&["llm"]), include(&["확산"]), exclude(&["vision"])] {
            let a: Vec<_> = f
                .apply(&papers)
                .into_iter()
                .map(|s| (s.paper.title.clone(), s.matched))
                .collect();
            let b: Vec<_> = f
                .apply_prepared(&prepared)
                .into_iter()
                .map(|s| (s.paper.title.clone(), s.matched))
                .collect();
            assert_eq!(a, b);
        }
    }

    fn hf(title: &str, repo: bool, org: Option<(&str, &str)>, keywords: &[&str]) -> Paper {
        Paper {
            github_repo: repo.then(|| "https://github.com/a/b".to_string()),
            organization: org.map(|(name, fullname)| crate::source::digest::Organization {
                name: name.into(),
                fullname: Some(fullname.into()),
            }),
            ai_keywords: keywords.iter().map(|k| k.to_string()).collect(),
            ..paper(title, &["A finding."], Some(5))
        }
    }

    fn titles(selected: &[Selected]) -> Vec<String> {
        selected.iter().map(|s| s.paper.title.clone()).collect()
    }

    #[test]
    fn has_code_and_org_select_and_veto_papers() {
        let papers = vec![
            hf("Coded", true, None, &[]),
            hf("HF", false, Some(("huggingface", "Hugging Face")), &[]),
            hf("HF coded", true, Some(("huggingface", "Hugging Face")), &[]),
            hf("Meta", false, Some(("meta-ai", "Meta AI")), &[]),
            hf("Plain", false, None, &[]),
        ];
        let run = |facets: &[&str], exclude: &[&str], include: &[&str]| {
            let f = Filter {
                include: include.iter().map(|s| s.to_string()).collect(),
                facets: facets.iter().map(|s| s.to_string()).collect(),
                exclude_facets: exclude.iter().map(|s| s.to_string()).collect(),
                ..Filter::default()
            };
            assert!(!f.is_empty());
            let compiled = f.compile();
            let out = compiled.apply(&papers);
            for s in &out {
                assert_eq!(compiled.matches(s.paper), Some(s.matched.clone()));
            }
            out
        };
        let out = run(&["has:code"], &[], &[]);
        assert_eq!(titles(&out), ["Coded", "HF coded"]);
        assert_eq!(out[0].matched, ["has:code"]);
        // By account name or display name, ignoring case and spacing.
        for org in ["org:huggingface", "org:HUGGING   face", "org:Hugging Face"] {
            assert_eq!(titles(&run(&[org], &[], &[])), ["HF", "HF coded"], "{org}");
        }
        assert_eq!(
            titles(&run(&["org:hugging"], &[], &[])),
            Vec::<String>::new()
        );
        // Facets add to keywords, and vetoes take away.
        assert_eq!(
            titles(&run(&["org:meta-ai"], &["has:code"], &["finding"])),
            ["HF", "Meta", "Plain"]
        );
        let out = run(&["org:meta ai", "has:code"], &["org:huggingface"], &[]);
        assert_eq!(titles(&out), ["Coded", "Meta"]);
        assert_eq!(out[1].matched, ["org:meta ai"]);
        // Excludes alone keep everything else.
        assert_eq!(
            titles(&run(&[], &["-", "has:code"], &[])),
            ["HF", "Meta", "Plain"]
        );
        // Unknown facets are no filter at all.
        let unknown = Filter {
            facets: vec!["has:wings".into(), "org:".into()],
            ..Filter::default()
        };
        assert!(unknown.is_empty());
    }

    #[test]
    fn keywords_also_match_ai_keywords() {
        let papers = vec![
            hf(
                "Untitled",
                false,
                None,
                &["Retrieval-Augmented Generation", "RAG"],
            ),
            hf("Other", false, None, &["diffusion"]),
        ];
        let f = Filter {
            include: vec!["retrieval-augmented generation".into()],
            exclude: vec!["diffusion".into()],
            ..Filter::default()
        }
        .compile();
        let out = f.apply(&papers);
        assert_eq!(titles(&out), ["Untitled"]);
        assert_eq!(out[0].matched, ["retrieval-augmented generation"]);
        let rag = Filter {
            include: vec!["rag".into()],
            ..Filter::default()
        }
        .compile();
        assert_eq!(titles(&rag.apply(&papers)), ["Untitled"]);
        // The shared preparation sees them too.
        assert_eq!(
            titles(&f.apply_prepared(&Prepared::new(&papers))),
            ["Untitled"]
        );
    }

    fn by(title: &str, authors: &[&str]) -> Paper {
        Paper {
            authors: authors.iter().map(|a| a.to_string()).collect(),
            ..paper(title, &[], None)
        }
    }

    fn authors_filter(include: &[&str], authors: &[&str], exclude_authors: &[&str]) -> Filter {
        Filter {
            include: include.iter().map(|w| w.to_string()).collect(),
            authors: authors.iter().map(|w| w.to_string()).collect(),
            exclude_authors: exclude_authors.iter().map(|w| w.to_string()).collect(),
            ..Filter::default()
        }
    }

    #[test]
    fn author_terms_select_papers_by_that_author() {
        let f = authors_filter(&[], &["Dao,  Tri"], &[]).compile();
        assert_eq!(
            f.matches(&by("Flash attention", &["Tri Dao", "+"])),
            Some(vec!["author:Dao, Tri".to_string()])
        );
        assert_eq!(f.matches(&by("Flash attention", &["Tri Daoo"])), None);
        assert_eq!(f.matches(&by("Flash attention", &["+"])), None);
        assert_eq!(f.matches(&by("Flash attention", &[])), None);
    }

    #[test]
    fn includes_or_authors_select_and_matched_lists_keywords_first() {
        let f = authors_filter(&["attention", "video"], &["Tri Dao", "Ann Kim"], &[]).compile();
        assert_eq!(
            f.matches(&by("Video attention", &["Ann Kim", "Tri Dao"])),
            Some(vec![
                "attention".to_string(),
                "video".to_string(),
                "author:Tri Dao".to_string(),
                "author:Ann Kim".to_string()
            ])
        );
        assert_eq!(
            f.matches(&by("Audio", &["Kim Ann"])),
            Some(vec!["author:Ann Kim".to_string()])
        );
        assert_eq!(
            f.matches(&by("Video", &["Bo Li"])),
            Some(vec!["video".to_string()])
        );
        assert_eq!(f.matches(&by("Audio", &["Bo Li"])), None);
    }

    #[test]
    fn excludes_veto_author_matches_and_excluded_authors_veto_keywords() {
        let f = Filter {
            exclude: vec!["survey".into()],
            ..authors_filter(&["llm"], &["Tri Dao"], &["Bo Li"])
        }
        .compile();
        assert!(f.matches(&by("A survey", &["Tri Dao"])).is_none());
        assert!(f
            .matches(&by("LLM agents", &["Ann Kim", "Li, Bo"]))
            .is_none());
        assert!(f.matches(&by("Kernels", &["Tri Dao", "Bo Li"])).is_none());
        assert!(f.matches(&by("LLM agents", &["Bo Lim"])).is_some());
        // Only excluded authors: everything else is kept.
        let f = authors_filter(&[], &[], &["Bo Li"]).compile();
        assert_eq!(f.matches(&by("Anything", &["Ann Kim"])), Some(vec![]));
        assert_eq!(f.matches(&by("Anything", &["Bo Li"])), None);
    }

    #[test]
    fn blank_and_repeated_authors_are_ignored() {
        let f = authors_filter(&[], &["+", " ", "Tri Dao", "dao tri"], &[]);
        assert_eq!(
            f.compile().matches(&by("x", &["Tri Dao"])),
            Some(vec!["author:Tri Dao".to_string()])
        );
        assert!(authors_filter(&[], &["+", "  "], &["..."]).is_empty());
        assert!(!authors_filter(&[], &["Tri Dao"], &[]).is_empty());
        assert!(!authors_filter(&[], &[], &["Tri Dao"]).is_empty());
        assert_eq!(
            authors_filter(&[], &["+"], &[])
                .compile()
                .matches(&by("x", &[])),
            Some(vec![])
        );
    }

    #[test]
    fn author_filters_agree_between_apply_and_apply_prepared() {
        let papers = vec![
            by("LLM agents", &["Tri Dao", "+"]),
            by("Vision", &["Ann Kim"]),
            by("Audio", &["Bo Li", "Tri Dao"]),
        ];
        let prepared = Prepared::new(&papers);
        for f in [
            authors_filter(&[], &["Tri Dao"], &[]),
            authors_filter(&["vision"], &["Tri Dao"], &["Bo Li"]),
            authors_filter(&[], &[], &["Ann Kim"]),
        ] {
            let f = f.compile();
            let a: Vec<_> = f
                .apply(&papers)
                .into_iter()
                .map(|s| (s.paper.title.clone(), s.matched))
                .collect();
            let b: Vec<_> = f
                .apply_prepared(&prepared)
                .into_iter()
                .map(|s| (s.paper.title.clone(), s.matched))
                .collect();
            assert_eq!(a, b);
            assert!(!a.is_empty());
        }
    }

    fn arb_paper() -> impl Strategy<Value = Paper> {
        let word =
            prop::sample::select(vec!["llm", "LLMs", "확산", "모델", "video", "audio", "RAG"]);
        let author = prop::sample::select(vec!["Tri Dao", "Ann Kim", "Bo Li", "Li Bo Wang", "+"]);
        (
            prop::collection::vec(word.clone(), 0..6),
            prop::collection::vec(prop::collection::vec(word, 0..6), 0..3),
            prop::option::of(0u32..20),
            prop::collection::vec(author, 0..3),
        )
            .prop_map(|(title, bullets, votes, authors)| Paper {
                title: title.join(" "),
                url: None,
                arxiv_id: None,
                thumbnail_url: None,
                votes,
                authors: authors.into_iter().map(str::to_string).collect(),
                bullets: bullets.into_iter().map(|b| b.join(" ")).collect(),
                ..Default::default()
            })
    }

    proptest! {
        #[test]
        fn apply_keeps_digest_order_and_respects_top_n(
            papers in prop::collection::vec(arb_paper(), 0..40),
            include in prop::collection::vec(prop::sample::select(vec!["llm", "확산", "video"]), 0..3),
            exclude in prop::collection::vec(prop::sample::select(vec!["audio", "rag"]), 0..2),
            authors in prop::collection::vec(prop::sample::select(vec!["Tri Dao", "Kim, Ann"]), 0..2),
            exclude_authors in prop::collection::vec(prop::sample::select(vec!["Bo Li"]), 0..2),
            min_votes in prop::option::of(0u32..10),
            top_n in prop::option::of(0usize..15),
        ) {
            let filter = Filter {
                include: include.iter().map(|s| s.to_string()).collect(),
                exclude: exclude.iter().map(|s| s.to_string()).collect(),
                authors: authors.iter().map(|s| s.to_string()).collect(),
                exclude_authors: exclude_authors.iter().map(|s| s.to_string()).collect(),
                min_votes,
                top_n,
                ..Filter::default()
            };
            let compiled = filter.compile();
            let out = compiled.apply(&papers);
            if let Some(n) = top_n {
                prop_assert!(out.len() <= n);
            }
            let positions: Vec<usize> = out
                .iter()
                .map(|s| papers.iter().position(|p| std::ptr::eq(p, s.paper)).unwrap())
                .collect();
            prop_assert!(positions.windows(2).all(|w| w[0] < w[1]));
            // Without top_n, apply is exactly the papers `matches` keeps.
            if top_n.is_none() {
                let expected: Vec<usize> =
                    (0..papers.len()).filter(|&i| compiled.matches(&papers[i]).is_some()).collect();
                prop_assert_eq!(positions, expected);
            }
        }
    }
}
