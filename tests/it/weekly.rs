//! End-to-end tests of the week's best: the real bot, a channel subscribed with
//! `weekly:True`, the week's days in the archive and a fake Hugging Face whose votes have moved
//! since: on its weekday at the channel's time the channel gets the top papers by the refreshed
//! votes, through its filters, once (a restart and later passes add nothing), and the next
//! week gets its own post. `/papers top` ranks the same way on demand.

use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{json, Value};

use crate::support::bot::*;
use crate::support::hf_votes::VotesApi;
use paperboy::store::DeliveryStatus;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// The fixture day's papers (2024-04-02) with new votes, and a later day the archive lacks.
fn votes(api: &VotesApi) {
    let fixture = [
        ("2404.00399", "Aurora-M", 30),
        ("2404.01197", "Getting it Right", 40),
        ("2404.00987", "FlexiDreamer", 20),
        ("2404.01143", "Condition-Aware Neural Network", 10),
        ("2404.01294", "CosmicMan", 50),
        ("2404.01258", "Direct Preference Optimization of Video", 5),
        (
            "2404.01292",
            "Measuring Style Similarity in Diffusion Models",
            300,
        ),
        ("2404.00345", "MaGRITTe", 15),
        ("2404.00656", "WavLLM", 12),
        ("2404.01297", "Streaming Dense Video Captioning", 900),
        ("2404.00488", "Noise-Aware Training", 3),
        ("2404.00308", "ST-LLM", 60),
    ];
    api.set(
        d("2024-04-02"),
        fixture
            .iter()
            .map(|(id, t, v)| (id.to_string(), t.to_string(), *v))
            .collect(),
    );
    api.set(
        d("2024-04-04"),
        vec![
            ("2404.03001".into(), "A Survey of Everything".into(), 2000),
            ("2404.03002".into(), "Late Arrival Transformer".into(), 100),
        ],
    );
}

