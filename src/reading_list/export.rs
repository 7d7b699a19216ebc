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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use chrono::{NaiveDate, Utc};

    /// An entry: type, key, fields.
    type Entry = (String, String, Vec<(String, String)>);

    /// A small BibTeX reader: entries as (type, key, fields), braces counted as BibTeX does.
    /// Enough to prove an export is well-formed and says what it should.
    pub(crate) fn parse(text: &str) -> Result<Vec<Entry>, String> {
        let mut entries = Vec::new();
        let mut rest = text;
        while let Some(at) = rest.find('@') {
            rest = &rest[at + 1..];
            let open = rest.find('{').ok_or("no { after @type")?;
            let kind = rest[..open].trim().to_lowercase();
            rest = &rest[open + 1..];
            let comma = rest.find(',').ok_or("no key")?;
            let key = rest[..comma].trim().to_string();
            rest = &rest[comma + 1..];
            let mut fields = Vec::new();
            loop {
                rest = rest.trim_start();
                if let Some(r) = rest.strip_prefix('}') {
                    rest = r;
                    break;
                }
                let eq = rest.find('=').ok_or("no = in field")?;
                let name = rest[..eq].trim().to_lowercase();
                rest = rest[eq + 1..].trim_start();
                let r = rest
                    .strip_prefix('{')
                    .ok_or(format!("field {name} not braced"))?;
                let mut depth = 1;
                let mut end = None;
                for (i, c) in r.char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = Some(i);
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                let end = end.ok_or(format!("field {name} never closes"))?;
                fields.push((name, r[..end].to_string()));
                rest = r[end + 1..].trim_start();
                rest = rest.strip_prefix(',').unwrap_or(rest);
            }
            entries.push((kind, key, fields));
        }
        Ok(entries)
    }

    pub(crate) fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

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
        let (kind, key, fields) = &entries[0];
        assert_eq!((kind.as_str(), key.as_str()), ("misc", "arxiv2404.00399"));
        assert_eq!(
            field(fields, "title"),
            Some("{Aurora-M: Open \\textbraceleft{}Source\\textbraceright{} 100\\% of \\$x\\_1\\$ \\& \\#1 \\textasciitilde{} \\textasciicircum{} \\textbackslash{} \\textbraceright{}\\textbraceleft{}}")
        );
        assert_eq!(
            field(fields, "author"),
            Some("Tri Dao and Cordélia Schmid and others")
        );
        assert_eq!(field(fields, "year"), Some("2024"));
        assert_eq!(field(fields, "eprint"), Some("2404.00399"));
        assert_eq!(field(fields, "archiveprefix"), Some("arXiv"));
        assert_eq!(
            field(fields, "url"),
            Some("https://arxiv.org/abs/2404.00399")
        );
        let (_, key, fields) = &entries[1];
        assert_eq!(key, "arxiv2312.00752");
        // The hostile title stays inside its field: no second entry was smuggled in.
        assert_eq!(field(fields, "title"), Some("{Mamba: Linear-Time\\textbraceright{}\\textbraceright{} @misc\\textbraceleft{}evil,}"));
        assert_eq!(
            field(fields, "author"),
            Some("Albert Gu and {Smith and Jones}")
        );
        assert_eq!(field(fields, "year"), Some("2023"));
    }

    #[test]
    fn the_year_comes_from_the_id_else_the_digest_day() {
        assert_eq!(year_of("0704.0001"), Some(2007));
        assert_eq!(year_of("2501.12345"), Some(2025));
        assert_eq!(year_of("2513.12345"), None);
        let odd = saved("x", "t", &[]);
        let entries = parse(&bibtex_entry(&odd)).unwrap();
        assert_eq!(field(&entries[0].2, "year"), Some("2025"));
        assert_eq!(field(&entries[0].2, "author"), None);
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
