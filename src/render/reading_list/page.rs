//! One page of a person's reading list as an embed: each paper's title (linked), its authors,
//! its links and when it was saved. Pure; the chrome (title, footer) comes translated from the
//! caller.

use crate::language::Language;
use crate::render::{link_line, outside_text, EmbedSpec, EMBED_COLOR, MAX_DESCRIPTION_CHARS};
use crate::source::digest::Paper;
use crate::store::SavedPaper;

/// Papers on one page of `/papers saved list`: ten full entries stay well within an embed.
pub const PAGE_SIZE: usize = 10;

/// Characters of a title shown on the list.
const TITLE_CHARS: usize = 150;
/// Characters of the author line.
const AUTHOR_CHARS: usize = 90;
/// Room for one entry's link line (arXiv · PDF · Hugging Face).
const LINK_CHARS: usize = 200;

/// Pages a list of `total` papers takes (at least one, so an empty list has a page to say so).
pub fn page_count(total: usize) -> usize {
    total.div_ceil(PAGE_SIZE).max(1)
}

/// One entry: number, linked title, authors, links, and when it was saved (a Discord
/// timestamp, shown in each reader's zone).
fn entry(number: usize, paper: &SavedPaper, lang: &Language) -> String {
    let title = outside_text(&paper.title, TITLE_CHARS);
    let as_paper = Paper {
        arxiv_id: Some(paper.arxiv_id.clone()),
        ..Paper::default()
    };
    let links = link_line(&as_paper, LINK_CHARS, lang);
    let authors: Vec<&str> = paper
        .authors
        .iter()
        .map(String::as_str)
        .filter(|a| *a != "+")
        .collect();
    let mut authors = outside_text(&authors.join(", "), AUTHOR_CHARS);
    if !authors.is_empty() {
        authors.push_str(" · ");
    }
    format!(
        "**{number}. [{title}](https://arxiv.org/abs/{id})**\n{authors}`{id}` · <t:{at}:d>\n{links}",
        id = paper.arxiv_id,
        at = paper.saved_at.timestamp(),
    )
}

/// The page's embed: `papers` are the page's entries, numbered from `first_number`. Entries that
/// would not fit the description are left out whole (never cut inside a link).
pub fn page_embed(
    papers: &[SavedPaper],
    first_number: usize,
    title: &str,
    footer: &str,
    lang: &Language,
) -> EmbedSpec {
    let mut description = String::new();
    for (i, paper) in papers.iter().enumerate() {
        let e = entry(first_number + i, paper, lang);
        let sep = if description.is_empty() { "" } else { "\n\n" };
        if description.chars().count() + sep.len() + e.chars().count() > MAX_DESCRIPTION_CHARS {
            break;
        }
        description.push_str(sep);
        description.push_str(&e);
    }
    EmbedSpec {
        author: None,
        timestamp: None,
        title: title.to_string(),
        url: None,
        description,
        thumbnail: None,
        fields: Vec::new(),
        footer: footer.to_string(),
        color: Some(EMBED_COLOR),
    }
    .fit_limits()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn saved(i: usize, title: &str) -> SavedPaper {
        SavedPaper {
            arxiv_id: format!("2404.{i:05}"),
            title: title.into(),
            authors: vec!["Tri Dao".into(), "+".into()],
            digest_date: None,
            saved_at: Utc::now(),
        }
    }

    #[test]
    fn pages_round_up_and_an_empty_list_has_one() {
        assert_eq!(page_count(0), 1);
        assert_eq!(page_count(10), 1);
        assert_eq!(page_count(11), 2);
    }

    #[test]
    fn entries_are_numbered_linked_and_defused() {
        let papers = [
            saved(1, "A [link](https://evil) @everyone"),
            saved(2, &"x".repeat(400)),
        ];
        let e = page_embed(&papers, 11, "t", "f", &Language::english());
        assert!(
            e.description
                .starts_with("**11. [A \\[link\\]\\(https://evil\\)"),
            "{}",
            e.description
        );
        assert!(!e.description.contains("@everyone"), "{}", e.description);
        assert!(e.description.contains("**12. "));
        assert!(e.description.contains("(https://arxiv.org/abs/2404.00001)"));
        assert!(e
            .description
            .contains("[PDF](https://arxiv.org/pdf/2404.00002)"));
        assert!(e.description.contains("Tri Dao · `2404.00001`"));
        assert!(e.description.chars().count() <= MAX_DESCRIPTION_CHARS);
        let long: Vec<SavedPaper> = (0..PAGE_SIZE)
            .map(|i| saved(i, &"가".repeat(400)))
            .collect();
        let e = page_embed(&long, 1, "t", "f", &Language::english());
        assert_eq!(
            e.description.matches("](https://arxiv.org/pdf/").count(),
            PAGE_SIZE
        );
    }
}
