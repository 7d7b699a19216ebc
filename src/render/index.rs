//! The day at a glance: a numbered list of papers, each a title linked to arXiv with its votes
//! and one short line (what is new, or why the reader gets it), then how many more there are,
//! and the "🔖 Save…" menu for the papers listed. The first message of a channel's day, the
//! head of an alert DM, of a reply and of the week's best.
//!
//! # Interface for callers that choose and order the papers themselves
//! [`index_messages`] renders an [`IndexSpec`] exactly in the order it is given: it neither
//! filters nor ranks. A caller ranks ([`crate::select::ranking::rank_by_votes`] is a day's
//! order), and may
//! - give each [`Entry`] a `why`: a short line shown under its title instead of what is new
//!   (e.g. "close to *Attention Is All You Need*", for a paper recommended because of a saved
//!   one), untrusted text made safe here (one line, Markdown escaped, mentions defused, cut to
//!   one row);
//! - give each entry a `tag`: a few words after its votes on the title row (the terms that
//!   matched, the day of a ranking);
//! - add further [`Section`]s (e.g. "For you"), each with its heading line (paperboy's words
//!   from the catalogs, in the reader's language) and its own entries, numbered on from the
//!   first section's.
//!
//! `top` limits the first section alone (0: all of it); the rest of it is counted in the last
//! line ("+K more", worded by [`More`]). Every section's entries are offered in the save menus.
//! [`super::day`] builds the spec for a day (the daily post, an alert DM, a reply), and
//! [`super::top`] for a ranking; the cards ([`super::paper::card`]) follow in the same order.
//!
//! # One screen
//! Each entry is two rows at most (the title row cut to [`CONTENT_COLUMNS`], the short line
//! likewise), so the default ten papers, the header, the last line and the menu take 24 of a
//! desktop screen's [`SCREEN_ROWS`] ([`super::screen`]). An index is within Discord's 2,000
//! characters of content and 25 menu options per message: the short lines are shortened first,
//! then dropped from the last entry up, and only then does the list go on in another message
//! (when a caller asked for more papers than one message holds).

use super::bullets::{Bullet, Role};
use super::limits::MAX_CONTENT_CHARS;
use super::paper::{card_bullets, Overlay};
use super::sanitise::{chars, escape_inline, escape_markdown, is_http_url, one_line};
use super::save_menu::{normalise_arxiv_id, save_menu, MAX_SELECT_OPTIONS};
use super::screen::{columns, visible, CONTENT_COLUMNS};
use super::spec::MessageSpec;
use crate::language::Language;
use crate::source::digest::Paper;
use crate::t;

/// One paper of an index.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub paper: &'a Paper,
    /// The reader's terms that selected it (shown on its card).
    pub matched: Vec<String>,
    /// A few words after the votes on the title row (plain text, made safe here).
    pub tag: Option<String>,
    /// Why the reader gets it, shown under the title instead of what is new (made safe here).
    pub why: Option<String>,
}

impl<'a> Entry<'a> {
    pub fn new(paper: &'a Paper, matched: Vec<String>) -> Entry<'a> {
        Entry {
            paper,
            matched,
            tag: None,
            why: None,
        }
    }
}

/// A run of entries under its own heading.
#[derive(Debug, Clone)]
pub struct Section<'a> {
    /// The line above its entries; `None` for the first section (the index's header is above
    /// it).
    pub heading: Option<String>,
    pub entries: Vec<Entry<'a>>,
}

/// What the index's last line says about the papers it does not list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum More {
    /// Every card is in the thread started from the index.
    Thread,
    /// The cards follow in the next messages.
    Below,
    /// Only a command shows the rest: `/papers date day:…`.
    Command(chrono::NaiveDate),
}

/// An index to render; see the module docs.
#[derive(Debug, Clone)]
pub struct IndexSpec<'a> {
    /// The first line (the day, its count), paperboy's words.
    pub header: String,
    pub sections: Vec<Section<'a>>,
    /// Entries of the first section listed; 0: all.
    pub top: usize,
    pub more: More,
}

