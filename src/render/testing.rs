//! Test helpers shared by the render modules' unit tests: sample papers, and a checker of every
//! Discord limit on the JSON serenity would send.

use chrono::NaiveDate;
use proptest::prelude::*;
use serde_json::Value;

use super::limits::*;
use super::paper::EMBED_COLOR;
use super::sanitise::chars;
use super::spec::*;
use crate::source::digest::Paper;

pub(super) fn date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 4, 2).unwrap()
}

pub(super) fn paper(title: &str) -> Paper {
    Paper {
        title: title.to_string(),
        url: Some("https://arxiv.org/abs/2404.00399".to_string()),
        arxiv_id: Some("2404.00399".to_string()),
        thumbnail_url: Some(
            "https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2404.00399.png"
                .to_string(),
        ),
        votes: Some(24),
        authors: vec!["Yekun Chai".into(), "+".into(), "Niklas Muennighoff".into()],
        bullets: vec!["본 논문은 Aurora-M을 소개한다.".into()],
        ..Default::default()
    }
}

/// Paper `votes` of a plain day: title as given, one bullet, its arXiv id made of the votes.
pub(crate) fn numbered_paper(title: &str, votes: u32) -> Paper {
    Paper {
        title: title.into(),
        url: Some(format!("https://arxiv.org/abs/2404.{votes:05}")),
        arxiv_id: Some(format!("2404.{votes:05}")),
        thumbnail_url: None,
        votes: Some(votes),
        authors: vec!["A. Author".into()],
        bullets: vec!["A finding.".into()],
        ..Default::default()
    }
}

/// A 2024-04-02 day of `n` papers "Paper i about diffusion" with i votes.
pub(crate) fn diffusion_day(n: usize) -> crate::source::digest::Digest {
    crate::source::digest::Digest {
        date: date(),
        papers: (0..n)
            .map(|i| numbered_paper(&format!("Paper {i} about diffusion"), i as u32))
            .collect(),
    }
}

pub(super) fn embed_of(chars_in_description: usize) -> EmbedSpec {
    EmbedSpec {
        description: "가".repeat(chars_in_description),
        color: Some(EMBED_COLOR),
        ..EmbedSpec::default()
    }
}

/// Korean filler that reads like a real bullet: syllables with spaces every few characters.
pub(super) fn korean(n: usize) -> String {
    let words = [
        "본",
        "논문은",
        "대규모",
        "언어",
        "모델의",
        "추론",
        "능력을",
        "향상시키는",
        "새로운",
        "방법을",
        "제안한다.",
    ];
    let mut s = String::new();
    let mut i = 0;
    while chars(&s) < n {
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(words[i % words.len()]);
        i += 1;
    }
    s.chars().take(n).collect::<String>().trim_end().to_string()
}

pub(super) fn str_field<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

/// Every Discord limit, checked on the JSON serenity would send.
pub(super) fn violations(body: &Value) -> Vec<String> {
    let mut v = Vec::new();
    let count = |s: &str| s.chars().count();
    if count(str_field(body, "content")) > MAX_CONTENT_CHARS {
        v.push("content".to_string());
    }
    let embeds = body["embeds"].as_array().cloned().unwrap_or_default();
    if embeds.len() > MAX_EMBEDS_PER_MESSAGE {
        v.push(format!("{} embeds", embeds.len()));
    }
    let mut total = 0;
    for e in &embeds {
        let title = count(str_field(e, "title"));
        let description = count(str_field(e, "description"));
        let footer = e.get("footer").map_or(0, |f| count(str_field(f, "text")));
        let author = e.get("author").map_or(0, |a| count(str_field(a, "name")));
        if author > MAX_AUTHOR_NAME_CHARS {
            v.push(format!("author {author}"));
        }
        total += author;
        if title > MAX_TITLE_CHARS {
            v.push(format!("title {title}"));
        }
        if description > MAX_DESCRIPTION_CHARS {
            v.push(format!("description {description}"));
        }
        if footer > MAX_FOOTER_CHARS {
            v.push(format!("footer {footer}"));
        }
        total += title + description + footer;
        let fields = e
            .get("fields")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if fields.len() > MAX_FIELDS_PER_EMBED {
            v.push(format!("{} fields", fields.len()));
        }
        for f in &fields {
            let (name, value) = (str_field(f, "name"), str_field(f, "value"));
            if name.trim().is_empty() || count(name) > MAX_FIELD_NAME_CHARS {
                v.push(format!("field name {name:?}"));
            }
            if value.trim().is_empty() || count(value) > MAX_FIELD_VALUE_CHARS {
                v.push(format!("field value of {} chars", count(value)));
            }
            total += count(name) + count(value);
        }
        for url in [e.get("url"), e.get("thumbnail").and_then(|t| t.get("url"))]
            .into_iter()
            .flatten()
        {
            if !url
                .as_str()
                .is_some_and(|u| u.starts_with("http://") || u.starts_with("https://"))
            {
                v.push(format!("url {url}"));
            }
        }
    }
    if total > MAX_EMBED_CHARS_PER_MESSAGE {
        v.push(format!("{total} embed chars"));
    }
    let rows = body["components"].as_array().cloned().unwrap_or_default();
    if rows.len() > 5 {
        v.push(format!("{} action rows", rows.len()));
    }
    for row in &rows {
        for c in row["components"].as_array().into_iter().flatten() {
            if count(str_field(c, "custom_id")) > 100 || str_field(c, "custom_id").is_empty() {
                v.push(format!("custom_id {}", c["custom_id"]));
            }
            let options = c["options"].as_array().cloned().unwrap_or_default();
            if options.is_empty() || options.len() > 25 {
                v.push(format!("{} options", options.len()));
            }
            let mut values = std::collections::HashSet::new();
            for o in &options {
                let (label, value) = (str_field(o, "label"), str_field(o, "value"));
                if label.is_empty() || count(label) > 100 {
                    v.push(format!("option label {label:?}"));
                }
                if value.is_empty() || count(value) > 100 || !values.insert(value.to_string()) {
                    v.push(format!("option value {value:?}"));
                }
                if count(str_field(o, "description")) > 100 {
                    v.push("option description".to_string());
                }
            }
        }
    }
    v
}

