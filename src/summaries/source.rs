//! A paper's text from arXiv: its HTML rendering (`/html/<id>`) where there is one and it is the
//! whole paper, else the PDF's text (`/pdf/<id>`), else the abstract page (`/abs/<id>`); cut to
//! the configured size. LaTeXML's conversion can die part-way (the page then says "Conversion
//! to HTML had a Fatal error and exited abruptly") or stop without saying so: an HTML body that
//! says so, or that is short, is checked against the PDF's text, and the PDF's is taken when it
//! is far longer.
//!
//! arXiv turning a request away (429, 503) is arXiv being busy: every request waits its
//! `retry-after`, else a doubling backoff, and the paper is not counted as failed.
//!
//! arXiv asks automated clients for about one request every three seconds and to say who they
//! are: every request here waits its turn behind the previous one (a paced queue shared by the
//! whole process, on tokio's clock so tests can pause it) and carries a User-Agent naming the
//! bot. Whatever is fetched is stored by the caller, so a paper is fetched once whatever the
//! number of languages or restarts.

use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;
use unicode_normalization::UnicodeNormalization;

use super::config::Input;
use super::prompt::{cap_chars, PaperText, TextKind};

/// Who is asking, as arXiv wants automated clients to say.
pub const USER_AGENT: &str = concat!(
    "paperboy/",
    env!("CARGO_PKG_VERSION"),
    " (Discord bot posting Hugging Face Daily Papers; summaries)"
);

/// The largest HTML page or PDF read; beyond it the abstract stands in.
const MAX_DOCUMENT_BYTES: usize = 30 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SourceError {
    /// arXiv could not be reached or answered an error other than 404: try again later.
    #[error("arXiv: {0}")]
    Unavailable(String),
    /// arXiv has no such paper (its abstract page is 404).
    #[error("arXiv has no paper {0}")]
    Unknown(String),
    /// arXiv turned the request away (429, 503): busy, not the paper's fault. Every request
    /// waits `wait` before the next one.
    #[error("arXiv is busy (HTTP {status}); the next request waits {wait:?}")]
    Busy { status: u16, wait: Duration },
}

/// A whole paper's text is longer than this: an HTML body shorter is checked against the PDF.
const SHORT_BODY_CHARS: usize = 12_000;

/// What LaTeXML's HTML says (on arXiv and ar5iv alike) after what it managed, when its
/// conversion died: "Conversion to HTML had a Fatal error and exited abruptly. This document
/// may be truncated or damaged."
const FATAL_CONVERSION: &str = "Conversion to HTML had a Fatal error";

/// The longest arXiv is waited for when it is busy, whatever it asks.
const MAX_BUSY_WAIT: Duration = Duration::from_secs(3600);

/// Whether an HTML page of arXiv's says its conversion had a fatal error.
pub fn conversion_failed(html: &[u8]) -> bool {
    let needle = FATAL_CONVERSION.as_bytes();
    html.windows(needle.len()).any(|w| w == needle)
}

/// Which body a paper's text takes when its HTML looked short or broken, pure: the PDF's when
/// the HTML conversion failed or its body is far shorter (under two thirds of the PDF's).
pub fn prefer_pdf(html_body_chars: usize, fatal: bool, pdf_chars: usize) -> bool {
    fatal || html_body_chars.saturating_mul(3) < pdf_chars.saturating_mul(2)
}

/// How long to leave arXiv alone after it turned a request away: its `retry-after`, else a
/// backoff doubling with each such answer in a row (`streak`, from 0), within bounds.
pub fn busy_wait(
    retry_after: Option<Duration>,
    streak: u32,
    base: Duration,
    max: Duration,
) -> Duration {
    retry_after
        .unwrap_or_else(|| base.saturating_mul(1 << streak.min(16)).min(max))
        .min(MAX_BUSY_WAIT)
}

/// `retry-after` as arXiv may send it: seconds, or an HTTP date.
pub fn parse_retry_after(value: &str, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    Some(
        (at.with_timezone(&chrono::Utc) - now)
            .to_std()
            .unwrap_or_default(),
    )
}

