//! A calendar day as a language writes it (`2024-04-02`, `2024년 4월 2일`), from the catalog's
//! `date` message: a language's order and words are its file's business, not the code's.

use chrono::{Datelike, NaiveDate};

use crate::language::Language;
use crate::t;

/// `date` in `lang`'s words. The message gets `year`, `month`, `day` as plain numbers and `mm`,
/// `dd` with two digits (as text, so no language's number format pads or groups them).
pub fn date_text(date: NaiveDate, lang: &Language) -> String {
    t!(
        lang,
        "date",
        year = date.year().to_string(),
        month = date.month().to_string(),
        day = date.day().to_string(),
        mm = format!("{:02}", date.month()),
        dd = format!("{:02}", date.day())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_language_writes_a_day_its_own_way() {
        let d: NaiveDate = "2024-04-02".parse().unwrap();
        assert_eq!(date_text(d, &Language::english()), "2024-04-02");
        assert_eq!(date_text(d, &"ko".parse().unwrap()), "2024년 4월 2일");
    }
}