/// The short line under a paper's title: what is new about it, from the bullets its card
/// shows (the bullet saying what is new, else its first), as plain text.
pub fn what_is_new(paper: &Paper, overlay: Option<&Overlay>, lang: &Language) -> Option<String> {
    let machine = overlay
        .and_then(|o| o.get(paper.arxiv_id.as_deref()?))
        .map(|m| &**m);
    let bullets: Vec<Bullet> = card_bullets(paper, machine, lang);
    bullets
        .iter()
        .find(|b| b.role == Role::New)
        .or_else(|| bullets.first())
        .map(Bullet::plain)
        .filter(|t| !t.trim().is_empty())
}

/// The longest the last line ("+K more …") may be.
const MORE_RESERVE: usize = 160;
/// The short line's caps in columns, tried in turn until the index fits its message.
const SHORT_LINE_COLUMNS: [usize; 4] = [CONTENT_COLUMNS, 80, 60, 40];

/// The index as messages: usually one. See the module docs.
pub fn index_messages(
    spec: &IndexSpec<'_>,
    overlay: Option<&Overlay>,
    lang: &Language,
) -> Vec<MessageSpec> {
    render(spec, overlay, lang, usize::MAX, 0)
}

/// The index in one message whatever its length (an alert DM): what one message cannot list
/// is counted in its last line with the rest.
pub fn index_in_one(
    spec: &IndexSpec<'_>,
    overlay: Option<&Overlay>,
    lang: &Language,
) -> MessageSpec {
    index_in_one_leaving(spec, overlay, lang, 0)
}

/// [`index_in_one`] leaving `leave` characters of the message's content for the caller (lines
/// it adds, e.g. a DM's news of saved papers).
pub fn index_in_one_leaving(
    spec: &IndexSpec<'_>,
    overlay: Option<&Overlay>,
    lang: &Language,
    leave: usize,
) -> MessageSpec {
    render(spec, overlay, lang, 1, leave)
        .into_iter()
        .next()
        .expect("an index has at least its header")
}

