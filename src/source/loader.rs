//! Where a day's digest comes from: a local folder (a clone of the digest repository, or files
//! dropped by hand), a URL template (e.g. the repository's raw GitHub files), or the Hugging Face
//! API directly.
//!
//! Every source maps its failures onto the same [`DigestError`] variants so the scheduler can
//! tell "not out yet, try later" ([`DigestError::NotPublished`]) from real trouble.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{Datelike, NaiveDate};

use serde_json::Value;

use super::hf_json::{parse_hf_items, parse_hf_json};
use super::markdown::parse_markdown;
use crate::source::digest::{DigestError, ParseWarning, Parsed};

pub const DEFAULT_HF_BASE_URL: &str = "https://huggingface.co";
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);
/// Real digests are well under 200 KiB; the cap only stops a runaway or hostile answer.
pub const DEFAULT_MAX_BYTES: usize = 5 * 1024 * 1024;
/// Papers asked for per page of the Hugging Face list: the API's largest `limit` (its default
/// is 50, which silently cuts a bigger day).
pub const HF_PAGE_SIZE: usize = 100;
/// Pages read for one day at most: 2,000 papers, ten times the biggest day seen. An API that
/// keeps answering full pages (ignoring `p`, or broken) is cut off here with a warning.
pub const HF_MAX_PAGES: usize = 20;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DigestSource {
    /// Tries `{dir}/{date}.md`, `{dir}/{date}.json`, then the upstream `{dir}/YYYY/MM/DD.md`.
    Folder(PathBuf),
    /// A URL with `{date}` (YYYY-MM-DD), `{yyyy}`, `{mm}` and `{dd}` placeholders.
    UrlTemplate(String),
    /// The Hugging Face daily-papers API under `base_url` (overridable for tests and mirrors).
    HfApi { base_url: String },
}

impl DigestSource {
    #[cfg(test)]
    pub(crate) fn hf_api() -> Self {
        DigestSource::HfApi {
            base_url: DEFAULT_HF_BASE_URL.to_owned(),
        }
    }

    /// Whether a day from this source keeps growing while the day lasts (the Hugging Face list
    /// for D fills up during D), so a copy fetched before the day is over is provisional. A
    /// digest file is complete the moment it appears.
    pub fn grows_during_day(&self) -> bool {
        matches!(self, DigestSource::HfApi { .. })
    }

    /// A short human description for logs and the archive's provenance column.
    pub fn describe(&self) -> String {
        match self {
            DigestSource::Folder(dir) => format!("folder {}", dir.display()),
            DigestSource::UrlTemplate(template) => format!("url {template}"),
            DigestSource::HfApi { base_url } => format!("Hugging Face API at {base_url}"),
        }
    }
}

/// A source that publishes no more, still asked first for the days it has (up to and including
/// `until`): the Korean digest, which stopped on 2025-05-09, whose bullets are the Korean
/// summaries at no cost. No new day is ever asked of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistorySource {
    pub source: DigestSource,
    pub until: NaiveDate,
}

impl HistorySource {
    pub fn covers(&self, date: NaiveDate) -> bool {
        date <= self.until
    }
}

/// Expands `{date}`, `{yyyy}`, `{mm}` and `{dd}` in a URL template.
pub fn expand_template(template: &str, date: NaiveDate) -> String {
    template
        .replace("{date}", &date.format("%Y-%m-%d").to_string())
        .replace("{yyyy}", &format!("{:04}", date.year()))
        .replace("{mm}", &format!("{:02}", date.month()))
        .replace("{dd}", &format!("{:02}", date.day()))
}

/// A [`DigestSource`] plus the limits that keep one slow or huge answer from stalling the bot.
#[derive(Debug, Clone)]
pub struct SourceLoader {
    source: DigestSource,
    timeout: Duration,
    max_bytes: usize,
    client: reqwest::Client,
    max_pages: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Markdown,
    Json,
}

