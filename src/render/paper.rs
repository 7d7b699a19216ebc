//! One paper as one card (an embed): the organisation above the title, the title as the
//! paper's one arXiv link, one row of its numbers and links, its bullets, and a footer with
//! its first authors, under the time its votes were counted.
//!
//! # What a card shows
//! ```text
//! DeepSeek                                        ← author line: the organisation
//! Native Sparse Attention: Hardware-Aligned …     ← title, linked to arXiv
//! 👍 71 · 💬 4 · ★ 241 · PDF · Hugging Face · Code · Project
//! • What's new: …
//! • Results: …                                    ← bullets: new, results, method, note
//! • How it works: …
//! 🔎 llm · Zhenda Xie, Lean Wang, Yuqing Wang et al. · 🤖 gpt-4o-mini   • 19/02/2025 10:00
//! ```
//! The chrome (everything but the title, the organisation above it and the bullets) is two
//! rows at a desktop client's width ([`super::screen`]): the stats row is fitted to one row
//! (a shorter Hugging Face label, then fewer numbers and links, when it would wrap), and the
//! footer to one row (fewer authors first; an author the reader follows always stays). The
//! timestamp is Discord's own (shown in each reader's zone and language) and replaces the typed
//! date; the day itself is named once, in the index ([`super::index`]).
//!
//! Why it exists: a channel post, an alert, a reply, a forum post and the week's best show a
//! paper the same way; only the budget differs. The bullets absorb the budget
//! ([`super::bullets`]: the method and the note give way first, results are kept).

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};

use super::bullets::{bullets_within, digest_bullet, written_bullet, Bullet, Role};
use super::limits::{MAX_DESCRIPTION_CHARS, MAX_EMBED_CHARS_PER_MESSAGE, MAX_TITLE_CHARS};
use super::sanitise::{
    chars, escape_markdown, is_http_url, is_image_url, one_line, truncate_chars, ELLIPSIS,
};
use super::screen::{columns, EMBED_COLUMNS, EMBED_COLUMNS_BESIDE_THUMBNAIL, FOOTER_COLUMNS};
use super::spec::EmbedSpec;
use crate::language::Language;
use crate::source::digest::Paper;
use crate::t;

/// The longest URL put into a row of links; a longer one is left out (a cut URL leads nowhere).
pub(super) const MAX_LINK_URL_CHARS: usize = 300;
/// The organisation's name is cut to this on the author line (and in [`link_line`]).
const MAX_ORG_CHARS: usize = 60;
const LINK_SEPARATOR: &str = " · ";
/// Authors a card names before "et al." (an author the reader follows is added).
pub const CARD_AUTHORS: usize = 3;

/// A digest message always holds at least this many papers (see the module docs).
pub const MIN_PAPERS_PER_MESSAGE: usize = 6;
/// What [`paper_embed`] trims one paper to: a sixth of a message.
pub const PAPER_EMBED_BUDGET: usize = MAX_EMBED_CHARS_PER_MESSAGE / MIN_PAPERS_PER_MESSAGE;
/// What the bullets of a card packed six to a message ([`PAPER_EMBED_BUDGET`]) get in all,
/// labels included, next to a typical chrome (an 80-character title, the organisation, four
/// links, three authors, a model's note): what the summaries' prompt tells the model its
/// bullets really get.
pub const CARD_BULLET_CHARS: usize = 560;
/// Hugging Face yellow.
pub const EMBED_COLOR: u32 = 0xFFD21E;

/// One bullet a model wrote: what it says, paperboy's label for it (in the reader's language),
/// and the model's text, untrusted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MachineLine {
    pub role: Role,
    pub label: String,
    pub text: String,
}

/// Bullets a model wrote for a paper, shown instead of the digest's. The labels are
/// paperboy's own words; the texts are the model's, untrusted: each is put on one line with
/// mentions defused and Markdown escaped, so it can neither ping, format, nor add a link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MachineBullets {
    /// In the order written; a card shows them in role order.
    pub lines: Vec<MachineLine>,
    /// Added to the card's footer: that the bullets are machine-written, and by which model.
    pub note: String,
}

/// The machine-written bullets of a day's papers in one language, by arXiv id.
pub type Overlay = HashMap<String, Arc<MachineBullets>>;

