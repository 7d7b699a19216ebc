//! Personal-alert benchmark: 100,000 people with 5 terms each matched against the 68-paper day
//! `tests/fixtures/digests/2025-02-19.md` through one `AlertIndex`.
//!
//! Run: `cargo bench --bench alerts` (release build). `ALERTS_PEOPLE` and `ALERTS_RUNS` change
//! the number of people (default 100,000) and of timed match runs (default 7).
//!
//! The people are deterministic (seeded): each has five terms drawn from the 60 most frequent
//! words of the day's titles (40 %), rarer words of every fixture digest (40 %, many absent
//! from this day), and Korean substrings of the bullets (20 %, leaving out the sentence-ending
//! pieces found in most papers); about 1 in 5 has one `author:` term (a name from this day or
//! another fixture, sometimes written `Family, Given`), about 1 in 10 one exclude keyword. The
//! bench prints how many papers a term of each pool matches on average.

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use paperboy::select::alerts::AlertIndex;
use paperboy::select::terms::{Term, TermKind};
use paperboy::source::digest::Paper;
use paperboy::source::markdown::parse_markdown;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

const DAY: &str = "2025-02-19";
const TERMS_PER_PERSON: usize = 5;
/// How many of the day's most frequent title words count as common.
const COMMON: usize = 60;

fn main() {
    // `cargo bench` passes `--bench`; anything else (e.g. `cargo test --benches`) only checks
    // that the binary builds and starts.
    if !std::env::args().any(|a| a == "--bench") {
        println!("alerts: run with `cargo bench --bench alerts`");
        return;
    }
    let people: u64 = env_or("ALERTS_PEOPLE", 100_000);
    let runs: usize = env_or("ALERTS_RUNS", 7).max(1);

    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/digests");
    let day = load(&fixtures.join(format!("{DAY}.md")));
    let others: Vec<Vec<Paper>> = std::fs::read_dir(&fixtures)
        .expect("fixtures")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .filter(|p| p.file_stem().is_some_and(|s| s != DAY && s != "README"))
        .map(|p| load(&p))
        .collect();
    let vocab = Vocabulary::new(&day, &others);
    println!(
        "alerts: {people} people × {TERMS_PER_PERSON} terms against {DAY} ({} papers, {} authors); \
         vocabulary: {} common, {} rare, {} Korean, {} names",
        day.len(),
        day.iter().map(|p| p.authors.len()).sum::<usize>(),
        vocab.common.len(),
        vocab.rare.len(),
        vocab.korean.len(),
        vocab.names.len(),
    );

    // How selective each pool is: the papers of the day a term of it matches, on average.
    let reach = |pool: &[String], kind: TermKind| -> f64 {
        let mut distinct = pool.to_vec();
        distinct.sort();
        distinct.dedup();
        let probe = AlertIndex::build(
            distinct
                .iter()
                .enumerate()
                .map(|(i, w)| (i as u64, vec![Term::new(kind, w.clone())])),
        );
        let hits: usize = probe.matches(&day).iter().map(|m| m.papers.len()).sum();
        hits as f64 / distinct.len().max(1) as f64
    };
    println!(
        "papers of the day a term matches, on average: common {:.2}, rare {:.2}, Korean {:.2}, \
         author {:.3}",
        reach(&vocab.common, TermKind::Include),
        reach(&vocab.rare, TermKind::Include),
        reach(&vocab.korean, TermKind::Include),
        reach(&vocab.names, TermKind::Author),
    );

    let rss_before = status_kb("VmRSS");
    let started = Instant::now();
    let mut rng = StdRng::seed_from_u64(0x5EED);
    let index = AlertIndex::build((0..people).map(|user| (user, vocab.person(&mut rng))));
    let build = started.elapsed();
    let rss_index = status_kb("VmRSS").saturating_sub(rss_before);

    let mut times = Vec::with_capacity(runs);
    let mut result = Vec::new();
    for _ in 0..runs {
        drop(std::mem::take(&mut result));
        let started = Instant::now();
        result = index.matches(&day);
        times.push(started.elapsed());
    }
    times.sort();
    let median = times[times.len() / 2];
    let pairs: usize = result.iter().map(|m| m.papers.len()).sum();
    let terms_hit: usize = result
        .iter()
        .flat_map(|m| &m.papers)
        .map(|(_, t)| t.len())
        .sum();
    let by_author = result
        .iter()
        .flat_map(|m| &m.papers)
        .filter(|(_, t)| t.iter().any(|t| t.starts_with("author:")))
        .count();

    println!("build:            {}", ms(build));
    println!(
        "match per day:    {} median of {runs} (min {}, max {})",
        ms(median),
        ms(times[0]),
        ms(times[times.len() - 1])
    );
    println!(
        "people indexed:   {} (the rest only exclude)",
        index.people()
    );
    println!(
        "people matched:   {} ({pairs} person-paper matches, {terms_hit} terms hit, \
         {by_author} matches by author)",
        result.len()
    );
    println!(
        "index size:       ~{:.1} MB (RSS growth over the build)",
        rss_index as f64 / 1024.0
    );
    println!(
        "peak memory:      {:.1} MB (VmHWM of this process: fixtures, index and one day's result)",
        status_kb("VmHWM") as f64 / 1024.0
    );
}

