//! Parser for the markdown digest (`## Daily Papers (YYYY-MM-DD)` followed by one `###` block
//! per paper), as published by the daily_papers_ko repository since 2023.
//!
//! The format drifted over the years and the files are machine-written, so the parser is
//! line-based and forgiving on purpose: the one promise it keeps is that every `###` heading
//! becomes a [`Paper`] or, when nothing usable is left of it, a [`ParseWarning`] naming its line.
//!
//! Decisions worth knowing:
//! - Titles are kept as written between the link brackets (whitespace collapsed only). They are
//!   not run through a markdown renderer because arXiv titles use `*`, `_`, `$` and `\`
//!   literally, and rendering emphasis would silently eat characters.
//! - Bullet text is kept verbatim, labels such as `**What's New**:` included; Discord renders
//!   them. A line that directly follows a bullet (or is indented under it) continues that bullet;
//!   any other free text becomes a bullet of its own so nothing is dropped.
//! - Only http(s) images that Discord can show are thumbnails: uploaded videos, SVGs, relative
//!   paths and submitter avatars are not. When no usable image is given but the paper has an
//!   arXiv id, the Hugging Face social thumbnail is derived from it, because Hugging Face renders
//!   one for every paper page and it is what later digests link anyway.

use chrono::NaiveDate;

use crate::source::digest::{arxiv_id_from_url, Digest, DigestError, Paper, ParseWarning, Parsed};

/// More names than any real paper has had (Humanity's Last Exam lists ~1000); beyond this the
/// list is cut and marked elided so one runaway line cannot bloat every later stage.
pub(crate) const MAX_AUTHORS: usize = 1000;
/// Longer "names" are a sign of a missing separator; they are cut rather than dropped.
pub(crate) const MAX_AUTHOR_CHARS: usize = 200;

/// Parses a markdown digest. The date comes from the first `## ... (YYYY-MM-DD)` heading, or
/// from `date_hint` when there is none.
pub fn parse_markdown(input: &[u8], date_hint: Option<NaiveDate>) -> Result<Parsed, DigestError> {
    let mut warnings = Vec::new();
    let text = decode(input, &mut warnings);
    let mut parser = Parser {
        warnings,
        papers: Vec::new(),
        date: None,
        date_line: 0,
        block: None,
        orphan_line: None,
        headings_seen: 0,
    };
    for (index, raw) in split_lines(&text).enumerate() {
        parser.line(index + 1, raw);
    }
    parser.finish_block();
    parser.flush_orphan();

    let Parser {
        mut warnings,
        papers,
        date,
        date_line,
        headings_seen,
        ..
    } = parser;

    if date.is_none() && headings_seen == 0 {
        // Nothing identifies this as a digest (an HTML error page, an empty file, a wrong URL):
        // better to fail loudly than to post an empty day.
        return Err(DigestError::Malformed(
            "no `## Daily Papers (YYYY-MM-DD)` heading and no `###` paper headings".into(),
        ));
    }
    let date = match (date, date_hint) {
        (Some(date), hint) => {
            if let Some(hint) = hint.filter(|h| *h != date) {
                warnings.push(ParseWarning {
                    line: date_line,
                    message: format!("digest heading says {date} but {hint} was expected"),
                });
            }
            date
        }
        (None, Some(hint)) => hint,
        (None, None) => {
            return Err(DigestError::Malformed(
                "no `## Daily Papers (YYYY-MM-DD)` heading and no date given".into(),
            ))
        }
    };
    if papers.is_empty() {
        warnings.push(ParseWarning {
            line: 0,
            message: "the digest lists no papers".into(),
        });
    }
    Ok(Parsed {
        digest: Digest { date, papers },
        warnings,
    })
}

/// Lossy UTF-8 decoding: a digest with one mangled byte is still worth posting.
fn decode(input: &[u8], warnings: &mut Vec<ParseWarning>) -> String {
    let input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    match std::str::from_utf8(input) {
        Ok(text) => text.to_owned(),
        Err(err) => {
            let valid = &input[..err.valid_up_to()];
            let line = 1 + valid.iter().filter(|b| **b == b'\n').count();
            warnings.push(ParseWarning {
                line,
                message: "invalid UTF-8 replaced with U+FFFD".into(),
            });
            String::from_utf8_lossy(input).into_owned()
        }
    }
}

/// Splits on LF, CRLF and lone CR alike, so files from any platform read the same.
fn split_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let current = rest?;
        match current.find(['\n', '\r']) {
            Some(i) => {
                let skip = if current[i..].starts_with("\r\n") {
                    2
                } else {
                    1
                };
                rest = Some(&current[i + skip..]);
                Some(&current[..i])
            }
            None => {
                rest = None;
                Some(current)
            }
        }
    })
}

/// Removes C0 control characters (except tab) and DEL: they come from mangled LaTeX (`\b` in
/// `\benchmark` became a backspace) and would corrupt Discord messages.
fn strip_controls(line: &str) -> (String, usize) {
    let mut removed = 0;
    let cleaned = line
        .chars()
        .filter(|c| {
            let control = (c.is_ascii_control() && *c != '\t') || *c == '\u{7f}';
            removed += usize::from(control);
            !control
        })
        .collect();
    (cleaned, removed)
}

fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

struct Parser {
    warnings: Vec<ParseWarning>,
    papers: Vec<Paper>,
    date: Option<NaiveDate>,
    date_line: usize,
    block: Option<Block>,
    /// First line of a run of text that belongs to no paper, reported once per run.
    orphan_line: Option<usize>,
    headings_seen: usize,
}

/// The paper being read: everything between its `###` heading and the next heading.
struct Block {
    line: usize,
    title: String,
    url: Option<String>,
    thumbnail: Option<String>,
    votes: Option<u32>,
    authors: Option<Vec<String>>,
    bullets: Vec<String>,
    /// Whether the next plain line may continue the last bullet.
    continues: bool,
    after_blank: bool,
    /// An HTML tag spread over several lines, collected until its `>` (or a blank line).
    html: Option<String>,
}

