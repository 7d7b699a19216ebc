//! Hugging Face's fields for a markdown day: the digest format has no repository, stars,
//! project page, organisation, AI keywords, comment count, submitter or abstract, but Hugging
//! Face's list
//! of the same day has them. [`enrich`] copies them over, paper by paper, matched by arXiv id.
//! Pure: where the list comes from (the archive, never an extra request) is `fetch`'s business.

use std::collections::HashMap;

use crate::source::digest::{arxiv_id_from_url, Paper};

/// An arXiv id as a key for matching: trimmed, lowercase, without a version suffix
/// (`2404.00399v2` → `2404.00399`). `None` for an empty id.
pub fn normalize_arxiv_id(id: &str) -> Option<String> {
    let id = id.trim().to_ascii_lowercase();
    let base = match id.rfind('v') {
        Some(i) if i > 0 && i + 1 < id.len() && id[i + 1..].bytes().all(|b| b.is_ascii_digit()) => {
            &id[..i]
        }
        _ => id.as_str(),
    };
    (!base.is_empty()).then(|| base.to_owned())
}

/// A paper's matching key: its arXiv id, or the one in its link.
fn key(paper: &Paper) -> Option<String> {
    paper
        .arxiv_id
        .as_deref()
        .and_then(normalize_arxiv_id)
        .or_else(|| {
            paper
                .url
                .as_deref()
                .and_then(arxiv_id_from_url)
                .and_then(|id| normalize_arxiv_id(&id))
        })
}

/// Fills each paper of `papers` (a markdown day) with Hugging Face's fields from the paper of
/// `hf` (Hugging Face's list of the same day) with the same arXiv id: `github_repo`,
/// `github_stars`, `project_page`, `organization`, `ai_keywords`, `num_comments`,
/// `submitted_by`, `abstract_` and `hf_summary` (Hugging Face's own bullets), each only where the paper has none (the stars only with the repository). Nothing else changes: the markdown's
/// title, link, thumbnail, votes, authors and bullets, its papers and their order stay as they
/// are; a paper without a match stays as it is, and a paper only Hugging Face lists is not
/// added. When `hf` lists an id twice, its first entry counts. Returns how many papers gained
/// at least one field.
pub fn enrich(papers: &mut [Paper], hf: &[Paper]) -> usize {
    let mut by_id: HashMap<String, &Paper> = HashMap::new();
    for p in hf {
        if let Some(k) = key(p) {
            by_id.entry(k).or_insert(p);
        }
    }
    let mut enriched = 0;
    for paper in papers.iter_mut() {
        let Some(from) = key(paper).and_then(|k| by_id.get(&k).copied()) else {
            continue;
        };
        let before = paper.clone();
        // The stars are the repository's: they come with it or not at all.
        if paper.github_repo.is_none() && paper.github_stars.is_none() {
            paper.github_repo.clone_from(&from.github_repo);
            paper.github_stars = from.github_stars;
        }
        fill(&mut paper.project_page, &from.project_page);
        fill(&mut paper.organization, &from.organization);
        fill(&mut paper.num_comments, &from.num_comments);
        fill(&mut paper.submitted_by, &from.submitted_by);
        fill(&mut paper.abstract_, &from.abstract_);
        if paper.ai_keywords.is_empty() {
            paper.ai_keywords.clone_from(&from.ai_keywords);
        }
        // Hugging Face's summary is its list's bullets (or what that list had kept of an
        // earlier one), never the markdown's own.
        if paper.hf_summary.is_empty() {
            let theirs = if from.hf_summary.is_empty() {
                &from.bullets
            } else {
                &from.hf_summary
            };
            if *theirs != paper.bullets {
                paper.hf_summary.clone_from(theirs);
            }
        }
        if *paper != before {
            enriched += 1;
        }
    }
    enriched
}

