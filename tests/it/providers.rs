//! Every common model provider on the first try: `paperboy summarize` (the real binary) of a
//! real day against a fake of each provider that refuses what the provider refuses, answers in
//! its shapes, and counts every call. Each run gives every paper its bullets, pays one call per
//! thing learned and no more, and a second process (everything summarised again) pays nothing
//! more: what was learned is in the database. No test reaches a real endpoint or model.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Arc;

use crate::support::arxiv::FakeArxiv;
use crate::support::engine::Env;
use crate::support::providers::{
    deepseek, gemini, groq, lmstudio, mistral, ollama, openai, openrouter, vllm, FakeProvider,
    Provider, Seen, KEY,
};
use paperboy::summaries::config::ApiKey;
use paperboy::summaries::worker::{Item, ItemOutcome, Summariser};

/// A Korean digest's day: summarised in English, every paper needs a call.
const DAY: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/digests/2024-10-18.md"
);
const PAPERS: usize = 9;

struct Bench {
    fake: FakeProvider,
    _arxiv: FakeArxiv,
    dir: tempfile::TempDir,
}

impl Bench {
    async fn start(provider: impl Provider, extra: &str) -> Bench {
        let fake = FakeProvider::start(provider).await;
        let arxiv = FakeArxiv::start().await;
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("bot.toml"),
            format!(
                "[summaries]\nbase_url = \"{}\"\nmodel = \"{}\"\nlanguage = \"en\"\n\
                 input = \"abstract\"\narxiv_base = \"{}\"\narxiv_interval_ms = 0\n{extra}\n",
                fake.base_url,
                fake.model(),
                arxiv.base_url
            ),
        )
        .unwrap();
        Bench {
            fake,
            _arxiv: arxiv,
            dir,
        }
    }

    async fn paperboy(&self, args: &[&str]) -> Output {
        let dir: PathBuf = self.dir.path().to_path_buf();
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            crate::support::process::paperboy(&dir)
                .env("PAPERBOY_SUMMARIES_API_KEY", KEY)
                .args(&args)
                .output()
        })
        .await
        .unwrap()
    }

    async fn summarize(&self, extra: &[&str]) -> (String, String) {
        let mut args = vec!["summarize", "--file", DAY, "--language", "en"];
        args.extend_from_slice(extra);
        let out = self.paperboy(&args).await;
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            out.status.success(),
            "{}: {stderr}\n{stdout}",
            self.fake.name()
        );
        (stdout, stderr)
    }

    fn dir(&self) -> &Path {
        self.dir.path()
    }
}

/// Runs the day twice, in two processes (the second with `--redo`), and checks the first
/// paid `learning` calls on top of one per paper and the second none. The requests of each.
async fn twice(bench: &Bench, learning: usize) -> (Vec<Seen>, Vec<Seen>) {
    let name = bench.fake.name();
    let (stdout, stderr) = bench.summarize(&[]).await;
    assert_eq!(
        stdout.matches("  • What's new: Paper ").count(),
        PAPERS,
        "{name}: every paper has its bullets\n{stdout}\n{stderr}"
    );
    assert!(!stdout.contains("no summary"), "{name}: {stdout}");
    let first = bench.fake.seen();
    assert_eq!(
        first.len(),
        PAPERS + learning,
        "{name}: one call per paper and one per thing learned: {:#?}",
        first
            .iter()
            .map(|s| (&s.body, s.refused))
            .collect::<Vec<_>>()
    );
    // A new process, everything again: nothing is learned twice.
    let (again, _) = bench.summarize(&["--redo"]).await;
    assert_eq!(
        again.matches("  • What's new: Paper ").count(),
        PAPERS,
        "{name}"
    );
    let second: Vec<Seen> = bench.fake.seen()[first.len()..].to_vec();
    assert_eq!(
        second.len(),
        PAPERS,
        "{name}: the second run learns nothing"
    );
    assert!(second.iter().all(|s| !s.refused), "{name}");
    assert!(
        again.contains(&format!("This run: {PAPERS} calls")),
        "{name}: {again}"
    );
    (first, second)
}

fn format_of(s: &Seen) -> &str {
    s.body["response_format"]["type"].as_str().unwrap_or("none")
}

