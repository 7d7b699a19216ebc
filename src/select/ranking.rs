//! The best papers of a period: several days' digests merged, each paper once, ranked by its
//! votes. Pure: the weekly post and `/papers top` both rank here, from days the caller fetched
//! (refreshed, so the votes are the settled ones).
//!
//! Why each paper once: the same paper can be listed on two days (a markdown digest and Hugging
//! Face's list disagree on the day, or a paper is resubmitted); it counts once, with the copy
//! from its newest day, whose votes are the most recent.

use chrono::{Duration, NaiveDate};

use crate::select::filter::Filter;
use crate::source::digest::{Digest, Paper};

/// A day's papers in the order an index lists them: most votes first, a paper without votes
/// last, ties in the digest's order.
pub fn rank_by_votes<T>(items: &mut [T], votes: impl Fn(&T) -> Option<u32>) {
    items.sort_by_key(|i| std::cmp::Reverse(votes(i).map(|v| i64::from(v) + 1).unwrap_or(0)));
}

/// How far back a ranking looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// The seven days before the day of asking.
    Week,
    /// The thirty days before the day of asking.
    Month,
}

impl Period {
    pub fn days(self) -> i64 {
        match self {
            Period::Week => 7,
            Period::Month => 30,
        }
    }

    /// The dates ranked when asked on `today` (UTC): the period's days before `today`, oldest
    /// first. `today` itself is left out: its list is still growing and its votes are young.
    pub fn dates(self, today: NaiveDate) -> Vec<NaiveDate> {
        (1..=self.days())
            .rev()
            .map(|back| today - Duration::days(back))
            .collect()
    }
}

/// One paper of a ranking, with its day and the filter terms that matched it.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked<'a> {
    pub date: NaiveDate,
    pub paper: &'a Paper,
    pub matched: Vec<String>,
}

/// Identity of a paper across days: its arXiv id, else its title (case and spacing ignored).
fn identity(paper: &Paper) -> String {
    match paper.arxiv_id.as_deref() {
        Some(id) => format!("id:{}", id.to_ascii_lowercase()),
        None => format!(
            "title:{}",
            paper
                .title
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase()
        ),
    }
}

/// A day as posted (`archived`: its summaries, order and fields) with the votes of a fresh copy
/// of Hugging Face's list for the same date, matched by arXiv id (no version, any case): votes
/// keep changing for days, and a ranking must use the settled ones. A paper the fresh list does
/// not have keeps its votes; a paper only the fresh list has is added at the end (a day the
/// archive lacks, or a list that grew after the digest was made).
pub fn refresh_votes(archived: &Digest, fresh: &Digest) -> Digest {
    let key = |p: &Paper| {
        p.arxiv_id
            .as_deref()
            .map(|id| id.split('v').next().unwrap_or(id).to_ascii_lowercase())
    };
    let fresh_votes: std::collections::HashMap<String, Option<u32>> = fresh
        .papers
        .iter()
        .filter_map(|p| Some((key(p)?, p.votes)))
        .collect();
    let mut out = archived.clone();
    let mut known = std::collections::HashSet::new();
    for paper in &mut out.papers {
        if let Some(k) = key(paper) {
            if let Some(Some(votes)) = fresh_votes.get(&k) {
                paper.votes = Some(*votes);
            }
            known.insert(k);
        }
    }
    out.papers.extend(
        fresh
            .papers
            .iter()
            .filter(|p| key(p).is_some_and(|k| !known.contains(&k)))
            .cloned(),
    );
    out
}

