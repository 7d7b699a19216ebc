//! Whether an `author:` term names one of a paper's authors.
//!
//! Digests spell the same person in different ways (`Gaël` and `Gael`, `Hakkani-Tür`,
//! `Dao, Tri`), and people type names the way they remember them, so names are compared on a
//! normalised form, [`NameKey`], computed once per name: once per term when an index is built,
//! once per author of a day.
//!
//! # Rules
//! - A term matches a whole author name, never part of one: `Li` does not match `Xin Li Wang`,
//!   and a family name alone does not match anybody but an author listed by that one name.
//!   Matching parts would flood people who follow a `Wang` or a `Li` with every paper by any of
//!   thousands of namesakes.
//! - Case is ignored (Unicode lowercase) and so are accents: the name is decomposed (NFKD) and
//!   the combining diacritics Latin, Greek and Cyrillic accents decompose into are dropped, so
//!   `Gaël` = `Gael`, `Jiří` = `Jiri`, `Đuc`… Only those marks: kana voicing marks and Indic
//!   vowel signs are combining marks too, but dropping them would change the name, not its
//!   accent (が would become か).
//! - Latin letters that do not decompose are folded the way they are usually transliterated:
//!   `ł`→`l`, `ø`→`o`, `đ`/`ð`→`d`, `ħ`→`h`, `ŧ`→`t`, `ı`→`i`, `ß`→`ss`, `æ`→`ae`, `œ`→`oe`,
//!   `þ`→`th`, so `Łukasz` = `Lukasz` and `Søren` = `Soren`.
//! - A name is a sequence of words. Whitespace, `.`, `,` and any other punctuation separate
//!   words (`Y.X. Wei` = `Y. X. Wei`); hyphens and apostrophes join (`Hakkani-Tür` =
//!   `HakkaniTür`, `O'Brien` = `OBrien`, `Bo-Wen` = `Bowen`). A space between two characters of
//!   a script written without spaces (Hangul, CJK, kana…) is dropped, so `김 민수` = `김민수`;
//!   such names are otherwise compared as written (`王小明`), never split or reordered.
//! - Word order is ignored as far as a rotation goes: `Dao Tri` and `Dao, Tri` match `Tri Dao`;
//!   `Niebles, Juan Carlos` and `Niebles Juan Carlos` match `Juan Carlos Niebles`, but
//!   `Carlos Juan Niebles` does not. Two-word names can therefore not tell `Xin Li` from
//!   `Li Xin`: the digest does not say which word is the family name, and missing a paper is the
//!   worse mistake for an alert.
//! - Initials are words like any other: `J. Smith` matches `J Smith` but not `John Smith` (an
//!   initial that matched any given name would match far too many people).
//! - A name without letters or digits, such as the digest's `+` for elided authors, matches
//!   nothing, not even itself.

use unicode_normalization::UnicodeNormalization;

use crate::select::script::is_unsegmented_script;

/// A name in the form names are compared in: its folded words, rotated to the least rotation
/// and joined by single spaces (`Tri Dao` and `Dao, Tri` both become `dao tri`). Two names
/// match exactly when their keys are equal and not empty, so keys can index a hash map.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NameKey(Box<str>);

impl NameKey {
    pub fn new(name: &str) -> NameKey {
        let words = words(name);
        let Some(start) = least_rotation(&words) else {
            return NameKey(Box::from(""));
        };
        let rotated: Vec<&str> = words[start..]
            .iter()
            .chain(&words[..start])
            .map(String::as_str)
            .collect();
        NameKey(rotated.join(" ").into_boxed_str())
    }

    /// True for a name with no letters or digits; such a key matches nothing.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn matches(&self, other: &NameKey) -> bool {
        !self.is_empty() && self == other
    }
}

/// Whether the `author:` term `term` names `author` (see the [module docs](self) for the rules).
/// To compare many names, build each [`NameKey`] once instead.
pub fn author_matches(term: &str, author: &str) -> bool {
    NameKey::new(term).matches(&NameKey::new(author))
}

