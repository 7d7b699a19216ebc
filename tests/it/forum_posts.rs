//! A forum in paper mode (`/papers subscribe forum_mode:paper`): each paper of the channel's
//! day its own forum post, through the delivery engine on the production HTTP path against the
//! fake Discord, which checks every post as Discord does (name 1–100 characters, the message,
//! `applied_tags` among the forum's tags, at most 5, a required tag present). Tags come from the
//! paper's keywords (the channel's that matched, and Hugging Face's AI keywords); each post is
//! recorded with its thread and starter message; a post of unknown fate (an earlier attempt's,
//! a lost answer) is found among the bot's threads rather than created twice; the channel's
//! pacing is kept; day mode is unchanged.

use std::collections::HashSet;
use std::time::Duration;

use paperboy::deliver::forum::PlannedPost;
use paperboy::deliver::plan::RenderCache;
use paperboy::render::DayContent;
use paperboy::select::filter::Filter;
use paperboy::store::{DeliveryStatus, ForumMode, Keyword};
use serde_json::Value;

use crate::support::engine::{at, fast, tick, Env};
use crate::support::fake_discord::Failure;
use crate::support::hf_api::big_day;
use crate::support::subscription::sub;

const PAPER_FORUM: u64 = 400;
const DAY_FORUM: u64 = 401;

/// Publishes a Hugging Face day of `n` papers (paper `i` has the AI keyword `topic{i % 7}`),
/// with papers 4 and 5 sharing a title, as two papers now and then do.
fn publish_hf_day(env: &Env, n: usize) -> Vec<Value> {
    let mut day = big_day(n);
    let shared = day[4]["paper"]["title"].clone();
    day[5]["paper"]["title"] = shared.clone();
    day[5]["title"] = shared;
    std::fs::write(
        env.digests.join(format!("{}.json", env.day)),
        serde_json::to_vec(&day).unwrap(),
    )
    .unwrap();
    day
}

fn id(v: &Value) -> u64 {
    v.as_str().unwrap().parse().unwrap()
}

/// The forum's posts as Discord has them: (thread id, name, applied tags, starter messages).
fn posts(env: &Env, forum: u64) -> Vec<(u64, String, Vec<u64>, Vec<Value>)> {
    env.fake
        .threads(forum)
        .iter()
        .map(|t| {
            let thread = id(&t["id"]);
            (
                thread,
                t["name"].as_str().unwrap().to_string(),
                env.fake.applied_tags(thread),
                env.fake.messages(thread),
            )
        })
        .collect()
}

/// The names the day's papers' threads get, in the day's order.
async fn expected_names(env: &Env) -> Vec<String> {
    env.archived(env.day)
        .await
        .digest
        .papers
        .iter()
        .map(paperboy::render::thread_name)
        .collect()
}

