//! Untrusted text made safe to show: digest text, stored errors and anything else from outside.
//!
//! Why it exists: digest text is third-party content, and Discord's limits count characters,
//! not bytes. Everything here cuts at character boundaries, drops control characters, defuses
//! mentions and (for message content) escapes Markdown, so no outside text can ping, format a
//! reply, smuggle a link, or break a limit.

use super::limits::MAX_URL_CHARS;

pub(super) const ELLIPSIS: char = '…';
const ZWSP: char = '\u{200B}';

/// Text from outside (an error Discord or the network gave, as stored in the ledger) on one
/// clean line of at most `max` characters: control characters dropped, whitespace collapsed,
/// mentions defused. For plain-text output such as `paperboy status`.
pub fn plain_line(s: &str, max: usize) -> String {
    truncate_chars(&one_line(s), max)
}

/// [`plain_line`] with Markdown escaped as well, for a reply in Discord: a stored error can
/// neither format the reply nor turn into a link.
pub fn outside_text(s: &str, max: usize) -> String {
    escape_markdown(&plain_line(s, max))
}

/// Markdown's special characters escaped, for digest text put into message content.
pub(super) fn escape_markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(
            c,
            '\\' | '*' | '_' | '~' | '`' | '|' | '>' | '[' | ']' | '(' | ')' | '#'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Markdown's special characters escaped for text on a line of its own: parentheses are left
/// as they are (with every `[` escaped no link can form), which keeps the line short.
pub(super) fn escape_inline(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(
            c,
            '\\' | '*' | '_' | '~' | '`' | '|' | '>' | '[' | ']' | '#'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

pub(super) fn chars(s: &str) -> usize {
    s.chars().count()
}

/// Cuts `s` to at most `max` characters, ending in "…" when anything was cut. Prefers to end at
/// a space when one is near, so words are not split needlessly.
pub fn truncate_chars(s: &str, max: usize) -> String {
    if chars(s) <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let keep = max - 1;
    let end = s.char_indices().nth(keep).map_or(s.len(), |(i, _)| i);
    let mut cut = &s[..end];
    let next_is_space = s[end..].starts_with(char::is_whitespace);
    if !next_is_space {
        if let Some(space) = cut.rfind(char::is_whitespace) {
            if space > 0 && chars(&cut[space..]) <= 24 {
                cut = &cut[..space];
            }
        }
    }
    format!("{}{ELLIPSIS}", cut.trim_end())
}

/// Digest text to one clean line: control characters dropped (mangled LaTeX leaves some),
/// whitespace collapsed, and mentions defused.
pub(super) fn one_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().filter(|c| !c.is_control()));
    }
    defuse_mentions(&out)
}

/// Belt and braces next to `allowed_mentions`: a zero-width space after the `@` of `@everyone`,
/// `@here` and `<@…>` so the text cannot ping even if it were sent without them.
pub(super) fn defuse_mentions(s: &str) -> String {
    if !s.contains('@') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    let mut prev = None;
    for (i, c) in s.char_indices() {
        out.push(c);
        if c == '@' {
            let rest = &s.as_bytes()[i + 1..];
            let starts = |w: &str| {
                rest.len() >= w.len() && rest[..w.len()].eq_ignore_ascii_case(w.as_bytes())
            };
            if prev == Some('<') || starts("everyone") || starts("here") {
                out.push(ZWSP);
            }
        }
        prev = Some(c);
    }
    out
}

pub(super) fn is_http_url(u: &str) -> bool {
    let lower = u.get(..8).unwrap_or(u).to_ascii_lowercase();
    (lower.starts_with("http://") || lower.starts_with("https://"))
        && chars(u) > "https://".len()
        && chars(u) <= MAX_URL_CHARS
        && !u.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Early digests link videos or SVGs where the thumbnail goes; Discord shows neither.
pub(super) fn is_image_url(u: &str) -> bool {
    let path = u.split(['?', '#']).next().unwrap_or(u).to_ascii_lowercase();
    ![".mp4", ".webm", ".mov", ".m4v", ".svg"]
        .iter()
        .any(|ext| path.ends_with(ext))
}

/// Text from outside kept as paragraphs, for a model's answer shown in a reply: control
/// characters dropped (line breaks kept), each line's whitespace collapsed, runs of blank lines
/// made one, mentions defused (and the `<#channel>` and `</command:id>` forms too), Markdown
/// escaped, so it can neither ping, link, nor format anything; its lines stay lines.
pub fn outside_paragraphs(s: &str) -> String {
    let mut lines: Vec<String> = Vec::new();
    for line in s.lines() {
        let line = one_line(line);
        if line.is_empty() && lines.last().is_none_or(|l: &String| l.is_empty()) {
            continue;
        }
        lines.push(escape_markdown(&defuse_tags(&line)));
    }
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines.join("\n")
}

/// A zero-width space after the `<` of `<#…>`, `</…>`, `<:…>`, `<a:…>` and `<t:…>`: no channel
/// link, clickable command, emoji or timestamp from outside text.
fn defuse_tags(s: &str) -> String {
    if !s.contains('<') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for (i, c) in s.char_indices() {
        out.push(c);
        if c == '<' {
            let rest = &s[i + 1..];
            if rest.starts_with(['#', '/', ':']) || rest.starts_with("a:") || rest.starts_with("t:")
            {
                out.push(ZWSP);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outside_text_cannot_format_link_or_ping() {
        let stored = "HTTP 500\n[click](https://x.test) **now** @everyone <@123> `code`";
        let line = plain_line(stored, 200);
        assert_eq!(
            line,
            "HTTP 500 [click](https://x.test) **now** @\u{200B}everyone <@\u{200B}123> `code`"
        );
        let reply = outside_text(stored, 200);
        assert!(!reply.contains('\n'), "{reply}");
        for needle in ["[click]", "](", "**now**", "`code`", "@everyone", "<@1"] {
            assert!(!reply.contains(needle), "{needle} left in {reply}");
        }
        assert!(reply.starts_with("HTTP 500 \\[click\\]"), "{reply}");
        // Long errors are cut, to the character.
        assert_eq!(plain_line(&"x".repeat(300), 120).chars().count(), 120);
    }

    #[test]
    fn outside_paragraphs_keep_lines_and_nothing_else() {
        let answer = "Para one @everyone <@1> <#2> </ask:3>\n\n\n\n**bold** [x](https://e.test)\n# heading\u{7}\n\n";
        let shown = outside_paragraphs(answer);
        assert_eq!(
            shown,
            "Para one @\u{200B}everyone <@\u{200B}1\\> <\u{200B}\\#2\\> <\u{200B}/ask:3\\>\n\n\\*\\*bold\\*\\* \\[x\\]\\(https://e.test\\)\n\\# heading"
        );
    }

    #[test]
    fn truncation_cuts_at_char_boundaries() {
        assert_eq!(truncate_chars("가나다라", 4), "가나다라");
        assert_eq!(truncate_chars("가나다라", 3), "가나…");
        assert_eq!(truncate_chars("가나다라", 1), "…");
        assert_eq!(truncate_chars("가나다라", 0), "");
        assert_eq!(truncate_chars("hello world again", 14), "hello world…");
        assert_eq!(truncate_chars("hello world again", 12), "hello world…");
    }
}
