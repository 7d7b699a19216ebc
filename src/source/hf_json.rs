//! Parser for the Hugging Face daily-papers API
//! (`GET https://huggingface.co/api/daily_papers?date=YYYY-MM-DD`).
//!
//! The answer is read as loose JSON rather than into strict structs: the API grows fields and
//! drops optional ones without notice, and one odd item must not cost the rest of the day.

use chrono::NaiveDate;
use serde_json::Value;

use super::markdown::{cap_authors, usable_thumbnail};
use crate::source::digest::{Digest, DigestError, Organization, Paper, ParseWarning, Parsed};

/// Stars beyond this are not a real repository's (the most-starred one has under 500,000): the
/// count is dropped, with a warning, rather than shown.
pub const MAX_GITHUB_STARS: u64 = 10_000_000;
/// Comments beyond this are not a real discussion's.
pub const MAX_COMMENTS: u64 = 1_000_000;
/// Longest URL kept for a paper's code or project page; a longer one is dropped, not cut (a cut
/// URL leads nowhere).
pub const MAX_LINK_CHARS: usize = 300;
/// A Hugging Face account name (user or organisation) is at most this long.
const MAX_HANDLE_CHARS: usize = 96;
/// An organisation's display name is cut to this.
const MAX_FULLNAME_CHARS: usize = 80;
/// AI keywords kept per paper, and their length.
const MAX_AI_KEYWORDS: usize = 20;
const MAX_AI_KEYWORD_CHARS: usize = 60;

/// How many abstract sentences stand in for the missing AI summary: enough to say what the paper
/// does, short enough for an embed.
const ABSTRACT_SENTENCES: usize = 3;
/// A "sentence" longer than this is cut: some abstracts have no full stop for a whole paragraph.
const MAX_SENTENCE_CHARS: usize = 600;

/// Parses the API answer for `date`, keeping the API's order (it is already ranked by votes).
pub fn parse_hf_json(input: &[u8], date: NaiveDate) -> Result<Parsed, DigestError> {
    let input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    let value: Value = serde_json::from_slice(input)
        .map_err(|e| DigestError::Malformed(format!("not valid JSON: {e}")))?;
    let Value::Array(items) = value else {
        return Err(DigestError::Malformed(format!(
            "expected a JSON array of papers, found {}",
            kind(&value)
        )));
    };
    parse_hf_items(&items, date)
}

