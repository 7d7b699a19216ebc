//! Whether a model's answer is usable, pure. The answer is untrusted text: it must be the JSON
//! asked for, with 2 to 4 bullets of sensible length, each kind at most once and "new" among
//! them, in the language asked for as far as its script shows; URLs are taken out (a bullet
//! cannot add a link to a post). Markdown and mentions are neutralised later, by the renderer,
//! as for every digest text.

use serde_json::Value;

use super::{Bullet, BulletKind};

pub const MIN_BULLETS: usize = 2;
pub const MAX_BULLETS: usize = 4;
/// What the prompt asks for per bullet: a card packed six to a message has room for about
/// [`crate::render::CARD_BULLET_CHARS`] characters of bullets in all, so three bullets of this
/// length fit whole. Answers up to [`HARD_MAX_BULLET_CHARS`] are still taken (the card then
/// leaves the method and the note out first).
pub const MAX_BULLET_CHARS: usize = 180;
pub const HARD_MAX_BULLET_CHARS: usize = 600;
pub const MIN_BULLET_CHARS: usize = 12;

/// Why an answer was not taken; said in the retry's prompt and in the log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Invalid {
    #[error("the answer is not JSON: {0}")]
    NotJson(String),
    #[error("the answer has no `bullets` list")]
    NoBullets,
    #[error("{0} bullets; {MIN_BULLETS} to {MAX_BULLETS} are needed")]
    Count(usize),
    #[error("a bullet has an unknown kind `{0}`")]
    Kind(String),
    #[error("two bullets of kind `{0}`")]
    Repeated(&'static str),
    #[error("no bullet of kind `new`")]
    NoNew,
    #[error("a bullet is {0} characters; {MIN_BULLET_CHARS} to {MAX_BULLET_CHARS} are needed")]
    Length(usize),
    #[error("the bullets are not in the language asked for ({0})")]
    Language(String),
}

/// The bullets of `content`, in our order (new, method, results, note), or why not.
pub fn parse_answer(content: &str, language: &str) -> Result<Vec<Bullet>, Invalid> {
    let json = crate::model::answer::json_text(content);
    let value: Value = serde_json::from_str(json).map_err(|e| Invalid::NotJson(e.to_string()))?;
    let list = value
        .get("bullets")
        .and_then(Value::as_array)
        .ok_or(Invalid::NoBullets)?;
    if !(MIN_BULLETS..=MAX_BULLETS).contains(&list.len()) {
        return Err(Invalid::Count(list.len()));
    }
    let mut bullets: Vec<Bullet> = Vec::with_capacity(list.len());
    for item in list {
        let kind_text = item.get("kind").and_then(Value::as_str).unwrap_or_default();
        let kind =
            BulletKind::parse(kind_text.trim()).ok_or_else(|| Invalid::Kind(kind_text.into()))?;
        if bullets.iter().any(|b| b.kind == kind) {
            return Err(Invalid::Repeated(kind.as_str()));
        }
        let text = clean(item.get("text").and_then(Value::as_str).unwrap_or_default());
        let n = text.chars().count();
        if !(MIN_BULLET_CHARS..=HARD_MAX_BULLET_CHARS).contains(&n) {
            return Err(Invalid::Length(n));
        }
        bullets.push(Bullet { kind, text });
    }
    if !bullets.iter().any(|b| b.kind == BulletKind::New) {
        return Err(Invalid::NoNew);
    }
    let all: String = bullets
        .iter()
        .map(|b| b.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    if let Some(why) = implausible(&all, language) {
        return Err(Invalid::Language(why));
    }
    bullets.sort_by_key(|b| b.kind);
    Ok(bullets)
}

/// One line: control characters dropped, whitespace collapsed, a leading list marker removed,
/// and every URL-like word taken out.
fn clean(text: &str) -> String {
    let words: Vec<&str> = text
        .split_whitespace()
        .filter(|w| {
            let l = w.to_ascii_lowercase();
            !(l.contains("://")
                || l.starts_with("www.")
                || l.contains("](")
                || l.starts_with("<http"))
        })
        .collect();
    let mut line: String = words
        .join(" ")
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    while let Some(rest) = line
        .strip_prefix('-')
        .or_else(|| line.strip_prefix('•'))
        .or_else(|| line.strip_prefix('*'))
    {
        line = rest.trim_start().to_string();
    }
    line
}

fn is_hangul(c: char) -> bool {
    matches!(c, '\u{AC00}'..='\u{D7A3}' | '\u{1100}'..='\u{11FF}' | '\u{3130}'..='\u{318F}')
}

fn is_kana(c: char) -> bool {
    matches!(c, '\u{3040}'..='\u{30FF}')
}

fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}')
}

