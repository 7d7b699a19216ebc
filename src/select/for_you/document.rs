//! A paper as the text similarity reads: its title, the digest's text about it (the Korean
//! digest's summary, or Hugging Face's AI summary, else the abstract's first sentences) and
//! Hugging Face's AI keywords, broken into weighted terms.
//!
//! Why terms look as they do: titles and AI keywords say what a paper is about more densely
//! than a summary, so their words count double. Latin-script words are matched whole, after
//! the one normalisation every matcher uses
//! ([`normalize`](crate::select::script::normalize)), with a light plural fold
//! ("models" = "model") and function words dropped; Korean, Chinese and Japanese are matched
//! by character pairs, which finds "확산모델은" and "확산 모델을" alike without a dictionary.

use crate::select::script::is_unsegmented_script;
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
    pub fn for_each_term(&self, mut f: impl FnMut(Term<'_>, f32)) {
        let mut word = String::new();
        terms_of(self.title, TITLE_WEIGHT, &mut word, &mut f);
        for k in self.keywords {
            terms_of(k, KEYWORD_WEIGHT, &mut word, &mut f);
        }
        for t in self.text {
            terms_of(t, TEXT_WEIGHT, &mut word, &mut f);
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

/// One term: a Latin-script word, or one or two characters of a script without spaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Term<'a> {
    Word(&'a str),
    Chars(char, Option<char>),
}

impl Term<'_> {
    /// The term as a number, the same for the same term in any document: pairs of characters
    /// exactly (a code point is 21 bits), words by a 63-bit hash with the top bit set, so the
    /// two never meet and two words share a key about once in 10^18.
    pub fn key(self) -> u64 {
        match self {
            Term::Chars(a, b) => {
                (u64::from(a as u32) << 21) | b.map_or(0x1F_FFFF, |b| u64::from(b as u32))
            }
            Term::Word(w) => {
                use std::hash::{BuildHasher, BuildHasherDefault};
                BuildHasherDefault::<rustc_hash::FxHasher>::default().hash_one(w) | (1 << 63)
            }
        }
    }
}

impl std::fmt::Display for Term<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Term::Word(w) => f.write_str(w),
            Term::Chars(a, None) => write!(f, "{a}"),
            Term::Chars(a, Some(b)) => write!(f, "{a}{b}"),
        }
    }
}

/// The terms of one text (see the module docs), each with `weight`; `word` is scratch space.
///
/// This is [`normalize`](crate::select::script::normalize) and a split into words and character runs in one pass, without
/// building the normalised text: thousands of papers are read each day, and most of their
/// characters need no more than an ASCII lowercase (or none: Hangul and CJK have no case).
fn terms_of(text: &str, weight: f32, word: &mut String, f: &mut impl FnMut(Term<'_>, f32)) {
    // The last character of a run of an unsegmented script, and whether it stood alone so far.
    let mut run: Option<(char, bool)> = None;
    let end_run = |run: &mut Option<(char, bool)>, f: &mut dyn FnMut(Term<'_>, f32)| {
        if let Some((c, true)) = run.take() {
            f(Term::Chars(c, None), weight);
        }
    };
    let end_word = |word: &mut String, f: &mut dyn FnMut(Term<'_>, f32)| {
        if !word.is_empty() {
            if let Some(term) = latin_term(word) {
                f(Term::Word(term), weight);
            }
            word.clear();
        }
    };
    word.clear();
    for c in text.chars() {
        if c.is_ascii() {
            if c.is_ascii_alphanumeric() {
                end_run(&mut run, f);
                word.push(c.to_ascii_lowercase());
            } else {
                end_word(word, f);
                end_run(&mut run, f);
            }
        } else if is_unsegmented_script(c) {
            end_word(word, f);
            run = Some(match run {
                Some((prev, _)) => {
                    f(Term::Chars(prev, Some(c)), weight);
                    (c, false)
                }
                None => (c, true),
            });
        } else if c.is_alphanumeric() {
            end_run(&mut run, f);
            // As `normalize` lowercases: per character, final sigma folded.
            for l in c.to_lowercase() {
                if l.is_alphanumeric() {
                    word.push(if l == 'ς' { 'σ' } else { l });
                } else {
                    end_word(word, f);
                }
            }
        } else {
            end_word(word, f);
            end_run(&mut run, f);
        }
    }
    end_word(word, f);
    end_run(&mut run, f);
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
        terms_of(text, 1.0, &mut String::new(), &mut |t: Term<'_>, _| {
            out.push(t.to_string())
        });
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

    proptest::proptest! {
        /// Reading a text is reading its normalised form: the one normalisation holds.
        #[test]
        fn terms_are_those_of_the_normalised_text(text in "[a-zA-Z0-9 İıΣσςé가-힣王.,-]{0,40}") {
            let normalised = crate::select::script::normalize(&text);
            proptest::prop_assert_eq!(terms(&text), terms(&normalised));
        }
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
        // The same term has the same key wherever it is; words and pairs never share one.
        let key = |t: &str| {
            let mut k = Vec::new();
            terms_of(t, 1.0, &mut String::new(), &mut |t: Term<'_>, _| {
                k.push(t.key())
            });
            k
        };
        assert_eq!(key("Video"), key("videos"));
        assert_ne!(key("video"), key("model"));
        assert_eq!(key("확산"), vec![Term::Chars('확', Some('산')).key()]);
        assert_ne!(
            Term::Chars('확', None).key(),
            Term::Chars('확', Some('산')).key()
        );
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
