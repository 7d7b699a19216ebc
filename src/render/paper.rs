//! One paper as one embed: title and link, a line of links (arXiv · PDF · Hugging Face · Code ·
//! Project, and the organisation), votes, matched terms, authors, the summary bullets, trimmed
//! to a character budget.
//!
//! Why it exists: a channel post and a person's alert show a paper the same way; only the
//! budget differs (a sixth of a message for a digest, a tenth or more for an alert). The summary
//! gives way first, then the author list ("… +N more"); title, footer and fields are kept.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;

use super::dates::date_text;
use super::limits::{
    MAX_DESCRIPTION_CHARS, MAX_EMBED_CHARS_PER_MESSAGE, MAX_FIELD_VALUE_CHARS, MAX_FOOTER_CHARS,
    MAX_TITLE_CHARS,
};
use super::sanitise::{
    chars, escape_markdown, is_http_url, is_image_url, one_line, truncate_chars, ELLIPSIS,
};
use super::spec::{EmbedSpec, FieldSpec};
use crate::language::Language;
use crate::source::digest::Paper;
use crate::t;

/// The longest URL put into the link line; a longer one is left out (a cut URL leads nowhere).
pub(super) const MAX_LINK_URL_CHARS: usize = 300;
/// The organisation's name is cut to this in the link line.
const MAX_ORG_CHARS: usize = 60;
const LINK_SEPARATOR: &str = " · ";

/// A digest message always holds at least this many papers (see the module docs).
pub const MIN_PAPERS_PER_MESSAGE: usize = 6;
/// What [`paper_embed`] trims one paper to: a sixth of a message.
pub const PAPER_EMBED_BUDGET: usize = MAX_EMBED_CHARS_PER_MESSAGE / MIN_PAPERS_PER_MESSAGE;
/// Hugging Face yellow.
pub const EMBED_COLOR: u32 = 0xFFD21E;

/// Bullets a model wrote for a paper, shown instead of the digest's. The labels are
/// paperboy's own words; the texts are the model's, untrusted: each is put on one line with
/// mentions defused and Markdown escaped, so it can neither ping, format, nor add a link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MachineBullets {
    /// (label, text) in the order shown.
    pub lines: Vec<(String, String)>,
    /// Added to the embed's footer: that the bullets are machine-written, and by which model.
    pub note: String,
}

/// The machine-written bullets of a day's papers in one language, by arXiv id.
pub type Overlay = HashMap<String, Arc<MachineBullets>>;

/// A paper as one embed, trimmed to [`PAPER_EMBED_BUDGET`] so that any six fit a message; its
/// chrome in the default language.
pub fn paper_embed(paper: &Paper, matched: &[String], date: NaiveDate) -> EmbedSpec {
    paper_embed_within(paper, matched, date, PAPER_EMBED_BUDGET)
}

/// [`paper_embed`] with an explicit character budget (capped at 6,000). The budget is met
/// whenever it is at least [`PAPER_EMBED_BUDGET`]; below that, title, footer and fields are kept
/// and only the description and author list give way.
pub fn paper_embed_within(
    paper: &Paper,
    matched: &[String],
    date: NaiveDate,
    budget: usize,
) -> EmbedSpec {
    paper_embed_noted(paper, matched, date, budget, None, &Language::english())
}

/// [`paper_embed_within`] with a note at the end of the footer (when the votes were counted),
/// its chrome (field names, footer, link labels) in `lang`.
pub fn paper_embed_noted(
    paper: &Paper,
    matched: &[String],
    date: NaiveDate,
    budget: usize,
    note: Option<&str>,
    lang: &Language,
) -> EmbedSpec {
    paper_embed_written(paper, matched, date, budget, note, None, lang)
}

