//! `paperboy run` as an operator starts it: the real binary against the fake Discord, reached the
//! way production reaches Discord behind an egress proxy (`HTTPS_PROXY` and `SSL_CERT_FILE` in
//! the environment, `https://discord.com` and `wss://gateway.discord.gg` through the proxy),
//! stopped with SIGTERM. Checks the start-up (database created and migrated, commands
//! registered), the clean shutdown, logs fit for a file, that the token never reaches the logs
//! even at trace level, and the failures an operator meets first.

use std::time::Duration;

use crate::support::fake_discord::{guild_on, interaction, Failure, FakeConfig, FakeDiscord};
use crate::support::machine;
use crate::support::process::{paperboy, Running};

const TOKEN: &str = "MTIzNDU2Nzg5MDEyMzQ1Njc4.secret-token-that-must-not-be-logged";

/// A bot directory reading digests from an empty folder.
fn bot_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("digests")).unwrap();
    std::fs::write(
        dir.path().join("bot.toml"),
        "[source]\nkind = \"folder\"\npath = \"digests\"\nfallback_hf_api = false\n",
    )
    .unwrap();
    dir
}

/// `paperboy run` in `dir`, behind the fake's proxy, configured by the environment only, its
/// log read.
fn run_bot(dir: &std::path::Path, fake: &FakeDiscord, rust_log: &str) -> Running {
    run_bot_with(dir, fake, rust_log, &[])
}

/// [`run_bot`] with more arguments after `run`.
fn run_bot_with(
    dir: &std::path::Path,
    fake: &FakeDiscord,
    rust_log: &str,
    args: &[&str],
) -> Running {
    paperboy(dir)
        .args(&["run"])
        .args(args)
        .token(TOKEN)
        .log(rust_log)
        .through(fake)
        .start()
}

