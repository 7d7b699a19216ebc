//! "For you" benchmark: a 70-paper day (`tests/fixtures/digests/2025-02-19.md`'s 68 and two
//! of another day's) ranked for 100,000 people with 20 saved papers each, by the embedded
//! lexical similarity (and, for comparison, by stored embeddings), through
//! `paperboy::select::for_you`.
//!
//! Run: `cargo bench --bench for_you` (release build). `FOR_YOU_DAY`, `FOR_YOU_PEOPLE`,
//! `FOR_YOU_SAVED`, `FOR_YOU_POOL`, `FOR_YOU_DIMS` and `FOR_YOU_RUNS` change the day's papers
//! (70), the people (100,000), the papers each saved (20), the distinct papers they save from
//! (15,000: about a year of Daily Papers), the embedding length (768) and the timed runs (5).
//!
//! The pool is built from every fixture digest's real papers (titles, Korean summaries), each
//! recombined with another's summary so that 15,000 papers keep real lengths and vocabulary.
//! People save from it with a skew (a few papers are on thousands of lists, as real reading
//! lists are), have 5 keyword matches on the day, 2 papers they turned down, and ask for 3
//! recommendations. What is timed is what a delivery pass does for them once their lists are
//! read: index the day, compare each distinct known paper with it once, rank every person.

use std::path::Path;
use std::time::{Duration, Instant};

use paperboy::select::for_you::document::Document;
use paperboy::select::for_you::lexical::DayIndex;
use paperboy::select::for_you::rank::{Ranked, Ranker, Reader};
use paperboy::select::for_you::similarity::Similarities;
use paperboy::source::digest::Paper;
use paperboy::source::markdown::parse_markdown;
use rand::rngs::StdRng;
use rand::seq::index::sample;
use rand::{Rng, SeedableRng};