enum Heading<'a> {
    /// `#` or `##`: the digest heading (or some other section); ends the current paper.
    Section(&'a str),
    /// `###`: a paper.
    Paper(&'a str),
    /// `####` and deeper: text inside a paper.
    Minor(&'a str),
}

impl Parser {
    fn warn(&mut self, line: usize, message: impl Into<String>) {
        self.warnings.push(ParseWarning {
            line,
            message: message.into(),
        });
    }

    fn line(&mut self, number: usize, raw: &str) {
        let (line, removed) = strip_controls(raw);
        if removed > 0 {
            self.warn(number, format!("removed {removed} control character(s)"));
        }
        match classify_heading(&line) {
            Some(Heading::Section(text)) => {
                self.finish_block();
                self.flush_orphan();
                self.section_heading(number, text);
            }
            Some(Heading::Paper(text)) => {
                self.finish_block();
                self.flush_orphan();
                self.headings_seen += 1;
                let (title, url) = split_title_link(text);
                self.block = Some(Block {
                    line: number,
                    title,
                    url,
                    thumbnail: None,
                    votes: None,
                    authors: None,
                    bullets: Vec::new(),
                    continues: false,
                    after_blank: false,
                    html: None,
                });
            }
            Some(Heading::Minor(text)) => match self.block.as_mut() {
                Some(block) => {
                    if !text.is_empty() {
                        block.bullets.push(text.to_owned());
                    }
                    block.continues = false;
                    block.after_blank = false;
                }
                None => self.orphan(number, text),
            },
            None => {
                if self.block.is_some() {
                    self.block_line(number, &line);
                } else {
                    self.orphan(number, &line);
                }
            }
        }
    }

    fn section_heading(&mut self, number: usize, text: &str) {
        let Some(found) = find_date(text) else {
            return;
        };
        match (found, self.date) {
            (Ok(date), None) => {
                self.date = Some(date);
                self.date_line = number;
            }
            (Ok(date), Some(first)) if date != first => self.warn(
                number,
                format!("repeated digest heading dated {date}; keeping {first}"),
            ),
            (Ok(_), Some(_)) => {}
            (Err(bad), _) => self.warn(number, format!("heading has an invalid date `{bad}`")),
        }
    }

    fn orphan(&mut self, number: usize, text: &str) {
        if !text.trim().is_empty() && self.orphan_line.is_none() {
            self.orphan_line = Some(number);
        }
    }

    fn flush_orphan(&mut self) {
        if let Some(line) = self.orphan_line.take() {
            tracing::debug!(line, "text outside any paper ignored");
            self.warn(line, "text outside any paper block ignored");
        }
    }

    fn block_line(&mut self, number: usize, line: &str) {
        let trimmed = line.trim();
        let Some(block) = self.block.as_mut() else {
            return;
        };
        if let Some(html) = block.html.as_mut() {
            html.push(' ');
            html.push_str(trimmed);
            if trimmed.is_empty() || trimmed.contains('>') {
                let html = block.html.take().unwrap_or_default();
                block.html_media(&html);
            }
            if !trimmed.is_empty() {
                return;
            }
        }
        if trimmed.is_empty() {
            block.after_blank = true;
            return;
        }
        let indented = line.starts_with("  ") || line.starts_with('\t');
        let mut warning = None;
        if let Some((field, rest)) = field_label(trimmed) {
            match field {
                Field::Vote => {
                    if block.votes.is_none() {
                        block.votes = parse_votes(rest);
                        if block.votes.is_none() {
                            warning = Some(format!("unreadable vote count `{}`", clip(rest, 40)));
                        }
                    }
                }
                Field::Authors => {
                    if block.authors.is_none() {
                        let (authors, note) = parse_authors(rest);
                        block.authors = Some(authors);
                        warning = note;
                    }
                }
            }
            block.continues = false;
        } else if let Some(src) = image_source(trimmed) {
            if block.thumbnail.is_none() {
                block.thumbnail = usable_thumbnail(&src);
            }
            block.continues = false;
        } else if is_html(trimmed) {
            if trimmed.contains('>') {
                block.html_media(trimmed);
            } else {
                block.html = Some(trimmed.to_owned());
            }
            block.continues = false;
        } else if is_thematic_break(trimmed) {
            block.continues = false;
        } else {
            block.text(line, indented);
        }
        block.after_blank = false;
        if let Some(message) = warning {
            self.warn(number, message);
        }
    }

    fn finish_block(&mut self) {
        let Some(block) = self.block.take() else {
            return;
        };
        let title = collapse_whitespace(&block.title);
        if title.is_empty() {
            self.warn(block.line, "paper heading has no title; block skipped");
            return;
        }
        let arxiv_id = block.url.as_deref().and_then(arxiv_id_from_url);
        let thumbnail_url = block.thumbnail.or_else(|| {
            arxiv_id.as_ref().map(|id| {
                format!("https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/{id}.png")
            })
        });
        self.papers.push(Paper {
            title,
            url: block.url,
            arxiv_id,
            thumbnail_url,
            votes: block.votes,
            authors: block.authors.unwrap_or_default(),
            bullets: block.bullets,
            ..Default::default()
        });
    }
}

impl Block {
    /// Early digests embed media as HTML; only an `<img>` can serve as a thumbnail.
    fn html_media(&mut self, html: &str) {
        if self.thumbnail.is_none() {
            self.thumbnail = html_img_source(html).and_then(|s| usable_thumbnail(&s));
        }
    }

    /// Adds free text: a new bullet, or the continuation of the previous one.
    fn text(&mut self, line: &str, indented: bool) {
        let trimmed = line.trim();
        if let Some(item) = list_item(trimmed) {
            if !item.is_empty() {
                self.bullets.push(item.to_owned());
            }
            self.continues = !item.is_empty();
            return;
        }
        let joins = self.continues && (!self.after_blank || indented);
        match self.bullets.last_mut() {
            Some(last) if joins => {
                last.push(' ');
                last.push_str(trimmed);
            }
            _ => self.bullets.push(trimmed.to_owned()),
        }
        self.continues = true;
    }
}

fn classify_heading(line: &str) -> Option<Heading<'_>> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    if indent > 3 {
        return None;
    }
    let rest = &line[indent..];
    let level = rest.len() - rest.trim_start_matches('#').len();
    if level == 0 || level > 6 {
        return None;
    }
    let after = &rest[level..];
    let spaced = after.is_empty() || after.starts_with([' ', '\t']);
    // `###Title` is not a heading to CommonMark, but it is plainly meant as a paper here.
    if !spaced && level != 3 {
        return None;
    }
    let text = strip_closing_hashes(after.trim());
    Some(match level {
        1 | 2 => Heading::Section(text),
        3 => Heading::Paper(text),
        _ => Heading::Minor(text),
    })
}