#[tokio::test]
async fn a_forum_in_paper_mode_gets_a_thread_per_paper_with_its_matching_tags() {
    let env = Env::new("").await;
    publish_hf_day(&env, 12);
    env.subscribe(sub(PAPER_FORUM).kind(15).forum_mode(ForumMode::Paper))
        .await;
    env.subscribe(sub(DAY_FORUM).kind(15)).await;
    // Tags match AI keywords ignoring case; a moderated one is never applied.
    env.fake.set_forum_tags(
        PAPER_FORUM,
        &[
            (71, "Topic0", false),
            (72, "TOPIC3", false),
            (73, "unused", false),
            (74, "topic1", true),
        ],
        false,
    );
    env.clock.set(at(env.day, 9, 0));
    let pass = tick(&env.deliverer()).await;
    assert_eq!(pass.completed, 2, "{pass}");

    let names = expected_names(&env).await;
    let got = posts(&env, PAPER_FORUM);
    assert_eq!(got.len(), 12, "one thread per paper");
    let got_names: Vec<&str> = got.iter().map(|p| p.1.as_str()).collect();
    assert_eq!(
        got_names,
        names.iter().map(String::as_str).collect::<Vec<_>>()
    );
    // Two papers with one title: two threads.
    assert_eq!(got[4].1, got[5].1);
    assert_ne!(got[4].0, got[5].0);
    for (i, (thread, name, tags, messages)) in got.iter().enumerate() {
        let want: Vec<u64> = match i % 7 {
            0 => vec![71],
            3 => vec![72],
            _ => vec![],
        };
        assert_eq!(tags, &want, "paper {i} ({name})");
        // The starter message is the paper's card, links included, nothing else.
        assert_eq!(messages.len(), 1, "paper {i}");
        let embeds = messages[0]["embeds"].as_array().unwrap();
        assert_eq!(embeds.len(), 1);
        let description = embeds[0]["description"].as_str().unwrap();
        assert!(
            embeds[0]["url"]
                .as_str()
                .unwrap()
                .starts_with("https://arxiv.org/abs/"),
            "{:#}",
            embeds[0]
        );
        assert!(
            description.contains("[PDF](https://arxiv.org/pdf/"),
            "{description}"
        );
        if i % 3 == 0 {
            assert!(
                description.contains("[Code](https://github.com/example/repo"),
                "{description}"
            );
        }
        assert_eq!(messages[0]["id"], Value::String(thread.to_string()));
    }
    // Recorded: each post's thread with its starter message.
    let ledger = env
        .store
        .delivery(PAPER_FORUM, env.day)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ledger.status, DeliveryStatus::Done);
    let recorded: Vec<(Option<u64>, Option<u64>)> = ledger
        .messages
        .iter()
        .map(|m| (m.thread_id, m.message_id))
        .collect();
    let on_discord: Vec<(Option<u64>, Option<u64>)> = got
        .iter()
        .map(|p| (Some(p.0), Some(id(&p.3[0]["id"]))))
        .collect();
    assert_eq!(recorded, on_discord);

    // Day mode, in the same pass, is as it was: one thread for the day, packed messages in it.
    let day_threads = env.fake.threads(DAY_FORUM);
    assert_eq!(day_threads.len(), 1);
    assert_eq!(
        day_threads[0]["name"].as_str().unwrap(),
        format!("Daily Papers — {}", env.day)
    );
    let in_day_thread = env.fake.messages(id(&day_threads[0]["id"]));
    assert_eq!(in_day_thread.len(), 2);
    assert!(in_day_thread[0]["content"]
        .as_str()
        .unwrap()
        .contains("12 papers"));

    // Paced like every channel: at most `channel_limit` posts in any `channel_window`.
    let tuning = fast();
    let route = format!("/channels/{PAPER_FORUM}/threads");
    let times: Vec<std::time::Instant> = env
        .fake
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path == route)
        .map(|r| r.received)
        .collect();
    assert_eq!(times.len(), 12);
    for (i, t) in times.iter().enumerate() {
        let in_window = times[i..]
            .iter()
            .take_while(|u| u.duration_since(*t) < tuning.channel_window)
            .count();
        assert!(
            in_window <= tuning.channel_limit,
            "{in_window} posts within {:?}",
            tuning.channel_window
        );
    }
}

#[tokio::test]
async fn keywords_that_select_a_paper_tag_it_and_only_its_papers_are_posted() {
    let env = Env::new("").await;
    publish_hf_day(&env, 14);
    env.subscribe(sub(PAPER_FORUM).kind(15).forum_mode(ForumMode::Paper))
        .await;
    env.store
        .add_keywords(
            PAPER_FORUM,
            &[Keyword::include("topic2"), Keyword::include("topic5")],
        )
        .await
        .unwrap();
    env.fake.set_forum_tags(
        PAPER_FORUM,
        &[(81, "Topic5", false), (82, "topic2", false)],
        false,
    );
    env.clock.set(at(env.day, 9, 0));
    let pass = tick(&env.deliverer()).await;
    assert_eq!(pass.completed, 1, "{pass}");
    let got = posts(&env, PAPER_FORUM);
    // Papers 2, 5, 9 and 12 match (topic2 / topic5): four threads, each tagged with its topic.
    let tags: Vec<Vec<u64>> = got.iter().map(|p| p.2.clone()).collect();
    assert_eq!(tags, vec![vec![82], vec![81], vec![82], vec![81]]);
}

#[tokio::test]
async fn a_forum_that_requires_a_tag_gets_its_papers_tag_or_is_paused_saying_why() {
    let env = Env::new("").await;
    publish_hf_day(&env, 8);
    env.subscribe(sub(PAPER_FORUM).kind(15).forum_mode(ForumMode::Paper))
        .await;
    env.subscribe(sub(DAY_FORUM + 1).kind(15).forum_mode(ForumMode::Paper))
        .await;
    // Requires a tag: a matching one where there is, its `Papers` tag otherwise.
    env.fake.set_forum_tags(
        PAPER_FORUM,
        &[
            (91, "Off-topic", false),
            (92, "Papers", false),
            (93, "topic0", false),
        ],
        true,
    );
    // Requires a tag and has only one paperboy may not apply.
    env.fake
        .set_forum_tags(DAY_FORUM + 1, &[(94, "Papers", true)], true);
    env.clock.set(at(env.day, 9, 0));
    let pass = tick(&env.deliverer()).await;
    assert_eq!(pass.completed, 1, "{pass}");

    let tags: Vec<Vec<u64>> = posts(&env, PAPER_FORUM)
        .iter()
        .map(|p| p.2.clone())
        .collect();
    assert_eq!(
        tags,
        vec![
            vec![93],
            vec![92],
            vec![92],
            vec![92],
            vec![92],
            vec![92],
            vec![92],
            vec![93]
        ]
    );

    // Nothing sent to be refused: paused at once, with why, like a channel it cannot post in.
    assert!(env.fake.threads(DAY_FORUM + 1).is_empty());
    let none = env
        .fake
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path == format!("/channels/{}/threads", DAY_FORUM + 1))
        .count();
    assert_eq!(none, 0);
    let s = env
        .store
        .subscription(DAY_FORUM + 1)
        .await
        .unwrap()
        .unwrap();
    assert!(!s.enabled);
    assert!(
        s.paused_reason
            .as_deref()
            .unwrap_or_default()
            .contains("requires a tag"),
        "{:?}",
        s.paused_reason
    );
    let failed = env.store.failed_days(DAY_FORUM + 1, env.day).await.unwrap();
    assert_eq!(failed.len(), 1);
}