const DAY: &str = "2025-02-19";
const MATCHES: usize = 5;
const UNWANTED: usize = 2;
const EXTRA: usize = 3;

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("for_you: run with `cargo bench --bench for_you`");
        return;
    }
    let people: usize = env_or("FOR_YOU_PEOPLE", 100_000);
    let per_person: usize = env_or("FOR_YOU_SAVED", 20);
    let pool_size: usize = env_or("FOR_YOU_POOL", 15_000);
    let dims: usize = env_or("FOR_YOU_DIMS", 768);
    let runs: usize = env_or("FOR_YOU_RUNS", 5).max(1);

    let day_size: usize = env_or("FOR_YOU_DAY", 70);

    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/digests");
    let mut day = load(&fixtures.join(format!("{DAY}.md")));
    let mut files: Vec<_> = std::fs::read_dir(&fixtures)
        .expect("fixtures")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .filter(|p| p.file_stem().is_some_and(|s| s != DAY && s != "README"))
        .collect();
    files.sort();
    let real: Vec<Paper> = files.iter().flat_map(|p| load(p)).collect();
    // The busiest real day has 68 papers: topped up (or cut) to the day asked for with other
    // days' real papers.
    day.extend(
        real.iter()
            .take(day_size.saturating_sub(day.len()))
            .cloned(),
    );
    day.truncate(day_size);
    let pool: Vec<Paper> = (0..pool_size)
        .map(|i| {
            let a = &real[i % real.len()];
            let b = &real[(i * 7 + i / real.len()) % real.len()];
            Paper {
                title: format!(
                    "{} {}",
                    a.title,
                    b.title.split_whitespace().next().unwrap_or("")
                ),
                bullets: a
                    .bullets
                    .iter()
                    .take(2)
                    .chain(b.bullets.iter().skip(2))
                    .cloned()
                    .collect(),
                ..Paper::default()
            }
        })
        .collect();

    // Who saved what, as the store hands it over: flat lists of pool indices.
    let rss_start = status_kb("VmRSS");
    let mut rng = StdRng::seed_from_u64(0x5EED);
    let mut saved: Vec<u32> = Vec::with_capacity(people * per_person);
    let mut unwanted: Vec<u32> = Vec::with_capacity(people * UNWANTED);
    let mut matches: Vec<usize> = Vec::with_capacity(people * MATCHES);
    for _ in 0..people {
        for _ in 0..per_person {
            // Skewed: the square of a uniform number favours the pool's first papers.
            let u: f64 = rng.gen();
            saved.push(((u * u) * pool_size as f64) as u32);
        }
        for _ in 0..UNWANTED {
            unwanted.push(rng.gen_range(0..pool_size) as u32);
        }
        let mut m = sample(&mut rng, day.len(), MATCHES).into_vec();
        m.sort();
        matches.extend(m);
    }
    // Each distinct known paper becomes one row.
    let mut row_of = vec![u32::MAX; pool_size];
    let mut known: Vec<u32> = Vec::new();
    for p in saved.iter_mut().chain(unwanted.iter_mut()) {
        if row_of[*p as usize] == u32::MAX {
            row_of[*p as usize] = known.len() as u32;
            known.push(*p);
        }
        *p = row_of[*p as usize];
    }
    let lists_kb = status_kb("VmRSS").saturating_sub(rss_start);
    println!(
        "for_you: {people} people × {per_person} saved ({} distinct of a {pool_size}-paper pool), \
         {UNWANTED} turned down, {MATCHES} matches, {EXTRA} recommendations, against {DAY} ({} papers)",
        known.len(),
        day.len()
    );

    let rank_all = |sim: &Similarities, results: &mut Vec<Ranked>| {
        let mut ranker = Ranker::default();
        results.clear();
        for person in 0..people {
            let reader = Reader {
                saved: &saved[person * per_person..(person + 1) * per_person],
                unwanted: &unwanted[person * UNWANTED..(person + 1) * UNWANTED],
                matches: &matches[person * MATCHES..(person + 1) * MATCHES],
                vetoed: &[],
                known: &[],
                extra: EXTRA,
            };
            results.push(ranker.rank(sim, &reader));
        }
    };

    let day_docs: Vec<Document> = day.iter().map(Document::of).collect();
    let known_docs: Vec<Document> = known
        .iter()
        .map(|&p| Document::of(&pool[p as usize]))
        .collect();
    let mut index_t = Vec::new();
    let mut sim_t = Vec::new();
    let mut rank_t = Vec::new();
    let mut results: Vec<Ranked> = Vec::with_capacity(people);
    let mut sim = None;
    for _ in 0..runs {
        let t = Instant::now();
        let index = DayIndex::build(&day_docs);
        index_t.push(t.elapsed());
        let t = Instant::now();
        let s = Similarities::lexical(&index, &known_docs);
        sim_t.push(t.elapsed());
        let t = Instant::now();
        rank_all(&s, &mut results);
        rank_t.push(t.elapsed());
        sim = Some(s);
    }
    let total: Vec<Duration> = (0..runs)
        .map(|i| index_t[i] + sim_t[i] + rank_t[i])
        .collect();
    let recommended: usize = results.iter().map(|r| r.recommended.len()).sum();
    let explained: usize = results
        .iter()
        .flat_map(|r| &r.matches)
        .filter(|p| p.close_to.is_some())
        .count();
    println!("lexical (the default, no model):");
    println!("  index the day:      {}", median(&index_t));
    println!("  compare {} known:  {}", known.len(), median(&sim_t));
    println!("  rank {people} people: {}", median(&rank_t));
    println!(
        "  total per day:      {} median of {runs} (min {}, max {})",
        median(&total),
        ms(*total.iter().min().unwrap()),
        ms(*total.iter().max().unwrap())
    );
    println!(
        "  outcome:            {recommended} recommendations, {explained} of {} matches close to a saved paper",
        people * MATCHES
    );
    let lexical_peak = status_kb("VmHWM");
    drop(sim);

    // The same ranking from stored embeddings (random unit vectors: only the cost is measured).
    let vector =
        |rng: &mut StdRng| -> Vec<f32> { (0..dims).map(|_| rng.gen_range(-1.0..1.0)).collect() };
    let day_vecs: Vec<Vec<f32>> = (0..day.len()).map(|_| vector(&mut rng)).collect();
    let known_vecs: Vec<Vec<f32>> = (0..known.len()).map(|_| vector(&mut rng)).collect();
    let day_refs: Vec<&[f32]> = day_vecs.iter().map(Vec::as_slice).collect();
    let known_refs: Vec<&[f32]> = known_vecs.iter().map(Vec::as_slice).collect();
    let t = Instant::now();
    let s = Similarities::embeddings(&day_refs, &known_refs);
    let compare = t.elapsed();
    let t = Instant::now();
    rank_all(&s, &mut results);
    let rank = t.elapsed();
    println!(
        "embeddings ({dims} dimensions, {} vectors held):",
        known.len() + day.len()
    );
    println!("  compare:            {}", ms(compare));
    println!("  rank:               {}", ms(rank));
    println!(
        "memory:               reading lists {:.1} MB; peak {:.1} MB after the lexical runs \
         (VmHWM: fixtures, the pool's text, lists, similarities, every person's result), {:.1} MB \
         with the embeddings too",
        lists_kb as f64 / 1024.0,
        lexical_peak as f64 / 1024.0,
        status_kb("VmHWM") as f64 / 1024.0
    );
}

fn load(path: &Path) -> Vec<Paper> {
    let bytes = std::fs::read(path).expect("fixture");
    parse_markdown(&bytes, None)
        .expect("fixture parses")
        .digest
        .papers
}

fn env_or<T: std::str::FromStr>(key: &str, default: T) -> T {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn median(times: &[Duration]) -> String {
    let mut t = times.to_vec();
    t.sort();
    ms(t[t.len() / 2])
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// A `/proc/self/status` field in kB (0 where there is none).
fn status_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}
