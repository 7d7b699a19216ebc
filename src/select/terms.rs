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
//!   its case (it is shown back as typed); how names compare is [`crate::select::names`]'s job.
//! - `-author:"Name"` excludes that author's papers ([`TermKind::ExcludeAuthor`]): `-` negates
//!   any term, so it would be a surprise if it did not negate this one, and the veto is as cheap
//!   to evaluate as an exclude keyword.
//! - `has:code` asks for papers with a code repository, `org:NAME` (`org:huggingface`,
//!   `org:"Hugging Face"`) for papers submitted by that organisation on Hugging Face, by its
//!   account name or its display name, ignoring case ([`Facet`]). Both take a `-` like any term
//!   (`-has:code`); `org: "Name"` with a space after the colon works as for `author:`. Only
//!   `code` follows `has:`: anything else is an error from [`validate`].
//!
//! Keywords are lowercased (matching ignores case anyway, and the store keys on the lowercase
//! word); whitespace runs inside a term collapse to one space. The parser keeps every term in
//! the order typed, repeats included: what a repeat means (an "already there" notice, nothing)
//! is for the caller to say. It never fails; [`validate`] says what is wrong with a term.

/// How an author term is stored among a channel's keywords (`author:name`, lowercased), so the
/// channel's list shows it as typed and an include and an author of the same text never collide.
/// Written by `/papers keywords add`, read back by [`crate::deliver::settings::filter_for`].
pub const AUTHOR_PREFIX: &str = "author:";
/// How `org:` and `has:` terms are written, and stored among a channel's keywords and a
/// person's alert terms (the term's text begins with its prefix).
pub const ORG_PREFIX: &str = "org:";
pub const HAS_PREFIX: &str = "has:";
/// The one thing `has:` knows.
pub const HAS_CODE: &str = "has:code";

/// What a `has:` or `org:` term asks of a paper: facts Hugging Face's list gives about it, not
/// words in its text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Facet {
    /// `has:code`: the paper has a code repository.
    HasCode,
    /// `org:NAME`: submitted by this organisation, the name normalised (lowercase, whitespace
    /// collapsed) as [`Facet::key`] and paper facets compare it.
    Org(String),
}

impl Facet {
    /// The facet a term's text (`has:code`, `org:Name`) stands for; `None` when it is not a
    /// facet term or asks for something unknown (`has:wings`) or nothing (`org:`).
    pub fn of(text: &str) -> Option<Facet> {
        if let Some(rest) = strip_prefix_ci(text, "has") {
            return rest
                .trim()
                .eq_ignore_ascii_case("code")
                .then_some(Facet::HasCode);
        }
        let name = crate::select::script::normalize(strip_prefix_ci(text, "org")?);
        (name.chars().any(char::is_alphanumeric)).then_some(Facet::Org(name))
    }

    /// The key a paper's facets are compared by: `has:code`, `org:<normalised name>`.
    pub fn key(&self) -> String {
        match self {
            Facet::HasCode => HAS_CODE.to_string(),
            Facet::Org(name) => format!("{ORG_PREFIX}{name}"),
        }
    }
}

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
    /// Papers with this fact (`has:code`, `org:NAME`); the text is the term as written,
    /// prefix included.
    Facet,
    /// Never papers with this fact.
    ExcludeFacet,
}

impl TermKind {
    pub fn is_author(self) -> bool {
        matches!(self, TermKind::Author | TermKind::ExcludeAuthor)
    }

    pub fn is_facet(self) -> bool {
        matches!(self, TermKind::Facet | TermKind::ExcludeFacet)
    }