/// arXiv, paced.
pub struct Arxiv {
    http: reqwest::Client,
    base: String,
    interval: Duration,
    timeout: Duration,
    /// When the next request may start.
    next: Mutex<Option<Instant>>,
    /// The wait after a first "busy" answer (doubling while they come in a row), and its cap.
    backoff: Duration,
    backoff_max: Duration,
    busy_streak: std::sync::atomic::AtomicU32,
}

impl Arxiv {
    pub fn new(http: reqwest::Client, base: &str, interval: Duration, timeout: Duration) -> Arxiv {
        Arxiv {
            http,
            base: base.trim_end_matches('/').to_string(),
            interval,
            timeout,
            next: Mutex::new(None),
            backoff: Duration::from_secs(30),
            backoff_max: Duration::from_secs(600),
            busy_streak: std::sync::atomic::AtomicU32::new(0),
        }
    }

    /// The first wait after arXiv turned a request away without saying how long (30 s by
    /// default, doubling up to 10 minutes).
    pub fn set_backoff(&mut self, first: Duration) {
        self.backoff = first;
        self.backoff_max = self.backoff_max.max(first);
    }

    /// Waits for this request's turn: requests start at least `interval` apart.
    async fn turn(&self) {
        let mut next = self.next.lock().await;
        if let Some(at) = *next {
            tokio::time::sleep_until(at).await;
        }
        *next = Some(Instant::now() + self.interval);
    }

    /// `GET {base}{path}`: the body, `None` on 404.
    async fn get(&self, path: &str) -> Result<Option<Vec<u8>>, SourceError> {
        self.turn().await;
        let url = format!("{}{path}", self.base);
        let response = self
            .http
            .get(&url)
            .header(reqwest::header::USER_AGENT, USER_AGENT)
            .timeout(self.timeout)
            .send()
            .await
            .map_err(|e| SourceError::Unavailable(e.without_url().to_string()))?;
        let status = response.status();
        if status == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if matches!(status.as_u16(), 429 | 503) {
            use std::sync::atomic::Ordering;
            let retry_after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| parse_retry_after(v, chrono::Utc::now()));
            let streak = if retry_after.is_some() {
                0
            } else {
                self.busy_streak.fetch_add(1, Ordering::Relaxed)
            };
            let wait = busy_wait(retry_after, streak, self.backoff, self.backoff_max);
            let until = Instant::now() + wait;
            let mut next = self.next.lock().await;
            *next = Some(next.map_or(until, |t| t.max(until)));
            return Err(SourceError::Busy {
                status: status.as_u16(),
                wait,
            });
        }
        self.busy_streak
            .store(0, std::sync::atomic::Ordering::Relaxed);
        if !status.is_success() {
            return Err(SourceError::Unavailable(format!("{path}: HTTP {status}")));
        }
        if response
            .content_length()
            .is_some_and(|n| n as usize > MAX_DOCUMENT_BYTES)
        {
            return Ok(None);
        }
        let body = response
            .bytes()
            .await
            .map_err(|e| SourceError::Unavailable(e.without_url().to_string()))?;
        Ok((body.len() <= MAX_DOCUMENT_BYTES).then(|| body.to_vec()))
    }

    /// What the model reads about `id`: with [`Input::FullText`] the HTML rendering, else the
    /// abstract page and the PDF; with [`Input::Abstract`] the abstract page only. `title` is
    /// the digest's; `listed` the abstract Hugging Face's list gives, used as is: the abstract
    /// page is then never asked for (with [`Input::Abstract`], nothing is). The body is cut to
    /// `max_chars`.
    pub async fn text(
        &self,
        id: &str,
        title: &str,
        listed: Option<&str>,
        input: Input,
        max_chars: usize,
    ) -> Result<PaperText, SourceError> {
        let paper = |abstract_: String, body: Option<String>, kind| PaperText {
            arxiv_id: id.to_string(),
            title: title.to_string(),
            abstract_,
            body: body.map(|b| cap_chars(&b, max_chars)),
            kind,
        };
        let listed = listed.map(str::trim).filter(|a| !a.is_empty());
        if let (Input::Abstract, Some(a)) = (input, listed) {
            return Ok(paper(a.to_string(), None, TextKind::Abstract));
        }
        // HTML that looked short or said its conversion died: the PDF decides.
        let mut doubtful: Option<(Option<String>, String, bool)> = None;
        if input == Input::FullText {
            if let Some(html) = self.get(&format!("/html/{id}")).await? {
                let fatal = conversion_failed(&html);
                let (abstract_, body) = blocking(move || html_text(&html)).await;
                match (listed.map(str::to_string).or(abstract_.clone()), body) {
                    (Some(a), Some(b)) if !fatal && b.chars().count() >= SHORT_BODY_CHARS => {
                        return Ok(paper(a, Some(b), TextKind::Html));
                    }
                    (_, Some(b)) => doubtful = Some((abstract_, b, fatal)),
                    (_, None) => doubtful = abstract_.map(|a| (Some(a), String::new(), true)),
                }
            }
        }
        let html_abstract = doubtful.as_ref().and_then(|(a, _, _)| a.clone());
        let abstract_ = match listed.map(str::to_string).or(html_abstract) {
            Some(a) => a,
            None => {
                let page = self
                    .get(&format!("/abs/{id}"))
                    .await?
                    .ok_or_else(|| SourceError::Unknown(id.to_string()))?;
                abstract_from_abs_page(&String::from_utf8_lossy(&page)).ok_or_else(|| {
                    SourceError::Unavailable(format!("/abs/{id}: no abstract in the page"))
                })?
            }
        };
        if input == Input::FullText {
            let pdf_body = match self.get(&format!("/pdf/{id}")).await? {
                Some(pdf) => blocking(move || pdf_text(&pdf)).await,
                None => None,
            };
            match (pdf_body, doubtful) {
                (Some(pdf), Some((_, html, fatal)))
                    if !html.is_empty()
                        && !prefer_pdf(html.chars().count(), fatal, pdf.chars().count()) =>
                {
                    return Ok(paper(abstract_, Some(html), TextKind::Html));
                }
                (Some(pdf), doubtful) => {
                    if doubtful.is_some() {
                        tracing::debug!(
                            arxiv_id = id,
                            "arXiv's HTML is not the whole paper; reading the PDF"
                        );
                    }
                    return Ok(paper(abstract_, Some(pdf), TextKind::Pdf));
                }
                // No PDF text: what the HTML had beats the abstract alone.
                (None, Some((_, html, _))) if !html.is_empty() => {
                    return Ok(paper(abstract_, Some(html), TextKind::Html));
                }
                (None, _) => tracing::info!(
                    arxiv_id = id,
                    "no text could be read from the PDF; the abstract stands in"
                ),
            }
        }
        Ok(paper(abstract_, None, TextKind::Abstract))
    }
}

