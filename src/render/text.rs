//! Messages as plain text, for the operator's terminal (`paperboy preview`).
//!
//! Why it exists: the CLI shows exactly the messages a channel would get, message by message
//! with their sizes, so an operator can check a day without Discord.

use super::day::DayMessages;
use super::screen::link_labels;
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
    messages_text(messages, |_| String::new())
}

/// A day's messages as plain text for the CLI, in the order they are sent, each saying whether
/// it is the index or cards and where it goes: the channel, or the thread started from the
/// index (named).
pub fn day_to_text(day: &DayMessages) -> String {
    messages_text(&day.messages, |i| {
        let part = if i < day.index { "index" } else { "cards" };
        match &day.opens_thread {
            Some((at, name)) if i == *at => {
                format!("{part}, in the channel; starts the thread \"{name}\"")
            }
            Some((at, _)) if i > *at => format!("{part}, in the thread"),
            _ => part.to_string(),
        }
    })
}

fn messages_text(messages: &[MessageSpec], what: impl Fn(usize) -> String) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let total = messages.len();
    for (i, message) in messages.iter().enumerate() {
        let what = what(i);
        let what = if what.is_empty() {
            String::new()
        } else {
            format!("{what}; ")
        };
        let _ = writeln!(
            out,
            "--- message {}/{total} ({what}{}, {} chars) ---",
            i + 1,
            plural(message.embeds.len(), "embed"),
            message.char_count()
        );
        if let Some(content) = &message.content {
            for line in content.lines() {
                let _ = writeln!(out, "{}", link_labels(line));
            }
        }
        for embed in &message.embeds {
            out.push('\n');
            if let Some(author) = &embed.author {
                let _ = writeln!(out, "   {author}");
            }
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
            let when = embed
                .timestamp
                .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string());
            match (embed.footer.is_empty(), when) {
                (true, None) => {}
                (false, None) => {
                    let _ = writeln!(out, "   ({})", embed.footer);
                }
                (true, Some(w)) => {
                    let _ = writeln!(out, "   ({w})");
                }
                (false, Some(w)) => {
                    let _ = writeln!(out, "   ({} · {w})", embed.footer);
                }
            }
        }
        if let Some(menu) = &message.menu {
            let _ = writeln!(
                out,
                "   [{}: {} papers]",
                menu.placeholder,
                menu.options.len()
            );
        }
        out.push('\n');
    }
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
        assert!(text.contains("   👍 100 · PDF · Hugging Face\n"), "{text}");
        assert!(
            text.contains(
                "   (Author Name0, Author Name1, Author Name2 et al. · 2024-04-02 00:00 UTC)"
            ),
            "{text}"
        );
        assert!(text.contains("   • 본 논문은"));
        assert!(text.contains("   [🔖 Save…: 6 papers]"), "{text}");
        assert_eq!(to_text(&[]), "");
    }

    #[test]
    fn a_glance_day_says_which_messages_go_into_the_thread() {
        let day = crate::render::testing::diffusion_day(20);
        let shown = crate::render::day_messages(
            date(),
            crate::render::DayContent::Digest(&day, None),
            crate::render::Reader::Channel {
                filter: &crate::select::filter::Filter::default(),
                notify_empty: false,
                shape: crate::render::Shape::Glance {
                    top: 10,
                    thread: true,
                },
            },
            &crate::language::Language::english(),
        );
        let text = day_to_text(&shown);
        assert!(
            text.starts_with(
                "--- message 1/3 (index, in the channel; starts the thread \"Daily Papers — 2024-04-02\"; 0 embeds, 0 chars) ---\n📰 **Daily Papers — 2024-04-02**"
            ),
            "{text}"
        );
        assert!(
            text.contains("--- message 2/3 (cards, in the thread; "),
            "{text}"
        );
        assert!(
            text.contains("--- message 3/3 (cards, in the thread; "),
            "{text}"
        );
        // The index's links by their labels, as a reader sees them.
        assert!(
            text.contains("**1.** Paper 19 about diffusion · 👍 19"),
            "{text}"
        );
    }
}
