//! arXiv on loopback: `/abs/<id>` (the abstract page), `/html/<id>` (the LaTeXML rendering,
//! for the ids given one) and `/pdf/<id>` (a real PDF, two columns of text set in Helvetica,
//! built here byte by byte with a correct cross-reference table). Like arXiv it wants automated
//! clients to say who they are: a request whose User-Agent does not name paperboy gets 403. It
//! records when each request came, so pacing can be checked.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

#[derive(Default)]
struct Inner {
    html: HashSet<String>,
    /// Ids whose PDF is missing (404), as for a withdrawn or unprocessed paper.
    no_pdf: HashSet<String>,
    abstracts: HashMap<String, String>,
    requests: Vec<(String, Instant)>,
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
        self.inner.lock().unwrap().html.insert(id.to_string());
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

    /// Paths requested, in order, with when.
    pub fn requests(&self) -> Vec<(String, Instant)> {
        self.inner.lock().unwrap().requests.clone()
    }
}

fn check(inner: &Mutex<Inner>, headers: &HeaderMap, path: String) -> Option<Response> {
    inner.lock().unwrap().requests.push((path, Instant::now()));
    let ua = headers
        .get("user-agent")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    (!ua.starts_with("paperboy/"))
        .then(|| (StatusCode::FORBIDDEN, "identify yourself").into_response())
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
    if !inner.lock().unwrap().html.contains(&id) {
        return (StatusCode::NOT_FOUND, "No HTML for this paper").into_response();
    }
    let a = abstract_of(&inner, &id);
    let page = format!(
        "<!DOCTYPE html><html><head><title>{id}</title></head><body><nav class=\"ltx_page_navbar\">Table of contents</nav>\
         <article class=\"ltx_document\"><h1 class=\"ltx_title ltx_title_document\">Paper {id}</h1>\
         <div class=\"ltx_abstract\"><h6 class=\"ltx_title ltx_title_abstract\">Abstract</h6><p class=\"ltx_p\">{}</p></div>\
         <section class=\"ltx_section\" id=\"S1\"><h2 class=\"ltx_title ltx_title_section\">1 Introduction</h2>\
         <p class=\"ltx_p\">The loss is <math alttext=\"\\mathcal{{L}}=\\sum_{{i}}x_{{i}}^{{2}}\" display=\"inline\"><mi>L</mi></math> over the batch; HTML body of {id}.</p></section>\
         <section class=\"ltx_bibliography\"><h2>References</h2><p>[1] A cited work.</p></section></article></body></html>",
        html_escape(&a)
    );
    ([("content-type", "text/html; charset=utf-8")], page).into_response()
}

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
    ([("content-type", "application/pdf")], two_column_pdf(&id)).into_response()
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A one-page, two-column PDF about `id`: the left column first in the content stream, as
/// LaTeX writes it, with a hyphen at a line end, the ligatures fi and fl as glyphs of their own
/// (as Computer Modern sets them) and a formula in text form.
pub fn two_column_pdf(id: &str) -> Vec<u8> {
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
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_string(),
        format!("<< /Length {} >>\nstream\n{content}endstream", content.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding << /Type /Encoding /BaseEncoding /WinAnsiEncoding /Differences [1 /fi /fl] >> >>".to_string(),
    ];
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
