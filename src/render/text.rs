//! Messages as plain text, for the operator's terminal (`paperboy preview`).
//!
//! Why it exists: the CLI shows exactly the messages a channel would get, message by message
//! with their sizes, so an operator can check a day without Discord.

use super::digest::plural;
use super::limits::MessageSpec;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::Selected;
    use crate::render::testing::*;
    use crate::render::{render_digest, RenderContext};

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
}