fn schema_of(s: &Seen) -> String {
    s.body["response_format"]["json_schema"]["schema"].to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openai_reasoning_model_without_the_temperature_and_with_room_to_think() {
    // The operator asked for a temperature; the budget is small for a reasoning model.
    let bench = Bench::start(
        openai::Reasoning,
        "temperature = 0.2\nmax_output_tokens = 400",
    )
    .await;
    let (first, second) = twice(&bench, 2).await;
    // 1: refused for the temperature. 2: empty, cut at 400 by 512 reasoning tokens. 3: answered.
    assert!(first[0].refused && first[0].body["temperature"] == 0.2);
    assert!(!first[1].refused && first[1].body.get("temperature").is_none());
    assert_eq!(first[1].body["max_completion_tokens"], 400);
    assert_eq!(first[2].body["max_completion_tokens"], 4496);
    for s in first[1..].iter().chain(&second) {
        assert!(s.body.get("temperature").is_none() && s.body.get("max_tokens").is_none());
        assert_eq!(s.body["reasoning_effort"], "low");
        assert_eq!(format_of(s), "json_schema");
    }
    assert!(second
        .iter()
        .all(|s| s.body["max_completion_tokens"] == 4496));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openai_classic_model_without_reasoning_effort() {
    let bench = Bench::start(openai::Classic, "").await;
    let (first, second) = twice(&bench, 1).await;
    assert!(first[0].refused && first[0].body["reasoning_effort"] == "low");
    for s in first[1..].iter().chain(&second) {
        assert!(s.body.get("reasoning_effort").is_none());
        assert!(s.body.get("temperature").is_none(), "none configured");
        assert_eq!(format_of(s), "json_schema");
        assert_eq!(s.body["max_completion_tokens"], 1500);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mistral_gets_max_tokens_and_no_extra_fields() {
    let bench = Bench::start(mistral::Mistral, "temperature = 0.3").await;
    let (first, second) = twice(&bench, 1).await;
    // Both extra fields named in one 422, both learned from it.
    assert!(first[0].refused);
    for s in first[1..].iter().chain(&second) {
        assert_eq!(s.body["max_tokens"], 1500);
        assert!(s.body.get("max_completion_tokens").is_none());
        assert!(s.body.get("reasoning_effort").is_none());
        assert_eq!(s.body["temperature"], 0.3, "Mistral takes a temperature");
        assert_eq!(format_of(s), "json_schema");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gemini_gets_a_schema_it_knows_and_its_answer_without_ids_is_read() {
    let bench = Bench::start(gemini::Gemini, "").await;
    let (first, second) = twice(&bench, 1).await;
    assert!(first[0].refused && schema_of(&first[0]).contains("additionalProperties"));
    for s in first[1..].iter().chain(&second) {
        assert_eq!(format_of(s), "json_schema");
        let schema = schema_of(s);
        assert!(!schema.contains("additionalProperties"), "{schema}");
        assert!(
            schema.contains("\"minItems\":2"),
            "the rest of the schema stays"
        );
        assert_eq!(s.body["reasoning_effort"], "low");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deepseek_gets_json_mode_with_the_shape_in_the_prompt() {
    let bench = Bench::start(deepseek::DeepSeek, "").await;
    let (first, second) = twice(&bench, 1).await;
    assert!(first[0].refused && format_of(&first[0]) == "json_schema");
    for s in first[1..].iter().chain(&second) {
        assert_eq!(format_of(s), "json_object");
        let system = s.body["messages"][0]["content"].as_str().unwrap();
        assert!(system.contains("matching this JSON schema"), "{system}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lm_studio_takes_the_schema_as_it_is() {
    let bench = Bench::start(lmstudio::LmStudio { loaded: true }, "").await;
    let (first, _) = twice(&bench, 0).await;
    assert!(first.iter().all(|s| format_of(s) == "json_schema"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groq_learns_three_things_one_call_each_and_status_shows_them() {
    let bench = Bench::start(groq::Groq, "").await;
    let (first, second) = twice(&bench, 3).await;
    // reasoning_effort, then minItems, then maxItems: one refusal each.
    assert!(first[..3].iter().all(|s| s.refused));
    assert!(first[0].body.get("reasoning_effort").is_some());
    assert!(schema_of(&first[1]).contains("minItems"));
    assert!(
        !schema_of(&first[2]).contains("minItems") && schema_of(&first[2]).contains("maxItems")
    );
    for s in first[3..].iter().chain(&second) {
        assert_eq!(format_of(s), "json_schema");
        assert!(s.body.get("reasoning_effort").is_none());
        let schema = schema_of(s);
        assert!(
            !schema.contains("minItems") && !schema.contains("maxItems"),
            "{schema}"
        );
        assert!(schema.contains("\"enum\""), "the rest of the schema stays");
    }
    let status = bench.paperboy(&["status"]).await;
    let status = String::from_utf8_lossy(&status.stdout).into_owned();
    assert!(
        status.contains(
            "structured output: JSON schema; not sent: reasoning_effort; schema without: maxItems, minItems"
        ),
        "{status}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vllm_gets_json_mode_and_its_answer_is_read_from_reasoning_content() {
    let bench = Bench::start(vllm::Vllm, "").await;
    let (first, second) = twice(&bench, 1).await;
    assert!(first[0].refused);
    assert!(first[1..]
        .iter()
        .chain(&second)
        .all(|s| format_of(s) == "json_object"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ollama_thinking_model_answers_after_its_thoughts_in_a_fence() {
    let bench = Bench::start(ollama::Ollama, "").await;
    let (first, _) = twice(&bench, 0).await;
    assert!(first.iter().all(|s| format_of(s) == "json_schema"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openrouter_upstream_refusal_is_read_from_its_metadata() {
    let bench = Bench::start(openrouter::OpenRouter, "temperature = 0.2").await;
    let (first, second) = twice(&bench, 1).await;
    assert!(first[0].refused && first[0].body["temperature"] == 0.2);
    assert!(first[1..]
        .iter()
        .chain(&second)
        .all(|s| s.body.get("temperature").is_none()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_nothing_can_be_changed_for_fails_the_papers_not_the_endpoint_and_is_said_once() {
    let bench = Bench::start(lmstudio::LmStudio { loaded: false }, "").await;
    let out = bench
        .paperboy(&["summarize", "--file", DAY, "--language", "en"])
        .await;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    // Each paper tried once, none paused for: the endpoint is not down.
    assert_eq!(bench.fake.seen().len(), PAPERS, "{stderr}");
    assert_eq!(stdout.matches("no summary").count(), PAPERS, "{stdout}");
    assert!(
        !stdout.contains("Paused") && !stdout.contains("EndpointDown"),
        "{stdout}"
    );
    // Said once, in the provider's own words.
    assert_eq!(
        stderr
            .matches("No models loaded. Please load a model")
            .count(),
        1,
        "{stderr}"
    );
    assert!(stderr.contains("WARN"), "{stderr}");
    let status = bench.paperboy(&["status"]).await;
    let status = String::from_utf8_lossy(&status.stdout).into_owned();
    assert!(
        status.contains("last refused request") && status.contains("No models loaded."),
        "{status}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn summarize_check_says_what_the_endpoint_took_and_learned_and_stores_it() {
    let bench = Bench::start(
        openai::Reasoning,
        "temperature = 0.2\nmax_output_tokens = 400",
    )
    .await;
    let out = bench.paperboy(&["summarize", "--check"]).await;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    for line in [
        "Checking gpt-5-mini at http://",
        "Answered in ",
        ", 3 calls",
        "Structured output: JSON schema",
        "Parameters: max_completion_tokens 4496, reasoning_effort low, temperature not sent",
        // Two calls answered: the empty one cut at 400, then 512 reasoning + 160.
        "Tokens: 1800 in (0 cached), 1072 out (912 reasoning)",
        "Learned: `temperature` refused: no longer sent",
        "Learned: reasoning used the whole output budget: at least 4496 tokens from now on",
        "Stored for the bot: structured output: JSON schema; not sent: temperature; output budget at least 4496 tokens",
        "Answer: usable, 3 bullets",
    ] {
        assert!(stdout.contains(line), "{line:?} in\n{stdout}");
    }
    assert_eq!(bench.fake.seen().len(), 3);
    // Run again: what it knows is used, nothing is learned.
    let again = bench.paperboy(&["summarize", "--check"]).await;
    let again = String::from_utf8_lossy(&again.stdout).into_owned();
    assert!(
        again.contains("Known from before: structured output: JSON schema; not sent: temperature"),
        "{again}"
    );
    assert!(again.contains("Learned: nothing new"), "{again}");
    assert!(again.contains(", 1 call\n"), "{again}");
    assert_eq!(bench.fake.seen().len(), 4);

    // Without [summaries]: one clear line.
    std::fs::write(bench.dir().join("bot.toml"), "").unwrap();
    let out = bench.paperboy(&["summarize", "--check"]).await;
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success());
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("there is no [summaries] section"),
        "{stderr}"
    );
}

/// Papers summarised four at a time still pay one call per thing learned: until a request with
/// the current settings was answered, requests go one at a time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_learn_each_thing_once() {
    let fake = FakeProvider::start(groq::Groq).await;
    // Slow enough that four requests sent at once are at the endpoint together.
    fake.set_latency(std::time::Duration::from_millis(150));
    let arxiv = FakeArxiv::start().await;
    let extra = format!(
        "[summaries]\nbase_url = \"{}\"\nmodel = \"{}\"\nlanguage = \"en\"\ninput = \"abstract\"\n\
         concurrency = 4\narxiv_base = \"{}\"\narxiv_interval_ms = 0\n",
        fake.base_url,
        fake.model(),
        arxiv.base_url
    );
    let env = Env::with(&extra, |c, _| {
        c.summaries.as_mut().unwrap().api_key = Some(ApiKey::new(KEY));
    })
    .await;
    let s = Arc::new(Summariser::new(
        env.config.summaries.clone().unwrap(),
        env.store.clone(),
        paperboy::net::http_client(&env.config.network).unwrap(),
        Arc::new(env.clock.clone()),
        "http://127.0.0.1:9",
    ));
    let items: Vec<Item> = (1..=12)
        .map(|i| Item {
            language: "en".into(),
            arxiv_id: format!("2410.{i:05}"),
            title: format!("Paper {i}"),
            abstract_: None,
        })
        .collect();
    let results = s.round(items).await;
    assert!(
        results
            .iter()
            .all(|(_, o)| matches!(o, ItemOutcome::Written(_))),
        "{results:?}"
    );
    let seen = fake.seen();
    assert_eq!(
        seen.len(),
        12 + 3,
        "{:#?}",
        seen.iter().map(|s| s.refused).collect::<Vec<_>>()
    );
    assert_eq!(seen.iter().filter(|s| s.refused).count(), 3);
    // Stored for the next process.
    let stored = env
        .store
        .model_settings(&fake.base_url, fake.model())
        .await
        .unwrap()
        .unwrap();
    assert!(stored.learned.refused.contains("reasoning_effort"));
    assert_eq!(stored.learned.dropped_keywords.len(), 2);
}

/// The client is the same for a plain-text task (what `/papers ask` will send): no
/// `response_format`, the same lessons.
#[tokio::test]
async fn a_plain_text_task_is_adapted_the_same_way() {
    use paperboy::model::{ChatTask, Effort, Endpoint, Message, ModelClient, Output};
    let fake = FakeProvider::start(mistral::Mistral).await;
    let client = ModelClient::new(
        paperboy::net::http_client(&Default::default()).unwrap(),
        Endpoint {
            base_url: fake.base_url.clone(),
            model: fake.model().into(),
            key: Some(ApiKey::new(KEY)),
            timeout: std::time::Duration::from_secs(10),
        },
        None,
    );
    let task = ChatTask {
        messages: vec![
            Message::system("Answer questions about the paper in English."),
            Message::user("arXiv: 2410.00001\nWhat is new in it?"),
        ],
        output: Output::Text,
        max_output_tokens: 300,
        temperature: None,
        effort: Some(Effort::Low),
    };
    let c = client.complete(&task).await.unwrap();
    assert_eq!((c.calls, c.lessons.len()), (2, 2), "{:?}", c.lessons);
    assert!(c.text.contains("Paper 2410.00001 proposes"), "{}", c.text);
    assert_eq!(c.sent.mode, None);
    assert_eq!(c.sent.budget, Some(("max_tokens", 300)));
    assert!(fake
        .seen()
        .iter()
        .all(|s| s.body.get("response_format").is_none()));
    // Learned for the next task.
    let again = client.complete(&task).await.unwrap();
    assert_eq!(again.calls, 1);
}
