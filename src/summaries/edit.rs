//! Whether a message already posted gets edited now that its papers' summaries arrived, and
//! into what; pure. A message is edited once: when no paper of it is still being summarised,
//! if at least one of them has a summary the message does not show. The message keeps its
//! papers, order and header; every embed is rendered again within the message's share of
//! Discord's 6,000 characters, so the edit fits whatever the bullets' length.

use std::collections::HashSet;

use chrono::NaiveDate;
use serde_json::{json, Value};

use crate::language::Language;
use crate::render::{
    digest_embed_budget, paper_embed_written, MessageSpec, Overlay, MAX_EMBED_CHARS_PER_MESSAGE,
};
use crate::source::digest::Digest;

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

/// The arXiv id an embed is about, from its footer (`… · arXiv:2410.18057 · …`).
fn embed_id(embed: &Value) -> Option<String> {
    let footer = embed["footer"]["text"].as_str()?;
    let rest = &footer[footer.find("arXiv:")? + "arXiv:".len()..];
    let id: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '.')
        .collect();
    (!id.is_empty()).then_some(id)
}

/// The matched terms an embed shows (its "🔎 Matched" field, named in the post's language).
fn embed_matched(embed: &Value, lang: &Language) -> Vec<String> {
    let name = crate::t!(lang, "paper-matched");
    embed["fields"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["name"] == name.as_str())
        .and_then(|f| f["value"].as_str())
        .map(|v| v.split(", ").map(str::to_string).collect())
        .unwrap_or_default()
}

/// The "votes as of …" note an embed's footer carries, in whatever language it was written:
/// the part after the paper's `arXiv:` id (an embed without one has no id to edit by).
fn embed_note(embed: &Value) -> Option<String> {
    let footer = embed["footer"]["text"].as_str()?;
    let mut parts = footer.split(" · ");
    parts.find(|p| p.starts_with("arXiv:"))?;
    parts.next().map(str::to_string)
}

/// See the module docs. `sent` is the message as posted; `total_embeds` the number of papers
/// in the whole post (its size budget); `pending` the papers still being summarised.
pub fn plan_message(
    sent: &Value,
    digest: &Digest,
    overlay: &Overlay,
    pending: &HashSet<String>,
    date: NaiveDate,
    total_embeds: usize,
    lang: &Language,
) -> EditPlan {
    let embeds = sent["embeds"].as_array().cloned().unwrap_or_default();
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
            .is_some_and(|f| f.contains(&m.note))
    };
    if !embeds.iter().zip(&ids).any(lacks) {
        return EditPlan::Final;
    }
    let k = embeds.len().max(1);
    let budget = digest_embed_budget(total_embeds).min(MAX_EMBED_CHARS_PER_MESSAGE / k);
    let mut rendered = Vec::with_capacity(embeds.len());
    for (e, id) in embeds.iter().zip(&ids) {
        let paper = id.as_deref().and_then(|id| {
            digest
                .papers
                .iter()
                .find(|p| p.arxiv_id.as_deref() == Some(id))
        });
        let Some(paper) = paper else {
            // A paper no longer in the archived day: the post is left as it is.
            return EditPlan::Final;
        };
        let machine = id.as_deref().and_then(|id| overlay.get(id)).map(|m| &**m);
        rendered.push(paper_embed_written(
            paper,
            &embed_matched(e, lang),
            date,
            budget,
            embed_note(e).as_deref(),
            machine,
            lang,
        ));
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
    use crate::render::{day_messages_with, DayContent, MachineBullets, Reader};
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
                            ("What's new".into(), "x".repeat(500)),
                            ("Results".into(), "FID 2.1 @everyone [a](http://e)".into()),
                        ],
                        note: "🤖 bullets machine-written by m".into(),
                    }),
                )
            })
            .collect()
    }

    fn posted(date: NaiveDate, digest: &Digest) -> Vec<Value> {
        day_messages_with(
            date,
            DayContent::Digest(digest, None),
            Reader::Channel {
                filter: &Filter::default(),
                notify_empty: false,
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
                &Language::english()
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
            assert!(e["footer"]["text"]
                .as_str()
                .unwrap()
                .contains("machine-written by m"));
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
                &Language::english()
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
                &Language::english()
            ),
            EditPlan::Final
        );
    }
}