fn fill<T: Clone>(field: &mut Option<T>, from: &Option<T>) {
    if field.is_none() {
        field.clone_from(from);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::digest::Organization;

    fn md(title: &str, url: &str) -> Paper {
        Paper {
            title: title.into(),
            url: Some(url.into()),
            arxiv_id: arxiv_id_from_url(url),
            votes: Some(7),
            authors: vec!["A. Author".into()],
            bullets: vec![format!("{title}, in Korean")],
            thumbnail_url: Some("https://example.com/t.png".into()),
            ..Paper::default()
        }
    }

    fn hf(id: &str, repo: &str) -> Paper {
        Paper {
            title: format!("HF title of {id}"),
            url: Some(format!("https://huggingface.co/papers/{id}")),
            arxiv_id: Some(id.into()),
            votes: Some(99),
            authors: vec!["Someone Else".into()],
            bullets: vec!["The abstract.".into()],
            github_repo: Some(repo.into()),
            github_stars: Some(1234),
            project_page: Some("https://project.example".into()),
            organization: Some(Organization {
                name: "example-lab".into(),
                fullname: Some("Example Lab".into()),
            }),
            ai_keywords: vec!["diffusion".into()],
            num_comments: Some(3),
            submitted_by: Some("akhaliq".into()),
            abstract_: Some("The whole abstract, as the list gives it.".into()),
            ..Paper::default()
        }
    }

    #[test]
    fn a_match_gains_the_fields_and_keeps_its_own() {
        let mut papers = vec![md("Aurora", "https://arxiv.org/abs/2404.00399")];
        let list = [hf("2404.00399", "https://github.com/a/b")];
        assert_eq!(enrich(&mut papers, &list), 1);
        let p = &papers[0];
        assert_eq!(
            (p.title.as_str(), p.votes, &p.authors, &p.bullets),
            (
                "Aurora",
                Some(7),
                &vec!["A. Author".to_string()],
                &vec!["Aurora, in Korean".to_string()]
            )
        );
        assert_eq!(p.url.as_deref(), Some("https://arxiv.org/abs/2404.00399"));
        assert_eq!(
            p.thumbnail_url.as_deref(),
            Some("https://example.com/t.png")
        );
        assert_eq!(p.github_repo.as_deref(), Some("https://github.com/a/b"));
        assert_eq!(p.github_stars, Some(1234));
        assert_eq!(p.project_page.as_deref(), Some("https://project.example"));
        assert_eq!(p.organization.as_ref().unwrap().shown(), "Example Lab");
        assert_eq!(p.ai_keywords, ["diffusion"]);
        assert_eq!(p.num_comments, Some(3));
        assert_eq!(p.submitted_by.as_deref(), Some("akhaliq"));
        // The abstract too: the summaries read it instead of asking arXiv.
        assert_eq!(
            p.abstract_.as_deref(),
            Some("The whole abstract, as the list gives it.")
        );
    }

    #[test]
    fn no_match_leaves_the_paper_alone_and_absent_fields_stay_absent() {
        let mut papers = vec![
            md("Alone", "https://arxiv.org/abs/2404.00001"),
            Paper {
                title: "No link".into(),
                ..Paper::default()
            },
        ];
        let before = papers.clone();
        assert_eq!(enrich(&mut papers, &[hf("2404.99999", "https://x.y/z")]), 0);
        assert_eq!(papers, before);
        // A match whose list entry lacks a field leaves that field absent.
        let sparse = Paper {
            arxiv_id: Some("2404.00001".into()),
            num_comments: Some(0),
            ..Paper::default()
        };
        assert_eq!(enrich(&mut papers, &[sparse]), 1);
        assert_eq!(papers[0].num_comments, Some(0));
        assert_eq!(papers[0].github_repo, None);
        assert!(papers[0].ai_keywords.is_empty());
    }

    #[test]
    fn ids_match_without_version_suffix_or_case() {
        assert_eq!(
            normalize_arxiv_id(" 2404.00399v2 ").as_deref(),
            Some("2404.00399")
        );
        assert_eq!(
            normalize_arxiv_id("2404.00399").as_deref(),
            Some("2404.00399")
        );
        assert_eq!(
            normalize_arxiv_id("HEP-TH/9901001V1").as_deref(),
            Some("hep-th/9901001")
        );
        assert_eq!(normalize_arxiv_id("v2"), Some("v2".into()));
        assert_eq!(normalize_arxiv_id("  "), None);
        let mut papers = vec![
            md("From a PDF link", "https://arxiv.org/pdf/2404.00399v3.pdf"),
            Paper {
                title: "Id with a version".into(),
                arxiv_id: Some("2404.01197V1".into()),
                ..Paper::default()
            },
        ];
        let list = [
            hf("2404.00399v1", "https://github.com/a/one"),
            hf("2404.01197", "https://github.com/a/two"),
        ];
        assert_eq!(enrich(&mut papers, &list), 2);
        assert_eq!(
            papers[0].github_repo.as_deref(),
            Some("https://github.com/a/one")
        );
        assert_eq!(
            papers[1].github_repo.as_deref(),
            Some("https://github.com/a/two")
        );
    }

    #[test]
    fn duplicates_each_get_the_fields_and_the_lists_first_entry_counts() {
        let mut papers = vec![
            md("Twice", "https://arxiv.org/abs/2404.00399"),
            md("Twice again", "https://huggingface.co/papers/2404.00399"),
        ];
        let list = [
            hf("2404.00399", "https://github.com/first/one"),
            hf("2404.00399", "https://github.com/second/one"),
        ];
        assert_eq!(enrich(&mut papers, &list), 2);
        for p in &papers {
            assert_eq!(
                p.github_repo.as_deref(),
                Some("https://github.com/first/one")
            );
        }
        assert_eq!(papers[1].title, "Twice again");
    }

    #[test]
    fn the_markdown_decides_which_papers_and_in_what_order() {
        let mut papers = vec![
            md("B", "https://arxiv.org/abs/2404.00002"),
            md("A", "https://arxiv.org/abs/2404.00001"),
        ];
        let list = [
            hf("2404.00001", "https://github.com/a/a"),
            hf("2404.00003", "https://github.com/only/hf"),
            hf("2404.00002", "https://github.com/b/b"),
        ];
        assert_eq!(enrich(&mut papers, &list), 2);
        let titles: Vec<_> = papers.iter().map(|p| p.title.as_str()).collect();
        assert_eq!(
            titles,
            ["B", "A"],
            "the paper only Hugging Face lists is not added"
        );
        assert_eq!(
            papers[0].github_repo.as_deref(),
            Some("https://github.com/b/b")
        );
        assert_eq!(
            papers[1].github_repo.as_deref(),
            Some("https://github.com/a/a")
        );
    }

    #[test]
    fn fields_the_paper_already_has_are_kept_and_enriching_twice_changes_nothing() {
        let mut paper = md("Own repo", "https://arxiv.org/abs/2404.00399");
        paper.github_repo = Some("https://github.com/own/repo".into());
        let mut papers = vec![paper];
        let list = [hf("2404.00399", "https://github.com/hf/repo")];
        assert_eq!(enrich(&mut papers, &list), 1);
        assert_eq!(
            papers[0].github_repo.as_deref(),
            Some("https://github.com/own/repo")
        );
        assert_eq!(papers[0].github_stars, None, "another repository's stars");
        assert_eq!(papers[0].num_comments, Some(3));
        let once = papers.clone();
        assert_eq!(enrich(&mut papers, &list), 0);
        assert_eq!(papers, once);
    }
}
