//! A forum in paper mode posts each paper as its own thread. Pure: which of the forum's tags a
//! post gets, and a post as the ledger plans it and as Discord takes it.
//!
//! Why tags are chosen when the post is sent, not when it is planned: a forum's tags belong to
//! its moderators and change at any time, and a planned day may be resumed hours later. A tag id
//! that no longer exists is a 400, so the plan keeps the words (the paper's keywords) and the
//! sender matches them against the tags the forum has at that moment.

use serde_json::{json, Value};

/// Discord applies at most this many tags to a forum post.
pub const MAX_APPLIED_TAGS: usize = 5;

/// Names of the tag a forum that requires one gets for a paper none of its tags matches, in
/// order of preference (compared ignoring case).
const FALLBACK_TAG_NAMES: [&str; 4] = ["papers", "paper", "daily papers", "paperboy"];

/// One of a forum's tags (`available_tags`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForumTag {
    pub id: u64,
    pub name: String,
    /// Only members with Manage Threads may apply it; paperboy leaves it alone.
    pub moderated: bool,
}

/// What a forum says about tagging its posts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ForumTags {
    pub tags: Vec<ForumTag>,
    /// The forum's `REQUIRE_TAG` flag: a post without a tag is refused.
    pub require_tag: bool,
}

impl ForumTags {
    /// From the forum's channel object (`GET /channels/{id}`).
    pub fn from_channel(channel: &serenity::all::GuildChannel) -> ForumTags {
        ForumTags {
            tags: channel
                .available_tags
                .iter()
                .map(|t| ForumTag {
                    id: t.id.get(),
                    name: t.name.clone(),
                    moderated: t.moderated,
                })
                .collect(),
            require_tag: channel
                .flags
                .contains(serenity::all::ChannelFlags::REQUIRE_TAG),
        }
    }
}

/// A forum that requires a tag but has none paperboy may apply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the forum requires a tag on every post and has none paperboy may apply (tags only moderators may apply are left alone); add a tag, e.g. `papers`")]
pub struct NoTagToApply;

