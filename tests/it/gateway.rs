//! The running bot against what real gateways do: a recommended shard count, a failing command
//! registration at start-up, reconnects and resumes, and members keeping the bot busy while a
//! post is due. Production HTTP path throughout (see `support::bot`).

use std::time::Duration;

use crate::support::bot::*;
use crate::support::fake_discord::{guild_on, Failure};
use chrono::Timelike;
use serde_json::{json, Value};

/// Waits for `n` messages in a channel.
async fn messages(bot: &Bot, channel: u64, n: usize) -> Vec<Value> {
    let mut got = Vec::new();
    for _ in 0..400 {
        got = bot.fake.messages(channel);
        if got.len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    got
}

/// Waits (up to 10 s) until the fake has received `n` RESUMEs in all.
async fn wait_for_resumes(bot: &Bot, n: usize) {
    for _ in 0..200 {
        if bot.fake.resumes().len() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Subscribes `channel` to a post two minutes from the bot's clock; returns when it fires.
async fn subscribe_soon(bot: &mut Bot, guild: u64, channel: u64) -> chrono::DateTime<chrono::Utc> {
    let fire = now() + chrono::Duration::minutes(2);
    let time = format!("{:02}:{:02}", fire.hour(), fire.minute());
    let got = bot
        .invoke_in(
            guild,
            channel,
            USER,
            MANAGER,
            &["subscribe"],
            // The cards in the channel (`layout:full`, choice 1): what these suites count.
            json!([
                opt("time", 3, json!(time)),
                opt("timezone", 3, json!("UTC")),
                opt("layout", 4, json!(1))
            ]),
            1,
        )
        .await;
    assert!(
        content(&got[0]["body"]["data"]).contains("Subscribed"),
        "{got:#?}"
    );
    fire
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bot_opens_the_shards_discord_recommends_and_answers_on_each() {
    let guilds: Vec<u64> = (0..3).map(|s| guild_on(s, 3)).collect();
    let setup_guilds = guilds.clone();
    let mut bot = Bot::start_setup(now(), None, move |fake| {
        fake.set_recommended_shards(3);
        for (i, g) in setup_guilds.iter().enumerate() {
            fake.add_guild(*g, None);
            fake.add_channel(*g, 500 + i as u64, 0);
        }
    })
    .await;
    // Three IDENTIFYs, one per shard.
    for _ in 0..200 {
        if bot.fake.identifies().len() >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let shards = bot.fake.identified_shards();
    assert_eq!(shards, vec![json!([0, 3]), json!([1, 3]), json!([2, 3])]);
    // A command from a guild on each shard is answered (the fake dispatches it on that shard's
    // session only).
    for (i, g) in guilds.iter().enumerate() {
        let got = bot
            .invoke_in(
                *g,
                500 + i as u64,
                USER,
                MEMBER,
                &["settings"],
                json!([]),
                1,
            )
            .await;
        assert_eq!(got[0]["kind"], "callback", "shard {i}: {got:#?}");
    }
    // One scheduler whatever the shard count: the daily post goes out once.
    let fire = subscribe_soon(&mut bot, guilds[1], 501).await;
    bot.clock.set(fire + chrono::Duration::seconds(1));
    assert_eq!(messages(&bot, 501, 2).await.len(), 2);
    bot.two_passes().await;
    assert_eq!(bot.fake.messages(501).len(), 2);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_command_registration_is_retried_and_never_deafens_the_bot() {
    // The first two registrations answer 500.
    let mut bot = Bot::start_setup(now(), None, |fake| {
        fake.fail_route_next("PUT", "/applications/", 2, Failure::ServerError(500));
    })
    .await;
    // Commands are answered meanwhile: registration is not in the event path.
    let got = bot.invoke(MEMBER, &["today"], json!([]), 4).await;
    assert!(followup_embeds(&got).len() >= 12, "{got:#?}");
    // And registration goes on with backoff until it works.
    for _ in 0..200 {
        if bot.fake.registered_commands().is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let puts = bot
        .fake
        .requests()
        .iter()
        .filter(|r| r.method == "PUT" && r.path.contains("/commands"))
        .count();
    assert_eq!(puts, 3, "two failures, then success");
    assert!(bot.fake.registered_commands().is_some());
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_reconnect_and_a_resume_commands_work_and_one_scheduler_posts_once() {
    let mut bot = Bot::start().await;
    let fire = subscribe_soon(&mut bot, GUILD, CHANNEL).await;
    // Discord asks for a reconnect (op 7), then drops the session (4000): serenity resumes.
    bot.fake.gateway_reconnect();
    // The reconnect's RESUME has arrived (and its session is live) before the session is
    // dropped; then the second RESUME, after which commands reach the bot again.
    wait_for_resumes(&bot, 1).await;
    bot.fake.close_sessions(4000);
    wait_for_resumes(&bot, 2).await;
    assert!(!bot.fake.resumes().is_empty(), "serenity never resumed");
    let got = bot.invoke(MEMBER, &["settings"], json!([]), 1).await;
    assert_eq!(got[0]["kind"], "callback", "{got:#?}");
    bot.clock.set(fire + chrono::Duration::seconds(1));
    assert_eq!(messages(&bot, CHANNEL, 2).await.len(), 2);
    bot.two_passes().await;
    assert_eq!(
        bot.fake.messages(CHANNEL).len(),
        2,
        "posted by one scheduler"
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_members_asking_for_twenty_days_do_not_delay_the_post() {
    // Every day but the seed day comes from a slow fallback (two seconds an answer).
    let clock = paperboy::clock::ManualClock::new(now());
    let api =
        crate::support::hf_api::GrowingApi::start_slow(clock.clone(), Duration::from_secs(2)).await;
    let mut bot = Bot::start_with(now(), Some(api.base_url.clone())).await;
    bot.clock = clock;
    bot.stop().await;
    bot.launch().await;
    let fire = subscribe_soon(&mut bot, GUILD, CHANNEL).await;
    bot.clock.set(fire + chrono::Duration::seconds(1));
    // Twenty members, twenty distinct past days, all at once.
    for k in 1..=20u64 {
        let day = (now() - chrono::Duration::days(10 + k as i64)).date_naive();
        bot.next_id += 1;
        let token = format!("token-{}", bot.next_id);
        bot.fake
            .dispatch_interaction(crate::support::fake_discord::interaction::slash(
                bot.next_id,
                &token,
                GUILD,
                CHANNEL,
                USER + k,
                MEMBER,
                &["papers", "date"],
                json!([opt("day", 3, json!(day.to_string()))]),
            ))
            .await;
    }
    // Two downloads at a time of two seconds each: the members' answers take about 20 s. The
    // post, from the primary, goes out while they are still being fetched.
    assert_eq!(messages(&bot, CHANNEL, 2).await.len(), 2);
    let answered = api.answered();
    assert!(
        answered < 20,
        "the post waited until {answered} member downloads were done"
    );
    bot.stop().await;
}
