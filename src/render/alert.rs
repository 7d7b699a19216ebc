//! A person's alert DM for a day: their matches as embeds in one message, the rest as links.
//!
//! Why it exists: a person gets one DM a day whatever matched, unlike a channel, whose day may
//! take many messages; so an alert has its own layout around the same paper embeds.

use chrono::{DateTime, NaiveDate, Utc};

use super::dates::date_text;
use super::digest::votes_as_of;
use super::limits::{MAX_CONTENT_CHARS, MAX_EMBEDS_PER_MESSAGE, MAX_EMBED_CHARS_PER_MESSAGE};
use super::paper::{paper_embed_written, Overlay};
use super::sanitise::{chars, escape_markdown, is_http_url, one_line, truncate_chars};
use super::spec::{pack, MessageSpec};
use crate::language::Language;
use crate::select::filter::Selected;
use crate::t;

/// A person's alert DM for a day: always one message (Discord's "one DM a day" promise is to
/// people, not channels). The first matches, as many as one message holds, are embeds like a
/// channel post's; any further ones are listed as links in the text, so none is lost. Its
/// chrome is in `lang`, the person's alerts' language.
pub fn render_alert(
    date: NaiveDate,
    total_in_digest: usize,
    votes_at: Option<DateTime<Utc>>,
    selected: &[Selected<'_>],
    lang: &Language,
) -> Option<MessageSpec> {
    render_alert_with(date, total_in_digest, votes_at, selected, None, lang)
}

/// [`render_alert`] with machine-written bullets for the papers `overlay` has.
pub fn render_alert_with(
    date: NaiveDate,
    total_in_digest: usize,
    votes_at: Option<DateTime<Utc>>,
    selected: &[Selected<'_>],
    overlay: Option<&Overlay>,
    lang: &Language,
) -> Option<MessageSpec> {
    if selected.is_empty() {
        return None;
    }
    let shown = selected.len().min(MAX_EMBEDS_PER_MESSAGE);
    let budget = MAX_EMBED_CHARS_PER_MESSAGE / shown;
    let note = votes_at.map(|t| votes_as_of(t, lang));
    let embeds = selected[..shown]
        .iter()
        .map(|s| {
            let machine = super::digest::machine_for(s.paper, overlay);
            paper_embed_written(
                s.paper,
                &s.matched,
                date,
                budget,
                note.as_deref(),
                machine,
                lang,
            )
        })
        .collect();
    let mut message = pack(embeds).into_iter().next()?;
    let shown = message.embeds.len();
    let mut text = t!(
        lang,
        "alert-header",
        date = date_text(date, lang),
        count = selected.len(),
        total = total_in_digest
    );
    let rest = &selected[shown..];
    if !rest.is_empty() {
        text.push('\n');
        text.push_str(&t!(lang, "alert-also-matching"));
        for (i, s) in rest.iter().enumerate() {
            let title = escape_markdown(&truncate_chars(&one_line(&s.paper.title), 90));
            let line = match s.paper.url.as_deref().filter(|u| is_http_url(u)) {
                Some(url) => format!("\n• [{title}](<{url}>)"),
                None => format!("\n• {title}"),
            };
            let more = format!(
                "\n{}",
                t!(
                    lang,
                    "alert-and-more",
                    count = rest.len() - i,
                    iso = date.to_string()
                )
            );
            if chars(&text) + chars(&line) + chars(&more) > MAX_CONTENT_CHARS {
                text.push_str(&more);
                break;
            }
            text.push_str(&line);
        }
    }
    message.content = Some(text);
    Some(message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::testing::*;
    use crate::render::EmbedSpec;
    use crate::source::digest::Paper;

    #[test]
    fn an_alert_is_one_message_and_lists_what_its_embeds_cannot_hold() {
        let mut papers: Vec<Paper> = (0..40)
            .map(|i| {
                let mut p = paper(&format!("Paper *{i}* [x](y) @everyone {}", "t".repeat(200)));
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
        assert!(render_alert(date(), 68, None, &[], &Language::english()).is_none());
        let one = render_alert(date(), 68, None, &selected[..3], &Language::english()).unwrap();
        assert_eq!(one.embeds.len(), 3);
        let content = one.content.as_deref().unwrap();
        assert!(content.contains("3 of 68 papers"), "{content}");
        assert!(!content.contains("Also matching"), "{content}");

        let m = render_alert(date(), 68, None, &selected, &Language::english()).unwrap();
        assert_eq!(m.embeds.len(), MAX_EMBEDS_PER_MESSAGE);
        assert!(
            m.embeds.iter().map(EmbedSpec::char_count).sum::<usize>()
                <= MAX_EMBED_CHARS_PER_MESSAGE
        );
        let content = m.content.as_deref().unwrap();
        assert!(chars(content) <= MAX_CONTENT_CHARS, "{}", chars(content));
        assert!(content.contains("40 of 68 papers"), "{content}");
        assert!(content.contains("Also matching:"), "{content}");
        // Titles are escaped and defused; the list ends with a pointer to the rest.
        assert!(
            content.contains("Paper \\*10\\* \\[x\\]\\(y\\)"),
            "{content}"
        );
        assert!(!content.contains("@everyone"), "{content}");
        assert!(
            content.contains("more: `/papers date day:2024-04-02`"),
            "{content}"
        );
    }
}
