//! Summaries benchmark: the 68-paper day `tests/fixtures/digests/2025-02-19.md` summarised in
//! English (the Korean digest's own bullets would be free) through the real `Summariser`,
//! against a fake OpenAI-compatible endpoint that takes `SUMMARIES_LATENCY_MS` (default 3000)
//! per call and a fake arXiv serving each paper's HTML rendering (a body the size of a real
//! paper's, ~60,000 characters) at the default pacing of one request every
//! `SUMMARIES_ARXIV_MS` (default 3000) milliseconds.
//!
//! Run: `cargo bench --bench summaries` (release). Prints the wall time until every paper has
//! its summary at the default concurrency, the calls, the tokens sent and received (the fake
//! counts a token per 4 characters, about what real tokenisers give English), the peak memory,
//! and the text extraction time per paper (HTML and PDF).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::routing::{get, post};
use paperboy::clock::SystemClock;
use paperboy::source::markdown::parse_markdown;
use paperboy::store::Store;
use paperboy::summaries::config::SummariesConfig;
use paperboy::summaries::worker::{Item, ItemOutcome, Summariser};
use paperboy::summaries::{source, Input};
use serde_json::{json, Value};

const DAY: &str = "2025-02-19";

fn env_or(key: &str, default: u64) -> u64 {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A paper-sized body: sections of plain English with some formulas, ~60,000 characters.
fn paper_html(id: &str) -> String {
    let mut body = String::new();
    for s in 1..=8 {
        body.push_str(&format!(
            "<section class=\"ltx_section\"><h2>{s} Section</h2>"
        ));
        for p in 0..15 {
            body.push_str(&format!(
                "<p class=\"ltx_p\">Paragraph {p} of section {s} of paper {id} explains how the \
                 model is trained, with the loss <math alttext=\"\\mathcal{{L}}_{{{p}}}=\\sum_i x_i^2\">\
                 <mi>L</mi></math> and the results on the benchmark, which improve by {p}.{s} points \
                 over the baseline while using fewer parameters and less compute per token.</p>"
            ));
        }
        body.push_str("</section>");
    }
    format!(
        "<html><body><article><div class=\"ltx_abstract\"><p>We present paper {id}.</p></div>{body}\
         <section class=\"ltx_bibliography\"><p>[1] x</p></section></article></body></html>"
    )
}

#[derive(Clone)]
struct Fake {
    latency: Duration,
    calls: Arc<AtomicU64>,
}

async fn complete(State(f): State<Fake>, body: String) -> axum::Json<Value> {
    tokio::time::sleep(f.latency).await;
    f.calls.fetch_add(1, Ordering::Relaxed);
    let prompt_tokens = body.len() / 4;
    let content = json!({"bullets": [
        {"kind": "new", "text": "The paper proposes a smaller model that is trained faster than before."},
        {"kind": "method", "text": "It distils a large teacher into a student with a new loss on the latents."},
        {"kind": "results", "text": "It gains 3.2 points on the benchmark with 40% fewer parameters."}
    ]})
    .to_string();
    let completion_tokens = content.len() / 4;
    axum::Json(json!({
        "id": "chatcmpl-bench", "object": "chat.completion", "created": 1_733_300_000, "model": "bench",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens}
    }))
}

async fn html(Path(id): Path<String>) -> axum::response::Html<String> {
    axum::response::Html(paper_html(&id))
}

fn status_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0)
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("summaries: run with `cargo bench --bench summaries`");
        return;
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(run());
}

async fn run() {
    let latency = Duration::from_millis(env_or("SUMMARIES_LATENCY_MS", 3000));
    let pace = Duration::from_millis(env_or("SUMMARIES_ARXIV_MS", 3000));
    let text = std::fs::read(format!(
        "{}/tests/fixtures/digests/{DAY}.md",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let digest = parse_markdown(&text, DAY.parse().ok()).unwrap().digest;

    // Extraction alone, per paper.
    let doc = paper_html("2502.00000");
    let t = Instant::now();
    let n = 20;
    let mut chars = 0;
    for _ in 0..n {
        chars = source::html_text(doc.as_bytes()).1.unwrap().chars().count();
    }
    let html_ms = t.elapsed().as_secs_f64() * 1000.0 / f64::from(n);

    let fake = Fake {
        latency,
        calls: Arc::new(AtomicU64::new(0)),
    };
    let app = axum::Router::new()
        .route("/v1/chat/completions", post(complete))
        .route("/html/{id}", get(html))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("bench.db")).await.unwrap();
    let toml = format!(
        "[summaries]\nbase_url = \"http://{addr}/v1\"\nmodel = \"bench\"\nlanguage = \"en\"\n\
         arxiv_base = \"http://{addr}\"\narxiv_interval_ms = {}\n",
        pace.as_millis()
    );
    let cfg: SummariesConfig = paperboy::config::Config::from_toml(&toml, dir.path())
        .unwrap()
        .summaries
        .unwrap();
    assert_eq!(cfg.input, Input::FullText);
    let concurrency = cfg.concurrency;
    let s = Summariser::new(
        cfg,
        store.clone(),
        reqwest::Client::new(),
        Arc::new(SystemClock),
        "http://127.0.0.1:9",
    );
    let items: Vec<Item> = digest
        .papers
        .iter()
        .filter_map(|p| {
            Some(Item {
                language: "en".into(),
                arxiv_id: p.arxiv_id.clone()?,
                title: p.title.clone(),
                abstract_: p.abstract_.clone(),
            })
        })
        .collect();
    let papers = items.len();
    let started = Instant::now();
    let results = s.round(items).await;
    let wall = started.elapsed();
    let written = results
        .iter()
        .filter(|(_, o)| matches!(o, ItemOutcome::Written(_)))
        .count();
    let usage = store
        .summary_usage(chrono::Utc::now().date_naive())
        .await
        .unwrap();
    let (calls, tin, tout) = usage.iter().fold((0, 0, 0), |a, (_, u, _)| {
        (a.0 + u.calls, a.1 + u.tokens_in, a.2 + u.tokens_out)
    });
    println!("summaries of {DAY}: {papers} papers, concurrency {concurrency}, {} ms per call, arXiv every {} ms", latency.as_millis(), pace.as_millis());
    println!("written:          {written} of {papers}");
    let mut others: Vec<String> = results
        .iter()
        .filter(|(_, o)| !matches!(o, ItemOutcome::Written(_)))
        .map(|(i, o)| format!("{}: {o:?}", i.arxiv_id))
        .collect();
    others.truncate(5);
    if !others.is_empty() {
        println!("not written:      {}", others.join("; "));
    }
    println!(
        "wall time:        {:.1} s until every paper had its summary",
        wall.as_secs_f64()
    );
    println!(
        "calls:            {calls} ({} at the fake)",
        fake.calls.load(Ordering::Relaxed)
    );
    println!(
        "tokens:           {tin} in, {tout} out ({} in per call)",
        tin / calls.max(1)
    );
    println!(
        "peak memory:      {:.1} MB (VmHWM)",
        status_kb("VmHWM") as f64 / 1024.0
    );
    println!("HTML extraction:  {html_ms:.1} ms per paper ({chars} characters of text)");
}
