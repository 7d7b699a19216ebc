//! A ranking (the week's or month's best) as messages: a header line, one embed per paper in
//! rank order (each with its day, summary and links, as in a daily post, numbered), packed, and
//! the "🔖 Save…" menu under each message. The papers' text goes through the same embed builder
//! as a day's, so the same neutralising and limits hold.

use chrono::{DateTime, NaiveDate, Utc};

use super::digest::{attach_save_menus, digest_embed_budget, machine_for, votes_as_of};
use super::limits::MAX_CONTENT_CHARS;
use super::paper::{paper_embed_written, Overlay};
use super::sanitise::truncate_chars;
use super::spec::{pack, MessageSpec};
use crate::language::Language;
use crate::select::filter::Selected;
use crate::select::ranking::Ranked;

/// The messages of a ranking. `header` is the first message's text (translated by the caller);
/// `votes_at` says when the votes were counted; the chrome is in `lang`; papers `overlay` has
/// show its machine-written bullets, as in a daily post. Nothing when the ranking is empty.
pub fn top_messages(
    header: &str,
    ranked: &[Ranked<'_>],
    votes_at: Option<DateTime<Utc>>,
    lang: &Language,
    overlay: Option<&Overlay>,
) -> Vec<MessageSpec> {
    if ranked.is_empty() {
        return Vec::new();
    }
    let budget = digest_embed_budget(ranked.len());
    let note = votes_at.map(|t| votes_as_of(t, lang));
    let embeds = ranked
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut embed = paper_embed_written(
                r.paper,
                &r.matched,
                r.date,
                budget,
                note.as_deref(),
                machine_for(r.paper, overlay),
                lang,
            );
            embed.title = format!("#{} · {}", i + 1, embed.title);
            embed
        })
        .collect();
    let mut messages = pack(embeds);
    let selected: Vec<Selected<'_>> = ranked
        .iter()
        .map(|r| Selected {
            paper: r.paper,
            matched: r.matched.clone(),
        })
        .collect();
    attach_save_menus(&mut messages, &selected, lang);
    if let Some(first) = messages.first_mut() {
        first.content = Some(truncate_chars(header, MAX_CONTENT_CHARS));
    }
    messages
}

/// The days a ranking covers, for its header: `first – last`.
pub fn span(dates: &[NaiveDate]) -> String {
    match (dates.first(), dates.last()) {
        (Some(a), Some(b)) if a != b => format!("{a} – {b}"),
        (Some(a), _) => a.to_string(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::testing::*;
    use crate::select::filter::Filter;
    use crate::source::digest::Digest;

    #[test]
    fn a_ranking_is_numbered_packed_valid_and_saveable() {
        let days = vec![Digest {
            date: date(),
            papers: realistic_day(12),
        }];
        let ranked = crate::select::ranking::top_papers(&days, &Filter::default(), 10);
        let messages = top_messages(
            "🏆 header",
            &ranked,
            None,
            &crate::language::Language::english(),
            None,
        );
        assert_valid(&messages);
        assert_eq!(messages[0].content.as_deref(), Some("🏆 header"));
        let embeds: Vec<_> = messages.iter().flat_map(|m| &m.embeds).collect();
        assert_eq!(embeds.len(), 10);
        assert!(
            embeds[0].title.starts_with("#1 · Paper 0"),
            "{}",
            embeds[0].title
        );
        assert!(embeds[9].title.starts_with("#10 · "));
        let offered: usize = messages
            .iter()
            .map(|m| m.menu.as_ref().unwrap().options.len())
            .sum();
        assert_eq!(offered, 10);
        assert!(
            top_messages("h", &[], None, &crate::language::Language::english(), None).is_empty()
        );
        assert_eq!(
            span(&[date(), date() + chrono::Duration::days(6)]),
            "2024-04-02 – 2024-04-08"
        );
    }

    #[test]
    fn a_ranked_paper_carries_its_machine_written_bullets_like_a_daily_post() {
        let days = vec![Digest {
            date: date(),
            papers: realistic_day(3),
        }];
        let ranked = crate::select::ranking::top_papers(&days, &Filter::default(), 3);
        let first = ranked[0].paper.arxiv_id.clone().expect("an arXiv id");
        let overlay: Overlay = [(
            first,
            std::sync::Arc::new(crate::render::MachineBullets {
                lines: vec![("What's new".into(), "MODEL-WRITTEN @everyone".into())],
                note: "bullets by test-model".into(),
            }),
        )]
        .into_iter()
        .collect();
        let en = crate::language::Language::english();
        let messages = top_messages("h", &ranked, None, &en, Some(&overlay));
        assert_valid(&messages);
        let text: String = messages
            .iter()
            .map(|m| serde_json::to_string(&m.to_json(None)).unwrap())
            .collect();
        assert!(text.contains("MODEL-WRITTEN"), "{text}");
        assert!(text.contains("test-model"), "{text}");
        assert!(!text.contains("@everyone"), "mentions defused: {text}");
        // Only the paper the overlay has: the others keep their own text.
        assert_eq!(text.matches("MODEL-WRITTEN").count(), 1, "{text}");
        let without = top_messages("h", &ranked, None, &en, None);
        let plain = serde_json::to_string(&without[0].to_json(None)).unwrap();
        assert!(!plain.contains("MODEL-WRITTEN"));
    }
}
