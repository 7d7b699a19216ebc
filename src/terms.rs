//! What people type to say which papers they want: keywords, phrases, excludes and authors.
//!
//! One parser for channel keywords (`/papers keywords add`) and personal alerts, so the two
//! never drift apart in what a comma, a quote or a `-` means.
//!
//! # Syntax
//! - Commas (`,`, `，`, `、`) or whitespace separate terms; double quotes (`"`, `“`, `”`) keep a
//!   phrase together: `llm, "diffusion model" 확산`.
//! - A leading `-` excludes: `-survey`, `-"red teaming"`.
//! - `author:` (any case) asks for an author: `author:"Tri Dao"`, `author:Dao`, and, because it
//!   is an easy thing to type, `author: "Tri Dao"` with a space after the colon. The name keeps
//!   its case (it is shown back as typed); how names compare is [`crate::names`]'s job.
//! - `-author:"Name"` excludes that author's papers ([`TermKind::ExcludeAuthor`]): `-` negates
//!   any term, so it would be a surprise if it did not negate this one, and the veto is as cheap
//!   to evaluate as an exclude keyword.
//!
//! Keywords are lowercased (matching ignores case anyway, and the store keys on the lowercase
//! word); whitespace runs inside a term collapse to one space. The parser keeps every term in
//! the order typed, repeats included: what a repeat means (an "already there" notice, nothing)
//! is for the caller to say. It never fails; [`validate`] says what is wrong with a term.

/// How an author term is stored among a channel's keywords (`author:name`, lowercased), so the
/// channel's list shows it as typed and an include and an author of the same text never collide.
/// Written by `/papers keywords add`, read back by [`crate::channel::filter_for`].
pub const AUTHOR_PREFIX: &str = "author:";

/// One thing a person typed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Term {
    /// Keywords lowercased, author names as typed; whitespace collapsed, trimmed.
    pub text: String,
    pub kind: TermKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TermKind {
    /// Papers mentioning this word or phrase.
    Include,
    /// Never papers mentioning it.
    Exclude,
    /// Papers by this author.
    Author,
    /// Never papers by this author.
    ExcludeAuthor,
}

impl TermKind {
    pub fn is_author(self) -> bool {
        matches!(self, TermKind::Author | TermKind::ExcludeAuthor)
    }

    pub fn is_exclude(self) -> bool {
        matches!(self, TermKind::Exclude | TermKind::ExcludeAuthor)
    }
}

impl Term {
    pub fn new(kind: TermKind, text: impl Into<String>) -> Term {
        Term {
            text: text.into(),
            kind,
        }
    }
}

impl std::fmt::Display for Term {
    /// The term in the syntax it is typed in, so lists can be pasted back into `add`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let quoted = |f: &mut std::fmt::Formatter<'_>, prefix: &str| {
            if self.text.contains([' ', ',', '，', '、']) {
                write!(f, "{prefix}\"{}\"", self.text)
            } else {
                write!(f, "{prefix}{}", self.text)
            }
        };
        match self.kind {
            TermKind::Include => quoted(f, ""),
            TermKind::Exclude => quoted(f, "-"),
            TermKind::Author => quoted(f, "author:"),
            TermKind::ExcludeAuthor => quoted(f, "-author:"),
        }
    }
}

/// The longest term accepted, in characters: the store's keyword limit
/// ([`crate::store::MAX_KEYWORD_CHARS`]), so a term that validates can always be stored.
pub const MAX_TERM_CHARS: usize = 100;

/// Why a term cannot be used. The messages do not quote the term: the caller shows it, escaped
/// for wherever it is shown.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TermError {
    #[error("`author:` needs a name, e.g. author:\"Tri Dao\"")]
    MissingAuthorName,
    #[error("the term is empty")]
    Empty,
    #[error("the term is longer than {MAX_TERM_CHARS} characters")]
    TooLong,
    #[error("the term has no letters or digits, so it would match nothing useful")]
    NoLetterOrDigit,
}

/// Checks one parsed term: not empty, at most [`MAX_TERM_CHARS`] characters, and at least one
/// letter or digit (a term of punctuation alone would match nearly everything or nothing).
pub fn validate(term: &Term) -> Result<(), TermError> {
    if term.text.trim().is_empty() {
        return Err(if term.kind.is_author() {
            TermError::MissingAuthorName
        } else {
            TermError::Empty
        });
    }
    if term.text.chars().count() > MAX_TERM_CHARS {
        return Err(TermError::TooLong);
    }
    if !term.text.chars().any(char::is_alphanumeric) {
        return Err(TermError::NoLetterOrDigit);
    }
    Ok(())
}

