//! Which scripts put spaces between words. Keyword matching ([`crate::select::filter`]) and name
//! comparison ([`crate::select::names`]) both need to know, and neither should depend on the other for
//! it: this is the one place the list of script ranges lives, and of the one normalisation
//! ([`normalize`]) that keywords, terms and text all go through.

/// The one normalisation applied to both keywords and text, so they always agree: per-character
/// Unicode lowercase (final sigma folded to σ, which per-character lowercasing would not
/// produce), whitespace runs collapsed to one space, trimmed.
pub fn normalize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        for l in c.to_lowercase() {
            out.push(if l == 'ς' { 'σ' } else { l });
        }
    }
    out
}

/// Scripts written without spaces between words (or, for Korean, with particles glued to the
/// preceding word), where a keyword can only be matched as a substring.
pub fn is_unsegmented_script(c: char) -> bool {
    matches!(c as u32,
        0x0E00..=0x0EFF       // Thai, Lao
        | 0x1000..=0x109F     // Myanmar
        | 0x1100..=0x11FF     // Hangul Jamo
        | 0x1780..=0x17FF     // Khmer
        | 0x2E80..=0x2FDF     // CJK radicals, Kangxi
        | 0x3005..=0x3007     // 々 〆 〇
        | 0x3040..=0x31FF     // kana, Bopomofo, Hangul compatibility Jamo, kana extensions
        | 0x3400..=0x4DBF     // CJK extension A
        | 0x4E00..=0x9FFF     // CJK unified ideographs
        | 0xA960..=0xA97F     // Hangul Jamo extended A
        | 0xAC00..=0xD7FF     // Hangul syllables, Jamo extended B
        | 0xF900..=0xFAFF     // CJK compatibility ideographs
        | 0xFF66..=0xFFDC     // halfwidth kana and Hangul
        | 0x1B000..=0x1B16F   // kana supplement / extended
        | 0x20000..=0x3134F // CJK extensions B..G
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cjk_hangul_and_kana_are_unsegmented_latin_is_not() {
        for c in ['가', '王', 'が', 'ア', 'ก'] {
            assert!(is_unsegmented_script(c), "{c}");
        }
        for c in ['a', 'Z', 'é', 'ж', '1', ' '] {
            assert!(!is_unsegmented_script(c), "{c}");
        }
    }
}
