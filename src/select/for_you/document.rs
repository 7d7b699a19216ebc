//! A paper as the text similarity reads: its title, the digest's text about it (the Korean
//! digest's summary, or Hugging Face's AI summary, else the abstract's first sentences) and
//! Hugging Face's AI keywords, broken into weighted terms.
//!
//! Why terms look as they do: titles and AI keywords say what a paper is about more densely
//! than a summary, so their words count double. Latin-script words are matched whole, after
//! the one normalisation every matcher uses ([`normalize`]), with a light plural fold
//! ("models" = "model") and function words dropped; Korean, Chinese and Japanese are matched
//! by character pairs, which finds "확산모델은" and "확산 모델을" alike without a dictionary.

use crate::select::script::{is_unsegmented_script, normalize};
use crate::source::digest::Paper;

/// How much a word of each part of a paper counts.
const TITLE_WEIGHT: f32 = 2.0;
const KEYWORD_WEIGHT: f32 = 2.0;
const TEXT_WEIGHT: f32 = 1.0;

/// Characters of a paper's text given to an embedding model: a title, keywords and a summary
/// are far shorter; the cap only stops a runaway digest entry from costing a whole context.
pub const MAX_EMBEDDING_INPUT_CHARS: usize = 4_000;

/// Words that say nothing about a paper's subject.
const STOPWORDS: &[&str] = &[
    "a", "about", "across", "after", "all", "also", "an", "and", "any", "are", "as", "at", "be",
    "been", "being", "between", "both", "but", "by", "can", "could", "do", "does", "each", "for",
    "from", "has", "have", "how", "however", "in", "into", "is", "it", "its", "just", "may",
    "more", "most", "much", "new", "no", "not", "of", "on", "one", "only", "or", "other", "our",
    "over", "such", "than", "that", "the", "their", "them", "then", "there", "these", "they",
    "this", "those", "through", "thus", "to", "two", "under", "up", "us", "use", "used", "uses",
    "using", "via", "was", "we", "were", "what", "when", "where", "which", "while", "who", "whose",
    "why", "will", "with", "within", "without", "would", "yet", "you", "your", "paper", "propose",
    "proposed", "proposes", "present", "presents", "show", "shows", "approach", "method",
    "methods", "result", "results", "work", "based", "first",
];

/// The parts of a paper similarity reads, borrowed from wherever the paper is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Document<'a> {
    pub title: &'a str,
    /// The digest's lines about the paper.
    pub text: &'a [String],
    pub keywords: &'a [String],
}