/// How a card is drawn, besides its paper.
#[derive(Debug, Clone, Copy)]
pub struct CardContext<'a> {
    /// The characters the whole card may take (capped at 6,000).
    pub budget: usize,
    /// When its votes were counted: the card's timestamp. `None`: the day's date, at 00:00 UTC.
    pub votes_at: Option<DateTime<Utc>>,
    /// The digest's day.
    pub date: NaiveDate,
    /// Whether the paper's thumbnail is shown (a card with a message of its own).
    pub thumbnail: bool,
    /// The reader's language: the card's words, and which summary a card prefers.
    pub lang: &'a Language,
}

/// A paper as a card, trimmed to [`PAPER_EMBED_BUDGET`] so that any six fit a message; its
/// chrome in the default language.
pub fn paper_embed(paper: &Paper, matched: &[String], date: NaiveDate) -> EmbedSpec {
    paper_embed_within(paper, matched, date, PAPER_EMBED_BUDGET)
}

/// [`paper_embed`] with an explicit character budget (capped at 6,000). The budget is met
/// whenever it is at least [`PAPER_EMBED_BUDGET`]; below that the bullets give way first.
pub fn paper_embed_within(
    paper: &Paper,
    matched: &[String],
    date: NaiveDate,
    budget: usize,
) -> EmbedSpec {
    let lang = Language::english();
    card(
        paper,
        matched,
        None,
        &CardContext {
            budget,
            votes_at: None,
            date,
            thumbnail: false,
            lang: &lang,
        },
    )
}

/// The bullets a card shows for `paper` in `lang`: the model's when there are some; else the
/// digest's, unless they are not in the reader's language and Hugging Face's own summary of the
/// paper is known (a channel that chose English on a Korean digest's day reads Hugging Face's
/// English rather than Korean it did not choose).
pub fn card_bullets(
    paper: &Paper,
    machine: Option<&MachineBullets>,
    lang: &Language,
) -> Vec<Bullet> {
    if let Some(m) = machine {
        let written: Vec<Bullet> = m
            .lines
            .iter()
            .map(|l| written_bullet(l.role, &l.label, &l.text))
            .filter(|b| !b.text.is_empty())
            .collect();
        if !written.is_empty() {
            return written;
        }
    }
    let own: Vec<&String> = paper
        .bullets
        .iter()
        .filter(|b| !b.trim().is_empty())
        .collect();
    let foreign = |texts: &[&String]| {
        let all: String = texts
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        crate::summaries::validate::implausible(&all, lang.code()).is_some()
    };
    let hf: Vec<&String> = paper
        .hf_summary
        .iter()
        .filter(|b| !b.trim().is_empty())
        .collect();
    let texts = if !hf.is_empty() && (own.is_empty() || (foreign(&own) && !foreign(&hf))) {
        hf
    } else {
        own
    };
    texts.into_iter().map(|b| digest_bullet(b, lang)).collect()
}

/// See the module docs. `matched` are the reader's terms that selected the paper (an
/// `author:Name` term keeps that author among the names); `machine` the model's bullets.
pub fn card(
    paper: &Paper,
    matched: &[String],
    machine: Option<&MachineBullets>,
    cx: &CardContext<'_>,
) -> EmbedSpec {
    let budget = cx.budget.min(MAX_EMBED_CHARS_PER_MESSAGE);
    let lang = cx.lang;
    let mut title = one_line(&paper.title);
    if title.is_empty() {
        title = t!(lang, "paper-untitled");
    }
    let arxiv_id = paper.arxiv_id.as_deref().filter(|id| is_arxiv_id(id));
    let url = arxiv_id
        .map(|id| format!("https://arxiv.org/abs/{id}"))
        .or_else(|| paper.url.clone().filter(|u| is_http_url(u)));
    let thumbnail = paper
        .thumbnail_url
        .clone()
        .filter(|u| cx.thumbnail && is_http_url(u) && is_image_url(u));
    let author = paper
        .organization
        .as_ref()
        .map(|o| truncate_chars(&one_line(o.shown()), MAX_ORG_CHARS))
        .filter(|o| !o.is_empty());
    let width = if thumbnail.is_some() {
        EMBED_COLUMNS_BESIDE_THUMBNAIL
    } else {
        EMBED_COLUMNS
    };
    let mut embed = EmbedSpec {
        author,
        title: truncate_chars(&title, MAX_TITLE_CHARS),
        url,
        description: String::new(),
        thumbnail,
        fields: Vec::new(),
        footer: footer(paper, matched, machine.map(|m| m.note.as_str()), lang),
        color: Some(EMBED_COLOR),
        timestamp: Some(cx.votes_at.unwrap_or_else(|| {
            cx.date
                .and_hms_opt(0, 0, 0)
                .expect("midnight exists")
                .and_utc()
        })),
    };
    let room = budget
        .saturating_sub(embed.char_count())
        .min(MAX_DESCRIPTION_CHARS);
    // The stats row comes first and is never cut (a cut masked link is broken Markdown): parts
    // that do not fit are left out, and the bullets get what remains.
    let stats = stats_line(paper, room, width, lang);
    let room = if stats.is_empty() {
        room
    } else {
        room.saturating_sub(chars(&stats) + 1)
    };
    let bullets = bullets_within(&card_bullets(paper, machine, lang), room);
    embed.description = match (stats.is_empty(), bullets.is_empty()) {
        (true, _) => bullets,
        (false, true) => stats,
        (false, false) => format!("{stats}\n{bullets}"),
    };
    embed.fit_limits()
}

