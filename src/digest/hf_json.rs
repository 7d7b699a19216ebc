//! Parser for the Hugging Face daily-papers API
//! (`GET https://huggingface.co/api/daily_papers?date=YYYY-MM-DD`).
//!
//! The answer is read as loose JSON rather than into strict structs: the API grows fields and
//! drops optional ones without notice, and one odd item must not cost the rest of the day.

use chrono::NaiveDate;
use serde_json::Value;

use super::markdown::{cap_authors, usable_thumbnail};
use super::{Digest, DigestError, Paper, ParseWarning, Parsed};

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

    Ok((
        Paper {
            title,
            url: Some(format!("https://huggingface.co/papers/{id}")),
            arxiv_id: Some(id.to_owned()),
            thumbnail_url,
            votes,
            authors,
            bullets,
        },
        notes,
    ))
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
        let ids: Vec<_> = papers.iter().map(|p| p.arxiv_id.clone().unwrap()).collect();
        assert_eq!(ids[1], "2410.16251");
        assert_eq!(ids[28], "2410.18234");
        assert!(papers
            .iter()
            .all(|p| !p.title.contains('\n') && !p.bullets.is_empty()));
        assert_eq!(papers[26].title, "Pantograph: A Machine-to-Machine Interaction Interface for Advanced Theorem Proving, High Level Reasoning, and Data Extraction in Lean 4");
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