/// Splits what a person typed into terms (see the [module docs](self) for the syntax).
pub fn parse_terms(input: &str) -> Vec<Term> {
    let tokens = tokenize(input);
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let token = &tokens[i];
        i += 1;
        let (exclude, rest) = match token.text.strip_prefix('-') {
            Some(rest) => (true, rest.trim()),
            None => (false, token.text.as_str()),
        };
        if let Some(name) = strip_author_prefix(rest) {
            let mut name = name.trim().to_string();
            // `author: "Tri Dao"`: the name is the next token, unless a comma ended this one.
            if name.is_empty() && !token.comma_after && i < tokens.len() {
                name = tokens[i].text.clone();
                i += 1;
            }
            let kind = if exclude {
                TermKind::ExcludeAuthor
            } else {
                TermKind::Author
            };
            // Kept even when the name is empty, so the caller can say a name is missing rather
            // than silently ignoring the `author:`.
            out.push(Term::new(kind, collapse_whitespace(&name)));
            continue;
        }
        let word = collapse_whitespace(rest.trim_matches('"').trim());
        if !word.is_empty() {
            let kind = if exclude {
                TermKind::Exclude
            } else {
                TermKind::Include
            };
            out.push(Term::new(kind, word.to_lowercase()));
        }
    }
    out
}

struct Token {
    text: String,
    /// A comma (not just whitespace) ended it.
    comma_after: bool,
}

/// The raw pieces between separators, quotes removed, control characters dropped, trimmed; empty
/// pieces are skipped, but a comma after a skipped piece still counts for the piece before.
fn tokenize(input: &str) -> Vec<Token> {
    let mut tokens: Vec<Token> = Vec::new();
    let mut current = String::new();
    let mut in_quotes = false;
    let mut flush = |buf: &mut String, comma: bool| {
        let text = std::mem::take(buf);
        let text = text.trim();
        if text.is_empty() {
            if comma {
                if let Some(last) = tokens.last_mut() {
                    last.comma_after = true;
                }
            }
        } else {
            tokens.push(Token {
                text: text.to_string(),
                comma_after: comma,
            });
        }
    };
    for c in input.chars() {
        match c {
            '"' | '“' | '”' => in_quotes = !in_quotes,
            ',' | '，' | '、' if !in_quotes => flush(&mut current, true),
            c if c.is_whitespace() && !in_quotes => flush(&mut current, false),
            c if c.is_control() => {}
            c => current.push(c),
        }
    }
    flush(&mut current, false);
    tokens
}

/// The rest after a case-insensitive `author:` (or fullwidth `author：`).
fn strip_author_prefix(s: &str) -> Option<&str> {
    const WORD: &str = "author";
    let head = s.get(..WORD.len())?;
    if !head.eq_ignore_ascii_case(WORD) {
        return None;
    }
    let rest = &s[WORD.len()..];
    rest.strip_prefix(':').or_else(|| rest.strip_prefix('：'))
}