/// Plans the forum's day as the engine does and marks it begun, as a crashed run leaves it.
async fn plan_and_begin(env: &Env) -> Vec<(String, Value)> {
    let digest = env.archived(env.day).await;
    let mut cache = RenderCache::default();
    let bodies = cache.post_bodies(
        env.day,
        DayContent::Digest(&digest.digest, Some(digest.fetched_at)),
        &Filter::default(),
        false,
        None,
        &paperboy::language::Language::english(),
    );
    let plan = cache.plan_for(PAPER_FORUM, env.day, &bodies);
    env.store
        .plan_deliveries(
            env.day,
            None,
            &[(PAPER_FORUM, plan.clone())],
            &HashSet::new(),
            &HashSet::new(),
        )
        .await
        .unwrap();
    env.store.mark_started(PAPER_FORUM, env.day).await.unwrap();
    plan
}

/// Creates planned post `idx` as the crashed run did; returns its thread.
async fn create_as_before(env: &Env, plan: &[(String, Value)], idx: usize) -> u64 {
    let post = PlannedPost::from_body(&plan[idx].1).unwrap();
    env.fake
        .http()
        .create_forum_post(PAPER_FORUM.into(), &post.request_body(&[]), None)
        .await
        .unwrap()
        .id
        .get()
}

#[tokio::test]
async fn a_post_created_before_a_crash_is_found_and_recorded_not_created_again() {
    let env = Env::new("").await;
    publish_hf_day(&env, 8);
    env.subscribe(sub(PAPER_FORUM).kind(15).forum_mode(ForumMode::Paper))
        .await;
    env.clock.set(at(env.day, 9, 0));
    let plan = plan_and_begin(&env).await;
    // Posts 0–3 went out and were recorded; post 4 went out, and the process died before it
    // was recorded.
    for idx in 0..4 {
        let thread = create_as_before(&env, &plan, idx).await;
        env.store
            .record_post(PAPER_FORUM, env.day, idx as u32, thread, thread)
            .await
            .unwrap();
    }
    let unrecorded = create_as_before(&env, &plan, 4).await;

    let pass = tick(&env.deliverer()).await;
    assert_eq!(pass.completed, 1, "{pass}");
    let got = posts(&env, PAPER_FORUM);
    assert_eq!(
        got.len(),
        8,
        "{:#?}",
        got.iter().map(|p| &p.1).collect::<Vec<_>>()
    );
    let ledger = env
        .store
        .delivery(PAPER_FORUM, env.day)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ledger.messages[4].thread_id, Some(unrecorded));
    // Paper 5 has paper 4's title: its own thread, not the one just found.
    assert_ne!(ledger.messages[5].thread_id, Some(unrecorded));
    let threads: HashSet<Option<u64>> = ledger.messages.iter().map(|m| m.thread_id).collect();
    assert_eq!(threads.len(), 8);
}

#[tokio::test]
async fn a_same_titled_post_already_recorded_is_never_taken_for_the_next_one() {
    let env = Env::new("").await;
    publish_hf_day(&env, 8);
    env.subscribe(sub(PAPER_FORUM).kind(15).forum_mode(ForumMode::Paper))
        .await;
    env.clock.set(at(env.day, 9, 0));
    let plan = plan_and_begin(&env).await;
    // Posts 0–4 went out and were recorded; the process died before post 5, which has post
    // 4's title, so the look after the crash finds a thread of that name: post 4's.
    for idx in 0..5 {
        let thread = create_as_before(&env, &plan, idx).await;
        env.store
            .record_post(PAPER_FORUM, env.day, idx as u32, thread, thread)
            .await
            .unwrap();
    }
    let pass = tick(&env.deliverer()).await;
    assert_eq!(pass.completed, 1, "{pass}");
    let got = posts(&env, PAPER_FORUM);
    assert_eq!(got.len(), 8);
    assert_eq!(got[4].1, got[5].1);
    let ledger = env
        .store
        .delivery(PAPER_FORUM, env.day)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ledger.messages[5].thread_id, Some(got[5].0));
}

