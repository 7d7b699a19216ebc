//! One reader's day, by what they saved: their keyword matches ordered by closeness to their
//! reading list, up to a few papers no term matched but that are close to it, and for each the
//! saved paper it is closest to (the "why").
//!
//! A paper's score is its closeness to the nearest saved paper (the maximum, so one saved paper
//! on a topic is enough and the "why" names it), less its closeness to the nearest paper the
//! reader marked "not for me": a paper just like an unwanted one sinks whatever else it is
//! close to. Everything is read from the shared [`Similarities`]; a reader costs one pass over
//! their rows, in scratch space reused from one reader to the next.

use super::similarity::Similarities;

/// Saved papers a reading list needs before it orders anything: with one or two, closeness is
/// a coin toss on a handful of words.
pub const MIN_SAVED: usize = 3;
/// Papers recommended beyond the matches when the reader does not say.
pub const DEFAULT_EXTRA: usize = 3;
/// The most a reader may ask for (they share one message with the matches).
pub const MAX_EXTRA: usize = 5;
/// How much of an unwanted paper's closeness is taken off.
pub const UNWANTED_WEIGHT: f32 = 1.0;

/// What one reader brings to their day. Rows index the [`Similarities`]; papers index the day.
#[derive(Debug, Clone, Copy, Default)]
pub struct Reader<'a> {
    /// Their saved papers' rows.
    pub saved: &'a [u32],
    /// The rows of papers they said are not for them.
    pub unwanted: &'a [u32],
    /// The day's papers their terms matched, in the day's order.
    pub matches: &'a [usize],
    /// Sorted: papers one of their excludes vetoes (never recommended).
    pub vetoed: &'a [usize],
    /// Sorted: the day's papers they saved or turned down already (never recommended).
    pub known: &'a [usize],
    /// How many papers to recommend at most.
    pub extra: usize,
}

/// A paper of the day for the reader.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pick {
    pub paper: usize,
    pub score: f32,
    /// The saved paper it is closest to (an index into [`Reader::saved`]), when close enough to
    /// say so.
    pub close_to: Option<usize>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ranked {
    /// Every match, closest first (ties in the day's order).
    pub matches: Vec<Pick>,
    /// Papers no term matched, closest first, each close to a saved paper.
    pub recommended: Vec<Pick>,
}

/// Scratch space for ranking many readers against one day.
#[derive(Debug, Default)]
pub struct Ranker {
    best: Vec<f32>,
    penalty: Vec<f32>,
    matched: Vec<bool>,
}