/// [`paper_embed_noted`] showing `machine`'s bullets instead of the digest's, when given.
pub fn paper_embed_written(
    paper: &Paper,
    matched: &[String],
    date: NaiveDate,
    budget: usize,
    note: Option<&str>,
    machine: Option<&MachineBullets>,
    lang: &Language,
) -> EmbedSpec {
    let budget = budget.min(MAX_EMBED_CHARS_PER_MESSAGE);

    let mut title = one_line(&paper.title);
    if title.is_empty() {
        title = t!(lang, "paper-untitled");
    }
    let arxiv_id = paper
        .arxiv_id
        .as_deref()
        .map(|id| truncate_chars(&one_line(id), 32))
        .filter(|id| !id.is_empty());
    let url = paper
        .url
        .clone()
        .filter(|u| is_http_url(u))
        .or_else(|| {
            arxiv_id
                .as_ref()
                .map(|id| format!("https://arxiv.org/abs/{id}"))
        })
        .filter(|u| is_http_url(u));
    let thumbnail = paper
        .thumbnail_url
        .clone()
        .filter(|u| is_http_url(u) && is_image_url(u));
    let mut footer = t!(lang, "paper-footer", date = date_text(date, lang));
    if let Some(id) = &arxiv_id {
        footer.push_str(&format!(" · arXiv:{id}"));
    }
    if let (Some(note), Some(_)) = (note, paper.votes) {
        footer.push_str(" · ");
        footer.push_str(&one_line(note));
    }
    if let Some(m) = machine {
        footer.push_str(" · ");
        footer.push_str(&one_line(&m.note));
    }

    let mut fields = Vec::new();
    if let Some(votes) = paper.votes {
        fields.push(FieldSpec {
            name: t!(lang, "paper-votes"),
            value: votes.to_string(),
            inline: true,
        });
    }
    let matched: Vec<String> = matched
        .iter()
        .map(|k| one_line(k))
        .filter(|k| !k.is_empty())
        .collect();
    if !matched.is_empty() {
        let cap = (budget / 8).clamp(40, MAX_FIELD_VALUE_CHARS);
        fields.push(FieldSpec {
            name: t!(lang, "paper-matched"),
            value: truncate_chars(&matched.join(", "), cap),
            inline: true,
        });
    }
    let authors_cap = (budget / 6).clamp(60, MAX_FIELD_VALUE_CHARS);
    let authors = format_authors(&paper.authors, authors_cap, lang);
    if !authors.is_empty() {
        fields.push(FieldSpec {
            name: t!(lang, "paper-authors"),
            value: authors,
            inline: false,
        });
    }

    let mut embed = EmbedSpec {
        title: truncate_chars(&title, MAX_TITLE_CHARS),
        url,
        description: String::new(),
        thumbnail,
        fields,
        footer: truncate_chars(&footer, MAX_FOOTER_CHARS),
        color: Some(EMBED_COLOR),
    };
    let room = budget
        .saturating_sub(embed.char_count())
        .min(MAX_DESCRIPTION_CHARS);
    // The links come first and are never cut (a cut masked link is broken Markdown): those
    // that do not fit are left out, and the summary gets what remains.
    let links = link_line(paper, room, lang);
    let room = if links.is_empty() {
        room
    } else {
        room.saturating_sub(chars(&links) + 1)
    };
    let bullets: Vec<String> = match machine {
        Some(m) => m
            .lines
            .iter()
            .map(|(label, text)| (one_line(label), escape_markdown(&one_line(text))))
            .filter(|(_, text)| !text.is_empty())
            .map(|(label, text)| format!("• **{label}**: {text}"))
            .collect(),
        None => paper
            .bullets
            .iter()
            .map(|b| one_line(b))
            .filter(|b| !b.is_empty())
            .map(|b| format!("• {b}"))
            .collect(),
    };
    let summary = bullet_lines_within(&bullets, room);
    embed.description = match (links.is_empty(), summary.is_empty()) {
        (true, _) => summary,
        (false, true) => links,
        (false, false) => format!("{links}\n{summary}"),
    };
    embed.fit_limits()
}

