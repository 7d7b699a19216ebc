//! Fan-out benchmark: one day's digest (2024-04-02, 12 papers → 2 messages per channel) delivered
//! to 1,000 and 10,000 subscribed channels through `Deliverer::tick`, against the fake Discord
//! enforcing a global request limit and per-channel message buckets.
//!
//! Run: `cargo bench --bench fanout` (release build). Quick run:
//! `FANOUT_CHANNELS=1000 FANOUT_BASELINE_CHANNELS=0 cargo bench --bench fanout`.
//!
//! Discord allows 50 requests/s; to keep runs short everything is scaled by `FANOUT_SCALE`
//! (default 10): the fake allows 50 × scale requests/s and the bot is configured for
//! 45 × scale, the same 90 % of the limit it uses in production. Per-channel buckets stay at
//! Discord's 5 messages / 5 s.
//!
//! Two HTTP paths: **proxy mode** (`discord.api_base`, serenity's limiter off, paperboy's own
//! pacing and 429 handling) and the **production path** (serenity's rate limiter on, Discord
//! reached over HTTPS through the fake's CONNECT proxy, as in production behind an egress proxy;
//! `FANOUT_PRODUCTION_CHANNELS`, default 1000).
//!
//! The fake runs in a child process (this same binary, `FANOUT_ROLE=fake`), so the peak RSS
//! printed is the bot's alone: the fake keeps every message it received in memory, which would
//! otherwise dominate the figure.

// The test suite's fake, of which this uses a part.
#[allow(dead_code)]
#[path = "../tests/it/support/fake_discord/mod.rs"]
mod fake_discord;
// The tests' subscription builder, of which this uses a part.
#[allow(dead_code)]
#[path = "../tests/it/support/subscription.rs"]
mod subscription;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, TimeZone, Utc};
use paperboy::clock::ManualClock;
use paperboy::config::Config;
use paperboy::deliver::{plan, Deliverer, Tuning};
use paperboy::render::{paper_embed, MessageSpec};
use paperboy::source::fetch::{Fetcher, Look, Role};
use paperboy::store::Store;
use subscription::sub;
use tokio_util::sync::CancellationToken;

const DISCORD_GLOBAL_LIMIT: u32 = 50;
const BOT_LIMIT: u32 = 45;
const GUILD: u64 = 900_000;
const FIRST_CHANNEL: u64 = 1_000_000_000_000_000_000;

