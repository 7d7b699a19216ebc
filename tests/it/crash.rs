//! Exactly once, measured the hard way: the real `paperboy run` binary delivers a day to text,
//! announcement (auto-publish) and forum channels, then personal alerts by DM, and is killed with `kill -9` (and now and then
//! stopped with SIGTERM) at random moments, with the fake's nonce de-duplication **off** and
//! every message (and thread start) answered 150 ms after Discord stored it, so each kill can
//! leave a message or a thread on Discord that the bot never heard about. Half the channels of
//! each kind read the day at a glance. A last run then finishes the day. Asserted: no
//! duplicate, no lost message, no lost crosspost, one thread per forum, and for a glance day
//! exactly one index, one thread started from it and each card once in it (no card
//! crossposted, the ledger holding the thread), exactly one DM for each person whose terms
//! match and none for the others.
//!
//! The quick variants run in `cargo test` (100 channels, 40 people, 10 kills; and 10 channels,
//! 80 people, 6 kills, so that most kills land among the DMs). The full one:
//! `cargo test --release --test it crash:: -- --ignored` (200 channels, 100 people, 40 kills, 5
//! SIGTERMs).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::support::fake_discord::{FakeConfig, FakeDiscord};
use crate::support::machine;
use crate::support::process::{kill, paperboy, sigterm};
use crate::support::subscription::sub;
use paperboy::clock::ManualClock;
use paperboy::store::{AlertTerm, AlertTermKind, DeliveryStatus, Layout, Store};
use rand::{Rng, SeedableRng};

const GUILD: u64 = 6_000;

const TOKEN: &str = "crash-test-token";

/// People with alerts, and whether their terms match the day: even ones follow `diffusion`
/// (in the fixture's papers), odd ones an author who is not in it.
fn people(n: u64) -> Vec<(u64, bool)> {
    (0..n).map(|i| (90_000 + i, i % 2 == 0)).collect()
}

/// Channel ids by kind (text, announcement, forum) and layout: about half of each kind reads
/// the day at a glance (a text or announcement channel: the index, a thread started from it,
/// the cards in it; a forum: the index opening its day post), the others the full layout.
fn channels(n: u64) -> Vec<(u64, u8, Layout)> {
    (0..n)
        .map(|i| {
            let (kind, layout) = match i % 10 {
                0 | 1 => (0, Layout::Full),
                2 | 3 => (0, Layout::Glance),
                4 => (5, Layout::Full),
                5 | 6 => (5, Layout::Glance),
                7 => (15, Layout::Full),
                _ => (15, Layout::Glance),
            };
            (10_000 + i, kind, layout)
        })
        .collect()
}

/// What a channel must end the day with: its messages' texts (fingerprints) each once, as
/// many as the day has. Counted over the channel itself, and for a glance day also over its
/// thread: `(duplicates, lost, lost crossposts, cards crossposted, threads not as one)`.
fn check_channel(
    fake: &FakeDiscord,
    (c, kind, layout): (u64, u8, Layout),
    crossposts: &HashMap<u64, usize>,
) -> [usize; 5] {
    let count = |messages: &[serde_json::Value], want: usize| {
        let mut seen = HashMap::new();
        for m in messages {
            *seen
                .entry(paperboy::deliver::fingerprint(m))
                .or_insert(0usize) += 1;
        }
        (
            seen.values().map(|n| n - 1).sum::<usize>(),
            want.saturating_sub(seen.len()),
        )
    };
    let id = |m: &serde_json::Value| -> u64 { m["id"].as_str().unwrap().parse().unwrap() };
    let mut out = [0; 5];
    let threads = fake.threads(c);
    match (kind, layout) {
        (15, _) => {
            // One post a day: the cards (and the index first, at a glance) in it.
            if threads.len() != 1 {
                out[4] += 1;
                return out;
            }
            let want = if layout == Layout::Glance { 3 } else { 2 };
            let (d, l) = count(&fake.messages(id(&threads[0])), want);
            out[0] += d;
            out[1] += l;
        }
        (_, Layout::Glance) => {
            // The index alone in the channel, one thread started from it, the cards in it.
            let index = fake.messages(c);
            let (d, l) = count(&index, 1);
            out[0] += d;
            out[1] += l;
            if threads.len() != 1 || index.first().map(id) != Some(id(&threads[0])) {
                out[4] += 1;
                return out;
            }
            let cards = fake.messages(id(&threads[0]));
            let (d, l) = count(&cards, 2);
            out[0] += d;
            out[1] += l;
            if kind == 5 {
                out[2] += index
                    .iter()
                    .filter(|m| !crossposts.contains_key(&id(m)))
                    .count();
                out[3] += cards
                    .iter()
                    .filter(|m| crossposts.contains_key(&id(m)))
                    .count();
            }
        }
        _ => {
            let messages = fake.messages(c);
            let (d, l) = count(&messages, 2);
            out[0] += d;
            out[1] += l;
            if kind == 5 {
                out[2] += messages
                    .iter()
                    .filter(|m| !crossposts.contains_key(&id(m)))
                    .count();
            }
            out[4] += threads.len();
        }
    }
    out
}

