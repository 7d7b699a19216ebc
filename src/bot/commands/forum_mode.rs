//! `forum_mode`, an option of `/papers subscribe` and `/papers settings`: whether a forum
//! channel gets one post a day (`day`, the default) or one post per paper (`paper`). The
//! choice, the rule for which channels it applies to, and its words in the reader's language.

use crate::channel_kind::ChannelKind;
use crate::language::Language;
use crate::store::ForumMode;

/// What Discord offers for the option: its names are what members type and see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, poise::ChoiceParameter)]
pub enum ForumModeChoice {
    /// One post a day holding the day's papers.
    #[name = "day"]
    Day,
    /// One post per paper, each discussed in its own thread.
    #[name = "paper"]
    Paper,
}

impl From<ForumModeChoice> for ForumMode {
    fn from(c: ForumModeChoice) -> ForumMode {
        match c {
            ForumModeChoice::Day => ForumMode::Day,
            ForumModeChoice::Paper => ForumMode::Paper,
        }
    }
}

/// `forum_mode` chosen for a channel that is not a forum: refused, as it would do nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotAForum;

/// The channel's forum mode after a command: the one chosen, else the one it had (`day` for a
/// new subscription). Only a forum takes a choice.
pub fn forum_mode_for(
    kind: ChannelKind,
    chosen: Option<ForumModeChoice>,
    had: Option<ForumMode>,
) -> Result<ForumMode, NotAForum> {
    match chosen {
        Some(_) if kind != ChannelKind::Forum => Err(NotAForum),
        Some(c) => Ok(c.into()),
        None => Ok(had.unwrap_or_default()),
    }
}

/// Why `forum_mode` was refused here, in the reader's language.
pub fn not_a_forum(language: &Language) -> String {
    crate::t!(language, "forum-mode-not-a-forum")
}

/// The mode in words, for `/papers settings` and the answer to a change.
pub fn mode_words(language: &Language, mode: ForumMode) -> String {
    match mode {
        ForumMode::Day => crate::t!(language, "forum-mode-day"),
        ForumMode::Paper => crate::t!(language, "forum-mode-paper"),
    }
}

/// The line a subscribe or settings answer adds for a forum: what its posts will be.
pub fn mode_line(language: &Language, mode: ForumMode, changed: bool) -> String {
    let words = mode_words(language, mode);
    let line = if changed {
        crate::t!(language, "forum-mode-changed", mode = words)
    } else {
        crate::t!(language, "forum-mode-now", mode = words)
    };
    match mode {
        ForumMode::Paper => format!("{line}\n{}", crate::t!(language, "forum-mode-paper-note")),
        ForumMode::Day => line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_forum_takes_a_forum_mode() {
        use ForumModeChoice::*;
        let forum = ChannelKind::Forum;
        assert_eq!(
            forum_mode_for(forum, Some(Paper), None),
            Ok(ForumMode::Paper)
        );
        assert_eq!(
            forum_mode_for(forum, Some(Day), Some(ForumMode::Paper)),
            Ok(ForumMode::Day)
        );
        // Not given: kept, or the default for a new subscription.
        assert_eq!(
            forum_mode_for(forum, None, Some(ForumMode::Paper)),
            Ok(ForumMode::Paper)
        );
        assert_eq!(forum_mode_for(forum, None, None), Ok(ForumMode::Day));
        for kind in [
            ChannelKind::Text,
            ChannelKind::Announcement,
            ChannelKind::Thread,
        ] {
            assert_eq!(forum_mode_for(kind, Some(Paper), None), Err(NotAForum));
            assert_eq!(forum_mode_for(kind, Some(Day), None), Err(NotAForum));
            assert_eq!(forum_mode_for(kind, None, None), Ok(ForumMode::Day));
        }
    }

    #[test]
    fn the_words_exist_in_english_and_korean() {
        let en = Language::english();
        let ko = Language::parse("ko").unwrap();
        assert!(not_a_forum(&en).contains("forum"), "{}", not_a_forum(&en));
        assert!(not_a_forum(&ko).contains("포럼"), "{}", not_a_forum(&ko));
        let line = mode_line(&en, ForumMode::Paper, true);
        assert!(line.contains("one post per paper"), "{line}");
        assert!(line.contains("tag"), "{line}");
        let line = mode_line(&ko, ForumMode::Paper, false);
        assert!(line.contains("논문마다"), "{line}");
        assert_eq!(mode_line(&en, ForumMode::Day, false).lines().count(), 1);
        // No key shows through as itself.
        for lang in [&en, &ko] {
            for mode in [ForumMode::Day, ForumMode::Paper] {
                for changed in [false, true] {
                    assert!(!mode_line(lang, mode, changed).contains("forum-mode-"));
                }
            }
            assert!(!crate::t!(lang, "forum-mode-field").contains("forum-mode-"));
        }
    }
}
