//! End-to-end tests of every `/papers` subcommand: the real bot (library entry point
//! `paperboy::bot::client::run`) against the fake Discord, with a real SQLite file.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::support::bot::*;
use crate::support::fake_discord::interaction;
use paperboy::store::{DeliveryStatus, KeywordKind};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registers_the_papers_command_with_every_subcommand() {
    let mut bot = Bot::start().await;
    // Everything went through the proxy, to Discord's real names only.
    let mut hosts = bot.fake.connects();
    hosts.sort();
    hosts.dedup();
    assert_eq!(hosts, vec!["discord.com:443", "gateway.discord.gg:443"]);
    let registered = bot.fake.registered_commands().unwrap();
    let text = registered.to_string();
    let papers = registered["commands"]
        .as_array()
        .or_else(|| registered.as_array())
        .and_then(|cmds| cmds.iter().find(|c| c["name"] == "papers"))
        .unwrap_or_else(|| panic!("no /papers in {text}"))
        .clone();
    let names: Vec<&str> = papers["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    for sub in [
        "today",
        "date",
        "search",
        "preview",
        "subscribe",
        "unsubscribe",
        "pause",
        "resume",
        "settings",
        "retry",
        "keywords",
    ] {
        assert!(names.contains(&sub), "{sub} missing from {names:?}");
    }
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn today_defers_then_posts_every_paper_packed_without_mentions() {
    let mut bot = Bot::start().await;
    // Not archived yet: the bot must defer (type 5) before downloading, then follow up.
    let got = bot.invoke(MEMBER, &["today"], json!([]), 4).await;
    assert_eq!(got[0]["kind"], "callback");
    assert_eq!(got[0]["body"]["type"], 5, "{:#}", got[0]);
    let followups: Vec<&Value> = got.iter().filter(|r| r["kind"] == "followup").collect();
    assert_eq!(
        followups.len(),
        3,
        "the day's index, then its 12 papers packed into 2 messages"
    );
    // The index first: the top ten by votes, a save menu for them, no embed.
    let index = content(&followups[0]["body"]);
    assert!(index.contains("· top 10 by votes"), "{index}");
    assert!(index.ends_with("+2 more below ↓"), "{index}");
    assert!(followups[0]["body"]["embeds"]
        .as_array()
        .is_none_or(Vec::is_empty));
    let embeds = followup_embeds(&got);
    assert_eq!(embeds.len(), 12);
    assert_eq!(
        embeds[0]["title"].as_str().unwrap(),
        "Aurora-M: The First Open Source Multilingual Language Model Red-teamed according to the U.S. Executive Order"
    );
    assert_eq!(embeds[0]["url"], "https://arxiv.org/abs/2404.00399");
    for f in &followups {
        assert_eq!(f["body"]["allowed_mentions"]["parse"], json!([]), "{f:#}");
    }

    // Archived now: the second call answers at once, no deferral.
    let got = bot.invoke(MEMBER, &["today"], json!([]), 2).await;
    assert_eq!(got[0]["body"]["type"], 4, "{:#}", got[0]);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_day_still_growing_is_shown_so_far_refreshed_when_it_may_have_changed() {
    let noon = DateTime::parse_from_rfc3339("2024-04-03T12:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let clock = paperboy::clock::ManualClock::new(noon);
    let api = crate::support::hf_api::GrowingApi::start(clock.clone()).await;
    let mut bot = Bot::start_with(noon, Some(api.base_url.clone())).await;
    bot.clock = clock.clone();
    bot.stop().await;
    bot.launch().await;
    // The primary folder has 2024-04-02 only.
    bot.invoke(
        MEMBER,
        &["date"],
        json!([opt("day", 3, json!("2024-04-02"))]),
        3,
    )
    .await;
    let so_far = crate::support::hf_api::papers_at("2024-04-03".parse().unwrap(), noon);
    let got = bot.invoke_papers(&["today"], json!([]), so_far).await;
    let header = first_followup(&got);
    assert!(header.contains("Daily Papers — 2024-04-03"), "{header}");
    assert!(
        header.contains("so far") && header.contains("fetched 12:00 UTC"),
        "{header}"
    );
    assert!(
        header.contains("newest complete digest is 2024-04-02"),
        "{header}"
    );
    assert_eq!(all_embeds(&got).len(), so_far, "{got:#?}");
    // When its votes were counted: the card's timestamp.
    let when = all_embeds(&got)[0]["timestamp"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(when.starts_with("2024-04-03T12:00:00"), "{when}");
    let asked = api.requests();

    // A few minutes later the copy is fresh enough: no new download.
    clock.set(noon + chrono::Duration::minutes(5));
    bot.invoke(
        MEMBER,
        &["date"],
        json!([opt("day", 3, json!("2024-04-03"))]),
        2,
    )
    .await;
    assert_eq!(api.requests(), asked);
    // Later it may have changed: downloaded again, with the papers added since.
    let later = noon + chrono::Duration::hours(3);
    clock.set(later);
    let now_so_far = crate::support::hf_api::papers_at("2024-04-03".parse().unwrap(), later);
    assert!(now_so_far > so_far);
    let got = bot
        .invoke_papers(
            &["date"],
            json!([opt("day", 3, json!("2024-04-03"))]),
            now_so_far,
        )
        .await;
    assert_eq!(api.requests(), asked + 1);
    assert_eq!(all_embeds(&got).len(), now_so_far, "{got:#?}");
    // Once the day is over (plus settling), the final list, and then no more downloads.
    let settled = DateTime::parse_from_rfc3339("2024-04-04T01:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    clock.set(settled);
    let got = bot
        .invoke_papers(&["date"], json!([opt("day", 3, json!("2024-04-03"))]), 29)
        .await;
    let header = first_followup(&got);
    assert!(!header.contains("so far"), "{header}");
    assert!(header.contains("29 papers"), "{header}");
    let archived = bot
        .store()
        .await
        .archived("2024-04-03".parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(archived.final_);
    let asked = api.requests();
    bot.invoke_papers(&["date"], json!([opt("day", 3, json!("2024-04-03"))]), 29)
        .await;
    assert_eq!(api.requests(), asked);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn date_rejects_bad_future_and_missing_days() {
    let mut bot = Bot::start().await;
    let data = bot
        .reply(
            MEMBER,
            &["date"],
            json!([opt("day", 3, json!("2024-13-45"))]),
        )
        .await;
    assert!(is_ephemeral(&data));
    assert!(content(&data).contains("YYYY-MM-DD"), "{data:#}");

    let data = bot
        .reply(
            MEMBER,
            &["date"],
            json!([opt("day", 3, json!("2024-04-03"))]),
        )
        .await;
    assert!(is_ephemeral(&data));
    assert!(content(&data).contains("future"), "{data:#}");

    // A day without a digest file: deferred, then an ephemeral explanation.
    let got = bot
        .invoke(
            MEMBER,
            &["date"],
            json!([opt("day", 3, json!("2024-03-30"))]),
            3,
        )
        .await;
    // Deferred publicly, so the "thinking…" message is removed and the answer is a fresh,
    // ephemeral follow-up: nobody else sees the mistake.
    assert!(
        got.iter().any(|r| r["kind"] == "delete_original"),
        "{got:#?}"
    );
    let last = got.iter().rev().find(|r| r["kind"] == "followup").unwrap();
    assert!(
        content(&last["body"]).contains("no Daily Papers digest for 2024-03-30"),
        "{got:#?}"
    );
    assert!(is_ephemeral(&last["body"]), "{last:#}");

    let got = bot
        .invoke(
            MEMBER,
            &["date"],
            json!([opt("day", 3, json!("2024-04-02"))]),
            4,
        )
        .await;
    // The index, then the twelve cards in two messages.
    assert_eq!(followup_embeds(&got).len(), 12);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_changes_need_manage_channels() {
    let mut bot = Bot::start().await;
    for path in [
        vec!["subscribe"],
        vec!["unsubscribe"],
        vec!["pause"],
        vec!["resume"],
        vec!["keywords", "add"],
        vec!["keywords", "remove"],
        vec!["keywords", "clear"],
    ] {
        let options = match path.last().copied() {
            Some("add") => json!([opt("words", 3, json!("llm"))]),
            Some("remove") => json!([opt("word", 3, json!("llm"))]),
            _ => json!([]),
        };
        let data = bot.reply(MEMBER, &path, options).await;
        assert!(is_ephemeral(&data), "{path:?}: {data:#}");
        assert!(
            content(&data).contains("Manage Channels"),
            "{path:?}: {data:#}"
        );
    }
    let store = bot.store().await;
    assert!(store.subscription(CHANNEL).await.unwrap().is_none());
    assert!(store.keywords(CHANNEL).await.unwrap().is_empty());
    store.close().await;
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribe_validates_and_stores_settings() {
    let mut bot = Bot::start().await;
    let data = bot
        .reply(
            MANAGER,
            &["subscribe"],
            json!([opt("time", 3, json!("25:00"))]),
        )
        .await;
    assert!(content(&data).contains("HH:MM"), "{data:#}");
    let data = bot
        .reply(
            MANAGER,
            &["subscribe"],
            json!([opt("timezone", 3, json!("Mars/Olympus"))]),
        )
        .await;
    assert!(content(&data).contains("time zone"), "{data:#}");
    let store = bot.store().await;
    assert!(store.subscription(CHANNEL).await.unwrap().is_none());

    let data = bot
        .reply(
            MANAGER,
            &["subscribe"],
            json!([
                opt("time", 3, json!("08:30")),
                opt("timezone", 3, json!("Asia/Seoul")),
                opt("min_votes", 4, json!(5)),
                opt("top_n", 4, json!(3)),
            ]),
        )
        .await;
    assert!(is_ephemeral(&data));
    assert!(content(&data).contains("Subscribed"), "{data:#}");
    assert!(content(&data).contains("08:30"), "{data:#}");
    let sub = store.subscription(CHANNEL).await.unwrap().unwrap();
    assert!(sub.enabled);
    assert_eq!(sub.guild_id, GUILD);
    assert_eq!(sub.created_by, USER);
    assert_eq!(sub.delivery_time.unwrap().to_string(), "08:30:00");
    assert_eq!(sub.timezone, Some(chrono_tz::Asia::Seoul));
    assert_eq!(sub.min_votes, Some(5));
    assert_eq!(sub.top_n, Some(3));

    // Pause, settings shows it, resume, unsubscribe.
    let data = bot.reply(MANAGER, &["pause"], json!([])).await;
    assert!(content(&data).contains("Paused"), "{data:#}");
    assert!(!store.subscription(CHANNEL).await.unwrap().unwrap().enabled);
    let data = bot.reply(MEMBER, &["settings"], json!([])).await;
    assert!(is_ephemeral(&data));
    let shown = data["embeds"].to_string();
    assert!(shown.contains("Paused"), "{shown}");
    // A post that failed while the channel was unreachable is retried after a resume.
    let date = "2024-04-02".parse().unwrap();
    store
        .plan_delivery(CHANNEL, date, &[("n1".into(), json!({"content": "x"}))])
        .await
        .unwrap();
    store
        .finish_delivery(CHANNEL, date, DeliveryStatus::Failed)
        .await
        .unwrap();
    let data = bot.reply(MANAGER, &["resume"], json!([])).await;
    assert!(content(&data).contains("Resumed"), "{data:#}");
    assert!(content(&data).contains("retried"), "{data:#}");
    assert!(store.subscription(CHANNEL).await.unwrap().unwrap().enabled);
    // Reopened: pending, or already re-sent if the scheduler woke up in between.
    let status = store.delivery(CHANNEL, date).await.unwrap().unwrap().status;
    assert!(
        status == DeliveryStatus::Pending
            || (status == DeliveryStatus::Done && bot.fake.messages(CHANNEL).len() == 1),
        "{status:?}"
    );
    let data = bot.reply(MANAGER, &["unsubscribe"], json!([])).await;
    assert!(content(&data).contains("Unsubscribed"), "{data:#}");
    assert!(store.subscription(CHANNEL).await.unwrap().is_none());
    let data = bot.reply(MANAGER, &["unsubscribe"], json!([])).await;
    assert!(content(&data).contains("not subscribed"), "{data:#}");
    store.close().await;
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keywords_add_list_remove_clear_and_caps() {
    let mut bot = Bot::start().await;
    let data = bot
        .reply(
            MANAGER,
            &["keywords", "add"],
            json!([opt("words", 3, json!("Aurora, \"text-to-image\" -survey"))]),
        )
        .await;
    assert!(is_ephemeral(&data));
    assert!(content(&data).contains("Added"), "{data:#}");
    let store = bot.store().await;
    let words = store.keywords(CHANNEL).await.unwrap();
    assert_eq!(words.len(), 3, "{words:?}");
    assert!(words
        .iter()
        .any(|k| k.word == "survey" && k.kind == KeywordKind::Exclude));

    let data = bot.reply(MEMBER, &["keywords", "list"], json!([])).await;
    assert!(content(&data).contains("aurora"), "{data:#}");
    assert!(content(&data).contains("-survey"), "{data:#}");

    // Keywords apply to /papers today once the channel is subscribed: "aurora" and
    // "text-to-image" match 3 papers, and "-survey" drops none of them.
    let got = bot.invoke(MEMBER, &["today"], json!([]), 4).await;
    assert_eq!(
        followup_embeds(&got).len(),
        12,
        "not subscribed: unfiltered"
    );
    bot.reply(MANAGER, &["subscribe"], json!([])).await;
    let got = bot.invoke(MEMBER, &["today"], json!([]), 2).await;
    let embeds: Vec<Value> = got
        .iter()
        .filter(|r| r["kind"] == "callback")
        .flat_map(|r| {
            r["body"]["data"]["embeds"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .chain(followup_embeds(&got))
        .collect();
    let titles: Vec<&str> = embeds
        .iter()
        .map(|e| e["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles.len(), 3, "{titles:?}");
    assert!(titles[0].starts_with("Aurora-M"), "{titles:?}");
    assert!(titles[1].starts_with("Getting it Right"), "{titles:?}");
    assert!(titles[2].starts_with("CosmicMan"), "{titles:?}");
    // `all:True` shows every paper regardless.
    let got = bot
        .invoke(MEMBER, &["today"], json!([opt("all", 5, json!(true))]), 3)
        .await;
    let all: usize = got
        .iter()
        .map(|r| {
            let body = if r["kind"] == "callback" {
                &r["body"]["data"]
            } else {
                &r["body"]
            };
            body["embeds"].as_array().map_or(0, Vec::len)
        })
        .sum();
    assert_eq!(all, 12);

    let data = bot
        .reply(
            MANAGER,
            &["keywords", "remove"],
            json!([opt("word", 3, json!("AURORA"))]),
        )
        .await;
    assert!(content(&data).contains("Removed"), "{data:#}");
    let data = bot
        .reply(
            MANAGER,
            &["keywords", "remove"],
            json!([opt("word", 3, json!("nope"))]),
        )
        .await;
    assert!(content(&data).contains("not one of"), "{data:#}");

    // Too long, and too many: refused with a clear message, nothing added.
    let long = "x".repeat(101);
    let data = bot
        .reply(
            MANAGER,
            &["keywords", "add"],
            json!([opt("words", 3, json!(long))]),
        )
        .await;
    assert!(content(&data).contains("100"), "{data:#}");
    let many: Vec<String> = (0..60).map(|i| format!("word{i}")).collect();
    let data = bot
        .reply(
            MANAGER,
            &["keywords", "add"],
            json!([opt("words", 3, json!(many.join(" ")))]),
        )
        .await;
    assert!(content(&data).contains("50"), "{data:#}");
    assert_eq!(store.keywords(CHANNEL).await.unwrap().len(), 2);

    let data = bot.reply(MANAGER, &["keywords", "clear"], json!([])).await;
    assert!(content(&data).contains("Removed 2"), "{data:#}");
    assert!(store.keywords(CHANNEL).await.unwrap().is_empty());
    store.close().await;
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_finds_archived_papers_in_english_and_korean() {
    let mut bot = Bot::start().await;
    let data = bot
        .reply(
            MEMBER,
            &["search"],
            json!([opt("query", 3, json!("FlexiDreamer"))]),
        )
        .await;
    assert!(is_ephemeral(&data), "nothing archived yet: {data:#}");
    // Loading a day archives it.
    bot.invoke(
        MEMBER,
        &["date"],
        json!([opt("day", 3, json!("2024-04-02"))]),
        3,
    )
    .await;
    let data = bot
        .reply(
            MEMBER,
            &["search"],
            json!([opt("query", 3, json!("flexidreamer"))]),
        )
        .await;
    // The hits' index, each with its day (their cards follow).
    let shown = content(&data);
    assert!(
        shown.starts_with("🔎 **Search: flexidreamer** · 1 result"),
        "{shown}"
    );
    assert!(
        shown.contains("FlexiDreamer") && shown.contains("2024-04-02"),
        "{shown}"
    );
    let data = bot
        .reply(
            MEMBER,
            &["search"],
            json!([opt("query", 3, json!("다국어"))]),
        )
        .await;
    let shown = content(&data);
    assert!(shown.contains("Aurora-M"), "{shown}");
    let data = bot
        .reply(MEMBER, &["search"], json!([opt("query", 3, json!("x"))]))
        .await;
    assert!(content(&data).contains("at least 2"), "{data:#}");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preview_is_ephemeral_and_uses_the_channel_filter() {
    let mut bot = Bot::start().await;
    bot.reply(
        MANAGER,
        &["keywords", "add"],
        json!([opt("words", 3, json!("FlexiDreamer"))]),
    )
    .await;
    let got = bot.invoke(MEMBER, &["preview"], json!([]), 3).await;
    assert_eq!(got[0]["body"]["type"], 5);
    assert!(
        got[0]["body"]["data"]["flags"].as_u64().unwrap_or(0) & EPHEMERAL != 0,
        "{:#}",
        got[0]
    );
    let embeds = followup_embeds(&got);
    assert_eq!(embeds.len(), 1, "{got:#?}");
    assert!(embeds[0]["title"]
        .as_str()
        .unwrap()
        .starts_with("FlexiDreamer"));
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autocomplete_suggests_zones_and_keywords() {
    let mut bot = Bot::start().await;
    bot.reply(
        MANAGER,
        &["keywords", "add"],
        json!([opt("words", 3, json!("llm -survey"))]),
    )
    .await;
    let token = "ac-zone";
    bot.fake
        .dispatch_interaction(interaction::autocomplete(
            900,
            token,
            GUILD,
            CHANNEL,
            USER,
            &["papers", "subscribe"],
            json!([{"name": "timezone", "type": 3, "value": "seoul", "focused": true}]),
        ))
        .await;
    let got = bot
        .fake
        .wait_for_responses(token, 1, Duration::from_secs(10))
        .await;
    assert_eq!(got[0]["body"]["type"], 8, "{got:#?}");
    assert!(got[0]["body"]["data"]["choices"]
        .to_string()
        .contains("Asia/Seoul"));

    let token = "ac-kw";
    bot.fake
        .dispatch_interaction(interaction::autocomplete(
            901,
            token,
            GUILD,
            CHANNEL,
            USER,
            &["papers", "keywords", "remove"],
            json!([{"name": "word", "type": 3, "value": "", "focused": true}]),
        ))
        .await;
    let got = bot
        .fake
        .wait_for_responses(token, 1, Duration::from_secs(10))
        .await;
    let choices = got[0]["body"]["data"]["choices"].to_string();
    assert!(
        choices.contains("llm") && choices.contains("-survey"),
        "{choices}"
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_keeps_subscriptions_and_keywords() {
    let mut bot = Bot::start().await;
    bot.reply(
        MANAGER,
        &["subscribe"],
        json!([
            opt("time", 3, json!("07:15")),
            opt("timezone", 3, json!("Europe/Berlin"))
        ]),
    )
    .await;
    bot.reply(
        MANAGER,
        &["keywords", "add"],
        json!([opt("words", 3, json!("diffusion -survey"))]),
    )
    .await;
    bot.stop().await;

    bot.launch().await;
    let data = bot.reply(MEMBER, &["settings"], json!([])).await;
    let shown = data["embeds"].to_string();
    assert!(shown.contains("07:15"), "{shown}");
    assert!(shown.contains("Europe/Berlin"), "{shown}");
    assert!(shown.contains("diffusion"), "{shown}");
    assert!(shown.contains("survey"), "{shown}");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribed_channel_gets_its_daily_post_from_the_running_bot() {
    use chrono::Timelike;
    // The bot's clock drives the store's timestamps too, so the whole day can be simulated.
    let mut bot = Bot::start().await;
    let fire = now() + chrono::Duration::minutes(2);
    let day = fire.date_naive();
    let time = format!("{:02}:{:02}", fire.hour(), fire.minute());
    let data = bot
        .reply(
            MANAGER,
            &["subscribe"],
            json!([
                opt("time", 3, json!(time)),
                opt("timezone", 3, json!("UTC"))
            ]),
        )
        .await;
    assert!(content(&data).contains("Subscribed"), "{data:#}");

    // Not due yet: passes run, nothing is posted.
    bot.two_passes().await;
    assert!(bot.fake.messages(CHANNEL).is_empty());

    bot.clock.set(fire + chrono::Duration::seconds(1));
    // A channel subscribed now reads the day at a glance: the index in the channel, the cards
    // in the thread started from it.
    let mut cards = Vec::new();
    for _ in 0..200 {
        cards = bot
            .fake
            .threads(CHANNEL)
            .first()
            .map(|t| {
                bot.fake
                    .messages(t["id"].as_str().unwrap().parse().unwrap())
            })
            .unwrap_or_default();
        if cards.len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let index = bot.fake.messages(CHANNEL);
    assert_eq!(index.len(), 1, "{index:#?}");
    assert_eq!(cards.len(), 2, "{cards:#?}");
    let thread = &bot.fake.threads(CHANNEL)[0];
    assert_eq!(
        thread["id"], index[0]["id"],
        "a thread started from the index has its id"
    );
    let embeds: usize = cards
        .iter()
        .map(|m| m["embeds"].as_array().unwrap().len())
        .sum();
    assert_eq!(embeds, 12);
    let posted: Vec<Value> = index.into_iter().chain(cards).collect();
    for m in &posted {
        assert_eq!(m["allowed_mentions"]["parse"], json!([]), "{m:#}");
        assert_eq!(m["enforce_nonce"], true, "{m:#}");
        assert!(m["nonce"].as_str().is_some_and(|n| n.len() <= 25), "{m:#}");
    }
    // The fake stores a message before the bot hears its answer and records it: wait for the
    // ledger to settle.
    let store = bot.store().await;
    let mut ledger = store.delivery(CHANNEL, day).await.unwrap().unwrap();
    for _ in 0..200 {
        if ledger.status == DeliveryStatus::Done {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        ledger = store.delivery(CHANNEL, day).await.unwrap().unwrap();
    }
    assert_eq!(ledger.status, DeliveryStatus::Done);
    assert!(ledger.messages.iter().all(|m| m.message_id.is_some()));
    // The ledger knows the thread, and which of its messages are in it.
    let thread_id: u64 = thread["id"].as_str().unwrap().parse().unwrap();
    assert_eq!(ledger.thread_id, Some(thread_id));
    assert_eq!(
        ledger.messages[0].opens_thread.as_deref(),
        Some(format!("Daily Papers — {day}").as_str())
    );
    assert!(ledger.messages[1..]
        .iter()
        .all(|m| m.thread_id == Some(thread_id)));

    let data = bot.reply(MEMBER, &["settings"], json!([])).await;
    let shown = data["embeds"].to_string();
    assert!(
        shown.contains("Last post") && shown.contains(&day.to_string()),
        "{shown}"
    );
    assert!(shown.contains("the day at a glance"), "{shown}");

    // Later passes post nothing more that day.
    bot.clock.set(fire + chrono::Duration::minutes(30));
    bot.two_passes().await;
    assert_eq!(bot.fake.messages(CHANNEL).len(), 1);
    assert_eq!(bot.fake.messages(thread_id).len(), 2);
    assert_eq!(bot.fake.threads(CHANNEL).len(), 1);
    store.close().await;
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_day_is_cut_off_with_a_pointer_to_the_filters() {
    let mut bot = Bot::start().await;
    let mut md = String::from("## Daily Papers (2024-04-01)\n\n");
    for i in 0..150 {
        md += &format!(
            "### [Paper {i}](https://arxiv.org/abs/2404.{i:05})\n\nVote: {i}\n\n- bullet {i}\n\n"
        );
    }
    std::fs::write(bot.dir.path().join("digests/2024-04-01.md"), md).unwrap();
    let got = bot
        .invoke(
            MEMBER,
            &["date"],
            json!([opt("day", 3, json!("2024-04-01"))]),
            12,
        )
        .await;
    let followups: Vec<&Value> = got.iter().filter(|r| r["kind"] == "followup").collect();
    assert_eq!(followups.len(), 11, "10 messages of papers and one note");
    let shown = followup_embeds(&got).len();
    assert!(shown < 150);
    let note = content(&followups[10]["body"]);
    assert!(
        note.contains(&format!("{} more papers", 150 - shown)),
        "{note}"
    );
    // Nothing more arrives.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        bot.fake
            .interaction_responses(&format!("token-{}", bot.next_id))
            .len(),
        12
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_days_show_in_settings_and_are_retried_on_request() {
    let mut bot = Bot::start().await;
    let data = bot.reply(MANAGER, &["subscribe"], json!([])).await;
    assert!(content(&data).contains("Subscribed"), "{data:#}");
    // A day Discord refused (a payload bug), nothing of it sent.
    let day: chrono::NaiveDate = "2024-04-01".parse().unwrap();
    let store = bot.store().await;
    store
        .plan_delivery(CHANNEL, day, &[("n0".into(), json!({"content": "x"}))])
        .await
        .unwrap();
    store
        .record_attempt_error(CHANNEL, day, "400 Invalid Form Body: embeds.0.title")
        .await
        .unwrap();
    store
        .finish_delivery(CHANNEL, day, DeliveryStatus::Failed)
        .await
        .unwrap();
    let data = bot.reply(MEMBER, &["settings"], json!([])).await;
    let shown = data["embeds"][0]["description"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        shown.contains("Failed: 2024-04-01: 400 Invalid Form Body"),
        "{shown}"
    );
    assert!(shown.contains("/papers retry"), "{shown}");
    // Members cannot; managers can.
    let data = bot.reply(MEMBER, &["retry"], json!([])).await;
    assert!(content(&data).contains("Manage Channels"), "{data:#}");
    let data = bot.reply(MANAGER, &["retry"], json!([])).await;
    assert!(is_ephemeral(&data));
    assert!(content(&data).contains("Retrying 2024-04-01"), "{data:#}");
    assert_eq!(
        store.delivery(CHANNEL, day).await.unwrap(),
        None,
        "planned afresh"
    );
    let data = bot.reply(MANAGER, &["retry"], json!([])).await;
    assert!(content(&data).contains("Nothing to retry"), "{data:#}");
    store.close().await;
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_day_being_retried_shows_in_settings_with_since_when_attempts_and_the_last_error() {
    use crate::support::fake_discord::Failure;
    let mut bot = Bot::start().await;
    let data = bot.reply(MANAGER, &["subscribe"], json!([])).await;
    assert!(content(&data).contains("Subscribed"), "{data:#}");
    // Discord keeps answering 502 to this channel's posts, and the day has failed three
    // passes already (each pass retries with a backoff of seconds before counting another).
    bot.fake.fail_route_next(
        "POST",
        &format!("/channels/{CHANNEL}/messages"),
        1_000,
        Failure::ServerError(502),
    );
    let day: chrono::NaiveDate = "2024-04-02".parse().unwrap();
    let store = bot.store().await;
    store
        .plan_delivery(CHANNEL, day, &[("rt0".into(), json!({"content": "x"}))])
        .await
        .unwrap();
    store.mark_started(CHANNEL, day).await.unwrap();
    for _ in 0..3 {
        store
            .record_attempt_error(CHANNEL, day, "HTTP 502, code 0: Bad Gateway")
            .await
            .unwrap();
    }
    let since = store
        .delivery(CHANNEL, day)
        .await
        .unwrap()
        .unwrap()
        .started_at
        .unwrap();

    let data = bot.reply(MEMBER, &["settings"], json!([])).await;
    assert!(is_ephemeral(&data));
    let embed = &data["embeds"][0];
    let status = embed["description"].as_str().unwrap_or_default();
    assert!(
        status.contains(&format!(
            "Retrying the post of {day} (first tried <t:{}:R>)",
            since.timestamp()
        )),
        "{status}"
    );
    let max = paperboy::deliver::MAX_DELIVERY_ATTEMPTS;
    assert!(
        status.contains(&format!(
            " of {max} attempts failed, the last with: HTTP 502"
        )),
        "{status}"
    );
    let field = |name: &str| {
        embed["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name)
            .unwrap_or_else(|| panic!("no {name} field: {embed:#}"))["value"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(
        field("Last post"),
        format!("— (none yet: {day} is being retried)")
    );
    assert!(
        field("Next post").starts_with("after the day being retried; then "),
        "{embed:#}"
    );
    // Nothing went out meanwhile: the day is still the one being retried.
    assert!(bot.fake.messages(CHANNEL).is_empty());
    store.close().await;
    bot.stop().await;
}

/// `/papers preview`'s opening words, however the answer came (at once, or after a deferral).
async fn preview_note(bot: &mut Bot) -> String {
    bot.invoke(MEMBER, &["preview"], json!([]), 1).await;
    let token = format!("token-{}", bot.next_id);
    for _ in 0..400 {
        let note = first_followup(&bot.fake.interaction_responses(&token));
        if !note.is_empty() {
            return note;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "no preview text: {:#?}",
        bot.fake.interaction_responses(&token)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preview_in_a_channel_that_is_not_subscribed_says_so_and_what_it_would_get() {
    let mut bot = Bot::start().await;
    let note = preview_note(&mut bot).await;
    assert!(note.contains("not subscribed"), "{note}");
    assert!(note.contains("`/papers subscribe`"), "{note}");
    assert!(note.contains("would carry"), "{note}");
    assert!(!note.contains("next post here"), "{note}");

    // Subscribed, it is the channel's own next post.
    bot.reply(MANAGER, &["subscribe"], json!([])).await;
    let note = preview_note(&mut bot).await;
    assert!(note.to_lowercase().contains("next post here"), "{note}");
    assert!(!note.contains("not subscribed"), "{note}");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribe_sets_the_channel_language_and_settings_show_it() {
    let mut bot = Bot::start().await;
    let store = bot.store().await;
    let data = bot
        .reply(
            MANAGER,
            &["subscribe"],
            json!([opt("language", 3, json!("Korean <@1>"))]),
        )
        .await;
    assert!(is_ephemeral(&data));
    assert!(content(&data).contains("not a language code"), "{data:#}");
    assert_eq!(data["allowed_mentions"]["parse"], json!([]), "{data:#}");
    assert!(store.subscription(CHANNEL).await.unwrap().is_none());

    bot.reply(
        MANAGER,
        &["subscribe"],
        json!([opt("language", 3, json!("pt_br"))]),
    )
    .await;
    let sub = store.subscription(CHANNEL).await.unwrap().unwrap();
    assert_eq!(sub.language.as_ref().map(|l| l.code()), Some("pt-BR"));
    // Changing another setting keeps the language; `default` goes back to the bot's.
    bot.reply(MANAGER, &["subscribe"], json!([opt("top_n", 4, json!(3))]))
        .await;
    let sub = store.subscription(CHANNEL).await.unwrap().unwrap();
    assert_eq!(sub.language.as_ref().map(|l| l.code()), Some("pt-BR"));
    let shown = bot.reply(MEMBER, &["settings"], json!([])).await["embeds"].to_string();
    assert!(shown.contains("pt-BR"), "{shown}");
    bot.reply(
        MANAGER,
        &["subscribe"],
        json!([opt("language", 3, json!("default"))]),
    )
    .await;
    assert_eq!(
        store.subscription(CHANNEL).await.unwrap().unwrap().language,
        None
    );
    let shown = bot.reply(MEMBER, &["settings"], json!([])).await["embeds"].to_string();
    assert!(shown.contains("(bot default)"), "{shown}");

    let token = "ac-lang";
    bot.fake
        .dispatch_interaction(interaction::autocomplete(
            902,
            token,
            GUILD,
            CHANNEL,
            USER,
            &["papers", "subscribe"],
            json!([{"name": "language", "type": 3, "value": "k", "focused": true}]),
        ))
        .await;
    let got = bot
        .fake
        .wait_for_responses(token, 1, Duration::from_secs(10))
        .await;
    let choices = got[0]["body"]["data"]["choices"].to_string();
    assert!(choices.contains("한국어 (ko)"), "{choices}");
    store.close().await;
    bot.stop().await;
}
