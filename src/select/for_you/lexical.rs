//! The embedded default similarity: TF-IDF vectors over [`Document`] terms, compared by cosine,
//! with no model and no network.
//!
//! Why the weights come from the day: what tells one of a day's papers from another is the
//! words few of that day's papers use, so a term's weight is its inverse document frequency
//! over the day's papers (smoothed; a word none of them uses weighs the most, which only lowers
//! a saved paper's closeness to all of them alike). The weights depend on public papers only,
//! never on what other people saved, so a person's ranking is theirs alone.
//!
//! Why the layout: a day has ~70 papers and the reading lists of 100,000 people hold tens of
//! thousands of distinct papers, each compared with the whole day. The day is indexed once
//! (each of its terms → the papers that have it, with their weights), so comparing one saved
//! paper costs one hash lookup per term of that paper plus the few postings its terms have,
//! never 70 full vector products.

use rustc_hash::FxHashMap;

use super::document::Document;

/// The day's papers, indexed by term.
#[derive(Debug, Clone)]
pub struct DayIndex {
    papers: usize,
    /// Term (its [`Term::key`](super::document::Term::key)) → its id.
    ids: FxHashMap<u64, u32>,
    /// Per term id: its inverse document frequency.
    idf: Vec<f32>,
    /// Per term id: (paper, weight in that paper's unit vector).
    postings: Vec<Vec<(u32, f32)>>,
    /// The weight of a term no paper of the day has.
    unseen_idf: f32,
}

/// Term frequencies of one document, by term key: reused from one document to the next, so
/// comparing thousands of papers allocates nothing per paper.
#[derive(Debug, Default)]
pub struct Scratch {
    counts: FxHashMap<u64, (f32, u32)>,
}

/// No term id (a term the day does not have).
const UNSEEN: u32 = u32::MAX;

impl Scratch {
    /// The document's terms: (summed weight, term id or [`UNSEEN`]) per distinct term.
    fn count(
        &mut self,
        day: &DayIndex,
        doc: &Document<'_>,
    ) -> impl Iterator<Item = (f32, u32)> + '_ {
        self.counts.clear();
        let counts = &mut self.counts;
        doc.for_each_term(|term, w| {
            let key = term.key();
            let entry = counts
                .entry(key)
                .or_insert_with(|| (0.0, day.ids.get(&key).copied().unwrap_or(UNSEEN)));
            entry.0 += w;
        });
        self.counts.values().copied()
    }
}

/// Sublinear term frequency: the tenth use of a word says less than the first.
fn tf(count: f32) -> f32 {
    if count > 0.0 {
        1.0 + count.ln()
    } else {
        0.0
    }
}