/// The weekly post's messages as the channel shows them, once its ledger row is done.
async fn weekly_post(bot: &Bot, date: NaiveDate) -> Vec<Value> {
    let key = paperboy::store::keys::ledger_key(CHANNEL);
    let store = bot.store().await;
    let mut delivery = None;
    for _ in 0..400 {
        delivery = store.delivery(key, date).await.unwrap();
        if delivery
            .as_ref()
            .is_some_and(|d| d.status == DeliveryStatus::Done)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    store.close().await;
    let delivery = delivery.expect("the weekly post was planned");
    assert_eq!(delivery.status, DeliveryStatus::Done);
    let ids: Vec<String> = delivery
        .messages
        .iter()
        .map(|m| m.message_id.unwrap().to_string())
        .collect();
    let posted: Vec<Value> = bot
        .fake
        .messages(CHANNEL)
        .into_iter()
        .filter(|m| ids.iter().any(|id| m["id"] == id.as_str()))
        .collect();
    assert_eq!(posted.len(), ids.len());
    posted
}

fn titles(messages: &[Value]) -> Vec<String> {
    messages
        .iter()
        .flat_map(|m| m["embeds"].as_array().cloned().unwrap_or_default())
        .map(|e| e["title"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_weeks_best_by_refreshed_votes_through_the_filters_once() {
    let api = VotesApi::start().await;
    votes(&api);
    // Saturday 2024-04-06, before the channel's 09:00.
    let mut bot = Bot::start_with(at("2024-04-06T08:00:00Z"), Some(api.base_url.clone())).await;
    let data = bot
        .reply(
            MANAGER,
            &["subscribe"],
            json!([
                opt("time", 3, json!("09:00")),
                opt("timezone", 3, json!("UTC")),
                opt("weekly", 5, json!(true)),
                opt("weekly_top", 4, json!(4)),
            ]),
        )
        .await;
    assert!(content(&data).contains("Subscribed"), "{data:#}");
    bot.reply(
        MANAGER,
        &["keywords", "add"],
        json!([opt("words", 3, json!("-survey"))]),
    )
    .await;
    let settings = bot.reply(MEMBER, &["settings"], json!([])).await;
    let shown = settings.to_string();
    assert!(
        shown.contains("The week's best")
            && shown.contains("Every Saturday at 09:00 (UTC) · top 4"),
        "{shown}"
    );

    bot.two_passes().await;
    let key = paperboy::store::keys::ledger_key(CHANNEL);
    let store = bot.store().await;
    assert_eq!(store.delivery(key, d("2024-04-06")).await.unwrap(), None);
    store.close().await;

    bot.clock.set(at("2024-04-06T09:00:01Z"));
    let post = weekly_post(&bot, d("2024-04-06")).await;
    let header = content(&post[0]);
    assert!(header.contains("2024-03-30 – 2024-04-05"), "{header}");
    // By the refreshed votes (900, 300, 100, 60), the survey (2000) filtered out, the day the
    // archive lacked included from Hugging Face's list.
    let shown = titles(&post);
    assert_eq!(shown.len(), 4, "{shown:#?}");
    assert!(
        shown[0].starts_with("#1 · Streaming Dense Video Captioning"),
        "{shown:#?}"
    );
    assert!(
        shown[1].starts_with("#2 · Measuring Style Similarity"),
        "{shown:#?}"
    );
    assert!(
        shown[2].starts_with("#3 · Late Arrival Transformer"),
        "{shown:#?}"
    );
    assert!(shown[3].starts_with("#4 · ST-LLM"), "{shown:#?}");
    assert!(!shown.iter().any(|t| t.contains("Survey")));
    // Refreshed right before: every day of the week was asked for.
    let asked = api.asked();
    for day in 30..=31 {
        assert!(asked.contains(&d(&format!("2024-03-{day}"))), "{asked:?}");
    }
    for day in 1..=5 {
        assert!(asked.contains(&d(&format!("2024-04-0{day}"))), "{asked:?}");
    }
    // The index first, then the cards: the summaries are the archive's (Korean), the votes
    // Hugging Face's.
    assert!(
        content(&post[0]).contains("**1.** [Streaming Dense Video Captioning]"),
        "{:#}",
        post[0]
    );
    let first = &post[1]["embeds"][0];
    assert!(first.to_string().contains("900"), "{first:#}");
    // Saveable like a daily post.
    assert!(post[0]["components"][0]["components"][0]["options"].is_array());

    // Votes move on; a restart and later passes post nothing more this week.
    api.set(d("2024-04-02"), vec![]);
    let count = bot.fake.messages(CHANNEL).len();
    bot.stop().await;
    bot.clock.set(at("2024-04-07T12:00:00Z"));
    bot.launch().await;
    bot.two_passes().await;
    assert_eq!(weekly_post(&bot, d("2024-04-06")).await, post);
    let weekly_now = bot
        .fake
        .messages(CHANNEL)
        .iter()
        .filter(|m| content(m).starts_with("🏆"))
        .count();
    assert_eq!(weekly_now, 1, "one weekly post");
    assert!(bot.fake.messages(CHANNEL).len() >= count);

    // The next Saturday has its own, of its own week.
    api.set(
        d("2024-04-08"),
        vec![("2404.04001".into(), "Next Week Paper".into(), 70)],
    );
    bot.clock.set(at("2024-04-13T09:00:01Z"));
    let next = weekly_post(&bot, d("2024-04-13")).await;
    assert!(
        content(&next[0]).contains("2024-04-06 – 2024-04-12"),
        "{:#}",
        next[0]
    );
    assert_eq!(titles(&next), ["#1 · Next Week Paper"]);
    bot.stop().await;
}

/// The real binary, killed with `kill -9` at random moments while it posts the week's best to
/// many channels (the fake's nonce memory off, every answer 150 ms behind the commit, so a kill
/// can leave a message on Discord the bot never heard of), then run to the end: each channel has
/// its weekly post exactly once, every planned message present once, none lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_weekly_post_is_exactly_once_through_kill_9() {
    use crate::support::fake_discord::{FakeConfig, FakeDiscord};
    use crate::support::process::{kill, paperboy};
    use crate::support::subscription::sub;
    use chrono::Datelike;
    use paperboy::clock::ManualClock;
    use paperboy::store::Store;
    use rand::{Rng, SeedableRng};
    use std::collections::HashMap;
    use std::sync::Arc;

    const GUILD: u64 = 7_000;
    const TOKEN: &str = "weekly-crash-token";
    let _machine = crate::support::machine::heavy().await;
    let fake = FakeDiscord::start_with(FakeConfig {
        bot_token: TOKEN.to_string(),
        ..FakeConfig::default()
    })
    .await;
    fake.set_gateway_url("wss://gateway.discord.gg");
    fake.set_nonce_window(None);
    fake.set_answer_delay(Duration::from_millis(150));
    let api = VotesApi::start().await;
    let dir = tempfile::tempdir().unwrap();
    let now = Utc::now();
    let today = now.date_naive();
    // The week's day in the folder, with Hugging Face's fresher votes for it.
    let day = today - chrono::Duration::days(2);
    let digests = dir.path().join("digests");
    std::fs::create_dir(&digests).unwrap();
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/digests/2024-04-02.md"
        ),
        digests.join(format!("{day}.md")),
    )
    .unwrap();
    votes(&api);
    let listed = api_list_for(&api, d("2024-04-02"));
    api.set(day, listed);
    std::fs::write(
        dir.path().join("bot.toml"),
        format!(
            "[schedule]\ncron = \"0 0 0 * * *\"\ntimezone = \"UTC\"\n\
             [source]\nkind = \"folder\"\npath = \"digests\"\nfallback_hf_api = true\n\
             hf_api_base = \"{}\"\n",
            api.base_url
        ),
    )
    .unwrap();
    // Subscribed yesterday with the week's best on today's weekday, at the bot's hour
    // (00:00 UTC): today's weekly post is due at once.
    let yesterday = now - chrono::Duration::days(1);
    let store = Store::open(&dir.path().join("paperboy.db"))
        .await
        .unwrap()
        .with_clock(Arc::new(ManualClock::new(yesterday)));
    fake.add_guild(GUILD, None);
    let channels: Vec<u64> = (0..30).map(|i| 20_000 + i).collect();
    for c in &channels {
        fake.add_channel(GUILD, *c, 0);
        sub(*c)
            .guild(GUILD)
            .weekly(today.weekday(), 10)
            .save(&store)
            .await;
    }
    store.close().await;

    let spawn = || {
        paperboy(dir.path())
            .args(&["run"])
            .token(TOKEN)
            .through(&fake)
            .spawn()
    };
    // Each run is killed as soon as a few more messages reached Discord: mid-fan-out, with
    // the answers of the last ones still on their way.
    let message_posts = || {
        fake.requests()
            .iter()
            .filter(|r| r.method == "POST" && r.path.ends_with("/messages"))
            .count()
    };
    let weekly_headers = || {
        channels
            .iter()
            .filter(|c| {
                fake.messages(**c)
                    .iter()
                    .any(|m| content(m).starts_with("🏆"))
            })
            .count()
    };
    let mut rng = rand::rngs::StdRng::seed_from_u64(20);
    let mut mid_weekly = 0;
    for _ in 0..8 {
        let before = message_posts();
        let mut child = spawn();
        let step = rng.gen_range(3..15);
        for _ in 0..400 {
            if message_posts() >= before + step {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        kill(&mut child).await;
        let seen = weekly_headers();
        if seen > 0 && seen < channels.len() {
            mid_weekly += 1;
        }
    }
    // The kills landed while the weekly posts were going out, not before or after.
    assert!(
        mid_weekly >= 2,
        "only {mid_weekly} kills landed among the weekly posts"
    );
    let mut child = spawn();
    let mut done = false;
    for _ in 0..600 {
        if let Ok(store) = Store::open(&dir.path().join("paperboy.db")).await {
            let mut finished = 0;
            for c in &channels {
                if let Ok(Some(d)) = store
                    .delivery(paperboy::store::keys::ledger_key(*c), today)
                    .await
                {
                    finished += usize::from(d.status == DeliveryStatus::Done);
                }
            }
            store.close().await;
            if finished == channels.len() {
                done = true;
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    kill(&mut child).await;
    assert!(done, "the weekly posts never finished after the kills");
    assert!(fake.answers_landed(Duration::from_secs(10)).await);

    let store = Store::open(&dir.path().join("paperboy.db")).await.unwrap();
    let (mut duplicates, mut lost) = (0, 0);
    for c in &channels {
        let weekly = store
            .delivery(paperboy::store::keys::ledger_key(*c), today)
            .await
            .unwrap()
            .unwrap();
        assert!(!weekly.messages.is_empty());
        let mut seen: HashMap<String, usize> = HashMap::new();
        for m in fake.messages(*c) {
            *seen.entry(paperboy::deliver::fingerprint(&m)).or_default() += 1;
        }
        duplicates += seen.values().map(|n| n - 1).sum::<usize>();
        for planned in &weekly.messages {
            if !seen.contains_key(&paperboy::deliver::fingerprint(&planned.body)) {
                lost += 1;
            }
        }
        // Ranked by the refreshed votes (the index first, then the cards).
        let first = &weekly.messages[1].body;
        assert!(
            first["embeds"][0]["title"]
                .as_str()
                .unwrap()
                .starts_with("#1 · Streaming Dense Video Captioning"),
            "{first:#}"
        );
    }
    store.close().await;
    assert_eq!(
        (duplicates, lost),
        (0, 0),
        "duplicates, lost weekly messages"
    );
}

/// The list `votes` set for `date`, to serve it under another date.
fn api_list_for(api: &VotesApi, date: NaiveDate) -> Vec<crate::support::hf_votes::Listed> {
    api.list(date)
}

/// The votes an embed shows (its "👍 Votes" field).
/// The votes a card shows: the first number of its stats row (`👍 24 · …`).
fn shown_votes(embed: &Value) -> Option<u64> {
    embed["description"]
        .as_str()?
        .strip_prefix("👍 ")?
        .split(' ')
        .next()?
        .parse()
        .ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn top_ranks_the_archived_week_for_anyone_through_the_channels_filters() {
    let mut bot = Bot::start_at(at("2024-04-05T12:00:00Z")).await;
    // Archive the fixture day (12 papers, 24 votes down to 2).
    bot.invoke(
        MEMBER,
        &["date"],
        json!([opt("day", 3, json!("2024-04-02"))]),
        2,
    )
    .await;
    // The index and one message of cards: shown to the channel.
    let got = bot
        .invoke(MEMBER, &["top"], json!([opt("count", 4, json!(3))]), 2)
        .await;
    let data = &got[0]["body"]["data"];
    let header = content(data);
    assert!(
        header.starts_with("🏆") && header.contains("top 3"),
        "{header}"
    );
    assert!(
        !is_ephemeral(data),
        "a short answer is shown to the channel: {data:#}"
    );
    assert!(header.contains("**1.** [Aurora-M"), "{header}");
    assert!(data["components"][0]["components"][0]["options"].is_array());
    let embeds = followup_embeds(&got);
    let shown: Vec<String> = embeds
        .iter()
        .map(|e| e["title"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(shown.len(), 3, "{shown:#?}");
    assert!(shown[0].starts_with("#1 · Aurora-M"), "{shown:#?}");
    let votes: Vec<u64> = embeds.iter().filter_map(shown_votes).collect();
    assert_eq!(votes, [24, 22, 10]);

    // In a subscribed channel, its filters apply.
    bot.reply(MANAGER, &["subscribe"], json!([])).await;
    bot.reply(
        MANAGER,
        &["keywords", "add"],
        json!([opt("words", 3, json!("-aurora"))]),
    )
    .await;
    let got = bot
        .invoke(MEMBER, &["top"], json!([opt("count", 4, json!(3))]), 2)
        .await;
    let data = &got[0]["body"]["data"];
    assert!(content(data).contains("filters"), "{data:#}");
    let votes: Vec<u64> = followup_embeds(&got)
        .iter()
        .filter_map(shown_votes)
        .collect();
    assert_eq!(votes, [22, 10, 9]);

    // A month with twelve papers: the whole ranking is long, so only the asker sees it.
    let got = bot
        .invoke(
            MEMBER,
            &["top"],
            json!([opt("period", 4, json!(1)), opt("count", 4, json!(25))]),
            2,
        )
        .await;
    assert!(is_ephemeral(&got[0]["body"]["data"]), "{:#}", got[0]);
    bot.stop().await;
}

/// The scheduler sleeps until the next thing due. A week's best on a day without a daily post
/// (Saturday, under a weekdays-only schedule) must wake it at its own time, not up to the
/// longest sleep later; the same for a person's weekly reading-list DM.
#[tokio::test]
async fn the_scheduler_wakes_for_a_weekly_post_on_a_day_without_a_daily_one() {
    use crate::support::engine::Env;
    use crate::support::subscription::sub;
    use paperboy::store::{AlertTerm, AlertTermKind};
    let env = Env::with("", |config, _| {
        config.schedule.cron = "0 0 9 * * Mon-Fri".parse().unwrap();
        config.schedule.cron_text = "0 0 9 * * Mon-Fri".into();
    })
    .await;
    let d = env.deliverer();
    // Saturday 2024-04-06, 30 s before 09:00: no daily post until Monday.
    let now = at("2024-04-06T08:59:30Z");
    env.subscribe(sub(100)).await;
    let term = AlertTerm {
        kind: AlertTermKind::Include,
        term: "llm".into(),
    };
    env.store.add_alert_terms(55, &[term]).await.unwrap();
    assert_eq!(d.next_wake(now).await, now + chrono::Duration::seconds(60));

    env.store.set_weekly_saved(55, true).await.unwrap();
    assert_eq!(d.next_wake(now).await, at("2024-04-06T09:00:00Z"));
    env.store.set_weekly_saved(55, false).await.unwrap();
    assert_eq!(d.next_wake(now).await, now + chrono::Duration::seconds(60));

    env.subscribe(sub(101).weekly(chrono::Weekday::Sat, 5))
        .await;
    assert_eq!(d.next_wake(now).await, at("2024-04-06T09:00:00Z"));
}