/// The card's row of numbers and links: `👍 71 · 💬 4 · ★ 241 · [PDF](…) · [Hugging Face](…) ·
/// [Code](…) · [Project](…)`, each only when known, within `room` characters and one row of
/// `width` columns as a reader sees it. When it would wrap, Hugging Face's label is shortened,
/// then the comment count, the stars, the project and the code links are left out, in that
/// order. Every URL is http(s), at most [`MAX_LINK_URL_CHARS`], and escaped so it cannot end
/// its link early.
pub fn stats_line(paper: &Paper, room: usize, width: usize, lang: &Language) -> String {
    let label = |key: &str| t!(lang, key);
    let arxiv_id = paper.arxiv_id.as_deref().filter(|id| is_arxiv_id(id));
    let votes = paper.votes.map(|v| format!("👍 {}", compact(v)));
    let comments = paper
        .num_comments
        .filter(|n| *n > 0)
        .map(|n| format!("💬 {}", compact(n)));
    let repo = paper.github_repo.as_deref().and_then(link_url);
    let stars = paper
        .github_stars
        .filter(|_| repo.is_some())
        .map(|n| format!("★ {}", compact(n)));
    let pdf = arxiv_id.map(|id| format!("[{}](https://arxiv.org/pdf/{id})", label("link-pdf")));
    let hf = |key: &str| {
        arxiv_id.map(|id| format!("[{}](https://huggingface.co/papers/{id})", label(key)))
    };
    let code = repo.map(|url| format!("[{}]({url})", label("link-code")));
    let project = paper
        .project_page
        .as_deref()
        .and_then(link_url)
        .map(|url| format!("[{}]({url})", label("link-project")));
    // From the fullest row to the leanest: the first that fits one row and the room wins.
    let tries: [[bool; 5]; 6] = [
        // long Hugging Face label, comments, stars, project, code
        [true, true, true, true, true],
        [false, true, true, true, true],
        [false, false, true, true, true],
        [false, false, false, true, true],
        [false, false, false, false, true],
        [false, false, false, false, false],
    ];
    let mut last = String::new();
    for [long_hf, with_comments, with_stars, with_project, with_code] in tries {
        let parts: Vec<String> = [
            votes.clone(),
            comments.clone().filter(|_| with_comments),
            stars.clone().filter(|_| with_stars),
            pdf.clone(),
            hf(if long_hf {
                "link-hugging-face"
            } else {
                "link-hugging-face-short"
            }),
            code.clone().filter(|_| with_code),
            project.clone().filter(|_| with_project),
        ]
        .into_iter()
        .flatten()
        .collect();
        let line = parts.join(LINK_SEPARATOR);
        if columns(&super::screen::visible(&line)) <= width && chars(&line) <= room {
            return line;
        }
        last = line;
    }
    // Not even the leanest row fits the room: whole parts, as many as fit.
    let mut line = String::new();
    for part in last.split(LINK_SEPARATOR) {
        let sep = if line.is_empty() {
            0
        } else {
            chars(LINK_SEPARATOR)
        };
        if chars(&line) + sep + chars(part) > room {
            break;
        }
        if sep > 0 {
            line.push_str(LINK_SEPARATOR);
        }
        line.push_str(part);
    }
    line
}