/// Runs CPU-heavy extraction off the async threads; a panic in an extractor is a paper without
/// text, not a crashed worker.
async fn blocking<T: Send + 'static + Default>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.unwrap_or_default()
}

/// The text of arXiv's HTML rendering (LaTeXML): its abstract, and its body from the first
/// section on, formulas as their LaTeX source (`alttext`), the bibliography left out.
pub fn html_text(html: &[u8]) -> (Option<String>, Option<String>) {
    let html = String::from_utf8_lossy(html);
    let html = math_as_latex(&html);
    let abstract_ = element_after(&html, "class=\"ltx_abstract\"")
        .map(|frag| {
            let t = to_text(&frag);
            t.trim_start_matches("Abstract").trim().to_string()
        })
        .filter(|t| !t.is_empty());
    let start = html
        .find("class=\"ltx_section\"")
        .or_else(|| html.find("<article"))
        .unwrap_or(0);
    let start = html[..start].rfind('<').unwrap_or(start);
    // The bibliography, or the banner of a conversion that died, ends the body.
    let end = ["class=\"ltx_bibliography\"", FATAL_CONVERSION]
        .iter()
        .filter_map(|m| html.find(m))
        .min()
        .map(|i| html[..i].rfind('<').unwrap_or(i))
        .unwrap_or(html.len())
        .max(start);
    let body = tidy(&to_text(&html[start..end]));
    (abstract_, (!body.is_empty()).then_some(body))
}

