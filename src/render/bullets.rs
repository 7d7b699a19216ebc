//! A card's bullets: what each says ([`Role`]), the order they are shown in (new → results →
//! method → note), and how they give way when a card must be cut.
//!
//! Why it exists: a reader scans a card for what is new and for the results, and a cut at the
//! end of the description used to land on the results (the last bullet of the Korean digest,
//! *Performance Highlights*). So the results come second, and when the room runs out the
//! method and the note go first, whole; only then is a bullet shortened, at a sentence or word
//! boundary, never in the middle of a word, and a card never ends on a lone "…".
//!
//! Where the roles come from: a model's bullets have their kind; the Korean digest labels its
//! bullets (`***What's New***:`, `***Technical Details***:`, `***Performance Highlights***:`,
//! parsed verbatim by the markdown parser), read here by [`digest_bullet`]; an unlabelled bullet
//! (the early digests, Hugging Face's one line) is [`Role::Other`] and keeps its place.

use super::sanitise::{chars, escape_inline, escape_markdown, one_line, ELLIPSIS};
use crate::language::Language;
use crate::t;

/// What a bullet says, in the order a card shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// What is new about the paper.
    New,
    /// Its results, with their numbers.
    Results,
    /// How it works.
    Method,
    /// Anything else worth a line (limits, released code or data).
    Note,
    /// A bullet without a known label: kept where the source put it.
    Other,
}

impl Role {
    /// The catalog key of the role's label.
    fn label_key(self) -> Option<&'static str> {
        Some(match self {
            Role::New => "summary-label-new",
            Role::Results => "summary-label-results",
            Role::Method => "summary-label-method",
            Role::Note => "summary-label-note",
            Role::Other => return None,
        })
    }

    /// Which bullets are kept first when a card has too little room: what is new, the
    /// results, the unlabelled ones in their order, then the method and the note.
    fn keep_rank(self) -> u8 {
        match self {
            Role::New => 0,
            Role::Results => 1,
            Role::Other => 2,
            Role::Method => 3,
            Role::Note => 4,
        }
    }
}

/// One bullet, ready to show: its role, the label shown before it (paperboy's words, in the
/// reader's language), and its text (one line, made safe to show).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bullet {
    pub role: Role,
    pub label: Option<String>,
    pub text: String,
}

impl Bullet {
    fn line(&self, text: &str) -> String {
        match &self.label {
            Some(label) => format!("• **{label}**: {text}"),
            None => format!("• {text}"),
        }
    }

    fn full(&self) -> String {
        self.line(&self.text)
    }

    /// The text alone, Markdown taken out: for a one-line mention (the index's "what is new").
    pub fn plain(&self) -> String {
        let bare: String = self
            .text
            .replace('\\', "")
            .chars()
            .filter(|c| !matches!(c, '*' | '_' | '`' | '~'))
            .collect();
        escape_inline(&bare)
    }
}

/// Labels the Korean digest (and digests like it) put before a bullet, by role, compared
/// ignoring case.
const LABELS: &[(&str, Role)] = &[
    ("what's new", Role::New),
    ("what’s new", Role::New),
    ("whats new", Role::New),
    ("new", Role::New),
    ("새로운 점", Role::New),
    ("performance highlights", Role::Results),
    ("performance highlight", Role::Results),
    ("results", Role::Results),
    ("key results", Role::Results),
    ("결과", Role::Results),
    ("성능", Role::Results),
    ("technical details", Role::Method),
    ("method", Role::Method),
    ("how it works", Role::Method),
    ("작동 방식", Role::Method),
    ("방법", Role::Method),
    ("related work summary", Role::Note),
    ("related work", Role::Note),
    ("limitations", Role::Note),
    ("note", Role::Note),
];

/// A digest's bullet as a card shows it: a known label (`***What's New***: …`, `**Results:**
/// …`, `What's New: …`) becomes its role, with paperboy's label in `lang`; anything else is
/// [`Role::Other`], its text as the source wrote it (one line, mentions defused).
pub fn digest_bullet(raw: &str, lang: &Language) -> Bullet {
    let line = one_line(raw);
    match split_label(&line) {
        Some((role, rest)) if !rest.is_empty() => Bullet {
            role,
            label: role.label_key().map(|k| t!(lang, k)),
            text: rest.to_string(),
        },
        _ => Bullet {
            role: Role::Other,
            label: None,
            text: line,
        },
    }
}