/// The footer's row: the terms that matched (`🔎 llm, agents`), the first authors ("et al."
/// when there are more; an author the reader follows always shown), and the model's note, one
/// row of [`FOOTER_COLUMNS`] at most: fewer authors first, then the whole row cut.
fn footer(paper: &Paper, matched: &[String], note: Option<&str>, lang: &Language) -> String {
    let terms: Vec<String> = matched
        .iter()
        .filter(|k| !k.starts_with("author:"))
        .map(|k| one_line(k))
        .filter(|k| !k.is_empty())
        .collect();
    let followed: Vec<&str> = matched
        .iter()
        .filter_map(|k| k.strip_prefix("author:"))
        .collect();
    let terms =
        (!terms.is_empty()).then(|| format!("🔎 {}", truncate_chars(&terms.join(", "), 30)));
    let note = note.map(one_line).filter(|n| !n.is_empty());
    let names: Vec<String> = paper
        .authors
        .iter()
        .filter(|a| a.as_str() != "+")
        .map(|a| one_line(a))
        .filter(|a| !a.is_empty())
        .collect();
    let build = |shown: usize| {
        let parts: Vec<String> = [
            terms.clone(),
            author_names(&names, shown, &followed, lang),
            note.clone(),
        ]
        .into_iter()
        .flatten()
        .collect();
        parts.join(LINK_SEPARATOR)
    };
    for shown in (1..=CARD_AUTHORS).rev() {
        let row = build(shown);
        if columns(&row) <= FOOTER_COLUMNS {
            return row;
        }
    }
    // The first author cut to the room the terms and the note leave (the note says who wrote
    // the bullets: it is kept whole while it fits).
    let others: Vec<String> = [terms.clone(), note.clone()]
        .into_iter()
        .flatten()
        .collect();
    let used = columns(&others.join(LINK_SEPARATOR)) + others.len() * columns(LINK_SEPARATOR);
    if let Some(first) = author_names(&names, 1, &followed, lang) {
        let room = FOOTER_COLUMNS.saturating_sub(used);
        if room >= 10 {
            let parts: Vec<String> = [terms, Some(cut_columns(&first, room)), note]
                .into_iter()
                .flatten()
                .collect();
            return parts.join(LINK_SEPARATOR);
        }
    }
    cut_columns(&build(1), FOOTER_COLUMNS)
}

/// The first `shown` of `names`, then any followed author not among them, then "et al." when
/// names are left out.
fn author_names(
    names: &[String],
    shown: usize,
    followed: &[&str],
    lang: &Language,
) -> Option<String> {
    if names.is_empty() {
        return None;
    }
    let mut picked: Vec<usize> = (0..names.len().min(shown)).collect();
    for f in followed {
        if let Some(i) = names
            .iter()
            .position(|n| crate::select::names::author_matches(f, n))
        {
            if !picked.contains(&i) {
                picked.push(i);
            }
        }
    }
    let mut text = String::new();
    for (k, &i) in picked.iter().enumerate() {
        if k > 0 {
            // A gap before a followed author further down the list.
            text.push_str(if i == picked[k - 1] + 1 {
                ", "
            } else {
                ", … "
            });
        }
        text.push_str(&names[i]);
    }
    if picked.last().is_some_and(|&i| i + 1 < names.len()) {
        text.push(' ');
        text.push_str(&t!(lang, "paper-et-al"));
    }
    Some(text)
}

