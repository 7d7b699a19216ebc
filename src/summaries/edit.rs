//! Whether a message already posted gets edited now that its papers' summaries arrived, and
//! into what; pure. A message is edited once: when no paper of it is still being summarised,
//! if at least one of them has a summary the message does not show. A message of cards keeps
//! its papers, order, text and timestamps; every card is drawn again within the message's
//! share of Discord's 6,000 characters, so the edit fits whatever the bullets' length. An index
//! keeps its header, its papers and its last line; their short lines (what is new) are written
//! again from the summaries.

use std::collections::HashSet;

use chrono::NaiveDate;
use serde_json::{json, Value};

use crate::language::Language;
use crate::render::{
    card, digest_embed_budget, reindex, CardContext, MessageSpec, Overlay,
    MAX_EMBED_CHARS_PER_MESSAGE,
};
use crate::source::digest::{arxiv_id_from_url, Digest, Paper};

/// What to do with one sent message.
#[derive(Debug, Clone, PartialEq)]
pub enum EditPlan {
    /// Some of its papers are still being summarised: look again later.
    Wait,
    /// Nothing to change, ever (no summary it lacks, nothing pending).
    Final,
    /// The body to send as the edit.
    Edit(Value),
}

/// The arXiv id a card is about: its title's link, or (a card of an earlier version) its
/// footer's `arXiv:2410.18057`.
fn embed_id(embed: &Value) -> Option<String> {
    if let Some(id) = embed["url"].as_str().and_then(arxiv_id_from_url) {
        return Some(id);
    }
    let footer = embed["footer"]["text"].as_str()?;
    let rest = &footer[footer.find("arXiv:")? + "arXiv:".len()..];
    let id: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '.')
        .collect();
    (!id.is_empty()).then_some(id)
}

/// Whether a card's footer already names the model that wrote its bullets: the note whole,
/// or (on a footer cut to its row) the start of it.
fn shows_note(footer: &str, note: &str) -> bool {
    if footer.contains(note) {
        return true;
    }
    let last = footer.rsplit(" · ").next().unwrap_or(footer);
    let cut = last.trim_end_matches('…');
    cut.chars().count() >= 3 && last.ends_with('…') && note.starts_with(cut)
}

/// The arXiv ids an index lists, in order (each entry links its paper's arXiv page).
fn index_ids(content: &str) -> Vec<String> {
    content
        .lines()
        .filter(|l| l.starts_with("**"))
        .filter_map(|l| {
            let at = l.find("](<")?;
            arxiv_id_from_url(&l[at + 3..])
        })
        .collect()
}

