//! arXiv on loopback: `/abs/<id>` (the abstract page), `/html/<id>` (the LaTeXML rendering,
//! for the ids given one: whole, cut short by a fatal conversion error with the banner ar5iv
//! and arXiv show, or stopped part-way without one) and `/pdf/<id>` (a real PDF, two columns
//! of text set in Helvetica, built here byte by byte with a correct cross-reference table). Like arXiv it wants automated
//! clients to say who they are: a request whose User-Agent does not name paperboy gets 403; and
//! it can turn requests away as arXiv does when overloaded (429 "Rate exceeded." or 503, with
//! or without `retry-after`). It records when each request came, so pacing can be checked.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// What `/html/<id>` serves for a paper that has an HTML rendering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Html {
    Whole,
    /// LaTeXML's conversion had a fatal error: the page says so after what it managed.
    Fatal,
    /// The conversion stopped part-way and the page does not say so.
    Partial,
}

#[derive(Default)]
struct Inner {
    html: HashMap<String, Html>,
    /// The next requests answered "busy" instead: (status, retry-after in seconds).
    busy: std::collections::VecDeque<(u16, Option<u64>)>,
    /// Ids whose PDF is missing (404), as for a withdrawn or unprocessed paper.
    no_pdf: HashSet<String>,
    abstracts: HashMap<String, String>,
    requests: Vec<(String, Instant)>,
    /// Pages of every PDF (1 unless set).
    pdf_pages: usize,
}

#[derive(Clone)]
pub struct FakeArxiv {
    pub base_url: String,
    inner: Arc<Mutex<Inner>>,
}

impl FakeArxiv {
    pub async fn start() -> FakeArxiv {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let app = axum::Router::new()
            .route("/abs/{id}", get(abs))
            .route("/html/{id}", get(html))
            .route("/pdf/{id}", get(pdf))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        FakeArxiv {
            base_url: format!("http://{addr}"),
            inner,
        }
    }

    /// `id` has an HTML rendering (others only the PDF).
    pub fn with_html(&self, id: &str) {
        self.html_of(id, Html::Whole);
    }

    /// `id`'s HTML conversion had a fatal error (the page says so after the introduction).
    pub fn with_fatal_html(&self, id: &str) {
        self.html_of(id, Html::Fatal);
    }

    /// `id`'s HTML conversion stopped after the introduction, without saying so.
    pub fn with_partial_html(&self, id: &str) {
        self.html_of(id, Html::Partial);
    }

    fn html_of(&self, id: &str, kind: Html) {
        self.inner.lock().unwrap().html.insert(id.to_string(), kind);
    }

    /// The next `n` requests are turned away as arXiv does when it is overloaded or asked too
    /// fast: `429` ("Rate exceeded.") or `503`, with `retry-after` seconds if given.
    pub fn busy_next(&self, n: usize, status: u16, retry_after: Option<u64>) {
        let mut i = self.inner.lock().unwrap();
        i.busy.extend(std::iter::repeat_n((status, retry_after), n));
    }

    /// `id` has no PDF either (its `/pdf/` is 404): only its abstract can be read.
    pub fn without_pdf(&self, id: &str) {
        self.inner.lock().unwrap().no_pdf.insert(id.to_string());
    }

    /// `id`'s abstract (default: a plain one naming the id).
    pub fn set_abstract(&self, id: &str, text: &str) {
        self.inner
            .lock()
            .unwrap()
            .abstracts
            .insert(id.to_string(), text.to_string());
    }

    /// Every PDF has `pages` pages (the one page repeated): a long paper.
    pub fn set_pdf_pages(&self, pages: usize) {
        self.inner.lock().unwrap().pdf_pages = pages;
    }

    /// Paths requested, in order, with when.
    pub fn requests(&self) -> Vec<(String, Instant)> {
        self.inner.lock().unwrap().requests.clone()
    }
}