/// `s` within `max` columns, marked "…" when cut.
fn cut_columns(s: &str, max: usize) -> String {
    if columns(s) <= max {
        return s.to_string();
    }
    let mut out = String::new();
    for c in s.chars() {
        if columns(&out) + columns(&c.to_string()) + 1 > max {
            break;
        }
        out.push(c);
    }
    format!("{}{ELLIPSIS}", out.trim_end())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::pack;
    use crate::render::sanitise::defuse_mentions;
    use crate::render::screen::card_chrome_rows;
    use crate::render::testing::*;
    use crate::render::MessageSpec;
    use proptest::prelude::*;

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

    fn cx(lang: &Language) -> CardContext<'_> {
        CardContext {
            budget: PAPER_EMBED_BUDGET,
            votes_at: Some(chrono::DateTime::from_timestamp(1_712_048_400, 0).unwrap()),
            date: date(),
            thumbnail: false,
            lang,
        }
    }

    #[test]
    fn a_card_is_its_organisation_title_one_row_of_numbers_and_links_bullets_and_authors() {
        let en = Language::english();
        let mut p = rich("Smol agents");
        p.authors = vec![
            "A One".into(),
            "B Two".into(),
            "C Three".into(),
            "D Four".into(),
        ];
        let e = card(&p, &["llm".into()], None, &cx(&en));
        assert_eq!(e.author.as_deref(), Some("Hugging Face"));
        assert_eq!(e.title, "Smol agents");
        assert_eq!(e.url.as_deref(), Some("https://arxiv.org/abs/2404.00399"));
        assert_eq!(
            e.description,
            "👍 24 · 💬 4 · ★ 15k · [PDF](https://arxiv.org/pdf/2404.00399) · \
             [Hugging Face](https://huggingface.co/papers/2404.00399) · \
             [Code](https://github.com/huggingface/smolagents) · [Project](https://smolagents.org/)\n\
             • 본 논문은 Aurora-M을 소개한다."
        );
        assert_eq!(e.footer, "🔎 llm · A One, B Two, C Three et al.");
        assert_eq!(e.timestamp, cx(&en).votes_at);
        assert!(e.fields.is_empty() && e.thumbnail.is_none());
        // arXiv is linked once: by the title.
        assert!(!e.description.contains("arxiv.org/abs"));
        assert_eq!(card_chrome_rows(&e), 2);
        // A card with a message of its own (a forum post) shows the thumbnail.
        let own = card(
            &p,
            &[],
            None,
            &CardContext {
                thumbnail: true,
                ..cx(&en)
            },
        );
        assert!(own.thumbnail.is_some());
        assert!(card_chrome_rows(&own) <= 2, "{}", own.description);
    }

    #[test]
    fn a_followed_author_is_always_named() {
        let mut p = paper("T");
        p.authors = (0..12).map(|i| format!("Author {i}")).collect();
        p.authors[9] = "Tri Dao".into();
        let e = card(
            &p,
            &["author:Tri Dao".into()],
            None,
            &cx(&Language::english()),
        );
        assert_eq!(e.footer, "Author 0, Author 1, Author 2, … Tri Dao et al.");
        let last = card(
            &p,
            &["author:Author 11".into()],
            None,
            &cx(&Language::english()),
        );
        assert!(last.footer.ends_with(", … Author 11"), "{}", last.footer);
        let ko: Language = "ko".parse().unwrap();
        assert!(card(&p, &[], None, &cx(&ko)).footer.ends_with(" 외"));
    }

    #[test]
    fn the_korean_digests_results_come_second_with_our_labels() {
        let mut p = paper("NSA");
        p.bullets = vec![
            "***What's New***: 새로운 주의 메커니즘.".into(),
            "***Technical Details***: 압축과 선택.".into(),
            "***Performance Highlights***: 6에서 11배 빠릅니다.".into(),
        ];
        let ko: Language = "ko".parse().unwrap();
        let e = card(&p, &[], None, &cx(&ko));
        let bullets: Vec<&str> = e.description.lines().skip(1).collect();
        assert_eq!(
            bullets,
            [
                "• **새로운 점**: 새로운 주의 메커니즘.",
                "• **결과**: 6에서 11배 빠릅니다.",
                "• **방법**: 압축과 선택."
            ]
        );
    }

    #[test]
    fn a_reader_of_another_language_gets_hugging_faces_own_summary() {
        let mut p = paper("T");
        p.bullets = vec![
            "본 논문은 새로운 모델을 소개한다.".into(),
            "성능이 좋다.".into(),
        ];
        p.hf_summary = vec!["A new model that is good.".into()];
        let en = Language::english();
        let english = card(&p, &[], None, &cx(&en));
        assert!(
            english
                .description
                .ends_with("\n• A new model that is good."),
            "{}",
            english.description
        );
        let ko: Language = "ko".parse().unwrap();
        let korean = card(&p, &[], None, &cx(&ko));
        assert!(
            korean.description.contains("본 논문은"),
            "{}",
            korean.description
        );
        // A model's bullets win over both.
        let m = MachineBullets {
            lines: vec![MachineLine {
                role: Role::New,
                label: "What's new".into(),
                text: "Written.".into(),
            }],
            note: "🤖 m".into(),
        };
        let written = card(&p, &[], Some(&m), &cx(&en));
        assert!(written.description.ends_with("• **What's new**: Written."));
        assert!(written.footer.ends_with("· 🤖 m"));
    }

    /// The room the prompt promises is there on a typical card: three bullets of the asked
    /// length, together within [`CARD_BULLET_CHARS`], are shown whole.
    #[test]
    fn a_typical_card_shows_the_bullets_the_prompt_asks_for_whole() {
        let mut p = rich(&"T".repeat(80));
        p.authors = vec![
            "Zhenda Xie".into(),
            "Lean Wang".into(),
            "Yuqing Wang".into(),
            "Wangding Zeng".into(),
        ];
        let each = crate::summaries::validate::MAX_BULLET_CHARS;
        let text = |c: char| {
            let mut t = String::new();
            while t.chars().count() + 6 <= each {
                t.push_str(&format!("{c}{c}{c}{c}{c} "));
            }
            t.trim_end().to_string()
        };
        let lines = vec![
            MachineLine {
                role: Role::New,
                label: "What's new".into(),
                text: text('n'),
            },
            MachineLine {
                role: Role::Method,
                label: "How it works".into(),
                text: text('m'),
            },
            MachineLine {
                role: Role::Results,
                label: "Results".into(),
                text: text('r'),
            },
        ];
        let total: usize = lines.iter().map(|l| l.text.chars().count()).sum();
        assert!(total <= CARD_BULLET_CHARS, "{total}");
        let m = MachineBullets {
            lines,
            note: "🤖 by gpt-4o-mini".into(),
        };
        let e = card(&p, &[], Some(&m), &cx(&Language::english()));
        assert!(e.char_count() <= PAPER_EMBED_BUDGET);
        assert_eq!(
            e.description
                .lines()
                .filter(|l| l.starts_with("• "))
                .count(),
            3,
            "{}",
            e.description
        );
        assert!(!e.description.contains('…'), "{}", e.description);
    }

    #[test]
    fn korean_title_of_300_chars_is_cut_to_256_with_ellipsis() {
        let e = paper_embed(&paper(&"가".repeat(300)), &[], date());
        assert_eq!(e.title.chars().count(), MAX_TITLE_CHARS);
        assert!(e.title.ends_with('…'));
    }

    #[test]
    fn a_5000_character_bullet_is_cut_at_a_word_within_the_budget() {
        let mut p = paper("T");
        p.bullets = vec![korean(5000)];
        let e = paper_embed(&p, &[], date());
        assert!(e.char_count() <= PAPER_EMBED_BUDGET);
        // Cut where a sentence ends (the filler is sentences), never on a lone "…".
        let last = e.description.lines().last().unwrap();
        assert!(
            last.starts_with("• 본 논문은") && last.ends_with("제안한다."),
            "{last}"
        );
        let big = paper_embed_within(&p, &[], date(), MAX_EMBED_CHARS_PER_MESSAGE);
        assert!(big.description.chars().count() <= MAX_DESCRIPTION_CHARS);
    }

    #[test]
    fn missing_parts_are_left_out() {
        let p = Paper {
            title: "Bare".into(),
            ..Default::default()
        };
        let e = paper_embed(&p, &[], date());
        assert_eq!(e.fields, vec![]);
        assert_eq!(e.description, "");
        assert_eq!(
            (e.url.as_deref(), e.author.as_deref(), e.footer.as_str()),
            (None, None, "")
        );
        // The day stands in for an unknown moment of counting.
        assert_eq!(
            e.timestamp.unwrap().to_rfc3339(),
            "2024-04-02T00:00:00+00:00"
        );
        let json = MessageSpec {
            content: None,
            embeds: vec![e],
            menu: None,
        }
        .to_json(None);
        let embed = &json["embeds"][0];
        assert!(embed.get("description").is_none());
        assert!(embed.get("author").is_none());
        assert!(embed.get("fields").is_none());
        assert!(embed.get("timestamp").is_some());
    }

    #[test]
    fn everyone_and_here_cannot_ping_even_in_text() {
        let mut p = rich("Hello @everyone");
        p.bullets = vec!["ping @here and @Everyone and <@123> and <@&456>".into()];
        p.authors = vec!["@here".into()];
        p.organization = Some(crate::source::digest::Organization {
            name: "x".into(),
            fullname: Some("<@1> @everyone".into()),
        });
        let e = card(&p, &["@everyone".into()], None, &cx(&Language::english()));
        let text = serde_json::to_string(&e).unwrap();
        for needle in ["@everyone", "@here", "@Everyone", "<@1", "<@&"] {
            assert!(!text.contains(needle), "{needle} left in {text}");
        }
        assert_eq!(defuse_mentions("a@b.c"), "a@b.c");
    }

    #[test]
    fn the_stats_row_gives_way_before_it_wraps() {
        let en = Language::english();
        let mut p = rich("T");
        p.votes = Some(123_456);
        p.num_comments = Some(999_999);
        p.github_stars = Some(9_999_999);
        for width in [EMBED_COLUMNS, EMBED_COLUMNS_BESIDE_THUMBNAIL, 40, 30] {
            let line = stats_line(&p, 1000, width, &en);
            assert!(
                columns(&crate::render::screen::visible(&line)) <= width,
                "{width}: {line}"
            );
            assert!(line.contains("[PDF]"));
        }
        assert!(stats_line(&p, 1000, 40, &en).contains("[HF]"));
        for room in 0..300 {
            let line = stats_line(&p, room, EMBED_COLUMNS, &en);
            assert!(chars(&line) <= room);
            assert_eq!(
                line.matches('[').count(),
                line.matches("](").count(),
                "{line}"
            );
        }
    }

    #[test]
    fn on_every_real_day_the_results_are_kept_and_the_chrome_is_two_rows() {
        let en = Language::english();
        let mut cut = 0;
        for (name, papers) in fixture_days() {
            let budget = crate::render::digest_embed_budget(papers.len());
            for p in &papers {
                let e = card(p, &[], None, &CardContext { budget, ..cx(&en) });
                assert!(e.char_count() <= budget, "{name}: {}", e.char_count());
                assert!(card_chrome_rows(&e) <= 2, "{name}: {:?}", e);
                let lines: Vec<&str> = e
                    .description
                    .lines()
                    .filter(|l| l.starts_with("• "))
                    .collect();
                for l in &lines {
                    assert_ne!(l.trim_start_matches("• ").trim(), "…", "{name}");
                }
                assert!(!e.description.ends_with("\n…"), "{name}");
                let shown = |label: &str| {
                    lines
                        .iter()
                        .position(|l| l.starts_with(&format!("• **{label}**")))
                };
                let (results, method) = (shown("Results"), shown("How it works"));
                if let (Some(r), Some(m)) = (results, method) {
                    assert!(r < m, "{name}: results before the method");
                    assert!(
                        !lines[r].ends_with('…'),
                        "{name}: results cut while the method is shown"
                    );
                }
                if lines.last().is_some_and(|l| l.ends_with('…')) {
                    cut += 1;
                }
                // A paper with results in its digest keeps them on its card.
                if p.bullets
                    .iter()
                    .any(|b| b.contains("Performance Highlights"))
                {
                    assert!(results.is_some(), "{name}: {}", e.description);
                }
            }
        }
        println!("{cut} cards end on a bullet cut at a word");
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
        fn packed_cards_respect_every_limit_in_order_exactly_once(
            papers in prop::collection::vec(arb_paper(), 0..40),
            matched in prop::collection::vec(arb_text(50), 0..4),
        ) {
            let embeds: Vec<EmbedSpec> =
                papers.iter().map(|p| paper_embed(p, &matched, date())).collect();
            for e in &embeds {
                prop_assert!(e.char_count() <= PAPER_EMBED_BUDGET);
                prop_assert!(card_chrome_rows(e) <= 2, "{:?}", e);
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
            for line in [link_line(&paper, budget, &Language::english()), stats_line(&paper, budget, EMBED_COLUMNS, &Language::english())] {
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
        }
    }
}
