//! The `paperboy` binary as a user runs it: preview, invite, and start-up errors.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

use crate::support::process;
use crate::support::subscription::sub;

fn paperboy(args: &[&str], dir: &Path) -> Output {
    process::paperboy(dir).args(args).output()
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn preview_json_of_the_seed_day_is_the_index_then_two_messages_with_twelve_cards() {
    let dir = tempfile::tempdir().unwrap();
    let file = fixture("digests/2024-04-02.md");
    let out = paperboy(
        &["preview", "--file", file.to_str().unwrap(), "--json"],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    // Nothing but the JSON array on stdout; where each goes, on stderr.
    let bodies: Vec<Value> = serde_json::from_str(&stdout(&out)).expect("stdout is JSON");
    assert_eq!(bodies.len(), 3);
    assert!(
        stderr(&out).contains("message 1 starts the thread \"Daily Papers — 2024-04-02\", and messages 2–3 go into it"),
        "{}",
        stderr(&out)
    );
    // The index: the day's top ten by votes, one title link each, and a save menu.
    let index = bodies[0]["content"].as_str().unwrap();
    assert!(
        index.starts_with("📰 **Daily Papers — 2024-04-02** · 12 papers · top 10 by votes"),
        "{index}"
    );
    assert_eq!(index.lines().filter(|l| l.starts_with("**")).count(), 10);
    assert!(bodies[0]["embeds"].as_array().unwrap().is_empty());
    assert_eq!(
        bodies[0]["components"][0]["components"][0]["options"]
            .as_array()
            .unwrap()
            .len(),
        10
    );
    let bodies = &bodies[1..];
    let embeds: Vec<&Value> = bodies
        .iter()
        .flat_map(|b| b["embeds"].as_array().unwrap())
        .collect();
    assert_eq!(embeds.len(), 12);
    for b in bodies {
        assert_eq!(b["allowed_mentions"]["parse"], serde_json::json!([]));
        let chars: usize = b["embeds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                let s = |v: &Value| v.as_str().map_or(0, |s| s.chars().count());
                s(&e["author"]["name"])
                    + s(&e["title"])
                    + s(&e["description"])
                    + s(&e["footer"]["text"])
                    + e["fields"].as_array().map_or(0, |f| {
                        f.iter().map(|f| s(&f["name"]) + s(&f["value"])).sum()
                    })
            })
            .sum();
        assert!(chars <= 6000, "{chars} characters in one message");
    }
    assert_eq!(embeds[0]["url"], "https://arxiv.org/abs/2404.00399");
}

#[test]
fn preview_filters_and_reads_hf_json() {
    let dir = tempfile::tempdir().unwrap();
    let file = fixture("digests/2024-04-02.md");
    let out = paperboy(
        &[
            "preview",
            "--file",
            file.to_str().unwrap(),
            "--include",
            "aurora,flexidreamer",
            "--json",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let bodies: Vec<Value> = serde_json::from_str(&stdout(&out)).unwrap();
    // Two papers: the index lists them, the cards follow.
    assert!(bodies[0]["content"]
        .as_str()
        .unwrap()
        .ends_with("All 2 cards are in the thread ↓"));
    let titles: Vec<String> = bodies
        .iter()
        .flat_map(|b| b["embeds"].as_array().unwrap())
        .map(|e| e["title"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(titles.len(), 2, "{titles:?}");

    let json = fixture("hf-api/2024-10-25.json");
    let out = paperboy(
        &["preview", "--file", json.to_str().unwrap(), "--top", "3"],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("2024-10-25"), "{text}");
    // Three cards, each titled and linked to its arXiv page.
    assert_eq!(
        text.matches("   https://arxiv.org/abs/").count(),
        3,
        "{text}"
    );
    assert!(text.contains("(cards, in the thread; 3 embeds"), "{text}");
    // The full layout: the cards in the channel, under the header.
    let out = paperboy(
        &[
            "preview",
            "--file",
            json.to_str().unwrap(),
            "--top",
            "3",
            "--layout",
            "full",
        ],
        dir.path(),
    );
    let text = stdout(&out);
    assert!(
        text.starts_with("--- message 1/1 (cards; 3 embeds"),
        "{text}"
    );
    assert!(
        text.contains("📰 **Daily Papers — 2024-10-25** · 3 of 29 papers"),
        "{text}"
    );
}

/// `--language` shows a day as a channel set to that language gets it.
#[test]
fn preview_in_korean_shows_the_korean_chrome() {
    let dir = tempfile::tempdir().unwrap();
    let file = fixture("digests/2024-04-02.md");
    let out = paperboy(
        &[
            "preview",
            "--file",
            file.to_str().unwrap(),
            "--language",
            "ko",
            "--json",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let bodies: Vec<Value> = serde_json::from_str(&stdout(&out)).unwrap();
    let index = bodies[0]["content"].as_str().unwrap();
    assert!(
        index
            .starts_with("📰 **데일리 페이퍼 — 2024년 4월 2일** · 논문 12편 · 추천 수 상위 10편\n"),
        "{index}"
    );
    assert!(
        index.ends_with("외 2편 · 카드 12장은 모두 스레드에 있습니다 ↓"),
        "{index}"
    );
    // The cards' words in Korean too: the bullets' labels, "외" after the first authors.
    let card = &bodies[1]["embeds"][0];
    assert!(
        card["description"]
            .as_str()
            .unwrap()
            .contains("• **새로운 점**")
            || card["footer"]["text"].as_str().unwrap().ends_with(" 외"),
        "{card:#}"
    );
    let out = paperboy(
        &[
            "preview",
            "--file",
            file.to_str().unwrap(),
            "--language",
            "no such",
        ],
        dir.path(),
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("not a language code"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn run_without_token_points_at_preview() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bot.toml"), "").unwrap();
    let out = paperboy(&["run"], dir.path());
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("DISCORD_TOKEN") && err.contains("preview"),
        "{err}"
    );
    assert!(
        !dir.path().join("paperboy.db").exists(),
        "no database before the token is known"
    );
}

#[test]
fn config_errors_name_the_key() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bot.toml"),
        // `api_base` keeps even a future start-up order from ever reaching discord.com.
        "[discord]\napi_base = \"http://127.0.0.1:9\"\n[schedule]\ntimezone = \"Mars/Olympus\"\n",
    )
    .unwrap();
    let out = process::paperboy(dir.path())
        .args(&["run"])
        .token("not-a-real-token")
        .output();
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("schedule.timezone"), "{err}");
    assert!(!err.contains("not-a-real-token"), "the token leaked: {err}");
}

#[test]
fn invite_prints_a_server_link_and_a_user_install_link() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bot.toml"),
        "[discord]\napplication_id = 123456789012345678\n",
    )
    .unwrap();
    let out = paperboy(&["invite"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let links: Vec<reqwest::Url> = text
        .lines()
        .filter(|l| l.starts_with("https://"))
        .map(|l| reqwest::Url::parse(l).unwrap())
        .collect();
    assert_eq!(links.len(), 2, "{text}");
    let query = |u: &reqwest::Url, key: &str| {
        u.query_pairs()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.into_owned())
    };
    for u in &links {
        assert_eq!(
            u.as_str().split('?').next(),
            Some("https://discord.com/oauth2/authorize")
        );
        assert_eq!(query(u, "client_id").as_deref(), Some("123456789012345678"));
    }
    // A server install: the bot user with what posting needs, and the commands.
    let server = &links[0];
    assert_eq!(query(server, "integration_type").as_deref(), Some("0"));
    assert_eq!(
        query(server, "scope").as_deref(),
        Some("bot applications.commands")
    );
    let perms: u64 = query(server, "permissions").unwrap().parse().unwrap();
    for bit in [10, 11, 14, 16, 35, 38] {
        assert!(perms & (1 << bit) != 0, "permission bit {bit} missing");
    }
    // Nothing beyond what posting needs (no Administrator, no Manage Messages).
    assert_eq!(perms & (1 << 3), 0);
    assert_eq!(perms & (1 << 13), 0);
    // A user install: the commands only (no bot scope, no permissions: nothing to grant).
    let user = &links[1];
    assert_eq!(query(user, "integration_type").as_deref(), Some("1"));
    assert_eq!(
        query(user, "scope").as_deref(),
        Some("applications.commands")
    );
    assert_eq!(query(user, "permissions"), None);
    assert!(stderr(&out).contains("User Install"), "{}", stderr(&out));
}

/// A config reading the digests shipped in `tests/fixtures/digests` (the newest is 2025-05-09),
/// with no fallback so nothing leaves the machine.
fn fixture_folder_config(dir: &Path) -> PathBuf {
    let path = dir.join("bot.toml");
    std::fs::write(
        &path,
        format!(
            "[source]\nkind = \"folder\"\npath = \"{}\"\nfallback_hf_api = false\n",
            fixture("digests").display()
        ),
    )
    .unwrap();
    path
}

#[test]
fn preview_without_a_date_shows_what_the_next_post_would_carry_and_names_its_date() {
    let dir = tempfile::tempdir().unwrap();
    let config = fixture_folder_config(dir.path());
    let out = paperboy(
        &["--config", config.to_str().unwrap(), "preview"],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let (text, err) = (stdout(&out), stderr(&out));
    // The folder's newest digest, named on stderr and in the rendered header.
    assert!(err.contains("2025-05-09"), "{err}");
    assert!(err.contains("next daily post"), "{err}");
    assert!(text.contains("Daily Papers — 2025-05-09"), "{text}");
    // Its first paper, as the fixture lists it.
    let first = std::fs::read_to_string(fixture("digests/2025-05-09.md")).unwrap();
    let title = first
        .lines()
        .find_map(|l| l.strip_prefix("### ["))
        .and_then(|l| l.split("](").next())
        .unwrap();
    assert!(text.contains(title.trim()), "{title} not in {text}");
    // --json keeps stdout to the bodies alone.
    let out = paperboy(
        &["--config", config.to_str().unwrap(), "preview", "--json"],
        dir.path(),
    );
    let bodies: Vec<Value> = serde_json::from_str(&stdout(&out)).expect("stdout is JSON");
    assert!(!bodies.is_empty());
}

#[test]
fn status_without_a_database_says_how_to_get_one() {
    let dir = tempfile::tempdir().unwrap();
    let config = fixture_folder_config(dir.path());
    let out = paperboy(
        &["--config", config.to_str().unwrap(), "status"],
        dir.path(),
    );
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("no database") && err.contains("paperboy run"),
        "{err}"
    );
    assert!(
        !dir.path().join("paperboy.db").exists(),
        "status created it"
    );
}

#[tokio::test]
async fn status_shows_each_source_and_each_channels_last_and_next_post() {
    use paperboy::store::Store;
    let dir = tempfile::tempdir().unwrap();
    let config = fixture_folder_config(dir.path());
    let store = Store::open(&dir.path().join("paperboy.db")).await.unwrap();
    let folder = paperboy::source::loader::DigestSource::Folder(fixture("digests")).describe();
    let digest = paperboy::source::digest::Digest {
        date: "2025-05-09".parse().unwrap(),
        papers: vec![],
    };
    store.save_digest(&digest, &folder, true).await.unwrap();
    sub(4242).guild(77).kind(15).save(&store).await;
    store.close().await;
    let out = paperboy(
        &["--config", config.to_str().unwrap(), "status"],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains(&format!("primary   {folder}")), "{text}");
    assert!(text.contains("newest digest 2025-05-09"), "{text}");
    assert!(text.contains("fallback  none"), "{text}");
    assert!(text.contains("channel 4242 (guild 77, forum)"), "{text}");
    assert!(
        text.contains("bot schedule `0 0 10 * * Mon-Fri` Asia/Seoul"),
        "{text}"
    );
    assert!(text.contains("last post  none yet"), "{text}");
    assert!(text.contains("next post  "), "{text}");
}

#[tokio::test]
async fn status_shows_a_day_being_retried_and_a_day_given_up() {
    use paperboy::store::{DeliveryStatus, Store};
    let dir = tempfile::tempdir().unwrap();
    let config = fixture_folder_config(dir.path());
    let store = Store::open(&dir.path().join("paperboy.db")).await.unwrap();
    sub(4242).guild(77).save(&store).await;
    let today = chrono::Utc::now().date_naive();
    let (given_up, failing) = (today - chrono::Duration::days(2), today);
    let body = serde_json::json!({"content": "x"});
    store
        .plan_delivery(4242, given_up, &[("g0".into(), body.clone())])
        .await
        .unwrap();
    store
        .record_attempt_error(4242, given_up, "400 Invalid Form Body: embeds.0")
        .await
        .unwrap();
    store
        .finish_delivery(4242, given_up, DeliveryStatus::Failed)
        .await
        .unwrap();
    store
        .plan_delivery(4242, failing, &[("f0".into(), body)])
        .await
        .unwrap();
    store.mark_started(4242, failing).await.unwrap();
    for _ in 0..2 {
        store
            .record_attempt_error(4242, failing, "HTTP 503, code 0:\nunavailable")
            .await
            .unwrap();
    }
    let since = store
        .delivery(4242, failing)
        .await
        .unwrap()
        .unwrap()
        .started_at
        .unwrap();
    store.close().await;
    let out = paperboy(
        &["--config", config.to_str().unwrap(), "status"],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains(&format!("last post  none yet ({failing} is being retried)")),
        "{text}"
    );
    let max = paperboy::deliver::MAX_DELIVERY_ATTEMPTS;
    assert!(
        text.contains(&format!(
            "retrying   {failing} since {} ({}), 2 of {max} attempts failed, last: HTTP 503, \
             code 0: unavailable",
            since.format("%Y-%m-%d %H:%M UTC"),
            since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "failed     {given_up}, given up: 400 Invalid Form Body: embeds.0 (`/papers retry`"
        )),
        "{text}"
    );
}

#[test]
fn run_refuses_a_shard_range_outside_the_total_before_anything_else() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bot.toml"), "").unwrap();
    let out = paperboy(
        &["run", "--shards", "3-4", "--total-shards", "4"],
        dir.path(),
    );
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("--shards")
            && err.contains("shard 4 does not exist: there are 4 shards (0 to 3)"),
        "{err}"
    );
    let out = paperboy(&["run", "--shards", "2-1"], dir.path());
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("is not a shard range"),
        "{}",
        stderr(&out)
    );
    assert!(
        !dir.path().join("paperboy.db").exists(),
        "nothing is created for a bad command line"
    );
}