fn check(inner: &Mutex<Inner>, headers: &HeaderMap, path: String) -> Option<Response> {
    let busy = {
        let mut i = inner.lock().unwrap();
        i.requests.push((path, Instant::now()));
        i.busy.pop_front()
    };
    let ua = headers
        .get("user-agent")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !ua.starts_with("paperboy/") {
        return Some((StatusCode::FORBIDDEN, "identify yourself").into_response());
    }
    let (status, retry_after) = busy?;
    let status = StatusCode::from_u16(status).expect("a status");
    let body = if status == StatusCode::TOO_MANY_REQUESTS {
        "Rate exceeded."
    } else {
        "Service Unavailable"
    };
    let mut response = (status, [("content-type", "text/plain")], body).into_response();
    if let Some(secs) = retry_after {
        response
            .headers_mut()
            .insert("retry-after", secs.to_string().parse().unwrap());
    }
    Some(response)
}

fn abstract_of(inner: &Mutex<Inner>, id: &str) -> String {
    inner
        .lock()
        .unwrap()
        .abstracts
        .get(id)
        .cloned()
        .unwrap_or_else(|| format!("We present paper {id}, a small diffusion model that is fast."))
}

async fn abs(
    State(inner): State<Arc<Mutex<Inner>>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Some(r) = check(&inner, &headers, format!("/abs/{id}")) {
        return r;
    }
    let a = abstract_of(&inner, &id);
    let page = format!(
        "<!DOCTYPE html><html><body><div id=\"abs\"><h1 class=\"title mathjax\"><span class=\"descriptor\">Title:</span>Paper {id}</h1>\
         <blockquote class=\"abstract mathjax\"><span class=\"descriptor\">Abstract:</span>{}</blockquote></div></body></html>",
        html_escape(&a)
    );
    ([("content-type", "text/html; charset=utf-8")], page).into_response()
}

async fn html(
    State(inner): State<Arc<Mutex<Inner>>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Some(r) = check(&inner, &headers, format!("/html/{id}")) {
        return r;
    }
    let Some(kind) = inner.lock().unwrap().html.get(&id).copied() else {
        return (StatusCode::NOT_FOUND, "No HTML for this paper").into_response();
    };
    let a = abstract_of(&inner, &id);
    let head = format!(
        "<!DOCTYPE html><html><head><title>{id}</title></head><body><nav class=\"ltx_page_navbar\">Table of contents</nav>\
         <div class=\"ltx_page_main\"><div class=\"ltx_page_content\">\
         <article class=\"ltx_document\"><h1 class=\"ltx_title ltx_title_document\">Paper {id}</h1>\
         <div class=\"ltx_abstract\"><h6 class=\"ltx_title ltx_title_abstract\">Abstract</h6><p class=\"ltx_p\">{}</p></div>\
         <section class=\"ltx_section\" id=\"S1\"><h2 class=\"ltx_title ltx_title_section\">1 Introduction</h2>\
         <p class=\"ltx_p\">The loss is <math alttext=\"\\mathcal{{L}}=\\sum_{{i}}x_{{i}}^{{2}}\" display=\"inline\"><mi>L</mi></math> over the batch; HTML body of {id}.</p></section>",
        html_escape(&a)
    );
    // The rest of a whole paper: sections of the length a real one has.
    let rest: String = (2..=BODY_SECTIONS)
        .map(|n| {
            format!(
                "<section class=\"ltx_section\" id=\"S{n}\"><h2 class=\"ltx_title ltx_title_section\">{n} Section {n}</h2>{}</section>",
                format!("<p class=\"ltx_p\">{SECTION_TEXT}</p>").repeat(3)
            )
        })
        .collect();
    let bibliography =
        "<section class=\"ltx_bibliography\"><h2>References</h2><p>[1] A cited work.</p></section>";
    let foot = "</article></div><footer class=\"ltx_page_footer\"><div class=\"ltx_page_logo\">Generated by LaTeXML</div></footer></div></body></html>";
    let page = match kind {
        Html::Whole => format!("{head}{rest}{bibliography}{foot}"),
        // LaTeXML died after the introduction: what it had, then the banner ar5iv and arXiv
        // put at the end of the document.
        Html::Fatal => format!(
            "{head}<div class=\"ltx_document\"><div class=\"ltx_para\"><div class=\"ltx_p\"><span class=\"ltx_ERROR\">\n\
             Conversion to HTML had a Fatal error and exited abruptly. This document may be truncated or damaged.\n\
             </span></div></div></div>{foot}"
        ),
        // Stopped part-way without saying so: the introduction, then the page closed.
        Html::Partial => format!("{head}{foot}"),
    };
    ([("content-type", "text/html; charset=utf-8")], page).into_response()
}

