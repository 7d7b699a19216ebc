//! Past one process: two `paperboy run` processes (shards 0 and 1 of 2) on one PostgreSQL
//! database and the fake Discord, channels in guilds on both shards. Each answers its own
//! shard's commands; both deliver; together they stay within the token's budget; and when one
//! is killed with `kill -9` in the middle of the fan-out, the other takes its deliveries over
//! once their leases expire, with no message duplicated or lost (the fake's nonce memory off and
//! answers late, so the takeover must look on Discord first, as after any crash).
//!
//! Needs `PAPERBOY_TEST_POSTGRES_URL` (`.ci/run` starts a server); without it the tests say so
//! and pass. The quick variant (200 channels) runs in `cargo test`; the full one:
//! `cargo test --release --test it cluster:: -- --ignored` (1,000 channels).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::support::fake_discord::{guild_on, interaction, FakeConfig, FakeDiscord};
use crate::support::machine;
use crate::support::process::{kill, paperboy};
use crate::support::subscription::sub;
use paperboy::clock::ManualClock;
use paperboy::store::{Database, DeliveryStatus, Store};

const TOKEN: &str = "cluster-test-token";
/// The token's budget, shared by the processes (`delivery.requests_per_second`): the default,
/// 90 % of Discord's 50 requests per second.
const BUDGET: usize = 45;

fn bot_toml(dir: &Path, url: &str) {
    std::fs::write(
        dir.join("bot.toml"),
        format!(
            "[schedule]\ncron = \"*/2 * * * * *\"\ntimezone = \"UTC\"\n\
             [source]\nkind = \"folder\"\npath = \"digests\"\nfallback_hf_api = false\n\
             [database]\nurl = \"{url}\"\n\
             [delivery]\nrequests_per_second = {BUDGET}\nlease_seconds = 3\n"
        ),
    )
    .unwrap();
}

fn spawn(dir: &Path, fake: &FakeDiscord, shard: &str) -> tokio::process::Child {
    paperboy(dir)
        .args(&["run", "--shards", shard, "--total-shards", "2"])
        .token(TOKEN)
        .through(fake)
        .spawn()
}

/// The most message posts the fake received within any `window`.
fn peak_rate(fake: &FakeDiscord, window: Duration) -> usize {
    let times: Vec<Instant> = fake
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/messages"))
        .map(|r| r.received)
        .collect();
    (0..times.len())
        .map(|i| {
            times[i..]
                .iter()
                .take_while(|t| **t < times[i] + window)
                .count()
        })
        .max()
        .unwrap_or(0)
}

async fn all_done(store: &Store, channels: &[u64]) -> bool {
    let today = chrono::Utc::now().date_naive();
    for c in channels {
        match store.delivery(*c, today).await {
            Ok(Some(d)) if d.status == DeliveryStatus::Done => {}
            _ => return false,
        }
    }
    true
}

