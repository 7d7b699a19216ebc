//! A model's answer made fit to show. Pure. The answer is untrusted (the paper and the question
//! it read may have told it anything): every link but the paper's own is taken out, Markdown
//! structure is flattened to text and lists, the rest goes through the same neutralisation as
//! all outside text ([`crate::render::outside_paragraphs`]: no mentions, no masked links, no
//! formatting), and a long answer is cut at the end of a sentence, within Discord's limits.

use crate::render::outside_paragraphs;

/// An answer ready for a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shaped {
    pub text: String,
    /// Whether it was cut (the reply then points to the PDF for the rest).
    pub cut: bool,
}

/// Whether `word` is a link (or looks enough like one for Discord to make it one).
fn is_link(word: &str) -> bool {
    let l = word.to_ascii_lowercase();
    l.contains("://")
        || l.contains("www.")
        || l.contains("discord.gg/")
        || l.contains("discord.com/invite")
        || l.starts_with("<http")
}

/// Whether `word` is a link to this paper itself (its arXiv or Hugging Face page, its PDF).
fn is_own_link(word: &str, arxiv_id: &str) -> bool {
    let trimmed = word.trim_matches(|c: char| !c.is_alphanumeric() && c != '/');
    let lower = trimmed.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
        .unwrap_or(&lower);
    let rest = rest.strip_prefix("www.").unwrap_or(rest);
    [
        "arxiv.org/abs/",
        "arxiv.org/pdf/",
        "arxiv.org/html/",
        "huggingface.co/papers/",
    ]
    .iter()
    .any(|p| {
        rest.strip_prefix(p).is_some_and(|id| {
            let id = id.trim_end_matches(".pdf");
            let id = id.split('v').next().unwrap_or(id);
            id == arxiv_id
        })
    })
}