/// One line of masked links for a paper, within `room` characters: `[arXiv](…) · [PDF](…) ·
/// [Hugging Face](…) (💬 N) · [Code](…) (★ N) · [Project](…) · 🏢 Organisation`, each part only
/// when it exists. Every URL is http(s), at most [`MAX_LINK_URL_CHARS`], and escaped so it
/// cannot end its link early; the organisation's name is one line, Markdown escaped and mentions
/// defused. Parts that do not fit `room` are left out whole, later ones first in importance.
pub fn link_line(paper: &Paper, room: usize, lang: &Language) -> String {
    let mut parts: Vec<String> = Vec::new();
    let label = |key: &str| t!(lang, key);
    if let Some(id) = paper.arxiv_id.as_deref().filter(|id| is_arxiv_id(id)) {
        parts.push(format!(
            "[{}](https://arxiv.org/abs/{id})",
            label("link-arxiv")
        ));
        parts.push(format!(
            "[{}](https://arxiv.org/pdf/{id})",
            label("link-pdf")
        ));
        let mut hf = format!(
            "[{}](https://huggingface.co/papers/{id})",
            label("link-hugging-face")
        );
        if let Some(n) = paper.num_comments.filter(|n| *n > 0) {
            hf.push_str(&format!(" (💬 {})", compact(n)));
        }
        parts.push(hf);
    }
    if let Some(url) = paper.github_repo.as_deref().and_then(link_url) {
        let mut code = format!("[{}]({url})", label("link-code"));
        if let Some(n) = paper.github_stars {
            code.push_str(&format!(" (★ {})", compact(n)));
        }
        parts.push(code);
    }
    if let Some(url) = paper.project_page.as_deref().and_then(link_url) {
        parts.push(format!("[{}]({url})", label("link-project")));
    }
    if let Some(org) = &paper.organization {
        let name = truncate_chars(&one_line(org.shown()), MAX_ORG_CHARS);
        if !name.is_empty() {
            parts.push(format!("🏢 {}", escape_markdown(&name)));
        }
    }
    let mut line = String::new();
    let mut used = 0;
    for part in parts {
        let sep = if line.is_empty() {
            0
        } else {
            chars(LINK_SEPARATOR)
        };
        let len = chars(&part);
        if used + sep + len > room {
            continue;
        }
        if sep > 0 {
            line.push_str(LINK_SEPARATOR);
        }
        line.push_str(&part);
        used += sep + len;
    }
    line
}