impl SourceLoader {
    pub fn new(source: DigestSource) -> Self {
        let client = reqwest::Client::builder()
            .user_agent(concat!("paperboy/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default();
        SourceLoader {
            source,
            timeout: DEFAULT_TIMEOUT,
            max_bytes: DEFAULT_MAX_BYTES,
            client,
            max_pages: HF_MAX_PAGES,
        }
    }

    /// Caps the pages read for one day from the Hugging Face API (at least one).
    pub fn with_max_pages(mut self, max_pages: usize) -> Self {
        self.max_pages = max_pages.max(1);
        self
    }

    /// Bounds a whole download (connect, headers and body).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub fn with_max_bytes(mut self, max_bytes: usize) -> Self {
        self.max_bytes = max_bytes;
        self
    }

    /// Shares a client (and its connection pool) with the rest of the bot.
    pub fn with_client(mut self, client: reqwest::Client) -> Self {
        self.client = client;
        self
    }

    pub fn source(&self) -> &DigestSource {
        &self.source
    }

    pub fn describe(&self) -> String {
        self.source.describe()
    }

    /// The digest for `date`. `NotPublished` means "try again later"; every other error means
    /// something is wrong with the source or its content.
    pub async fn load(&self, date: NaiveDate) -> Result<Parsed, DigestError> {
        let result = self.load_uncounted(date).await;
        let kind = match &self.source {
            DigestSource::Folder(_) => "folder",
            DigestSource::UrlTemplate(_) => "url",
            DigestSource::HfApi { .. } => "hf_api",
        };
        let outcome = match &result {
            Ok(_) => "ok",
            Err(DigestError::NotPublished(_)) => "not_published",
            Err(_) => "error",
        };
        crate::ops::metrics::digest_fetch(kind, outcome);
        result
    }

    async fn load_uncounted(&self, date: NaiveDate) -> Result<Parsed, DigestError> {
        match &self.source {
            DigestSource::Folder(dir) => self.load_folder(dir, date).await,
            DigestSource::UrlTemplate(template) => {
                let url = expand_template(template, date);
                let (body, content_type) = self.fetch(&url, date).await?;
                let json = url_path(&url).to_ascii_lowercase().ends_with(".json")
                    || content_type.is_some_and(|ct| ct.to_ascii_lowercase().contains("json"))
                    || first_byte(&body) == Some(b'[');
                let format = if json { Format::Json } else { Format::Markdown };
                parse(&body, format, date)
            }
            DigestSource::HfApi { base_url } => self.load_hf_pages(base_url, date).await,
        }
    }

    /// The Hugging Face list for `date`, page by page (`limit=100`, `p=0,1,…`), in the list's
    /// order. Stops at a short page (the last), at a page that repeats the previous one (an API
    /// ignoring `p`: warned), or after [`HF_MAX_PAGES`] full pages (warned). A paper listed
    /// again on a later page (the list grew while it was read) is kept once, where first seen.
    /// Any page failing fails the day: a day cut short must not pass for the whole list.
    async fn load_hf_pages(&self, base_url: &str, date: NaiveDate) -> Result<Parsed, DigestError> {
        let mut items: Vec<Value> = Vec::new();
        let mut warnings = Vec::new();
        let mut previous: Option<Vec<Value>> = None;
        let mut seen = std::collections::HashSet::new();
        for page in 0..self.max_pages {
            let url = format!(
                "{}/api/daily_papers?date={}&limit={HF_PAGE_SIZE}&p={page}",
                base_url.trim_end_matches('/'),
                date.format("%Y-%m-%d")
            );
            let (body, _) = self.fetch(&url, date).await?;
            let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&body);
            let value: Value = serde_json::from_slice(body).map_err(|e| {
                DigestError::Malformed(format!("page {page} is not valid JSON: {e}"))
            })?;
            let Value::Array(list) = value else {
                return Err(DigestError::Malformed(format!(
                    "page {page} is not a JSON array of papers"
                )));
            };
            if page > 0 && previous.as_ref() == Some(&list) {
                let message = format!(
                    "the Hugging Face list for {date} gave page {page} the same as page {}: \
                     it seems to ignore paging; kept the {} papers read",
                    page - 1,
                    items.len()
                );
                tracing::warn!(%date, page, "{message}");
                warnings.push(ParseWarning { line: 0, message });
                break;
            }
            let full = list.len() >= HF_PAGE_SIZE;
            for item in &list {
                let id = item
                    .get("paper")
                    .unwrap_or(item)
                    .get("id")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                // Items without an id are kept for the parser to report.
                if id.is_none_or(|id| seen.insert(id)) {
                    items.push(item.clone());
                }
            }
            if !full {
                break;
            }
            if page + 1 == self.max_pages {
                let message = format!(
                    "the Hugging Face list for {date} still had full pages after {} pages \
                     ({} papers): stopped there, later papers of the day are left out",
                    self.max_pages,
                    items.len()
                );
                tracing::warn!(%date, pages = self.max_pages, "{message}");
                warnings.push(ParseWarning { line: 0, message });
            }
            previous = Some(list);
        }
        let mut parsed = parse_hf_items(&items, date)?;
        if parsed.digest.papers.is_empty() {
            return Err(DigestError::NotPublished(date));
        }
        parsed.warnings.extend(warnings);
        Ok(parsed)
    }