/// Whether `text` plausibly is in `language`, judged by its script: for Korean at least 30 %
/// of its letters Hangul (English terms in parentheses are asked for), for Japanese some kana,
/// for Chinese mostly Han, for a Latin-script language hardly any Hangul, kana or Han. `None`
/// when plausible, else what was seen. Languages of other scripts are taken on trust.
pub fn implausible(text: &str, language: &str) -> Option<String> {
    let letters: Vec<char> = text.chars().filter(|c| c.is_alphabetic()).collect();
    if letters.is_empty() {
        return Some("no letters".into());
    }
    let share = |f: fn(char) -> bool| {
        letters.iter().filter(|c| f(**c)).count() as f64 / letters.len() as f64
    };
    let hangul = share(is_hangul);
    let kana = share(is_kana);
    let han = share(is_han);
    let latin = share(|c| c.is_ascii_alphabetic() || ('\u{00C0}'..='\u{024F}').contains(&c));
    let primary = language.split('-').next().unwrap_or(language);
    let ok = match primary {
        "ko" => hangul >= 0.3,
        "ja" => kana >= 0.05 && hangul < 0.05,
        "zh" => han >= 0.3 && kana < 0.02 && hangul < 0.02,
        "en" | "de" | "fr" | "es" | "pt" | "it" | "nl" | "vi" | "id" | "tr" | "pl" | "sv" => {
            latin >= 0.6 && hangul + kana + han < 0.05
        }
        _ => true,
    };
    (!ok).then(|| {
        format!(
            "{:.0}% Hangul, {:.0}% kana, {:.0}% Han, {:.0}% Latin letters",
            hangul * 100.0,
            kana * 100.0,
            han * 100.0,
            latin * 100.0
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const KO: &str = r#"{"bullets": [
        {"kind": "results", "text": "ImageNet에서 FID 2.1을 기록하며 기존 모델 대비 30% 빠릅니다."},
        {"kind": "new", "text": "작은 확산 모델(diffusion model)로 고해상도 이미지를 생성합니다."},
        {"kind": "method", "text": "잠재 공간(latent space)에서 단계 수를 줄인 증류(distillation)를 씁니다."}
    ]}"#;

    #[test]
    fn a_good_answer_gives_bullets_in_our_order() {
        let b = parse_answer(KO, "ko").unwrap();
        let kinds: Vec<BulletKind> = b.iter().map(|b| b.kind).collect();
        assert_eq!(
            kinds,
            [BulletKind::New, BulletKind::Method, BulletKind::Results]
        );
        // A fenced answer is the same answer, and so is one with words around it.
        assert_eq!(
            parse_answer(&format!("```json\n{KO}\n```"), "ko").unwrap(),
            b
        );
        assert_eq!(
            parse_answer(&format!("Here is the summary:\n```json\n{KO}\n```"), "ko").unwrap(),
            b
        );
    }

    #[test]
    fn wrong_shapes_are_refused_with_why() {
        assert!(matches!(
            parse_answer("not json", "ko"),
            Err(Invalid::NotJson(_))
        ));
        assert_eq!(
            parse_answer(r#"{"text": "x"}"#, "ko"),
            Err(Invalid::NoBullets)
        );
        assert_eq!(
            parse_answer(
                r#"{"bullets": [{"kind": "new", "text": "새로운 방법을 제안합니다 정말로"}]}"#,
                "ko"
            ),
            Err(Invalid::Count(1))
        );
        assert_eq!(
            parse_answer(
                r#"{"bullets": [{"kind": "method", "text": "새로운 방법을 제안합니다 정말로"}, {"kind": "results", "text": "성능이 10% 향상되었습니다 정말로"}]}"#,
                "ko"
            ),
            Err(Invalid::NoNew)
        );
        assert_eq!(
            parse_answer(
                r#"{"bullets": [{"kind": "new", "text": "새로운 방법을 제안합니다 정말로"}, {"kind": "new", "text": "성능이 10% 향상되었습니다 정말로"}]}"#,
                "ko"
            ),
            Err(Invalid::Repeated("new"))
        );
        assert!(matches!(
            parse_answer(
                r#"{"bullets": [{"kind": "new", "text": "짧음"}, {"kind": "results", "text": "성능이 10% 향상되었습니다 정말로"}]}"#,
                "ko"
            ),
            Err(Invalid::Length(2))
        ));
    }

    #[test]
    fn the_language_must_be_plausible() {
        let en = r#"{"bullets": [{"kind": "new", "text": "A tiny diffusion model (TDM) for images."}, {"kind": "results", "text": "FID 2.1 on ImageNet, 30% faster."}]}"#;
        assert!(matches!(parse_answer(en, "ko"), Err(Invalid::Language(_))));
        assert!(parse_answer(en, "en").is_ok());
        assert!(matches!(parse_answer(KO, "en"), Err(Invalid::Language(_))));
        // Korean with English terms in parentheses is still Korean.
        assert!(implausible("확산 모델(diffusion model)을 작게 만들었습니다", "ko").is_none());
        assert!(implausible("Some text", "sw").is_none());
    }

    #[test]
    fn urls_and_list_markers_are_taken_out() {
        let a = r#"{"bullets": [{"kind": "new", "text": "- Visit https://evil.example now [x](http://e) for a new model"}, {"kind": "results", "text": "It scores 90% on MMLU, www.evil.example says"}]}"#;
        let b = parse_answer(a, "en").unwrap();
        assert_eq!(b[0].text, "Visit now for a new model");
        assert_eq!(b[1].text, "It scores 90% on MMLU, says");
    }
}