/// What people's terms are drawn from.
struct Vocabulary {
    /// The day's most frequent title words (stopwords left out).
    common: Vec<String>,
    /// The other words of four letters or more from every fixture's titles and bullets: mostly
    /// rare, many not on this day.
    rare: Vec<String>,
    /// Two- and three-syllable pieces of the Korean words in the bullets, but for those in more
    /// than half of the papers.
    korean: Vec<String>,
    /// Author names of this day and the other fixtures.
    names: Vec<String>,
}

const STOPWORDS: &[&str] = &[
    "with", "from", "into", "that", "this", "than", "their", "they", "what", "when", "where",
    "which", "while", "your", "over", "via", "towards", "toward", "through", "using", "based",
    "beyond", "without", "does", "make", "more", "less", "about", "under", "between",
];

impl Vocabulary {
    fn new(day: &[Paper], others: &[Vec<Paper>]) -> Vocabulary {
        let latin_words = |text: &str| -> Vec<String> {
            text.split(|c: char| !c.is_ascii_alphanumeric() && c != '-')
                .map(|w| w.trim_matches('-').to_lowercase())
                .filter(|w| w.len() >= 3 && w.chars().any(|c| c.is_ascii_alphabetic()))
                .collect()
        };

        let mut frequency: HashMap<String, usize> = HashMap::new();
        for paper in day {
            let mut words = latin_words(&paper.title);
            words.sort();
            words.dedup();
            for w in words {
                if w.len() >= 4 && !STOPWORDS.contains(&w.as_str()) {
                    *frequency.entry(w).or_default() += 1;
                }
            }
        }
        let mut ranked: Vec<(String, usize)> = frequency.into_iter().collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let common: Vec<String> = ranked.iter().take(COMMON).map(|(w, _)| w.clone()).collect();

        let mut rare: Vec<String> = std::iter::once(day)
            .chain(others.iter().map(Vec::as_slice))
            .flatten()
            .flat_map(|p| std::iter::once(&p.title).chain(&p.bullets))
            .flat_map(|t| latin_words(t))
            .filter(|w| w.len() >= 4 && !STOPWORDS.contains(&w.as_str()) && !common.contains(w))
            .collect();
        rare.sort();
        rare.dedup();

        let mut korean: Vec<String> = day
            .iter()
            .flat_map(|p| &p.bullets)
            .flat_map(|b| b.split_whitespace())
            .flat_map(|w| {
                let syllables: Vec<char> = w
                    .chars()
                    .filter(|c| ('\u{AC00}'..='\u{D7A3}').contains(c))
                    .collect();
                let mut pieces = Vec::new();
                for len in [2, 3] {
                    for piece in syllables.windows(len) {
                        pieces.push(piece.iter().collect::<String>());
                    }
                }
                pieces
            })
            .collect();
        korean.sort();
        korean.dedup();
        // Pieces of sentence endings and particles (`니다`, `에서`) are in nearly every paper;
        // nobody asks for them.
        let in_papers = |piece: &str| {
            day.iter()
                .filter(|p| p.bullets.iter().any(|b| b.contains(piece)))
                .count()
        };
        korean.retain(|piece| in_papers(piece) * 2 <= day.len());

        let mut names: Vec<String> = std::iter::once(day)
            .chain(others.iter().map(Vec::as_slice))
            .flatten()
            .flat_map(|p| &p.authors)
            .filter(|a| *a != "+")
            .cloned()
            .collect();
        names.sort();
        names.dedup();

        Vocabulary {
            common,
            rare,
            korean,
            names,
        }
    }

    fn person(&self, rng: &mut StdRng) -> Vec<Term> {
        let mut terms = Vec::with_capacity(TERMS_PER_PERSON);
        if rng.gen_bool(0.2) {
            let name = self.names.choose(rng).expect("names");
            let name = match name.rsplit_once(' ') {
                Some((given, family)) if rng.gen_bool(0.3) => format!("{family}, {given}"),
                _ => name.clone(),
            };
            terms.push(Term::new(TermKind::Author, name));
        }
        if rng.gen_bool(0.1) {
            let word = self.keyword(rng);
            terms.push(Term::new(TermKind::Exclude, word));
        }
        while terms.len() < TERMS_PER_PERSON {
            let word = self.keyword(rng);
            terms.push(Term::new(TermKind::Include, word));
        }
        terms.shuffle(rng);
        terms
    }

    fn keyword(&self, rng: &mut StdRng) -> String {
        let pool = match rng.gen_range(0..10) {
            0..=3 => &self.common,
            4..=7 => &self.rare,
            _ => &self.korean,
        };
        pool.choose(rng).expect("vocabulary").clone()
    }
}

fn load(path: &Path) -> Vec<Paper> {
    let bytes = std::fs::read(path).expect("fixture digest");
    parse_markdown(&bytes, None)
        .expect("fixture parses")
        .digest
        .papers
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn env_or<T: std::str::FromStr>(key: &str, default: T) -> T {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A `/proc/self/status` figure in KiB (`VmHWM`: peak resident set size, `VmRSS`: current).
fn status_kb(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key) && l[key.len()..].starts_with(':'))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}