async fn setup(
    dir: &Path,
    fake: &FakeDiscord,
    chans: &[(u64, u8, Layout)],
    people: &[(u64, bool)],
) {
    let digests = dir.join("digests");
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
    // A post every minute; the first pass of each start catches up the minute's.
    std::fs::write(
        dir.join("bot.toml"),
        "[schedule]\ncron = \"0 * * * * *\"\ntimezone = \"UTC\"\n\
         [source]\nkind = \"folder\"\npath = \"digests\"\nfallback_hf_api = false\n",
    )
    .unwrap();
    // Subscribed an hour ago, so the current minute's post is theirs.
    let an_hour_ago = chrono::Utc::now() - chrono::Duration::hours(1);
    let store = Store::open(&dir.join("paperboy.db"))
        .await
        .unwrap()
        .with_clock(Arc::new(ManualClock::new(an_hour_ago)));
    fake.add_guild(GUILD, None);
    for (c, kind, layout) in chans {
        fake.add_channel(GUILD, *c, *kind);
        sub(*c)
            .guild(GUILD)
            .kind(*kind)
            .auto_publish(*kind == 5)
            .layout(*layout)
            .save(&store)
            .await;
    }
    for (user, matches) in people {
        fake.add_user(*user, &format!("reader{user}"));
        let term = if *matches {
            AlertTerm {
                kind: AlertTermKind::Include,
                term: "diffusion".into(),
            }
        } else {
            AlertTerm {
                kind: AlertTermKind::Author,
                term: "Tri Dao".into(),
            }
        };
        store.add_alert_terms(*user, &[term]).await.unwrap();
    }
    store.close().await;
}

fn spawn(dir: &Path, fake: &FakeDiscord) -> tokio::process::Child {
    paperboy(dir)
        .args(&["run"])
        .token(TOKEN)
        .through(fake)
        .spawn()
}

async fn all_done(dir: &Path, n: usize) -> bool {
    let Ok(store) = Store::open(&dir.join("paperboy.db")).await else {
        return false;
    };
    let today = chrono::Utc::now().date_naive();
    let received = store.received_dates(today).await.unwrap_or_default();
    let mut done = 0;
    for c in received.keys() {
        if let Ok(Some(d)) = store.delivery(*c, today).await {
            if d.status == DeliveryStatus::Done {
                done += 1;
            }
        }
    }
    store.close().await;
    done == n
}