    pub fn is_exclude(self) -> bool {
        matches!(
            self,
            TermKind::Exclude | TermKind::ExcludeAuthor | TermKind::ExcludeFacet
        )
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
            TermKind::Facet | TermKind::ExcludeFacet => {
                let minus = if self.kind == TermKind::ExcludeFacet {
                    "-"
                } else {
                    ""
                };
                match self.text.split_once(':') {
                    Some((prefix, value)) if value.contains([' ', ',', '，', '、']) => {
                        write!(f, "{minus}{prefix}:\"{value}\"")
                    }
                    _ => write!(f, "{minus}{}", self.text),
                }
            }
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
    #[error("`has:` knows only `has:code` (papers with a code repository)")]
    UnknownHas,
    #[error("`org:` needs an organisation, e.g. org:huggingface or org:\"Hugging Face\"")]
    MissingOrgName,
}

/// Checks one parsed term: not empty, at most [`MAX_TERM_CHARS`] characters, and at least one
/// letter or digit (a term of punctuation alone would match nearly everything or nothing).
pub fn validate(term: &Term) -> Result<(), TermError> {
    if term.kind.is_facet() {
        if term.text.chars().count() > MAX_TERM_CHARS {
            return Err(TermError::TooLong);
        }
        return match Facet::of(&term.text) {
            Some(_) => Ok(()),
            None if strip_prefix_ci(&term.text, "has").is_some() => Err(TermError::UnknownHas),
            None if strip_prefix_ci(&term.text, "org").is_some_and(|n| n.trim().is_empty()) => {
                Err(TermError::MissingOrgName)
            }
            None => Err(TermError::NoLetterOrDigit),
        };
    }
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
        if let Some(value) = strip_prefix_ci(rest, "has") {
            let kind = if exclude {
                TermKind::ExcludeFacet
            } else {
                TermKind::Facet
            };
            let value = collapse_whitespace(value).to_lowercase();
            out.push(Term::new(kind, format!("{HAS_PREFIX}{value}")));
            continue;
        }
        if let Some(name) = strip_prefix_ci(rest, "org") {
            let mut name = name.trim().to_string();
            // `org: "Hugging Face"`, as for `author:`.
            if name.is_empty() && !token.comma_after && i < tokens.len() {
                name = tokens[i].text.clone();
                i += 1;
            }
            let kind = if exclude {
                TermKind::ExcludeFacet
            } else {
                TermKind::Facet
            };
            out.push(Term::new(
                kind,
                format!("{ORG_PREFIX}{}", collapse_whitespace(&name)),
            ));
            continue;
        }
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
    strip_prefix_ci(s, "author")
}

/// The rest after a case-insensitive `word:` (or fullwidth `word：`).
fn strip_prefix_ci<'s>(s: &'s str, word: &str) -> Option<&'s str> {
    let head = s.get(..word.len())?;
    if !head.eq_ignore_ascii_case(word) {
        return None;
    }
    let rest = &s[word.len()..];
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
    fn has_code_and_org_terms_parse_with_or_without_a_minus() {
        assert_eq!(
            terms("has:code, HAS:Code -has:code org:huggingface -org:\"Meta AI\" org: \"Hugging  Face\" llm"),
            vec![
                t(Facet, "has:code"),
                t(Facet, "has:code"),
                t(ExcludeFacet, "has:code"),
                t(Facet, "org:huggingface"),
                t(ExcludeFacet, "org:Meta AI"),
                t(Facet, "org:Hugging Face"),
                t(Include, "llm"),
            ]
        );
        assert_eq!(
            terms("org:, llm"),
            vec![t(Facet, "org:"), t(Include, "llm")]
        );
        assert_eq!(terms("has:wings"), vec![t(Facet, "has:wings")]);
        // Words that only start like a prefix stay keywords.
        assert_eq!(
            terms("organic hash:code"),
            vec![t(Include, "organic"), t(Include, "hash:code")]
        );
        assert_eq!(super::Facet::of("has:code"), Some(super::Facet::HasCode));
        assert_eq!(
            super::Facet::of("org:Hugging  Face"),
            Some(super::Facet::Org("hugging face".into()))
        );
        assert_eq!(
            super::Facet::of("org:Hugging Face").unwrap().key(),
            "org:hugging face"
        );
        assert_eq!(super::Facet::of("llm"), None);
    }

    #[test]
    fn bad_facet_terms_have_clear_errors() {
        assert_eq!(validate(&Term::new(Facet, "has:code")), Ok(()));
        assert_eq!(validate(&Term::new(ExcludeFacet, "org:Meta AI")), Ok(()));
        assert_eq!(
            validate(&Term::new(Facet, "has:wings")),
            Err(TermError::UnknownHas)
        );
        assert_eq!(
            validate(&Term::new(Facet, "has:")),
            Err(TermError::UnknownHas)
        );
        assert_eq!(
            validate(&Term::new(Facet, "org:")),
            Err(TermError::MissingOrgName)
        );
        assert_eq!(
            validate(&Term::new(Facet, "org:++")),
            Err(TermError::NoLetterOrDigit)
        );
        assert_eq!(
            validate(&Term::new(Facet, format!("org:{}", "a".repeat(100)))),
            Err(TermError::TooLong)
        );
        assert!(TermError::UnknownHas.to_string().contains("has:code"));
        assert!(TermError::MissingOrgName
            .to_string()
            .contains("org:huggingface"));
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
        let shown: Vec<String> = parse_terms(
            "llm -survey author:\"Tri Dao\" -author:Smith \"a b\" has:code -org:\"Meta AI\"",
        )
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
                "\"a b\"",
                "has:code",
                "-org:\"Meta AI\""
            ]
        );
    }

    proptest! {
        /// Whatever is typed, every term comes out trimmed and collapsed, keywords lowercase, and
        /// showing the terms and parsing them again gives them back.
        #[test]
        fn terms_are_normalised_and_round_trip(
            input in "[a-zA-Z가-힣 ,，\"\\-:]{0,40}|(author:|-author:|org:|-org:|has:|-)?\"?[A-Za-z ,]{0,12}\"?",
        ) {
            let parsed = parse_terms(&input);
            for term in &parsed {
                prop_assert_eq!(term.text.trim(), term.text.as_str());
                prop_assert!(!term.text.contains("  "));
                if !term.kind.is_author() && !term.kind.is_facet() {
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