/// [`parse_hf_json`] on the items of an answer already decoded (the pages of a day joined).
pub fn parse_hf_items(items: &[Value], date: NaiveDate) -> Result<Parsed, DigestError> {
    let mut papers = Vec::with_capacity(items.len());
    let mut warnings = Vec::new();
    for (index, item) in items.iter().enumerate() {
        match read_item(item) {
            Ok((paper, notes)) => {
                warnings.extend(notes.into_iter().map(|note| ParseWarning {
                    line: 0,
                    message: format!("item {}: {note}", index + 1),
                }));
                papers.push(paper);
            }
            Err(reason) => {
                warnings.push(ParseWarning {
                    line: 0,
                    message: format!("item {} skipped: {reason}", index + 1),
                });
            }
        }
    }
    if papers.is_empty() && !items.is_empty() {
        return Err(DigestError::Malformed(format!(
            "none of the {} items could be read",
            items.len()
        )));
    }
    Ok(Parsed {
        digest: Digest { date, papers },
        warnings,
    })
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn text(value: &Value, key: &str) -> Option<String> {
    let s = value.get(key)?.as_str()?;
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    (!s.is_empty()).then_some(s)
}

/// One API item: the paper plus notes about what had to be repaired.
fn read_item(item: &Value) -> Result<(Paper, Vec<String>), String> {
    if !item.is_object() {
        return Err(format!("expected an object, found {}", kind(item)));
    }
    // Items wrap the paper in `paper`; the sibling `/api/papers` endpoint returns it bare.
    let paper = match item.get("paper") {
        Some(p) if p.is_object() => p,
        _ => item,
    };
    let id = paper
        .get("id")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .ok_or("no `paper.id`")?;
    if id
        .chars()
        .any(|c| c.is_whitespace() || c == '/' || c == '?' || c == '#')
    {
        return Err(format!("`paper.id` {id:?} is not a paper id"));
    }
    let title = text(paper, "title")
        .or_else(|| text(item, "title"))
        .ok_or("no title")?;
    let mut notes = Vec::new();

    let votes = paper
        .get("upvotes")
        .or_else(|| item.get("upvotes"))
        .and_then(Value::as_u64)
        .map(|v| u32::try_from(v).unwrap_or(u32::MAX));

    let names: Vec<String> = paper
        .get("authors")
        .and_then(Value::as_array)
        .map(|authors| {
            authors
                .iter()
                .filter_map(|a| match a {
                    Value::String(s) => Some(s.clone()),
                    other => other.get("name")?.as_str().map(str::to_owned),
                })
                .collect()
        })
        .unwrap_or_default();
    let (authors, note) = cap_authors(names);
    notes.extend(note);

    let bullets = match text(paper, "ai_summary") {
        Some(summary) => vec![summary],
        None => text(paper, "summary")
            .map(|s| first_sentences(&s, ABSTRACT_SENTENCES))
            .unwrap_or_default(),
    };

    let thumbnail_url = item
        .get("thumbnail")
        .and_then(Value::as_str)
        .and_then(usable_thumbnail)
        .or_else(|| {
            Some(format!(
                "https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/{id}.png"
            ))
        });

    let mut note = |what: String| notes.push(format!("paper {id}: {what}"));
    let github_repo = link(paper, item, "githubRepo", &mut note);
    let project_page = link(paper, item, "projectPage", &mut note);
    let github_stars = count(paper, item, "githubStars", MAX_GITHUB_STARS, &mut note);
    let num_comments = count(item, paper, "numComments", MAX_COMMENTS, &mut note);
    let organization = organization(item.get("organization"), &mut note);
    let submitted_by = item
        .get("submittedBy")
        .and_then(|s| s.get("name"))
        .and_then(Value::as_str)
        .and_then(|name| handle(name, "submittedBy.name", &mut note));
    let ai_keywords = ai_keywords(paper.get("ai_keywords"), &mut note);

    Ok((
        Paper {
            title,
            url: Some(format!("https://huggingface.co/papers/{id}")),
            arxiv_id: Some(id.to_owned()),
            thumbnail_url,
            votes,
            authors,
            bullets,
            github_repo,
            github_stars,
            project_page,
            organization,
            ai_keywords,
            num_comments,
            submitted_by,
            abstract_: text(paper, "summary"),
            // Its bullets are Hugging Face's own summary already.
            hf_summary: Vec::new(),
        },
        notes,
    ))
}

/// An http(s) URL under `key` of `first` (or `second`: some answers carry the GitHub fields on
/// the item rather than the paper). Anything else is dropped with a note; a missing, null or
/// empty value is simply absent.
pub(crate) fn link(
    first: &Value,
    second: &Value,
    key: &str,
    note: &mut impl FnMut(String),
) -> Option<String> {
    let value = first
        .get(key)
        .filter(|v| !v.is_null())
        .or_else(|| second.get(key))?;
    let Some(raw) = value.as_str() else {
        if !value.is_null() {
            note(format!("`{key}` dropped: {} is not a URL", kind(value)));
        }
        return None;
    };
    let url = raw.trim();
    if url.is_empty() {
        return None;
    }
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    let http = lower.starts_with("http://") || lower.starts_with("https://");
    let host_ok = url
        .split_once("://")
        .map(|(_, rest)| rest.split(['/', '?', '#']).next().unwrap_or(""))
        .is_some_and(|host| {
            !host.is_empty()
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-:".contains(c))
        });
    let clean = !url.chars().any(|c| c.is_whitespace() || c.is_control());
    if !(http && host_ok && clean) {
        note(format!(
            "`{key}` dropped: {:?} is not an http(s) URL",
            cut(url, 80)
        ));
        return None;
    }
    if url.chars().count() > MAX_LINK_CHARS {
        note(format!(
            "`{key}` dropped: longer than {MAX_LINK_CHARS} characters"
        ));
        return None;
    }
    Some(url.to_owned())
}

/// A count under `key` of `first` (or `second`) as a whole number up to `max`; a negative,
/// fractional, non-numeric or absurd value is dropped with a note.
fn count(
    first: &Value,
    second: &Value,
    key: &str,
    max: u64,
    note: &mut impl FnMut(String),
) -> Option<u32> {
    let value = first
        .get(key)
        .filter(|v| !v.is_null())
        .or_else(|| second.get(key))?;
    match value.as_u64() {
        Some(n) if n <= max => Some(n as u32),
        Some(n) => {
            note(format!("`{key}` dropped: {n} is not plausible"));
            None
        }
        None if value.is_null() => None,
        None => {
            note(format!("`{key}` dropped: {value} is not a count"));
            None
        }
    }
}

/// A Hugging Face account name: letters, digits, `-`, `_`, `.`; anything else (Markdown, a
/// mention, spaces) is dropped with a note.
fn handle(raw: &str, what: &str, note: &mut impl FnMut(String)) -> Option<String> {
    let name = raw.trim();
    if name.is_empty() {
        return None;
    }
    let ok = name.chars().count() <= MAX_HANDLE_CHARS
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    if !ok {
        note(format!(
            "`{what}` dropped: {:?} is not an account name",
            cut(name, 80)
        ));
        return None;
    }
    Some(name.to_owned())
}

/// `organization: {name, fullname}`: the name must be an account name (else the organisation
/// is dropped); the display name is put on one line, control characters dropped, and cut.
fn organization(value: Option<&Value>, note: &mut impl FnMut(String)) -> Option<Organization> {
    let value = value.filter(|v| !v.is_null())?;
    let Some(name) = value.get("name").and_then(Value::as_str) else {
        note(format!(
            "`organization` dropped: no name in {}",
            kind(value)
        ));
        return None;
    };
    let name = handle(name, "organization.name", note)?;
    let fullname = value
        .get("fullname")
        .and_then(Value::as_str)
        .map(|f| {
            f.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .chars()
                .filter(|c| !c.is_control())
                .collect::<String>()
        })
        .filter(|f| !f.is_empty())
        .map(|f| {
            if f.chars().count() > MAX_FULLNAME_CHARS {
                note(format!(
                    "`organization.fullname` cut to {MAX_FULLNAME_CHARS} characters"
                ));
                cut(&f, MAX_FULLNAME_CHARS)
            } else {
                f
            }
        });
    Some(Organization { name, fullname })
}

/// `paper.ai_keywords`: strings, whitespace collapsed, blank and repeated ones left out, at most
/// [`MAX_AI_KEYWORDS`] of at most [`MAX_AI_KEYWORD_CHARS`] characters.
fn ai_keywords(value: Option<&Value>, note: &mut impl FnMut(String)) -> Vec<String> {
    let Some(list) = value.and_then(Value::as_array) else {
        if let Some(v) = value.filter(|v| !v.is_null()) {
            note(format!("`ai_keywords` dropped: {} is not a list", kind(v)));
        }
        return Vec::new();
    };
    let mut out: Vec<String> = Vec::new();
    for k in list.iter().filter_map(Value::as_str) {
        let k: String = k
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .filter(|c| !c.is_control())
            .collect();
        if k.is_empty() || out.iter().any(|o| o.eq_ignore_ascii_case(&k)) {
            continue;
        }
        if out.len() == MAX_AI_KEYWORDS {
            note(format!(
                "`ai_keywords` cut to {MAX_AI_KEYWORDS} of {}",
                list.len()
            ));
            break;
        }
        out.push(cut(&k, MAX_AI_KEYWORD_CHARS));
    }
    out
}

fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut c: String = s.chars().take(max - 1).collect();
        c.push('…');
        c
    }
}