impl Ranker {
    /// The reader's day (see the module docs). A reading list shorter than [`MIN_SAVED`]
    /// changes nothing: the matches in the day's order, nothing recommended.
    pub fn rank(&mut self, sim: &Similarities, reader: &Reader<'_>) -> Ranked {
        let cols = sim.papers();
        let in_day = |p: &usize| *p < cols;
        if reader.saved.len() < MIN_SAVED || cols == 0 {
            return Ranked {
                matches: reader
                    .matches
                    .iter()
                    .filter(|p| in_day(p))
                    .map(|&paper| Pick {
                        paper,
                        score: 0.0,
                        close_to: None,
                    })
                    .collect(),
                recommended: Vec::new(),
            };
        }
        let floor = sim.backend().floor();
        // Element-wise maxima over the reader's rows: straight loops the compiler vectorises;
        // which saved paper gave the maximum is looked up only for the papers shown.
        self.best.clear();
        self.best.resize(cols, f32::NEG_INFINITY);
        for &row in reader.saved {
            for (b, &s) in self.best.iter_mut().zip(sim.row(row as usize)) {
                *b = b.max(s);
            }
        }
        self.penalty.clear();
        self.penalty.resize(cols, 0.0);
        for &row in reader.unwanted {
            for (p, &s) in self.penalty.iter_mut().zip(sim.row(row as usize)) {
                *p = p.max(s);
            }
        }
        let (best, penalty) = (&self.best, &self.penalty);
        let score = |paper: usize| best[paper] - UNWANTED_WEIGHT * penalty[paper];
        let close_to = |paper: usize| -> Option<usize> {
            if best[paper] < floor {
                return None;
            }
            reader
                .saved
                .iter()
                .position(|&row| sim.row(row as usize)[paper] >= best[paper])
        };
        let mut matches: Vec<Pick> = reader
            .matches
            .iter()
            .filter(|p| in_day(p))
            .map(|&paper| Pick {
                paper,
                score: score(paper),
                close_to: None,
            })
            .collect();
        // Stable: equal scores keep the day's order.
        matches.sort_by(|a, b| b.score.total_cmp(&a.score));
        for m in &mut matches {
            m.close_to = close_to(m.paper);
        }

        let extra = reader.extra.min(MAX_EXTRA);
        let mut recommended: Vec<Pick> = Vec::with_capacity(extra);
        if extra > 0 {
            self.matched.clear();
            self.matched.resize(cols, false);
            for m in &matches {
                self.matched[m.paper] = true;
            }
            for (paper, (&b, &matched)) in best.iter().zip(&self.matched).enumerate() {
                let s = score(paper);
                if s < floor
                    || b < floor
                    || matched
                    || reader.vetoed.binary_search(&paper).is_ok()
                    || reader.known.binary_search(&paper).is_ok()
                {
                    continue;
                }
                // Kept sorted, closest first; a later paper with an equal score stays after.
                let at = recommended.partition_point(|r| r.score >= s);
                if at < extra {
                    if recommended.len() == extra {
                        recommended.pop();
                    }
                    recommended.insert(
                        at,
                        Pick {
                            paper,
                            score: s,
                            close_to: None,
                        },
                    );
                }
            }
            for r in &mut recommended {
                r.close_to = close_to(r.paper);
            }
        }
        Ranked {
            matches,
            recommended,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::document::Document;
    use super::super::lexical::DayIndex;
    use super::*;
    use crate::source::digest::Paper;

    fn paper(title: &str, text: &str, keywords: &[&str]) -> Paper {
        Paper {
            title: title.into(),
            bullets: vec![text.into()],
            ai_keywords: keywords.iter().map(|k| k.to_string()).collect(),
            ..Default::default()
        }
    }

    /// A day of eight papers on four topics, two each.
    fn day() -> Vec<Paper> {
        vec![
            paper(
                "Scaling laws for language model pretraining",
                "How loss falls with compute and data for transformers",
                &["scaling laws", "pretraining"],
            ),
            paper(
                "Video diffusion with temporal attention",
                "Generating coherent video frames by denoising",
                &["video generation", "diffusion"],
            ),
            paper(
                "Robot manipulation from human videos",
                "Imitation learning for dexterous robot hands",
                &["robotics", "imitation learning"],
            ),
            paper(
                "Speculative decoding for faster inference",
                "A draft model proposes tokens the large model verifies",
                &["speculative decoding", "inference"],
            ),
            paper(
                "Image diffusion distillation in one step",
                "Distilling a diffusion sampler into a single denoising step",
                &["diffusion", "distillation"],
            ),
            paper(
                "Grasping unseen objects with tactile sensing",
                "Robot hands that feel what they grasp",
                &["robotics", "tactile"],
            ),
            paper(
                "Retrieval for long context language models",
                "Retrieval augmented generation over long documents",
                &["retrieval", "long context"],
            ),
            paper(
                "A survey of video diffusion",
                "A survey of diffusion for video generation",
                &["survey", "video generation", "diffusion"],
            ),
        ]
    }

    /// A reading list: decoding, video diffusion, robot hands (one paper each).
    fn saved() -> Vec<Paper> {
        vec![
            paper(
                "Medusa: parallel decoding heads",
                "Faster inference by drafting several tokens and verifying them",
                &["speculative decoding", "inference"],
            ),
            paper(
                "Latent video diffusion models",
                "Denoising video frames in a latent space with temporal attention",
                &["video generation", "diffusion"],
            ),
            paper(
                "Dexterous robot hands learn from play",
                "Imitation learning for robot hands from human videos",
                &["robotics", "imitation learning"],
            ),
        ]
    }

    fn matrix(day: &[Paper], known: &[Paper]) -> Similarities {
        let docs: Vec<Document> = day.iter().map(Document::of).collect();
        let index = DayIndex::build(&docs);
        let known: Vec<Document> = known.iter().map(Document::of).collect();
        Similarities::lexical(&index, &known)
    }

    #[test]
    fn matches_come_closest_first_and_say_which_saved_paper_they_are_close_to() {
        let day = day();
        let sim = matrix(&day, &saved());
        let reader = Reader {
            saved: &[0, 1, 2],
            matches: &[0, 1, 2, 3, 6],
            ..Reader::default()
        };
        let ranked = Ranker::default().rank(&sim, &reader);
        let order: Vec<usize> = ranked.matches.iter().map(|p| p.paper).collect();
        // Robot manipulation (2) and video diffusion (1) and speculative decoding (3) are each
        // close to one saved paper; scaling laws (0) and retrieval (6) to none.
        assert_eq!(order.len(), 5);
        let (close, far) = order.split_at(3);
        let mut close = close.to_vec();
        close.sort();
        assert_eq!(close, [1, 2, 3], "{ranked:?}");
        assert!(far.contains(&0) && far.contains(&6), "{ranked:?}");
        let why = |paper| {
            ranked
                .matches
                .iter()
                .find(|p| p.paper == paper)
                .unwrap()
                .close_to
        };
        assert_eq!(why(3), Some(0), "decoding is close to Medusa");
        assert_eq!(
            why(1),
            Some(1),
            "video diffusion is close to latent video diffusion"
        );
        assert_eq!(
            why(2),
            Some(2),
            "robot manipulation is close to robot hands"
        );
        assert_eq!(why(0), None);
        assert!(ranked.recommended.is_empty(), "no extra asked for");
    }

    #[test]
    fn recommendations_are_unmatched_close_papers_never_vetoed_or_known() {
        let day = day();
        let sim = matrix(&day, &saved());
        let ranker = &mut Ranker::default();
        let base = Reader {
            saved: &[0, 1, 2],
            matches: &[3],
            extra: 3,
            ..Reader::default()
        };
        let ranked = ranker.rank(&sim, &base);
        let recs: Vec<usize> = ranked.recommended.iter().map(|p| p.paper).collect();
        // Video diffusion (1), the survey (7), robot papers (2, 5), the distillation paper (4)
        // are candidates; never the match (3), never the unrelated (0, 6).
        assert_eq!(recs.len(), 3, "{ranked:?}");
        for r in &recs {
            assert!([1, 2, 4, 5, 7].contains(r), "{ranked:?}");
        }
        assert!(ranked
            .recommended
            .windows(2)
            .all(|w| w[0].score >= w[1].score));
        assert!(ranked.recommended.iter().all(|p| p.close_to.is_some()));
        // `-survey` vetoes 7, and the reader saved 1 already: neither is offered.
        let ranked = ranker.rank(
            &sim,
            &Reader {
                vetoed: &[7],
                known: &[1],
                extra: 5,
                ..base
            },
        );
        let recs: Vec<usize> = ranked.recommended.iter().map(|p| p.paper).collect();
        assert!(
            !recs.contains(&7) && !recs.contains(&1) && !recs.contains(&3),
            "{recs:?}"
        );
        assert!(!recs.is_empty());
        // None asked for, none given; too short a list orders nothing.
        assert!(ranker
            .rank(&sim, &Reader { extra: 0, ..base })
            .recommended
            .is_empty());
        let short = ranker.rank(
            &sim,
            &Reader {
                saved: &[0, 1],
                matches: &[6, 3],
                extra: 3,
                ..base
            },
        );
        assert_eq!(
            short.matches.iter().map(|p| p.paper).collect::<Vec<_>>(),
            [6, 3]
        );
        assert!(short.recommended.is_empty());
    }

    #[test]
    fn a_paper_marked_not_for_me_lowers_the_papers_like_it() {
        let day = day();
        let mut known = saved();
        // Row 3: the reader turned down an image diffusion distillation paper.
        known.push(paper(
            "Consistency distillation for image diffusion",
            "Distilling a diffusion sampler into few denoising steps",
            &["diffusion", "distillation"],
        ));
        let sim = matrix(&day, &known);
        let ranker = &mut Ranker::default();
        let reader = Reader {
            saved: &[0, 1, 2],
            matches: &[1, 3, 4],
            ..Reader::default()
        };
        let before = ranker.rank(&sim, &reader);
        let after = ranker.rank(
            &sim,
            &Reader {
                unwanted: &[3],
                ..reader
            },
        );
        let at = |r: &Ranked, paper| r.matches.iter().position(|p| p.paper == paper).unwrap();
        assert!(
            at(&after, 4) > at(&before, 4) || at(&before, 4) == 2,
            "{before:?} {after:?}"
        );
        assert_eq!(
            at(&after, 4),
            2,
            "the distillation paper goes last: {after:?}"
        );
        let score = |r: &Ranked, paper| r.matches.iter().find(|p| p.paper == paper).unwrap().score;
        assert!(score(&after, 4) < score(&before, 4) - 0.2);
        // Papers unlike it keep their score.
        assert!((score(&after, 3) - score(&before, 3)).abs() < 0.05);
    }
}