pub(super) fn assert_valid(messages: &[MessageSpec]) {
    for m in messages {
        let body = m.to_json(None);
        assert_eq!(violations(&body), Vec::<String>::new());
    }
}

pub(super) fn realistic_day(n: usize) -> Vec<Paper> {
    (0..n)
        .map(|i| Paper {
            title: format!("Paper {i}: {}", korean(60 + (i * 13) % 60)),
            url: Some(format!("https://arxiv.org/abs/2404.{:05}", i)),
            arxiv_id: Some(format!("2404.{:05}", i)),
            thumbnail_url: Some(format!(
                "https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2404.{:05}.png",
                i
            )),
            votes: Some(100 - i as u32),
            authors: (0..(5 + (i * 7) % 25))
                .map(|a| format!("Author Name{a}"))
                .collect(),
            bullets: (0..(5 + i % 4))
                .map(|b| korean(140 + (b * 11) % 25))
                .collect(),
            ..Default::default()
        })
        .collect()
}

/// Roughly up to `max` characters, built from chunks (cheaper than character by character)
/// that mix scripts, emoji, mentions, control characters and odd whitespace.
pub(super) fn arb_text(max: usize) -> impl Strategy<Value = String> {
    let chunk = prop::sample::select(vec![
        "가나다 ",
        "라마바사아",
        "abc def ",
        "Zebra",
        " \n ",
        "@everyone",
        "<@12>",
        "…😀",
        "\u{8}x",
        "+",
    ]);
    prop::collection::vec(chunk, 0..max.div_ceil(5).max(1)).prop_map(|c| c.concat())
}

pub(super) fn arb_paper() -> impl Strategy<Value = Paper> {
    (
        arb_text(400),
        prop::option::of(prop::sample::select(vec![
            "https://arxiv.org/abs/2404.00399",
            "http://x.y/z",
            "ftp://nope",
            "",
        ])),
        prop::option::of(arb_text(40)),
        prop::option::of(0u32..1000),
        prop::collection::vec(arb_text(30), 0..300),
        prop::collection::vec(arb_text(600), 0..12),
    )
        .prop_map(|(title, url, arxiv_id, votes, authors, bullets)| Paper {
            title,
            url: url.map(str::to_string),
            arxiv_id,
            thumbnail_url: None,
            votes,
            authors,
            bullets,
            ..Default::default()
        })
}

pub(super) fn arb_embed() -> impl Strategy<Value = EmbedSpec> {
    (
        arb_text(400),
        arb_text(7000),
        prop::collection::vec((arb_text(300), arb_text(1500), any::<bool>()), 0..30),
        arb_text(2500),
    )
        .prop_map(|(title, description, fields, footer)| EmbedSpec {
            author: Some(title.clone()),
            timestamp: None,
            title,
            url: None,
            description,
            thumbnail: None,
            fields: fields
                .into_iter()
                .map(|(name, value, inline)| FieldSpec {
                    name,
                    value,
                    inline,
                })
                .collect(),
            footer,
            color: Some(1),
        })
}

/// Every real day in `tests/fixtures` (the markdown digests and the Hugging Face answer),
/// parsed as the bot parses them: (file name, papers).
pub(super) fn fixture_days() -> Vec<(String, Vec<Paper>)> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    let mut days = Vec::new();
    for (dir, json) in [("digests", false), ("hf-api", true)] {
        let mut names: Vec<String> = std::fs::read_dir(format!("{root}/{dir}"))
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.ends_with(if json { ".json" } else { ".md" }) && n != "README.md")
            .collect();
        names.sort();
        for name in names {
            let bytes = std::fs::read(format!("{root}/{dir}/{name}")).unwrap();
            let parsed = if json {
                crate::source::hf_json::parse_hf_json(&bytes, date()).unwrap()
            } else {
                crate::source::markdown::parse_markdown(&bytes, None).unwrap()
            };
            days.push((format!("{dir}/{name}"), parsed.digest.papers));
        }
    }
    days
}
