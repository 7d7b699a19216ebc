//! Papers to Discord embeds, and embeds packed into as few messages as Discord accepts.
//!
//! Pure: nothing here talks to Discord. Everything that leaves this module is within Discord's
//! limits (`/work/shared/discord/FACTS.md`), because a broken limit is a 400 that retrying cannot
//! fix: long text is cut at a character boundary with `…`, every embed fits a message on its own,
//! and [`pack`] enforces both again on whatever it is given, so it cannot produce an invalid
//! message.
//!
//! # Size budget
//! A full paper (title, 5–8 Korean bullets, a long author list) is 1,000–2,000 characters, so a
//! 12-paper day at full length needs 3–4 messages of 6,000 characters. Rather than flood a
//! channel, each paper embed gets a share of a message: with `n` papers, the fewest messages
//! that hold at most [`MIN_PAPERS_PER_MESSAGE`] papers each is `m = ceil(n / 6)`, and every embed
//! is trimmed to `6000 / ceil(n / m)` characters (at least 1,000; up to the whole message for a
//! single paper). The description (bullets) absorbs the trimming; the author list is shortened to
//! "… +N more" first. A 12-paper day is 2 messages, a 68-paper day 12.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serenity::builder::{CreateAllowedMentions, CreateEmbed, CreateEmbedFooter, CreateMessage};
use serenity::model::channel::Nonce;

use crate::digest::Paper;
use crate::filter::Selected;

/// Message `content`.
pub const MAX_CONTENT_CHARS: usize = 2000;
pub const MAX_EMBEDS_PER_MESSAGE: usize = 10;
/// Across all embeds of one message: title, description, field names and values, footer text,
/// author name.
pub const MAX_EMBED_CHARS_PER_MESSAGE: usize = 6000;
pub const MAX_TITLE_CHARS: usize = 256;
pub const MAX_DESCRIPTION_CHARS: usize = 4096;
pub const MAX_FIELDS_PER_EMBED: usize = 25;
pub const MAX_FIELD_NAME_CHARS: usize = 256;
pub const MAX_FIELD_VALUE_CHARS: usize = 1024;
pub const MAX_FOOTER_CHARS: usize = 2048;
/// Not used by paperboy's embeds (they have no author block), kept so the table is complete.
pub const MAX_AUTHOR_NAME_CHARS: usize = 256;
pub const MAX_NONCE_CHARS: usize = 25;
/// Not a Discord-documented number in FACTS.md: URLs beyond this are dropped as implausible
/// rather than risk the whole message on them.
pub const MAX_URL_CHARS: usize = 2048;

/// A digest message always holds at least this many papers (see the module docs).
pub const MIN_PAPERS_PER_MESSAGE: usize = 6;
/// What [`paper_embed`] trims one paper to: a sixth of a message.
pub const PAPER_EMBED_BUDGET: usize = MAX_EMBED_CHARS_PER_MESSAGE / MIN_PAPERS_PER_MESSAGE;
/// Hugging Face yellow.
pub const EMBED_COLOR: u32 = 0xFFD21E;

const ELLIPSIS: char = '…';
const ZWSP: char = '\u{200B}';

/// One embed, in plain data so it can be compared, counted and previewed before serenity sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EmbedSpec {
    /// Empty means no title.
    pub title: String,
    pub url: Option<String>,
    /// Empty means no description.
    pub description: String,
    pub thumbnail: Option<String>,
    pub fields: Vec<FieldSpec>,
    /// Empty means no footer.
    pub footer: String,
    pub color: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldSpec {
    pub name: String,
    pub value: String,
    pub inline: bool,
}

impl EmbedSpec {
    /// What Discord counts toward the 6,000-character message total, in Unicode characters.
    pub fn char_count(&self) -> usize {
        chars(&self.title)
            + chars(&self.description)
            + self
                .fields
                .iter()
                .map(|f| chars(&f.name) + chars(&f.value))
                .sum::<usize>()
            + chars(&self.footer)
    }

    /// A faithful conversion: limits are enforced by [`EmbedSpec::fit_limits`] (which
    /// [`paper_embed`] and [`pack`] apply), not here, so the spec's counts are what is sent.
    pub fn to_create_embed(&self) -> CreateEmbed {
        let mut embed = CreateEmbed::new().color(self.color);
        if !self.title.is_empty() {
            embed = embed.title(&self.title);
        }
        if let Some(url) = &self.url {
            embed = embed.url(url);
        }
        if !self.description.is_empty() {
            embed = embed.description(&self.description);
        }
        if let Some(thumbnail) = &self.thumbnail {
            embed = embed.thumbnail(thumbnail);
        }
        for field in &self.fields {
            embed = embed.field(&field.name, &field.value, field.inline);
        }
        if !self.footer.is_empty() {
            embed = embed.footer(CreateEmbedFooter::new(&self.footer));
        }
        embed
    }

    /// Brings any embed within every per-field limit and the 6,000-character total, so that it
    /// fits a message alone. Idempotent; a no-op on embeds that already comply.
    ///
    /// Over the total, the description is shortened first, then field values from the last
    /// field up, then the title, then the footer.
    pub fn fit_limits(mut self) -> Self {
        self.title = truncate_chars(&self.title, MAX_TITLE_CHARS);
        self.description = truncate_chars(&self.description, MAX_DESCRIPTION_CHARS);
        self.footer = truncate_chars(&self.footer, MAX_FOOTER_CHARS);
        self.url = self.url.filter(|u| is_http_url(u));
        self.thumbnail = self.thumbnail.filter(|u| is_http_url(u));
        // Discord rejects fields with an empty name or value.
        self.fields
            .retain(|f| !f.name.trim().is_empty() && !f.value.trim().is_empty());
        self.fields.truncate(MAX_FIELDS_PER_EMBED);
        for field in &mut self.fields {
            field.name = truncate_chars(&field.name, MAX_FIELD_NAME_CHARS);
            field.value = truncate_chars(&field.value, MAX_FIELD_VALUE_CHARS);
        }

        let mut excess = self
            .char_count()
            .saturating_sub(MAX_EMBED_CHARS_PER_MESSAGE);
        if excess > 0 {
            excess = shrink(&mut self.description, excess);
        }
        let mut i = self.fields.len();
        while excess > 0 && i > 0 {
            i -= 1;
            let field = &mut self.fields[i];
            if chars(&field.value) <= excess {
                // Cannot be cut to nothing: an empty value is invalid, so drop the field.
                excess = excess.saturating_sub(chars(&field.name) + chars(&field.value));
                self.fields.remove(i);
            } else {
                excess = shrink(&mut field.value, excess);
            }
        }
        if excess > 0 {
            excess = shrink(&mut self.title, excess);
        }
        if excess > 0 {
            shrink(&mut self.footer, excess);
        }
        self
    }
}