fn render(
    spec: &IndexSpec<'_>,
    overlay: Option<&Overlay>,
    lang: &Language,
    max_messages: usize,
    leave: usize,
) -> Vec<MessageSpec> {
    // (entry, its number, the section heading that opens before it)
    let mut listed: Vec<(&Entry<'_>, usize, Option<&str>)> = Vec::new();
    let mut left_out = 0;
    let mut n = 0;
    for (s, section) in spec.sections.iter().enumerate() {
        let mut heading = section.heading.as_deref();
        for (i, entry) in section.entries.iter().enumerate() {
            if s == 0 && spec.top > 0 && i >= spec.top {
                left_out += 1;
                continue;
            }
            n += 1;
            listed.push((entry, n, heading.take()));
        }
    }
    let total: usize = spec.sections.first().map_or(0, |s| s.entries.len());
    let placeholder = t!(lang, "saved-menu-placeholder");
    // Room for the last line, as long as it can get (every entry counted in it).
    let reserve = more_line(spec.more, left_out + listed.len(), total, lang)
        .map_or(0, |m| chars(&m).min(MORE_RESERVE) + 1);

    let mut messages: Vec<MessageSpec> = Vec::new();
    let mut rest = listed.as_slice();
    while (!rest.is_empty() || messages.is_empty()) && messages.len() < max_messages {
        let header = messages.is_empty().then_some(spec.header.as_str());
        let room = MAX_CONTENT_CHARS.saturating_sub(reserve + leave);
        let (text, taken) = fit_message(header, rest, room, overlay, lang);
        let papers: Vec<&Paper> = rest[..taken].iter().map(|(e, _, _)| e.paper).collect();
        messages.push(MessageSpec {
            content: Some(text),
            embeds: Vec::new(),
            menu: save_menu(&papers, &placeholder),
        });
        rest = &rest[taken..];
        if taken == 0 {
            break;
        }
    }
    let more = more_line(spec.more, left_out + rest.len(), total, lang);
    if let (Some(last), Some(more)) = (messages.last_mut(), more) {
        let content = last.content.get_or_insert_with(String::new);
        if !content.is_empty() {
            content.push('\n');
        }
        content.push_str(&super::sanitise::truncate_chars(&more, MORE_RESERVE));
    }
    messages
}

/// An index message as it was sent, its short lines written again (a summary arrived after the
/// post): its header (a first line that is no entry) and everything after its last entry (the
/// last line) kept as sent, its entries `papers` (in the index's order, numbered as sent)
/// rendered as [`index_messages`] renders them.
pub fn reindex(
    sent: &str,
    papers: &[&Paper],
    overlay: Option<&Overlay>,
    lang: &Language,
) -> String {
    let lines: Vec<&str> = sent.lines().collect();
    let is_entry = |l: &str| {
        l.starts_with("**")
            && l.find(".** ")
                .is_some_and(|i| l[2..i].bytes().all(|b| b.is_ascii_digit()))
    };
    let Some(first) = lines.iter().position(|l| is_entry(l)) else {
        return sent.to_string();
    };
    let last = lines.iter().rposition(|l| is_entry(l)).unwrap_or(first);
    let tail_from = lines[last + 1..]
        .iter()
        .position(|l| !l.starts_with("-# "))
        .map_or(lines.len(), |i| last + 1 + i);
    let header = (first > 0).then(|| lines[..first].join("\n"));
    let tail = lines[tail_from..].join("\n");
    let start: usize = lines[first][2..lines[first].find(".** ").unwrap_or(2)]
        .parse()
        .unwrap_or(1);
    let entries: Vec<Entry<'_>> = papers.iter().map(|p| Entry::new(p, Vec::new())).collect();
    let listed: Vec<(&Entry<'_>, usize, Option<&str>)> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| (e, start + i, None))
        .collect();
    let room = MAX_CONTENT_CHARS.saturating_sub(chars(&tail) + 1);
    let (text, taken) = fit_message(header.as_deref(), &listed, room, overlay, lang);
    if taken < listed.len() {
        // It no longer fits (it always did when sent): left as it was.
        return sent.to_string();
    }
    if tail.is_empty() {
        text
    } else {
        format!("{text}\n{tail}")
    }
}

/// The most entries of `rest` one message holds (at most 25, one menu), with the shortest cut
/// of the short lines that lets the most fit: its text and how many it took.
fn fit_message(
    header: Option<&str>,
    rest: &[(&Entry<'_>, usize, Option<&str>)],
    room: usize,
    overlay: Option<&Overlay>,
    lang: &Language,
) -> (String, usize) {
    let want = rest.len().min(MAX_SELECT_OPTIONS);
    let header = header.map(|h| super::sanitise::truncate_chars(h, 300));
    // Each entry's rows, worked out once: its heading, its title row, its short line's text.
    let parts: Vec<(Option<String>, String, Option<String>)> = rest[..want]
        .iter()
        .map(|(entry, n, heading)| {
            let short = match &entry.why {
                Some(why) => Some(escape_inline(&one_line(why))),
                None => what_is_new(entry.paper, overlay, lang),
            };
            (
                heading.map(|h| super::sanitise::truncate_chars(&one_line(h), 200)),
                title_row(entry, *n),
                short,
            )
        })
        .collect();
    // Each short line cut to each width once: the search below tries many combinations.
    let cuts: Vec<Vec<Option<String>>> = parts
        .iter()
        .map(|(_, _, short)| {
            SHORT_LINE_COLUMNS
                .iter()
                .map(|cap| {
                    let cut = cut_to_columns(short.as_deref()?, *cap);
                    (!cut.is_empty()).then(|| format!("-# {cut}"))
                })
                .collect()
        })
        .collect();
    let build = |count: usize, cap: Option<usize>, plain_from: usize| {
        let mut lines: Vec<String> = header.iter().cloned().collect();
        for (k, (heading, title, _)) in parts[..count].iter().enumerate() {
            lines.extend(heading.clone());
            lines.push(title.clone());
            let short = cap
                .filter(|_| k < plain_from)
                .and_then(|c| cuts[k][c].clone());
            lines.extend(short);
        }
        lines.join("\n")
    };
    let narrowest = SHORT_LINE_COLUMNS.len() - 1;
    for count in (1..=want).rev() {
        for cap in 0..SHORT_LINE_COLUMNS.len() {
            let text = build(count, Some(cap), count);
            if chars(&text) <= room {
                return (text, count);
            }
        }
        // The short lines go from the last entry up before an entry moves on.
        for plain_from in (0..count).rev() {
            let text = build(count, Some(narrowest), plain_from);
            if chars(&text) <= room {
                return (text, count);
            }
        }
    }
    (header.unwrap_or_default(), 0)
}

/// `**n.** [Title](<https://arxiv.org/abs/…>) · 👍 71 · tag`, the title cut so the row is one
/// row of [`CONTENT_COLUMNS`] as shown.
fn title_row(entry: &Entry<'_>, n: usize) -> String {
    let paper = entry.paper;
    let mut tail = String::new();
    if let Some(v) = paper.votes {
        tail.push_str(&format!(" · 👍 {v}"));
    }
    if let Some(tag) = entry.tag.as_deref().map(one_line).filter(|t| !t.is_empty()) {
        tail.push_str(" · ");
        tail.push_str(&escape_markdown(&super::sanitise::truncate_chars(&tag, 40)));
    }
    let prefix = format!("**{n}.** ");
    let room = CONTENT_COLUMNS
        .saturating_sub(columns(&visible(&prefix)) + columns(&visible(&tail)))
        .max(12);
    let mut title = one_line(&paper.title);
    if title.is_empty() {
        title = paper.arxiv_id.clone().unwrap_or_default();
    }
    let title = escape_markdown(&cut_to_columns(&title, room));
    let url = paper
        .arxiv_id
        .as_deref()
        .and_then(normalise_arxiv_id)
        .map(|id| format!("https://arxiv.org/abs/{id}"))
        .or_else(|| {
            paper
                .url
                .clone()
                .filter(|u| is_http_url(u) && !u.contains(['<', '>', ')']))
        });
    match url {
        Some(url) => format!("{prefix}[{title}](<{url}>){tail}"),
        None => format!("{prefix}{title}{tail}"),
    }
}

/// `text` cut to `max` columns as shown, at a word when one is near, marked "…".
fn cut_to_columns(text: &str, max: usize) -> String {
    if columns(&visible(text)) <= max {
        return text.to_string();
    }
    // Cut by characters until the shown width fits, then back to a word. A prefix of more
    // than three characters a column cannot fit but in pathological text (every character
    // escaped or zero-width), so the search starts there: it stays linear in `max`, not
    // quadratic in the text's length (a 900-character bullet as a short line).
    let text = match text.char_indices().nth(3 * max + 16) {
        Some((i, _)) => &text[..i],
        None => text,
    };
    let mut end = text.len();
    for (i, _) in text.char_indices().rev() {
        if columns(&visible(&text[..i])) < max {
            end = i;
            break;
        }
    }
    let mut head = &text[..end];
    if let Some(space) = head.rfind(' ') {
        if columns(&head[space..]) <= 16 && space > 0 {
            head = &head[..space];
        }
    }
    // Never end on a dangling escape; a cut after a whole sentence needs no mark.
    let head = head.trim_end().trim_end_matches('\\');
    if head.ends_with(['.', '!', '?', '。']) {
        return head.to_string();
    }
    format!("{head}…")
}

fn more_line(more: More, left_out: usize, total: usize, lang: &Language) -> Option<String> {
    match (more, left_out) {
        (More::Thread, 0) => Some(t!(lang, "index-all-in-thread", total = total)),
        (More::Thread, k) => Some(t!(lang, "index-more-in-thread", count = k, total = total)),
        (_, 0) => None,
        (More::Below, k) => Some(t!(lang, "index-more-below", count = k)),
        (More::Command(date), k) => Some(t!(
            lang,
            "index-more-command",
            count = k,
            iso = date.to_string()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::screen::{rows, MENU_ROWS, SCREEN_ROWS};
    use crate::render::testing::*;

    fn spec<'a>(papers: &'a [Paper], top: usize) -> IndexSpec<'a> {
        IndexSpec {
            header: "📰 **Daily Papers — 2024-04-02** · 12 papers".into(),
            sections: vec![Section {
                heading: None,
                entries: papers.iter().map(|p| Entry::new(p, vec![])).collect(),
            }],
            top,
            more: More::Thread,
        }
    }

    #[test]
    fn the_top_ten_are_one_message_on_one_screen() {
        let papers = realistic_day(68);
        let m = index_messages(&spec(&papers, 10), None, &Language::english());
        assert_eq!(m.len(), 1);
        assert_valid(&m);
        let text = m[0].content.as_deref().unwrap();
        assert!(
            rows(text, CONTENT_COLUMNS) + MENU_ROWS <= SCREEN_ROWS,
            "{text}"
        );
        assert!(text.contains("**1.** [Paper 0"));
        assert!(text.contains("**10.** "));
        assert!(!text.contains("**11.** "));
        assert!(
            text.ends_with("+58 more · all 68 cards are in the thread ↓"),
            "{text}"
        );
        assert_eq!(m[0].menu.as_ref().unwrap().options.len(), 10);
        for line in text.lines() {
            assert_eq!(rows(line, CONTENT_COLUMNS), 1, "{line}");
        }
    }

    #[test]
    fn all_papers_go_on_over_messages_of_25_each_at_most() {
        let papers = realistic_day(68);
        let m = index_messages(&spec(&papers, 0), None, &Language::english());
        assert!(m.len() >= 3, "{}", m.len());
        assert_valid(&m);
        let offered: usize = m
            .iter()
            .map(|m| m.menu.as_ref().unwrap().options.len())
            .sum();
        assert_eq!(offered, 68);
        assert!(m
            .iter()
            .skip(1)
            .all(|m| !m.content.as_deref().unwrap().starts_with("📰")));
        assert!(m
            .last()
            .unwrap()
            .content
            .as_deref()
            .unwrap()
            .ends_with("All 68 cards are in the thread ↓"));
    }

    #[test]
    fn a_why_line_a_tag_and_a_second_section_are_shown_as_given() {
        let papers = realistic_day(5);
        let mut s = spec(&papers, 0);
        s.sections[0].entries[1].why = Some("close to *Attention* @everyone [x](https://e)".into());
        s.sections[0].entries[0].tag = Some("🔎 diffusion".into());
        s.sections.push(Section {
            heading: Some("✨ **For you**".into()),
            entries: vec![Entry {
                why: Some("close to *Saved*".into()),
                ..Entry::new(&papers[4], vec![])
            }],
        });
        s.more = More::Command(date());
        let m = index_messages(&s, None, &Language::english());
        let text = m[0].content.as_deref().unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[1].ends_with("· 👍 100 · 🔎 diffusion"),
            "{}",
            lines[1]
        );
        assert!(
            lines[4].starts_with("-# close to \\*Attention\\* @\u{200B}everyone \\[x\\]"),
            "{}",
            lines[4]
        );
        let heading = lines.iter().position(|l| *l == "✨ **For you**").unwrap();
        assert!(
            lines[heading + 1].starts_with("**6.** "),
            "{}",
            lines[heading + 1]
        );
        assert_eq!(lines[heading + 2], "-# close to \\*Saved\\*");
        // A paper listed twice is offered once.
        assert_eq!(m[0].menu.as_ref().unwrap().options.len(), 5);
    }
}
