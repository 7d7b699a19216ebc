//! How much room text takes on a desktop client, as a number a test can check: rows of text at
//! a fixed width in columns.
//!
//! Why it exists: "fits one screen" and "at most two lines of chrome" are promises about what a
//! reader sees, so they need a measure that does not need a browser. The model is Discord's
//! desktop client at 1080p with its default font (gg sans, 16 px in a message, 14 px in an
//! embed, 12 px in an embed's footer): a message's text column is about 900 px wide, an embed's
//! text about 480 px (less the 96 px of a thumbnail beside it). Latin letters average about
//! 8.5 px at 16 px, so a message row holds about [`CONTENT_COLUMNS`] columns; Hangul, CJK, kana
//! and emoji are about twice as wide and count two columns ([`columns`]). Rows are counted
//! after word wrapping ([`rows`]), with Markdown shown as a reader sees it: a masked link by its
//! label, emphasis markers and escapes gone ([`visible`]). A desktop screen shows about 800 px
//! of messages, [`SCREEN_ROWS`] rows of 24 px (a message row with its line spacing); a select
//! menu takes [`MENU_ROWS`] of them.

/// Columns of a message's text row (16 px) on a desktop client.
pub const CONTENT_COLUMNS: usize = 100;
/// Columns of an embed's description row (14 px, 480 px of text).
pub const EMBED_COLUMNS: usize = 62;
/// Columns of an embed's description row beside a thumbnail.
pub const EMBED_COLUMNS_BESIDE_THUMBNAIL: usize = 50;
/// Columns of an embed's footer row (12 px), the timestamp's share taken out.
pub const FOOTER_COLUMNS: usize = 52;
/// Rows of a desktop screen (about 800 px of messages).
pub const SCREEN_ROWS: usize = 32;
/// What a select menu under a message takes, in rows.
pub const MENU_ROWS: usize = 2;

/// Whether a character is drawn about twice as wide as a Latin letter.
fn wide(c: char) -> bool {
    let n = c as u32;
    crate::select::script::is_unsegmented_script(c)
        // Emoji and pictographs.
        || (0x1F300..=0x1FAFF).contains(&n)
        // Miscellaneous symbols, but ★ is drawn narrow.
        || ((0x2600..=0x26FF).contains(&n) && c != '★')
        // Fullwidth forms.
        || (0xFF01..=0xFF60).contains(&n)
}

/// Display width in columns.
pub fn columns(s: &str) -> usize {
    s.chars()
        .filter(|c| !matches!(*c, '\u{200B}' | '\u{FE0F}'))
        .map(|c| if wide(c) { 2 } else { 1 })
        .sum()
}

/// A line of Markdown as a reader sees it: a masked link (`[label](https://…)` or
/// `[label](<https://…>)`) by its label, emphasis markers (`*`, `_`, `~`, `` ` ``) and
/// backslash escapes gone, a subtext (`-# `) or heading prefix dropped.
pub fn visible(line: &str) -> String {
    let line = line
        .strip_prefix("-# ")
        .or_else(|| line.strip_prefix("### "))
        .or_else(|| line.strip_prefix("## "))
        .unwrap_or(line);
    let labelled = link_labels(line);
    let mut out = String::with_capacity(labelled.len());
    let mut chars = labelled.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next() {
                    out.push(next);
                }
            }
            '*' | '_' | '~' | '`' => {}
            c => out.push(c),
        }
    }
    out
}

/// A line with its masked links shown by their labels.
pub fn link_labels(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        let link = after.find("](").and_then(|close| {
            let target = &after[close + 2..];
            let end = target.find(')')?;
            let url = target[..end].trim_start_matches('<');
            (url.starts_with("http://") || url.starts_with("https://"))
                .then_some((close, close + 2 + end + 1))
        });
        match link {
            // An escaped `\[` is text, not a link.
            Some((close, end)) if !rest[..open].ends_with('\\') => {
                out.push_str(&rest[..open]);
                out.push_str(&after[..close]);
                rest = &after[end..];
            }
            _ => {
                out.push_str(&rest[..open + 1]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Rows `text` takes at `width` columns: each of its lines word-wrapped (a word wider than the
/// row breaks where the row ends), an empty line one row.
pub fn rows(text: &str, width: usize) -> usize {
    let width = width.max(1);
    text.split('\n')
        .map(|line| line_rows(&visible(line), width))
        .sum()
}

fn line_rows(line: &str, width: usize) -> usize {
    let mut rows = 1;
    let mut used = 0;
    for word in line.split(' ') {
        let w = columns(word);
        let need = if used == 0 { w } else { used + 1 + w };
        if need <= width {
            used = need;
            continue;
        }
        // The word starts a new row (unless the row is empty), and may itself take several.
        if used > 0 {
            rows += 1;
        }
        rows += w.saturating_sub(1) / width;
        used = match w % width {
            0 if w > 0 => width,
            r => r,
        };
    }
    rows
}

/// The rows of a card's chrome: everything but its title (with the author line above it) and
/// its bullets: the description's other lines (at the embed's width, less beside a
/// thumbnail), its fields (a row each), and its footer row (the footer's text wrapped at
/// [`FOOTER_COLUMNS`], or the timestamp alone).
pub fn card_chrome_rows(card: &super::spec::EmbedSpec) -> usize {
    let width = if card.thumbnail.is_some() {
        EMBED_COLUMNS_BESIDE_THUMBNAIL
    } else {
        EMBED_COLUMNS
    };
    let description: usize = card
        .description
        .lines()
        .filter(|l| !l.starts_with("• "))
        .map(|l| rows(l, width))
        .sum();
    let footer = match (card.footer.is_empty(), card.timestamp.is_some()) {
        (true, false) => 0,
        (true, true) => 1,
        (false, _) => rows(&card.footer, FOOTER_COLUMNS),
    };
    description + card.fields.len() + footer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_scripts_and_emoji_take_two_columns() {
        assert_eq!(columns("abc"), 3);
        assert_eq!(columns("가나"), 4);
        assert_eq!(columns("👍 7"), 4);
        assert_eq!(columns("★ 5"), 3);
        assert_eq!(columns("a\u{200B}b"), 2);
    }

    #[test]
    fn markdown_is_measured_as_shown() {
        assert_eq!(
            visible("**1.** [Sparse Attention](<https://arxiv.org/abs/2502.11089>) · 👍 71"),
            "1. Sparse Attention · 👍 71"
        );
        assert_eq!(visible("-# what is \\*new\\*"), "what is *new*");
        assert_eq!(
            visible("[PDF](https://arxiv.org/pdf/1) · [x](y)"),
            "PDF · [x](y)"
        );
    }

    #[test]
    fn rows_wrap_at_words() {
        assert_eq!(rows("", 10), 1);
        assert_eq!(rows("aaaa bbbb", 10), 1);
        assert_eq!(rows("aaaa bbbbbb", 10), 2);
        assert_eq!(rows("a\nb\n\nc", 10), 4);
        // A word wider than the row breaks over rows.
        assert_eq!(rows(&"x".repeat(25), 10), 3);
        assert_eq!(rows(&format!("ab {}", "x".repeat(20)), 10), 3);
        // Hangul is twice as wide.
        assert_eq!(rows(&"가".repeat(6), 10), 2);
    }
}
