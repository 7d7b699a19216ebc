//! A person's alert DM for a day: one message, the index of their matches (each with the terms
//! that matched) as its text and the cards of the first ones as its embeds.
//!
//! Why it exists: a person gets one DM a day whatever matched, unlike a channel, whose day may
//! take many messages; so an alert has its own layout around the same index and cards.
//! [`render_alert_sections`] takes the sections as a caller ordered and annotated them (a
//! person's ranking, a "for you" section: see [`super::index`]); [`render_alert_with`] is the
//! day's own order, by votes.

use chrono::{DateTime, NaiveDate, Utc};

use super::dates::date_text;
use super::digest::machine_for;
use super::index::{index_in_one_leaving, Entry, IndexSpec, More, Section};
use super::limits::{MAX_CONTENT_CHARS, MAX_EMBEDS_PER_MESSAGE, MAX_EMBED_CHARS_PER_MESSAGE};
use super::paper::{card, CardContext, Overlay};
use super::sanitise::{chars, truncate_chars};
use super::spec::{pack, FieldSpec, MessageSpec};
use crate::language::Language;
use crate::select::filter::Selected;
use crate::t;

/// A person's alert DM for a day: always one message (Discord's "one DM a day" promise is to
/// people, not channels). Its chrome is in `lang`, the person's alerts' language.
pub fn render_alert(
    date: NaiveDate,
    total_in_digest: usize,
    votes_at: Option<DateTime<Utc>>,
    selected: &[Selected<'_>],
    lang: &Language,
) -> Option<MessageSpec> {
    render_alert_with(date, total_in_digest, votes_at, selected, None, lang)
}

/// [`render_alert`] with machine-written bullets for the papers `overlay` has; the papers in
/// the order given, each tagged with the terms that matched it.
pub fn render_alert_with(
    date: NaiveDate,
    total_in_digest: usize,
    votes_at: Option<DateTime<Utc>>,
    selected: &[Selected<'_>],
    overlay: Option<&Overlay>,
    lang: &Language,
) -> Option<MessageSpec> {
    let entries = selected
        .iter()
        .map(|s| Entry {
            tag: matched_tag(&s.matched),
            ..Entry::new(s.paper, s.matched.clone())
        })
        .collect();
    render_alert_sections(
        date,
        total_in_digest,
        votes_at,
        vec![Section {
            heading: None,
            entries,
        }],
        overlay,
        lang,
    )
}

/// "🔎 diffusion, llm": the terms that matched, for an entry's title row.
pub fn matched_tag(matched: &[String]) -> Option<String> {
    let terms: Vec<&str> = matched
        .iter()
        .map(|t| t.strip_prefix("author:").unwrap_or(t))
        .filter(|t| !t.trim().is_empty())
        .collect();
    (!terms.is_empty()).then(|| format!("🔎 {}", terms.join(", ")))
}

/// A person's DM from sections a caller ordered and annotated (see [`super::index`]): the
/// index of every section as the message's text (the first section's count in its header), and
/// the cards of the first entries, as many as one message holds (at most 10, within 6,000
/// characters), in the index's order. `None` when no section has an entry.
pub fn render_alert_sections(
    date: NaiveDate,
    total_in_digest: usize,
    votes_at: Option<DateTime<Utc>>,
    sections: Vec<Section<'_>>,
    overlay: Option<&Overlay>,
    lang: &Language,
) -> Option<MessageSpec> {
    let header = t!(
        lang,
        "alert-header",
        date = date_text(date, lang),
        count = sections.first().map_or(0, |s| s.entries.len()),
        total = total_in_digest
    );
    dm_of_sections(
        header,
        DmDay {
            date,
            votes_at,
            overlay,
        },
        sections,
        &[],
        &|_, _| None,
        lang,
    )
}

/// The day a DM is about: its date, when its votes were counted, its machine-written bullets.
#[derive(Debug, Clone, Copy)]
pub struct DmDay<'a> {
    pub date: NaiveDate,
    pub votes_at: Option<DateTime<Utc>>,
    pub overlay: Option<&'a Overlay>,
}

/// Room kept in a card for the field a caller adds to it (see [`dm_of_sections`]).
pub const CARD_FIELD_ROOM: usize = 120;

/// The one layout of every DM of a day: `header` (paperboy's words), `news` (lines made safe
/// by the caller, each kept whole: the index leaves room for them), the index of `sections`,
/// and the cards of the first entries (every later section's kept). `field` may give a card one more field (section number,
/// entry), e.g. why a reader gets it; the cards then leave [`CARD_FIELD_ROOM`] for it. With no
/// entry, the header and the news alone; `None` when there is nothing at all.
pub fn dm_of_sections(
    header: String,
    day: DmDay<'_>,
    sections: Vec<Section<'_>>,
    news: &[String],
    field: &dyn Fn(usize, &Entry<'_>) -> Option<FieldSpec>,
    lang: &Language,
) -> Option<MessageSpec> {
    let entries: Vec<(usize, &Entry<'_>)> = sections
        .iter()
        .enumerate()
        .flat_map(|(i, s)| s.entries.iter().map(move |e| (i, e)))
        .collect();
    let news: String = news.iter().map(|l| format!("\n{l}")).collect();
    if entries.is_empty() {
        return (!news.is_empty()).then(|| MessageSpec {
            content: Some(truncate_chars(
                &format!("{header}{news}"),
                MAX_CONTENT_CHARS,
            )),
            embeds: Vec::new(),
            menu: None,
        });
    }
    // The later sections' entries (a person's recommendations) keep their cards; the first
    // section's fill the rest of the message's ten.
    let later = entries
        .iter()
        .filter(|(i, _)| *i > 0)
        .count()
        .min(MAX_EMBEDS_PER_MESSAGE);
    let first = (MAX_EMBEDS_PER_MESSAGE - later).min(entries.len() - later);
    let carded: Vec<(usize, &Entry<'_>)> = entries
        .iter()
        .filter(|(i, _)| *i == 0)
        .take(first)
        .chain(entries.iter().filter(|(i, _)| *i > 0).take(later))
        .copied()
        .collect();
    let shown = carded.len();
    let fields: Vec<Option<FieldSpec>> = carded.iter().map(|(i, e)| field(*i, e)).collect();
    let room = if fields.iter().any(Option::is_some) {
        CARD_FIELD_ROOM
    } else {
        0
    };
    let cx = CardContext {
        budget: (MAX_EMBED_CHARS_PER_MESSAGE / shown).saturating_sub(room),
        votes_at: day.votes_at,
        date: day.date,
        thumbnail: false,
        lang,
    };
    let embeds = carded
        .iter()
        .zip(fields)
        .map(|((_, e), f)| {
            let mut card = card(e.paper, &e.matched, machine_for(e.paper, day.overlay), &cx);
            if let Some(f) = f {
                card.fields.push(f);
                card = card.fit_limits();
            }
            card
        })
        .collect();
    let mut message = pack(embeds).into_iter().next()?;
    let placeholder = t!(lang, "saved-menu-placeholder");
    let plain: Vec<&crate::source::digest::Paper> = entries.iter().map(|(_, e)| e.paper).collect();
    message.menu = super::save_menu::save_menu(&plain, &placeholder);
    let spec = IndexSpec {
        header: header.clone(),
        sections,
        top: 0,
        more: More::Command(day.date),
    };
    let content = index_in_one_leaving(&spec, day.overlay, lang, chars(&news))
        .content
        .unwrap_or_default();
    // The news under the header, where an index edited later keeps it (`reindex`).
    let content = match content.strip_prefix(header.as_str()) {
        Some(rest) if !news.is_empty() => format!("{header}{news}{rest}"),
        _ => format!("{content}{news}"),
    };
    message.content = Some(truncate_chars(&content, MAX_CONTENT_CHARS));
    Some(message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::limits::MAX_CONTENT_CHARS;
    use crate::render::sanitise::chars;
    use crate::render::testing::*;
    use crate::render::EmbedSpec;
    use crate::source::digest::Paper;

    #[test]
    fn an_alert_is_one_message_its_index_listing_what_its_cards_cannot_hold() {
        let mut papers: Vec<Paper> = (0..40)
            .map(|i| {
                let mut p = paper(&format!("Paper *{i}* [x](y) @everyone {}", "t".repeat(200)));
                p.arxiv_id = Some(format!("2404.{i:05}"));
                p.bullets = vec![korean(900), korean(900)];
                p
            })
            .collect();
        papers[39].url = None;
        let selected: Vec<Selected<'_>> = papers
            .iter()
            .map(|p| Selected {
                paper: p,
                matched: vec!["llm".into()],
            })
            .collect();
        let en = Language::english();
        assert!(render_alert(date(), 68, None, &[], &en).is_none());
        let one = render_alert(date(), 68, None, &selected[..3], &en).unwrap();
        assert_eq!(one.embeds.len(), 3);
        let content = one.content.as_deref().unwrap();
        assert!(content.contains("3 of 68 papers"), "{content}");
        assert!(!content.contains("more:"), "{content}");
        assert_eq!(content.lines().filter(|l| l.starts_with("**")).count(), 3);

        let m = render_alert(date(), 68, None, &selected, &en).unwrap();
        assert_eq!(m.embeds.len(), MAX_EMBEDS_PER_MESSAGE);
        assert!(
            m.embeds.iter().map(EmbedSpec::char_count).sum::<usize>()
                <= MAX_EMBED_CHARS_PER_MESSAGE
        );
        assert_valid(std::slice::from_ref(&m));
        let content = m.content.as_deref().unwrap();
        assert!(chars(content) <= MAX_CONTENT_CHARS, "{}", chars(content));
        assert!(content.contains("40 of 68 papers"), "{content}");
        // Each listed with the terms that matched; titles escaped and defused.
        assert!(content.contains("· 👍 24 · 🔎 llm"), "{content}");
        assert!(
            content.contains("Paper \\*10\\* \\[x\\]\\(y\\)"),
            "{content}"
        );
        assert!(!content.contains("@everyone"), "{content}");
        // What one message cannot list is counted, with where to see it.
        let listed = content.lines().filter(|l| l.starts_with("**")).count();
        assert!((10..40).contains(&listed), "{listed}");
        assert!(
            content.ends_with(&format!(
                "+{} more: `/papers date day:2024-04-02`",
                40 - listed
            )),
            "{content}"
        );
        assert_eq!(m.menu.as_ref().unwrap().options.len(), 25);
    }

    #[test]
    fn a_caller_ordered_dm_with_why_lines_and_a_second_section() {
        let papers: Vec<Paper> = (0..4)
            .map(|i| {
                let mut p = paper(&format!("Paper {i}"));
                p.arxiv_id = Some(format!("2404.0000{i}"));
                p
            })
            .collect();
        let entry = |i: usize, why: &str| Entry {
            why: Some(why.to_string()),
            ..Entry::new(&papers[i], vec!["llm".into()])
        };
        let sections = vec![
            Section {
                heading: None,
                entries: vec![entry(2, "close to *Saved one*"), entry(0, "")],
            },
            Section {
                heading: Some("✨ For you".into()),
                entries: vec![entry(3, "close to *Saved two*")],
            },
        ];
        let m =
            render_alert_sections(date(), 12, None, sections, None, &Language::english()).unwrap();
        let content = m.content.as_deref().unwrap();
        let lines: Vec<&str> = content.lines().collect();
        assert!(lines[0].contains("2 of 12 papers"), "{content}");
        assert!(lines[1].starts_with("**1.** [Paper 2]"), "{content}");
        assert_eq!(lines[2], "-# close to \\*Saved one\\*");
        assert!(lines.contains(&"✨ For you"), "{content}");
        assert!(content.contains("**3.** [Paper 3]"), "{content}");
        // The cards in the same order.
        let titles: Vec<&str> = m.embeds.iter().map(|e| e.title.as_str()).collect();
        assert_eq!(titles, ["Paper 2", "Paper 0", "Paper 3"]);
    }
}