/// A bullet someone else wrote with a known role (a model's): its label in `lang`, its text
/// one line with Markdown escaped, so it can neither format nor link.
pub fn written_bullet(role: Role, label: &str, text: &str) -> Bullet {
    Bullet {
        role,
        label: Some(one_line(label)).filter(|l| !l.is_empty()),
        text: escape_markdown(&one_line(text)),
    }
}

/// `(role, text after the label)` when `line` starts with a known label.
fn split_label(line: &str) -> Option<(Role, &str)> {
    let marks = line.len() - line.trim_start_matches(['*', '_']).len();
    let body = &line[marks..];
    let (label, rest) = if marks > 0 {
        let closing = &line[..marks];
        let end = body.find(closing)?;
        (&body[..end], &body[end + marks..])
    } else {
        let colon = body.find(':')?;
        (&body[..colon], &body[colon..])
    };
    let label = label.trim().trim_end_matches(':').trim();
    if chars(label) > 40 {
        return None;
    }
    let rest = rest.trim_start();
    // `**Label**: text` or `**Label:** text`.
    let rest = rest.strip_prefix(':').unwrap_or(rest).trim_start();
    let key = label.to_lowercase();
    LABELS
        .iter()
        .find(|(name, _)| *name == key)
        .map(|(_, role)| (*role, rest))
}

/// Shortest part of a bullet worth showing after a cut: anything shorter reads as noise.
pub(super) const MIN_CUT_BULLET_CHARS: usize = 60;

/// The bullets as a card's description within `room` characters, in role order (new, results,
/// method, note, the unlabelled ones in their place). Bullets are kept in [`Role::keep_rank`]
/// order while they fit whole; the first that does not is shortened at a sentence or word end
/// when a useful part of it fits (a first bullet always is), and everything ranked below it is
/// left out, so the results are never cut while the method is shown, and nothing ends on a
/// lone "…".
pub fn bullets_within(bullets: &[Bullet], room: usize) -> String {
    let mut shown: Vec<Bullet> = bullets.to_vec();
    shown.sort_by_key(|b| b.role);
    let mut by_rank: Vec<usize> = (0..shown.len()).collect();
    by_rank.sort_by_key(|&i| (shown[i].role.keep_rank(), i));

    // Which bullets are kept, and the one that is cut (its text).
    let mut kept: Vec<(usize, String)> = Vec::new();
    let mut used = 0;
    for &i in &by_rank {
        let b = &shown[i];
        let sep = usize::from(!kept.is_empty());
        let line = b.full();
        if used + sep + chars(&line) <= room {
            used += sep + chars(&line);
            kept.push((i, line));
            continue;
        }
        let left = room.saturating_sub(used + sep);
        let frame = chars(&b.line(""));
        let text_room = left.saturating_sub(frame);
        if kept.is_empty() || text_room >= MIN_CUT_BULLET_CHARS {
            let cut = cut_text(&b.text, text_room);
            if !cut.is_empty() {
                kept.push((i, b.line(&cut)));
            }
        }
        break;
    }
    kept.sort_by_key(|(i, _)| *i);
    kept.into_iter()
        .map(|(_, line)| line)
        .collect::<Vec<_>>()
        .join("\n")
}