    async fn load_folder(&self, dir: &Path, date: NaiveDate) -> Result<Parsed, DigestError> {
        let io = |path: &Path, reason: String| DigestError::Io {
            path: path.display().to_string(),
            reason,
        };
        match tokio::fs::metadata(dir).await {
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => return Err(io(dir, "not a directory".into())),
            // A missing digest folder is a configuration mistake, not a day without papers.
            Err(e) => return Err(io(dir, e.to_string())),
        }
        let day = date.format("%Y-%m-%d").to_string();
        let candidates = [
            (dir.join(format!("{day}.md")), Format::Markdown),
            (dir.join(format!("{day}.json")), Format::Json),
            (
                dir.join(format!("{:04}", date.year()))
                    .join(format!("{:02}", date.month()))
                    .join(format!("{:02}.md", date.day())),
                Format::Markdown,
            ),
        ];
        for (path, format) in candidates {
            let meta = match tokio::fs::metadata(&path).await {
                Ok(meta) => meta,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(io(&path, e.to_string())),
            };
            if !meta.is_file() {
                return Err(io(&path, "not a regular file".into()));
            }
            if meta.len() > self.max_bytes as u64 {
                return Err(DigestError::TooLarge {
                    limit: self.max_bytes,
                });
            }
            let body = tokio::fs::read(&path)
                .await
                .map_err(|e| io(&path, e.to_string()))?;
            tracing::debug!(path = %path.display(), bytes = body.len(), "digest file read");
            return parse(&body, format, date);
        }
        Err(DigestError::NotPublished(date))
    }

    /// The newest date on or before `on_or_before` that a folder source has a file for. Other
    /// sources cannot be listed: `None`.
    pub async fn newest_listed(&self, on_or_before: NaiveDate) -> Option<NaiveDate> {
        let DigestSource::Folder(dir) = &self.source else {
            return None;
        };
        let dir = dir.clone();
        tokio::task::spawn_blocking(move || newest_in_folder(&dir, on_or_before))
            .await
            .ok()
            .flatten()
    }

    /// GETs `url` under the timeout, streaming the body so an oversized answer is cut off early.
    async fn fetch(
        &self,
        url: &str,
        date: NaiveDate,
    ) -> Result<(Vec<u8>, Option<String>), DigestError> {
        let secs = self.timeout.as_secs_f64();
        match tokio::time::timeout(self.timeout, self.fetch_unbounded(url, date)).await {
            Ok(result) => result,
            Err(_) => Err(DigestError::Network(format!(
                "timed out after {secs:.1}s fetching {url}"
            ))),
        }
    }

    async fn fetch_unbounded(
        &self,
        url: &str,
        date: NaiveDate,
    ) -> Result<(Vec<u8>, Option<String>), DigestError> {
        let describe = |e: reqwest::Error| {
            let what = if e.is_timeout() {
                "timed out"
            } else if e.is_connect() {
                "could not connect"
            } else {
                "request failed"
            };
            DigestError::Network(format!("{what} fetching {url}: {e}"))
        };
        let mut response = self
            .client
            .get(url)
            .timeout(self.timeout)
            .send()
            .await
            .map_err(describe)?;
        let status = response.status();
        if status == reqwest::StatusCode::NOT_FOUND {
            return Err(DigestError::NotPublished(date));
        }
        if !status.is_success() {
            return Err(DigestError::Network(format!("HTTP {status} from {url}")));
        }
        if response
            .content_length()
            .is_some_and(|len| len > self.max_bytes as u64)
        {
            return Err(DigestError::TooLarge {
                limit: self.max_bytes,
            });
        }
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(describe)? {
            if body.len() + chunk.len() > self.max_bytes {
                return Err(DigestError::TooLarge {
                    limit: self.max_bytes,
                });
            }
            body.extend_from_slice(&chunk);
        }
        tracing::debug!(%url, bytes = body.len(), "digest downloaded");
        Ok((body, content_type))
    }
}