/// Drops an optional closing `###` sequence, which CommonMark only recognises after a space.
fn strip_closing_hashes(text: &str) -> &str {
    let without = text.trim_end_matches('#');
    if without.is_empty() {
        return without;
    }
    if without.len() != text.len() && without.ends_with([' ', '\t']) {
        without.trim_end()
    } else {
        text
    }
}

/// The first `YYYY-MM-DD` in a heading: `Ok` when it is a real date, `Err(text)` otherwise.
fn find_date(text: &str) -> Option<Result<NaiveDate, String>> {
    let bytes = text.as_bytes();
    let shape = |w: &[u8]| {
        w.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        })
    };
    let start = bytes.windows(10).position(shape)?;
    let candidate = &text[start..start + 10];
    Some(NaiveDate::parse_from_str(candidate, "%Y-%m-%d").map_err(|_| candidate.to_owned()))
}

/// Marks the bytes escaped by an odd run of backslashes, computed once so that bracket matching
/// stays linear even on hostile lines.
fn escape_mask(bytes: &[u8]) -> Vec<bool> {
    let mut mask = vec![false; bytes.len()];
    let mut slashes = 0usize;
    for (i, b) in bytes.iter().enumerate() {
        mask[i] = slashes % 2 == 1;
        slashes = if *b == b'\\' { slashes + 1 } else { 0 };
    }
    mask
}

/// Splits a paper heading into its title and http(s) link. The link is the last `](http...)`
/// in the heading, and its text is found by matching brackets backwards, so titles such as
/// `[A [B] (C) | D](https://...)` keep their own brackets. Text around the link stays part of
/// the title.
fn split_title_link(heading: &str) -> (String, Option<String>) {
    let escaped = escape_mask(heading.as_bytes());
    let mut fallback = None;
    for (close, _) in heading.rmatch_indices("](") {
        if escaped[close] {
            continue;
        }
        let after = &heading[close + 2..];
        if !is_http(
            after
                .trim_start_matches([' ', '\t'])
                .trim_start_matches('<'),
        ) {
            fallback = fallback.or(Some(close));
            continue;
        }
        let Some((dest, end)) = link_destination(after) else {
            continue;
        };
        if is_http(&dest) && !dest.chars().any(char::is_whitespace) {
            return (
                join_title(heading, &escaped, close, close + 2 + end),
                Some(dest),
            );
        }
    }
    // A link whose target is not http(s) (a relative path, say): the title is still its text.
    if let Some(close) = fallback.filter(|_| heading.starts_with('[')) {
        if let Some((_, end)) = link_destination(&heading[close + 2..]) {
            return (join_title(heading, &escaped, close, close + 2 + end), None);
        }
    }
    (heading.to_owned(), None)
}

/// Title = text before the link + link text + text after the link.
fn join_title(heading: &str, escaped: &[bool], close: usize, end: usize) -> String {
    let (prefix, text) = match link_open(heading.as_bytes(), escaped, close) {
        Some(open) => (&heading[..open], &heading[open + 1..close]),
        None => ("", &heading[..close]),
    };
    format!("{prefix}{text}{}", &heading[end.min(heading.len())..])
}

/// Finds the `[` that opens the link text ending at `close`.
fn link_open(bytes: &[u8], escaped: &[bool], close: usize) -> Option<usize> {
    let is_bracket = |i: usize, b: u8| bytes[i] == b && !escaped[i];
    let mut depth = 1usize;
    let mut matched = None;
    for i in (0..close).rev() {
        if is_bracket(i, b']') {
            depth += 1;
        } else if is_bracket(i, b'[') {
            depth -= 1;
            if depth == 0 {
                matched = Some(i);
                break;
            }
        }
    }
    match matched {
        // `[A [B](url)`: the prefix holds an unclosed `[`, so the link text really starts at
        // the heading's first bracket.
        Some(open) if open > 0 && is_bracket(0, b'[') && unbalanced(bytes, escaped, open) => {
            Some(0)
        }
        Some(open) => Some(open),
        // `[A ] B](url)`: more closing than opening brackets inside the text.
        None => (0..close).find(|&i| is_bracket(i, b'[')),
    }
}