/// See the module docs. `sent` is the message as posted; `total_embeds` the number of papers
/// in the whole post (its size budget); `pending` the papers still being summarised;
/// `matched` the reader's terms a paper matches (what its card shows), from the channel's
/// filter.
#[allow(clippy::too_many_arguments)]
pub fn plan_message(
    sent: &Value,
    digest: &Digest,
    overlay: &Overlay,
    pending: &HashSet<String>,
    date: NaiveDate,
    total_embeds: usize,
    lang: &Language,
    matched: &dyn Fn(&Paper) -> Vec<String>,
) -> EditPlan {
    let embeds = sent["embeds"].as_array().cloned().unwrap_or_default();
    let paper_of = |id: &str| {
        digest
            .papers
            .iter()
            .find(|p| p.arxiv_id.as_deref() == Some(id))
    };
    if embeds.is_empty() {
        let Some(content) = sent["content"].as_str() else {
            return EditPlan::Final;
        };
        let ids = index_ids(content);
        if ids.iter().any(|id| pending.contains(id)) {
            return EditPlan::Wait;
        }
        if !ids.iter().any(|id| overlay.contains_key(id)) {
            return EditPlan::Final;
        }
        let Some(papers) = ids
            .iter()
            .map(|id| paper_of(id))
            .collect::<Option<Vec<&Paper>>>()
        else {
            // A paper no longer in the archived day: the post is left as it is.
            return EditPlan::Final;
        };
        let text = reindex(content, &papers, Some(overlay), lang);
        if text == content {
            return EditPlan::Final;
        }
        return EditPlan::Edit(json!({ "content": text, "allowed_mentions": { "parse": [] } }));
    }
    let ids: Vec<Option<String>> = embeds.iter().map(embed_id).collect();
    if ids.iter().flatten().any(|id| pending.contains(id)) {
        return EditPlan::Wait;
    }
    let lacks = |(e, id): (&Value, &Option<String>)| {
        let Some(m) = id.as_deref().and_then(|id| overlay.get(id)) else {
            return false;
        };
        !e["footer"]["text"]
            .as_str()
            .is_some_and(|f| shows_note(f, &m.note))
    };
    if !embeds.iter().zip(&ids).any(lacks) {
        return EditPlan::Final;
    }
    let k = embeds.len().max(1);
    let budget = digest_embed_budget(total_embeds).min(MAX_EMBED_CHARS_PER_MESSAGE / k);
    let mut rendered = Vec::with_capacity(embeds.len());
    for (e, id) in embeds.iter().zip(&ids) {
        let Some(paper) = id.as_deref().and_then(paper_of) else {
            return EditPlan::Final;
        };
        let machine = id.as_deref().and_then(|id| overlay.get(id)).map(|m| &**m);
        let votes_at = e["timestamp"]
            .as_str()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&chrono::Utc));
        let mut card = card(
            paper,
            &matched(paper),
            machine,
            &CardContext {
                budget,
                votes_at,
                date,
                thumbnail: e.get("thumbnail").is_some(),
                lang,
            },
        );
        // The title as posted (a ranking numbers it).
        if let Some(title) = e["title"].as_str() {
            card.title = title.to_string();
        }
        rendered.push(card);
    }
    let spec = MessageSpec {
        content: sent["content"].as_str().map(str::to_string),
        embeds: rendered,
        // No `components` in the edit: Discord keeps the message's own (its save menu).
        menu: None,
    };
    let mut body = spec.to_json(None);
    if let Some(map) = body.as_object_mut() {
        map.remove("nonce");
        map.remove("enforce_nonce");
        map.insert("allowed_mentions".into(), json!({ "parse": [] }));
    }
    EditPlan::Edit(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::{
        day_messages_with, DayContent, MachineBullets, MachineLine, Reader, Role, Shape,
    };
    use crate::select::filter::Filter;
    use crate::source::digest::Paper;
    use std::sync::Arc;

    fn day() -> (NaiveDate, Digest) {
        let date = NaiveDate::from_ymd_opt(2025, 2, 19).unwrap();
        let papers = (0..8)
            .map(|i| Paper {
                title: format!("Paper {i}"),
                url: Some(format!("https://huggingface.co/papers/2502.1000{i}")),
                arxiv_id: Some(format!("2502.1000{i}")),
                votes: Some(10 + i),
                bullets: vec!["A one-line summary from Hugging Face.".into()],
                ..Paper::default()
            })
            .collect();
        (date, Digest { date, papers })
    }

    fn overlay(ids: &[&str]) -> Overlay {
        ids.iter()
            .map(|id| {
                (
                    id.to_string(),
                    Arc::new(MachineBullets {
                        lines: vec![
                            MachineLine {
                                role: Role::New,
                                label: "What's new".into(),
                                text: "x ".repeat(250),
                            },
                            MachineLine {
                                role: Role::Results,
                                label: "Results".into(),
                                text: "FID 2.1 @everyone [a](http://e)".into(),
                            },
                        ],
                        note: "🤖 by m".into(),
                    }),
                )
            })
            .collect()
    }

    fn none(_: &Paper) -> Vec<String> {
        Vec::new()
    }

    fn posted(date: NaiveDate, digest: &Digest) -> Vec<Value> {
        posted_as(date, digest, Shape::Full)
    }

    fn posted_as(date: NaiveDate, digest: &Digest, shape: Shape) -> Vec<Value> {
        day_messages_with(
            date,
            DayContent::Digest(digest, None),
            Reader::Channel {
                filter: &Filter::default(),
                notify_empty: false,
                shape,
            },
            None,
            &Language::english(),
        )
        .messages
        .iter()
        .map(|m| m.to_json(None))
        .collect()
    }

    #[test]
    fn a_message_waits_for_its_pending_papers_then_is_edited_once_within_limits() {
        let (date, digest) = day();
        let sent = posted(date, &digest);
        assert_eq!(sent.len(), 1, "short papers pack into one message");
        let all: Vec<String> = (0..8).map(|i| format!("2502.1000{i}")).collect();
        let half: Vec<&str> = all[..4].iter().map(String::as_str).collect();
        let pending: HashSet<String> = all[4..].iter().cloned().collect();
        assert_eq!(
            plan_message(
                &sent[0],
                &digest,
                &overlay(&half),
                &pending,
                date,
                8,
                &Language::english(),
                &none,
            ),
            EditPlan::Wait
        );
        let every: Vec<&str> = all.iter().map(String::as_str).collect();
        let EditPlan::Edit(body) = plan_message(
            &sent[0],
            &digest,
            &overlay(&every),
            &HashSet::new(),
            date,
            8,
            &Language::english(),
            &none,
        ) else {
            panic!("an edit is due");
        };
        assert_eq!(body["content"], sent[0]["content"]);
        let embeds = body["embeds"].as_array().unwrap();
        assert_eq!(embeds.len(), 8);
        let total: usize = embeds
            .iter()
            .map(|e| {
                ["title", "description"]
                    .iter()
                    .map(|k| e[k].as_str().map_or(0, |s| s.chars().count()))
                    .sum::<usize>()
                    + e["footer"]["text"]
                        .as_str()
                        .map_or(0, |s| s.chars().count())
                    + e["fields"].as_array().map_or(0, |f| {
                        f.iter()
                            .map(|f| {
                                f["name"].as_str().unwrap().chars().count()
                                    + f["value"].as_str().unwrap().chars().count()
                            })
                            .sum()
                    })
            })
            .sum();
        assert!(total <= 6000, "{total}");
        for (e, s) in embeds.iter().zip(sent[0]["embeds"].as_array().unwrap()) {
            assert_eq!(e["title"], s["title"]);
            assert_eq!(e["url"], s["url"]);
            assert!(e["footer"]["text"].as_str().unwrap().contains("🤖 by m"));
            let d = e["description"].as_str().unwrap();
            assert!(!d.contains("(http://e)") && !d.contains("@everyone"), "{d}");
        }
        assert!(body.get("nonce").is_none());
        // Edited (as the ledger would now show): nothing more to do.
        let edited = Value::Object(body.as_object().unwrap().clone());
        assert_eq!(
            plan_message(
                &edited,
                &digest,
                &overlay(&every),
                &HashSet::new(),
                date,
                8,
                &Language::english(),
                &none,
            ),
            EditPlan::Final
        );
        // Nothing summarised and nothing pending: final at once.
        assert_eq!(
            plan_message(
                &sent[0],
                &digest,
                &Overlay::new(),
                &HashSet::new(),
                date,
                8,
                &Language::english(),
                &none,
            ),
            EditPlan::Final
        );
    }

    #[test]
    fn an_index_gets_its_new_short_lines_and_keeps_the_rest() {
        let (date, digest) = day();
        let sent = posted_as(
            date,
            &digest,
            Shape::Glance {
                top: 10,
                thread: true,
            },
        );
        let index = &sent[0];
        assert!(index["embeds"].as_array().unwrap().is_empty());
        let all: Vec<String> = (0..8).map(|i| format!("2502.1000{i}")).collect();
        let every: Vec<&str> = all.iter().map(String::as_str).collect();
        let lang = Language::english();
        // Still being written: wait; nothing written: never.
        let pending: HashSet<String> = all[..1].iter().cloned().collect();
        assert_eq!(
            plan_message(
                index,
                &digest,
                &overlay(&every),
                &pending,
                date,
                8,
                &lang,
                &none
            ),
            EditPlan::Wait
        );
        assert_eq!(
            plan_message(
                index,
                &digest,
                &Overlay::new(),
                &HashSet::new(),
                date,
                8,
                &lang,
                &none
            ),
            EditPlan::Final
        );
        let EditPlan::Edit(body) = plan_message(
            index,
            &digest,
            &overlay(&every),
            &HashSet::new(),
            date,
            8,
            &lang,
            &none,
        ) else {
            panic!("the index's short lines change");
        };
        let before = index["content"].as_str().unwrap();
        let after = body["content"].as_str().unwrap();
        assert!(after.chars().count() <= 2000);
        assert_eq!(
            before.lines().next(),
            after.lines().next(),
            "the header is kept"
        );
        assert_eq!(
            before.lines().last(),
            after.lines().last(),
            "the last line is kept"
        );
        let entries = |t: &str| {
            t.lines()
                .filter(|l| l.starts_with("**"))
                .map(str::to_string)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            entries(before),
            entries(after),
            "the papers and their order are kept"
        );
        assert!(before.contains("-# A one-line summary from Hugging Face."));
        assert!(after.contains("-# x x x"), "{after}");
        assert!(body.get("components").is_none() && body.get("embeds").is_none());
        assert_eq!(body["allowed_mentions"]["parse"], serde_json::json!([]));
        // Edited: nothing more to do.
        let edited = serde_json::json!({ "content": after });
        assert_eq!(
            plan_message(
                &edited,
                &digest,
                &overlay(&every),
                &HashSet::new(),
                date,
                8,
                &lang,
                &none
            ),
            EditPlan::Final
        );
        // The cards of the thread are edited as before.
        let card = &sent[1];
        assert!(matches!(
            plan_message(
                card,
                &digest,
                &overlay(&every),
                &HashSet::new(),
                date,
                8,
                &lang,
                &none
            ),
            EditPlan::Edit(_)
        ));
    }
}
