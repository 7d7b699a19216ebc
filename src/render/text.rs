//! Messages as plain text, for the operator's terminal (`paperboy preview`).
//!
//! Why it exists: the CLI shows exactly the messages a channel would get, message by message
//! with their sizes, so an operator can check a day without Discord.

use super::spec::MessageSpec;

/// "1 embed", "3 embeds": the operator's terminal speaks English.
fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
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
                let _ = writeln!(out, "   {}", link_labels(line));
            }
            if !embed.footer.is_empty() {
                let _ = writeln!(out, "   ({})", embed.footer);
            }
        }
        out.push('\n');
    }
    out
}

/// A line with its masked links (`[arXiv](https://…)`) shown as a reader sees them in Discord,
/// by their labels (`arXiv`): the paper's own URL is on the line above, and a terminal shows
/// Markdown as written.
fn link_labels(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        let link = after.find("](").and_then(|close| {
            let target = &after[close + 2..];
            let end = target.find(')')?;
            let url = &target[..end];
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::testing::*;
    use crate::render::{render_digest, RenderContext};
    use crate::select::filter::Selected;

    #[test]
    fn masked_links_show_by_their_labels() {
        assert_eq!(
            link_labels(
                "[arXiv](https://arxiv.org/abs/1) · [Code](http://g/a%29) (★ 3) · 🏢 \\[x\\](y)"
            ),
            "arXiv · Code (★ 3) · 🏢 \\[x\\](y)"
        );
        assert_eq!(link_labels("• a [b] (c) [d](e)"), "• a [b] (c) [d](e)");
        assert_eq!(link_labels("[unclosed](https://x"), "[unclosed](https://x");
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
        let messages = render_digest(&ctx, &selected, &crate::language::Language::english());
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
}
