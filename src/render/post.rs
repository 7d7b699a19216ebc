//! A paper as its own forum post, for a forum channel in paper mode: the thread's name, the
//! post's one message, and the words the forum's tags are matched against.
//!
//! Why it exists: in paper mode every paper opens a thread, so each needs a name a thread can
//! take (Discord: 1–100 characters, one line, shown as plain text in the forum's list) and a
//! first message showing the paper exactly as every other reader sees it (the same embed, link
//! line included), with the whole message to itself.

use chrono::{DateTime, NaiveDate, Utc};

use super::limits::MAX_EMBED_CHARS_PER_MESSAGE;
use super::paper::{card, CardContext, MachineBullets};
use super::sanitise::{one_line, plain_line};
use super::spec::{pack, MessageSpec};
use crate::language::Language;
use crate::select::filter::Selected;
use crate::source::digest::Paper;

/// Discord's limit on a thread's name (at least one character).
pub const MAX_THREAD_NAME_CHARS: usize = 100;

/// What opens a forum post, besides its first message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostHead {
    /// The thread's name: 1–[`MAX_THREAD_NAME_CHARS`] characters, one line, mentions defused.
    pub name: String,
    /// What the forum's tags are matched against, in order of preference: the channel's
    /// keywords that selected the paper, then Hugging Face's AI keywords, each on one line.
    /// Only ever compared with tag names, never shown.
    pub keywords: Vec<String>,
}

/// The name of a paper's thread: its title on one line, cut within Discord's 100 characters;
/// a paper without a usable title is named by its arXiv id.
pub fn thread_name(paper: &Paper) -> String {
    let name = plain_line(&paper.title, MAX_THREAD_NAME_CHARS);
    if !name.is_empty() {
        return name;
    }
    let id = paper
        .arxiv_id
        .as_deref()
        .map(|id| plain_line(id, 32))
        .filter(|id| !id.is_empty());
    match id {
        Some(id) => format!("arXiv:{id}"),
        None => "(untitled paper)".to_string(),
    }
}

/// The name of a day's thread: a forum in day mode gets one a day, and a forum in paper mode
/// gets one for a day's notice (nothing matched, no digest).
pub fn day_thread_name(date: NaiveDate) -> String {
    format!("Daily Papers — {date}")
}

/// One selected paper as a forum post: its head and its message (one card, given the room of
/// a whole message, with its thumbnail: the forum's list shows it).
pub fn paper_post(
    selected: &Selected<'_>,
    date: NaiveDate,
    votes_at: Option<DateTime<Utc>>,
    machine: Option<&MachineBullets>,
    lang: &Language,
) -> (PostHead, MessageSpec) {
    let paper = selected.paper;
    let embed = card(
        paper,
        &selected.matched,
        machine,
        &CardContext {
            budget: MAX_EMBED_CHARS_PER_MESSAGE,
            votes_at,
            date,
            thumbnail: true,
            lang,
        },
    );
    let message = pack(vec![embed])
        .into_iter()
        .next()
        .expect("one embed packs into one message");
    let keywords = selected
        .matched
        .iter()
        // `author:Name` says who wrote it, not what it is about.
        .filter(|k| !k.starts_with("author:"))
        .chain(&paper.ai_keywords)
        .map(|k| one_line(k))
        .filter(|k| !k.is_empty())
        .collect();
    let head = PostHead {
        name: thread_name(paper),
        keywords,
    };
    (head, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::testing::*;
    use proptest::prelude::*;

    fn check_name(name: &str) {
        let n = name.chars().count();
        assert!(
            (1..=MAX_THREAD_NAME_CHARS).contains(&n),
            "{n} chars: {name:?}"
        );
        assert_eq!(name.trim(), name, "Discord trims names: {name:?}");
        assert!(!name.chars().any(char::is_control), "{name:?}");
        assert!(
            !name.contains("@everyone") && !name.contains("<@1"),
            "{name:?}"
        );
    }

    #[test]
    fn every_fixture_paper_gets_a_thread_name_within_discords_limit() {
        let mut long = 0;
        for (day, papers) in fixture_days() {
            for p in &papers {
                let name = thread_name(p);
                check_name(&name);
                if p.title.chars().count() > MAX_THREAD_NAME_CHARS {
                    long += 1;
                    assert!(name.ends_with('…'), "{day}: {name}");
                } else {
                    assert_eq!(name, one_line(&p.title), "{day}");
                }
            }
        }
        // The real days do have titles past 100 characters, so the cut is exercised.
        assert!(long > 0);
    }

    #[test]
    fn hostile_titles_still_make_a_valid_name() {
        let cases = [
            (
                "@everyone look <@123> at\nthis\u{7}",
                "@\u{200B}everyone look <@\u{200B}123> at this",
            ),
            ("   \n\t ", "arXiv:2404.00399"),
            ("\u{0}\u{1}\u{2}", "arXiv:2404.00399"),
        ];
        for (title, want) in cases {
            let p = paper(title);
            assert_eq!(thread_name(&p), want);
        }
        let mut nameless = paper("");
        nameless.arxiv_id = Some(" \n".into());
        assert_eq!(thread_name(&nameless), "(untitled paper)");
        let korean = paper(&"가".repeat(300));
        assert_eq!(thread_name(&korean).chars().count(), MAX_THREAD_NAME_CHARS);
        let emoji = paper(&"😀".repeat(101));
        check_name(&thread_name(&emoji));
        let day = day_thread_name(date());
        check_name(&day);
    }

    #[test]
    fn a_post_is_the_papers_embed_with_its_keywords_for_tags() {
        let mut p = paper("Aurora-M: an open multilingual model");
        p.ai_keywords = vec!["LLM".into(), " multilingual\nmodels ".into(), "".into()];
        p.github_repo = Some("https://github.com/x/y".into());
        let sel = Selected {
            paper: &p,
            matched: vec!["llm".into(), "author:Yekun Chai".into()],
        };
        let at = chrono::DateTime::from_timestamp(1_712_048_400, 0).unwrap();
        let (head, message) = paper_post(&sel, date(), Some(at), None, &Language::english());
        assert_eq!(head.name, "Aurora-M: an open multilingual model");
        assert_eq!(head.keywords, vec!["llm", "LLM", "multilingual models"]);
        assert_eq!(message.embeds.len(), 1);
        assert_valid(std::slice::from_ref(&message));
        // The same card every reader sees, with the room of a whole message and its thumbnail
        // (the forum's list shows it).
        let lang = Language::english();
        let same = super::super::paper::card(
            &p,
            &sel.matched,
            None,
            &CardContext {
                budget: MAX_EMBED_CHARS_PER_MESSAGE,
                votes_at: Some(at),
                date: date(),
                thumbnail: true,
                lang: &lang,
            },
        );
        assert_eq!(message.embeds[0], same);
        assert!(same.thumbnail.is_some());
        assert!(message.embeds[0]
            .description
            .contains("[Code](https://github.com/x/y)"));
    }

    proptest! {
        #[test]
        fn any_paper_gets_a_valid_name_and_message(p in arb_paper()) {
            check_name(&thread_name(&p));
            let sel = Selected { paper: &p, matched: vec![] };
            let (_, message) = paper_post(&sel, date(), None, None, &Language::english());
            assert_valid(std::slice::from_ref(&message));
        }
    }
}