fn tag_key(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The tags a post gets: every tag whose name is one of `keywords` (ignoring case and
/// surrounding or repeated spaces), in the keywords' order, at most [`MAX_APPLIED_TAGS`], never
/// a moderated one. A forum that requires a tag and matches none gets its tag named like
/// [`FALLBACK_TAG_NAMES`], else its first tag paperboy may apply.
pub fn choose_tags(keywords: &[String], forum: &ForumTags) -> Result<Vec<u64>, NoTagToApply> {
    let usable: Vec<(&ForumTag, String)> = forum
        .tags
        .iter()
        .filter(|t| !t.moderated)
        .map(|t| (t, tag_key(&t.name)))
        .filter(|(_, key)| !key.is_empty())
        .collect();
    let mut chosen: Vec<u64> = Vec::new();
    for keyword in keywords {
        let key = tag_key(keyword);
        for (tag, name) in &usable {
            if chosen.len() == MAX_APPLIED_TAGS {
                return Ok(chosen);
            }
            if *name == key && !chosen.contains(&tag.id) {
                chosen.push(tag.id);
            }
        }
    }
    if chosen.is_empty() && forum.require_tag {
        let fallback = FALLBACK_TAG_NAMES
            .iter()
            .find_map(|want| usable.iter().find(|(_, name)| name == want))
            .or_else(|| usable.first())
            .ok_or(NoTagToApply)?;
        chosen.push(fallback.0.id);
    }
    Ok(chosen)
}

/// A post as the ledger holds it: the thread's name, its first message as sent, and the words
/// its tags are chosen from when it is sent. Its body is Discord's `POST /channels/{id}/threads`
/// shape plus `tag_keywords` (and the ledger's nonce), so a planned post is told from a planned
/// message by its `name`.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedPost {
    pub name: String,
    pub message: Value,
    pub tag_keywords: Vec<String>,
}

impl PlannedPost {
    /// The ledger body.
    pub fn to_body(&self) -> Value {
        json!({
            "name": self.name,
            "message": self.message,
            "tag_keywords": self.tag_keywords,
        })
    }

    /// A planned body that is a post; `None` for a plain message.
    pub fn from_body(body: &Value) -> Option<PlannedPost> {
        let name = body.get("name")?.as_str()?;
        let message = body.get("message").filter(|m| m.is_object())?;
        Some(PlannedPost {
            name: name.to_string(),
            message: message.clone(),
            tag_keywords: body["tag_keywords"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|k| k.as_str().map(str::to_string))
                .collect(),
        })
    }

    /// What is sent to create it, with the tags chosen: the name, the message without the
    /// fields Discord documents none of for a starter message (nonce, `tts`), mentions off.
    pub fn request_body(&self, applied_tags: &[u64]) -> Value {
        let mut message = self.message.clone();
        if let Some(map) = message.as_object_mut() {
            map.remove("nonce");
            map.remove("enforce_nonce");
            map.remove("tts");
            map.insert("allowed_mentions".into(), json!({ "parse": [] }));
        }
        let mut body = json!({ "name": self.name, "message": message });
        if !applied_tags.is_empty() {
            body["applied_tags"] = applied_tags.iter().map(|t| t.to_string()).collect();
        }
        body
    }
}

/// Whether a delivery's plan is a forum's posts (paper mode) rather than messages.
pub fn is_posts(delivery: &crate::store::Delivery) -> bool {
    delivery
        .messages
        .first()
        .is_some_and(|m| PlannedPost::from_body(&m.body).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(id: u64, name: &str) -> ForumTag {
        ForumTag {
            id,
            name: name.into(),
            moderated: false,
        }
    }

    fn words(w: &[&str]) -> Vec<String> {
        w.iter().map(|s| s.to_string()).collect()
    }

    fn forum(tags: Vec<ForumTag>, require_tag: bool) -> ForumTags {
        ForumTags { tags, require_tag }
    }

    #[test]
    fn tags_whose_name_is_a_keyword_are_applied_ignoring_case_in_keyword_order() {
        let f = forum(
            vec![
                tag(1, "Vision"),
                tag(2, "LLM"),
                tag(3, "Diffusion  Models"),
                tag(4, "RL"),
            ],
            false,
        );
        assert_eq!(
            choose_tags(&words(&["llm", "diffusion models", "robots", "VISION"]), &f),
            Ok(vec![2, 3, 1])
        );
        // A keyword that only contains a tag's name is not that tag.
        assert_eq!(
            choose_tags(&words(&["llms", "reinforcement"]), &f),
            Ok(vec![])
        );
        // Repeated keywords apply a tag once.
        assert_eq!(choose_tags(&words(&["LLM", "llm"]), &f), Ok(vec![2]));
        assert_eq!(choose_tags(&[], &f), Ok(vec![]));
    }

    #[test]
    fn at_most_five_tags_and_never_a_moderated_one() {
        let mut tags: Vec<ForumTag> = (1..=8).map(|i| tag(i, &format!("t{i}"))).collect();
        tags[0].moderated = true;
        let f = forum(tags, false);
        let all = words(&["t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8"]);
        assert_eq!(choose_tags(&all, &f), Ok(vec![2, 3, 4, 5, 6]));
    }

    #[test]
    fn a_forum_that_requires_a_tag_gets_its_papers_tag_or_its_first() {
        let keywords = words(&["quantum"]);
        let with_papers = forum(vec![tag(1, "Off-topic"), tag(2, "Papers")], true);
        assert_eq!(choose_tags(&keywords, &with_papers), Ok(vec![2]));
        let mut first_moderated = forum(vec![tag(1, "Mods"), tag(2, "Misc")], true);
        first_moderated.tags[0].moderated = true;
        assert_eq!(choose_tags(&keywords, &first_moderated), Ok(vec![2]));
        // A match needs no fallback.
        let matched = forum(vec![tag(1, "Papers"), tag(2, "Quantum")], true);
        assert_eq!(choose_tags(&keywords, &matched), Ok(vec![2]));
        // Nothing paperboy may apply: said, not sent to be refused.
        let mut only_moderated = forum(vec![tag(1, "Papers")], true);
        only_moderated.tags[0].moderated = true;
        assert_eq!(choose_tags(&keywords, &only_moderated), Err(NoTagToApply));
        assert_eq!(
            choose_tags(&keywords, &forum(vec![], true)),
            Err(NoTagToApply)
        );
        // Not required: no tag at all is fine.
        assert_eq!(choose_tags(&keywords, &forum(vec![], false)), Ok(vec![]));
    }

    #[test]
    fn a_planned_post_round_trips_through_the_ledger_and_is_sent_in_discords_shape() {
        let post = PlannedPost {
            name: "Aurora-M".into(),
            message: json!({"embeds": [{"title": "Aurora-M"}], "tts": false,
                            "allowed_mentions": {"parse": [], "users": [], "roles": []}}),
            tag_keywords: words(&["llm"]),
        };
        let mut stored = post.to_body();
        // The ledger adds its nonce to every body.
        stored["nonce"] = json!("2024040200z");
        assert_eq!(PlannedPost::from_body(&stored), Some(post.clone()));
        assert_eq!(
            PlannedPost::from_body(&json!({"content": "a message"})),
            None
        );

        let sent = post.request_body(&[7, 9]);
        assert_eq!(sent["name"], "Aurora-M");
        assert_eq!(sent["applied_tags"], json!(["7", "9"]));
        assert_eq!(sent["message"]["embeds"][0]["title"], "Aurora-M");
        assert_eq!(sent["message"]["allowed_mentions"], json!({"parse": []}));
        assert!(sent["message"].get("tts").is_none());
        assert!(sent.get("nonce").is_none() && sent.get("tag_keywords").is_none());
        assert!(post.request_body(&[]).get("applied_tags").is_none());
    }
}
