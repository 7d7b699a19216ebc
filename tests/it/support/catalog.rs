//! The message catalogs as the end-to-end suites check replies against them: the English
//! catalog's sentences, so a test can prove that a reply meant for a Korean reader has none of
//! them (text that bypassed the catalog, or a lookup that fell back to English).

use std::path::Path;
use std::sync::OnceLock;

use fluent_syntax::ast::{Entry, Pattern, PatternElement};

/// The literal text of a pattern, cut at its placeables.
fn literal_runs(pattern: &Pattern<&str>, out: &mut Vec<String>) {
    let mut run = String::new();
    for element in &pattern.elements {
        match element {
            PatternElement::TextElement { value } => run.push_str(value),
            PatternElement::Placeable { .. } => out.push(std::mem::take(&mut run)),
        }
    }
    out.push(run);
}

/// Every message's literal text, by language directory (`locales/<lang>/*.ftl`), values and
/// select variants alike.
fn runs_of(lang: &str) -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("locales")
        .join(lang);
    let mut out = Vec::new();
    for file in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = file.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("ftl") {
            continue;
        }
        let source = std::fs::read_to_string(&path).unwrap();
        let resource = fluent_syntax::parser::parse(source.as_str())
            .unwrap_or_else(|(_, e)| panic!("{}: {e:?}", path.display()));
        for entry in resource.body {
            let Entry::Message(m) = entry else { continue };
            // Command names and descriptions are shown by Discord, not sent by the bot.
            if m.id.name.starts_with("cmd-") {
                continue;
            }
            let Some(value) = m.value else { continue };
            literal_runs(&value, &mut out);
            for element in &value.elements {
                if let PatternElement::Placeable {
                    expression: fluent_syntax::ast::Expression::Select { variants, .. },
                } = element
                {
                    for v in variants {
                        literal_runs(&v.value, &mut out);
                    }
                }
            }
        }
    }
    out
}

/// The English catalog's sentences: its literal text split into clauses at punctuation, those
/// of at least three English words, and none that the Korean catalog also has (examples such as
/// `"speculative decoding"` are the same in both).
pub fn english_sentences() -> &'static [String] {
    static SENTENCES: OnceLock<Vec<String>> = OnceLock::new();
    SENTENCES.get_or_init(|| {
        let korean = runs_of("ko").join("\n");
        let mut out: Vec<String> = runs_of("en")
            .iter()
            .flat_map(|run| {
                run.split(['.', ':', ';', '!', '?', '(', ')', '`', '—', '\n', '"', '·'])
                    .map(str::trim)
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            })
            .filter(|clause| {
                clause
                    .split_whitespace()
                    .filter(|w| w.chars().all(|c| c.is_ascii_alphabetic() || c == '\''))
                    .count()
                    >= 3
            })
            .filter(|clause| !korean.contains(clause.as_str()))
            .collect();
        out.sort();
        out.dedup();
        assert!(
            out.len() > 100,
            "the English catalog has too few sentences: {out:?}"
        );
        out
    })
}

/// Fails when `text` (a reply or post meant for a Korean reader) holds an English sentence of
/// the catalog.
pub fn assert_no_english(text: &str) {
    for sentence in english_sentences() {
        assert!(
            !text.contains(sentence.as_str()),
            "English catalog text {sentence:?} in a Korean reply:\n{text}"
        );
    }
}

/// Every text a command answer's JSON holds (content, embed titles, descriptions, fields,
/// footers), for [`assert_no_english`].
pub fn texts(value: &serde_json::Value) -> String {
    let mut out = String::new();
    collect(value, &mut out);
    out
}

fn collect(value: &serde_json::Value, out: &mut String) {
    match value {
        serde_json::Value::String(s) => {
            out.push_str(s);
            out.push('\n');
        }
        serde_json::Value::Array(a) => a.iter().for_each(|v| collect(v, out)),
        serde_json::Value::Object(o) => {
            for (k, v) in o {
                // Ids, tokens and URLs are not text anyone reads.
                if !matches!(k.as_str(), "url" | "id" | "token" | "nonce" | "thumbnail") {
                    collect(v, out);
                }
            }
        }
        _ => {}
    }
}