async fn crash_series(n_channels: u64, n_people: u64, kills: usize, terms: usize, seed: u64) {
    let _machine = machine::heavy().await;
    let fake = FakeDiscord::start_with(FakeConfig {
        bot_token: TOKEN.to_string(),
        ..FakeConfig::default()
    })
    .await;
    fake.set_gateway_url("wss://gateway.discord.gg");
    fake.set_nonce_window(None);
    fake.set_answer_delay(Duration::from_millis(150));
    let dir = tempfile::tempdir().unwrap();
    let chans = channels(n_channels);
    let people = people(n_people);
    setup(dir.path(), &fake, &chans, &people).await;
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut signals_left = terms;
    for k in 0..kills + terms {
        let mut child = spawn(dir.path(), &fake);
        tokio::time::sleep(Duration::from_millis(rng.gen_range(400..2_500))).await;
        if signals_left > 0 && k % 4 == 3 {
            signals_left -= 1;
            sigterm(&child);
            let _ = tokio::time::timeout(Duration::from_secs(30), child.wait()).await;
        } else {
            kill(&mut child).await;
        }
        eprintln!(
            "after stop {}: {} requests so far, {} of them message posts; {} people have a DM",
            k + 1,
            fake.request_count(),
            fake.requests()
                .iter()
                .filter(|r| r.method == "POST" && r.path.ends_with("/messages"))
                .count(),
            people
                .iter()
                .filter(|(u, _)| !fake.dms(*u).is_empty())
                .count()
        );
    }
    // The last run finishes the day.
    let mut child = spawn(dir.path(), &fake);
    let mut finished = false;
    for _ in 0..600 {
        // Every channel and every person has a finished day (a person without a match too).
        if all_done(dir.path(), chans.len() + people.len()).await {
            finished = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    kill(&mut child).await;
    assert!(finished, "the day never finished after the kills");
    // Answers still on their way have landed.
    assert!(fake.answers_landed(Duration::from_secs(10)).await);

    let crossposts: HashMap<u64, usize> =
        fake.crossposts()
            .iter()
            .fold(HashMap::new(), |mut m, (_, msg)| {
                *m.entry(*msg).or_default() += 1;
                m
            });
    let mut totals = [0usize; 5];
    for c in &chans {
        for (t, n) in totals.iter_mut().zip(check_channel(&fake, *c, &crossposts)) {
            *t += n;
        }
    }
    // The ledger holds each glance day's thread, and every card of it in it.
    let store = Store::open(&dir.path().join("paperboy.db")).await.unwrap();
    let today = chrono::Utc::now().date_naive();
    let mut unrecorded = 0;
    for (c, kind, layout) in &chans {
        if *layout != Layout::Glance || *kind == 15 {
            continue;
        }
        let ledger = store.delivery(*c, today).await.unwrap().unwrap();
        let thread = fake
            .threads(*c)
            .first()
            .map(|t| t["id"].as_str().unwrap().parse::<u64>().unwrap());
        if ledger.thread_id != thread || ledger.messages[1..].iter().any(|m| m.thread_id != thread)
        {
            unrecorded += 1;
        }
    }
    store.close().await;
    let (mut dm_duplicates, mut dm_lost, mut dm_unwanted) = (0, 0, 0);
    for (user, matches) in &people {
        let dms = fake.dms(*user);
        match (matches, dms.len()) {
            (true, 0) => dm_lost += 1,
            (true, n) => dm_duplicates += n - 1,
            (false, n) => dm_unwanted += n,
        }
    }
    assert_eq!(
        (totals, unrecorded),
        ([0, 0, 0, 0, 0], 0),
        "duplicates, lost messages, lost crossposts, cards crossposted, channels without exactly \
         their thread; glance days whose ledger differs"
    );
    assert_eq!(
        (dm_duplicates, dm_lost, dm_unwanted),
        (0, 0, 0),
        "duplicate DMs, lost DMs, DMs to people without a match"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_kills_during_a_fan_out_lose_and_duplicate_nothing() {
    crash_series(100, 40, 10, 0, 7).await;
}

/// Most kills of the series above land in the channels' fan-out; these land among the DMs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kills_during_a_dm_fan_out_send_each_person_one_dm() {
    crash_series(10, 80, 6, 0, 11).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "long: run with `cargo test --release --test it crash:: -- --ignored`"]
async fn forty_kills_and_five_sigterms_lose_and_duplicate_nothing() {
    crash_series(200, 100, 40, 5, 42).await;
}

/// A `kill -9` leaves the dead process's heartbeat row behind. On SQLite only one process can
/// hold the file, so the restart must count itself alone at once: no wait for a partner's share
/// and the whole budget, not half of it (measured from the fake's arrival times).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_after_kill_9_sends_at_the_full_budget_at_once() {
    const BUDGET: usize = 10;
    let _machine = machine::measuring().await;
    let fake = FakeDiscord::start_with(FakeConfig {
        bot_token: TOKEN.to_string(),
        ..FakeConfig::default()
    })
    .await;
    fake.set_gateway_url("wss://gateway.discord.gg");
    let dir = tempfile::tempdir().unwrap();
    let chans: Vec<(u64, u8, Layout)> = (0..60).map(|i| (10_000 + i, 0, Layout::Full)).collect();
    setup(dir.path(), &fake, &chans, &[]).await;
    std::fs::write(
        dir.path().join("bot.toml"),
        format!(
            // No catch-up of earlier days: the first pass posts at once instead of waiting for
            // the next minute to settle the week's missing days.
            "[schedule]\ncron = \"0 * * * * *\"\ntimezone = \"UTC\"\ncatch_up_days = 0\n\
             [source]\nkind = \"folder\"\npath = \"digests\"\nfallback_hf_api = false\n\
             [delivery]\nrequests_per_second = {BUDGET}\n"
        ),
    )
    .unwrap();
    let posts = |fake: &FakeDiscord| -> Vec<std::time::Instant> {
        fake.requests()
            .iter()
            .filter(|r| r.method == "POST" && r.path.ends_with("/messages"))
            .map(|r| r.received)
            .collect()
    };
    // Killed mid fan-out, its heartbeat fresh.
    let mut child = spawn(dir.path(), &fake);
    for _ in 0..1200 {
        if posts(&fake).len() >= 5 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(posts(&fake).len() >= 5, "the first run never posted");
    kill(&mut child).await;
    let before = posts(&fake).len();

    let restarted_at = std::time::Instant::now();
    let mut child = spawn(dir.path(), &fake);
    let window = Duration::from_secs(4);
    let mut after: Vec<std::time::Instant> = Vec::new();
    for _ in 0..600 {
        after = posts(&fake).split_off(before);
        if after.first().is_some_and(|f| f.elapsed() > window) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    kill(&mut child).await;
    let first = *after.first().expect("the restart posted nothing");
    let start_delay = first - restarted_at;
    // Waiting for the dead process's next heartbeat alone would take 10 s (a third of the
    // 30-second lease) plus the slots its limiter had handed out.
    assert!(
        start_delay < Duration::from_secs(8),
        "the restart waited {start_delay:?} before its first post"
    );
    // Every request the restart sent in the window from its first post (history reads of the
    // deliveries the kill interrupted count against the budget too): the full budget gives
    // ~40 in 4 s, half of it (a dead partner counted) ~20.
    let in_window = fake
        .requests()
        .iter()
        .filter(|r| r.received >= first && r.received - first < window)
        .count();
    assert!(
        in_window >= BUDGET * 4 * 7 / 10,
        "{in_window} requests in the restart's first {window:?} at a budget of {BUDGET}/s"
    );
}