#[tokio::test]
async fn a_post_whose_answer_is_lost_is_found_not_created_again() {
    let env = Env::new("").await;
    publish_hf_day(&env, 6);
    env.subscribe(sub(PAPER_FORUM).kind(15).forum_mode(ForumMode::Paper))
        .await;
    // The first post is created, but the bot gets a 504 instead of the answer: it cannot tell
    // whether the post exists, and Discord takes no nonce on a post.
    let route = format!("/channels/{PAPER_FORUM}/threads");
    env.fake
        .fail_route_next("POST", &route, 1, Failure::AnswerLost(504));
    env.clock.set(at(env.day, 9, 0));
    let d = env.deliverer();
    let pass = tokio::time::timeout(Duration::from_secs(60), tick(&d))
        .await
        .expect("the pass ended");
    assert_eq!(pass.completed, 1, "{pass}");
    let got = posts(&env, PAPER_FORUM);
    let names: Vec<&str> = got.iter().map(|p| p.1.as_str()).collect();
    assert_eq!(got.len(), 6, "{names:#?}");
    let ledger = env
        .store
        .delivery(PAPER_FORUM, env.day)
        .await
        .unwrap()
        .unwrap();
    let recorded: Vec<Option<u64>> = ledger.messages.iter().map(|m| m.thread_id).collect();
    let on_discord: Vec<Option<u64>> = got.iter().map(|p| Some(p.0)).collect();
    assert_eq!(recorded, on_discord);
}

/// Proxy mode (`discord.api_base`): the engine sends a post and reads a forum's tags itself,
/// not through serenity, and must read Discord's answers the same way.
#[tokio::test]
async fn in_proxy_mode_posts_get_their_tags_and_a_lost_answer_is_found_too() {
    let env = Env::new("").await;
    publish_hf_day(&env, 8);
    env.subscribe(sub(PAPER_FORUM).kind(15).forum_mode(ForumMode::Paper))
        .await;
    env.fake.set_forum_tags(
        PAPER_FORUM,
        &[(71, "Topic0", false), (72, "papers", false)],
        true,
    );
    let route = format!("/channels/{PAPER_FORUM}/threads");
    env.fake
        .fail_route_next("POST", &route, 1, Failure::AnswerLost(502));
    env.clock.set(at(env.day, 9, 0));
    let mut config = (*env.config).clone();
    config.discord.api_base = Some(env.fake.base_url());
    config.network = Default::default();
    let config = std::sync::Arc::new(config);
    let signals = paperboy::deliver::ratelimit::RateLimitSignals::new();
    let http = paperboy::bot::client::build_http(
        &paperboy::config::Token::new("fake-token"),
        &config.discord,
        paperboy::net::http_client(&config.network).unwrap(),
        &signals,
    );
    let fetcher = std::sync::Arc::new(paperboy::source::fetch::Fetcher::new(
        env.store.clone(),
        &config.source,
        paperboy::net::http_client(&config.network).unwrap(),
    ));
    let d = paperboy::deliver::Deliverer::new(
        std::sync::Arc::new(http),
        env.store.clone(),
        fetcher,
        config,
        std::sync::Arc::new(env.clock.clone()),
    )
    .with_tuning(fast());
    let pass = tick(&d).await;
    assert_eq!(pass.completed, 1, "{pass}");
    let got = posts(&env, PAPER_FORUM);
    assert_eq!(
        got.len(),
        8,
        "{:#?}",
        got.iter().map(|p| &p.1).collect::<Vec<_>>()
    );
    let tags: Vec<Vec<u64>> = got.iter().map(|p| p.2.clone()).collect();
    assert_eq!(
        tags,
        vec![
            vec![71],
            vec![72],
            vec![72],
            vec![72],
            vec![72],
            vec![72],
            vec![72],
            vec![71]
        ]
    );
    // The tags were read from the forum itself.
    assert!(env
        .fake
        .requests()
        .iter()
        .any(|r| r.method == "GET" && r.path == format!("/channels/{PAPER_FORUM}")));
    let ledger = env
        .store
        .delivery(PAPER_FORUM, env.day)
        .await
        .unwrap()
        .unwrap();
    let recorded: Vec<Option<u64>> = ledger.messages.iter().map(|m| m.thread_id).collect();
    let on_discord: Vec<Option<u64>> = got.iter().map(|p| Some(p.0)).collect();
    assert_eq!(recorded, on_discord);
}