impl DayIndex {
    /// Indexes a day's papers, in the day's order.
    pub fn build(day: &[Document<'_>]) -> DayIndex {
        let mut ids: FxHashMap<u64, u32> = FxHashMap::default();
        // Per paper: (term id, count).
        let mut docs: Vec<Vec<(u32, f32)>> = Vec::with_capacity(day.len());
        for doc in day {
            let mut counts: FxHashMap<u32, f32> = FxHashMap::default();
            doc.for_each_term(|term, w| {
                let next = ids.len() as u32;
                let id = *ids.entry(term.key()).or_insert(next);
                *counts.entry(id).or_insert(0.0) += w;
            });
            let mut counts: Vec<(u32, f32)> = counts.into_iter().collect();
            counts.sort_unstable_by_key(|(id, _)| *id);
            docs.push(counts);
        }
        let n = day.len() as f32;
        let mut df = vec![0u32; ids.len()];
        for doc in &docs {
            for (id, _) in doc {
                df[*id as usize] += 1;
            }
        }
        let idf: Vec<f32> = df
            .iter()
            .map(|&d| ((1.0 + n) / (1.0 + d as f32)).ln() + 1.0)
            .collect();
        let mut postings = vec![Vec::new(); ids.len()];
        for (paper, doc) in docs.iter().enumerate() {
            let weights: Vec<f32> = doc
                .iter()
                .map(|(id, c)| tf(*c) * idf[*id as usize])
                .collect();
            let norm = weights.iter().map(|w| w * w).sum::<f32>().sqrt();
            if norm == 0.0 {
                continue;
            }
            for ((id, _), w) in doc.iter().zip(weights) {
                postings[*id as usize].push((paper as u32, w / norm));
            }
        }
        DayIndex {
            papers: day.len(),
            ids,
            idf,
            postings,
            unseen_idf: (1.0 + n).ln() + 1.0,
        }
    }

    /// Papers in the day.
    pub fn papers(&self) -> usize {
        self.papers
    }

    /// The cosine of `doc` with each of the day's papers, written to `out` (one per paper, 0 for
    /// a paper or document without terms).
    pub fn similarities(&self, doc: &Document<'_>, scratch: &mut Scratch, out: &mut [f32]) {
        assert_eq!(
            out.len(),
            self.papers,
            "one similarity per paper of the day"
        );
        out.fill(0.0);
        let mut norm = 0.0f32;
        for (count, id) in scratch.count(self, doc) {
            let idf = if id == UNSEEN {
                self.unseen_idf
            } else {
                self.idf[id as usize]
            };
            let w = tf(count) * idf;
            norm += w * w;
            if id != UNSEEN {
                for &(paper, pw) in &self.postings[id as usize] {
                    out[paper as usize] += w * pw;
                }
            }
        }
        if norm > 0.0 {
            let norm = norm.sqrt();
            for s in out.iter_mut() {
                *s /= norm;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::digest::Paper;

    fn paper(title: &str, text: &str) -> Paper {
        Paper {
            title: title.into(),
            bullets: vec![text.into()],
            ..Default::default()
        }
    }

    fn sims(day: &[Paper], doc: &Paper) -> Vec<f32> {
        let docs: Vec<Document> = day.iter().map(Document::of).collect();
        let index = DayIndex::build(&docs);
        let mut out = vec![0.0; day.len()];
        index.similarities(&Document::of(doc), &mut Scratch::default(), &mut out);
        out
    }

    #[test]
    fn a_paper_is_closest_to_itself_and_shared_rare_words_count_most() {
        let day = vec![
            paper(
                "Video diffusion models",
                "Sampling video frames with diffusion",
            ),
            paper(
                "Language model reasoning",
                "Chain of thought for language models",
            ),
            paper("Robot grasping", "Reinforcement learning for robot hands"),
        ];
        let s = sims(&day, &day[1]);
        assert!((s[1] - 1.0).abs() < 1e-4, "{s:?}");
        // Only "model" is shared with the first paper; nothing with the third.
        assert!(s[0] < 0.3 && s[2] == 0.0, "{s:?}");
        let saved = paper("Faster video diffusion", "Distilling a diffusion sampler");
        let s = sims(&day, &saved);
        assert!(s[0] > 0.3 && s[0] > s[1] && s[0] > s[2], "{s:?}");
        // Cosines stay within [0, 1].
        assert!(s.iter().all(|x| (0.0..=1.0 + 1e-5).contains(x)), "{s:?}");
    }

    #[test]
    fn empty_papers_and_documents_are_close_to_nothing() {
        let day = vec![paper("", ""), paper("Robot grasping", "")];
        assert_eq!(sims(&day, &paper("", "")), [0.0, 0.0]);
        let s = sims(&day, &paper("Robot", ""));
        assert_eq!(s[0], 0.0);
        assert!(s[1] > 0.0);
        let none: Vec<Document> = Vec::new();
        assert_eq!(DayIndex::build(&none).papers(), 0);
    }

    #[test]
    fn korean_summaries_meet_on_shared_character_pairs() {
        let day = vec![
            paper("A", "확산 모델로 영상을 생성한다"),
            paper("B", "강화학습으로 로봇을 제어한다"),
        ];
        let s = sims(&day, &paper("C", "확산모델을 이용한 영상 생성"));
        assert!(s[0] > s[1] + 0.2, "{s:?}");
    }
}
