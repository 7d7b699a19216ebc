//! A channel's cards for a day: one card per selected paper, packed, under the header line
//! ("📰 Daily Papers — date · N papers") in the `full` layout or after the index in the
//! `glance` one; or a short notice when nothing is selected.
//!
//! # Size budget
//! A full paper (title, 5–8 Korean bullets) is 1,000–2,000 characters, so a 12-paper day at
//! full length needs 3–4 messages of 6,000 characters. Rather than flood a channel (or a
//! thread), each card gets a share of a message: with `n` papers, the fewest messages that hold
//! at most [`MIN_PAPERS_PER_MESSAGE`] papers each is `m = ceil(n / 6)`, and every card is trimmed
//! to `6000 / ceil(n / m)` characters (at least 1,000; up to the whole message for a single
//! paper). The bullets absorb the trimming (the method and the note first, see
//! [`super::bullets`]); the chrome is two rows whatever the budget. A 12-paper day is 2 messages
//! of cards, a 68-paper day 12.

use chrono::{DateTime, NaiveDate, Utc};

use super::dates::date_text;
use super::limits::{MAX_CONTENT_CHARS, MAX_EMBED_CHARS_PER_MESSAGE};
use super::paper::{card, CardContext, Overlay, MIN_PAPERS_PER_MESSAGE};
use super::sanitise::truncate_chars;
use super::save_menu::save_menu;
use super::spec::{pack, MessageSpec};
use crate::language::Language;
use crate::select::filter::Selected;
use crate::source::digest::Paper;
use crate::t;

/// What the header line needs to know beyond the selected papers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RenderContext {
    pub date: NaiveDate,
    /// Papers in the day's digest before the channel's filter.
    pub total_in_digest: usize,
    /// Whether the channel has a filter (then the header says "N of M").
    pub filtered: bool,
    /// When the digest was fetched: vote counts keep changing for days, so each card's
    /// timestamp says whose moment its votes are from.
    pub votes_at: Option<DateTime<Utc>>,
    /// The day is still growing at its source (a Hugging Face list before its day is over):
    /// the header says "so far" and when it was fetched.
    pub provisional: bool,
}