fn main() {
    if std::env::var("FANOUT_ROLE").as_deref() == Ok("fake") {
        return run_fake();
    }
    // `cargo bench` passes `--bench`; anything else (e.g. `cargo test --benches`) only checks
    // that the binary builds and starts.
    if !std::env::args().any(|a| a == "--bench") {
        println!("fanout: run with `cargo bench --bench fanout`");
        return;
    }
    let scale: u32 = env_or("FANOUT_SCALE", 10);
    let sizes: Vec<usize> = std::env::var("FANOUT_CHANNELS")
        .unwrap_or_else(|_| "1000,10000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let baseline: usize = env_or("FANOUT_BASELINE_CHANNELS", 1000);
    let production: usize = env_or("FANOUT_PRODUCTION_CHANNELS", 1000);
    let fake_limit = DISCORD_GLOBAL_LIMIT * scale;
    let bot_limit = BOT_LIMIT * scale;
    println!(
        "fanout: scale ×{scale}: fake global limit {fake_limit}/s (Discord: {DISCORD_GLOBAL_LIMIT}/s), \
         bot limit {bot_limit}/s (production: {BOT_LIMIT}/s), per-channel bucket 5 msgs / 5 s"
    );
    println!(
        "{:<34} {:>8} {:>8} {:>6} {:>8} {:>8} {:>6} {:>9}",
        "run", "channels", "requests", "429s", "wall s", "floor s", "ratio", "peak RSS"
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    for n in sizes {
        rt.block_on(run(n, Packing::Packed, Route::Proxy, fake_limit, bot_limit));
    }
    if production > 0 {
        rt.block_on(run(
            production,
            Packing::Packed,
            Route::Production,
            fake_limit,
            bot_limit,
        ));
    }
    if baseline > 0 {
        rt.block_on(run(
            baseline,
            Packing::OnePerPaper,
            Route::Proxy,
            fake_limit,
            bot_limit,
        ));
    }
    println!(
        "peak RSS: the bot side only (VmHWM of this process, reset before each run); the fake \
         runs in a child process"
    );
}

/// How the bot's requests reach the fake.
#[derive(Clone, Copy, PartialEq)]
enum Route {
    /// `discord.api_base`: serenity's limiter off, paperboy's own 429 handling.
    Proxy,
    /// serenity's rate limiter on, `https://discord.com` through the fake's CONNECT proxy.
    Production,
}

#[derive(Clone, Copy, PartialEq)]
enum Packing {
    /// What paperboy sends: the packer's fewest messages (2 for this digest).
    Packed,
    /// Baseline: one message per paper (12), planned straight into the ledger and resumed.
    OnePerPaper,
}

/// Channels served at once. Packed: the production default (32) is enough to keep the limiter
/// busy. The baseline's 12 messages per channel run into the 5-per-5-s channel bucket, so it gets
/// enough concurrency to still reach the global limit: the comparison shows the request count,
/// not a concurrency handicap.
fn concurrency(packing: Packing) -> usize {
    match packing {
        Packing::Packed => env_or("FANOUT_CONCURRENCY", 32),
        Packing::OnePerPaper => env_or("FANOUT_BASELINE_CONCURRENCY", 512),
    }
}

fn env_or<T: std::str::FromStr>(key: &str, default: T) -> T {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn run(channels: usize, packing: Packing, route: Route, fake_limit: u32, bot_limit: u32) {
    let dir = tempfile::tempdir().expect("tempdir");
    let digests = dir.path().join("digests");
    std::fs::create_dir(&digests).unwrap();
    let day: NaiveDate = Utc::now().date_naive() + chrono::Duration::days(2);
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/digests/2024-04-02.md"),
        digests.join(format!("{day}.md")),
    )
    .expect("fixture digest");

    let mut fake = FakeProcess::spawn(fake_limit, channels);

    let toml = "[schedule]\ncron = \"0 0 9 * * *\"\ntimezone = \"UTC\"\n\
                [source]\nkind = \"folder\"\npath = \"digests\"\nfallback_hf_api = false\n\
                [database]\npath = \"bench.db\"\n\
                [delivery]\nmax_retries = 5\n";
    let mut config = Config::from_toml(toml, dir.path()).expect("config");
    config.delivery.concurrency = concurrency(packing);
    // Scaled with the fake's limit (the config file caps this at Discord's 50).
    config.delivery.requests_per_second = bot_limit;
    match route {
        Route::Proxy => config.discord.api_base = Some(fake.base_url.clone()),
        Route::Production => {
            config.network = paperboy::config::NetworkConfig {
                https_proxy: Some(fake.proxy_url.clone()),
                ca_file: Some(fake.ca_file.clone().into()),
            }
        }
    }
    let config = Arc::new(config);
    let store = Store::open(&config.database_path).await.expect("store");
    for i in 0..channels as u64 {
        store
            .upsert_subscription(&sub(FIRST_CHANNEL + i).guild(GUILD).build())
            .await
            .expect("subscribe");
    }
    let fetcher = Arc::new(Fetcher::new(
        store.clone(),
        &config.source,
        paperboy::net::http_client(&config.network).unwrap(),
    ));
    let now = Utc.from_utc_datetime(&day.and_hms_opt(9, 0, 30).unwrap());
    let digest = match fetcher
        .look(Role::Primary, day, now, true)
        .await
        .expect("store")
    {
        Look::Final(a) => a.digest.clone(),
        other => panic!("no digest for {day}: {other:?}"),
    };
    if packing == Packing::OnePerPaper {
        let items: Vec<(u64, Vec<(String, serde_json::Value)>)> = (0..channels as u64)
            .map(|i| {
                let channel = FIRST_CHANNEL + i;
                let msgs = digest
                    .papers
                    .iter()
                    .enumerate()
                    .map(|(idx, p)| {
                        let nonce = plan::nonce(channel, day, idx as u32)
                            .expect("a baseline day has fewer than 1,296 papers");
                        let spec = MessageSpec {
                            content: None,
                            embeds: vec![paper_embed(p, &[], day)],
                            menu: None,
                        };
                        let body = spec.to_json(Some(&nonce));
                        (nonce, body)
                    })
                    .collect();
                (channel, msgs)
            })
            .collect();
        store
            .plan_deliveries(day, None, &items, &Default::default(), &Default::default())
            .await
            .expect("baseline plan");
    }

    // The bot's own client builder, whichever path.
    let signals = paperboy::deliver::ratelimit::RateLimitSignals::new();
    let http = Arc::new(paperboy::bot::client::build_http(
        &paperboy::config::Token::new("fake-token"),
        &config.discord,
        paperboy::net::http_client(&config.network).expect("client"),
        &signals,
    ));
    let clock = ManualClock::new(now);
    let deliverer = Deliverer::new(http, store.clone(), fetcher, config, Arc::new(clock))
        .with_signals(signals)
        .with_tuning(Tuning {
            plan_chunk: env_or("FANOUT_PLAN_CHUNK", Tuning::default().plan_chunk),
            ..Tuning::default()
        });

    reset_peak_rss();
    if std::env::var("FANOUT_DEBUG").is_ok() {
        eprintln!("before tick: {}", proc_status_line("VmRSS"));
        eprintln!("before tick: {}", proc_status_line("VmHWM"));
    }
    let started = Instant::now();
    let pass = deliverer.tick(&CancellationToken::new()).await;
    let wall = started.elapsed();
    let rss = peak_rss_kb();
    if std::env::var("FANOUT_DEBUG").is_ok() {
        eprintln!("after tick: {}", proc_status_line("VmRSS"));
        eprintln!("pass: {pass}");
    }
    let stats = fake.stats();
    drop(fake);

    let expected = match packing {
        Packing::Packed => 2,
        Packing::OnePerPaper => 12,
    } * channels as u64;
    assert_eq!(
        stats.messages, expected,
        "every channel served exactly once ({pass})"
    );
    let floor = stats.requests as f64 / f64::from(fake_limit);
    let label = match (packing, route) {
        (Packing::Packed, Route::Proxy) => "packed (2 msgs/channel)".to_string(),
        (Packing::Packed, Route::Production) => "packed, production path".to_string(),
        (Packing::OnePerPaper, _) => "baseline 1 msg/paper (12/channel)".to_string(),
    };
    println!(
        "{:<34} {:>8} {:>8} {:>6} {:>8.2} {:>8.2} {:>6.3} {:>6.1} MB",
        label,
        channels,
        stats.requests,
        stats.rate_limited,
        wall.as_secs_f64(),
        floor,
        wall.as_secs_f64() / floor,
        rss as f64 / 1024.0
    );
    store.close().await;
}

/// Peak resident set size of this process in KiB (`VmHWM`).
fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn proc_status_line(key: &str) -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with(key)).map(str::to_string))
        .unwrap_or_default()
}