/// One message to send.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MessageSpec {
    pub content: Option<String>,
    pub embeds: Vec<EmbedSpec>,
}

impl MessageSpec {
    /// Mentions are always disabled: the digest is third-party text. With a nonce, Discord
    /// de-duplicates a retried post (`enforce_nonce`); the nonce must be at most
    /// [`MAX_NONCE_CHARS`] characters.
    pub fn to_create_message(&self, nonce: Option<&str>) -> CreateMessage {
        let mut message = CreateMessage::new()
            .embeds(self.embeds.iter().map(EmbedSpec::to_create_embed).collect())
            .allowed_mentions(CreateAllowedMentions::new());
        if let Some(content) = &self.content {
            message = message.content(content);
        }
        if let Some(nonce) = nonce {
            debug_assert!(
                chars(nonce) <= MAX_NONCE_CHARS,
                "nonce {nonce:?} is longer than Discord's {MAX_NONCE_CHARS} characters"
            );
            message = message
                .nonce(Nonce::String(nonce.to_string()))
                .enforce_nonce(true);
        }
        message
    }

    /// Exactly the JSON body serenity would POST, for logging, tests and the deliveries ledger.
    pub fn to_json(&self, nonce: Option<&str>) -> serde_json::Value {
        serde_json::to_value(self.to_create_message(nonce))
            .expect("CreateMessage serialises: plain strings, numbers and string-keyed maps")
    }

    /// Characters counted toward the 6,000 embed total; `content` has its own 2,000 cap and is
    /// not included.
    pub fn char_count(&self) -> usize {
        self.embeds.iter().map(EmbedSpec::char_count).sum()
    }
}

/// A paper as one embed, trimmed to [`PAPER_EMBED_BUDGET`] so that any six fit a message.
pub fn paper_embed(paper: &Paper, matched: &[String], date: NaiveDate) -> EmbedSpec {
    paper_embed_within(paper, matched, date, PAPER_EMBED_BUDGET)
}

/// [`paper_embed`] with an explicit character budget (capped at 6,000). The budget is met
/// whenever it is at least [`PAPER_EMBED_BUDGET`]; below that, title, footer and fields are kept
/// and only the description and author list give way.
pub fn paper_embed_within(
    paper: &Paper,
    matched: &[String],
    date: NaiveDate,
    budget: usize,
) -> EmbedSpec {
    paper_embed_noted(paper, matched, date, budget, None)
}

/// [`paper_embed_within`] with a note at the end of the footer (when the votes were counted).
pub fn paper_embed_noted(
    paper: &Paper,
    matched: &[String],
    date: NaiveDate,
    budget: usize,
    note: Option<&str>,
) -> EmbedSpec {
    let budget = budget.min(MAX_EMBED_CHARS_PER_MESSAGE);

    let mut title = one_line(&paper.title);
    if title.is_empty() {
        title = "(untitled paper)".to_string();
    }
    let arxiv_id = paper
        .arxiv_id
        .as_deref()
        .map(|id| truncate_chars(&one_line(id), 32))
        .filter(|id| !id.is_empty());
    let url = paper
        .url
        .clone()
        .filter(|u| is_http_url(u))
        .or_else(|| {
            arxiv_id
                .as_ref()
                .map(|id| format!("https://arxiv.org/abs/{id}"))
        })
        .filter(|u| is_http_url(u));
    let thumbnail = paper
        .thumbnail_url
        .clone()
        .filter(|u| is_http_url(u) && is_image_url(u));
    let mut footer = match &arxiv_id {
        Some(id) => format!("Daily Papers · {date} · arXiv:{id}"),
        None => format!("Daily Papers · {date}"),
    };
    if let (Some(note), Some(_)) = (note, paper.votes) {
        footer.push_str(" · ");
        footer.push_str(&one_line(note));
    }

    let mut fields = Vec::new();
    if let Some(votes) = paper.votes {
        fields.push(FieldSpec {
            name: "👍 Votes".to_string(),
            value: votes.to_string(),
            inline: true,
        });
    }
    let matched: Vec<String> = matched
        .iter()
        .map(|k| one_line(k))
        .filter(|k| !k.is_empty())
        .collect();
    if !matched.is_empty() {
        let cap = (budget / 8).clamp(40, MAX_FIELD_VALUE_CHARS);
        fields.push(FieldSpec {
            name: "🔎 Matched".to_string(),
            value: truncate_chars(&matched.join(", "), cap),
            inline: true,
        });
    }
    let authors_cap = (budget / 6).clamp(60, MAX_FIELD_VALUE_CHARS);
    let authors = format_authors(&paper.authors, authors_cap);
    if !authors.is_empty() {
        fields.push(FieldSpec {
            name: "Authors".to_string(),
            value: authors,
            inline: false,
        });
    }

    let mut embed = EmbedSpec {
        title: truncate_chars(&title, MAX_TITLE_CHARS),
        url,
        description: String::new(),
        thumbnail,
        fields,
        footer: truncate_chars(&footer, MAX_FOOTER_CHARS),
        color: EMBED_COLOR,
    };
    let room = budget
        .saturating_sub(embed.char_count())
        .min(MAX_DESCRIPTION_CHARS);
    let bullets: Vec<String> = paper
        .bullets
        .iter()
        .map(|b| one_line(b))
        .filter(|b| !b.is_empty())
        .map(|b| format!("• {b}"))
        .collect();
    embed.description = bullet_lines_within(&bullets, room);
    embed.fit_limits()
}

/// Shortest bullet stub worth showing after a cut; anything shorter reads as noise ("• 이 연구…"),
/// so the description ends in a "…" line instead.
const MIN_CUT_BULLET_CHARS: usize = 60;

/// Whole bullet lines while they fit `room`, then the next one cut if a useful part of it fits,
/// or a lone "…" line to show that more was left out.
fn bullet_lines_within(lines: &[String], room: usize) -> String {
    let mut out = String::new();
    let mut used = 0;
    for line in lines {
        let sep = usize::from(!out.is_empty());
        let len = chars(line);
        if used + sep + len <= room {
            if sep == 1 {
                out.push('\n');
            }
            out.push_str(line);
            used += sep + len;
            continue;
        }
        let left = room.saturating_sub(used + sep);
        if out.is_empty() || left >= MIN_CUT_BULLET_CHARS {
            if sep == 1 {
                out.push('\n');
            }
            out.push_str(&truncate_chars(line, left));
        } else if left >= 1 {
            out.push('\n');
            out.push(ELLIPSIS);
        } else {
            // No room for a separate "…" line: mark the cut on the last line instead.
            out = truncate_chars(&out, used - 1);
        }
        break;
    }
    out
}