/// The folded words of a name.
fn words(name: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    let mut current = String::new();
    for c in name.nfkd().flat_map(char::to_lowercase) {
        if is_accent(c) || is_joiner(c) {
            continue;
        }
        if c.is_alphanumeric() || unicode_normalization::char::is_combining_mark(c) {
            if current.is_empty() {
                // A separator between two unsegmented-script characters joins the words again.
                if let Some(last) = words.last_mut() {
                    if is_unsegmented_script(c)
                        && last.chars().next_back().is_some_and(is_unsegmented_script)
                    {
                        current = std::mem::take(last);
                        words.pop();
                    }
                }
            }
            fold(c, &mut current);
        } else if !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// The index the least rotation of `words` starts at (the first, when several are least);
/// `None` for no words.
fn least_rotation(words: &[String]) -> Option<usize> {
    let rotation = |i: usize| words[i..].iter().chain(&words[..i]);
    (0..words.len()).min_by(|&a, &b| rotation(a).cmp(rotation(b)))
}

/// The combining diacritics accented Latin, Greek and Cyrillic letters decompose into.
fn is_accent(c: char) -> bool {
    matches!(c as u32,
        0x0300..=0x036F       // combining diacritical marks
        | 0x1AB0..=0x1AFF     // ... extended
        | 0x1DC0..=0x1DFF     // ... supplement
        | 0xFE20..=0xFE2F // combining half marks
    )
}

/// Characters inside a word that are dropped without splitting it: hyphens and apostrophes.
fn is_joiner(c: char) -> bool {
    matches!(
        c,
        '-' | '\u{2010}' | '\u{2011}' | '\'' | '\u{2018}' | '\u{2019}' | '\u{02BC}' | '`'
    )
}

/// Appends `c` (already lowercase), with the letters NFKD leaves alone transliterated.
fn fold(c: char, out: &mut String) {
    let folded = match c {
        'ł' => "l",
        'ø' => "o",
        'đ' | 'ð' => "d",
        'ħ' => "h",
        'ŧ' => "t",
        'ı' => "i",
        'ß' => "ss",
        'æ' => "ae",
        'œ' => "oe",
        'þ' => "th",
        'ς' => "σ",
        c => {
            out.push(c);
            return;
        }
    };
    out.push_str(folded);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::digest::Paper;
    use crate::source::markdown::parse_markdown;
    use proptest::prelude::*;

    fn key(name: &str) -> String {
        NameKey::new(name).as_str().to_string()
    }

    #[test]
    fn keys_are_folded_words_in_least_rotation() {
        assert_eq!(key("Tri Dao"), "dao tri");
        assert_eq!(key("Dao, Tri"), "dao tri");
        assert_eq!(key("  TRI   dao "), "dao tri");
        assert_eq!(key("Juan Carlos Niebles"), "carlos niebles juan");
        assert_eq!(key("Gaël Varoquaux"), "gael varoquaux");
        assert_eq!(key("Y.X. Wei"), "wei y x");
        assert_eq!(key("+"), "");
        assert_eq!(key(" .,- "), "");
    }

    #[test]
    fn case_and_accents_are_ignored() {
        for (a, b) in [
            ("Gaël Varoquaux", "Gael Varoquaux"),
            ("Jiří Matas", "jiri matas"),
            ("Dilek Hakkani-Tür", "DILEK HAKKANI-TUR"),
            ("Tran Đuc Huy", "Tran Duc Huy"),
            ("Jakub Łucki", "Jakub Lucki"),
            ("Søren Riis", "Soren Riis"),
            ("Sören Möller", "Soren Moller"),
            ("Rafał Poświata", "Rafal Poswiata"),
            ("Tran Quoc Khánh", "Tran Quoc Khanh"),
            ("Madellene Peñaflor", "Madellene Penaflor"),
            ("Hans Weiß", "Hans Weiss"),
            ("Ｔｒｉ Ｄａｏ", "Tri Dao"),
            ("Ἀλέξανδρος Παπαδόπουλος", "αλεξανδροσ παπαδοπουλος"),
        ] {
            assert!(author_matches(a, b), "{a} / {b}");
            assert!(author_matches(b, a), "{b} / {a}");
        }
        assert!(!author_matches("Gael Varoquaux", "Gaelle Varoquaux"));
    }

    #[test]
    fn marks_that_are_not_accents_are_kept() {
        assert!(!author_matches("がく", "かく"));
        assert!(author_matches("がく", "がく"));
        // Halfwidth kana decompose to the same letters and marks as fullwidth ones.
        assert!(author_matches("ｶﾞｸ", "ガク"));
        assert!(!author_matches("रमेश", "रमश"));
    }

    #[test]
    fn punctuation_separates_and_hyphens_join() {
        assert!(author_matches("Y.X. Wei", "Y. X. Wei"));
        assert!(author_matches("Bo-Wen Zhang", "Bowen Zhang"));
        assert!(author_matches("Patrick O'Brien", "Patrick O’Brien"));
        assert!(author_matches("Patrick OBrien", "Patrick O'Brien"));
        assert!(!author_matches("Bo Wen Zhang", "Bo-Wen Zhang"));
        assert!(!author_matches("YX Wei", "Y. X. Wei"));
    }

    #[test]
    fn order_is_ignored_up_to_rotation() {
        assert!(author_matches("Dao Tri", "Tri Dao"));
        assert!(author_matches("Dao, Tri", "Tri Dao"));
        assert!(author_matches(
            "Niebles, Juan Carlos",
            "Juan Carlos Niebles"
        ));
        assert!(author_matches("Carlos Niebles Juan", "Juan Carlos Niebles"));
        assert!(!author_matches(
            "Carlos Juan Niebles",
            "Juan Carlos Niebles"
        ));
        assert!(!author_matches("Juan Niebles", "Juan Carlos Niebles"));
    }

    #[test]
    fn whole_names_only() {
        assert!(!author_matches("Li", "Xin Li Wang"));
        assert!(!author_matches("Wang", "Xin Li Wang"));
        assert!(!author_matches("Xin Li", "Xin Li Wang"));
        assert!(!author_matches("Dao", "Tri Dao"));
        assert!(author_matches("Dao", "Dao"));
        assert!(!author_matches("J. Smith", "John Smith"));
        assert!(author_matches("J. Smith", "J Smith"));
    }

    #[test]
    fn unsegmented_names_compare_as_written() {
        assert!(author_matches("王小明", "王小明"));
        assert!(author_matches("王 小明", "王小明"));
        assert!(author_matches("김 민수", "김민수"));
        assert!(!author_matches("小明", "王小明"));
        assert!(!author_matches("小明王", "王小明"));
        assert!(!author_matches("김민", "김민수"));
    }

    #[test]
    fn the_elision_marker_matches_nothing() {
        assert!(!author_matches("+", "+"));
        assert!(!author_matches("", ""));
        assert!(!author_matches("Tri Dao", "+"));
        assert!(NameKey::new("+").is_empty());
        assert!(!NameKey::new("+").matches(&NameKey::new("+")));
    }

    fn fixture(day: &str) -> Vec<Paper> {
        let path = format!(
            "{}/tests/fixtures/digests/{day}.md",
            env!("CARGO_MANIFEST_DIR")
        );
        let bytes = std::fs::read(&path).expect("fixture");
        parse_markdown(&bytes, None).expect("parses").digest.papers
    }

    /// The papers of `papers` with an author the term matches.
    fn papers_by(papers: &[Paper], term: &str) -> Vec<usize> {
        let term = NameKey::new(term);
        papers
            .iter()
            .enumerate()
            .filter(|(_, p)| p.authors.iter().any(|a| NameKey::new(a).matches(&term)))
            .map(|(i, _)| i)
            .collect()
    }

    #[test]
    fn real_author_lists_match_and_near_misses_do_not() {
        let day = fixture("2025-02-19");
        let nsa = day
            .iter()
            .position(|p| p.title.starts_with("Native Sparse Attention"))
            .unwrap();
        for term in [
            "Damai Dai",
            "Dai, Damai",
            "damai dai",
            "Y. X. Wei",
            "Y.X. Wei",
        ] {
            assert!(papers_by(&day, term).contains(&nsa), "{term}");
        }
        for term in ["Dai", "Damai", "Damai Da", "Y. Wei", "Damai Dai Wei"] {
            assert!(papers_by(&day, term).is_empty(), "{term}");
        }

        // Python-list authors.
        let day = fixture("2024-10-18");
        assert_eq!(day[0].authors[0], "Zihan Zhou");
        assert!(papers_by(&day, "Zhou, Zihan").contains(&0));
        assert!(papers_by(&day, "Zhou").is_empty());
        assert!(!papers_by(&day, "Zhiyuan Liu").is_empty());
        assert!(papers_by(&day, "Zhiyuan Liua").is_empty());

        // The 663-author line, with accents.
        let day = fixture("2025-01-27");
        let hle = day.iter().position(|p| p.authors.len() == 663).unwrap();
        let accented: Vec<&String> = day[hle].authors.iter().filter(|a| !a.is_ascii()).collect();
        assert!(!accented.is_empty());
        let mut tried = 0;
        for name in accented {
            // Without its accents, where that leaves plain ASCII (not for `ł`, `ø`…).
            let plain: String = name.nfkd().filter(|&c| !is_accent(c)).collect();
            if plain.is_ascii() {
                tried += 1;
                assert!(papers_by(&day, &plain).contains(&hle), "{name} as {plain}");
            }
        }
        assert!(tried > 5, "{tried}");
        assert!(papers_by(&day, "Lisa Schut").contains(&hle));
        assert!(papers_by(&day, "Schut Lisa").contains(&hle));
        assert!(papers_by(&day, "Lisa").is_empty());
        assert!(papers_by(&day, "+").is_empty());
    }

    #[test]
    fn every_fixture_author_matches_itself_and_its_swapped_form() {
        let dir = format!("{}/tests/fixtures/digests", env!("CARGO_MANIFEST_DIR"));
        let mut days: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| e.unwrap().file_name().into_string().ok())
            .filter_map(|f| f.strip_suffix(".md").map(str::to_string))
            .filter(|f| f != "README")
            .collect();
        days.sort();
        assert!(days.len() >= 10);
        let mut authors = 0;
        for day in &days {
            for paper in fixture(day) {
                for author in &paper.authors {
                    let key = NameKey::new(author);
                    if key.is_empty() {
                        assert_eq!(author, "+", "{day}");
                        continue;
                    }
                    authors += 1;
                    assert!(author_matches(author, author), "{day}: {author}");
                    if let Some((given, family)) = author.rsplit_once(' ') {
                        let swapped = format!("{family}, {given}");
                        assert!(author_matches(&swapped, author), "{day}: {swapped}");
                    }
                }
            }
        }
        assert!(authors > 1000, "{authors}");
    }

    proptest! {
        /// Matching is a rotation of the folded words, whatever the case and spacing.
        #[test]
        fn rotations_match_and_prefixes_do_not(
            words in prop::collection::vec("[a-zà-öø-ÿ]{1,6}", 1..5),
            shift in 0usize..5,
        ) {
            let name = words.join(" ");
            let k = shift % words.len();
            let rotated = words[k..].iter().chain(&words[..k]).cloned().collect::<Vec<_>>();
            let comma = format!("{}, {}", rotated[0], rotated[1..].join(" "));
            prop_assert!(author_matches(&rotated.join(" "), &name));
            prop_assert!(author_matches(&comma.to_uppercase(), &name));
            if words.len() > 1 {
                prop_assert!(!author_matches(&words[1..].join(" "), &name));
            }
        }
    }
}