/// Whether `bytes[..end]` leaves a `[` open.
fn unbalanced(bytes: &[u8], escaped: &[bool], end: usize) -> bool {
    let mut depth = 0usize;
    for i in 0..end {
        match bytes[i] {
            _ if escaped[i] => {}
            b'[' => depth += 1,
            b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    depth > 0
}

/// Reads a link destination (after `](`): returns it and the offset just past the closing `)`.
/// A heading cut off before the `)` still yields its link.
fn link_destination(s: &str) -> Option<(String, usize)> {
    let lead = s.len() - s.trim_start_matches([' ', '\t']).len();
    let body = &s[lead..];
    let (dest, after) = if let Some(inner) = body.strip_prefix('<') {
        let end = inner.find('>')?;
        (inner[..end].to_owned(), lead + 1 + end + 1)
    } else {
        let mut depth = 0usize;
        let mut end = body.len();
        for (i, c) in body.char_indices() {
            match c {
                '(' => depth += 1,
                ')' if depth == 0 => {
                    end = i;
                    break;
                }
                ')' => depth -= 1,
                c if c.is_whitespace() => {
                    end = i;
                    break;
                }
                _ => {}
            }
        }
        if end == 0 {
            return None;
        }
        (body[..end].to_owned(), lead + end)
    };
    let tail = &s[after..];
    // An optional link title ("..."), then the closing parenthesis.
    let close = match tail.find(')') {
        Some(i) => after + i + 1,
        None => s.len(),
    };
    Some((dest, close))
}

fn is_http(url: &str) -> bool {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    (lower.starts_with("https://") && url.len() > 8)
        || (lower.starts_with("http://") && url.len() > 7)
}

enum Field {
    Vote,
    Authors,
}

/// Recognises `Vote: N` and `Authors: ...`, tolerating case, plurals and bold labels.
fn field_label(line: &str) -> Option<(Field, &str)> {
    let label_end = line.find(':')?;
    let label = line[..label_end].trim_matches(['*', '_', ' ']);
    let mut rest = &line[label_end + 1..];
    rest = rest.trim_start_matches(['*', '_']).trim();
    let field = match label.to_ascii_lowercase().as_str() {
        "vote" | "votes" | "upvotes" => Field::Vote,
        "authors" | "author" => Field::Authors,
        _ => return None,
    };
    Some((field, rest))
}

fn parse_votes(rest: &str) -> Option<u32> {
    let digits: String = rest
        .trim()
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == ',')
        .filter(|c| *c != ',')
        .collect();
    digits.parse().ok()
}

/// Parses `a, b, +, c` or a Python list `['A', 'B']`. Returns the names and a warning when the
/// list had to be cut.
fn parse_authors(rest: &str) -> (Vec<String>, Option<String>) {
    let rest = rest.trim();
    let names = rest
        .strip_prefix('[')
        .and_then(python_list)
        .unwrap_or_else(|| {
            let inner = rest.strip_prefix('[').unwrap_or(rest);
            let inner = inner.strip_suffix(']').unwrap_or(inner);
            inner
                .split(',')
                .map(|name| name.trim().trim_matches(['\'', '"']).to_owned())
                .collect()
        });
    cap_authors(names)
}

/// Trims names, drops empty ones, and caps absurd lists (keeping the `+` elision marker).
pub(crate) fn cap_authors(names: Vec<String>) -> (Vec<String>, Option<String>) {
    let mut out: Vec<String> = Vec::new();
    let mut notes = Vec::new();
    let total = names.len();
    let mut long = 0;
    for name in names {
        let name = collapse_whitespace(&name);
        if name.is_empty() {
            continue;
        }
        if out.len() == MAX_AUTHORS {
            if out.last().map(String::as_str) != Some("+") {
                out.push("+".into());
            }
            notes.push(format!(
                "author list of {total} entries cut to {MAX_AUTHORS}"
            ));
            break;
        }
        if name.chars().count() > MAX_AUTHOR_CHARS {
            long += 1;
            let mut cut: String = name.chars().take(MAX_AUTHOR_CHARS).collect();
            cut.push('…');
            out.push(cut);
        } else {
            out.push(name);
        }
    }
    if long > 0 {
        notes.push(format!(
            "{long} author name(s) longer than {MAX_AUTHOR_CHARS} characters cut"
        ));
    }
    (out, (!notes.is_empty()).then(|| notes.join("; ")))
}

/// Reads the body of a Python list of string literals (after the `[`); `None` when it is not one.
/// A list cut off mid-way (the digest truncates long lines) keeps what it has, last name included.
fn python_list(body: &str) -> Option<Vec<String>> {
    let mut names = Vec::new();
    let mut chars = body.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace() || *c == ',').is_some() {}
        let quote = match chars.next() {
            None | Some(']') => return Some(names),
            Some(q @ ('\'' | '"')) => q,
            Some(_) => return None,
        };
        let mut name = String::new();
        loop {
            match chars.next() {
                None => {
                    names.push(name);
                    return Some(names);
                }
                Some('\\') => name.extend(chars.next()),
                Some(c) if c == quote => break,
                Some(c) => name.push(c),
            }
        }
        names.push(name);
    }
}

/// `![alt](src)` on its own line: the image source.
fn image_source(line: &str) -> Option<String> {
    let rest = line.strip_prefix("![")?;
    let close = rest.find("](")?;
    link_destination(&rest[close + 2..]).map(|(dest, _)| dest)
}

fn is_html(line: &str) -> bool {
    let mut chars = line.chars();
    chars.next() == Some('<')
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '/' || c == '!')
}

fn html_img_source(line: &str) -> Option<String> {
    let lower = line.to_ascii_lowercase();
    let img = lower.find("<img")?;
    let src = img + lower[img..].find("src=")? + 4;
    let rest = &line[src..];
    let (quote, rest) = match rest.chars().next()? {
        q @ ('"' | '\'') => (Some(q), &rest[1..]),
        _ => (None, rest),
    };
    let end = match quote {
        Some(q) => rest.find(q)?,
        None => rest
            .find(|c: char| c.is_whitespace() || c == '>')
            .unwrap_or(rest.len()),
    };
    Some(rest[..end].to_owned())
}

/// An image Discord can show as an embed thumbnail, or `None`.
pub(crate) fn usable_thumbnail(src: &str) -> Option<String> {
    let src = src.trim();
    if !is_http(src) || src.chars().any(char::is_whitespace) {
        return None;
    }
    let lower = src.to_ascii_lowercase();
    if lower.contains("cdn-avatars.huggingface.co") || lower.contains("/avatars/") {
        return None;
    }
    let path = lower.split(['?', '#']).next().unwrap_or(&lower);
    let not_images = [
        ".mp4", ".webm", ".mov", ".mkv", ".avi", ".m4v", ".svg", ".mp3", ".wav", ".pdf",
    ];
    (!not_images.iter().any(|ext| path.ends_with(ext))).then(|| src.to_owned())
}

fn is_thematic_break(line: &str) -> bool {
    let mut marks = line.chars().filter(|c| !c.is_whitespace());
    let Some(first @ ('-' | '*' | '_')) = marks.next() else {
        return false;
    };
    let mut count = 1;
    for c in marks {
        if c != first {
            return false;
        }
        count += 1;
    }
    count >= 3
}

/// The text of a list item (`- x`, `* x`, `+ x`, `• x`), or `None` for other lines. Ordered
/// items keep their number, which is part of the meaning.
fn list_item(line: &str) -> Option<&str> {
    for marker in ["- ", "* ", "+ ", "• "] {
        if let Some(rest) = line.strip_prefix(marker) {
            return Some(rest.trim());
        }
    }
    if matches!(line, "-" | "*" | "+" | "•") {
        return Some("");
    }
    None
}