async fn two_processes_one_killed(n_channels: u64) {
    let Some(url) = crate::support::postgres::fresh_schema("cluster").await else {
        return;
    };
    // Two bot processes and PostgreSQL, and a rate measured at the end: alone on the machine.
    let _machine = machine::measuring().await;
    let fake = FakeDiscord::start_with(FakeConfig {
        bot_token: TOKEN.to_string(),
        ..FakeConfig::default()
    })
    .await;
    fake.set_gateway_url("wss://gateway.discord.gg");
    fake.set_nonce_window(None);
    fake.set_answer_delay(Duration::from_millis(100));
    let guilds = [guild_on(0, 2), guild_on(1, 2)];
    let dir = tempfile::tempdir().unwrap();
    let digests = dir.path().join("digests");
    std::fs::create_dir(&digests).unwrap();
    let today = chrono::Utc::now().date_naive();
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/digests/2024-04-02.md"
        ),
        digests.join(format!("{today}.md")),
    )
    .unwrap();
    bot_toml(dir.path(), &url);

    // Subscribed an hour ago, half the channels in each shard's guild.
    let store = Store::connect(&Database::Postgres(url.clone()))
        .await
        .unwrap()
        .with_clock(Arc::new(ManualClock::new(
            chrono::Utc::now() - chrono::Duration::hours(1),
        )));
    let mut channels = Vec::new();
    for (i, g) in guilds.iter().enumerate() {
        fake.add_guild(*g, None);
        for k in 0..n_channels / 2 {
            let c = 20_000 + i as u64 * 100_000 + k;
            fake.add_channel(*g, c, 0);
            sub(c).guild(*g).save(&store).await;
            channels.push(c);
        }
    }
    store.close().await;

    let mut first = spawn(dir.path(), &fake, "0");
    let second = spawn(dir.path(), &fake, "1");
    assert!(fake.wait_until_readies(2, Duration::from_secs(60)).await);
    let shards = fake.identified_shards();
    assert_eq!(
        shards,
        vec![serde_json::json!([0, 2]), serde_json::json!([1, 2])]
    );

    // Commands from a guild on each shard are answered (by the process that owns it).
    for (i, g) in guilds.iter().enumerate() {
        let token = format!("cluster-{i}");
        fake.dispatch_interaction(interaction::slash(
            9_000 + i as u64,
            &token,
            *g,
            20_000 + i as u64 * 100_000,
            5,
            1 << 10,
            &["papers", "settings"],
            serde_json::json!([]),
        ))
        .await;
        let got = fake
            .wait_for_responses(&token, 1, Duration::from_secs(20))
            .await;
        assert!(!got.is_empty(), "no answer on shard {i}");
    }

    // Well into the fan-out, the first process dies.
    let posts = || {
        fake.requests()
            .iter()
            .filter(|r| r.method == "POST" && r.path.ends_with("/messages"))
            .count()
    };
    let started = Instant::now();
    while posts() < channels.len() / 2 && started.elapsed() < Duration::from_secs(120) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    kill(&mut first).await;
    let at_kill = posts();
    assert!(
        at_kill < channels.len() * 2,
        "the kill came after the fan-out"
    );

    // The survivor finishes everything.
    let store = Store::connect(&Database::Postgres(url)).await.unwrap();
    let mut finished = false;
    for _ in 0..1_200 {
        if all_done(&store, &channels).await {
            finished = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut second = second;
    kill(&mut second).await;
    assert!(finished, "the surviving process did not finish the day");
    // Answers still on their way have landed.
    assert!(fake.answers_landed(Duration::from_secs(10)).await);

    let mut duplicates = 0;
    let mut lost = 0;
    for c in &channels {
        let mut seen: HashMap<String, usize> = HashMap::new();
        for m in fake.messages(*c) {
            *seen.entry(paperboy::deliver::fingerprint(&m)).or_default() += 1;
        }
        duplicates += seen.values().map(|n| n - 1).sum::<usize>();
        lost += 2usize.saturating_sub(seen.len());
    }
    assert_eq!((duplicates, lost), (0, 0), "duplicates, lost messages");
    // Both processes together never went over the token's budget. Each spaces its requests
    // evenly at its share, but arrivals at the fake jitter by tens of milliseconds on a loaded
    // 2-core machine (two bots, Postgres, the fake, behind TLS and a proxy), bunching a few
    // requests at a short window's edges; so the rate is measured over five-second windows,
    // with five requests of slack for those edges.
    let peak = peak_rate(&fake, Duration::from_secs(5));
    assert!(
        peak <= 5 * BUDGET + 5,
        "{peak} message posts within five seconds (budget {BUDGET}/s)"
    );
    eprintln!(
        "peak: {peak} message posts in 5 s (budget {BUDGET}/s), {at_kill} posted before the kill"
    );
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_share_the_work_and_the_survivor_of_a_kill_finishes_it() {
    two_processes_one_killed(200).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "long: run with `cargo test --release --test it cluster:: -- --ignored`"]
async fn a_thousand_channels_over_two_processes_one_killed() {
    two_processes_one_killed(1_000).await;
}