async fn production_fake() -> FakeDiscord {
    let fake = FakeDiscord::start_with(FakeConfig {
        bot_token: TOKEN.to_string(),
        ..FakeConfig::default()
    })
    .await;
    fake.set_gateway_url("wss://gateway.discord.gg");
    fake.add_guild(3, None);
    fake
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_starts_migrates_registers_and_stops_cleanly_on_sigterm_without_logging_the_token() {
    let fake = production_fake().await;
    let dir = bot_dir();
    let bot = run_bot(dir.path(), &fake, "trace");

    assert!(fake.wait_until_ready(Duration::from_secs(30)).await);
    for _ in 0..600 {
        if fake.registered_commands().is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        fake.registered_commands().is_some(),
        "commands never registered"
    );
    assert!(
        dir.path().join("paperboy.db").exists(),
        "the database is created on first start"
    );
    // The token reached Discord (the fake) in the Authorization header and the IDENTIFY...
    let identify = fake.identifies()[0].to_string();
    assert!(identify.contains(TOKEN), "{identify}");

    assert!(bot.sigterm().success());
    let (exit, log) = bot.exit_within(Duration::from_secs(30)).await;
    assert!(exit.success(), "exit {exit:?}\n{log}");
    assert!(log.contains("clean shutdown"), "{log}");
    assert!(log.contains("delivery scheduler stopped"), "{log}");
    // ...but never the logs, not even serenity's trace output.
    assert!(
        !log.contains("secret-token-that-must-not-be-logged"),
        "token logged"
    );
    // A file or journald gets no colour codes, and a requested shutdown is no warning.
    assert!(
        !log.contains('\u{1b}'),
        "ANSI escapes in a log that is not a terminal"
    );
    let after_signal = log.split("shutdown requested").nth(1).unwrap_or_default();
    assert!(
        !after_signal.lines().any(|l| l.contains(" WARN ")),
        "{after_signal}"
    );
    // Nothing but Discord's real names through the proxy.
    let mut hosts = fake.connects();
    hosts.sort();
    hosts.dedup();
    assert_eq!(hosts, vec!["discord.com:443", "gateway.discord.gg:443"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_token_is_checked_once_and_the_bot_exits_saying_so() {
    let fake = production_fake().await;
    fake.reject_token(true);
    let dir = bot_dir();
    let (exit, log) = run_bot(dir.path(), &fake, "info").exit_and_log().await;
    assert!(!exit.success());
    assert!(
        log.contains("refused the bot token") && log.contains("DISCORD_TOKEN"),
        "{log}"
    );
    // Asked once, not retried every few seconds.
    let me = fake
        .requests()
        .iter()
        .filter(|r| r.path == "/users/@me")
        .count();
    assert_eq!(me, 1);
    assert!(fake.identifies().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_that_keeps_closing_does_not_flood_the_log() {
    let fake = production_fake().await;
    let dir = bot_dir();
    let bot = run_bot(dir.path(), &fake, "info");
    assert!(fake.wait_until_ready(Duration::from_secs(30)).await);
    // The session is up; from now on every connection is accepted and closed at once.
    fake.close_next_connections(100_000, 1011);
    fake.close_sessions(1011);
    tokio::time::sleep(Duration::from_secs(8)).await;
    let (exit, log) = bot.stop().await;
    assert!(exit.success(), "{log}");
    // serenity alone reconnected hundreds of times a second; the tunnel backs off (0, 0, 1,
    // 2, 4 s …), so 8 seconds see a handful of connections, and the log a handful of lines.
    let connects = fake
        .connects()
        .iter()
        .filter(|c| c.starts_with("gateway"))
        .count();
    assert!(connects <= 8, "{connects} gateway connections in 8 s");
    assert!(log.lines().count() < 60, "{log}");
    assert!(log.contains("waiting before connecting again"), "{log}");
}

/// The SQLite way past one process: each process opens its own shards and keeps its own
/// database (its guilds' channels), and a second process on one database is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_split_the_shards_and_a_second_one_on_a_database_is_refused() {
    let _machine = machine::heavy().await;
    let fake = production_fake().await;
    let guilds = [guild_on(0, 2), guild_on(1, 2)];
    for (i, g) in guilds.iter().enumerate() {
        fake.add_guild(*g, None);
        fake.add_channel(*g, 800 + i as u64, 0);
    }
    let dirs = [bot_dir(), bot_dir()];
    let mut bots = Vec::new();
    for (shard, dir) in ["0", "1"].iter().zip(&dirs) {
        bots.push(run_bot_with(
            dir.path(),
            &fake,
            "info",
            &["--shards", shard, "--total-shards", "2"],
        ));
    }
    assert!(fake.wait_until_readies(2, Duration::from_secs(30)).await);
    let shards = fake.identified_shards();
    assert_eq!(
        shards,
        vec![serde_json::json!([0, 2]), serde_json::json!([1, 2])]
    );

    // A command from a guild on each shard is answered by the process that owns it.
    for (i, g) in guilds.iter().enumerate() {
        let token = format!("shard-token-{i}");
        fake.dispatch_interaction(interaction::slash(
            7_000 + i as u64,
            &token,
            *g,
            800 + i as u64,
            5,
            1 << 10,
            &["papers", "settings"],
            serde_json::json!([]),
        ))
        .await;
        let answered = !fake
            .wait_for_responses(&token, 1, Duration::from_secs(20))
            .await
            .is_empty();
        assert!(answered, "no answer from the process owning shard {i}");
    }

    // A second process on the first database is refused at once, naming the holder.
    let (exit, log) = run_bot(dirs[0].path(), &fake, "info").exit_and_log().await;
    assert!(!exit.success(), "{log}");
    let first_pid = bots[0].pid();
    assert!(
        log.contains("another paperboy process")
            && log.contains(&format!("pid {first_pid}"))
            && log.contains("paperboy.db"),
        "{log}"
    );
    assert_eq!(fake.identifies().len(), 2, "the refused process connected");

    for bot in bots {
        let (exit, log) = bot.stop().await;
        assert!(exit.success(), "{log}");
    }
    // Once the first is gone, its database is free again: the lock died with the process.
    let again = run_bot(dirs[0].path(), &fake, "info");
    assert!(fake.wait_until_readies(3, Duration::from_secs(30)).await);
    assert_eq!(fake.identifies().len(), 3);
    let (exit, log) = again.stop().await;
    assert!(exit.success(), "{log}");
}

/// A free loopback port for `metrics.listen` (bound, then released for the bot to take).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn get(url: &str) -> (u16, String) {
    let r = reqwest::get(url).await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// The value of a Prometheus sample line `name{labels} value` (`labels` as rendered, or "").
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines().filter(|l| !l.starts_with('#')).find_map(|l| {
        l.strip_prefix(series)?
            .strip_prefix(' ')?
            .trim()
            .parse()
            .ok()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_and_metrics_report_the_gateway_the_scheduler_and_the_posts() {
    use crate::support::subscription::sub;
    use paperboy::store::Store;
    let fake = production_fake().await;
    fake.add_channel(3, 40, 0);
    let dir = bot_dir();
    let port = free_port();
    // A post every two seconds, the day's digest in the folder, a channel subscribed an hour
    // ago: the first post after the digest was seen carries it.
    std::fs::write(
        dir.path().join("bot.toml"),
        format!(
            "[schedule]\ncron = \"*/2 * * * * *\"\ntimezone = \"UTC\"\n\
             [source]\nkind = \"folder\"\npath = \"digests\"\nfallback_hf_api = false\n\
             [metrics]\nlisten = \"127.0.0.1:{port}\"\n"
        ),
    )
    .unwrap();
    let today = chrono::Utc::now().date_naive();
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/digests/2024-04-02.md"
        ),
        dir.path().join("digests").join(format!("{today}.md")),
    )
    .unwrap();
    let store = Store::open(&dir.path().join("paperboy.db"))
        .await
        .unwrap()
        .with_clock(std::sync::Arc::new(paperboy::clock::ManualClock::new(
            chrono::Utc::now() - chrono::Duration::hours(1),
        )));
    sub(40).guild(3).save(&store).await;
    store.close().await;
    // The first message meets a 502 (retried), so every counter has something to show.
    fake.fail_route_next(
        "POST",
        "/channels/40/messages",
        1,
        Failure::ServerError(502),
    );

    let bot = run_bot(dir.path(), &fake, "info");
    assert!(fake.wait_until_ready(Duration::from_secs(30)).await);
    let base = format!("http://127.0.0.1:{port}");
    let mut health = serde_json::Value::Null;
    for _ in 0..400 {
        if let Ok(r) = reqwest::get(format!("{base}/healthz")).await {
            let status = r.status().as_u16();
            health = r.json().await.unwrap();
            if status == 200
                && fake.messages(40).len() == 2
                && health["scheduler"]["passes"].as_u64() >= Some(1)
            {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    if fake.messages(40).len() != 2 {
        let (_, log) = bot.stop().await;
        panic!("the day was not posted: {health:#}\n{log}");
    }
    assert_eq!(health["ok"], true, "{health:#}");
    assert_eq!(
        health["gateway"]["shards_connected"],
        serde_json::json!([0]),
        "{health:#}"
    );
    assert_eq!(health["database"]["ok"], true, "{health:#}");
    assert_eq!(health["scheduler"]["ok"], true, "{health:#}");
    assert_eq!(fake.messages(40).len(), 2);

    // The pass that posted has ended once the ledger says so; then every figure is in.
    let mut text = String::new();
    for _ in 0..200 {
        let (status, body) = get(&format!("{base}/metrics")).await;
        assert_eq!(status, 200);
        text = body;
        if sample(
            &text,
            "paperboy_delivery_lag_seconds_count{target=\"channel\"}",
        ) == Some(1.0)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        sample(&text, "paperboy_messages_sent_total{target=\"channel\"}"),
        Some(2.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, "paperboy_discord_5xx_total"),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, "paperboy_delivery_retries_total"),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, "paperboy_channels_paused"),
        Some(0.0),
        "{text}"
    );
    assert!(
        sample(
            &text,
            "paperboy_digest_fetches_total{source=\"folder\",outcome=\"ok\"}"
        ) >= Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            "paperboy_delivery_lag_seconds_count{target=\"channel\"}"
        ),
        Some(1.0),
        "{text}"
    );
    assert!(
        sample(&text, "paperboy_scheduler_passes_total") >= Some(1.0),
        "{text}"
    );
    assert_eq!(sample(&text, "paperboy_processes"), Some(1.0), "{text}");
    assert!(
        text.contains("# HELP paperboy_messages_sent_total"),
        "{text}"
    );

    // The gateway goes away and stays away: /healthz says so with a 503.
    fake.close_next_connections(100_000, 1011);
    fake.close_sessions(1011);
    let mut down = None;
    let mut last = String::new();
    for _ in 0..200 {
        let (status, body) = get(&format!("{base}/healthz")).await;
        if status == 503 {
            down = Some(serde_json::from_str::<serde_json::Value>(&body).unwrap());
            break;
        }
        last = body;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let down = down.unwrap_or_else(|| panic!("/healthz never reported the lost gateway: {last}"));
    assert_eq!(down["ok"], false, "{down:#}");
    assert_eq!(down["gateway"]["ok"], false, "{down:#}");
    assert_eq!(down["database"]["ok"], true, "{down:#}");

    let (exit, log) = bot.stop().await;
    assert!(exit.success(), "{log}");
    assert!(log.contains("serving /healthz and /metrics"), "{log}");
}

/// Without `[summaries]`, the operator is told once at start-up and in `paperboy status` what
/// the posts carry and the one section that has a model write the bullets.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_summaries_start_up_and_status_say_what_posts_carry_and_how_to_turn_them_on() {
    let fake = production_fake().await;
    let dir = bot_dir();
    let bot = run_bot(dir.path(), &fake, "info");
    assert!(fake.wait_until_ready(Duration::from_secs(30)).await);
    let (exit, log) = bot.stop().await;
    assert!(exit.success(), "{log}");
    let said: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("summaries off"))
        .collect();
    assert_eq!(said.len(), 1, "{log}");
    assert!(said[0].contains(" INFO "), "{}", said[0]);
    assert!(said[0].contains("[summaries]"), "{}", said[0]);

    let d = dir.path().to_path_buf();
    let status = tokio::task::spawn_blocking(move || paperboy(&d).args(&["status"]).output())
        .await
        .unwrap();
    let status = String::from_utf8_lossy(&status.stdout).into_owned();
    let line = status
        .lines()
        .find(|l| l.starts_with("Summaries"))
        .unwrap_or_else(|| panic!("{status}"));
    assert!(
        line.contains("off") && line.contains("[summaries]"),
        "{status}"
    );
    assert!(status.contains("digest's own"), "{status}");
}
