//! A ranking (the week's or month's best) as messages: the index of it (the caller's header,
//! each paper numbered with its votes and day, what is new about it), then one card per paper
//! in rank order, numbered, packed, the "🔖 Save…" menu under each message. The papers go
//! through the same index and card renderers as a day's, so the same neutralising and limits
//! hold.

use chrono::{DateTime, NaiveDate, Utc};

use super::dates::date_text;
use super::digest::{attach_save_menus, digest_embed_budget, machine_for};
use super::index::{index_messages, Entry, IndexSpec, More, Section};
use super::paper::{card, CardContext, Overlay};
use super::spec::{pack, MessageSpec};
use crate::language::Language;
use crate::select::filter::Selected;
use crate::select::ranking::Ranked;

/// The messages of a ranking. `header` is the index's first line (translated by the caller);
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
    let spec = IndexSpec {
        header: header.to_string(),
        sections: vec![Section {
            heading: None,
            entries: ranked
                .iter()
                .map(|r| Entry {
                    tag: Some(date_text(r.date, lang)),
                    ..Entry::new(r.paper, r.matched.clone())
                })
                .collect(),
        }],
        top: 0,
        more: More::Below,
    };
    let mut messages = index_messages(&spec, overlay, lang);
    let budget = digest_embed_budget(ranked.len());
    let embeds = ranked
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let cx = CardContext {
                // Room for the number before the title.
                budget: budget.saturating_sub(8),
                votes_at,
                date: r.date,
                thumbnail: false,
                lang,
            };
            let mut embed = card(r.paper, &r.matched, machine_for(r.paper, overlay), &cx);
            embed.title = super::sanitise::truncate_chars(
                &format!("#{} · {}", i + 1, embed.title),
                super::limits::MAX_TITLE_CHARS,
            );
            embed
        })
        .collect();
    let mut cards = pack(embeds);
    let selected: Vec<Selected<'_>> = ranked
        .iter()
        .map(|r| Selected {
            paper: r.paper,
            matched: r.matched.clone(),
        })
        .collect();
    attach_save_menus(&mut cards, &selected, lang);
    messages.extend(cards);
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
        // The index first: the header, each paper numbered with its votes and its day.
        let index = messages[0].content.as_deref().unwrap();
        assert!(index.starts_with("🏆 header\n**1.** [Paper 0"), "{index}");
        assert!(index.contains("· 👍 100 · 2024-04-02"), "{index}");
        assert!(messages[0].embeds.is_empty());
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
            .skip(1)
            .map(|m| m.menu.as_ref().unwrap().options.len())
            .sum();
        assert_eq!(offered, 10);
        assert_eq!(messages[0].menu.as_ref().unwrap().options.len(), 10);
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
                lines: vec![crate::render::MachineLine {
                    role: crate::render::Role::New,
                    label: "What's new".into(),
                    text: "MODEL-WRITTEN @everyone".into(),
                }],
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
        // Only the paper the overlay has (its card, and its line in the index): the others
        // keep their own text.
        assert_eq!(text.matches("MODEL-WRITTEN").count(), 2, "{text}");
        let without = top_messages("h", &ranked, None, &en, None);
        let plain: String = without
            .iter()
            .map(|m| serde_json::to_string(&m.to_json(None)).unwrap())
            .collect();
        assert!(!plain.contains("MODEL-WRITTEN"));
    }
}