/// Exactly once, measured the hard way (as `crash.rs` does for the other kinds of channel): the
/// real `paperboy run` binary posts the 31 papers of a fixture day to forums in paper mode
/// (each requiring a tag, so every post carries its `Papers` tag), and is killed with `kill -9`
/// at random moments, with every answer 400 ms behind the post it creates, so that a kill often
/// leaves a post on Discord the bot never heard about (a run without the look for such posts
/// fails this series with duplicates). A last run finishes the day. Asserted:
/// each forum has exactly one thread per paper, each with its one starter message and its tag,
/// and the ledger records exactly those threads. Beside them, text channels reading the day at
/// a glance: each ends with exactly one index, one thread started from it (a start of unknown
/// fate is started again and Discord's 160004 names it), each card once in it, and the ledger
/// holding that thread. The same on PostgreSQL with two processes, one killed again and again
/// while the other takes its forums over (`PAPERBOY_TEST_POSTGRES_URL`).
mod crash {
    use std::path::Path;
    use std::sync::Arc;
    use std::time::Duration;

    use paperboy::clock::ManualClock;
    use std::collections::HashMap;

    use paperboy::store::{Database, DeliveryStatus, ForumMode, Layout, Store};
    use rand::{Rng, SeedableRng};

    use crate::support::fake_discord::{FakeConfig, FakeDiscord};
    use crate::support::machine;
    use crate::support::process::{kill, paperboy};
    use crate::support::subscription::sub;

    const GUILD: u64 = 6_100;
    const TOKEN: &str = "forum-crash-token";
    const PAPERS: usize = 31;
    const TAG: u64 = 61;

    fn forums(n: u64) -> Vec<u64> {
        (0..n).map(|i| 20_000 + i).collect()
    }

    /// Text channels reading the day at a glance, beside the forums: half as many.
    fn glance_channels(n: u64) -> Vec<u64> {
        (0..n.div_ceil(2)).map(|i| 21_000 + i).collect()
    }