/// Sections of a whole paper's HTML, and each one's paragraphs (three of them): together
/// longer than the text of a short paper.
const BODY_SECTIONS: usize = 12;
const SECTION_TEXT: &str = "We study how the sampler behaves when the number of steps shrinks, \
    measuring quality on ImageNet and COCO at several resolutions, and we report the variance \
    over five seeds. The distilled model keeps its quality down to four steps, while the \
    teacher degrades quickly below sixteen; the latent space matters more than the schedule, \
    as the ablations in the appendix show for both datasets and all three model sizes.";

async fn pdf(
    State(inner): State<Arc<Mutex<Inner>>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Some(r) = check(&inner, &headers, format!("/pdf/{id}")) {
        return r;
    }
    if inner.lock().unwrap().no_pdf.contains(&id) {
        return (StatusCode::NOT_FOUND, "No PDF for this paper").into_response();
    }
    let pages = inner.lock().unwrap().pdf_pages.max(1);
    ([("content-type", "application/pdf")], paper_pdf(&id, pages)).into_response()
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A two-column PDF about `id`, its page `pages` times over: the left column first in the
/// content stream, as LaTeX writes it, with a hyphen at a line end, the ligatures fi and fl as
/// glyphs of their own (as Computer Modern sets them) and a formula in text form.
fn paper_pdf(id: &str, pages: usize) -> Vec<u8> {
    let left = [
        format!("Paper {id}: PDF body"),
        "1 Introduction".to_string(),
        "Diffusion models generate images by itera-".to_string(),
        "tively denoising a sample from noise.".to_string(),
        // \u{1} and \u{2} become the codes 1 and 2: the ligatures fi and fl (the font's
        // /Differences).
        "We distil the ef\u{1}cient sampler's \u{2}ow in four steps and".to_string(),
        "train it with the loss L = sum_i x_i^2 over".to_string(),
        "the batch, which keeps the model small.".to_string(),
    ];
    let right = [
        "2 Results".to_string(),
        "On ImageNet the model reaches FID 2.1 and".to_string(),
        "runs 30 percent faster than the teacher.".to_string(),
        "Ablations show that the latent space and".to_string(),
        "the step schedule both matter for quality.".to_string(),
        "Code and weights are released openly.".to_string(),
    ];
    let esc = |s: &str| {
        s.replace('\\', "\\\\")
            .replace('(', "\\(")
            .replace(')', "\\)")
            .replace('\u{1}', "\\001")
            .replace('\u{2}', "\\002")
    };
    let mut content = String::from("BT\n/F1 10 Tf\n12 TL\n");
    for (x, lines) in [(50, &left[..]), (320, &right[..])] {
        content.push_str(&format!("1 0 0 1 {x} 740 Tm\n"));
        for l in lines {
            content.push_str(&format!("({}) Tj T*\n", esc(l)));
        }
    }
    content.push_str("ET\n");
    pdf_document(&vec![content; pages.max(1)])
}

/// A PDF of these pages' content streams, in Helvetica, with a correct cross-reference table.
fn pdf_document(pages: &[String]) -> Vec<u8> {
    // 1 catalog, 2 page tree, 3 font, then each page and its content.
    let kids: Vec<String> = (0..pages.len())
        .map(|i| format!("{} 0 R", 4 + 2 * i))
        .collect();
    let mut objects = vec![
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        format!(
            "<< /Type /Pages /Kids [{}] /Count {} >>",
            kids.join(" "),
            pages.len()
        ),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding << /Type /Encoding /BaseEncoding /WinAnsiEncoding /Differences [1 /fi /fl] >> >>".to_string(),
    ];
    for (i, content) in pages.iter().enumerate() {
        objects.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {} 0 R /Resources << /Font << /F1 3 0 R >> >> >>",
            5 + 2 * i
        ));
        objects.push(format!(
            "<< /Length {} >>\nstream\n{content}endstream",
            content.len()
        ));
    }
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for off in offsets {
        out.extend(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}