fn clip(text: &str, max: usize) -> String {
    let mut out: String = text.chars().take(max).collect();
    if text.chars().count() > max {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/digests");

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!("{FIXTURES}/{name}")).expect("fixture exists")
    }

    fn parse(name: &str) -> Parsed {
        parse_markdown(&fixture(name), None).expect("fixture parses")
    }

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn md_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                p.extension().is_some_and(|e| e == "md")
                    && p.file_name().is_some_and(|n| n != "README.md")
            })
            .collect();
        files.sort();
        files
    }

    /// The expectation, computed the simple way: a `### [T](U)` line whose title has no brackets
    /// and whose url has no parentheses is unambiguous.
    fn simple_heading(line: &str) -> Option<(String, String)> {
        let rest = line.strip_prefix("### [")?.strip_suffix(')')?;
        let (title, url) = rest.split_once("](")?;
        let plain = !title.contains(['[', ']']) && !url.contains(['(', ')', ' ']);
        plain.then(|| (collapse_whitespace(title), url.to_owned()))
    }

    /// Asserts that every `### ` line of `bytes` became a paper, in order, and returns the count.
    fn assert_no_paper_lost(name: &str, bytes: &[u8]) -> usize {
        let text = String::from_utf8_lossy(bytes);
        let headings: Vec<&str> = text
            .lines()
            .map(|l| l.trim_end_matches('\r'))
            .filter(|l| l.starts_with("### "))
            .collect();
        let parsed = parse_markdown(bytes, None).unwrap_or_else(|e| panic!("{name}: {e}"));
        let papers = &parsed.digest.papers;
        assert_eq!(papers.len(), headings.len(), "{name}: papers lost");
        for (line, paper) in headings.iter().zip(papers) {
            if let Some((title, url)) = simple_heading(line) {
                assert_eq!(paper.title, title, "{name}");
                assert_eq!(paper.url.as_deref(), Some(url.as_str()), "{name}");
                assert_eq!(paper.arxiv_id, arxiv_id_from_url(&url), "{name}");
            }
            assert!(!paper.title.is_empty(), "{name}");
        }
        papers.len()
    }

    #[test]
    fn every_fixture_heading_becomes_a_paper() {
        let files = md_files(std::path::Path::new(FIXTURES));
        assert_eq!(files.len(), 10);
        for path in files {
            let name = path.display().to_string();
            let n = assert_no_paper_lost(&name, &std::fs::read(&path).unwrap());
            assert!(n > 0, "{name}");
        }
    }

    /// Other real days are dropped into `../shared/digests` to check the parser; none may lose a
    /// paper.
    #[test]
    fn shared_digests_parse_without_losing_papers() {
        let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/digests");
        if !shared.is_dir() {
            return;
        }
        for path in md_files(&shared) {
            let name = path.display().to_string();
            assert_no_paper_lost(&name, &std::fs::read(&path).unwrap());
        }
    }

    #[test]
    fn fixture_dates_come_from_the_heading() {
        for path in md_files(std::path::Path::new(FIXTURES)) {
            let stem = path.file_stem().unwrap().to_str().unwrap();
            let parsed = parse_markdown(&std::fs::read(&path).unwrap(), None).unwrap();
            assert_eq!(parsed.digest.date, date(stem));
        }
    }

    #[test]
    fn april_second_has_twelve_papers_with_all_fields() {
        let parsed = parse("2024-04-02.md");
        let papers = &parsed.digest.papers;
        assert_eq!(papers.len(), 12);
        assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
        let aurora = &papers[0];
        assert!(aurora.title.starts_with("Aurora-M: The First Open Source"));
        assert_eq!(
            aurora.url.as_deref(),
            Some("https://arxiv.org/abs/2404.00399")
        );
        assert_eq!(aurora.arxiv_id.as_deref(), Some("2404.00399"));
        assert_eq!(
            aurora.thumbnail_url.as_deref(),
            Some("https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2404.00399.png")
        );
        assert_eq!(aurora.votes, Some(24));
        assert_eq!(aurora.authors[0], "Yekun Chai");
        assert_eq!(aurora.authors[11], "Mayank Mishra");
        assert_eq!(aurora.authors[12], "+", "the elision marker is kept");
        assert_eq!(aurora.authors[13], "Simone Tedeschi");
        assert_eq!(aurora.bullets.len(), 5);
        assert!(aurora.bullets[0].starts_with("본 논문은"));
        let last = &papers[11];
        assert_eq!(
            last.title,
            "ST-LLM: Large Language Models Are Effective Temporal Learners"
        );
        assert_eq!(last.votes, Some(2));
        assert_eq!(last.authors.len(), 6);
        assert!(papers
            .iter()
            .all(|p| p.authors.iter().all(|a| !a.is_empty())));
    }

    #[test]
    fn earliest_era_has_no_image_vote_or_authors() {
        let parsed = parse("2023-11-20.md");
        let papers = &parsed.digest.papers;
        assert_eq!(papers.len(), 11);
        let video_llava = &papers[0];
        assert_eq!(video_llava.votes, None);
        assert!(video_llava.authors.is_empty());
        assert_eq!(video_llava.bullets.len(), 7);
        // No image line: the thumbnail is derived from the arXiv id.
        assert_eq!(
            video_llava.thumbnail_url.as_deref(),
            Some("https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2311.10122.png")
        );
        // Nested `  - (1) ...` items are bullets of their own.
        let unified = papers
            .iter()
            .find(|p| p.title.starts_with("UnifiedVisionGPT"))
            .unwrap();
        assert!(unified.bullets.iter().any(|b| b.starts_with("(1) ")));
        assert!(unified.bullets.iter().any(|b| b.starts_with("(4) ")));
        assert_eq!(unified.bullets.len(), 10);
    }

    #[test]
    fn labelled_bullets_and_avatar_images() {
        let papers = parse("2024-06-12.md").digest.papers;
        assert_eq!(papers.len(), 16);
        let textgrad = &papers[4];
        assert_eq!(
            textgrad.title,
            "TextGrad: Automatic \"Differentiation\" via Text"
        );
        assert_eq!(textgrad.bullets.len(), 3);
        assert!(textgrad.bullets[0].starts_with("**What's New**: "));
        assert!(textgrad.bullets[2].starts_with("**Performance Highlights**: "));
        // A submitter avatar is not a paper thumbnail; the derived one replaces it.
        let chirp = papers
            .iter()
            .find(|p| p.title.contains("\"Chirp\""))
            .unwrap();
        assert_eq!(
            chirp.thumbnail_url.as_deref(),
            Some("https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2406.05629.png")
        );
        let gaffer = papers
            .iter()
            .find(|p| p.title.starts_with("Neural Gaffer"))
            .unwrap();
        assert_eq!(
            gaffer.thumbnail_url.as_deref(),
            Some("https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2406.07520.png")
        );
        assert_eq!(gaffer.votes, Some(3));
    }

    #[test]
    fn python_list_authors_and_repeated_heading() {
        let parsed = parse("2024-10-18.md");
        let papers = &parsed.digest.papers;
        assert_eq!(papers.len(), 9);
        assert_eq!(parsed.digest.date, date("2024-10-18"));
        assert_eq!(papers[0].authors.len(), 14);
        assert_eq!(papers[0].authors[0], "Zihan Zhou");
        assert_eq!(papers[0].authors[13], "Qi Shi");
        assert!(papers
            .iter()
            .flat_map(|p| &p.authors)
            .all(|a| !a.contains(['\'', '[', ']'])));
        // The paper before the repeated heading keeps its bullets; the one after is intact.
        let retro = papers
            .iter()
            .position(|p| p.title == "Retrospective Learning from Interactions")
            .unwrap();
        assert_eq!(papers[retro - 1].bullets.len(), 3);
        assert_eq!(papers[retro].votes, Some(1));
        assert_eq!(papers[retro].authors.len(), 6);
        assert!(papers[0].bullets[0].starts_with("***What's New***: "));
    }

    #[test]
    fn control_characters_are_stripped() {
        let parsed = parse("2024-08-07.md");
        assert_eq!(parsed.digest.papers.len(), 12);
        for paper in &parsed.digest.papers {
            for text in paper.bullets.iter().chain([&paper.title]) {
                assert!(!text.chars().any(|c| c.is_control()), "{text:?}");
            }
        }
        assert!(parsed
            .digest
            .papers
            .iter()
            .flat_map(|p| &p.bullets)
            .any(|b| b.contains(" enchmarkname")));
        assert!(parsed
            .warnings
            .iter()
            .all(|w| w.message.contains("control character")));
        assert!(!parsed.warnings.is_empty());
    }

    #[test]
    fn huge_author_line_is_kept() {
        let papers = parse("2025-01-27.md").digest.papers;
        assert_eq!(papers.len(), 12);
        let hle = &papers[0];
        assert_eq!(hle.title, "Humanity's Last Exam");
        assert_eq!(hle.authors.len(), 663);
        assert_eq!(hle.authors[0], "Lisa Schut");
        assert_eq!(hle.authors[662], "Jack Wei Lun Shi");
        assert_eq!(hle.bullets.len(), 3);
        assert_eq!(
            papers[5].title,
            "RL + Transformer = A General-Purpose Problem Solver"
        );
    }

    #[test]
    fn sixty_eight_papers_on_february_nineteenth() {
        let parsed = parse("2025-02-19.md");
        assert_eq!(parsed.digest.papers.len(), 68);
        assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
        let swe = &parsed.digest.papers[2];
        assert_eq!(
            swe.title,
            "SWE-Lancer: Can Frontier LLMs Earn $1 Million from Real-World Freelance Software Engineering?"
        );
        assert_eq!(swe.votes, Some(27));
        assert_eq!(swe.authors.len(), 4);
    }

    fn one(input: &str) -> Paper {
        let parsed = parse_markdown(input.as_bytes(), Some(date("2024-01-01"))).unwrap();
        assert_eq!(parsed.digest.papers.len(), 1, "{input:?}");
        parsed.digest.papers.into_iter().next().unwrap()
    }

    fn heading(h: &str) -> (String, Option<String>) {
        let p = one(&format!("## Daily Papers (2024-01-01)\n\n{h}\n"));
        (p.title, p.url)
    }

    #[test]
    fn tricky_titles_keep_their_brackets() {
        let url = Some("https://arxiv.org/abs/2401.00001".to_owned());
        let cases = [
            (
                "### [A [B] (C) | D](https://arxiv.org/abs/2401.00001)",
                "A [B] (C) | D",
            ),
            (
                "### [[Tag] Title](https://arxiv.org/abs/2401.00001)",
                "[Tag] Title",
            ),
            ("### [A ] B](https://arxiv.org/abs/2401.00001)", "A ] B"),
            ("### [A [B](https://arxiv.org/abs/2401.00001)", "A [B"),
            (
                "### [Tag] [Title](https://arxiv.org/abs/2401.00001)",
                "[Tag] Title",
            ),
            (
                "### 1. [Title](https://arxiv.org/abs/2401.00001) (ICLR)",
                "1. Title (ICLR)",
            ),
            (
                "### [See [x](http://a.b) too](https://arxiv.org/abs/2401.00001)",
                "See [x](http://a.b) too",
            ),
            ("### [Title](<https://arxiv.org/abs/2401.00001>)", "Title"),
            (
                "### [Title]( https://arxiv.org/abs/2401.00001 \"t\")",
                "Title",
            ),
            ("### [Title](https://arxiv.org/abs/2401.00001) ##", "Title"),
            ("###[Title](https://arxiv.org/abs/2401.00001)", "Title"),
            (
                "### [**Bold** $x_1$ *A*](https://arxiv.org/abs/2401.00001)",
                "**Bold** $x_1$ *A*",
            ),
            (
                "### [  spaced\ttitle ](https://arxiv.org/abs/2401.00001)",
                "spaced title",
            ),
            ("### [Cut](https://arxiv.org/abs/2401.00001", "Cut"),
        ];
        for (line, title) in cases {
            assert_eq!(heading(line), (title.to_owned(), url.clone()), "{line}");
        }
        assert_eq!(
            heading("### [Wiki](https://en.wikipedia.org/wiki/A_(b))"),
            (
                "Wiki".to_owned(),
                Some("https://en.wikipedia.org/wiki/A_(b)".to_owned())
            )
        );
    }

    #[test]
    fn headings_without_a_usable_link_are_still_papers() {
        assert_eq!(
            heading("### Just a title"),
            ("Just a title".to_owned(), None)
        );
        assert_eq!(heading("### C# for ML"), ("C# for ML".to_owned(), None));
        assert_eq!(
            heading("### [Title](/papers/2401.00001)"),
            ("Title".to_owned(), None)
        );
        assert_eq!(
            heading("### [Title](ftp://x/y) [v2]"),
            ("Title [v2]".to_owned(), None)
        );
        assert_eq!(
            heading("### Title (2024)"),
            ("Title (2024)".to_owned(), None)
        );
        let paper = one("### Bare\n- a bullet\n");
        assert_eq!(paper.arxiv_id, None);
        assert_eq!(paper.thumbnail_url, None);
        assert_eq!(paper.bullets, ["a bullet"]);
    }

    #[test]
    fn missing_fields_are_none_not_errors() {
        let input = "## Daily Papers (2024-01-01)\n### [A](https://arxiv.org/abs/2401.00001)\n### [B](https://example.com/b)\nVote: 3\n### [C](https://arxiv.org/abs/2401.00003)\nAuthors: X\n";
        let parsed = parse_markdown(input.as_bytes(), None).unwrap();
        let [a, b, c] = &parsed.digest.papers[..] else {
            panic!("{:?}", parsed.digest.papers);
        };
        assert_eq!((a.votes, a.authors.len(), a.bullets.len()), (None, 0, 0));
        assert_eq!(
            (b.votes, b.arxiv_id.as_deref(), b.thumbnail_url.as_deref()),
            (Some(3), None, None)
        );
        assert_eq!(c.authors, ["X"]);
        assert!(parsed.warnings.is_empty());
    }

    #[test]
    fn images_only_count_when_discord_can_show_them() {
        let with = |image: &str| {
            one(&format!(
                "## Daily Papers (2024-01-01)\n### [T](https://example.com/t)\n{image}\n"
            ))
            .thumbnail_url
        };
        assert_eq!(
            with("![](https://x.y/a.png)").as_deref(),
            Some("https://x.y/a.png")
        );
        assert_eq!(
            with("![alt](https://x.y/a.jpg?s=1)").as_deref(),
            Some("https://x.y/a.jpg?s=1")
        );
        assert_eq!(with("![](https://cdn-uploads.huggingface.co/a.mp4)"), None);
        assert_eq!(with("![](/avatars/a.svg)"), None);
        assert_eq!(with("![](https://x.y/a.svg)"), None);
        assert_eq!(
            with("<img src=\"https://x.y/b.gif\" width=\"300\">").as_deref(),
            Some("https://x.y/b.gif")
        );
        assert_eq!(with("<video src=\"https://x.y/b.mp4\"></video>"), None);
        // An arXiv paper whose only media is a video falls back to the social thumbnail.
        let paper = one("### [T](https://arxiv.org/abs/2401.00001)\n<video src=\"https://x.y/b.mp4\" controls></video>\n![](https://x.y/c.mov)\n- text");
        assert_eq!(
            paper.thumbnail_url.as_deref(),
            Some("https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2401.00001.png")
        );
        assert_eq!(paper.bullets, ["text"]);
        let paper = one("### T\n<img\n  width=\"200\"\n  src=\"https://x.y/d.webp\">\n- text\n<video\n\n- after an unclosed tag");
        assert_eq!(paper.thumbnail_url.as_deref(), Some("https://x.y/d.webp"));
        assert_eq!(paper.bullets, ["text", "after an unclosed tag"]);
    }

    #[test]
    fn continuation_lines_join_the_previous_bullet() {
        let paper = one(
            "### T\n- first line\ncontinues here\n\n- second\n  indented continuation\n\n\
             free paragraph\nstill it\n\n---\n#### Sub heading\n1. ordered\n* star\n+ plus\n-\n",
        );
        assert_eq!(
            paper.bullets,
            [
                "first line continues here",
                "second indented continuation",
                "free paragraph still it",
                "Sub heading",
                "1. ordered",
                "star",
                "plus",
            ]
        );
    }

    #[test]
    fn author_lists_in_every_shape() {
        let authors = |line: &str| one(&format!("### T\n{line}\n")).authors;
        assert_eq!(authors("Authors: A, B, +, C"), ["A", "B", "+", "C"]);
        assert_eq!(authors("Authors:  A ,, B ,"), ["A", "B"]);
        assert_eq!(
            authors("Authors: ['A B', \"O'Brien\", 'C\\'D']"),
            ["A B", "O'Brien", "C'D"]
        );
        assert_eq!(authors("Authors: ['A', 'B', 'Ji"), ["A", "B", "Ji"]);
        assert_eq!(authors("Authors: [A, B]"), ["A", "B"]);
        assert_eq!(authors("**Authors**: A"), ["A"]);
        assert_eq!(authors("authors: A"), ["A"]);
        assert!(authors("Authors:").is_empty());
        let many: Vec<String> = (0..5000).map(|i| format!("Name {i}")).collect();
        let capped = authors(&format!("Authors: {}", many.join(", ")));
        assert_eq!(capped.len(), MAX_AUTHORS + 1);
        assert_eq!(capped.last().map(String::as_str), Some("+"));
        let long = authors(&format!("Authors: {}", "x".repeat(20_000)));
        assert_eq!(long.len(), 1);
        assert_eq!(long[0].chars().count(), MAX_AUTHOR_CHARS + 1);
    }

    #[test]
    fn votes_are_read_leniently() {
        let votes = |line: &str| one(&format!("### T\n{line}\n")).votes;
        assert_eq!(votes("Vote: 12"), Some(12));
        assert_eq!(votes("Votes: 1,204"), Some(1204));
        assert_eq!(votes("**Vote**: 7"), Some(7));
        assert_eq!(votes("Vote: many"), None);
        assert_eq!(votes("Vote: 99999999999"), None);
        let parsed = parse_markdown(b"### T\nVote: n/a\n", Some(date("2024-01-01"))).unwrap();
        assert_eq!(parsed.warnings.len(), 1);
        assert_eq!(parsed.warnings[0].line, 2);
    }

    #[test]
    fn crlf_and_cr_line_endings_parse_the_same() {
        let lf = fixture("2024-06-12.md");
        let text = String::from_utf8(lf.clone()).unwrap();
        let crlf = text.replace('\n', "\r\n");
        let cr = text.replace('\n', "\r");
        let expected = parse_markdown(&lf, None).unwrap().digest;
        assert_eq!(
            parse_markdown(crlf.as_bytes(), None).unwrap().digest,
            expected
        );
        assert_eq!(
            parse_markdown(cr.as_bytes(), None).unwrap().digest,
            expected
        );
        let parsed = parse_markdown(crlf.as_bytes(), None).unwrap();
        assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    }

    #[test]
    fn invalid_utf8_is_replaced_and_reported() {
        let mut input = b"## Daily Papers (2024-01-01)\n### [T\xff\xfe](https://arxiv.org/abs/2401.00001)\nAuthors: A\xc3\n".to_vec();
        input.extend_from_slice(b"### [U](https://arxiv.org/abs/2401.00002)\n");
        let parsed = parse_markdown(&input, None).unwrap();
        assert_eq!(parsed.digest.papers.len(), 2);
        assert_eq!(parsed.digest.papers[0].title, "T\u{fffd}\u{fffd}");
        assert_eq!(parsed.warnings.len(), 1);
        assert_eq!(parsed.warnings[0].line, 2);
        assert!(parsed.warnings[0].message.contains("UTF-8"));
    }

    #[test]
    fn empty_garbage_and_heading_only_inputs() {
        let hint = Some(date("2024-05-05"));
        assert!(matches!(
            parse_markdown(b"", None),
            Err(DigestError::Malformed(_))
        ));
        assert!(matches!(
            parse_markdown(b"", hint),
            Err(DigestError::Malformed(_))
        ));
        assert!(matches!(
            parse_markdown(b"<html><body>502 Bad Gateway</body></html>", hint),
            Err(DigestError::Malformed(_))
        ));
        assert!(matches!(
            parse_markdown(&[0u8, 159, 146, 150, 0xff, b'\n', 7], hint),
            Err(DigestError::Malformed(_))
        ));
        let only = parse_markdown(b"## Daily Papers (2024-05-06)\n", hint).unwrap();
        assert_eq!(only.digest.date, date("2024-05-06"));
        assert!(only.digest.papers.is_empty());
        assert!(only
            .warnings
            .iter()
            .any(|w| w.message.contains("no papers")));
        assert!(only
            .warnings
            .iter()
            .any(|w| w.message.contains("2024-05-05")));
        // Papers but no heading: the hint dates them, and without one there is no date.
        assert_eq!(
            parse_markdown(b"### T\n", hint).unwrap().digest.date,
            date("2024-05-05")
        );
        assert!(matches!(
            parse_markdown(b"### T\n", None),
            Err(DigestError::Malformed(_))
        ));
        // An impossible date is reported, and the hint used.
        let bad = parse_markdown(b"## Daily Papers (2024-13-45)\n### T\n", hint).unwrap();
        assert_eq!(bad.digest.date, date("2024-05-05"));
        assert_eq!(bad.warnings[0].line, 1);
    }

    #[test]
    fn unreadable_blocks_are_skipped_with_their_line() {
        let input = "## Daily Papers (2024-01-01)\n### [A](https://arxiv.org/abs/2401.00001)\n###\n- orphaned bullet of the empty heading\n### [](https://arxiv.org/abs/2401.00002)\n###  ##\n### [B](https://arxiv.org/abs/2401.00003)\n";
        let parsed = parse_markdown(input.as_bytes(), None).unwrap();
        let titles: Vec<_> = parsed
            .digest
            .papers
            .iter()
            .map(|p| p.title.as_str())
            .collect();
        assert_eq!(titles, ["A", "B"]);
        let lines: Vec<_> = parsed.warnings.iter().map(|w| w.line).collect();
        assert_eq!(lines, [3, 5, 6]);
        assert!(parsed
            .warnings
            .iter()
            .all(|w| w.message.contains("no title")));
    }

    #[test]
    fn text_outside_papers_is_reported_once() {
        let parsed = parse_markdown(
            b"intro\nmore intro\n## Daily Papers (2024-01-01)\n### T\n",
            None,
        )
        .unwrap();
        assert_eq!(parsed.digest.papers.len(), 1);
        assert_eq!(parsed.warnings.len(), 1);
        assert_eq!(parsed.warnings[0].line, 1);
    }

    #[test]
    fn huge_lines_parse_quickly() {
        let started = std::time::Instant::now();
        let big = "가".repeat(400_000);
        let brackets = "[](".repeat(300_000);
        let slashes = "\\".repeat(300_000);
        let input = format!(
            "## Daily Papers (2024-01-01)\n### [{big}](https://arxiv.org/abs/2401.00001)\n- {big}\nAuthors: {}\n### {brackets}\n### [{slashes}](http{brackets}\n### Broken]({})\n",
            "A, ".repeat(300_000),
            "https://a.b/".repeat(100_000),
        );
        let parsed = parse_markdown(input.as_bytes(), None).unwrap();
        assert_eq!(parsed.digest.papers.len(), 4);
        assert_eq!(parsed.digest.papers[0].authors.len(), MAX_AUTHORS + 1);
        assert_eq!(parsed.digest.papers[3].title, "Broken");
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
    }

    /// Lines of the kinds digests are made of, with the ambiguous bits digests get wrong.
    fn soup_line() -> impl Strategy<Value = String> {
        let title = "[a-zA-Z0-9 \\[\\]()|*_`\\\\!#:<>\"'-]{0,24}";
        prop_oneof![
            (title, prop::option::of("https?://[a-z./()0-9]{0,20}")).prop_map(|(t, u)| match u {
                Some(u) => format!("### [{t}]({u})"),
                None => format!("### {t}"),
            }),
            "## Daily Papers \\([0-9]{4}-[0-9]{2}-[0-9]{2}\\)".prop_map(String::from),
            "Vote: [0-9a-z,]{0,12}".prop_map(String::from),
            "Authors: [\\['\"a-zA-Z ,+\\\\]{0,40}".prop_map(String::from),
            "!\\[[a-z]{0,3}\\]\\([a-z:/.()<> ]{0,20}\\)?".prop_map(String::from),
            "<(img|video) src=['\"]?[a-z:/.]{0,20}['\"]?>?".prop_map(String::from),
            " {0,4}[-*+] [a-zA-Z\\[\\]()*_ ]{0,30}".prop_map(String::from),
            Just(String::new()),
            Just("---".to_owned()),
            "[^#\\s][^\\r\\n]{0,30}".prop_map(String::from),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
            if let Ok(parsed) = parse_markdown(&bytes, Some(date("2024-01-01"))) {
                for paper in &parsed.digest.papers {
                    prop_assert!(!paper.title.is_empty());
                    prop_assert!(!paper.title.chars().any(|c| c.is_ascii_control()));
                }
            }
        }

        #[test]
        fn every_heading_line_yields_a_paper_or_a_warning(
            lines in prop::collection::vec(soup_line(), 0..60),
            crlf in any::<bool>(),
        ) {
            let input = lines.join(if crlf { "\r\n" } else { "\n" });
            let headings: Vec<usize> = lines
                .iter()
                .enumerate()
                .filter(|(_, l)| l.starts_with("### "))
                .map(|(i, _)| i + 1)
                .collect();
            match parse_markdown(input.as_bytes(), Some(date("2024-01-01"))) {
                Ok(parsed) => {
                    let skipped: Vec<usize> = parsed
                        .warnings
                        .iter()
                        .filter(|w| w.message.contains("no title"))
                        .map(|w| w.line)
                        .collect();
                    prop_assert!(skipped.iter().all(|l| headings.contains(l)));
                    prop_assert_eq!(parsed.digest.papers.len() + skipped.len(), headings.len());
                    for paper in &parsed.digest.papers {
                        prop_assert!(!paper.title.is_empty());
                        if let Some(url) = &paper.url {
                            prop_assert!(url.starts_with("http://") || url.starts_with("https://"));
                        }
                    }
                }
                Err(_) => prop_assert!(headings.is_empty()),
            }
        }
    }
}