/// An arXiv identifier of the current scheme (`2404.00399`, `2404.00399v2`): the only ids put
/// into arXiv and Hugging Face URLs.
fn is_arxiv_id(id: &str) -> bool {
    let (id, version) = match id.split_once('v') {
        Some((id, v)) => (id, Some(v)),
        None => (id, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let Some((a, b)) = id.split_once('.') else {
        return false;
    };
    a.len() == 4
        && digits(a)
        && (4..=5).contains(&b.len())
        && digits(b)
        && version.is_none_or(digits)
}

/// A URL fit for a masked link: http(s), short enough, and with the characters that would end
/// the link or the Markdown around it (`( ) [ ] < > \` and quotes, backticks, `|`) percent-encoded.
pub(super) fn link_url(url: &str) -> Option<String> {
    if !is_http_url(url) || chars(url) > MAX_LINK_URL_CHARS {
        return None;
    }
    let mut out = String::with_capacity(url.len());
    for c in url.chars() {
        match c {
            '(' | ')' | '[' | ']' | '<' | '>' | '\\' | '"' | '\'' | '`' | '|' | '*' | '~' => {
                out.push_str(&format!("%{:02X}", c as u32));
            }
            c => out.push(c),
        }
    }
    (chars(&out) <= MAX_LINK_URL_CHARS * 3).then_some(out)
}

/// A count as readers take it in at a glance: `950`, `1.2k`, `15k`, `2.3M`.
fn compact(n: u32) -> String {
    match n {
        0..=999 => n.to_string(),
        1_000..=9_999 => format!("{:.1}k", f64::from(n) / 1_000.0).replace(".0k", "k"),
        10_000..=999_999 => format!("{}k", n / 1_000),
        _ => format!("{:.1}M", f64::from(n) / 1_000_000.0).replace(".0M", "M"),
    }
}

/// Shortest bullet stub worth showing after a cut; anything shorter reads as noise ("• 이 연구…"),
/// so the description ends in a "…" line instead.
pub(super) const MIN_CUT_BULLET_CHARS: usize = 60;

/// Whole bullet lines while they fit `room`, then the next one cut if a useful part of it fits,
/// or a lone "…" line to show that more was left out.
pub(super) fn bullet_lines_within(lines: &[String], room: usize) -> String {
    let mut out = String::new();
    let mut used = 0;
    for line in lines {
        let sep = usize::from(!out.is_empty());
        let len = chars(line);
        if used + sep + len <= room {
            if sep == 1 {
                out.push('\n');
            }
            out.push_str(line);
            used += sep + len;
            continue;
        }
        let left = room.saturating_sub(used + sep);
        if out.is_empty() || left >= MIN_CUT_BULLET_CHARS {
            if sep == 1 {
                out.push('\n');
            }
            out.push_str(&truncate_chars(line, left));
        } else if left >= 1 {
            out.push('\n');
            out.push(ELLIPSIS);
        } else {
            // No room for a separate "…" line: mark the cut on the last line instead.
            out = truncate_chars(&out, used - 1);
        }
        break;
    }
    out
}
/// Authors joined by ", ", an elided run (`"+"`) shown as "…", and shortened to `cap`
/// characters as "A, B, … +N more" (in `lang`) where N counts the names left out.
pub(super) fn format_authors(authors: &[String], cap: usize, lang: &Language) -> String {
    let more = |n: usize| t!(lang, "paper-more-authors", count = n);
    let entries: Vec<String> = authors
        .iter()
        .map(|a| one_line(a))
        .filter(|a| !a.is_empty())
        .map(|a| if a == "+" { ELLIPSIS.to_string() } else { a })
        .collect();
    let is_name = |e: &String| e.chars().ne(std::iter::once(ELLIPSIS));
    let full = entries.join(", ");
    if chars(&full) <= cap {
        return full;
    }
    let total_names = entries.iter().filter(|e| is_name(e)).count();
    // Longest prefix that leaves room for its "… +N more" suffix.
    let mut best = format!("{ELLIPSIS} {}", more(total_names));
    let mut prefix_chars = 0;
    let mut shown_names = 0;
    for (i, entry) in entries.iter().enumerate() {
        prefix_chars += chars(entry) + if i > 0 { 2 } else { 0 };
        if is_name(entry) {
            shown_names += 1;
        } else {
            continue; // never end the shown part on an elision marker
        }
        let suffix = match total_names - shown_names {
            0 => format!(", {ELLIPSIS}"),
            rest => format!(", {ELLIPSIS} {}", more(rest)),
        };
        if prefix_chars + chars(&suffix) > cap {
            break;
        }
        best = format!("{}{suffix}", entries[..=i].join(", "));
    }
    truncate_chars(&best, cap)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::pack;
    use crate::render::sanitise::defuse_mentions;
    use crate::render::testing::*;
    use crate::render::{MessageSpec, MAX_DESCRIPTION_CHARS, MAX_FIELD_VALUE_CHARS};
    use proptest::prelude::*;

    #[test]
    fn korean_title_of_300_chars_is_cut_to_256_with_ellipsis() {
        let e = paper_embed(&paper(&"가".repeat(300)), &[], date());
        assert_eq!(e.title.chars().count(), MAX_TITLE_CHARS);
        assert!(e.title.ends_with('…'));
        let spaced = paper_embed(&paper(&korean(300)), &[], date());
        assert!(spaced.title.chars().count() <= MAX_TITLE_CHARS);
        assert!(spaced.title.ends_with('…'));
        assert!(!spaced.title.ends_with(" …"));
    }

    #[test]
    fn description_of_5000_korean_chars_fits_its_limit_and_the_budget() {
        let mut p = paper("T");
        p.bullets = vec!["가".repeat(5000)];
        let e = paper_embed(&p, &[], date());
        assert!(e.description.ends_with('…'));
        assert!(e.char_count() <= PAPER_EMBED_BUDGET);
        let big = paper_embed_within(&p, &[], date(), MAX_EMBED_CHARS_PER_MESSAGE);
        assert_eq!(big.description.chars().count(), MAX_DESCRIPTION_CHARS);
        assert!(big.description.ends_with('…'));
        let (links, summary) = big.description.split_once('\n').unwrap();
        assert!(links.starts_with("[arXiv]("), "{links}");
        assert!(summary.starts_with("• 가가"));
    }

    #[test]
    fn a_10k_author_list_is_cut_with_a_count_of_the_rest() {
        let mut p = paper("T");
        p.authors = (0..700).map(|i| format!("Author Number{i}")).collect();
        p.authors.insert(3, "+".into());
        let full = paper_embed_within(&p, &[], date(), MAX_EMBED_CHARS_PER_MESSAGE);
        let authors = &full
            .fields
            .iter()
            .find(|f| f.name == "Authors")
            .unwrap()
            .value;
        assert!(authors.chars().count() <= MAX_FIELD_VALUE_CHARS);
        assert!(authors
            .starts_with("Author Number0, Author Number1, Author Number2, …, Author Number3"));
        let shown = authors.matches("Author Number").count();
        assert!(
            authors.ends_with(&format!(", … +{} more", 700 - shown)),
            "{authors}"
        );

        let compact = paper_embed(&p, &[], date());
        let authors = &compact
            .fields
            .iter()
            .find(|f| f.name == "Authors")
            .unwrap()
            .value;
        assert!(authors.chars().count() <= PAPER_EMBED_BUDGET / 6);
        assert!(authors.ends_with(" more"));
    }

    #[test]
    fn author_elision_marker_is_shown_as_ellipsis() {
        let e = paper_embed(&paper("T"), &[], date());
        let authors = &e.fields.iter().find(|f| f.name == "Authors").unwrap().value;
        assert_eq!(authors, "Yekun Chai, …, Niklas Muennighoff");
    }

    #[test]
    fn an_overlong_single_author_still_fits() {
        let out = format_authors(&["x".repeat(5000), "B".into()], 100, &Language::english());
        assert!(out.chars().count() <= 100);
        assert_eq!(out, "… +2 more");
    }

    #[test]
    fn paper_embed_has_votes_matched_authors_footer_and_links() {
        let e = paper_embed(
            &paper("Aurora-M"),
            &["LLM".into(), "  ".into(), "확산".into()],
            date(),
        );
        assert_eq!(e.title, "Aurora-M");
        assert_eq!(e.url.as_deref(), Some("https://arxiv.org/abs/2404.00399"));
        assert!(e.thumbnail.as_deref().unwrap().ends_with(".png"));
        assert_eq!(
            e.description,
            "[arXiv](https://arxiv.org/abs/2404.00399) · [PDF](https://arxiv.org/pdf/2404.00399) · \
             [Hugging Face](https://huggingface.co/papers/2404.00399)\n• 본 논문은 Aurora-M을 소개한다."
        );
        assert_eq!(e.footer, "Daily Papers · 2024-04-02 · arXiv:2404.00399");
        assert_eq!(e.color, Some(EMBED_COLOR));
        let names: Vec<(&str, &str, bool)> = e
            .fields
            .iter()
            .map(|f| (f.name.as_str(), f.value.as_str(), f.inline))
            .collect();
        assert_eq!(
            names,
            [
                ("👍 Votes", "24", true),
                ("🔎 Matched", "LLM, 확산", true),
                ("Authors", "Yekun Chai, …, Niklas Muennighoff", false),
            ]
        );
    }

    #[test]
    fn missing_parts_are_left_out() {
        let p = Paper {
            title: "Bare".into(),
            url: None,
            arxiv_id: None,
            thumbnail_url: None,
            votes: None,
            authors: vec![],
            bullets: vec![],
            ..Default::default()
        };
        let e = paper_embed(&p, &[], date());
        assert_eq!(e.fields, vec![]);
        assert_eq!(e.description, "");
        assert_eq!(e.url, None);
        assert_eq!(e.footer, "Daily Papers · 2024-04-02");
        let json = MessageSpec {
            content: None,
            embeds: vec![e],
            menu: None,
        }
        .to_json(None);
        let embed = &json["embeds"][0];
        assert!(embed.get("description").is_none());
        assert!(embed.get("url").is_none());
        assert!(embed.get("fields").is_none());
    }

    #[test]
    fn non_http_links_are_dropped_and_arxiv_id_fills_a_missing_url() {
        let mut p = paper("T");
        p.url = Some("javascript:alert(1)".into());
        p.thumbnail_url = Some("/avatars/e4f630616a16a7fc691b5275bb62f2aa.svg".into());
        let e = paper_embed(&p, &[], date());
        assert_eq!(e.url.as_deref(), Some("https://arxiv.org/abs/2404.00399"));
        assert_eq!(e.thumbnail, None);
        p.arxiv_id = None;
        p.thumbnail_url = Some("https://example.com/demo.MP4".into());
        let e = paper_embed(&p, &[], date());
        assert_eq!(e.url, None);
        assert_eq!(e.thumbnail, None);
        p.thumbnail_url = Some("ftp://example.com/a.png".into());
        assert_eq!(paper_embed(&p, &[], date()).thumbnail, None);
    }

    #[test]
    fn everyone_and_here_cannot_ping_even_in_text() {
        let mut p = paper("Hello @everyone");
        p.bullets = vec!["ping @here and @Everyone and <@123> and <@&456>".into()];
        p.authors = vec!["@here".into()];
        let e = paper_embed(&p, &["@everyone".into()], date());
        let text = serde_json::to_string(&e).unwrap();
        for needle in ["@everyone", "@here", "@Everyone", "<@1", "<@&"] {
            assert!(!text.contains(needle), "{needle} left in {text}");
        }
        assert_eq!(e.title, "Hello @\u{200B}everyone");
        assert!(e.description.contains("<@\u{200B}123>"));
        // Plain addresses are left alone.
        assert_eq!(defuse_mentions("a@b.c"), "a@b.c");
    }

    #[test]
    fn control_characters_are_dropped() {
        let mut p = paper("A\u{8}B\tC");
        p.bullets = vec!["x\u{8}y\u{0}z\nnext".into()];
        let e = paper_embed(&p, &[], date());
        assert_eq!(e.title, "AB C");
        assert_eq!(e.description.lines().last(), Some("• xyz next"));
    }

    #[test]
    fn a_cut_description_ends_in_a_useful_stub_or_an_ellipsis_line() {
        let lines: Vec<String> = [
            "• ".to_string() + &"가".repeat(98),
            "• ".to_string() + &"나".repeat(98),
        ]
        .to_vec();
        // Room for the first line and a useful part of the second.
        let d = bullet_lines_within(&lines, 100 + 1 + 70);
        assert!(d.starts_with(&lines[0]));
        assert!(d.ends_with('…'));
        assert_eq!(d.chars().count(), 171);
        // Only a few characters left: no stub, a "…" line.
        let d = bullet_lines_within(&lines, 100 + 1 + 20);
        assert_eq!(d, format!("{}\n…", lines[0]));
        // Not even that: the last line carries the mark.
        let d = bullet_lines_within(&lines, 101);
        assert!(d.chars().count() <= 101 && d.ends_with('…'), "{d}");
        // A first line longer than the room is cut rather than dropped.
        let d = bullet_lines_within(&lines, 30);
        assert_eq!(d.chars().count(), 30);
        assert!(d.starts_with("• 가") && d.ends_with('…'));
        assert_eq!(bullet_lines_within(&lines, 0), "");
        assert_eq!(bullet_lines_within(&lines, 1000), lines.join("\n"));
    }

    fn rich(title: &str) -> Paper {
        Paper {
            github_repo: Some("https://github.com/huggingface/smolagents".into()),
            github_stars: Some(15_300),
            project_page: Some("https://smolagents.org/".into()),
            organization: Some(crate::source::digest::Organization {
                name: "huggingface".into(),
                fullname: Some("Hugging Face".into()),
            }),
            num_comments: Some(4),
            ..paper(title)
        }
    }

    #[test]
    fn the_link_line_shows_every_link_that_exists_and_the_organisation() {
        let e = paper_embed(&rich("Smol"), &[], date());
        assert_eq!(
            e.description.lines().next().unwrap(),
            "[arXiv](https://arxiv.org/abs/2404.00399) · [PDF](https://arxiv.org/pdf/2404.00399) · \
             [Hugging Face](https://huggingface.co/papers/2404.00399) (💬 4) · \
             [Code](https://github.com/huggingface/smolagents) (★ 15k) · \
             [Project](https://smolagents.org/) · 🏢 Hugging Face"
        );
        // Only what exists: a repository without stars, no arXiv id, no comments.
        let mut p = rich("Smol");
        p.arxiv_id = None;
        p.github_stars = None;
        p.project_page = None;
        p.organization = None;
        assert_eq!(
            link_line(&p, 1000, &Language::english()),
            "[Code](https://github.com/huggingface/smolagents)"
        );
        p.github_repo = None;
        assert_eq!(link_line(&p, 1000, &Language::english()), "");
        let e = paper_embed(&p, &[], date());
        assert_eq!(e.description, "• 본 논문은 Aurora-M을 소개한다.");
        assert_eq!(compact(999), "999");
        assert_eq!(compact(1_000), "1k");
        assert_eq!(compact(1_234), "1.2k");
        assert_eq!(compact(999_999), "999k");
        assert_eq!(compact(u32::MAX), "4295M");
    }

    #[test]
    fn hostile_link_values_never_break_the_line() {
        let mut p = rich("Evil");
        p.github_repo = Some("javascript:alert(1)".into());
        p.project_page = Some("https://x.test/a)[b](https://evil.test)<@1>`|".into());
        p.arxiv_id = Some("2404.00399) [x](https://evil.test".into());
        p.github_stars = Some(u32::MAX);
        p.organization = Some(crate::source::digest::Organization {
            name: "x".into(),
            fullname: Some("[click](https://evil.test) **@everyone** <@123>".into()),
        });
        let line = link_line(&p, 1000, &Language::english());
        assert!(!line.contains("javascript"), "{line}");
        assert!(
            !line.contains("arxiv.org"),
            "a malformed id gives no arXiv link: {line}"
        );
        assert_eq!(
            line,
            "[Project](https://x.test/a%29%5Bb%5D%28https://evil.test%29%3C@1%3E%60%7C) · \
             🏢 \\[click\\]\\(https://evil.test\\) \\*\\*@\u{200B}everyone\\*\\* <@\u{200B}123\\>"
        );
        // Overlong URLs are left out whole.
        p.project_page = Some(format!("https://x.test/{}", "a".repeat(400)));
        assert!(!link_line(&p, 1000, &Language::english()).contains("Project"));
        // Without room, parts are left out whole, never cut.
        let p = rich("Tight");
        let full = link_line(&p, 1000, &Language::english());
        for room in 0..chars(&full) {
            let line = link_line(&p, room, &Language::english());
            assert!(chars(&line) <= room);
            assert_eq!(
                line.matches('[').count(),
                line.matches("](").count(),
                "{line}"
            );
        }
    }

    /// URLs as the parser might let through, and worse.
    fn arb_url() -> impl Strategy<Value = Option<String>> {
        prop::option::of(prop_oneof![
            Just("https://github.com/a/b".to_string()),
            Just("javascript:alert(1)".to_string()),
            Just("http://x.y/(a)[b]<c>`d`|e\\f".to_string()),
            Just(format!("https://x.y/{}", "z".repeat(2100))),
            "https://[a-z()\\[\\]<>`|*_~ ]{0,40}",
            arb_text(60),
        ])
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn packed_papers_respect_every_limit_in_order_exactly_once(
            papers in prop::collection::vec(arb_paper(), 0..40),
            matched in prop::collection::vec(arb_text(50), 0..4),
        ) {
            let embeds: Vec<EmbedSpec> =
                papers.iter().map(|p| paper_embed(p, &matched, date())).collect();
            for e in &embeds {
                prop_assert!(e.char_count() <= PAPER_EMBED_BUDGET);
            }
            let messages = pack(embeds.clone());
            for m in &messages {
                prop_assert!(!m.embeds.is_empty());
                prop_assert_eq!(violations(&m.to_json(Some("n"))), Vec::<String>::new());
            }
            prop_assert!(messages.len() <= embeds.len().div_ceil(MIN_PAPERS_PER_MESSAGE));
            let flat: Vec<EmbedSpec> = messages.into_iter().flat_map(|m| m.embeds).collect();
            prop_assert_eq!(flat, embeds);
        }

        #[test]
        fn hostile_hugging_face_fields_keep_every_limit_and_every_link_http(
            mut paper in arb_paper(),
            repo in arb_url(),
            page in arb_url(),
            stars in prop::option::of(any::<u32>()),
            comments in prop::option::of(any::<u32>()),
            fullname in prop::option::of(arb_text(200)),
            id in prop::option::of(prop_oneof![
                Just("2404.00399".to_string()),
                Just("2404.00399v12".to_string()),
                arb_text(20),
            ]),
            budget in 0usize..7000,
        ) {
            paper.github_repo = repo;
            paper.project_page = page;
            paper.github_stars = stars;
            paper.num_comments = comments;
            paper.arxiv_id = id;
            paper.organization = fullname.map(|f| crate::source::digest::Organization {
                name: "org".into(),
                fullname: Some(f),
            });
            let e = paper_embed_within(&paper, &[], date(), budget);
            if budget >= PAPER_EMBED_BUDGET {
                prop_assert!(e.char_count() <= budget.min(MAX_EMBED_CHARS_PER_MESSAGE));
            }
            let json = MessageSpec { content: None, embeds: vec![e.clone()], menu: None }.to_json(None);
            prop_assert_eq!(violations(&json), Vec::<String>::new());
            let line = link_line(&paper, budget, &Language::english());
            prop_assert!(chars(&line) <= budget);
            // Every link target is http(s) and ends where its link ends.
            for target in line.split("](").skip(1) {
                prop_assert!(target.starts_with("http://") || target.starts_with("https://"));
                let end = target.find(')').unwrap();
                let url = &target[..end];
                prop_assert!(!url.contains(['(', '[', ']', '<', '>', ' ', '`']), "{}", url);
                prop_assert!(chars(url) <= MAX_LINK_URL_CHARS * 3);
            }
            prop_assert!(!line.contains("javascript:"));
        }

        #[test]
        fn real_days_with_hostile_fields_pack_within_every_limit(
            repo in arb_url(),
            fullname in arb_text(200),
        ) {
            for (_, mut papers) in fixture_days() {
                for p in &mut papers {
                    p.github_repo = repo.clone();
                    p.project_page = repo.clone();
                    p.github_stars = Some(u32::MAX);
                    p.num_comments = Some(u32::MAX);
                    p.organization = Some(crate::source::digest::Organization {
                        name: "o".into(),
                        fullname: Some(fullname.clone()),
                    });
                }
                let budget = crate::render::digest_embed_budget(papers.len());
                let embeds: Vec<EmbedSpec> = papers
                    .iter()
                    .map(|p| paper_embed_within(p, &[], date(), budget))
                    .collect();
                for e in &embeds {
                    prop_assert!(e.char_count() <= budget);
                }
                for m in pack(embeds) {
                    prop_assert_eq!(violations(&m.to_json(None)), Vec::<String>::new());
                }
            }
        }
    }
}
