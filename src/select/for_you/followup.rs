//! Follow-ups on saved papers: what Hugging Face links a paper to (its code, its project page,
//! the models and datasets that cite it), what changed since the last look, who has not been
//! told, and when to look again. Pure: the fetch is [`crate::source::hf_paper`], the state
//! [`crate::store`]'s.
//!
//! "Once per change": each kind of link is announced the first time it appears, to the people
//! who saved the paper before it appeared, and never again to them (a repository that moves is
//! not news). What a paper already had when it was first looked at is where it started, not
//! news: the post a person saved it from showed its links.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};

/// Follow-up lines in one DM at most; the rest wait for the next one.
pub const MAX_FOLLOWUPS_PER_DM: usize = 5;

/// What Hugging Face links a paper to, as last seen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Links {
    /// `githubRepo`: an http(s) URL.
    pub code: Option<String>,
    /// `projectPage`: an http(s) URL.
    pub project: Option<String>,
    /// Models that cite the paper, and the first one listed (`org/name`).
    pub models: u32,
    pub model: Option<String>,
    /// Datasets that cite the paper, and the first one listed.
    pub datasets: u32,
    pub dataset: Option<String>,
}

/// A kind of link a paper can gain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Code,
    Project,
    Models,
    Datasets,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Code, Kind::Project, Kind::Models, Kind::Datasets];

    pub fn as_db(self) -> &'static str {
        match self {
            Kind::Code => "code",
            Kind::Project => "project",
            Kind::Models => "models",
            Kind::Datasets => "datasets",
        }
    }

    pub fn from_db(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_db() == s)
    }

    /// Whether `links` has this kind.
    pub fn present(self, links: &Links) -> bool {
        match self {
            Kind::Code => links.code.is_some(),
            Kind::Project => links.project.is_some(),
            Kind::Models => links.models > 0,
            Kind::Datasets => links.datasets > 0,
        }
    }
}

/// The kinds `now` has and `before` did not. The first look (`before` is `None`) finds none:
/// it is where the paper starts.
pub fn appeared(before: Option<&Links>, now: &Links) -> Vec<Kind> {
    let Some(before) = before else {
        return Vec::new();
    };
    Kind::ALL
        .into_iter()
        .filter(|k| k.present(now) && !k.present(before))
        .collect()
}

/// How long until a paper is looked at again: daily while it is new (code and models mostly
/// come in the first weeks after a paper appears on arXiv), weekly in its first year, monthly
/// after. The age is read from the arXiv id (`YYMM.NNNNN`); an id that says nothing is new.
pub fn next_check(arxiv_id: &str, today: NaiveDate) -> Duration {
    let age = arxiv_month(arxiv_id).map(|m| today.signed_duration_since(m).num_days());
    match age {
        Some(days) if days > 365 => Duration::days(30),
        Some(days) if days > 90 => Duration::days(7),
        _ => Duration::days(1),
    }
}

/// The first day of the month an arXiv id (`2404.00399`) was assigned in.
fn arxiv_month(arxiv_id: &str) -> Option<NaiveDate> {
    let (yymm, _) = arxiv_id.split_once('.')?;
    if yymm.len() != 4 || !yymm.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year = 2000 + yymm[..2].parse::<i32>().ok()?;
    let month = yymm[2..].parse::<u32>().ok()?;
    NaiveDate::from_ymd_opt(year, month, 1).filter(|d| d.year() >= 2007)
}

/// A saved paper's news for one person: the kinds that appeared after they saved it (`seen`:
/// each kind with when it first appeared) that they were not told of yet, in [`Kind::ALL`]'s
/// order. `told`: the kinds they were told of in another message (a delivery being planned
/// again re-tells what it told, so a retry says the same).
pub fn news(saved_at: DateTime<Utc>, seen: &[(Kind, DateTime<Utc>)], told: &[Kind]) -> Vec<Kind> {
    Kind::ALL
        .into_iter()
        .filter(|k| seen.iter().any(|(s, at)| s == k && *at > saved_at) && !told.contains(k))
        .collect()
}

/// One thing to tell one person about a paper they saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUp {
    pub arxiv_id: String,
    /// The title they saved it under.
    pub title: String,
    pub kind: Kind,
    /// What the paper is linked to now (the line names the repository, page, model or dataset).
    pub links: Links,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn only_what_appeared_since_the_last_look_is_news() {
        let none = Links::default();
        let code = Links {
            code: Some("https://github.com/a/b".into()),
            ..Links::default()
        };
        assert_eq!(appeared(None, &code), [], "the first look is the baseline");
        assert_eq!(appeared(Some(&none), &code), [Kind::Code]);
        assert_eq!(appeared(Some(&code), &code), []);
        let more = Links {
            code: Some("https://github.com/a/moved".into()),
            project: Some("https://a.github.io".into()),
            models: 2,
            model: Some("a/m".into()),
            datasets: 1,
            dataset: Some("a/d".into()),
        };
        assert_eq!(
            appeared(Some(&code), &more),
            [Kind::Project, Kind::Models, Kind::Datasets],
            "a moved repository is not news"
        );
        // Something that goes away and comes back is not news again to whoever was told.
        assert_eq!(appeared(Some(&more), &none), []);
        for k in Kind::ALL {
            assert_eq!(Kind::from_db(k.as_db()), Some(k));
        }
        assert_eq!(Kind::from_db("spaces"), None);
    }

    #[test]
    fn new_papers_are_looked_at_daily_old_ones_less() {
        let today = NaiveDate::from_ymd_opt(2024, 6, 1).unwrap();
        assert_eq!(next_check("2405.00001", today), Duration::days(1));
        assert_eq!(next_check("2402.12345", today), Duration::days(7));
        assert_eq!(next_check("2212.00001", today), Duration::days(30));
        assert_eq!(next_check("not-an-id", today), Duration::days(1));
        assert_eq!(next_check("2413.00001", today), Duration::days(1));
    }

    #[test]
    fn news_is_what_appeared_after_saving_and_was_not_told() {
        let saved = at("2024-04-02T12:00:00Z");
        let seen = [
            (Kind::Code, at("2024-04-05T00:00:00Z")),
            (Kind::Project, at("2024-04-01T00:00:00Z")),
            (Kind::Models, at("2024-04-06T00:00:00Z")),
        ];
        assert_eq!(news(saved, &seen, &[]), [Kind::Code, Kind::Models]);
        assert_eq!(news(saved, &seen, &[Kind::Code]), [Kind::Models]);
        assert_eq!(news(at("2024-05-01T00:00:00Z"), &seen, &[]), []);
    }
}
