//! The words paperboy puts around a model's bullets: each bullet's label and the footer that
//! says who wrote them, from the Fluent catalogs (`locales/<lang>/paperboy.ftl`, keys
//! `summary-*`); a language without a catalog gets English words around its summaries.

use super::BulletKind;
use crate::language::Language;

fn lang(code: &str) -> Language {
    Language::parse(code).unwrap_or_else(|_| Language::english())
}

/// A bullet's label in `language`.
pub fn label(kind: BulletKind, language: &str) -> String {
    let key = match kind {
        BulletKind::New => "summary-label-new",
        BulletKind::Method => "summary-label-method",
        BulletKind::Results => "summary-label-results",
        BulletKind::Note => "summary-label-note",
    };
    crate::t!(&lang(language), key)
}

/// The note added to an embed's footer when its bullets were written by `model`.
pub fn machine_note(model: &str, language: &str) -> String {
    crate::t!(&lang(language), "summary-footer", model = model.to_string())
}

/// The language's primary subtag (`pt` of `pt-BR`).
fn primary(language: &str) -> &str {
    language.split('-').next().unwrap_or(language)
}

/// The language's name in English, for the prompt.
pub fn language_name(language: &str) -> String {
    let name = match primary(language) {
        "ko" => "Korean",
        "en" => "English",
        "ja" => "Japanese",
        "zh" => "Chinese",
        "de" => "German",
        "fr" => "French",
        "es" => "Spanish",
        "pt" => "Portuguese",
        "it" => "Italian",
        "ru" => "Russian",
        "vi" => "Vietnamese",
        "id" => "Indonesian",
        "tr" => "Turkish",
        _ => return format!("the language with the code `{language}`"),
    };
    if language.contains('-') {
        format!("{name} ({language})")
    } else {
        name.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn korean_and_english_words_and_an_english_fallback() {
        assert_eq!(label(BulletKind::Results, "ko"), "결과");
        assert_eq!(label(BulletKind::Results, "en"), "Results");
        assert_eq!(label(BulletKind::New, "de"), "What's new");
        assert!(machine_note("gpt-4o-mini", "ko").contains("gpt-4o-mini"));
        assert_eq!(language_name("pt-BR"), "Portuguese (pt-BR)");
    }
}