/// Greedy in order: each message takes embeds until the next would break the 10-embed or
/// 6,000-character limit. For an order-preserving split this is also the fewest messages.
/// Embeds are passed through [`EmbedSpec::fit_limits`] first, so any input packs.
pub fn pack(embeds: Vec<EmbedSpec>) -> Vec<MessageSpec> {
    let mut messages = Vec::new();
    let mut current: Vec<EmbedSpec> = Vec::new();
    let mut current_chars = 0;
    for embed in embeds {
        let embed = embed.fit_limits();
        let size = embed.char_count();
        if !current.is_empty()
            && (current.len() == MAX_EMBEDS_PER_MESSAGE
                || current_chars + size > MAX_EMBED_CHARS_PER_MESSAGE)
        {
            messages.push(MessageSpec {
                content: None,
                embeds: std::mem::take(&mut current),
            });
            current_chars = 0;
        }
        current_chars += size;
        current.push(embed);
    }
    if !current.is_empty() {
        messages.push(MessageSpec {
            content: None,
            embeds: current,
        });
    }
    messages
}

/// What the header line needs to know beyond the selected papers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RenderContext {
    pub date: NaiveDate,
    /// Papers in the day's digest before the channel's filter.
    pub total_in_digest: usize,
    /// Whether the channel has a filter (then the header says "N of M").
    pub filtered: bool,
    /// When the digest was fetched: vote counts keep changing for days, so each footer says
    /// whose moment its votes are from.
    pub votes_at: Option<DateTime<Utc>>,
    /// The day is still growing at its source (a Hugging Face list before its day is over):
    /// the header says "so far" and when it was fetched.
    pub provisional: bool,
}

/// The messages for one channel and day. The first carries a header line; with nothing
/// selected it is a single [`empty_notice`] instead, so callers always have something to post.
pub fn render_digest(ctx: &RenderContext, selected: &[Selected<'_>]) -> Vec<MessageSpec> {
    if selected.is_empty() {
        let reason = if ctx.total_in_digest == 0 {
            EmptyReason::NoPapers
        } else {
            EmptyReason::NothingMatched
        };
        return vec![empty_notice(ctx.date, reason)];
    }
    let budget = digest_embed_budget(selected.len());
    let note = ctx
        .votes_at
        .map(|t| format!("votes as of {}", t.format("%Y-%m-%d %H:%M UTC")));
    let embeds = selected
        .iter()
        .map(|s| paper_embed_noted(s.paper, &s.matched, ctx.date, budget, note.as_deref()))
        .collect();
    let mut messages = pack(embeds);
    let count = if ctx.filtered {
        format!(
            "{} of {} papers (filtered for this channel)",
            selected.len(),
            ctx.total_in_digest
        )
    } else {
        plural(selected.len(), "paper")
    };
    let header = if ctx.provisional {
        let when = ctx
            .votes_at
            .map(|t| format!("fetched {}", t.format("%H:%M UTC")))
            .unwrap_or_else(|| "fetched just now".into());
        format!(
            "📰 **Daily Papers — {}** · {count} **so far** ({when}; the day's list grows until the day ends in UTC)",
            ctx.date
        )
    } else {
        format!("📰 **Daily Papers — {}** · {count}", ctx.date)
    };
    if let Some(first) = messages.first_mut() {
        first.content = Some(truncate_chars(&header, MAX_CONTENT_CHARS));
    }
    messages
}

/// Per-embed budget for an `n`-paper digest: see the module docs.
pub fn digest_embed_budget(n: usize) -> usize {
    let n = n.max(1);
    let messages = n.div_ceil(MIN_PAPERS_PER_MESSAGE);
    let per_message = n.div_ceil(messages);
    MAX_EMBED_CHARS_PER_MESSAGE / per_message
}

/// Why a channel gets no papers today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmptyReason {
    /// The digest was published but lists no papers.
    NoPapers,
    /// Papers exist but the channel's filter kept none.
    NothingMatched,
    /// The day's digest is not out yet.
    NotPublished,
}

pub fn empty_notice(date: NaiveDate, reason: EmptyReason) -> MessageSpec {
    let text = match reason {
        EmptyReason::NoPapers => {
            format!("📭 **Daily Papers — {date}**: the digest has no papers today.")
        }
        EmptyReason::NothingMatched => format!(
            "🔍 **Daily Papers — {date}**: no papers matched this channel's filters today."
        ),
        EmptyReason::NotPublished => format!(
            "⏳ **Daily Papers — {date}**: the digest isn't published yet. It will be posted once it is."
        ),
    };
    MessageSpec {
        content: Some(text),
        embeds: Vec::new(),
    }
}

/// A plain-text preview for the CLI: what each message holds and how big it is.
pub fn to_text(messages: &[MessageSpec]) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let total = messages.len();
    for (i, message) in messages.iter().enumerate() {
        let _ = writeln!(
            out,
            "--- message {}/{total} ({}, {} chars) ---",
            i + 1,
            plural(message.embeds.len(), "embed"),
            message.char_count()
        );
        if let Some(content) = &message.content {
            let _ = writeln!(out, "{content}");
        }
        for embed in &message.embeds {
            out.push('\n');
            let _ = writeln!(out, "## {}", embed.title);
            if let Some(url) = &embed.url {
                let _ = writeln!(out, "   {url}");
            }
            for field in &embed.fields {
                let _ = writeln!(out, "   {}: {}", field.name, field.value);
            }
            for line in embed.description.lines() {
                let _ = writeln!(out, "   {line}");
            }
            if !embed.footer.is_empty() {
                let _ = writeln!(out, "   ({})", embed.footer);
            }
        }
        out.push('\n');
    }
    out
}

/// Authors joined by ", ", an elided run (`"+"`) shown as "…", and shortened to `cap`
/// characters as "A, B, … +N more" where N counts the names left out.
fn format_authors(authors: &[String], cap: usize) -> String {
    let entries: Vec<String> = authors
        .iter()
        .map(|a| one_line(a))
        .filter(|a| !a.is_empty())
        .map(|a| if a == "+" { ELLIPSIS.to_string() } else { a })
        .collect();
    let is_name = |e: &String| e.chars().ne(std::iter::once(ELLIPSIS));
    let full = entries.join(", ");
    if chars(&full) <= cap {
        return full;
    }
    let total_names = entries.iter().filter(|e| is_name(e)).count();
    // Longest prefix that leaves room for its "… +N more" suffix.
    let mut best = format!("{ELLIPSIS} +{total_names} more");
    let mut prefix_chars = 0;
    let mut shown_names = 0;
    for (i, entry) in entries.iter().enumerate() {
        prefix_chars += chars(entry) + if i > 0 { 2 } else { 0 };
        if is_name(entry) {
            shown_names += 1;
        } else {
            continue; // never end the shown part on an elision marker
        }
        let suffix = match total_names - shown_names {
            0 => format!(", {ELLIPSIS}"),
            rest => format!(", {ELLIPSIS} +{rest} more"),
        };
        if prefix_chars + chars(&suffix) > cap {
            break;
        }
        best = format!("{}{suffix}", entries[..=i].join(", "));
    }
    truncate_chars(&best, cap)
}

fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// A person's alert DM for a day: always one message (Discord's "one DM a day" promise is to
/// people, not channels). The first matches, as many as one message holds, are embeds like a
/// channel post's; any further ones are listed as links in the text, so none is lost.
pub fn render_alert(
    date: NaiveDate,
    total_in_digest: usize,
    votes_at: Option<DateTime<Utc>>,
    selected: &[Selected<'_>],
) -> Option<MessageSpec> {
    if selected.is_empty() {
        return None;
    }
    let shown = selected.len().min(MAX_EMBEDS_PER_MESSAGE);
    let budget = MAX_EMBED_CHARS_PER_MESSAGE / shown;
    let note = votes_at.map(|t| format!("votes as of {}", t.format("%Y-%m-%d %H:%M UTC")));
    let embeds = selected[..shown]
        .iter()
        .map(|s| paper_embed_noted(s.paper, &s.matched, date, budget, note.as_deref()))
        .collect();
    let mut message = pack(embeds).into_iter().next()?;
    let shown = message.embeds.len();
    let mut text = format!(
        "📬 **Your Daily Papers alerts — {date}** · {} of {total_in_digest} papers match your \
         terms (`/alerts list` shows them, `/alerts pause` stops these)",
        selected.len()
    );
    let rest = &selected[shown..];
    if !rest.is_empty() {
        text.push_str("\nAlso matching:");
        for (i, s) in rest.iter().enumerate() {
            let title = escape_markdown(&truncate_chars(&one_line(&s.paper.title), 90));
            let line = match s.paper.url.as_deref().filter(|u| is_http_url(u)) {
                Some(url) => format!("\n• [{title}](<{url}>)"),
                None => format!("\n• {title}"),
            };
            let more = format!("\n…and {} more: `/papers date date:{date}`", rest.len() - i);
            if chars(&text) + chars(&line) + chars(&more) > MAX_CONTENT_CHARS {
                text.push_str(&more);
                break;
            }
            text.push_str(&line);
        }
    }
    message.content = Some(text);
    Some(message)
}

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
fn escape_markdown(s: &str) -> String {
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

fn chars(s: &str) -> usize {
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

/// Shortens `s` by at least `excess` characters; returns what could not be removed.
fn shrink(s: &mut String, excess: usize) -> usize {
    let len = chars(s);
    if len == 0 {
        return excess;
    }
    if excess >= len {
        s.clear();
        return excess - len;
    }
    *s = truncate_chars(s, len - excess);
    0
}

/// Digest text to one clean line: control characters dropped (mangled LaTeX leaves some),
/// whitespace collapsed, and mentions defused.
fn one_line(s: &str) -> String {
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
fn defuse_mentions(s: &str) -> String {
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

fn is_http_url(u: &str) -> bool {
    let lower = u.get(..8).unwrap_or(u).to_ascii_lowercase();
    (lower.starts_with("http://") || lower.starts_with("https://"))
        && chars(u) > "https://".len()
        && chars(u) <= MAX_URL_CHARS
        && !u.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Early digests link videos or SVGs where the thumbnail goes; Discord shows neither.
fn is_image_url(u: &str) -> bool {
    let path = u.split(['?', '#']).next().unwrap_or(u).to_ascii_lowercase();
    ![".mp4", ".webm", ".mov", ".m4v", ".svg"]
        .iter()
        .any(|ext| path.ends_with(ext))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{json, Value};

    fn date() -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 4, 2).unwrap()
    }

    fn paper(title: &str) -> Paper {
        Paper {
            title: title.to_string(),
            url: Some("https://arxiv.org/abs/2404.00399".to_string()),
            arxiv_id: Some("2404.00399".to_string()),
            thumbnail_url: Some(
                "https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2404.00399.png"
                    .to_string(),
            ),
            votes: Some(24),
            authors: vec!["Yekun Chai".into(), "+".into(), "Niklas Muennighoff".into()],
            bullets: vec!["본 논문은 Aurora-M을 소개한다.".into()],
        }
    }

    #[test]
    fn an_alert_is_one_message_and_lists_what_its_embeds_cannot_hold() {
        let mut papers: Vec<Paper> = (0..40)
            .map(|i| {
                let mut p = paper(&format!("Paper *{i}* [x](y) @everyone {}", "t".repeat(200)));
                p.bullets = vec![korean(900), korean(900)];
                p
            })
            .collect();
        papers[39].url = None;
        let selected: Vec<Selected<'_>> = papers
            .iter()
            .map(|p| Selected {
                paper: p,
                matched: vec!["llm".into()],
            })
            .collect();
        assert!(render_alert(date(), 68, None, &[]).is_none());
        let one = render_alert(date(), 68, None, &selected[..3]).unwrap();
        assert_eq!(one.embeds.len(), 3);
        let content = one.content.as_deref().unwrap();
        assert!(content.contains("3 of 68 papers"), "{content}");
        assert!(!content.contains("Also matching"), "{content}");

        let m = render_alert(date(), 68, None, &selected).unwrap();
        assert_eq!(m.embeds.len(), MAX_EMBEDS_PER_MESSAGE);
        assert!(
            m.embeds.iter().map(EmbedSpec::char_count).sum::<usize>()
                <= MAX_EMBED_CHARS_PER_MESSAGE
        );
        let content = m.content.as_deref().unwrap();
        assert!(chars(content) <= MAX_CONTENT_CHARS, "{}", chars(content));
        assert!(content.contains("40 of 68 papers"), "{content}");
        assert!(content.contains("Also matching:"), "{content}");
        // Titles are escaped and defused; the list ends with a pointer to the rest.
        assert!(
            content.contains("Paper \\*10\\* \\[x\\]\\(y\\)"),
            "{content}"
        );
        assert!(!content.contains("@everyone"), "{content}");
        assert!(
            content.contains("more: `/papers date date:2024-04-02`"),
            "{content}"
        );
    }

    fn embed_of(chars_in_description: usize) -> EmbedSpec {
        EmbedSpec {
            title: String::new(),
            url: None,
            description: "가".repeat(chars_in_description),
            thumbnail: None,
            fields: Vec::new(),
            footer: String::new(),
            color: EMBED_COLOR,
        }
    }

    /// Korean filler that reads like a real bullet: syllables with spaces every few characters.
    fn korean(n: usize) -> String {
        let words = [
            "본",
            "논문은",
            "대규모",
            "언어",
            "모델의",
            "추론",
            "능력을",
            "향상시키는",
            "새로운",
            "방법을",
            "제안한다.",
        ];
        let mut s = String::new();
        let mut i = 0;
        while chars(&s) < n {
            if !s.is_empty() {
                s.push(' ');
            }
            s.push_str(words[i % words.len()]);
            i += 1;
        }
        s.chars().take(n).collect::<String>().trim_end().to_string()
    }

    fn str_field<'a>(v: &'a Value, key: &str) -> &'a str {
        v.get(key).and_then(Value::as_str).unwrap_or("")
    }

    /// Every Discord limit, checked on the JSON serenity would send.
    fn violations(body: &Value) -> Vec<String> {
        let mut v = Vec::new();
        let count = |s: &str| s.chars().count();
        if count(str_field(body, "content")) > MAX_CONTENT_CHARS {
            v.push("content".to_string());
        }
        let embeds = body["embeds"].as_array().cloned().unwrap_or_default();
        if embeds.len() > MAX_EMBEDS_PER_MESSAGE {
            v.push(format!("{} embeds", embeds.len()));
        }
        let mut total = 0;
        for e in &embeds {
            let title = count(str_field(e, "title"));
            let description = count(str_field(e, "description"));
            let footer = e.get("footer").map_or(0, |f| count(str_field(f, "text")));
            if title > MAX_TITLE_CHARS {
                v.push(format!("title {title}"));
            }
            if description > MAX_DESCRIPTION_CHARS {
                v.push(format!("description {description}"));
            }
            if footer > MAX_FOOTER_CHARS {
                v.push(format!("footer {footer}"));
            }
            total += title + description + footer;
            let fields = e
                .get("fields")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if fields.len() > MAX_FIELDS_PER_EMBED {
                v.push(format!("{} fields", fields.len()));
            }
            for f in &fields {
                let (name, value) = (str_field(f, "name"), str_field(f, "value"));
                if name.trim().is_empty() || count(name) > MAX_FIELD_NAME_CHARS {
                    v.push(format!("field name {name:?}"));
                }
                if value.trim().is_empty() || count(value) > MAX_FIELD_VALUE_CHARS {
                    v.push(format!("field value of {} chars", count(value)));
                }
                total += count(name) + count(value);
            }
            for url in [e.get("url"), e.get("thumbnail").and_then(|t| t.get("url"))]
                .into_iter()
                .flatten()
            {
                if !url
                    .as_str()
                    .is_some_and(|u| u.starts_with("http://") || u.starts_with("https://"))
                {
                    v.push(format!("url {url}"));
                }
            }
        }
        if total > MAX_EMBED_CHARS_PER_MESSAGE {
            v.push(format!("{total} embed chars"));
        }
        v
    }

    fn assert_valid(messages: &[MessageSpec]) {
        for m in messages {
            let body = m.to_json(None);
            assert_eq!(violations(&body), Vec::<String>::new());
        }
    }

    #[test]
    fn korean_title_of_300_chars_is_cut_to_256_with_ellipsis() {
        let e = paper_embed(&paper(&"가".repeat(300)), &[], date());
        assert_eq!(e.title.chars().count(), MAX_TITLE_CHARS);
        assert!(e.title.ends_with('…'));
        let spaced = paper_embed(&paper(&korean(300)), &[], date());
        assert!(spaced.title.chars().count() <= MAX_TITLE_CHARS);
        assert!(spaced.title.ends_with('…'));
        assert!(!spaced.title.ends_with(" …"));
    }

    #[test]
    fn description_of_5000_korean_chars_fits_its_limit_and_the_budget() {
        let mut p = paper("T");
        p.bullets = vec!["가".repeat(5000)];
        let e = paper_embed(&p, &[], date());
        assert!(e.description.ends_with('…'));
        assert!(e.char_count() <= PAPER_EMBED_BUDGET);
        let big = paper_embed_within(&p, &[], date(), MAX_EMBED_CHARS_PER_MESSAGE);
        assert_eq!(big.description.chars().count(), MAX_DESCRIPTION_CHARS);
        assert!(big.description.ends_with('…'));
        assert!(big.description.starts_with("• 가가"));
    }

    #[test]
    fn a_10k_author_list_is_cut_with_a_count_of_the_rest() {
        let mut p = paper("T");
        p.authors = (0..700).map(|i| format!("Author Number{i}")).collect();
        p.authors.insert(3, "+".into());
        let full = paper_embed_within(&p, &[], date(), MAX_EMBED_CHARS_PER_MESSAGE);
        let authors = &full
            .fields
            .iter()
            .find(|f| f.name == "Authors")
            .unwrap()
            .value;
        assert!(authors.chars().count() <= MAX_FIELD_VALUE_CHARS);
        assert!(authors
            .starts_with("Author Number0, Author Number1, Author Number2, …, Author Number3"));
        let shown = authors.matches("Author Number").count();
        assert!(
            authors.ends_with(&format!(", … +{} more", 700 - shown)),
            "{authors}"
        );

        let compact = paper_embed(&p, &[], date());
        let authors = &compact
            .fields
            .iter()
            .find(|f| f.name == "Authors")
            .unwrap()
            .value;
        assert!(authors.chars().count() <= PAPER_EMBED_BUDGET / 6);
        assert!(authors.ends_with(" more"));
    }

    #[test]
    fn author_elision_marker_is_shown_as_ellipsis() {
        let e = paper_embed(&paper("T"), &[], date());
        let authors = &e.fields.iter().find(|f| f.name == "Authors").unwrap().value;
        assert_eq!(authors, "Yekun Chai, …, Niklas Muennighoff");
    }

    #[test]
    fn an_overlong_single_author_still_fits() {
        let out = format_authors(&["x".repeat(5000), "B".into()], 100);
        assert!(out.chars().count() <= 100);
        assert_eq!(out, "… +2 more");
    }

    #[test]
    fn paper_embed_has_votes_matched_authors_footer_and_links() {
        let e = paper_embed(
            &paper("Aurora-M"),
            &["LLM".into(), "  ".into(), "확산".into()],
            date(),
        );
        assert_eq!(e.title, "Aurora-M");
        assert_eq!(e.url.as_deref(), Some("https://arxiv.org/abs/2404.00399"));
        assert!(e.thumbnail.as_deref().unwrap().ends_with(".png"));
        assert_eq!(e.description, "• 본 논문은 Aurora-M을 소개한다.");
        assert_eq!(e.footer, "Daily Papers · 2024-04-02 · arXiv:2404.00399");
        assert_eq!(e.color, EMBED_COLOR);
        let names: Vec<(&str, &str, bool)> = e
            .fields
            .iter()
            .map(|f| (f.name.as_str(), f.value.as_str(), f.inline))
            .collect();
        assert_eq!(
            names,
            [
                ("👍 Votes", "24", true),
                ("🔎 Matched", "LLM, 확산", true),
                ("Authors", "Yekun Chai, …, Niklas Muennighoff", false),
            ]
        );
    }

    #[test]
    fn missing_parts_are_left_out() {
        let p = Paper {
            title: "Bare".into(),
            url: None,
            arxiv_id: None,
            thumbnail_url: None,
            votes: None,
            authors: vec![],
            bullets: vec![],
        };
        let e = paper_embed(&p, &[], date());
        assert_eq!(e.fields, vec![]);
        assert_eq!(e.description, "");
        assert_eq!(e.url, None);
        assert_eq!(e.footer, "Daily Papers · 2024-04-02");
        let json = MessageSpec {
            content: None,
            embeds: vec![e],
        }
        .to_json(None);
        let embed = &json["embeds"][0];
        assert!(embed.get("description").is_none());
        assert!(embed.get("url").is_none());
        assert!(embed.get("fields").is_none());
    }

    #[test]
    fn non_http_links_are_dropped_and_arxiv_id_fills_a_missing_url() {
        let mut p = paper("T");
        p.url = Some("javascript:alert(1)".into());
        p.thumbnail_url = Some("/avatars/e4f630616a16a7fc691b5275bb62f2aa.svg".into());
        let e = paper_embed(&p, &[], date());
        assert_eq!(e.url.as_deref(), Some("https://arxiv.org/abs/2404.00399"));
        assert_eq!(e.thumbnail, None);
        p.arxiv_id = None;
        p.thumbnail_url = Some("https://example.com/demo.MP4".into());
        let e = paper_embed(&p, &[], date());
        assert_eq!(e.url, None);
        assert_eq!(e.thumbnail, None);
        p.thumbnail_url = Some("ftp://example.com/a.png".into());
        assert_eq!(paper_embed(&p, &[], date()).thumbnail, None);
    }

    #[test]
    fn everyone_and_here_cannot_ping_even_in_text() {
        let mut p = paper("Hello @everyone");
        p.bullets = vec!["ping @here and @Everyone and <@123> and <@&456>".into()];
        p.authors = vec!["@here".into()];
        let e = paper_embed(&p, &["@everyone".into()], date());
        let text = serde_json::to_string(&e).unwrap();
        for needle in ["@everyone", "@here", "@Everyone", "<@1", "<@&"] {
            assert!(!text.contains(needle), "{needle} left in {text}");
        }
        assert_eq!(e.title, "Hello @\u{200B}everyone");
        assert!(e.description.contains("<@\u{200B}123>"));
        // Plain addresses are left alone.
        assert_eq!(defuse_mentions("a@b.c"), "a@b.c");
    }

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
    fn control_characters_are_dropped() {
        let mut p = paper("A\u{8}B\tC");
        p.bullets = vec!["x\u{8}y\u{0}z\nnext".into()];
        let e = paper_embed(&p, &[], date());
        assert_eq!(e.title, "AB C");
        assert_eq!(e.description, "• xyz next");
    }

    #[test]
    fn eleven_embeds_make_two_messages() {
        let embeds: Vec<EmbedSpec> = (0..11).map(|_| embed_of(10)).collect();
        let messages = pack(embeds);
        assert_eq!(
            messages.iter().map(|m| m.embeds.len()).collect::<Vec<_>>(),
            [10, 1]
        );
    }

    #[test]
    fn embeds_of_1900_chars_go_three_to_a_message() {
        let messages = pack((0..7).map(|_| embed_of(1900)).collect());
        assert_eq!(
            messages.iter().map(|m| m.embeds.len()).collect::<Vec<_>>(),
            [3, 3, 1]
        );
        assert_valid(&messages);
    }

    #[test]
    fn exactly_at_the_limits_fits_one_message() {
        let ten: Vec<EmbedSpec> = (0..10).map(|_| embed_of(600)).collect();
        let messages = pack(ten);
        assert_eq!(messages.len(), 1);
        assert_eq!(messages[0].char_count(), MAX_EMBED_CHARS_PER_MESSAGE);
        assert_valid(&messages);

        let mut over: Vec<EmbedSpec> = (0..10).map(|_| embed_of(600)).collect();
        over[9].description.push('가');
        assert_eq!(pack(over).len(), 2);

        let two = pack(vec![embed_of(4000), embed_of(2000)]);
        assert_eq!(two.len(), 1);
        let two = pack(vec![embed_of(4000), embed_of(2001)]);
        assert_eq!(two.len(), 2);
    }

    #[test]
    fn char_count_counts_characters_not_bytes() {
        let mut e = embed_of(0);
        e.title = "가나다".into();
        e.description = "😀é".into();
        e.fields = vec![FieldSpec {
            name: "한".into(),
            value: "ab".into(),
            inline: false,
        }];
        e.footer = "·".into();
        assert_eq!(e.char_count(), 3 + 2 + 1 + 2 + 1);
        // 4096 Korean characters are 12,288 bytes and still a valid description.
        let full = embed_of(MAX_DESCRIPTION_CHARS);
        assert_eq!(full.clone().fit_limits(), full);
    }

    #[test]
    fn char_count_matches_the_serialised_embed() {
        let p = paper(&korean(120));
        let e = paper_embed(&p, &["모델".into()], date());
        let json = MessageSpec {
            content: None,
            embeds: vec![e.clone()],
        }
        .to_json(None);
        let j = &json["embeds"][0];
        let mut n = str_field(j, "title").chars().count()
            + str_field(j, "description").chars().count()
            + str_field(&j["footer"], "text").chars().count();
        for f in j["fields"].as_array().unwrap() {
            n += str_field(f, "name").chars().count() + str_field(f, "value").chars().count();
        }
        assert_eq!(n, e.char_count());
        assert_eq!(j["color"], json!(EMBED_COLOR));
        assert_eq!(j["thumbnail"]["url"], json!(p.thumbnail_url.unwrap()));
    }

    #[test]
    fn pack_keeps_order() {
        let embeds: Vec<EmbedSpec> = (0..25)
            .map(|i| {
                let mut e = embed_of(300 + (i * 97) % 1500);
                e.title = format!("#{i}");
                e
            })
            .collect();
        let messages = pack(embeds.clone());
        let flat: Vec<EmbedSpec> = messages.into_iter().flat_map(|m| m.embeds).collect();
        assert_eq!(flat, embeds);
    }

    #[test]
    fn an_oversized_embed_is_capped_so_it_still_packs() {
        let e = EmbedSpec {
            title: "t".repeat(1000),
            url: Some("mailto:x".into()),
            description: "d".repeat(10_000),
            thumbnail: None,
            fields: (0..30)
                .map(|i| FieldSpec {
                    name: format!("f{i}"),
                    value: "v".repeat(2000),
                    inline: false,
                })
                .chain([FieldSpec {
                    name: "empty".into(),
                    value: " ".into(),
                    inline: true,
                }])
                .collect(),
            footer: "f".repeat(3000),
            color: 0,
        };
        let fitted = e.clone().fit_limits();
        assert!(fitted.char_count() <= MAX_EMBED_CHARS_PER_MESSAGE);
        assert_eq!(fitted.clone().fit_limits(), fitted);
        assert_eq!(fitted.url, None);
        let messages = pack(vec![e.clone(), e]);
        assert_eq!(messages.len(), 2);
        assert_valid(&messages);
    }

    #[test]
    fn allowed_mentions_parse_nothing() {
        let m = MessageSpec {
            content: Some("hi @everyone".into()),
            embeds: vec![embed_of(5)],
        };
        let json = m.to_json(None);
        // serenity sends empty user and role lists too; together: nothing can be pinged.
        assert_eq!(
            json["allowed_mentions"],
            json!({"parse": [], "users": [], "roles": []})
        );
        assert_eq!(json["allowed_mentions"]["parse"], json!([]));
        assert!(json.get("nonce").is_none());
        assert_eq!(json["enforce_nonce"], json!(false));
        assert_eq!(json["content"], json!("hi @everyone"));
        assert_eq!(json["embeds"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn nonce_is_sent_with_enforce_nonce() {
        let m = MessageSpec {
            content: None,
            embeds: vec![embed_of(5)],
        };
        let json = m.to_json(Some("pb-20240402-42-1"));
        assert_eq!(json["nonce"], json!("pb-20240402-42-1"));
        assert_eq!(json["enforce_nonce"], json!(true));
        assert_eq!(json["allowed_mentions"]["parse"], json!([]));
        assert!(json.get("content").is_none());
    }

    fn realistic_day(n: usize) -> Vec<Paper> {
        (0..n)
            .map(|i| Paper {
                title: format!("Paper {i}: {}", korean(60 + (i * 13) % 60)),
                url: Some(format!("https://arxiv.org/abs/2404.{:05}", i)),
                arxiv_id: Some(format!("2404.{:05}", i)),
                thumbnail_url: Some(format!(
                    "https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2404.{:05}.png",
                    i
                )),
                votes: Some(100 - i as u32),
                authors: (0..(5 + (i * 7) % 25))
                    .map(|a| format!("Author Name{a}"))
                    .collect(),
                bullets: (0..(5 + i % 4))
                    .map(|b| korean(140 + (b * 11) % 25))
                    .collect(),
            })
            .collect()
    }

    #[test]
    fn a_realistic_12_paper_day_is_two_messages() {
        let papers = realistic_day(12);
        let embeds: Vec<EmbedSpec> = papers.iter().map(|p| paper_embed(p, &[], date())).collect();
        let messages = pack(embeds);
        assert_eq!(messages.len(), 2);
        assert_valid(&messages);

        let selected: Vec<Selected> = papers
            .iter()
            .map(|paper| Selected {
                paper,
                matched: vec![],
            })
            .collect();
        let ctx = RenderContext {
            date: date(),
            total_in_digest: 12,
            filtered: false,
            ..RenderContext::default()
        };
        let messages = render_digest(&ctx, &selected);
        assert_eq!(messages.len(), 2);
        assert_valid(&messages);
        assert_eq!(
            messages[0].content.as_deref(),
            Some("📰 **Daily Papers — 2024-04-02** · 12 papers")
        );
        assert_eq!(messages[1].content, None);
        // Trimmed, but each still shows a real share of its summary.
        for e in messages.iter().flat_map(|m| &m.embeds) {
            assert!(
                e.description.chars().count() >= 400,
                "{}",
                e.description.chars().count()
            );
        }
    }

    #[test]
    fn a_68_paper_day_is_twelve_messages_and_small_days_get_more_room() {
        let papers = realistic_day(68);
        let selected: Vec<Selected> = papers
            .iter()
            .map(|paper| Selected {
                paper,
                matched: vec![],
            })
            .collect();
        let ctx = RenderContext {
            date: date(),
            total_in_digest: 68,
            filtered: false,
            ..RenderContext::default()
        };
        let messages = render_digest(&ctx, &selected);
        assert_eq!(messages.len(), 12);
        assert_valid(&messages);

        assert_eq!(digest_embed_budget(1), 6000);
        assert_eq!(digest_embed_budget(3), 2000);
        assert_eq!(digest_embed_budget(7), 1500);
        assert_eq!(digest_embed_budget(12), 1000);
        assert_eq!(digest_embed_budget(13), 1200);
        let three = render_digest(
            &RenderContext {
                date: date(),
                total_in_digest: 3,
                filtered: false,
                ..RenderContext::default()
            },
            &selected[..3],
        );
        assert_eq!(three.len(), 1);
        // A lone paper is shown whole.
        let one = render_digest(&ctx, &selected[..1]);
        let bullets = papers[0]
            .bullets
            .iter()
            .map(|b| format!("• {b}"))
            .collect::<Vec<_>>()
            .join("\n");
        assert_eq!(one[0].embeds[0].description, bullets);
        assert_eq!(
            one[0].content.as_deref(),
            Some("📰 **Daily Papers — 2024-04-02** · 1 paper")
        );
    }

    #[test]
    fn filtered_header_and_empty_results() {
        let papers = realistic_day(3);
        let selected = vec![Selected {
            paper: &papers[1],
            matched: vec!["모델".into()],
        }];
        let ctx = RenderContext {
            date: date(),
            total_in_digest: 12,
            filtered: true,
            ..RenderContext::default()
        };
        let messages = render_digest(&ctx, &selected);
        assert_eq!(
            messages[0].content.as_deref(),
            Some("📰 **Daily Papers — 2024-04-02** · 1 of 12 papers (filtered for this channel)")
        );
        assert_eq!(messages[0].embeds[0].fields[1].value, "모델");

        assert_eq!(
            render_digest(&ctx, &[]),
            vec![empty_notice(date(), EmptyReason::NothingMatched)]
        );
        let none = RenderContext {
            total_in_digest: 0,
            ..ctx
        };
        assert_eq!(
            render_digest(&none, &[]),
            vec![empty_notice(date(), EmptyReason::NoPapers)]
        );
    }

    #[test]
    fn empty_notices_are_short_content_only_messages() {
        for reason in [
            EmptyReason::NoPapers,
            EmptyReason::NothingMatched,
            EmptyReason::NotPublished,
        ] {
            let m = empty_notice(date(), reason);
            assert!(m.embeds.is_empty());
            let content = m.content.as_deref().unwrap();
            assert!(content.contains("2024-04-02"));
            assert!(content.chars().count() < 200);
            assert_eq!(violations(&m.to_json(None)), Vec::<String>::new());
        }
        assert_ne!(
            empty_notice(date(), EmptyReason::NoPapers),
            empty_notice(date(), EmptyReason::NotPublished)
        );
    }

    #[test]
    fn to_text_previews_each_message() {
        let papers = realistic_day(12);
        let selected: Vec<Selected> = papers
            .iter()
            .map(|paper| Selected {
                paper,
                matched: vec![],
            })
            .collect();
        let ctx = RenderContext {
            date: date(),
            total_in_digest: 12,
            filtered: false,
            ..RenderContext::default()
        };
        let messages = render_digest(&ctx, &selected);
        let text = to_text(&messages);
        let first = format!(
            "--- message 1/2 ({} embeds, {} chars) ---",
            messages[0].embeds.len(),
            messages[0].char_count()
        );
        assert!(text.starts_with(&first), "{text}");
        assert!(text.contains("--- message 2/2 ("));
        assert!(text.contains("## Paper 0: "));
        assert!(text.contains("   https://arxiv.org/abs/2404.00000"));
        assert!(text.contains("   👍 Votes: 100"));
        assert!(text.contains("   Authors: Author Name0"));
        assert!(text.contains("   • 본 논문은"));
        assert_eq!(to_text(&[]), "");
    }

    #[test]
    fn a_cut_description_ends_in_a_useful_stub_or_an_ellipsis_line() {
        let lines: Vec<String> = [
            "• ".to_string() + &"가".repeat(98),
            "• ".to_string() + &"나".repeat(98),
        ]
        .to_vec();
        // Room for the first line and a useful part of the second.
        let d = bullet_lines_within(&lines, 100 + 1 + 70);
        assert!(d.starts_with(&lines[0]));
        assert!(d.ends_with('…'));
        assert_eq!(d.chars().count(), 171);
        // Only a few characters left: no stub, a "…" line.
        let d = bullet_lines_within(&lines, 100 + 1 + 20);
        assert_eq!(d, format!("{}\n…", lines[0]));
        // Not even that: the last line carries the mark.
        let d = bullet_lines_within(&lines, 101);
        assert!(d.chars().count() <= 101 && d.ends_with('…'), "{d}");
        // A first line longer than the room is cut rather than dropped.
        let d = bullet_lines_within(&lines, 30);
        assert_eq!(d.chars().count(), 30);
        assert!(d.starts_with("• 가") && d.ends_with('…'));
        assert_eq!(bullet_lines_within(&lines, 0), "");
        assert_eq!(bullet_lines_within(&lines, 1000), lines.join("\n"));
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

    /// Roughly up to `max` characters, built from chunks (cheaper than character by character)
    /// that mix scripts, emoji, mentions, control characters and odd whitespace.
    fn arb_text(max: usize) -> impl Strategy<Value = String> {
        let chunk = prop::sample::select(vec![
            "가나다 ",
            "라마바사아",
            "abc def ",
            "Zebra",
            " \n ",
            "@everyone",
            "<@12>",
            "…😀",
            "\u{8}x",
            "+",
        ]);
        prop::collection::vec(chunk, 0..max.div_ceil(5).max(1)).prop_map(|c| c.concat())
    }

    fn arb_paper() -> impl Strategy<Value = Paper> {
        (
            arb_text(400),
            prop::option::of(prop::sample::select(vec![
                "https://arxiv.org/abs/2404.00399",
                "http://x.y/z",
                "ftp://nope",
                "",
            ])),
            prop::option::of(arb_text(40)),
            prop::option::of(0u32..1000),
            prop::collection::vec(arb_text(30), 0..300),
            prop::collection::vec(arb_text(600), 0..12),
        )
            .prop_map(|(title, url, arxiv_id, votes, authors, bullets)| Paper {
                title,
                url: url.map(str::to_string),
                arxiv_id,
                thumbnail_url: None,
                votes,
                authors,
                bullets,
            })
    }

    fn arb_embed() -> impl Strategy<Value = EmbedSpec> {
        (
            arb_text(400),
            arb_text(7000),
            prop::collection::vec((arb_text(300), arb_text(1500), any::<bool>()), 0..30),
            arb_text(2500),
        )
            .prop_map(|(title, description, fields, footer)| EmbedSpec {
                title,
                url: None,
                description,
                thumbnail: None,
                fields: fields
                    .into_iter()
                    .map(|(name, value, inline)| FieldSpec {
                        name,
                        value,
                        inline,
                    })
                    .collect(),
                footer,
                color: 1,
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn packed_papers_respect_every_limit_in_order_exactly_once(
            papers in prop::collection::vec(arb_paper(), 0..40),
            matched in prop::collection::vec(arb_text(50), 0..4),
        ) {
            let embeds: Vec<EmbedSpec> =
                papers.iter().map(|p| paper_embed(p, &matched, date())).collect();
            for e in &embeds {
                prop_assert!(e.char_count() <= PAPER_EMBED_BUDGET);
            }
            let messages = pack(embeds.clone());
            for m in &messages {
                prop_assert!(!m.embeds.is_empty());
                prop_assert_eq!(violations(&m.to_json(Some("n"))), Vec::<String>::new());
            }
            prop_assert!(messages.len() <= embeds.len().div_ceil(MIN_PAPERS_PER_MESSAGE));
            let flat: Vec<EmbedSpec> = messages.into_iter().flat_map(|m| m.embeds).collect();
            prop_assert_eq!(flat, embeds);
        }

        #[test]
        fn render_digest_respects_every_limit(papers in prop::collection::vec(arb_paper(), 1..30)) {
            let selected: Vec<Selected> =
                papers.iter().map(|paper| Selected { paper, matched: vec![] }).collect();
            let ctx = RenderContext { date: date(), total_in_digest: papers.len(), filtered: false, ..RenderContext::default() };
            let messages = render_digest(&ctx, &selected);
            prop_assert!(messages.len() <= papers.len().div_ceil(MIN_PAPERS_PER_MESSAGE));
            prop_assert_eq!(messages.iter().map(|m| m.embeds.len()).sum::<usize>(), papers.len());
            for m in &messages {
                prop_assert_eq!(violations(&m.to_json(None)), Vec::<String>::new());
            }
        }

        #[test]
        fn arbitrary_embeds_pack_within_limits(embeds in prop::collection::vec(arb_embed(), 0..14)) {
            let fitted: Vec<EmbedSpec> = embeds.iter().cloned().map(EmbedSpec::fit_limits).collect();
            for e in &fitted {
                prop_assert_eq!(&e.clone().fit_limits(), e);
            }
            let messages = pack(embeds);
            for m in &messages {
                prop_assert_eq!(violations(&m.to_json(None)), Vec::<String>::new());
            }
            let flat: Vec<EmbedSpec> = messages.into_iter().flat_map(|m| m.embeds).collect();
            prop_assert_eq!(flat, fitted);
        }
    }
}