/// `[text](url)` becomes `text`: the label stays readable, the link goes.
fn unmask(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        let link = after.find("](").and_then(|close| {
            let end = after[close + 2..].find(')')?;
            Some((close, close + 2 + end + 1))
        });
        match link {
            Some((close, end)) if !after[..close].contains('[') => {
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

/// One line with its Markdown structure flattened: headings and quotes lose their marks, list
/// items start with `•`, emphasis marks go.
fn flatten(line: &str) -> String {
    let t = line.trim();
    let t = t.trim_start_matches('#').trim_start();
    let t = t.trim_start_matches('>').trim_start();
    let t = t.replace("**", "").replace("__", "");
    for marker in ["* ", "- ", "+ ", "• "] {
        if let Some(item) = t.strip_prefix(marker) {
            return format!("• {}", item.trim_start());
        }
    }
    t
}

/// A line without links but the paper's own: masked links keep their text, link words go.
/// Also for the question shown above an answer: what the bot shows links to the paper only.
pub fn unlinked(line: &str, arxiv_id: &str) -> String {
    unmask(line)
        .split(' ')
        .filter(|w| !is_link(w) || is_own_link(w, arxiv_id))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The answer's text without links (but the paper's own), code fences and Markdown structure.
fn clean(raw: &str, arxiv_id: &str) -> String {
    raw.lines()
        .filter(|l| !l.trim_start().starts_with("```"))
        .map(|l| unlinked(&flatten(l), arxiv_id))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether a sentence ends in `text` at byte `i` (the character there, `c`, is its last): a
/// full stop, `!` or `?` (or a closing quote or bracket right after one) before a space, or an
/// ideographic stop, or a line's end.
fn ends_sentence(text: &str, i: usize, c: char) -> bool {
    let next = text[i + c.len_utf8()..].chars().next();
    let before_space = next.is_none_or(char::is_whitespace);
    let prev = text[..i].chars().next_back();
    match c {
        '.' | '!' | '?' => before_space,
        '"' | '”' | ')' | '’' => {
            before_space && prev.is_some_and(|p| matches!(p, '.' | '!' | '?'))
        }
        '。' | '！' | '？' | '\n' => true,
        _ => false,
    }
}

/// `text` cut to at most `max` characters at the end of a sentence (or a line) when one ends
/// after its first `keep` characters, else at a word with `…`.
fn cut_at_sentence(text: &str, max: usize, keep: usize) -> String {
    let end = text.char_indices().nth(max).map_or(text.len(), |(i, _)| i);
    let head = &text[..end];
    let best = head
        .char_indices()
        .filter(|&(i, c)| ends_sentence(text, i, c))
        .map(|(i, c)| i + c.len_utf8())
        .next_back()
        .filter(|&at| head[..at].chars().count() >= keep);
    match best {
        Some(at) => head[..at].trim_end().to_string(),
        None => {
            let mut cut = crate::render::truncate_chars(text, max);
            // Never leave an escaping backslash with nothing to escape.
            if cut.trim_end_matches('…').ends_with('\\') {
                cut = cut.trim_end_matches('…').trim_end_matches('\\').to_string() + "…";
            }
            cut
        }
    }
}

/// `raw` (the model's text) as shown for paper `arxiv_id`, at most `max_chars` characters.
/// `truncated`: the model was cut off at its budget, so its last sentence is unfinished: the
/// answer ends at its last whole sentence, and counts as cut.
pub fn shape(raw: &str, arxiv_id: &str, max_chars: usize, truncated: bool) -> Shaped {
    let safe = outside_paragraphs(&clean(raw, arxiv_id));
    let n = safe.chars().count();
    if n <= max_chars && !truncated {
        return Shaped {
            text: safe,
            cut: false,
        };
    }
    let max = n.min(max_chars);
    let keep = if n > max_chars { max / 2 } else { 1 };
    let mut text = cut_at_sentence(&safe, max, keep);
    if truncated && text == safe && !text.is_empty() {
        text.push('…');
    }
    Shaped {
        cut: !text.is_empty(),
        text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "2404.00399";

    #[test]
    fn links_but_the_papers_own_go_and_markdown_is_flattened() {
        let raw = "## Answer\n**Section 3** says \"we train on 435B tokens\".\n\n* see [here](https://evil.example/x) https://evil.example/y www.evil.example discord.gg/abc\n- the PDF: https://arxiv.org/pdf/2404.00399v2 and https://arxiv.org/abs/2404.99999\n```\ncode\n```\n> quoted";
        let s = shape(raw, ID, 2_000, false);
        assert!(!s.cut);
        assert_eq!(
            s.text,
            "Answer\nSection 3 says \"we train on 435B tokens\".\n\n• see here\n• the PDF: https://arxiv.org/pdf/2404.00399v2 and\ncode\nquoted"
        );
        for bad in ["evil", "discord.gg", "2404.99999", "**", "##", "```"] {
            assert!(!s.text.contains(bad), "{bad}: {}", s.text);
        }
    }

    #[test]
    fn nobody_is_pinged_and_nothing_is_formatted() {
        let s = shape(
            "@everyone @here <@123> <@&4> <#5> ||spoiler|| `code` ~~x~~ _it_",
            ID,
            2_000,
            false,
        );
        assert!(
            !s.text.contains("@everyone") && !s.text.contains("@here") && !s.text.contains("<@1")
        );
        assert!(!s.text.contains("<#5") && !s.text.contains("||spoiler"));
        assert!(
            s.text.contains("\\`code\\`") && s.text.contains("\\~\\~x\\~\\~"),
            "{}",
            s.text
        );
    }

    #[test]
    fn a_long_answer_is_cut_at_a_sentence() {
        let sentence = "The model is trained on 435B tokens (Section 3). ";
        let raw = sentence.repeat(100);
        let s = shape(&raw, ID, 500, false);
        assert!(s.cut);
        assert!(s.text.chars().count() <= 500);
        assert!(s.text.ends_with("(Section 3\\)."), "{}", s.text);
        // Korean sentences end at `다.` like any other.
        let ko = "모델은 435B 토큰으로 학습했습니다. ".repeat(100);
        let s = shape(&ko, ID, 300, false);
        assert!(s.cut && s.text.ends_with("했습니다.") && s.text.chars().count() <= 300);
        // No sentence end in reach: a word, with an ellipsis.
        let s = shape(&"word ".repeat(500), ID, 100, false);
        assert!(s.cut && s.text.ends_with('…') && s.text.chars().count() <= 100);
        assert_eq!(shape("  ", ID, 100, false).text, "");
        // Cut off by the model's budget: back to its last whole sentence.
        let s = shape(
            "It uses 435B tokens. It was trained on fif",
            ID,
            3_000,
            true,
        );
        assert_eq!((s.text.as_str(), s.cut), ("It uses 435B tokens.", true));
    }
}
