//! What an operator graphs and alerts on, through the `metrics` facade: every figure has its
//! name and labels here, so the set stays small and documented. Without `metrics.listen` no
//! recorder is installed and each call below costs an atomic load and nothing else.
//!
//! Labels are low-cardinality on purpose (a kind of source, never its URL; `channel` or `dm`,
//! never an id): a time series per channel would make the exporter the biggest thing in memory.

use std::sync::Mutex;
use std::time::Duration;

use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};
use metrics_exporter_prometheus::{BuildError, Matcher, PrometheusBuilder, PrometheusHandle};

pub const MESSAGES_SENT: &str = "paperboy_messages_sent_total";
pub const RATE_LIMITED: &str = "paperboy_discord_429_total";
pub const RATE_LIMIT_WAITS: &str = "paperboy_discord_rate_limit_waits_total";
pub const SERVER_ERRORS: &str = "paperboy_discord_5xx_total";
pub const REFUSALS: &str = "paperboy_discord_refusals_total";
pub const RETRIES: &str = "paperboy_delivery_retries_total";
pub const PAUSED: &str = "paperboy_channels_paused";
pub const LAG: &str = "paperboy_delivery_lag_seconds";
pub const FETCHES: &str = "paperboy_digest_fetches_total";
pub const PASSES: &str = "paperboy_scheduler_passes_total";
pub const PROCESSES: &str = "paperboy_processes";
pub const SUMMARY_CALLS: &str = "paperboy_summary_calls_total";
pub const SUMMARY_TOKENS: &str = "paperboy_summary_tokens_total";
pub const SUMMARIES: &str = "paperboy_summaries_total";
pub const SUMMARY_CALLS_TODAY: &str = "paperboy_summary_calls_today";
pub const SUMMARY_TOKENS_TODAY: &str = "paperboy_summary_tokens_today";
pub const ASK_QUESTIONS: &str = "paperboy_ask_questions_total";
pub const ASK_CALLS: &str = "paperboy_ask_calls_total";
pub const ASK_TOKENS: &str = "paperboy_ask_tokens_total";
pub const ASK_QUESTIONS_TODAY: &str = "paperboy_ask_questions_today";
pub const ASK_TOKENS_TODAY: &str = "paperboy_ask_tokens_today";
pub const EMBEDDING_CALLS: &str = "paperboy_embedding_calls_total";
pub const EMBEDDING_TOKENS: &str = "paperboy_embedding_tokens_total";
pub const EMBEDDED_PAPERS: &str = "paperboy_embedded_papers_total";
pub const FOR_YOU_RECOMMENDED: &str = "paperboy_for_you_recommendations_total";
pub const FOLLOWUPS_TOLD: &str = "paperboy_followups_told_total";

/// Lag buckets: seconds to an hour and more (a post waiting on a late digest counts too).
const LAG_BUCKETS: [f64; 12] = [
    1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0, 7200.0, 21600.0,
];

/// Installs the process-wide recorder (once; later calls get the same handle).
pub fn install() -> Result<PrometheusHandle, BuildError> {
    static HANDLE: Mutex<Option<PrometheusHandle>> = Mutex::new(None);
    let mut slot = HANDLE.lock().expect("metrics handle lock");
    if let Some(h) = slot.as_ref() {
        return Ok(h.clone());
    }
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Full(LAG.to_string()), &LAG_BUCKETS)?
        .install_recorder()?;
    describe();
    *slot = Some(handle.clone());
    Ok(handle)
}

fn describe() {
    describe_counter!(
        MESSAGES_SENT,
        "Messages posted to Discord (target: channel or dm)"
    );
    describe_counter!(
        RATE_LIMITED,
        "429 answers paperboy saw (scope: route or global); on the production path serenity waits \
         out route 429s itself and only global ones are counted here"
    );
    describe_counter!(
        RATE_LIMIT_WAITS,
        "Waits serenity's rate limiter announced (scope: route or global), production path"
    );
    describe_counter!(SERVER_ERRORS, "5xx answers from Discord");
    describe_counter!(
        REFUSALS,
        "4xx answers from Discord other than 429, by HTTP status and Discord's JSON error code \
         (code -1: the body had none)"
    );
    describe_counter!(
        RETRIES,
        "Requests retried after a transient failure (5xx, timeout, connection)"
    );
    describe_gauge!(
        PAUSED,
        "Subscribed channels paused, by a member or by paperboy after Discord refused them"
    );
    describe_histogram!(
        LAG,
        "Seconds from a post's due time to its last message (target: channel or dm)"
    );
    describe_counter!(
        FETCHES,
        "Digest downloads (source: folder, url or hf_api; outcome: ok, not_published or error)"
    );
    describe_counter!(PASSES, "Delivery passes the scheduler ran");
    describe_counter!(
        SUMMARY_CALLS,
        "Chat-completion calls made to write summaries"
    );
    describe_counter!(
        SUMMARY_TOKENS,
        "Tokens the summaries endpoint reported (direction: in = prompt, out = completion)"
    );
    describe_counter!(
        SUMMARIES,
        "Papers summarised or not (outcome: written, failed, given_up, endpoint_error)"
    );
    describe_gauge!(
        SUMMARY_CALLS_TODAY,
        "Chat-completion calls so far this UTC day (all processes sharing the database)"
    );
    describe_gauge!(
        SUMMARY_TOKENS_TODAY,
        "Tokens so far this UTC day (direction: in or out; all processes sharing the database)"
    );
    describe_counter!(
        ASK_QUESTIONS,
        "Questions asked with /papers ask (outcome: answered, capped, no_text, model_error, \
         declined, empty)"
    );
    describe_counter!(ASK_CALLS, "Chat-completion calls made to answer questions");
    describe_counter!(
        ASK_TOKENS,
        "Tokens the endpoint reported for questions (direction: in = prompt, out = completion)"
    );
    describe_gauge!(
        ASK_QUESTIONS_TODAY,
        "Questions answered so far this UTC day (all processes sharing the database)"
    );
    describe_gauge!(
        ASK_TOKENS_TODAY,
        "Tokens questions used so far this UTC day (direction: in or out; all processes)"
    );
    describe_counter!(
        EMBEDDING_CALLS,
        "Embedding requests made for \"for you\" (summaries.embedding_model)"
    );
    describe_counter!(EMBEDDING_TOKENS, "Tokens the embeddings endpoint reported");
    describe_counter!(EMBEDDED_PAPERS, "Papers embedded (each once per model)");
    describe_counter!(
        FOR_YOU_RECOMMENDED,
        "Papers recommended in DMs for matching no term but being close to a reading list \
         (backend: lexical or embeddings)"
    );
    describe_counter!(
        FOLLOWUPS_TOLD,
        "Follow-ups on saved papers told in DMs (kind: code, project, models, datasets)"
    );
    describe_gauge!(
        PROCESSES,
        "Bot processes sharing the database (the request budget is divided between them)"
    );
}