/// Resets `VmHWM` to the current RSS (Linux: writing 5 to `clear_refs`), so each run reports its
/// own peak rather than the largest so far.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

// ---------------------------------------------------------------------------------------------
// The fake Discord in a child process, driven over stdin/stdout with one-line commands.
// ---------------------------------------------------------------------------------------------

struct FakeProcess {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    base_url: String,
    proxy_url: String,
    ca_file: String,
}

struct FakeStats {
    requests: u64,
    rate_limited: u64,
    messages: u64,
}

impl FakeProcess {
    fn spawn(global_limit: u32, channels: usize) -> FakeProcess {
        let mut child = Command::new(std::env::current_exe().expect("own path"))
            .env("FANOUT_ROLE", "fake")
            .env("FANOUT_FAKE_LIMIT", global_limit.to_string())
            .env("FANOUT_FAKE_CHANNELS", channels.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the fake");
        let stdin = child.stdin.take().expect("stdin");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        stdout.read_line(&mut line).expect("fake url");
        let mut parts = line.split_whitespace().map(str::to_string);
        FakeProcess {
            child,
            stdin,
            stdout,
            base_url: parts.next().expect("base url"),
            proxy_url: parts.next().expect("proxy url"),
            ca_file: parts.next().expect("CA file"),
        }
    }

    fn stats(&mut self) -> FakeStats {
        writeln!(self.stdin, "stats").expect("ask stats");
        let mut line = String::new();
        self.stdout.read_line(&mut line).expect("stats");
        let n: Vec<u64> = line
            .split_whitespace()
            .map(|x| x.parse().expect("number"))
            .collect();
        FakeStats {
            requests: n[0],
            rate_limited: n[1],
            messages: n[2],
        }
    }
}

impl Drop for FakeProcess {
    fn drop(&mut self) {
        let _ = writeln!(self.stdin, "quit");
        let _ = self.child.wait();
    }
}

fn run_fake() {
    let limit: u32 = env_or("FANOUT_FAKE_LIMIT", 500);
    let channels: u64 = env_or("FANOUT_FAKE_CHANNELS", 1000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let fake = fake_discord::FakeDiscord::start_with(fake_discord::FakeConfig {
            global_limit_per_sec: Some(limit),
            channel_bucket: Some((5, Duration::from_secs(5))),
            ..fake_discord::FakeConfig::default()
        })
        .await;
        fake.add_guild(GUILD, None);
        for i in 0..channels {
            fake.add_channel(GUILD, FIRST_CHANNEL + i, 0);
        }
        println!(
            "{} {} {}",
            fake.base_url(),
            fake.proxy_url(),
            fake.ca_file().display()
        );
        let mut lines = BufReader::new(std::io::stdin()).lines();
        loop {
            let line = tokio::task::block_in_place(|| lines.next());
            match line.as_ref().map(|l| l.as_ref().map(String::as_str)) {
                Some(Ok("stats")) => {
                    let s = fake.stats();
                    println!(
                        "{} {} {}",
                        s.total_requests, s.rate_limited, s.messages_created
                    );
                }
                _ => break,
            }
        }
        fake.shutdown().await;
    });
}
