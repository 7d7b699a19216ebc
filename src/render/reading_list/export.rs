//! A reading list as a file to take elsewhere: BibTeX entries for a reference manager, or the
//! papers' links, one a line. Pure.
//!
//! Titles and authors come from outside (a digest, Hugging Face), so every BibTeX special is
//! escaped: a brace can neither end a field early nor leave one open (BibTeX counts braces even
//! after a backslash, so braces become `\textbraceleft{}` / `\textbraceright{}`), `%` cannot start
//! a comment, and a name containing " and " cannot split into two authors.

use crate::store::SavedPaper;

/// The year of an arXiv id (`2404.00399` is April 2024): new-style ids begin `YYMM`, from
/// 0704 on.
fn year_of(arxiv_id: &str) -> Option<i32> {
    let yy: i32 = arxiv_id.get(..2)?.parse().ok()?;
    let mm: u32 = arxiv_id.get(2..4)?.parse().ok()?;
    ((1..=12).contains(&mm) && arxiv_id.get(4..5) == Some(".")).then_some(2000 + yy)
}

/// Text inside a braced BibTeX field: one line, specials escaped.
pub fn escape_bibtex(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last_space = false;
    for c in text.chars() {
        let c = if c.is_control() || c.is_whitespace() {
            ' '
        } else {
            c
        };
        if c == ' ' {
            if !last_space && !out.is_empty() {
                out.push(' ');
            }
            last_space = true;
            continue;
        }
        last_space = false;
        match c {
            '\\' => out.push_str("\\textbackslash{}"),
            '{' => out.push_str("\\textbraceleft{}"),
            '}' => out.push_str("\\textbraceright{}"),
            '~' => out.push_str("\\textasciitilde{}"),
            '^' => out.push_str("\\textasciicircum{}"),
            '&' | '%' | '$' | '#' | '_' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.trim_end().to_string()
}

/// One author for `author = {…}`: escaped, and braced whole when the name itself says "and"
/// (BibTeX would read two people).
fn author(name: &str) -> String {
    let escaped = escape_bibtex(name);
    let lower = format!(" {} ", escaped.to_lowercase());
    if lower.contains(" and ") {
        format!("{{{escaped}}}")
    } else {
        escaped
    }
}

/// The citation key: `arxiv` and the id, which is unique on the list and stable across exports.
pub fn citation_key(arxiv_id: &str) -> String {
    let safe: String = arxiv_id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
        .collect();
    format!("arxiv{safe}")
}

/// One `@misc` entry, as arXiv's own export writes them (eprint, archivePrefix, url).
pub fn bibtex_entry(paper: &SavedPaper) -> String {
    let mut authors: Vec<String> = paper
        .authors
        .iter()
        .filter(|a| a.trim() != "+" && !a.trim().is_empty())
        .map(|a| author(a))
        .collect();
    if paper.authors.iter().any(|a| a.trim() == "+") {
        // An elided run of names: BibTeX's own "and others".
        authors.push("others".into());
    }
    let year =
        year_of(&paper.arxiv_id).or_else(|| paper.digest_date.map(|d| chrono::Datelike::year(&d)));
    let id = escape_bibtex(&paper.arxiv_id);
    let mut fields = vec![("title", format!("{{{}}}", escape_bibtex(&paper.title)))];
    if !authors.is_empty() {
        fields.push(("author", authors.join(" and ")));
    }
    if let Some(year) = year {
        fields.push(("year", year.to_string()));
    }
    fields.push(("eprint", id.clone()));
    fields.push(("archivePrefix", "arXiv".into()));
    fields.push(("url", format!("https://arxiv.org/abs/{id}")));
    let body: Vec<String> = fields
        .into_iter()
        .map(|(k, v)| format!("  {k:<13} = {{{v}}},"))
        .collect();
    format!(
        "@misc{{{},\n{}\n}}\n",
        citation_key(&paper.arxiv_id),
        body.join("\n")
    )
}

/// The whole list as a `.bib` file, in the order given.
pub fn bibtex(papers: &[SavedPaper]) -> String {
    papers
        .iter()
        .map(bibtex_entry)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The whole list as text: each paper's title and its arXiv, PDF and Hugging Face links.
pub fn link_list(papers: &[SavedPaper]) -> String {
    let mut out = String::new();
    for p in papers {
        let title: String = p
            .title
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let id = &p.arxiv_id;
        out.push_str(&format!(
            "{}\nhttps://arxiv.org/abs/{id}\nhttps://arxiv.org/pdf/{id}\nhttps://huggingface.co/papers/{id}\n\n",
            title.trim()
        ));
    }
    out
}

/// The end-to-end suites' BibTeX reader, written apart from the exporter, so an export is
/// checked by code that did not write it (one reader for both suites).
#[cfg(test)]
#[path = "../../../tests/it/support/bibtex.rs"]
mod bibtex_reader;

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, Utc};

    use super::bibtex_reader::parse;

    fn saved(id: &str, title: &str, authors: &[&str]) -> SavedPaper {
        SavedPaper {
            arxiv_id: id.into(),
            title: title.into(),
            authors: authors.iter().map(|a| a.to_string()).collect(),
            digest_date: NaiveDate::from_ymd_opt(2025, 1, 2),
            saved_at: Utc::now(),
        }
    }

    #[test]
    fn entries_parse_back_with_title_authors_year_and_id() {
        let papers = [
            saved(
                "2404.00399",
                "Aurora-M: Open {Source} 100% of $x_1$ & #1 ~ ^ \\ }{",
                &["Tri Dao", "Cordélia Schmid", "+"],
            ),
            saved(
                "2312.00752",
                "Mamba:\nLinear-Time}} @misc{evil,",
                &["Albert Gu", "Smith and Jones"],
            ),
        ];
        let text = bibtex(&papers);
        let entries = parse(&text).unwrap();
        assert_eq!(entries.len(), 2, "{text}");
        let first = &entries[0];
        assert_eq!(
            (first.kind.as_str(), first.key.as_str()),
            ("misc", "arxiv2404.00399")
        );
        assert_eq!(
            first.field("title"),
            Some("{Aurora-M: Open \\textbraceleft{}Source\\textbraceright{} 100\\% of \\$x\\_1\\$ \\& \\#1 \\textasciitilde{} \\textasciicircum{} \\textbackslash{} \\textbraceright{}\\textbraceleft{}}")
        );
        assert_eq!(
            first.field("author"),
            Some("Tri Dao and Cordélia Schmid and others")
        );
        assert_eq!(first.field("year"), Some("2024"));
        assert_eq!(first.field("eprint"), Some("2404.00399"));
        assert_eq!(first.field("archiveprefix"), Some("arXiv"));
        assert_eq!(first.field("url"), Some("https://arxiv.org/abs/2404.00399"));
        let second = &entries[1];
        assert_eq!(second.key, "arxiv2312.00752");
        // The hostile title stays inside its field: no second entry was smuggled in.
        assert_eq!(second.field("title"), Some("{Mamba: Linear-Time\\textbraceright{}\\textbraceright{} @misc\\textbraceleft{}evil,}"));
        assert_eq!(
            second.field("author"),
            Some("Albert Gu and {Smith and Jones}")
        );
        assert_eq!(second.field("year"), Some("2023"));
    }

    #[test]
    fn the_year_comes_from_the_id_else_the_digest_day() {
        assert_eq!(year_of("0704.0001"), Some(2007));
        assert_eq!(year_of("2501.12345"), Some(2025));
        assert_eq!(year_of("2513.12345"), None);
        let odd = saved("x", "t", &[]);
        let entries = parse(&bibtex_entry(&odd)).unwrap();
        assert_eq!(entries[0].field("year"), Some("2025"));
        assert_eq!(entries[0].field("author"), None);
    }

    #[test]
    fn links_are_one_block_per_paper() {
        let text = link_list(&[saved("2404.00399", "A\nB", &[])]);
        assert_eq!(
            text,
            "A B\nhttps://arxiv.org/abs/2404.00399\nhttps://arxiv.org/pdf/2404.00399\nhttps://huggingface.co/papers/2404.00399\n\n"
        );
    }
}