/// The messages for one channel and day in the `full` layout, their chrome in `lang`: the
/// cards, the first message carrying the header line; with nothing selected a single
/// [`empty_notice`] instead, so callers always have something to post.
pub fn render_digest(
    ctx: &RenderContext,
    selected: &[Selected<'_>],
    lang: &Language,
) -> Vec<MessageSpec> {
    render_digest_with(ctx, selected, None, lang)
}

/// [`render_digest`] with machine-written bullets for the papers `overlay` has.
pub fn render_digest_with(
    ctx: &RenderContext,
    selected: &[Selected<'_>],
    overlay: Option<&Overlay>,
    lang: &Language,
) -> Vec<MessageSpec> {
    if selected.is_empty() {
        let reason = if ctx.total_in_digest == 0 {
            EmptyReason::NoPapers
        } else {
            EmptyReason::NothingMatched
        };
        return vec![empty_notice(ctx.date, reason, lang)];
    }
    let mut messages = card_messages(ctx, selected, overlay, lang);
    if let Some(first) = messages.first_mut() {
        first.content = Some(truncate_chars(
            &post_header(ctx, selected.len(), lang),
            MAX_CONTENT_CHARS,
        ));
    }
    messages
}

/// The selected papers' cards, in order, packed, each message with the "🔖 Save…" menu of its
/// own papers and no text: what follows an index, or a `full` day's header.
pub(super) fn card_messages(
    ctx: &RenderContext,
    selected: &[Selected<'_>],
    overlay: Option<&Overlay>,
    lang: &Language,
) -> Vec<MessageSpec> {
    let cx = CardContext {
        budget: digest_embed_budget(selected.len()),
        votes_at: ctx.votes_at,
        date: ctx.date,
        thumbnail: false,
        lang,
    };
    let embeds = selected
        .iter()
        .map(|s| card(s.paper, &s.matched, machine_for(s.paper, overlay), &cx))
        .collect();
    let mut messages = pack(embeds);
    attach_save_menus(&mut messages, selected, lang);
    messages
}

/// "📰 **Daily Papers — 2 April 2024** · 12 papers": the day, said once a post.
pub(super) fn post_header(ctx: &RenderContext, selected: usize, lang: &Language) -> String {
    let count = if ctx.filtered {
        t!(
            lang,
            "post-count-filtered",
            shown = selected,
            total = ctx.total_in_digest
        )
    } else {
        t!(lang, "papers-count", count = selected)
    };
    let date = date_text(ctx.date, lang);
    if ctx.provisional {
        let when = ctx
            .votes_at
            .map(|t| {
                t!(
                    lang,
                    "post-fetched-at",
                    time = t.format("%H:%M UTC").to_string()
                )
            })
            .unwrap_or_else(|| t!(lang, "post-fetched-now"));
        t!(
            lang,
            "post-header-growing",
            date = date,
            count = count,
            when = when
        )
    } else {
        t!(lang, "post-header", date = date, count = count)
    }
}

/// Gives each message the "🔖 Save…" menu of its own papers. Packing keeps one embed per paper,
/// in order, so a message's papers are the next `embeds.len()` of `selected`.
pub(super) fn attach_save_menus(
    messages: &mut [MessageSpec],
    selected: &[Selected<'_>],
    lang: &Language,
) {
    let placeholder = t!(lang, "saved-menu-placeholder");
    let mut papers = selected.iter().map(|s| s.paper);
    for message in messages {
        let own: Vec<&Paper> = papers.by_ref().take(message.embeds.len()).collect();
        message.menu = save_menu(&own, &placeholder);
    }
}

/// The machine-written bullets `overlay` has for `paper`, by its arXiv id.
pub(super) fn machine_for<'a>(
    paper: &crate::source::digest::Paper,
    overlay: Option<&'a Overlay>,
) -> Option<&'a super::paper::MachineBullets> {
    overlay?.get(paper.arxiv_id.as_deref()?).map(|m| &**m)
}

/// Per-embed budget for an `n`-paper digest: see the module docs.
pub fn digest_embed_budget(n: usize) -> usize {
    let n = n.max(1);
    let messages = n.div_ceil(MIN_PAPERS_PER_MESSAGE);
    let per_message = n.div_ceil(messages);
    MAX_EMBED_CHARS_PER_MESSAGE / per_message
}

/// Why a channel gets no papers today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmptyReason {
    /// The digest was published but lists no papers.
    NoPapers,
    /// Papers exist but the channel's filter kept none.
    NothingMatched,
    /// The day's digest is not out yet.
    NotPublished,
    /// The publish deadline passed without a digest.
    NeverPublished,
}

/// The short, content-only message a reader gets instead of papers (when it asked for one).
pub fn empty_notice(date: NaiveDate, reason: EmptyReason, lang: &Language) -> MessageSpec {
    let key = match reason {
        EmptyReason::NoPapers => "post-empty-no-papers",
        EmptyReason::NothingMatched => "post-empty-nothing-matched",
        EmptyReason::NotPublished => "post-empty-not-published",
        EmptyReason::NeverPublished => "post-empty-never-published",
    };
    MessageSpec {
        content: Some(t!(lang, key, date = date_text(date, lang))),
        embeds: Vec::new(),
        menu: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::testing::*;
    use crate::render::{paper_embed, EmbedSpec};
    use proptest::prelude::*;

    #[test]
    fn each_message_carries_a_save_menu_of_its_own_papers() {
        let papers = realistic_day(20);
        let selected: Vec<Selected> = papers
            .iter()
            .map(|paper| Selected {
                paper,
                matched: vec![],
            })
            .collect();
        let ctx = RenderContext {
            date: date(),
            total_in_digest: papers.len(),
            ..RenderContext::default()
        };
        let messages = render_digest(&ctx, &selected, &crate::language::Language::english());
        assert!(messages.len() > 1);
        assert_valid(&messages);
        let mut offered = Vec::new();
        for m in &messages {
            let menu = m.menu.as_ref().expect("every message of papers has a menu");
            assert_eq!(menu.options.len(), m.embeds.len());
            for (o, e) in menu.options.iter().zip(&m.embeds) {
                // The option is the paper the embed shows.
                assert!(e.url.as_deref().unwrap().ends_with(&o.value), "{o:?}");
            }
            offered.extend(menu.options.iter().map(|o| o.value.clone()));
            let json = m.to_json(None);
            assert_eq!(
                json["components"][0]["components"][0]["custom_id"],
                crate::render::SAVE_MENU_ID
            );
        }
        let all: Vec<String> = papers.iter().map(|p| p.arxiv_id.clone().unwrap()).collect();
        assert_eq!(offered, all);
        // A notice has no papers, so no menu.
        assert_eq!(
            empty_notice(
                date(),
                EmptyReason::NoPapers,
                &crate::language::Language::english()
            )
            .menu,
            None
        );
    }

    /// What each real day costs in the `full` layout, every paper selected (a channel without
    /// keywords): (name, papers, messages, embed characters, cards ending in "…", cards whose
    /// last line is a lone "…").
    /// (name, papers, messages, embed characters, cards ending in "…", on a lone "…").
    type Cost = (String, usize, usize, usize, usize, usize);

    fn full_cost_of_fixture_days() -> Vec<Cost> {
        fixture_days()
            .into_iter()
            .map(|(name, papers)| {
                let digest = crate::source::digest::Digest {
                    date: date(),
                    papers,
                };
                // As the daily post draws it (`paperboy preview --layout full`).
                let messages = crate::render::channel_messages(
                    date(),
                    crate::render::DayContent::Digest(&digest, None),
                    &crate::select::filter::Filter::default(),
                    false,
                    &Language::english(),
                );
                assert_valid(&messages);
                let cards: Vec<&EmbedSpec> = messages.iter().flat_map(|m| &m.embeds).collect();
                let chars: usize = messages.iter().map(MessageSpec::char_count).sum();
                let cut = cards
                    .iter()
                    .filter(|e| e.description.ends_with('…'))
                    .count();
                let lone = cards
                    .iter()
                    .filter(|e| {
                        e.description
                            .lines()
                            .last()
                            .is_some_and(|l| l.trim() == "…")
                    })
                    .count();
                (name, digest.papers.len(), messages.len(), chars, cut, lone)
            })
            .collect()
    }

    /// What each real day cost before the cards were made compact (measured with `paperboy
    /// preview --json` of the release before): messages, embed characters, cards ending in
    /// "…", cards ending on a lone "…" line; and what it costs now. The cards keep more of
    /// their bullets in fewer characters: no card ends on a lone "…" any more, and the two
    /// that end in "…" at all are cut at a word.
    #[test]
    fn the_real_days_cost_fewer_characters_and_no_card_ends_on_a_lone_ellipsis() {
        let before = [
            ("digests/2023-11-20.md", 11, 2, 9_716, 3, 0),
            ("digests/2024-03-15.md", 14, 3, 14_292, 1, 0),
            ("digests/2024-04-02.md", 12, 2, 11_137, 5, 3),
            ("digests/2024-06-12.md", 16, 3, 15_625, 14, 5),
            ("digests/2024-08-07.md", 12, 2, 11_791, 9, 2),
            ("digests/2024-10-18.md", 9, 2, 9_723, 1, 0),
            ("digests/2024-10-25.md", 31, 6, 30_443, 22, 4),
            ("digests/2025-01-27.md", 12, 2, 11_915, 9, 1),
            ("digests/2025-02-19.md", 68, 12, 66_352, 51, 11),
            ("digests/2025-05-09.md", 20, 4, 21_628, 6, 0),
            ("hf-api/2024-10-25.json", 29, 5, 24_804, 4, 1),
        ];
        let measured = full_cost_of_fixture_days();
        for (name, papers, messages, chars, cut, lone) in &measured {
            println!("{name}: {papers} papers, {messages} messages, {chars} characters, {cut} cut, {lone} on a lone …");
        }
        assert_eq!(measured.len(), before.len());
        for (now, was) in measured.iter().zip(before) {
            let (name, papers, messages, chars, cut, lone) = now;
            assert_eq!((name.as_str(), *papers), (was.0, was.1));
            assert!(*messages <= was.2, "{name}: {messages} messages");
            assert!(*chars < was.3, "{name}: {chars} characters");
            assert!(*cut <= was.4, "{name}");
            assert_eq!(*lone, 0, "{name}");
        }
        let total = |f: fn(&Cost) -> usize| -> usize { measured.iter().map(f).sum() };
        assert_eq!(before.iter().map(|b| b.2).sum::<usize>(), 43);
        assert_eq!(total(|m| m.2), 41);
        assert_eq!(before.iter().map(|b| b.3).sum::<usize>(), 227_426);
        assert_eq!(total(|m| m.3), 201_690);
        assert_eq!((total(|m| m.4), total(|m| m.5)), (5, 0));
        let feb = measured
            .iter()
            .find(|m| m.0.ends_with("2025-02-19.md"))
            .unwrap();
        assert_eq!((feb.2, feb.3, feb.4), (12, 60_317, 2));
    }

    #[test]
    fn every_paper_of_every_real_day_has_its_links_within_every_limit() {
        for (name, papers) in fixture_days() {
            let selected: Vec<Selected> = papers
                .iter()
                .map(|paper| Selected {
                    paper,
                    matched: vec!["llm".into()],
                })
                .collect();
            let ctx = RenderContext {
                date: date(),
                total_in_digest: papers.len(),
                ..RenderContext::default()
            };
            let messages = render_digest(&ctx, &selected, &Language::english());
            assert_valid(&messages);
            let budget = digest_embed_budget(papers.len());
            let embeds: Vec<&EmbedSpec> = messages.iter().flat_map(|m| &m.embeds).collect();
            assert_eq!(embeds.len(), papers.len(), "{name}");
            for (e, p) in embeds.iter().zip(&papers) {
                assert!(e.char_count() <= budget, "{name}: {}", e.char_count());
                if let Some(id) = &p.arxiv_id {
                    // arXiv once, by the title; then PDF and Hugging Face on the stats row.
                    assert_eq!(e.url, Some(format!("https://arxiv.org/abs/{id}")), "{name}");
                    let links = e.description.lines().next().unwrap();
                    assert!(
                        links.contains(&format!("[PDF](https://arxiv.org/pdf/{id}) · [Hugging Face](https://huggingface.co/papers/{id})")),
                        "{name}: {links}"
                    );
                    assert!(e.footer.starts_with("🔎 llm"), "{name}: {}", e.footer);
                }
            }
        }
    }

    #[test]
    fn a_realistic_12_paper_day_is_two_messages() {
        let papers = realistic_day(12);
        let embeds: Vec<EmbedSpec> = papers.iter().map(|p| paper_embed(p, &[], date())).collect();
        let messages = pack(embeds);
        assert_eq!(messages.len(), 2);
        assert_valid(&messages);

        let selected: Vec<Selected> = papers
            .iter()
            .map(|paper| Selected {
                paper,
                matched: vec![],
            })
            .collect();
        let ctx = RenderContext {
            date: date(),
            total_in_digest: 12,
            filtered: false,
            ..RenderContext::default()
        };
        let messages = render_digest(&ctx, &selected, &Language::english());
        assert_eq!(messages.len(), 2);
        assert_valid(&messages);
        assert_eq!(
            messages[0].content.as_deref(),
            Some("📰 **Daily Papers — 2024-04-02** · 12 papers")
        );
        assert_eq!(messages[1].content, None);
        // Trimmed, but each still shows a real share of its summary.
        for e in messages.iter().flat_map(|m| &m.embeds) {
            assert!(
                e.description.chars().count() >= 400,
                "{}",
                e.description.chars().count()
            );
        }
    }

    #[test]
    fn a_68_paper_day_is_twelve_messages_and_small_days_get_more_room() {
        let papers = realistic_day(68);
        let selected: Vec<Selected> = papers
            .iter()
            .map(|paper| Selected {
                paper,
                matched: vec![],
            })
            .collect();
        let ctx = RenderContext {
            date: date(),
            total_in_digest: 68,
            filtered: false,
            ..RenderContext::default()
        };
        let messages = render_digest(&ctx, &selected, &Language::english());
        assert_eq!(messages.len(), 12);
        assert_valid(&messages);

        assert_eq!(digest_embed_budget(1), 6000);
        assert_eq!(digest_embed_budget(3), 2000);
        assert_eq!(digest_embed_budget(7), 1500);
        assert_eq!(digest_embed_budget(12), 1000);
        assert_eq!(digest_embed_budget(13), 1200);
        let three = render_digest(
            &RenderContext {
                date: date(),
                total_in_digest: 3,
                filtered: false,
                ..RenderContext::default()
            },
            &selected[..3],
            &Language::english(),
        );
        assert_eq!(three.len(), 1);
        // A lone paper is shown whole.
        let one = render_digest(&ctx, &selected[..1], &Language::english());
        let bullets = papers[0]
            .bullets
            .iter()
            .map(|b| format!("• {b}"))
            .collect::<Vec<_>>()
            .join("\n");
        let links = "👍 100 · [PDF](https://arxiv.org/pdf/2404.00000) · [Hugging Face](https://huggingface.co/papers/2404.00000)";
        assert_eq!(one[0].embeds[0].description, format!("{links}\n{bullets}"));
        assert_eq!(
            one[0].content.as_deref(),
            Some("📰 **Daily Papers — 2024-04-02** · 1 paper")
        );
    }

    #[test]
    fn filtered_header_and_empty_results() {
        let papers = realistic_day(3);
        let selected = vec![Selected {
            paper: &papers[1],
            matched: vec!["모델".into()],
        }];
        let ctx = RenderContext {
            date: date(),
            total_in_digest: 12,
            filtered: true,
            ..RenderContext::default()
        };
        let messages = render_digest(&ctx, &selected, &Language::english());
        assert_eq!(
            messages[0].content.as_deref(),
            Some("📰 **Daily Papers — 2024-04-02** · 1 of 12 papers (filtered for this channel)")
        );
        assert!(messages[0].embeds[0].footer.starts_with("🔎 모델 · "));

        assert_eq!(
            render_digest(&ctx, &[], &Language::english()),
            vec![empty_notice(
                date(),
                EmptyReason::NothingMatched,
                &Language::english()
            )]
        );
        let none = RenderContext {
            total_in_digest: 0,
            ..ctx
        };
        assert_eq!(
            render_digest(&none, &[], &Language::english()),
            vec![empty_notice(
                date(),
                EmptyReason::NoPapers,
                &Language::english()
            )]
        );
    }

    #[test]
    fn empty_notices_are_short_content_only_messages() {
        for reason in [
            EmptyReason::NoPapers,
            EmptyReason::NothingMatched,
            EmptyReason::NotPublished,
            EmptyReason::NeverPublished,
        ] {
            let m = empty_notice(date(), reason, &Language::english());
            assert!(m.embeds.is_empty());
            let content = m.content.as_deref().unwrap();
            assert!(content.contains("2024-04-02"));
            assert!(content.chars().count() < 200);
            assert_eq!(violations(&m.to_json(None)), Vec::<String>::new());
        }
        assert_ne!(
            empty_notice(date(), EmptyReason::NoPapers, &Language::english()),
            empty_notice(date(), EmptyReason::NotPublished, &Language::english())
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn render_digest_respects_every_limit(papers in prop::collection::vec(arb_paper(), 1..30)) {
            let selected: Vec<Selected> =
                papers.iter().map(|paper| Selected { paper, matched: vec![] }).collect();
            let ctx = RenderContext { date: date(), total_in_digest: papers.len(), filtered: false, ..RenderContext::default() };
            let messages = render_digest(&ctx, &selected, &Language::english());
            prop_assert!(messages.len() <= papers.len().div_ceil(MIN_PAPERS_PER_MESSAGE));
            prop_assert_eq!(messages.iter().map(|m| m.embeds.len()).sum::<usize>(), papers.len());
            for m in &messages {
                prop_assert_eq!(violations(&m.to_json(None)), Vec::<String>::new());
            }
        }
    }
}
