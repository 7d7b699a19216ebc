//! The digest model shared by every stage: parsing produces it, filtering selects from it,
//! rendering turns it into Discord messages, and the store archives it.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// One paper of a day's digest. Every field but the title may be missing in real digests, so
/// the optional ones stay optional rather than being filled with placeholders.
///
/// The fields after `bullets` come only from Hugging Face's list (`hf_json`); the parser has
/// already checked them (http(s) URLs, plain names, plausible counts). A paper from the
/// markdown digest leaves them empty, until [`crate::source::enrich::enrich`] fills them from Hugging Face's list of the
/// same day when the archive has it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Paper {
    pub title: String,
    /// Link to the paper (arXiv abstract or Hugging Face paper page); `None` when the digest gave
    /// a title without a usable http(s) link.
    pub url: Option<String>,
    /// The arXiv identifier (`2404.00399`), when the url is an arXiv or HF paper link.
    pub arxiv_id: Option<String>,
    /// An http(s) image to show as the embed thumbnail.
    pub thumbnail_url: Option<String>,
    pub votes: Option<u32>,
    /// Author names in digest order; an elided run of names is kept as the literal `"+"` entry
    /// so the renderer can show that the list is incomplete.
    pub authors: Vec<String>,
    pub bullets: Vec<String>,
    /// The paper's code (`paper.githubRepo`), an http(s) URL.
    pub github_repo: Option<String>,
    /// The repository's stars (`paper.githubStars`).
    pub github_stars: Option<u32>,
    /// The paper's project page (`paper.projectPage`), an http(s) URL.
    pub project_page: Option<String>,
    /// The submitting organisation (`organization`).
    pub organization: Option<Organization>,
    /// Hugging Face's keywords for the paper (`paper.ai_keywords`), as given.
    pub ai_keywords: Vec<String>,
    /// Comments in the paper's discussion on Hugging Face (`numComments`).
    pub num_comments: Option<u32>,
    /// Who submitted it to Daily Papers: the Hugging Face user name (`submittedBy.name`).
    pub submitted_by: Option<String>,
    /// The paper's abstract as the list gives it (`paper.summary`, whitespace tidied): what a
    /// summary is written from without asking arXiv for it.
    pub abstract_: Option<String>,
    /// Hugging Face's own summary of the paper (its `ai_summary`, else the abstract's first
    /// sentences, in English), for a day whose bullets are someone else's (the Korean digest):
    /// what a reader who chose another language than the digest's is shown instead of them.
    /// Empty for a day straight from Hugging Face (its bullets are that summary already).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hf_summary: Vec<String>,
}

/// An organisation on Hugging Face, as the list gives it (`organization.name` / `.fullname`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organization {
    /// The account name (`huggingface`), letters, digits, `-`, `_` and `.` only.
    pub name: String,
    /// The display name (`Hugging Face`), one line, when given.
    pub fullname: Option<String>,
}

impl Organization {
    /// What a reader is shown: the display name when there is one.
    pub fn shown(&self) -> &str {
        self.fullname.as_deref().unwrap_or(&self.name)
    }
}

/// A day's digest: the papers in the order the digest lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Digest {
    pub date: NaiveDate,
    pub papers: Vec<Paper>,
}

/// Something the parser had to skip or repair; reported to the operator, never fatal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseWarning {
    /// 1-based line number in the input where the problem starts (0 when not line-based).
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for ParseWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line > 0 {
            write!(f, "line {}: {}", self.line, self.message)
        } else {
            f.write_str(&self.message)
        }
    }
}

/// A parsed digest together with what had to be skipped to get it.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub digest: Digest,
    pub warnings: Vec<ParseWarning>,
}

#[derive(Debug, thiserror::Error)]
pub enum DigestError {
    /// The digest for that date is not (yet) published: a 404 or a missing file.
    #[error("no digest published for {0} yet")]
    NotPublished(NaiveDate),
    #[error("could not fetch the digest: {0}")]
    Network(String),
    #[error("could not read the digest file {path}: {reason}")]
    Io { path: String, reason: String },
    #[error("the digest is malformed: {0}")]
    Malformed(String),
    #[error("the digest is larger than the {limit}-byte cap")]
    TooLarge { limit: usize },
}

/// Extracts the arXiv id from an arXiv (`/abs/`, `/pdf/`) or Hugging Face (`/papers/`) link.
pub fn arxiv_id_from_url(url: &str) -> Option<String> {
    let lower = url.to_ascii_lowercase();
    let hosts = ["arxiv.org/abs/", "arxiv.org/pdf/", "huggingface.co/papers/"];
    let start = hosts
        .iter()
        .find_map(|h| lower.find(h).map(|i| i + h.len()))?;
    let rest = &url[start..];
    let id: String = rest
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let id = id.trim_end_matches('.');
    let (a, b) = id.split_once('.')?;
    (a.len() == 4 && (4..=5).contains(&b.len())).then(|| id.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arxiv_ids_come_from_arxiv_and_hf_links() {
        assert_eq!(
            arxiv_id_from_url("https://arxiv.org/abs/2404.00399").as_deref(),
            Some("2404.00399")
        );
        assert_eq!(
            arxiv_id_from_url("https://arxiv.org/pdf/2404.00399v2.pdf").as_deref(),
            Some("2404.00399")
        );
        assert_eq!(
            arxiv_id_from_url("https://huggingface.co/papers/2410.18057").as_deref(),
            Some("2410.18057")
        );
        assert_eq!(
            arxiv_id_from_url("https://example.com/abs/2404.00399"),
            None
        );
        assert_eq!(
            arxiv_id_from_url("https://arxiv.org/abs/hep-th/9901001"),
            None
        );
    }
}