fn collapse_whitespace(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use TermKind::*;

    fn terms(input: &str) -> Vec<(TermKind, String)> {
        parse_terms(input)
            .into_iter()
            .map(|t| (t.kind, t.text))
            .collect()
    }

    fn t(kind: TermKind, text: &str) -> (TermKind, String) {
        (kind, text.to_string())
    }

    #[test]
    fn keywords_split_on_commas_and_spaces_with_quoted_phrases() {
        assert_eq!(
            terms("LLM, \"Diffusion  Model\" 확산 -survey,,-\"red teaming\""),
            vec![
                t(Include, "llm"),
                t(Include, "diffusion model"),
                t(Include, "확산"),
                t(Exclude, "survey"),
                t(Exclude, "red teaming"),
            ]
        );
        assert_eq!(
            terms("“vision transformer”，agents、rag"),
            vec![
                t(Include, "vision transformer"),
                t(Include, "agents"),
                t(Include, "rag")
            ]
        );
        assert!(terms("  , ,- \"\" ").is_empty());
        assert_eq!(terms("llm llm"), vec![t(Include, "llm"), t(Include, "llm")]);
    }

    #[test]
    fn author_terms_keep_case_and_collapse_whitespace() {
        assert_eq!(
            terms("author:\"Tri  Dao\" AUTHOR:Dao Author:\"Juan Carlos Niebles\""),
            vec![
                t(Author, "Tri Dao"),
                t(Author, "Dao"),
                t(Author, "Juan Carlos Niebles")
            ]
        );
        assert_eq!(terms("author：王小明"), vec![t(Author, "王小明")]);
        assert_eq!(
            terms("\"author:Tri Dao\", llm"),
            vec![t(Author, "Tri Dao"), t(Include, "llm")]
        );
    }

    #[test]
    fn author_with_a_space_after_the_colon_takes_the_next_piece() {
        assert_eq!(
            terms("author: \"Tri Dao\" llm"),
            vec![t(Author, "Tri Dao"), t(Include, "llm")]
        );
        assert_eq!(terms("author:   Dao"), vec![t(Author, "Dao")]);
        // A comma closes the term: the name is missing rather than the next keyword.
        assert_eq!(
            terms("author:, llm"),
            vec![t(Author, ""), t(Include, "llm")]
        );
        assert_eq!(terms("llm author:"), vec![t(Include, "llm"), t(Author, "")]);
    }

    #[test]
    fn minus_author_excludes_that_author() {
        assert_eq!(
            terms("-author:\"Tri Dao\" -Author: Smith diffusion"),
            vec![
                t(ExcludeAuthor, "Tri Dao"),
                t(ExcludeAuthor, "Smith"),
                t(Include, "diffusion")
            ]
        );
    }

    #[test]
    fn words_that_only_start_like_the_prefix_are_keywords() {
        assert_eq!(
            terms("authorship authors: author"),
            vec![
                t(Include, "authorship"),
                t(Include, "authors:"),
                t(Include, "author")
            ]
        );
    }

    #[test]
    fn validate_rejects_empty_long_and_letterless_terms() {
        assert_eq!(validate(&Term::new(Include, "llm")), Ok(()));
        assert_eq!(validate(&Term::new(Author, "王小明")), Ok(()));
        assert_eq!(
            validate(&Term::new(Author, "")),
            Err(TermError::MissingAuthorName)
        );
        assert_eq!(
            validate(&Term::new(ExcludeAuthor, " ")),
            Err(TermError::MissingAuthorName)
        );
        assert_eq!(validate(&Term::new(Include, "")), Err(TermError::Empty));
        assert_eq!(
            validate(&Term::new(Include, "a".repeat(101))),
            Err(TermError::TooLong)
        );
        // Characters, not bytes.
        assert_eq!(validate(&Term::new(Include, "가".repeat(100))), Ok(()));
        assert_eq!(
            validate(&Term::new(Exclude, "++")),
            Err(TermError::NoLetterOrDigit)
        );
        assert_eq!(
            validate(&Term::new(Author, "+")),
            Err(TermError::NoLetterOrDigit)
        );
        assert_eq!(MAX_TERM_CHARS, crate::store::MAX_KEYWORD_CHARS);
    }

    #[test]
    fn display_is_the_typed_syntax() {
        let shown: Vec<String> =
            parse_terms("llm -survey author:\"Tri Dao\" -author:Smith \"a b\"")
                .iter()
                .map(Term::to_string)
                .collect();
        assert_eq!(
            shown,
            [
                "llm",
                "-survey",
                "author:\"Tri Dao\"",
                "-author:Smith",
                "\"a b\""
            ]
        );
    }

    proptest! {
        /// Whatever is typed, every term comes out trimmed and collapsed, keywords lowercase, and
        /// showing the terms and parsing them again gives them back.
        #[test]
        fn terms_are_normalised_and_round_trip(
            input in "[a-zA-Z가-힣 ,，\"\\-:]{0,40}|(author:|-author:|-)?\"?[A-Za-z ,]{0,12}\"?",
        ) {
            let parsed = parse_terms(&input);
            for term in &parsed {
                prop_assert_eq!(term.text.trim(), term.text.as_str());
                prop_assert!(!term.text.contains("  "));
                if !term.kind.is_author() {
                    prop_assert_eq!(term.text.to_lowercase(), term.text.clone());
                    prop_assert!(!term.text.is_empty());
                }
            }
            let shown: Vec<String> = parsed
                .iter()
                .filter(|t| validate(t).is_ok())
                .map(Term::to_string)
                .collect();
            let again = parse_terms(&shown.join(", "));
            let kept: Vec<Term> = parsed
                .into_iter()
                .filter(|t| validate(t).is_ok())
                .collect();
            prop_assert_eq!(again, kept);
        }
    }
}