/// The first `n` sentences of an abstract, one bullet each. A sentence ends at `.`, `!` or `?`
/// followed by a space and a capital, digit or opening mark, unless the full stop belongs to an
/// abbreviation (`e.g.`, `et al.`, an initial), so `1.5` and `e.g. 2` do not split.
/// Whether the word right before a full stop (the end of `before`) is an abbreviation.
fn abbreviation(before: &str) -> bool {
    let word = before.rsplit(char::is_whitespace).next().unwrap_or("");
    let word = word.trim_start_matches(['(', '[', '"', '\'']);
    let lower = word.to_lowercase();
    word.contains('.')
        || (word.chars().count() == 1 && word.chars().all(char::is_uppercase))
        || [
            "al", "vs", "cf", "fig", "figs", "eq", "eqs", "sec", "no", "approx",
        ]
        .contains(&lower.as_str())
}

fn first_sentences(text: &str, n: usize) -> Vec<String> {
    let mut sentences = Vec::new();
    let mut start = 0;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for (k, &(i, c)) in chars.iter().enumerate() {
        if sentences.len() == n {
            break;
        }
        if !matches!(c, '.' | '!' | '?') {
            continue;
        }
        let next_is_space = chars.get(k + 1).is_some_and(|(_, c)| *c == ' ');
        let starts_sentence = chars
            .get(k + 2)
            .is_some_and(|(_, c)| c.is_uppercase() || c.is_ascii_digit() || "([\"'".contains(*c));
        if next_is_space && starts_sentence && !(c == '.' && abbreviation(&text[start..i])) {
            sentences.push(text[start..i + c.len_utf8()].trim().to_owned());
            start = i + c.len_utf8();
        }
    }
    if sentences.len() < n {
        let rest = text[start..].trim();
        if !rest.is_empty() {
            sentences.push(rest.to_owned());
        }
    }
    sentences
        .into_iter()
        .filter(|s| !s.is_empty())
        .map(|s| {
            if s.chars().count() > MAX_SENTENCE_CHARS {
                let mut cut: String = s.chars().take(MAX_SENTENCE_CHARS).collect();
                cut.push('…');
                cut
            } else {
                s
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const FIXTURE: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/hf-api/2024-10-25.json"
    );

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 10, 25).unwrap()
    }

    #[test]
    fn fixture_yields_all_29_papers_in_api_order() {
        let parsed = parse_hf_json(&std::fs::read(FIXTURE).unwrap(), day()).unwrap();
        assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
        let papers = &parsed.digest.papers;
        assert_eq!(parsed.digest.date, day());
        assert_eq!(papers.len(), 29);
        let first = &papers[0];
        assert_eq!(
            first.title,
            "Breaking the Memory Barrier: Near Infinite Batch Size Scaling for Contrastive Loss"
        );
        assert_eq!(
            first.url.as_deref(),
            Some("https://huggingface.co/papers/2410.17243")
        );
        assert_eq!(first.arxiv_id.as_deref(), Some("2410.17243"));
        assert_eq!(
            first.thumbnail_url.as_deref(),
            Some("https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2410.17243.png")
        );
        assert_eq!(first.votes, Some(64));
        assert_eq!(first.authors.len(), 9);
        assert_eq!(first.authors[0], "Zesen Cheng");
        assert_eq!(first.authors[8], "Lidong Bing");
        // No AI summary in this answer: the abstract's first sentences stand in.
        assert_eq!(first.bullets.len(), 3);
        assert!(first.bullets[0].starts_with("Contrastive loss is a powerful approach"));
        assert!(first.bullets[0].ends_with("dissimilar data."));
        assert!(first.bullets[1].starts_with("However, scaling batch sizes"));
        // The whole abstract is kept, one line, for the summaries.
        let abstract_ = first.abstract_.as_deref().unwrap();
        assert!(abstract_.starts_with(
            "Contrastive loss is a powerful approach for representation learning, where larger"
        ));
        assert!(!abstract_.contains('\n') && abstract_.len() > first.bullets.concat().len());
        let ids: Vec<_> = papers.iter().map(|p| p.arxiv_id.clone().unwrap()).collect();
        assert_eq!(ids[1], "2410.16251");
        assert_eq!(ids[28], "2410.18234");
        assert!(papers
            .iter()
            .all(|p| !p.title.contains('\n') && !p.bullets.is_empty()));
        assert_eq!(papers[26].title, "Pantograph: A Machine-to-Machine Interaction Interface for Advanced Theorem Proving, High Level Reasoning, and Data Extraction in Lean 4");
    }

    #[test]
    fn the_real_answer_gives_comments_and_submitter_and_nothing_it_lacks() {
        let shared = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/hf-api/2024-10-25.json"
        );
        let bytes = std::fs::read(shared).unwrap_or_else(|_| std::fs::read(FIXTURE).unwrap());
        let parsed = parse_hf_json(&bytes, day()).unwrap();
        assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
        let papers = &parsed.digest.papers;
        assert_eq!(papers[0].num_comments, Some(3));
        assert_eq!(papers[0].submitted_by.as_deref(), Some("ClownRat"));
        assert_eq!(papers[6].num_comments, Some(5));
        assert_eq!(papers[28].submitted_by.as_deref(), Some("mamaj92"));
        // This answer predates the GitHub, project, organisation and keyword fields.
        for p in papers {
            assert!(p.submitted_by.is_some() && p.num_comments.is_some());
            assert_eq!(
                (
                    &p.github_repo,
                    p.github_stars,
                    &p.project_page,
                    &p.organization
                ),
                (&None, None, &None, &None)
            );
            assert!(p.ai_keywords.is_empty());
        }
    }

    #[test]
    fn newer_fields_are_read_where_the_api_puts_them() {
        let json = br#"[{"paper": {"id": "2501.00001", "title": "T",
            "githubRepo": "https://github.com/huggingface/smolagents", "githubStars": 1234,
            "projectPage": "https://smolagents.org/", "ai_keywords": ["agents", " code  agents ", "", "Agents", 7]},
            "numComments": 4, "submittedBy": {"name": "akhaliq", "fullname": "AK"},
            "organization": {"name": "huggingface", "fullname": "Hugging Face", "avatar": "x"}},
            {"paper": {"id": "2501.00002", "title": "U"}, "githubRepo": "http://gitlab.com/a/b",
             "githubStars": 0, "organization": {"name": "solo"}}]"#;
        let parsed = parse_hf_json(json, day()).unwrap();
        assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
        let p = &parsed.digest.papers[0];
        assert_eq!(
            p.github_repo.as_deref(),
            Some("https://github.com/huggingface/smolagents")
        );
        assert_eq!(p.github_stars, Some(1234));
        assert_eq!(p.project_page.as_deref(), Some("https://smolagents.org/"));
        assert_eq!(p.ai_keywords, ["agents", "code agents"]);
        assert_eq!(p.num_comments, Some(4));
        assert_eq!(p.submitted_by.as_deref(), Some("akhaliq"));
        let org = p.organization.as_ref().unwrap();
        assert_eq!(
            (org.name.as_str(), org.shown()),
            ("huggingface", "Hugging Face")
        );
        let q = &parsed.digest.papers[1];
        assert_eq!(q.github_repo.as_deref(), Some("http://gitlab.com/a/b"));
        assert_eq!(q.github_stars, Some(0));
        assert_eq!(q.organization.as_ref().unwrap().shown(), "solo");
    }

    #[test]
    fn hostile_values_are_dropped_or_cut_with_a_warning_naming_the_paper() {
        let json = br#"[{"paper": {"id": "2501.00009", "title": "Evil",
            "githubRepo": "javascript:alert(1)", "githubStars": 99999999999,
            "projectPage": "https://x.test/a b", "ai_keywords": "not a list"},
            "numComments": -3, "submittedBy": {"name": "@everyone"},
            "organization": {"name": "[click](https://evil.test)", "fullname": "x"}},
            {"paper": {"id": "2501.00010", "title": "Odd", "githubRepo": "ftp://host/x",
            "githubStars": 2.5, "projectPage": 42},
            "organization": {"name": "ok-org", "fullname": "<@123> **bold**\nnext line that is very long indeed, going on and on and on past eighty characters"}},
            {"paper": {"id": "2501.00011", "title": "Long", "githubRepo": "https://github.com/a/b?x=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA&y=BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB",
            "githubStars": null, "projectPage": "https://ex](ample.test/"}}]"#;
        let parsed = parse_hf_json(json, day()).unwrap();
        assert_eq!(parsed.digest.papers.len(), 3, "no paper is lost");
        let evil = &parsed.digest.papers[0];
        assert_eq!(evil.github_repo, None);
        assert_eq!(evil.github_stars, None);
        assert_eq!(evil.project_page, None);
        assert_eq!(evil.num_comments, None);
        assert_eq!(evil.submitted_by, None);
        assert_eq!(evil.organization, None);
        assert!(evil.ai_keywords.is_empty());
        let odd = &parsed.digest.papers[1];
        assert_eq!(
            (&odd.github_repo, odd.github_stars, &odd.project_page),
            (&None, None, &None)
        );
        let org = odd.organization.as_ref().unwrap();
        assert_eq!(org.name, "ok-org");
        assert!(org.shown().chars().count() <= MAX_FULLNAME_CHARS);
        assert!(!org.shown().contains('\n'));
        let long = &parsed.digest.papers[2];
        assert_eq!((&long.github_repo, &long.project_page), (&None, &None));
        let warned = |id: &str| {
            parsed
                .warnings
                .iter()
                .filter(|w| w.message.contains(&format!("paper {id}:")))
                .count()
        };
        assert_eq!(warned("2501.00009"), 7, "{:?}", parsed.warnings);
        assert_eq!(warned("2501.00010"), 4, "{:?}", parsed.warnings);
        assert_eq!(warned("2501.00011"), 2, "{:?}", parsed.warnings);
    }

    #[test]
    fn ai_summary_wins_over_the_abstract() {
        let json = br#"[{"paper": {"id": "2501.00001", "title": "T", "summary": "Long. Abstract.",
            "ai_summary": "  Short\nsummary. ", "ai_keywords": ["a", "b"], "authors": [],
            "upvotes": 3}}]"#;
        let parsed = parse_hf_json(json, day()).unwrap();
        assert_eq!(parsed.digest.papers[0].bullets, ["Short summary."]);
    }

    #[test]
    fn unreadable_items_are_skipped_and_reported() {
        let json = br#"[
            {"paper": {"id": "2501.00001", "title": "Good"}},
            {"paper": {"title": "No id"}},
            42,
            {"paper": {"id": "2501.00003", "title": "  "}},
            {"paper": {"id": "bad id/../x", "title": "Slashes"}},
            {"id": "2501.00005", "title": "Bare paper", "upvotes": 1, "authors": ["A", {"name": "B"}, {"x": 1}]},
            {"paper": {"id": "2501.00006", "title": "Odd types", "upvotes": "many", "authors": "nobody", "summary": 7}, "thumbnail": "/relative.png"},
            {"paper": {"id": "2501.00007", "title": "Huge votes", "upvotes": 99999999999}}
        ]"#;
        let parsed = parse_hf_json(json, day()).unwrap();
        let titles: Vec<_> = parsed
            .digest
            .papers
            .iter()
            .map(|p| p.title.as_str())
            .collect();
        assert_eq!(titles, ["Good", "Bare paper", "Odd types", "Huge votes"]);
        let skipped: Vec<_> = parsed
            .warnings
            .iter()
            .map(|w| w.message.split(' ').take(2).collect::<Vec<_>>().join(" "))
            .collect();
        assert_eq!(skipped, ["item 2", "item 3", "item 4", "item 5"]);
        let good = &parsed.digest.papers[0];
        assert_eq!(
            (good.votes, good.authors.len(), good.bullets.len()),
            (None, 0, 0)
        );
        assert_eq!(parsed.digest.papers[1].authors, ["A", "B"]);
        let odd = &parsed.digest.papers[2];
        assert_eq!(odd.votes, None);
        assert_eq!(
            odd.thumbnail_url.as_deref(),
            Some("https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2501.00006.png")
        );
        assert_eq!(parsed.digest.papers[3].votes, Some(u32::MAX));
    }

    #[test]
    fn non_arrays_and_broken_json_are_malformed() {
        for input in [
            &b""[..],
            b"{}",
            b"null",
            b"\"[]\"",
            b"[{\"paper\":",
            b"<html>",
            b"[1, 2]",
        ] {
            assert!(
                matches!(parse_hf_json(input, day()), Err(DigestError::Malformed(_))),
                "{}",
                String::from_utf8_lossy(input)
            );
        }
        let empty = parse_hf_json(b" [ ] ", day()).unwrap();
        assert!(empty.digest.papers.is_empty());
    }

    #[test]
    fn abstracts_split_into_sentences_sensibly() {
        assert_eq!(
            first_sentences("We use e.g. 1.5 bits. It works! Does it? Yes. More.", 3),
            ["We use e.g. 1.5 bits.", "It works!", "Does it?"]
        );
        assert_eq!(
            first_sentences("No full stop at all", 3),
            ["No full stop at all"]
        );
        assert_eq!(first_sentences("", 3), Vec::<String>::new());
        let long = "word ".repeat(1000);
        let cut = first_sentences(&long, 3);
        assert_eq!(cut[0].chars().count(), MAX_SENTENCE_CHARS + 1);
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
            let _ = parse_hf_json(&bytes, day());
        }

        #[test]
        fn random_summaries_never_panic(summary in "\\PC{0,300}") {
            let sentences = first_sentences(&summary, 3);
            prop_assert!(sentences.len() <= 3);
        }
    }
}
