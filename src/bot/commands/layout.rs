//! `layout` and `index_top`, options of `/papers subscribe` and `/papers settings`: whether a
//! channel's day is the index with the cards in a thread (`glance`, new channels), the cards
//! in the channel (`full`, what channels subscribed before had) or the index alone (`index`),
//! and how many papers the index lists. The choice, the rule for where a thread can be
//! started, and their words in the reader's language.

use poise::serenity_prelude as serenity;

use crate::channel_kind::ChannelKind;
use crate::language::Language;
use crate::store::{Layout, Subscription};
use crate::t;

/// What Discord offers for the option: its names are what members type and see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, poise::ChoiceParameter)]
pub enum LayoutChoice {
    /// The day at a glance: the top papers first, every card in a thread.
    #[name = "glance"]
    Glance,
    /// Every card in the channel.
    #[name = "full"]
    Full,
    /// The top papers alone.
    #[name = "index"]
    Index,
}

impl From<LayoutChoice> for Layout {
    fn from(c: LayoutChoice) -> Layout {
        match c {
            LayoutChoice::Glance => Layout::Glance,
            LayoutChoice::Full => Layout::Full,
            LayoutChoice::Index => Layout::Index,
        }
    }
}

/// What the bot needs to start a day's thread from its index and post the cards in it.
const THREAD_PERMISSIONS: [(serenity::Permissions, &str); 2] = [
    (
        serenity::Permissions::CREATE_PUBLIC_THREADS,
        "perm-create-public-threads",
    ),
    (
        serenity::Permissions::SEND_MESSAGES_IN_THREADS,
        "perm-send-messages-in-threads",
    ),
];

/// Whether the layout puts the cards in a thread of their own in a channel of this kind (a
/// forum's day post and a thread hold them after the index themselves).
pub fn starts_threads(layout: Layout, kind: ChannelKind) -> bool {
    layout == Layout::Glance && matches!(kind, ChannelKind::Text | ChannelKind::Announcement)
}

/// The catalog keys of the thread permissions `have` lacks (an administrator lacks none);
/// `None` when Discord did not say what the bot may do.
pub fn missing_thread_permissions(have: Option<serenity::Permissions>) -> Vec<&'static str> {
    let Some(have) = have else {
        return Vec::new();
    };
    if have.administrator() {
        return Vec::new();
    }
    THREAD_PERMISSIONS
        .iter()
        .filter(|(p, _)| !have.contains(*p))
        .map(|(_, key)| *key)
        .collect()
}

/// What a subscription's layout becomes: the one chosen, else the one it had, else `glance`
/// for a new channel; `glance` where the bot may not start threads becomes `full`, with why
/// (the recorded reason, [`crate::deliver::NO_THREADS`]).
pub fn layout_for(
    kind: ChannelKind,
    chosen: Option<LayoutChoice>,
    had: Option<&Subscription>,
    missing: &[&str],
) -> (Layout, Option<String>) {
    let layout = chosen
        .map(Layout::from)
        .or(had.map(|s| s.layout))
        .unwrap_or_default();
    if starts_threads(layout, kind) && !missing.is_empty() {
        return (Layout::Full, Some(crate::deliver::NO_THREADS.to_string()));
    }
    // A layout chosen again (or kept while the bot may start threads) needs no note.
    let note = match (chosen, had) {
        (None, Some(s)) if s.layout == layout => s.layout_note.clone(),
        _ => None,
    };
    (layout, note)
}

/// The layout in words, for `/papers settings` and the answer to a change.
pub fn layout_words(lang: &Language, layout: Layout, top: u32) -> String {
    let top = if top == 0 {
        t!(lang, "layout-top-all")
    } else {
        t!(lang, "layout-top", count = top)
    };
    match layout {
        Layout::Glance => t!(lang, "layout-glance", top = top),
        Layout::Full => t!(lang, "layout-full"),
        Layout::Index => t!(lang, "layout-index", top = top),
    }
}

/// The line a subscribe or settings answer adds: the layout, and why paperboy chose `full`
/// itself when it did.
pub fn layout_line(lang: &Language, sub: &Subscription, missing: &[&str]) -> String {
    let mut line = t!(
        lang,
        "layout-now",
        layout = layout_words(lang, sub.layout, sub.index_top())
    );
    if let Some(note) = &sub.layout_note {
        line.push('\n');
        let list = if missing.is_empty() {
            crate::deliver::reason_words(note, lang)
        } else {
            missing
                .iter()
                .map(|k| format!("**{}**", t!(lang, k)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        line.push_str(&t!(lang, "layout-no-threads", why = list));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use poise::serenity_prelude::Permissions as P;

    #[test]
    fn a_channel_where_threads_cannot_be_started_gets_full_and_why() {
        let now = chrono::Utc::now();
        let text = P::VIEW_CHANNEL | P::SEND_MESSAGES | P::EMBED_LINKS;
        let missing = missing_thread_permissions(Some(text));
        assert_eq!(
            missing,
            [
                "perm-create-public-threads",
                "perm-send-messages-in-threads"
            ]
        );
        assert!(missing_thread_permissions(Some(
            text | P::CREATE_PUBLIC_THREADS | P::SEND_MESSAGES_IN_THREADS
        ))
        .is_empty());
        assert!(missing_thread_permissions(Some(P::ADMINISTRATOR)).is_empty());
        assert!(missing_thread_permissions(None).is_empty());
        // A new text channel: glance, unless threads cannot be started.
        assert_eq!(
            layout_for(ChannelKind::Text, None, None, &[]),
            (Layout::Glance, None)
        );
        let (layout, note) = layout_for(ChannelKind::Text, None, None, &missing);
        assert_eq!(layout, Layout::Full);
        assert_eq!(note.as_deref(), Some(crate::deliver::NO_THREADS));
        // A forum holds the cards in its day post: no thread to start.
        assert_eq!(
            layout_for(ChannelKind::Forum, None, None, &missing),
            (Layout::Glance, None)
        );
        // An existing channel keeps its layout (and the note of why).
        let mut old = Subscription::with_defaults(1, now);
        old.layout = Layout::Full;
        assert_eq!(
            layout_for(ChannelKind::Text, None, Some(&old), &[]).0,
            Layout::Full
        );
        assert_eq!(
            layout_for(
                ChannelKind::Text,
                Some(LayoutChoice::Index),
                Some(&old),
                &missing
            ),
            (Layout::Index, None)
        );
    }
}