/// Parses a downloaded or read digest. One without papers counts as not published: the API
/// answers `[]` before the day's digest is out, and archiving an empty day would hide the real
/// one once it appears.
fn parse(body: &[u8], format: Format, date: NaiveDate) -> Result<Parsed, DigestError> {
    let parsed = match format {
        Format::Markdown => parse_markdown(body, Some(date))?,
        Format::Json => parse_hf_json(body, date)?,
    };
    if parsed.digest.papers.is_empty() {
        return Err(DigestError::NotPublished(date));
    }
    Ok(parsed)
}

/// Dates a folder holds, by the same names [`SourceLoader::load`] reads: `YYYY-MM-DD.md`,
/// `YYYY-MM-DD.json` and `YYYY/MM/DD.md`.
fn newest_in_folder(dir: &Path, on_or_before: NaiveDate) -> Option<NaiveDate> {
    let names = |d: &Path| -> Vec<String> {
        std::fs::read_dir(d)
            .map(|it| {
                it.filter_map(|e| e.ok()?.file_name().into_string().ok())
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut dates: Vec<NaiveDate> = names(dir)
        .iter()
        .filter_map(|n| {
            let stem = n.strip_suffix(".md").or_else(|| n.strip_suffix(".json"))?;
            stem.parse().ok()
        })
        .collect();
    for year in names(dir).iter().filter(|n| n.len() == 4) {
        for month in names(&dir.join(year)) {
            for day in names(&dir.join(year).join(&month)) {
                if let Some(dd) = day.strip_suffix(".md") {
                    if let Ok(d) = format!("{year}-{month}-{dd}").parse() {
                        dates.push(d);
                    }
                }
            }
        }
    }
    dates.into_iter().filter(|d| *d <= on_or_before).max()
}

fn url_path(url: &str) -> &str {
    url.split(['?', '#']).next().unwrap_or(url)
}

fn first_byte(body: &[u8]) -> Option<u8> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    body.iter().copied().find(|b| !b.is_ascii_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::{header, StatusCode, Uri};
    use axum::response::{IntoResponse, Response};
    use serde_json::Value;

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

    fn fixture(path: &str) -> Vec<u8> {
        std::fs::read(format!("{FIXTURES}/{path}")).unwrap()
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn templates_expand_every_placeholder() {
        assert_eq!(
            expand_template(
                "https://x.y/{yyyy}/{mm}/{dd}.md?d={date}&again={dd}",
                day("2024-04-02")
            ),
            "https://x.y/2024/04/02.md?d=2024-04-02&again=02"
        );
    }

    #[test]
    fn descriptions_name_the_source() {
        assert_eq!(
            DigestSource::Folder("/srv/digests".into()).describe(),
            "folder /srv/digests"
        );
        assert_eq!(
            DigestSource::UrlTemplate("https://x.y/{date}.md".into()).describe(),
            "url https://x.y/{date}.md"
        );
        assert_eq!(
            DigestSource::hf_api().describe(),
            "Hugging Face API at https://huggingface.co"
        );
        let loader = SourceLoader::new(DigestSource::hf_api());
        assert_eq!(loader.describe(), loader.source().describe());
    }

    fn folder_loader(dir: &Path) -> SourceLoader {
        SourceLoader::new(DigestSource::Folder(dir.to_owned()))
    }

    #[tokio::test]
    async fn folder_tries_flat_markdown_then_json_then_repository_layout() {
        let dir = tempfile::tempdir().unwrap();
        let loader = folder_loader(dir.path());

        std::fs::write(
            dir.path().join("2024-04-02.md"),
            fixture("digests/2024-04-02.md"),
        )
        .unwrap();
        let parsed = loader.load(day("2024-04-02")).await.unwrap();
        assert_eq!(parsed.digest.papers.len(), 12);

        std::fs::write(
            dir.path().join("2024-10-25.json"),
            fixture("hf-api/2024-10-25.json"),
        )
        .unwrap();
        let parsed = loader.load(day("2024-10-25")).await.unwrap();
        assert_eq!(parsed.digest.papers.len(), 29);
        // The flat markdown file wins over the JSON one.
        std::fs::write(
            dir.path().join("2024-10-25.md"),
            fixture("digests/2024-10-25.md"),
        )
        .unwrap();
        let parsed = loader.load(day("2024-10-25")).await.unwrap();
        assert_eq!(parsed.digest.papers.len(), 31);

        let nested = dir.path().join("2025").join("02");
        std::fs::create_dir_all(&nested).unwrap();
        std::fs::write(nested.join("19.md"), fixture("digests/2025-02-19.md")).unwrap();
        let parsed = loader.load(day("2025-02-19")).await.unwrap();
        assert_eq!(parsed.digest.papers.len(), 68);
        assert_eq!(parsed.digest.date, day("2025-02-19"));
    }

    #[tokio::test]
    async fn folder_reports_missing_unreadable_and_oversized_files() {
        let dir = tempfile::tempdir().unwrap();
        let loader = folder_loader(dir.path());
        assert!(matches!(
            loader.load(day("2024-01-01")).await,
            Err(DigestError::NotPublished(d)) if d == day("2024-01-01")
        ));

        std::fs::create_dir(dir.path().join("2024-01-02.md")).unwrap();
        assert!(matches!(
            loader.load(day("2024-01-02")).await,
            Err(DigestError::Io { path, .. }) if path.ends_with("2024-01-02.md")
        ));

        let gone = folder_loader(&dir.path().join("nope"));
        assert!(matches!(
            gone.load(day("2024-01-01")).await,
            Err(DigestError::Io { .. })
        ));

        std::fs::write(dir.path().join("2024-01-03.md"), vec![b'x'; 4096]).unwrap();
        assert!(matches!(
            folder_loader(dir.path())
                .with_max_bytes(1024)
                .load(day("2024-01-03"))
                .await,
            Err(DigestError::TooLarge { limit: 1024 })
        ));

        std::fs::write(
            dir.path().join("2024-01-04.md"),
            b"<html>not a digest</html>",
        )
        .unwrap();
        assert!(matches!(
            loader.load(day("2024-01-04")).await,
            Err(DigestError::Malformed(_))
        ));

        std::fs::write(
            dir.path().join("2024-01-06.md"),
            b"## Daily Papers (2024-01-06)\n",
        )
        .unwrap();
        assert!(matches!(
            loader.load(day("2024-01-06")).await,
            Err(DigestError::NotPublished(_))
        ));

        std::fs::write(dir.path().join("2024-01-05.json"), b"[]").unwrap();
        assert!(matches!(
            loader.load(day("2024-01-05")).await,
            Err(DigestError::NotPublished(_))
        ));
    }

    /// A stand-in for GitHub raw files and the Hugging Face API, one behaviour per path.
    async fn fake_upstream(uri: Uri) -> Response {
        let path = uri.path().to_owned();
        let query = uri.query().unwrap_or("").to_owned();
        let text =
            |ct: &'static str, body: Vec<u8>| ([(header::CONTENT_TYPE, ct)], body).into_response();
        match path.as_str() {
            "/raw/2024/04/02.md" => text(
                "text/plain; charset=utf-8",
                fixture("digests/2024-04-02.md"),
            ),
            "/raw/2024-10-25.json" => text("text/plain", fixture("hf-api/2024-10-25.json")),
            "/typed/2024-10-25" => text("application/json", fixture("hf-api/2024-10-25.json")),
            "/sniffed/2024-10-25" => text("text/plain", fixture("hf-api/2024-10-25.json")),
            "/garbage/2024-10-25" => text("text/html", b"<html>oops</html>".to_vec()),
            "/broken-json/2024-10-25.json" => text("application/json", b"{\"error\": 1}".to_vec()),
            "/error/2024-10-25" => StatusCode::SERVICE_UNAVAILABLE.into_response(),
            "/big/2024-10-25" => text("text/plain", vec![b'#'; 64 * 1024]),
            "/big-stream/2024-10-25" => {
                let chunks = (0..64).map(|_| Ok::<_, std::io::Error>(vec![b'-'; 1024]));
                Body::from_stream(futures::stream::iter(chunks)).into_response()
            }
            "/slow/2024-10-25" => {
                tokio::time::sleep(Duration::from_secs(30)).await;
                StatusCode::OK.into_response()
            }
            "/stall/2024-10-25" => {
                let stream = futures::stream::unfold(0, |n| async move {
                    if n > 0 {
                        tokio::time::sleep(Duration::from_secs(30)).await;
                    }
                    Some((
                        Ok::<_, std::io::Error>(b"## Daily Papers\n".to_vec()),
                        n + 1,
                    ))
                });
                Body::from_stream(stream).into_response()
            }
            "/api/daily_papers" => {
                let body = serde_json::to_vec(&hf_page(&query)).unwrap();
                text("application/json", body)
            }
            _ => StatusCode::NOT_FOUND.into_response(),
        }
    }

    /// The real API's paging: `limit` (default 50, at most 100) items of page `p` (from 0).
    fn page_of(list: &[Value], limit: usize, p: usize) -> Vec<Value> {
        list.iter().skip(limit * p).take(limit).cloned().collect()
    }

    /// `n` distinct papers, the fixture's items with new ids.
    fn synthetic_day(n: usize) -> Vec<Value> {
        let real: Vec<Value> = serde_json::from_slice(&fixture("hf-api/2024-10-25.json")).unwrap();
        (0..n)
            .map(|i| {
                let mut item = real[i % real.len()].clone();
                item["paper"]["id"] = Value::from(format!("2412.{i:05}"));
                item["paper"]["title"] = Value::from(format!("Paper {i}"));
                item
            })
            .collect()
    }

    /// The Hugging Face list per date: 2024-10-25 (the real answer), 2024-12-01 (120 papers),
    /// 2024-12-02 (an API that ignores `p`), 2024-12-03 (an endless run of full pages),
    /// 2024-12-04 (exactly 100, then an empty page); any other date is empty.
    fn hf_page(query: &str) -> Vec<Value> {
        let q: std::collections::HashMap<String, String> =
            serde_urlencoded_pairs(query).into_iter().collect();
        let limit = q
            .get("limit")
            .and_then(|l| l.parse().ok())
            .unwrap_or(50usize)
            .clamp(1, 100);
        let p: usize = q.get("p").and_then(|p| p.parse().ok()).unwrap_or(0);
        match q.get("date").map(String::as_str) {
            Some("2024-10-25") => page_of(
                &serde_json::from_slice::<Vec<Value>>(&fixture("hf-api/2024-10-25.json")).unwrap(),
                limit,
                p,
            ),
            Some("2024-12-01") => page_of(&synthetic_day(120), limit, p),
            Some("2024-12-02") => page_of(&synthetic_day(150), limit, 0),
            Some("2024-12-03") => {
                let mut page = page_of(&synthetic_day(limit), limit, 0);
                for (i, item) in page.iter_mut().enumerate() {
                    item["paper"]["id"] = Value::from(format!("2501.{:05}", p * limit + i));
                }
                page
            }
            Some("2024-12-04") => page_of(&synthetic_day(100), limit, p),
            _ => Vec::new(),
        }
    }

    fn serde_urlencoded_pairs(query: &str) -> Vec<(String, String)> {
        query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    async fn serve() -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = axum::Router::new().fallback(fake_upstream);
        tokio::spawn(async move { axum::serve(listener, app).await });
        format!("http://{addr}")
    }

    fn url_loader(base: &str, template: &str) -> SourceLoader {
        SourceLoader::new(DigestSource::UrlTemplate(format!("{base}{template}")))
            .with_timeout(Duration::from_millis(500))
            .with_max_bytes(16 * 1024)
    }

    #[tokio::test]
    async fn url_template_fetches_markdown_and_json() {
        let base = serve().await;
        let md = url_loader(&base, "/raw/{yyyy}/{mm}/{dd}.md")
            .with_max_bytes(DEFAULT_MAX_BYTES)
            .load(day("2024-04-02"))
            .await
            .unwrap();
        assert_eq!(md.digest.papers.len(), 12);
        for template in ["/raw/{date}.json", "/typed/{date}", "/sniffed/{date}"] {
            let json = url_loader(&base, template)
                .with_max_bytes(DEFAULT_MAX_BYTES)
                .load(day("2024-10-25"))
                .await
                .unwrap_or_else(|e| panic!("{template}: {e}"));
            assert_eq!(json.digest.papers.len(), 29, "{template}");
        }
    }

    #[tokio::test]
    async fn url_template_maps_failures_onto_digest_errors() {
        let base = serve().await;
        let date = day("2024-10-25");
        let load = |template: &str| {
            let loader = url_loader(&base, template);
            async move { loader.load(date).await }
        };
        assert!(matches!(
            load("/raw/{yyyy}/{mm}/{dd}.md").await,
            Err(DigestError::NotPublished(d)) if d == date
        ));
        match load("/error/{date}").await {
            Err(DigestError::Network(msg)) => {
                assert!(msg.contains("HTTP 503"), "{msg}");
                assert!(msg.contains(&format!("{base}/error/2024-10-25")), "{msg}");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            load("/big/{date}").await,
            Err(DigestError::TooLarge { limit: 16384 })
        ));
        assert!(matches!(
            load("/big-stream/{date}").await,
            Err(DigestError::TooLarge { limit: 16384 })
        ));
        assert!(matches!(
            load("/garbage/{date}").await,
            Err(DigestError::Malformed(_))
        ));
        assert!(matches!(
            load("/broken-json/{date}.json").await,
            Err(DigestError::Malformed(_))
        ));
        for slow in ["/slow/{date}", "/stall/{date}"] {
            let started = std::time::Instant::now();
            match load(slow).await {
                Err(DigestError::Network(msg)) => assert!(msg.contains("timed out"), "{msg}"),
                other => panic!("{slow}: {other:?}"),
            }
            assert!(started.elapsed() < Duration::from_secs(5), "{slow}");
        }
    }

    #[tokio::test]
    async fn refused_connections_are_network_errors() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let loader = url_loader(&format!("http://{addr}"), "/{date}.md");
        match loader.load(day("2024-10-25")).await {
            Err(DigestError::Network(msg)) => assert!(msg.contains(&addr.to_string()), "{msg}"),
            other => panic!("{other:?}"),
        }
    }

    fn hf_loader(base: &str) -> SourceLoader {
        SourceLoader::new(DigestSource::HfApi {
            base_url: base.to_owned(),
        })
    }

    #[tokio::test]
    async fn hf_api_pages_through_a_120_paper_day_in_the_lists_order() {
        let base = serve().await;
        let parsed = hf_loader(&base).load(day("2024-12-01")).await.unwrap();
        let titles: Vec<String> = parsed
            .digest
            .papers
            .iter()
            .map(|p| p.title.clone())
            .collect();
        let expected: Vec<String> = (0..120).map(|i| format!("Paper {i}")).collect();
        assert_eq!(titles, expected);
        assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
        // Exactly a page's worth, then an empty page: 100 papers, no warning.
        let parsed = hf_loader(&base).load(day("2024-12-04")).await.unwrap();
        assert_eq!(parsed.digest.papers.len(), 100);
        assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    }

    #[tokio::test]
    async fn hf_api_stops_at_a_repeated_page_with_a_warning_naming_the_date() {
        let base = serve().await;
        let parsed = hf_loader(&base).load(day("2024-12-02")).await.unwrap();
        assert_eq!(parsed.digest.papers.len(), 100);
        assert_eq!(parsed.warnings.len(), 1, "{:?}", parsed.warnings);
        let w = &parsed.warnings[0].message;
        assert!(
            w.contains("2024-12-02") && w.contains("same as page 0"),
            "{w}"
        );
    }

    #[tokio::test]
    async fn hf_api_stops_at_the_page_cap_with_a_warning() {
        let base = serve().await;
        let parsed = hf_loader(&base)
            .with_max_pages(3)
            .load(day("2024-12-03"))
            .await
            .unwrap();
        assert_eq!(parsed.digest.papers.len(), 300);
        assert_eq!(parsed.warnings.len(), 1, "{:?}", parsed.warnings);
        let w = &parsed.warnings[0].message;
        assert!(
            w.contains("2024-12-03") && w.contains("after 3 pages"),
            "{w}"
        );
        // The default cap holds too: an endless list costs at most HF_MAX_PAGES requests.
        let parsed = hf_loader(&base).load(day("2024-12-03")).await.unwrap();
        assert_eq!(parsed.digest.papers.len(), HF_MAX_PAGES * HF_PAGE_SIZE);
    }

    #[tokio::test]
    async fn hf_api_reads_a_day_and_treats_an_empty_day_as_unpublished() {
        let base = serve().await;
        let loader = SourceLoader::new(DigestSource::HfApi {
            base_url: format!("{base}/"),
        });
        let parsed = loader.load(day("2024-10-25")).await.unwrap();
        assert_eq!(parsed.digest.papers.len(), 29);
        assert_eq!(parsed.digest.date, day("2024-10-25"));
        assert!(matches!(
            loader.load(day("2024-10-26")).await,
            Err(DigestError::NotPublished(d)) if d == day("2024-10-26")
        ));
    }
}
