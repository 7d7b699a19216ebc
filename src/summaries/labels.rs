//! The words paperboy puts around a model's bullets: each bullet's label and the footer that
//! says who wrote them. Kept here, in one place, so they move into the Fluent catalogs
//! (`locales/<lang>/`) in one step; a language without its own words gets English ones.

use super::BulletKind;

/// A bullet's label in `language`.
pub fn label(kind: BulletKind, language: &str) -> &'static str {
    match (primary(language), kind) {
        ("ko", BulletKind::New) => "새로운 점",
        ("ko", BulletKind::Method) => "방법",
        ("ko", BulletKind::Results) => "결과",
        ("ko", BulletKind::Note) => "참고",
        (_, BulletKind::New) => "What's new",
        (_, BulletKind::Method) => "How it works",
        (_, BulletKind::Results) => "Results",
        (_, BulletKind::Note) => "Note",
    }
}

/// The note added to an embed's footer when its bullets were written by `model`.
pub fn machine_note(model: &str, language: &str) -> String {
    match primary(language) {
        "ko" => format!("🤖 요약: {model} (기계 작성)"),
        _ => format!("🤖 bullets machine-written by {model}"),
    }
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