/// The `n` best papers of `days` that `filter` lets through: by votes (most first; a paper
/// without a count last), ties by the newer day, then the digest's own order. The filter's own
/// `top_n` (the daily post's cap) is not applied: a ranking has its own `n`; its `min_votes` is.
pub fn top_papers<'a>(days: &'a [Digest], filter: &Filter, n: usize) -> Vec<Ranked<'a>> {
    let mut filter = filter.clone();
    filter.top_n = None;
    let compiled = filter.compile();
    let mut newest: std::collections::HashMap<String, (NaiveDate, usize)> =
        std::collections::HashMap::new();
    for day in days {
        for (position, paper) in day.papers.iter().enumerate() {
            let entry = newest
                .entry(identity(paper))
                .or_insert((day.date, position));
            if day.date >= entry.0 {
                *entry = (day.date, position);
            }
        }
    }
    let mut ranked: Vec<(Ranked<'a>, usize)> = Vec::new();
    for day in days {
        for selected in compiled.apply(&day.papers) {
            let position = day
                .papers
                .iter()
                .position(|p| std::ptr::eq(p, selected.paper))
                .unwrap_or(usize::MAX);
            if newest.get(&identity(selected.paper)) != Some(&(day.date, position)) {
                continue;
            }
            ranked.push((
                Ranked {
                    date: day.date,
                    paper: selected.paper,
                    matched: selected.matched,
                },
                position,
            ));
        }
    }
    ranked.sort_by(|(a, pa), (b, pb)| {
        let votes = |r: &Ranked| r.paper.votes.map_or(-1, i64::from);
        votes(b)
            .cmp(&votes(a))
            .then(b.date.cmp(&a.date))
            .then(pa.cmp(pb))
    });
    ranked.truncate(n);
    ranked.into_iter().map(|(r, _)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn paper(id: &str, title: &str, votes: Option<u32>) -> Paper {
        Paper {
            title: title.into(),
            arxiv_id: (!id.is_empty()).then(|| id.to_string()),
            votes,
            ..Default::default()
        }
    }

    #[test]
    fn votes_rank_a_day_and_ties_keep_their_order() {
        let mut v = vec![(1, Some(3)), (2, None), (3, Some(9)), (4, Some(3))];
        rank_by_votes(&mut v, |x| x.1);
        assert_eq!(v.iter().map(|x| x.0).collect::<Vec<_>>(), [3, 1, 4, 2]);
    }

    #[test]
    fn fresh_votes_replace_the_posted_ones_and_nothing_else() {
        let posted = Digest {
            date: d("2024-04-08"),
            papers: vec![
                Paper {
                    bullets: vec!["요약".into()],
                    ..paper("2404.00001", "Posted one", Some(5))
                },
                paper("2404.00002", "Posted two", Some(7)),
                paper("", "No id", Some(3)),
            ],
        };
        let fresh = Digest {
            date: d("2024-04-08"),
            papers: vec![
                paper("2404.00001v2", "Fresh title", Some(150)),
                paper("2404.00009", "Grew later", Some(40)),
            ],
        };
        let merged = refresh_votes(&posted, &fresh);
        let got: Vec<(&str, Option<u32>)> = merged
            .papers
            .iter()
            .map(|p| (p.title.as_str(), p.votes))
            .collect();
        assert_eq!(
            got,
            [
                ("Posted one", Some(150)),
                ("Posted two", Some(7)),
                ("No id", Some(3)),
                ("Grew later", Some(40)),
            ]
        );
        assert_eq!(merged.papers[0].bullets, ["요약"]);
    }

    #[test]
    fn a_week_is_the_seven_days_before_today() {
        let dates = Period::Week.dates(d("2024-04-13"));
        assert_eq!(dates.first(), Some(&d("2024-04-06")));
        assert_eq!(dates.last(), Some(&d("2024-04-12")));
        assert_eq!(dates.len(), 7);
        assert_eq!(Period::Month.dates(d("2024-04-13")).len(), 30);
    }

    #[test]
    fn ranked_by_votes_each_paper_once_from_its_newest_day() {
        let days = vec![
            Digest {
                date: d("2024-04-08"),
                papers: vec![
                    paper("2404.00001", "Diffusion one", Some(50)),
                    paper("2404.00002", "LLM two", Some(90)),
                    paper("", "No id diffusion", None),
                ],
            },
            Digest {
                date: d("2024-04-09"),
                papers: vec![
                    // Listed again a day later with fresher votes: counted once, from here.
                    paper("2404.00001", "Diffusion one", Some(120)),
                    paper("2404.00003", "Diffusion three", Some(90)),
                    paper("2404.00004", "Survey of diffusion", Some(500)),
                ],
            },
        ];
        let all = top_papers(&days, &Filter::default(), 10);
        let order: Vec<(&str, Option<u32>)> = all
            .iter()
            .map(|r| (r.paper.title.as_str(), r.paper.votes))
            .collect();
        assert_eq!(
            order,
            [
                ("Survey of diffusion", Some(500)),
                ("Diffusion one", Some(120)),
                // A tie goes to the newer day.
                ("Diffusion three", Some(90)),
                ("LLM two", Some(90)),
                ("No id diffusion", None),
            ]
        );
        assert_eq!(all[1].date, d("2024-04-09"));

        // The channel's filters apply; its daily cap does not, the ranking's own does.
        let filter = Filter {
            include: vec!["diffusion".into()],
            exclude: vec!["survey".into()],
            top_n: Some(1),
            ..Filter::default()
        };
        let top = top_papers(&days, &filter, 2);
        let titles: Vec<&str> = top.iter().map(|r| r.paper.title.as_str()).collect();
        assert_eq!(titles, ["Diffusion one", "Diffusion three"]);
        assert_eq!(top[0].matched, ["diffusion"]);
        let min = Filter {
            min_votes: Some(100),
            ..Filter::default()
        };
        assert_eq!(top_papers(&days, &min, 10).len(), 2);
        assert!(top_papers(&[], &Filter::default(), 10).is_empty());
    }
}
