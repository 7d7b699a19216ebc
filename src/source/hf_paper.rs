//! What Hugging Face links one paper to, for follow-ups on saved papers: its code repository and
//! project page (`GET /api/papers/{arxiv_id}`: `githubRepo`, `projectPage`), and the models and
//! datasets whose cards cite it (`GET /api/arxiv/{arxiv_id}/repos`: `{"models": [...],
//! "datasets": [...], "spaces": [...]}`, each item with its `id`, `org/name`). A paper Hugging
//! Face has not indexed answers 404 (or an object with `error`); that is "no links", not a
//! failure.
//!
//! Both answers are read as untrusted, leniently: every field may be missing, null or of
//! another type; URLs are checked as the daily list's are ([`crate::source::hf_json`]), names
//! must look like `org/name`. Requests are paced (one at a time, `interval` apart: Hugging
//! Face allows anonymous clients about 500 requests per 5 minutes, shared with the daily
//! lists), and a 429's `retry-after` is handed to the caller.

use std::time::Duration;

use serde_json::Value;

use crate::select::for_you::followup::Links;

/// Pause between two requests by default: at most 300 every 5 minutes, well under what Hugging
/// Face allows an anonymous client, leaving room for the daily lists.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(1);
/// The longest `retry-after` honoured as given.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);
/// A repository name shown in a DM: `org/name`, at most this long.
const MAX_REPO_ID_CHARS: usize = 96;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PageError {
    /// 429: wait before the next request to Hugging Face.
    #[error("rate limited by Hugging Face (retry after {retry_after:?})")]
    RateLimited { retry_after: Option<Duration> },
    #[error("Hugging Face answered {0}")]
    Server(u16),
    #[error("cannot reach Hugging Face: {0}")]
    Network(String),
    #[error("Hugging Face's answer is not what was expected: {0}")]
    Malformed(String),
}

/// `GET /api/papers/{id}`'s code and project page (as [`Links`] without models or datasets);
/// `None` when the answer says the paper is not indexed (an `error` field).
pub fn parse_paper(body: &[u8]) -> Result<Option<Links>, PageError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| PageError::Malformed(format!("the paper page is not JSON: {e}")))?;
    if !value.is_object() {
        return Err(PageError::Malformed(
            "the paper page is not an object".into(),
        ));
    }
    if value.get("error").is_some_and(|e| !e.is_null()) {
        return Ok(None);
    }
    // The GitHub fields are on the paper itself; some answers nest it under `paper`.
    let paper = value
        .get("paper")
        .filter(|p| p.is_object())
        .unwrap_or(&value);
    let mut drop_note = |note: String| tracing::debug!(%note, "a paper page field was dropped");
    let code = crate::source::hf_json::link(paper, &value, "githubRepo", &mut drop_note);
    let project = crate::source::hf_json::link(paper, &value, "projectPage", &mut drop_note);
    Ok(Some(Links {
        code,
        project,
        ..Links::default()
    }))
}

/// `GET /api/arxiv/{id}/repos`: how many models and datasets cite the paper, and the first
/// well-formed name of each list (as [`Links`] without code or project page).
pub fn parse_repos(body: &[u8]) -> Result<Links, PageError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| PageError::Malformed(format!("the paper's repositories are not JSON: {e}")))?;
    if !value.is_object() {
        return Err(PageError::Malformed(
            "the paper's repositories are not an object".into(),
        ));
    }
    let list = |key: &str| -> (u32, Option<String>) {
        let items = value.get(key).and_then(Value::as_array);
        let items = items.map(Vec::as_slice).unwrap_or_default();
        let named: Vec<&str> = items
            .iter()
            .filter_map(|i| i.get("id").and_then(Value::as_str))
            .filter(|id| is_repo_id(id))
            .collect();
        (
            named.len().min(u32::MAX as usize) as u32,
            named.first().map(|s| s.to_string()),
        )
    };
    let (models, model) = list("models");
    let (datasets, dataset) = list("datasets");
    Ok(Links {
        models,
        model,
        datasets,
        dataset,
        ..Links::default()
    })
}

/// `org/name` (or a bare legacy `name`) of letters, digits, `-`, `_`, `.`: nothing that could
/// format or ping in a DM.
fn is_repo_id(id: &str) -> bool {
    let parts: Vec<&str> = id.split('/').collect();
    !id.is_empty()
        && id.chars().count() <= MAX_REPO_ID_CHARS
        && parts.len() <= 2
        && parts.iter().all(|p| {
            !p.is_empty()
                && !p.starts_with('.')
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        })
}

