//! A day's messages as a command's reply (`/papers today|date|preview`).
//!
//! Why it exists: a reply shows the same day as the daily post ([`super::day_messages`]), but
//! it is a conversation, not a feed. So a reply only cuts what a reply may hold, and adds the
//! words a conversation needs; it never re-decides which papers the day has.

use super::day::DayMessages;
use super::limits::MAX_CONTENT_CHARS;
use super::sanitise::truncate_chars;
use super::spec::MessageSpec;
use crate::language::Language;
use crate::t;

/// A command answer is a conversation, not a feed: a huge day is cut off after this many
/// messages (100 papers) with a pointer to the filters.
pub const MAX_REPLY_MESSAGES: usize = 10;

/// What a reply sends.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// Nothing selected: one short text, shown only to the person who asked.
    Notice(String),
    /// The day's papers.
    Messages(Vec<MessageSpec>),
}

/// Cuts a day (as [`super::day_messages`] rendered it for the channel, with `notify_empty`) to
/// what a reply may hold, and nothing else:
/// - `note` (why this day is shown, e.g. "Today's digest is not out yet; here is …") goes on its
///   own line before the first message's text, the whole cut to [`MAX_CONTENT_CHARS`];
/// - a day with nothing selected is the notice as text, with how many papers `all:True` shows;
/// - past [`MAX_REPLY_MESSAGES`] messages the rest is left out, and a last message says how many
///   papers were and how to narrow the day down.
///
/// What it adds is in `lang`, the language of the person who asked.
pub fn reply(day: DayMessages, note: Option<&str>, lang: &Language) -> Reply {
    let prefix = note.map(|n| format!("{n}\n")).unwrap_or_default();
    let mut messages = day.messages;
    if day.empty.is_some() {
        let mut text = messages
            .into_iter()
            .next()
            .and_then(|m| m.content)
            .unwrap_or_default();
        if day.in_digest > 0 {
            text.push('\n');
            text.push_str(&t!(lang, "reply-in-digest", count = day.in_digest));
        }
        return Reply::Notice(prefix + &text);
    }
    if let Some(first) = messages.first_mut() {
        let header = first.content.take().unwrap_or_default();
        first.content = Some(truncate_chars(&(prefix + &header), MAX_CONTENT_CHARS));
    }
    if messages.len() > MAX_REPLY_MESSAGES {
        messages.truncate(MAX_REPLY_MESSAGES);
        let shown: usize = messages.iter().map(|m| m.embeds.len()).sum();
        messages.push(MessageSpec {
            content: Some(t!(
                lang,
                "reply-and-more",
                count = day.selected.saturating_sub(shown)
            )),
            embeds: Vec::new(),
            menu: None,
        });
    }
    Reply::Messages(messages)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::{day_messages, DayContent, Reader};
    use crate::select::filter::Filter;
    use crate::source::digest::{Digest, Paper};

    fn day(n: usize, filter: &Filter) -> DayMessages {
        let digest = Digest {
            date: "2024-04-02".parse().unwrap(),
            papers: (0..n)
                .map(|i| Paper {
                    title: format!("Paper {i}"),
                    url: None,
                    arxiv_id: None,
                    thumbnail_url: None,
                    votes: Some(i as u32),
                    authors: vec![],
                    bullets: vec!["x".repeat(900)],
                    ..Default::default()
                })
                .collect(),
        };
        day_messages(
            digest.date,
            DayContent::Digest(&digest, None),
            Reader::Channel {
                filter,
                notify_empty: true,
                shape: crate::render::Shape::Full,
            },
            &Language::english(),
        )
    }

    #[test]
    fn the_note_goes_before_the_header() {
        let Reply::Messages(m) = reply(
            day(2, &Filter::default()),
            Some("Why this day."),
            &Language::english(),
        ) else {
            panic!("papers expected");
        };
        assert_eq!(
            m[0].content.as_deref(),
            Some("Why this day.\n📰 **Daily Papers — 2024-04-02** · 2 papers")
        );
    }

    #[test]
    fn an_empty_day_is_a_notice_with_a_hint() {
        let strict = Filter {
            include: vec!["nothing like it".into()],
            ..Filter::default()
        };
        assert_eq!(
            reply(day(3, &strict), Some("Note."), &Language::english()),
            Reply::Notice(
                "Note.\n🔍 **Daily Papers — 2024-04-02**: no papers matched this channel's \
                 filters today.\n3 papers are in the digest; add `all:True` to see them."
                    .into()
            )
        );
        let Reply::Notice(none) = reply(day(0, &Filter::default()), None, &Language::english())
        else {
            panic!("a notice expected");
        };
        assert!(!none.contains("all:True"), "{none}");
    }

    #[test]
    fn a_huge_day_is_cut_after_ten_messages_with_the_count_left_out() {
        let Reply::Messages(m) = reply(day(200, &Filter::default()), None, &Language::english())
        else {
            panic!("papers expected");
        };
        assert_eq!(m.len(), MAX_REPLY_MESSAGES + 1);
        let shown: usize = m.iter().map(|m| m.embeds.len()).sum();
        assert_eq!(
            m[MAX_REPLY_MESSAGES].content,
            Some(format!(
                "…and {} more papers. Narrow it down with `/papers keywords add` or `/papers search`.",
                200 - shown
            ))
        );
    }
}