/// `text` within `max` characters: whole when it fits; else up to its last sentence end when
/// that keeps at least half of the room, else up to its last whole word, marked "…"; a text
/// with no space in it (Chinese, Japanese) is cut at a character. Never a bare "…".
pub fn cut_text(text: &str, max: usize) -> String {
    if chars(text) <= max {
        return text.to_string();
    }
    if max < 2 {
        return String::new();
    }
    let end = text
        .char_indices()
        .nth(max - 1)
        .map_or(text.len(), |(i, _)| i);
    let head = &text[..end];
    let sentence = head
        .char_indices()
        .filter(|(i, c)| {
            matches!(c, '.' | '!' | '?' | '。' | '！' | '？')
                && head[i + c.len_utf8()..].starts_with(' ')
        })
        .map(|(i, c)| i + c.len_utf8())
        .next_back();
    if let Some(s) = sentence.filter(|s| chars(&head[..*s]) * 2 >= max) {
        return head[..s].to_string();
    }
    let word = match head.rfind(char::is_whitespace) {
        // The next character starts a word: the whole head is words.
        _ if text[end..].starts_with(char::is_whitespace) => head,
        Some(space) if space > 0 => &head[..space],
        _ if !head.contains(' ')
            && head
                .chars()
                .any(crate::select::script::is_unsegmented_script) =>
        {
            head
        }
        _ => return String::new(),
    };
    let word = word.trim_end_matches([' ', ',', ';', ':', '-', '(', '[']);
    if word.is_empty() {
        return String::new();
    }
    format!("{word}{ELLIPSIS}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn en() -> Language {
        Language::english()
    }

    #[test]
    fn the_korean_digests_labels_are_read_as_roles() {
        let b = digest_bullet(
            "***Performance Highlights***: NSA는 6에서 11배 빠릅니다.",
            &en(),
        );
        assert_eq!(b.role, Role::Results);
        assert_eq!(b.label.as_deref(), Some("Results"));
        assert_eq!(b.text, "NSA는 6에서 11배 빠릅니다.");
        assert_eq!(
            digest_bullet("**What's New**: 새로운 방법", &en()).role,
            Role::New
        );
        assert_eq!(
            digest_bullet("**Technical Details:** 두 단계", &en()).role,
            Role::Method
        );
        assert_eq!(digest_bullet("What's New: plain", &en()).role, Role::New);
        let ko: Language = "ko".parse().unwrap();
        assert_eq!(
            digest_bullet("***What's New***: x y z", &ko)
                .label
                .as_deref(),
            Some("새로운 점")
        );
        // An unknown label, or none, keeps the text as written.
        let other = digest_bullet("**프로젝터 (Projector)**: 연결", &en());
        assert_eq!(
            (other.role, other.text.as_str()),
            (Role::Other, "**프로젝터 (Projector)**: 연결")
        );
        assert_eq!(digest_bullet("본 논문은 새롭다.", &en()).role, Role::Other);
        assert_eq!(digest_bullet("**bold** start", &en()).role, Role::Other);
    }

    fn b(role: Role, text: &str) -> Bullet {
        Bullet {
            role,
            label: Some(format!("{role:?}")),
            text: text.to_string(),
        }
    }

    #[test]
    fn results_come_second_and_the_method_gives_way_first() {
        let all = [
            b(Role::New, &"n".repeat(100)),
            b(Role::Method, &"m".repeat(100)),
            b(
                Role::Results,
                "the results are 6 to 11 times faster than full attention",
            ),
        ];
        let whole = bullets_within(&all, 1000);
        let lines: Vec<&str> = whole.lines().collect();
        assert!(lines[0].starts_with("• **New**"));
        assert!(lines[1].starts_with("• **Results**"));
        assert!(lines[2].starts_with("• **Method**"));
        // Room for new and results but not the method: the method goes, whole.
        let cut = bullets_within(&all, 220);
        assert_eq!(cut.lines().count(), 2, "{cut}");
        assert!(cut.contains("11 times faster than full attention"));
        assert!(!cut.contains('…'));
    }

    #[test]
    fn a_cut_lands_on_a_word_or_a_sentence_never_a_lone_ellipsis() {
        assert_eq!(cut_text("one two three four", 12), "one two…");
        assert_eq!(cut_text("one two three", 100), "one two three");
        assert_eq!(
            cut_text("First sentence here. Second sentence is long", 30),
            "First sentence here."
        );
        assert_eq!(cut_text("abcdefghij", 5), "");
        assert_eq!(cut_text("一二三四五六七八", 4), "一二三…");
        let lines = [
            b(Role::Other, &"word ".repeat(40)),
            b(Role::Other, &"more ".repeat(40)),
        ];
        for room in 0..500 {
            let d = bullets_within(&lines, room);
            assert!(chars(&d) <= room, "{room}: {d}");
            for line in d.lines() {
                assert_ne!(line.trim(), "…");
                assert!(!line.ends_with("wor…") && !line.ends_with(" …"), "{line}");
            }
        }
    }
}