/// `retry-after` in seconds, capped.
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let secs: f64 = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs).min(MAX_RETRY_AFTER))
}

/// Hugging Face's paper pages, one request at a time, paced.
#[derive(Debug)]
pub struct HfPapers {
    client: reqwest::Client,
    base_url: String,
    interval: Duration,
    timeout: Duration,
    /// When the last request went out.
    last: tokio::sync::Mutex<Option<tokio::time::Instant>>,
}

impl HfPapers {
    /// `base_url`: `source.hf_api_base` (`https://huggingface.co`).
    pub fn new(client: reqwest::Client, base_url: &str, interval: Duration) -> HfPapers {
        HfPapers {
            client,
            base_url: base_url.trim_end_matches('/').to_string(),
            interval,
            timeout: Duration::from_secs(20),
            last: tokio::sync::Mutex::new(None),
        }
    }

    /// What the paper is linked to now; `Links::default()` for a paper Hugging Face has not
    /// indexed.
    pub async fn links(&self, arxiv_id: &str) -> Result<Links, PageError> {
        let Some(page) = self.get(&format!("api/papers/{arxiv_id}")).await? else {
            return Ok(Links::default());
        };
        let Some(page) = parse_paper(&page)? else {
            return Ok(Links::default());
        };
        let repos = match self.get(&format!("api/arxiv/{arxiv_id}/repos")).await? {
            Some(body) => parse_repos(&body)?,
            None => Links::default(),
        };
        Ok(Links {
            code: page.code,
            project: page.project,
            ..repos
        })
    }

    /// One paced GET; `None` for a 404.
    async fn get(&self, path: &str) -> Result<Option<Vec<u8>>, PageError> {
        {
            let mut last = self.last.lock().await;
            if let Some(at) = *last {
                tokio::time::sleep_until(at + self.interval).await;
            }
            *last = Some(tokio::time::Instant::now());
        }
        let url = format!("{}/{path}", self.base_url);
        let response = self
            .client
            .get(&url)
            .timeout(self.timeout)
            .send()
            .await
            .map_err(|e| PageError::Network(e.without_url().to_string()))?;
        let status = response.status().as_u16();
        let wait = retry_after(response.headers());
        let body = response
            .bytes()
            .await
            .map_err(|e| PageError::Network(e.without_url().to_string()))?;
        match status {
            200..=299 => Ok(Some(body.to_vec())),
            404 => Ok(None),
            429 => Err(PageError::RateLimited { retry_after: wait }),
            _ => Err(PageError::Server(status)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_paper_page_gives_its_code_and_project_page_leniently() {
        let page = br#"{"id": "2404.00399", "title": "T", "githubRepo": "https://github.com/a/b",
            "projectPage": "javascript:alert(1)", "githubStars": 12}"#;
        let got = parse_paper(page).unwrap().unwrap();
        assert_eq!(
            (got.code.as_deref(), got.project),
            (Some("https://github.com/a/b"), None)
        );
        let nested =
            br#"{"paper": {"id": "x", "projectPage": "https://a.github.io"}, "githubRepo": null}"#;
        let got = parse_paper(nested).unwrap().unwrap();
        assert_eq!(
            (got.code, got.project.as_deref()),
            (None, Some("https://a.github.io"))
        );
        assert_eq!(
            parse_paper(br#"{"error": "Paper not found"}"#).unwrap(),
            None
        );
        assert_eq!(
            parse_paper(br#"{"githubRepo": 7}"#).unwrap(),
            Some(Links::default())
        );
        assert!(matches!(
            parse_paper(b"<html>"),
            Err(PageError::Malformed(_))
        ));
        assert!(matches!(parse_paper(b"[]"), Err(PageError::Malformed(_))));
    }

    #[test]
    fn repositories_are_counted_by_their_well_formed_names() {
        let repos = br#"{"models": [{"id": "org/model-1", "likes": 3}, {"id": "@everyone"},
            {"id": "[x](https://evil)"}, {"nope": 1}, {"id": "org/m2"}],
            "datasets": [{"id": "org/data"}], "spaces": [{"id": "org/demo"}]}"#;
        let got = parse_repos(repos).unwrap();
        assert_eq!((got.models, got.model.as_deref()), (2, Some("org/model-1")));
        assert_eq!(
            (got.datasets, got.dataset.as_deref()),
            (1, Some("org/data"))
        );
        assert_eq!(
            parse_repos(br#"{"models": null}"#).unwrap(),
            Links::default()
        );
        assert!(parse_repos(b"7").is_err());
        assert!(is_repo_id("gpt2") && !is_repo_id("a/b/c") && !is_repo_id("../x"));
    }
}