fn target(dm: bool) -> &'static str {
    if dm {
        "dm"
    } else {
        "channel"
    }
}

fn scope(global: bool) -> &'static str {
    if global {
        "global"
    } else {
        "route"
    }
}

pub fn message_sent(dm: bool) {
    counter!(MESSAGES_SENT, "target" => target(dm)).increment(1);
}

pub fn rate_limited(global: bool) {
    counter!(RATE_LIMITED, "scope" => scope(global)).increment(1);
}

pub fn rate_limit_wait(global: bool) {
    counter!(RATE_LIMIT_WAITS, "scope" => scope(global)).increment(1);
}

pub fn server_error() {
    counter!(SERVER_ERRORS).increment(1);
}

/// A 4xx answer other than 429 (those are [`rate_limited`]). Discord's codes are a bounded set,
/// so labelling by them keeps the series few.
pub fn refusal(status: u16, code: isize) {
    if (400..500).contains(&status) && status != 429 {
        counter!(REFUSALS, "status" => status.to_string(), "code" => code.to_string()).increment(1);
    }
}

pub fn retry() {
    counter!(RETRIES).increment(1);
}

pub fn paused_channels(n: u64) {
    gauge!(PAUSED).set(n as f64);
}

pub fn delivery_lag(dm: bool, lag: Duration) {
    histogram!(LAG, "target" => target(dm)).record(lag.as_secs_f64());
}

pub fn digest_fetch(source: &'static str, outcome: &'static str) {
    counter!(FETCHES, "source" => source, "outcome" => outcome).increment(1);
}

pub fn pass() {
    counter!(PASSES).increment(1);
}

pub fn processes(n: u64) {
    gauge!(PROCESSES).set(n as f64);
}

pub fn summary(outcome: &'static str) {
    counter!(SUMMARIES, "outcome" => outcome).increment(1);
}

/// A call's cost (counters) and the day's total so far (gauges, read back from the store so
/// every process shows the same day).
pub fn summary_usage(call: crate::summaries::Usage) {
    counter!(SUMMARY_CALLS).increment(call.calls);
    counter!(SUMMARY_TOKENS, "direction" => "in").increment(call.tokens_in);
    counter!(SUMMARY_TOKENS, "direction" => "out").increment(call.tokens_out);
}

pub fn summary_day(total: crate::summaries::Usage) {
    gauge!(SUMMARY_CALLS_TODAY).set(total.calls as f64);
    gauge!(SUMMARY_TOKENS_TODAY, "direction" => "in").set(total.tokens_in as f64);
    gauge!(SUMMARY_TOKENS_TODAY, "direction" => "out").set(total.tokens_out as f64);
}

/// A question's outcome (see [`ASK_QUESTIONS`]).
pub fn ask(outcome: &'static str) {
    counter!(ASK_QUESTIONS, "outcome" => outcome).increment(1);
}

/// An answer's cost (counters), and the day's questions and cost so far (gauges, read back from
/// the store so every process shows the same day).
pub fn ask_usage(call: crate::summaries::Usage) {
    counter!(ASK_CALLS).increment(call.calls);
    counter!(ASK_TOKENS, "direction" => "in").increment(call.tokens_in);
    counter!(ASK_TOKENS, "direction" => "out").increment(call.tokens_out);
}

pub fn ask_day(questions: u64, total: crate::summaries::Usage) {
    gauge!(ASK_QUESTIONS_TODAY).set(questions as f64);
    gauge!(ASK_TOKENS_TODAY, "direction" => "in").set(total.tokens_in as f64);
    gauge!(ASK_TOKENS_TODAY, "direction" => "out").set(total.tokens_out as f64);
}

/// An embedding request's cost.
pub fn embedding_usage(usage: crate::store::EmbeddingUsage) {
    counter!(EMBEDDING_CALLS).increment(usage.calls);
    counter!(EMBEDDING_TOKENS).increment(usage.tokens);
    counter!(EMBEDDED_PAPERS).increment(usage.papers);
}

pub fn for_you_recommended(embeddings: bool, n: u64) {
    let backend = if embeddings { "embeddings" } else { "lexical" };
    counter!(FOR_YOU_RECOMMENDED, "backend" => backend).increment(n);
}

pub fn followup_told(kind: &'static str) {
    counter!(FOLLOWUPS_TOLD, "kind" => kind).increment(1);
}