    /// The card messages a glance day of the fixture has in its thread, as the renderer packs
    /// them (the index is the one message before them).
    fn cards_per_glance_day() -> usize {
        let bytes = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/digests/2024-10-25.md"
        ))
        .unwrap();
        let digest = paperboy::source::markdown::parse_markdown(&bytes, None)
            .unwrap()
            .digest;
        let shown = paperboy::render::day_messages(
            digest.date,
            paperboy::render::DayContent::Digest(&digest, None),
            paperboy::render::Reader::Channel {
                filter: &paperboy::select::filter::Filter::default(),
                notify_empty: false,
                shape: paperboy::render::Shape::Glance {
                    top: 10,
                    thread: true,
                },
            },
            &paperboy::language::Language::english(),
        );
        assert_eq!(shown.opens_thread.as_ref().map(|(at, _)| *at), Some(0));
        shown.messages.len() - 1
    }

    /// Where the ledger is: the SQLite file in the test's folder (one process), or a schema of
    /// the PostgreSQL test server (two processes sharing the work).
    fn database(dir: &Path, pg: Option<&str>) -> Database {
        match pg {
            Some(url) => Database::Postgres(url.to_string()),
            None => Database::Sqlite(dir.join("paperboy.db")),
        }
    }

    async fn setup(
        dir: &Path,
        pg: Option<&str>,
        fake: &FakeDiscord,
        forums: &[u64],
        glance: &[u64],
    ) {
        let digests = dir.join("digests");
        std::fs::create_dir(&digests).unwrap();
        let today = chrono::Utc::now().date_naive();
        std::fs::copy(
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/digests/2024-10-25.md"
            ),
            digests.join(format!("{today}.md")),
        )
        .unwrap();
        let shared = match pg {
            Some(url) => {
                format!("[database]\nurl = \"{url}\"\n[delivery]\nlease_seconds = 3\n")
            }
            None => String::new(),
        };
        // Two processes: a pass every two seconds, as in `cluster.rs`, so that the survivor
        // takes over without waiting for the next minute.
        let cron = if pg.is_some() {
            "*/2 * * * * *"
        } else {
            "0 * * * * *"
        };
        std::fs::write(
            dir.join("bot.toml"),
            format!(
                "[schedule]\ncron = \"{cron}\"\ntimezone = \"UTC\"\n\
                 [source]\nkind = \"folder\"\npath = \"digests\"\nfallback_hf_api = false\n\
                 {shared}"
            ),
        )
        .unwrap();
        let an_hour_ago = chrono::Utc::now() - chrono::Duration::hours(1);
        let store = Store::connect(&database(dir, pg))
            .await
            .unwrap()
            .with_clock(Arc::new(ManualClock::new(an_hour_ago)));
        fake.add_guild(GUILD, None);
        for f in forums {
            fake.add_channel(GUILD, *f, 15);
            fake.set_forum_tags(*f, &[(TAG, "Papers", false)], true);
            sub(*f)
                .guild(GUILD)
                .kind(15)
                .forum_mode(ForumMode::Paper)
                .save(&store)
                .await;
        }
        for c in glance {
            fake.add_channel(GUILD, *c, 0);
            sub(*c)
                .guild(GUILD)
                .layout(Layout::Glance)
                .save(&store)
                .await;
        }
        store.close().await;
    }

    async fn all_done(dir: &Path, pg: Option<&str>, forums: &[u64]) -> bool {
        let Ok(store) = Store::connect(&database(dir, pg)).await else {
            return false;
        };
        let today = chrono::Utc::now().date_naive();
        let mut done = 0;
        for f in forums {
            if let Ok(Some(d)) = store.delivery(*f, today).await {
                if d.status == DeliveryStatus::Done {
                    done += 1;
                }
            }
        }
        store.close().await;
        done == forums.len()
    }

    /// With `pg`, a second process (shard 1 of 2) runs throughout and shares the posts, while
    /// the first (shard 0) is the one killed and restarted.
    async fn series(pg: Option<&str>, n_forums: u64, kills: usize, seed: u64) {
        let _machine = machine::heavy().await;
        let fake = FakeDiscord::start_with(FakeConfig {
            bot_token: TOKEN.to_string(),
            ..FakeConfig::default()
        })
        .await;
        fake.set_gateway_url("wss://gateway.discord.gg");
        fake.set_nonce_window(None);
        fake.set_answer_delay(Duration::from_millis(400));
        let dir = tempfile::tempdir().unwrap();
        let glance = glance_channels(n_forums);
        let forums = forums(n_forums);
        setup(dir.path(), pg, &fake, &forums, &glance).await;
        let everyone: Vec<u64> = forums.iter().chain(&glance).copied().collect();
        let spawn = |shard: &str| {
            let cmd = paperboy(dir.path());
            let cmd = if pg.is_some() {
                cmd.args(&["run", "--shards", shard, "--total-shards", "2"])
            } else {
                cmd.args(&["run"])
            };
            cmd.token(TOKEN).through(&fake).spawn()
        };
        let mut survivor = pg.map(|_| spawn("1"));
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        for k in 0..kills {
            let mut child = spawn("0");
            tokio::time::sleep(Duration::from_millis(rng.gen_range(400..2_500))).await;
            kill(&mut child).await;
            let posts: usize = forums.iter().map(|f| fake.threads(*f).len()).sum();
            eprintln!("after kill {}: {posts} forum posts so far", k + 1);
        }
        let mut child = spawn("0");
        let mut finished = false;
        for _ in 0..900 {
            if all_done(dir.path(), pg, &everyone).await {
                finished = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        kill(&mut child).await;
        if let Some(s) = survivor.as_mut() {
            kill(s).await;
        }
        assert!(finished, "the day never finished after the kills");
        assert!(fake.answers_landed(Duration::from_secs(10)).await);

        let store = Store::connect(&database(dir.path(), pg)).await.unwrap();
        let today = chrono::Utc::now().date_naive();
        let (mut duplicates, mut lost, mut untagged, mut unrecorded) = (0, 0, 0, 0);
        for f in &forums {
            let threads = fake.threads(*f);
            let mut names: Vec<&str> = threads
                .iter()
                .map(|t| t["name"].as_str().unwrap())
                .collect();
            names.sort_unstable();
            let distinct = {
                let mut d = names.clone();
                d.dedup();
                d.len()
            };
            duplicates += names.len() - distinct;
            lost += PAPERS.saturating_sub(distinct);
            let mut ids = Vec::new();
            for t in &threads {
                let thread: u64 = t["id"].as_str().unwrap().parse().unwrap();
                assert_eq!(fake.messages(thread).len(), 1, "forum {f}: thread {thread}");
                if fake.applied_tags(thread) != vec![TAG] {
                    untagged += 1;
                }
                ids.push(Some(thread));
            }
            let ledger = store.delivery(*f, today).await.unwrap().unwrap();
            let mut recorded: Vec<Option<u64>> =
                ledger.messages.iter().map(|m| m.thread_id).collect();
            recorded.sort_unstable();
            ids.sort_unstable();
            if recorded != ids {
                unrecorded += 1;
            }
        }
        // The glance channels: one index each, one thread started from it, each card once in
        // it, and the ledger holding that thread for every card.
        let cards = cards_per_glance_day();
        let (mut indexes, mut threads_off, mut card_duplicates, mut cards_lost) = (0, 0, 0, 0);
        for c in &glance {
            let index = fake.messages(*c);
            let threads = fake.threads(*c);
            if index.len() != 1 {
                indexes += 1;
            }
            let Some(thread) = threads
                .first()
                .map(|t| t["id"].as_str().unwrap().parse::<u64>().unwrap())
            else {
                threads_off += 1;
                continue;
            };
            if threads.len() != 1
                || index.first().map(|m| m["id"].as_str().unwrap())
                    != Some(thread.to_string().as_str())
            {
                threads_off += 1;
            }
            let mut seen: HashMap<String, usize> = HashMap::new();
            for m in fake.messages(thread) {
                *seen.entry(paperboy::deliver::fingerprint(&m)).or_default() += 1;
            }
            card_duplicates += seen.values().map(|n| n - 1).sum::<usize>();
            cards_lost += cards.saturating_sub(seen.len());
            let ledger = store.delivery(*c, today).await.unwrap().unwrap();
            if ledger.thread_id != Some(thread)
                || ledger.messages[1..]
                    .iter()
                    .any(|m| m.thread_id != Some(thread))
            {
                unrecorded += 1;
            }
        }
        store.close().await;
        assert_eq!(
            (duplicates, lost, untagged, unrecorded),
            (0, 0, 0, 0),
            "duplicate posts, lost posts, posts without their tag, forums or channels whose ledger differs"
        );
        assert_eq!(
            (indexes, threads_off, card_duplicates, cards_lost),
            (0, 0, 0, 0),
            "glance channels without exactly one index, without exactly its thread; cards twice, cards lost"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn kills_during_a_forums_posts_leave_one_thread_per_paper() {
        series(None, 8, 8, 5).await;
    }

    /// Two processes on one PostgreSQL database, one of them killed again and again: the other
    /// takes its forums over once their leases end, looking on Discord first.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_processes_on_postgres_one_killed_leave_one_thread_per_paper() {
        let Some(url) = crate::support::postgres::fresh_schema("forum_posts").await else {
            return;
        };
        series(Some(&url), 8, 6, 9).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[ignore = "long: run with `cargo test --release --test it forum_posts::crash -- --ignored`"]
    async fn thirty_kills_leave_one_thread_per_paper() {
        series(None, 40, 30, 23).await;
    }
}

/// `/papers subscribe forum_mode:` and `/papers settings forum_mode:` in the running bot, then
/// the forum's daily post from the bot's own scheduler: a thread per paper.
mod commands {
    use std::time::Duration;

    use chrono::Timelike;
    use paperboy::store::{DeliveryStatus, ForumMode};
    use serde_json::{json, Value};

    use crate::support::bot::{
        content, is_ephemeral, now, opt, Bot, CHANNEL, GUILD, MANAGER, MEMBER, USER,
    };

    const FORUM: u64 = 8;
    /// Discord sends a choice as its index (poise registers choices as integers).
    const DAY: u64 = 0;
    const PAPER: u64 = 1;

    async fn reply_in(
        bot: &mut Bot,
        channel: u64,
        perms: u64,
        path: &[&str],
        options: Value,
    ) -> Value {
        let got = bot
            .invoke_in(GUILD, channel, USER, perms, path, options, 1)
            .await;
        assert_eq!(got[0]["body"]["type"], 4, "{:#}", got[0]);
        got[0]["body"]["data"].clone()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn forum_mode_is_set_shown_changed_and_a_paper_forum_gets_a_thread_per_paper() {
        let mut bot = Bot::start_setup(now(), None, |fake| {
            fake.add_channel(GUILD, FORUM, 15);
            fake.set_forum_tags(FORUM, &[(31, "LLM", false)], false);
        })
        .await;
        let store = bot.store().await;

        // Not a forum: refused, saying why, and nothing stored.
        let data = reply_in(
            &mut bot,
            CHANNEL,
            MANAGER,
            &["subscribe"],
            json!([opt("forum_mode", 4, json!(PAPER))]),
        )
        .await;
        assert!(is_ephemeral(&data));
        assert!(
            content(&data).contains("only applies to forum channels"),
            "{data:#}"
        );
        assert!(store.subscription(CHANNEL).await.unwrap().is_none());

        // A forum in paper mode, posting two minutes from now.
        let fire = now() + chrono::Duration::minutes(2);
        let day = fire.date_naive();
        let data = reply_in(
            &mut bot,
            FORUM,
            MANAGER,
            &["subscribe"],
            json!([
                opt("forum_mode", 4, json!(PAPER)),
                opt(
                    "time",
                    3,
                    json!(format!("{:02}:{:02}", fire.hour(), fire.minute()))
                ),
                opt("timezone", 3, json!("UTC")),
            ]),
        )
        .await;
        assert!(content(&data).contains("Subscribed"), "{data:#}");
        assert!(content(&data).contains("one post per paper"), "{data:#}");
        let sub = store.subscription(FORUM).await.unwrap().unwrap();
        assert_eq!(sub.forum_mode, ForumMode::Paper);
        // Subscribing again without the option keeps it.
        reply_in(
            &mut bot,
            FORUM,
            MANAGER,
            &["subscribe"],
            json!([opt("top_n", 4, json!(12))]),
        )
        .await;
        assert_eq!(
            store.subscription(FORUM).await.unwrap().unwrap().forum_mode,
            ForumMode::Paper
        );

        // Shown by settings, to anyone.
        let data = reply_in(&mut bot, FORUM, MEMBER, &["settings"], json!([])).await;
        let shown = data["embeds"].to_string();
        assert!(
            shown.contains("Forum posts") && shown.contains("one post per paper"),
            "{shown}"
        );
        // Changing it needs Manage Channels.
        let data = reply_in(
            &mut bot,
            FORUM,
            MEMBER,
            &["settings"],
            json!([opt("forum_mode", 4, json!(DAY))]),
        )
        .await;
        assert!(content(&data).contains("Manage Channels"), "{data:#}");
        assert_eq!(
            store.subscription(FORUM).await.unwrap().unwrap().forum_mode,
            ForumMode::Paper
        );
        // Changed while paused: the pause stays.
        reply_in(&mut bot, FORUM, MANAGER, &["pause"], json!([])).await;
        let data = reply_in(
            &mut bot,
            FORUM,
            MANAGER,
            &["settings"],
            json!([opt("forum_mode", 4, json!(DAY))]),
        )
        .await;
        let shown = data["embeds"].to_string();
        assert!(shown.contains("now one post a day"), "{shown}");
        let sub = store.subscription(FORUM).await.unwrap().unwrap();
        assert_eq!(sub.forum_mode, ForumMode::Day);
        assert!(!sub.enabled);
        // And back, then resumed.
        reply_in(
            &mut bot,
            FORUM,
            MANAGER,
            &["settings"],
            json!([opt("forum_mode", 4, json!(PAPER))]),
        )
        .await;
        reply_in(&mut bot, FORUM, MANAGER, &["resume"], json!([])).await;
        // In a subscribed text channel, settings refuses it too.
        reply_in(&mut bot, CHANNEL, MANAGER, &["subscribe"], json!([])).await;
        let data = reply_in(
            &mut bot,
            CHANNEL,
            MANAGER,
            &["settings"],
            json!([opt("forum_mode", 4, json!(PAPER))]),
        )
        .await;
        assert!(
            content(&data).contains("only applies to forum channels"),
            "{data:#}"
        );
        assert_eq!(
            store
                .subscription(CHANNEL)
                .await
                .unwrap()
                .unwrap()
                .forum_mode,
            ForumMode::Day
        );

        // The bot's own scheduler posts the day: a thread per paper.
        bot.clock.set(fire + chrono::Duration::seconds(1));
        let mut threads = Vec::new();
        for _ in 0..600 {
            threads = bot.fake.threads(FORUM);
            if threads.len() >= 12 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(threads.len(), 12);
        let first = &threads[0];
        assert!(
            first["name"].as_str().unwrap().starts_with("Aurora-M"),
            "{first:#}"
        );
        for t in &threads {
            let thread: u64 = t["id"].as_str().unwrap().parse().unwrap();
            let messages = bot.fake.messages(thread);
            assert_eq!(messages.len(), 1);
            assert_eq!(messages[0]["embeds"].as_array().unwrap().len(), 1);
            assert_eq!(messages[0]["allowed_mentions"]["parse"], json!([]));
        }
        let mut ledger = store.delivery(FORUM, day).await.unwrap().unwrap();
        for _ in 0..200 {
            if ledger.status == DeliveryStatus::Done {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
            ledger = store.delivery(FORUM, day).await.unwrap().unwrap();
        }
        assert_eq!(ledger.status, DeliveryStatus::Done);
        assert!(ledger.messages.iter().all(|m| m.thread_id.is_some()));
        // Later passes post nothing more that day.
        bot.clock.set(fire + chrono::Duration::minutes(30));
        bot.two_passes().await;
        assert_eq!(bot.fake.threads(FORUM).len(), 12);
        store.close().await;
        bot.stop().await;
    }
}