/// HTML as plain text; html2text's own marks for headings (`#`) and quotes (`>`) taken out.
fn to_text(html: &str) -> String {
    let text = html2text::config::plain_no_decorate()
        .string_from_read(html.as_bytes(), 100_000)
        .unwrap_or_default();
    text.lines()
        .map(|l| {
            let l = l.trim_start_matches(['>', ' ']);
            let hashes = l.len() - l.trim_start_matches('#').len();
            if hashes > 0 && l[hashes..].starts_with(' ') {
                l[hashes..].trim_start()
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `<math … alttext="x^2">…</math>` becomes ` $x^2$ `: the LaTeX a reader (and a model) knows,
/// instead of MathML's scattered glyphs.
fn math_as_latex(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find("<math") {
        out.push_str(&rest[..open]);
        let tail = &rest[open..];
        let Some(close) = tail.find("</math>") else {
            out.push_str(tail);
            return out;
        };
        let tag_end = tail.find('>').unwrap_or(close);
        let tag = &tail[..tag_end];
        if let Some(alt) = tag
            .find("alttext=\"")
            .map(|i| &tag[i + 9..])
            .and_then(|a| a.find('"').map(|j| &a[..j]))
        {
            out.push_str(" $");
            out.push_str(alt);
            out.push_str("$ ");
        }
        rest = &tail[close + "</math>".len()..];
    }
    out.push_str(rest);
    out
}

/// The element whose opening tag contains `marker`, up to its matching close (same tag name,
/// nesting counted).
fn element_after(html: &str, marker: &str) -> Option<String> {
    let at = html.find(marker)?;
    let open = html[..at].rfind('<')?;
    let name: String = html[open + 1..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    let (open_tag, close_tag) = (format!("<{name}"), format!("</{name}>"));
    let mut depth = 0usize;
    let mut i = open;
    while i < html.len() {
        let next_open = html[i..].find(&open_tag).map(|j| i + j);
        let next_close = html[i..].find(&close_tag).map(|j| i + j)?;
        match next_open {
            Some(o) if o < next_close => {
                depth += 1;
                i = o + open_tag.len();
            }
            _ => {
                depth = depth.saturating_sub(1);
                i = next_close + close_tag.len();
                if depth == 0 {
                    return Some(html[open..i].to_string());
                }
            }
        }
    }
    None
}

/// The abstract on an `/abs/<id>` page (`<blockquote class="abstract …">`), without its
/// "Abstract:" label.
pub fn abstract_from_abs_page(html: &str) -> Option<String> {
    let frag = element_after(html, "class=\"abstract")?;
    let text = tidy(&to_text(&math_as_latex(&frag)));
    let text = text.trim_start_matches("Abstract:").trim().to_string();
    (!text.is_empty()).then_some(text)
}

/// A PDF's text: ligatures and compatibility forms folded (NFKC: `ﬁ` → `fi`), words hyphenated
/// at a line end joined, references left out. `None` when nothing readable came out.
pub fn pdf_text(pdf: &[u8]) -> Option<String> {
    let raw = pdf_extract::extract_text_from_mem(pdf).ok()?;
    let text = tidy(&raw);
    let letters = text.chars().filter(|c| c.is_alphabetic()).count();
    (letters >= 200).then_some(text)
}

/// Text made compact: NFKC, hyphenation at line ends undone, blank runs collapsed, and
/// everything from a "References" heading on dropped.
pub fn tidy(text: &str) -> String {
    let text: String = text.nfkc().collect();
    let mut lines: Vec<String> = Vec::new();
    let mut blank = false;
    for line in text.lines() {
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if line.is_empty() {
            blank = true;
            continue;
        }
        if matches!(
            line.to_ascii_lowercase().as_str(),
            "references" | "bibliography" | "references and notes"
        ) && lines.len() > 10
        {
            break;
        }
        match lines.last_mut() {
            Some(prev) if !blank && prev.ends_with('-') && prev.len() > 1 => {
                prev.pop();
                prev.push_str(&line);
            }
            _ => {
                if blank && !lines.is_empty() {
                    lines.push(String::new());
                }
                lines.push(line);
            }
        }
        blank = false;
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    const HTML: &str = r#"<html><head><title>x</title></head><body><nav>menu</nav>
<article class="ltx_document"><h1 class="ltx_title">Tiny Diffusion</h1>
<div class="ltx_abstract"><h6>Abstract</h6><p class="ltx_p">We make <math alttext="x^{2}" display="inline"><mi>x</mi><mn>2</mn></math> diffusion <span>tiny</span>.</p></div>
<section class="ltx_section" id="S1"><h2>1 Introduction</h2><p>Diffusion ef&#xFB01;ciency matters.</p></section>
<section class="ltx_bibliography"><p>[1] Someone. A paper.</p></section></article></body></html>"#;

    #[test]
    fn html_gives_abstract_and_body_with_latex_formulas_and_no_bibliography() {
        let (a, b) = html_text(HTML.as_bytes());
        let a = a.unwrap();
        assert!(a.starts_with("We make $x^{2}$ diffusion tiny."), "{a}");
        let b = b.unwrap();
        assert!(
            b.contains("1 Introduction") && b.contains("efficiency matters"),
            "{b}"
        );
        assert!(!b.contains("Someone") && !b.contains("menu"), "{b}");
    }

    #[test]
    fn a_conversion_that_died_is_seen_and_its_banner_is_not_text() {
        let fatal = HTML.replace(
            "<section class=\"ltx_bibliography\">",
            "<div class=\"ltx_document\"><div class=\"ltx_para\"><div class=\"ltx_p\"><span class=\"ltx_ERROR\">\n\
             Conversion to HTML had a Fatal error and exited abruptly. This document may be truncated or damaged.\n\
             </span></div></div></div><section class=\"ltx_bibliography\">",
        );
        assert!(conversion_failed(fatal.as_bytes()));
        assert!(!conversion_failed(HTML.as_bytes()));
        let (_, body) = html_text(fatal.as_bytes());
        let body = body.unwrap();
        assert!(
            body.contains("efficiency matters") && !body.contains("Fatal"),
            "{body}"
        );
    }

    #[test]
    fn the_pdf_wins_over_a_failed_or_far_shorter_html_body() {
        assert!(prefer_pdf(50_000, true, 40_000), "a failed conversion");
        assert!(prefer_pdf(3_000, false, 40_000), "stopped part-way");
        assert!(!prefer_pdf(9_000, false, 11_000), "a short paper, whole");
        assert!(!prefer_pdf(9_000, false, 0));
    }

    #[test]
    fn a_busy_arxiv_is_left_alone_for_its_retry_after_else_a_doubling_backoff() {
        let (base, max) = (Duration::from_secs(30), Duration::from_secs(600));
        assert_eq!(busy_wait(None, 0, base, max), base);
        assert_eq!(busy_wait(None, 2, base, max), base * 4);
        assert_eq!(busy_wait(None, 9, base, max), max);
        assert_eq!(
            busy_wait(Some(Duration::from_secs(5)), 9, base, max),
            Duration::from_secs(5)
        );
        assert_eq!(
            busy_wait(Some(Duration::from_secs(86_400)), 0, base, max),
            MAX_BUSY_WAIT
        );
        let now = chrono::DateTime::parse_from_rfc3339("2015-10-21T07:27:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now),
            Some(Duration::from_secs(60))
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn the_abs_page_gives_its_abstract() {
        let page = r#"<h1 class="title mathjax"><span class="descriptor">Title:</span>T</h1>
<blockquote class="abstract mathjax"><span class="descriptor">Abstract:</span>We show   that
small models <b>win</b>.</blockquote><div>other</div>"#;
        assert_eq!(
            abstract_from_abs_page(page).as_deref(),
            Some("We show that small models win.")
        );
        assert_eq!(abstract_from_abs_page("<p>nothing</p>"), None);
    }

    #[test]
    fn tidy_joins_hyphens_folds_ligatures_and_stops_at_references() {
        let mut text = String::from("Opti-\nmisation of the ﬁrst  kind\n\n\nNext para\n");
        for i in 0..12 {
            text.push_str(&format!("line {i}\n"));
        }
        text.push_str("References\n[1] cited\n");
        let t = tidy(&text);
        assert!(
            t.starts_with("Optimisation of the first kind\n\nNext para"),
            "{t}"
        );
        assert!(!t.contains("cited"));
    }
}