impl<'a> Document<'a> {
    pub fn of(paper: &'a Paper) -> Document<'a> {
        Document {
            title: &paper.title,
            text: &paper.bullets,
            keywords: &paper.ai_keywords,
        }
    }

    /// A paper known only by its title (a saved paper the archive no longer has).
    pub fn titled(title: &'a str) -> Document<'a> {
        Document {
            title,
            text: &[],
            keywords: &[],
        }
    }

    /// Calls `f` with each term of the document and its weight, in order, repeats included.
    pub fn for_each_term(&self, mut f: impl FnMut(&str, f32)) {
        terms_of(self.title, TITLE_WEIGHT, &mut f);
        for k in self.keywords {
            terms_of(k, KEYWORD_WEIGHT, &mut f);
        }
        for t in self.text {
            terms_of(t, TEXT_WEIGHT, &mut f);
        }
    }

    /// The text an embedding model is given: title, keywords, then the summary, cut to
    /// [`MAX_EMBEDDING_INPUT_CHARS`]. Never empty (an untitled paper is a dash).
    pub fn embedding_input(&self) -> String {
        let mut out = self.title.split_whitespace().collect::<Vec<_>>().join(" ");
        if !self.keywords.is_empty() {
            out.push_str("\nKeywords: ");
            out.push_str(&self.keywords.join(", "));
        }
        for t in self.text {
            out.push('\n');
            out.push_str(&t.split_whitespace().collect::<Vec<_>>().join(" "));
        }
        let out: String = out.trim().chars().take(MAX_EMBEDDING_INPUT_CHARS).collect();
        if out.is_empty() {
            "-".to_string()
        } else {
            out
        }
    }
}

/// The terms of one text (see the module docs), each with `weight`.
fn terms_of(text: &str, weight: f32, f: &mut impl FnMut(&str, f32)) {
    let text = normalize(text);
    let mut word = String::new();
    let mut run: Vec<char> = Vec::new();
    let flush_word = |word: &mut String, f: &mut dyn FnMut(&str, f32)| {
        if !word.is_empty() {
            if let Some(term) = latin_term(word) {
                f(term, weight);
            }
            word.clear();
        }
    };
    let mut pair = String::new();
    let mut flush_run = |run: &mut Vec<char>, f: &mut dyn FnMut(&str, f32)| {
        match run.len() {
            0 => {}
            1 => {
                pair.clear();
                pair.push(run[0]);
                f(&pair, weight);
            }
            _ => {
                for w in run.windows(2) {
                    pair.clear();
                    pair.extend(w);
                    f(&pair, weight);
                }
            }
        }
        run.clear();
    };
    for c in text.chars() {
        if is_unsegmented_script(c) {
            flush_word(&mut word, f);
            run.push(c);
        } else if c.is_alphanumeric() {
            flush_run(&mut run, f);
            word.push(c);
        } else {
            flush_word(&mut word, f);
            flush_run(&mut run, f);
        }
    }
    flush_word(&mut word, f);
    flush_run(&mut run, f);
}

/// A normalised Latin-script word as a term: `None` for a stopword, a lone character or a bare
/// number; plurals folded ("models" → "model", not "class" or "status").
fn latin_term(word: &str) -> Option<&str> {
    let chars = word.chars().count();
    if chars < 2 || word.chars().all(|c| c.is_numeric()) || STOPWORDS.contains(&word) {
        return None;
    }
    let folded = match word.strip_suffix('s') {
        Some(stem)
            if chars > 3
                && !stem.ends_with('s')
                && !stem.ends_with('u')
                && !stem.ends_with('i') =>
        {
            stem
        }
        _ => word,
    };
    Some(folded)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        terms_of(text, 1.0, &mut |t, _| out.push(t.to_string()));
        out
    }

    #[test]
    fn latin_words_are_folded_and_function_words_dropped() {
        assert_eq!(
            terms("We propose Diffusion Models for the 3D scenes, via LLMs (2024)."),
            ["diffusion", "model", "3d", "scene", "llm"]
        );
        // Words ending in s that are not plurals keep it.
        assert_eq!(
            terms("class status analysis"),
            ["class", "status", "analysis"]
        );
        assert_eq!(terms("a I x 42 --"), Vec::<String>::new());
    }

    #[test]
    fn korean_and_chinese_are_read_by_character_pairs() {
        assert_eq!(terms("확산모델은"), ["확산", "산모", "모델", "델은"]);
        // The same noun with another particle shares its pairs.
        let a = terms("확산 모델을");
        assert!(
            a.contains(&"확산".to_string()) && a.contains(&"모델".to_string()),
            "{a:?}"
        );
        assert_eq!(terms("LLM으로 학습"), ["llm", "으로", "학습"]);
        assert_eq!(terms("王"), ["王"]);
    }

    #[test]
    fn titles_and_keywords_count_double() {
        let paper = Paper {
            title: "Video diffusion".into(),
            bullets: vec!["Fast video".into()],
            ai_keywords: vec!["sampling".into()],
            ..Default::default()
        };
        let mut got = Vec::new();
        Document::of(&paper).for_each_term(|t, w| got.push((t.to_string(), w)));
        assert_eq!(
            got,
            [
                ("video".to_string(), 2.0),
                ("diffusion".into(), 2.0),
                ("sampling".into(), 2.0),
                ("fast".into(), 1.0),
                ("video".into(), 1.0),
            ]
        );
    }

    #[test]
    fn the_embedding_input_is_one_bounded_text() {
        let paper = Paper {
            title: "  A   title ".into(),
            bullets: vec!["x".repeat(10_000)],
            ai_keywords: vec!["k1".into(), "k2".into()],
            ..Default::default()
        };
        let input = Document::of(&paper).embedding_input();
        assert!(
            input.starts_with("A title\nKeywords: k1, k2\nxxx"),
            "{input:.40}"
        );
        assert_eq!(input.chars().count(), MAX_EMBEDDING_INPUT_CHARS);
        assert_eq!(Document::titled("").embedding_input(), "-");
    }
}
