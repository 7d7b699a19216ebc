//! The day at a glance, end to end: a channel's day is its index (the top papers by votes,
//! one screen) in the channel and every card in a thread started from it, recorded in the
//! ledger with the thread; an announcement channel publishes the index alone; a forum's day
//! post holds the index and then the cards; a channel where the bot may not start threads gets
//! its cards in the channel and the `full` layout from then on, and is told why once; a start
//! of unknown fate is tried again and Discord's 160004 is the thread it started. The engine on
//! the production HTTP path against the fake Discord, and the real bot for the commands.

use serde_json::{json, Value};

use crate::support::bot::{content, opt, Bot, CHANNEL, MANAGER, MEMBER};
use crate::support::engine::*;
use crate::support::fake_discord::Failure;
use crate::support::subscription::sub;
use paperboy::store::{DeliveryStatus, Layout};

fn id(v: &Value) -> u64 {
    v["id"].as_str().unwrap().parse().unwrap()
}

/// Requests that started a thread from a message of `channel`.
fn thread_starts(env: &Env, channel: u64) -> Vec<crate::support::fake_discord::RecordedRequest> {
    let prefix = format!("/channels/{channel}/messages/");
    env.fake
        .requests()
        .into_iter()
        .filter(|r| {
            r.method == "POST" && r.path.starts_with(&prefix) && r.path.ends_with("/threads")
        })
        .collect()
}

#[tokio::test]
async fn a_glance_day_is_one_index_in_the_channel_and_every_card_in_its_thread() {
    let env = Env::new("").await;
    env.publish(env.day);
    env.subscribe(sub(100).layout(Layout::Glance)).await;
    env.subscribe(sub(300).kind(5).auto_publish(true).layout(Layout::Glance))
        .await;
    env.subscribe(sub(200).kind(15).layout(Layout::Glance))
        .await;
    env.clock.set(at(env.day, 9, 0));
    let pass = tick(&env.deliverer()).await;
    assert_eq!(pass.completed, 3, "{pass}");
    let name = format!("Daily Papers — {}", env.day);

    // The channel: one message, the index of the top ten by votes with their save menu.
    let index = env.fake.messages(100);
    assert_eq!(index.len(), 1, "{index:#?}");
    let text = index[0]["content"].as_str().unwrap();
    assert!(
        text.starts_with(&format!("📰 **{name}** · 12 papers · top 10 by votes\n")),
        "{text}"
    );
    assert!(
        text.contains("**1.** [Aurora-M: The First Open Source Multilingual"),
        "{text}"
    );
    assert!(
        text.ends_with("+2 more · all 12 cards are in the thread ↓"),
        "{text}"
    );
    assert!(index[0]["embeds"].as_array().is_none_or(Vec::is_empty));
    let menu = &index[0]["components"][0]["components"][0];
    assert_eq!(menu["options"].as_array().unwrap().len(), 10);
    assert_eq!(menu["options"][0]["value"], "2404.00399");

    // One thread, started from the index (its id), named for the day, kept active 3 days.
    let threads = env.fake.threads(100);
    assert_eq!(threads.len(), 1);
    let thread = id(&threads[0]);
    assert_eq!(thread, id(&index[0]));
    assert_eq!(threads[0]["name"], name.as_str());
    let starts = thread_starts(&env, 100);
    assert_eq!(starts.len(), 1);
    assert_eq!(starts[0].body["auto_archive_duration"], 4320);
    // Every card in it, in the index's order, each once.
    let cards = env.fake.messages(thread);
    assert_eq!(cards.len(), 2);
    assert_eq!(embeds(&cards), 12);
    assert!(cards
        .iter()
        .all(|m| m.get("content").is_none_or(Value::is_null)));
    assert!(cards[0]["embeds"][0]["title"]
        .as_str()
        .unwrap()
        .starts_with("Aurora-M"));

    // The ledger: the thread on the delivery, opened by the index, and on every card.
    let ledger = env.store.delivery(100, env.day).await.unwrap().unwrap();
    assert_eq!(ledger.status, DeliveryStatus::Done);
    assert_eq!(ledger.thread_id, Some(thread));
    assert_eq!(
        ledger.messages[0].opens_thread.as_deref(),
        Some(name.as_str())
    );
    assert_eq!(
        ledger.messages[0].thread_id, None,
        "the index is in the channel"
    );
    assert_eq!(ledger.messages[0].message_id, Some(thread));
    for (planned, sent) in ledger.messages[1..].iter().zip(&cards) {
        assert_eq!(planned.thread_id, Some(thread));
        assert_eq!(planned.message_id, Some(id(sent)));
    }
    // The thread is the day's, for a question asked in it: every paper of the day.
    let here =
        paperboy::ask::thread::thread_papers(&env.store.thread_ledger(thread).await.unwrap());
    assert!(
        matches!(here, paperboy::ask::thread::ThreadPapers::Several(_)),
        "{here:?}"
    );
    assert_eq!(here.papers()[0].arxiv_id, "2404.00399");

    // An announcement channel publishes its index to its followers, not the cards.
    let news_index = env.fake.messages(300);
    assert_eq!(news_index.len(), 1);
    let news_thread = id(&env.fake.threads(300)[0]);
    assert_eq!(env.fake.messages(news_thread).len(), 2);
    let published: Vec<u64> = env
        .fake
        .crossposts()
        .iter()
        .filter(|(c, _)| *c == 300)
        .map(|(_, m)| *m)
        .collect();
    assert_eq!(published, vec![id(&news_index[0])]);

    // A forum's day post: the index is its first message, the cards follow in it.
    let posts = env.fake.threads(200);
    assert_eq!(posts.len(), 1);
    let in_post = env.fake.messages(id(&posts[0]));
    assert_eq!(in_post.len(), 3);
    assert!(in_post[0]["content"]
        .as_str()
        .unwrap()
        .ends_with("+2 more below ↓"));
    assert_eq!(embeds(&in_post[1..]), 12);
    assert!(thread_starts(&env, 200).is_empty());
}

#[tokio::test]
async fn a_thread_start_whose_answer_was_lost_is_tried_again_and_160004_is_that_thread() {
    let env = Env::new("").await;
    env.publish(env.day);
    env.subscribe(sub(100).layout(Layout::Glance)).await;
    // The thread is started, but the bot gets a 502 instead of the answer.
    env.fake.fail_route_next(
        "POST",
        "/channels/100/messages/",
        1,
        Failure::AnswerLost(502),
    );
    env.clock.set(at(env.day, 9, 0));
    let pass = tick(&env.deliverer()).await;
    assert_eq!(pass.completed, 1, "{pass}");
    // Asked twice: the second answer is Discord's "already created" for that message.
    let starts = thread_starts(&env, 100);
    assert_eq!(
        starts.iter().map(|r| r.status).collect::<Vec<_>>(),
        [502, 400]
    );
    let threads = env.fake.threads(100);
    assert_eq!(threads.len(), 1);
    let thread = id(&threads[0]);
    assert_eq!(env.fake.messages(thread).len(), 2);
    let ledger = env.store.delivery(100, env.day).await.unwrap().unwrap();
    assert_eq!(ledger.thread_id, Some(thread));
    assert_eq!(env.fake.messages(100).len(), 1);
}

#[tokio::test]
async fn where_threads_cannot_be_started_the_cards_go_into_the_channel_and_it_is_told_once() {
    let env = Env::new("").await;
    env.publish(env.day);
    env.subscribe(sub(100).layout(Layout::Glance)).await;
    env.fake.forbid_threads(100);
    env.clock.set(at(env.day, 9, 0));
    let d = env.deliverer();
    let pass = tick(&d).await;
    assert_eq!(pass.completed, 1, "{pass}");
    assert!(env.fake.threads(100).is_empty());
    // The index, the notice of why, the cards: nothing of the day is lost.
    let posted = env.fake.messages(100);
    assert_eq!(posted.len(), 4, "{posted:#?}");
    assert!(posted[0]["content"]
        .as_str()
        .unwrap()
        .contains("top 10 by votes"));
    let notice = posted[1]["content"].as_str().unwrap();
    assert!(
        notice.contains("could not start today's thread")
            && notice.contains("Create Public Threads"),
        "{notice}"
    );
    assert_eq!(posted[1]["allowed_mentions"]["parse"], json!([]));
    assert_eq!(embeds(&posted), 12);
    let ledger = env.store.delivery(100, env.day).await.unwrap().unwrap();
    assert_eq!(ledger.status, DeliveryStatus::Done);
    assert_eq!(
        ledger.thread_id,
        Some(100),
        "the cards went into the channel itself"
    );
    // From now on the channel's days are the full layout, with why.
    let subscription = env.store.subscription(100).await.unwrap().unwrap();
    assert_eq!(subscription.layout, Layout::Full);
    assert_eq!(
        subscription.layout_note.as_deref(),
        Some(paperboy::deliver::NO_THREADS)
    );

    // The next day: the cards under the header, no thread tried, no second notice.
    let next = env.day + chrono::Duration::days(1);
    env.publish(next);
    env.clock.set(at(next, 9, 0));
    assert_eq!(tick(&d).await.completed, 1);
    let next_day: Vec<Value> = env.fake.messages(100).split_off(4);
    assert_eq!(next_day.len(), 2);
    assert!(next_day[0]["content"]
        .as_str()
        .unwrap()
        .starts_with(&format!("📰 **Daily Papers — {next}** · 12 papers")));
    assert_eq!(embeds(&next_day), 12);
    assert_eq!(thread_starts(&env, 100).len(), 1);
}

/// The bot may start the thread but not post in it: the thread stays empty, the cards go into
/// the channel, and the channel gets the full layout, told why once; it is not paused.
#[tokio::test]
async fn a_thread_the_bot_may_not_post_in_sends_the_cards_to_the_channel_not_a_pause() {
    let env = Env::new("").await;
    env.publish(env.day);
    env.subscribe(sub(100).layout(Layout::Glance)).await;
    env.fake.forbid_thread_messages(100);
    env.clock.set(at(env.day, 9, 0));
    let pass = tick(&env.deliverer()).await;
    assert_eq!((pass.completed, pass.paused), (1, 0), "{pass}");
    let thread = id(&env.fake.threads(100)[0]);
    assert!(env.fake.messages(thread).is_empty());
    let posted = env.fake.messages(100);
    assert_eq!(
        posted.len(),
        4,
        "the index, the notice, two messages of cards"
    );
    assert_eq!(embeds(&posted), 12);
    let subscription = env.store.subscription(100).await.unwrap().unwrap();
    assert!(subscription.enabled);
    assert_eq!(subscription.layout, Layout::Full);
    let ledger = env.store.delivery(100, env.day).await.unwrap().unwrap();
    assert_eq!(ledger.thread_id, Some(100));
    assert!(ledger.messages.iter().all(|m| m.thread_id.is_none()));
}

#[tokio::test]
async fn the_index_layout_posts_the_index_alone_with_where_the_rest_is() {
    let env = Env::new("").await;
    env.publish(env.day);
    env.subscribe(sub(100).layout(Layout::Index).index_top(5))
        .await;
    env.clock.set(at(env.day, 9, 0));
    assert_eq!(tick(&env.deliverer()).await.completed, 1);
    let posted = env.fake.messages(100);
    assert_eq!(posted.len(), 1);
    let text = posted[0]["content"].as_str().unwrap();
    assert!(text.contains("· top 5 by votes"), "{text}");
    assert_eq!(text.lines().filter(|l| l.starts_with("**")).count(), 5);
    assert!(
        text.ends_with(&format!("+7 more: `/papers date day:{}`", env.day)),
        "{text}"
    );
    assert!(env.fake.threads(100).is_empty());
}

/// A new channel reads the day at a glance; where the bot may not start threads `/papers
/// subscribe` says so and gives it the full layout; `/papers settings` shows and changes the
/// layout, and refuses `glance` where no thread can be started, naming the permissions.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribe_and_settings_choose_the_layout_where_threads_can_be_started() {
    const NO_THREADS_HERE: u64 = 41;
    let mut bot = Bot::start_setup(crate::support::bot::now(), None, |fake| {
        fake.add_channel(crate::support::bot::GUILD, NO_THREADS_HERE, 0);
        fake.forbid_threads(NO_THREADS_HERE);
    })
    .await;
    let data = bot.reply(MANAGER, &["subscribe"], json!([])).await;
    let said = content(&data);
    assert!(
        said.contains("Layout: the day at a glance: the top 10 by votes first"),
        "{said}"
    );
    let store = bot.store().await;
    let s = store.subscription(CHANNEL).await.unwrap().unwrap();
    assert_eq!((s.layout, s.index_top()), (Layout::Glance, 10));

    let got = bot
        .invoke_in(
            crate::support::bot::GUILD,
            NO_THREADS_HERE,
            crate::support::bot::USER,
            MANAGER,
            &["subscribe"],
            json!([]),
            1,
        )
        .await;
    let said = content(&got[0]["body"]["data"]);
    assert!(said.contains("Subscribed"), "{said}");
    assert!(
        said.contains(
            "may not start threads here (**Create Public Threads**, **Send Messages in Threads**)"
        ),
        "{said}"
    );
    let s = store.subscription(NO_THREADS_HERE).await.unwrap().unwrap();
    assert_eq!(s.layout, Layout::Full);
    assert_eq!(
        s.layout_note.as_deref(),
        Some(paperboy::deliver::NO_THREADS)
    );
    let got = bot
        .invoke_in(
            crate::support::bot::GUILD,
            NO_THREADS_HERE,
            crate::support::bot::USER,
            MANAGER,
            &["settings"],
            json!([opt("layout", 4, json!(0))]),
            1,
        )
        .await;
    let refused = content(&got[0]["body"]["data"]);
    assert!(
        refused.contains("needs **Create Public Threads**"),
        "{refused}"
    );
    assert_eq!(
        store
            .subscription(NO_THREADS_HERE)
            .await
            .unwrap()
            .unwrap()
            .layout,
        Layout::Full
    );

    // Changing needs Manage Channels; then the index alone, every paper listed.
    let data = bot
        .reply(MEMBER, &["settings"], json!([opt("layout", 4, json!(2))]))
        .await;
    assert!(content(&data).contains("Manage Channels"), "{data:#}");
    let data = bot
        .reply(
            MANAGER,
            &["settings"],
            json!([opt("layout", 4, json!(2)), opt("index_top", 4, json!(0))]),
        )
        .await;
    let shown = data["embeds"].to_string();
    assert!(
        shown.contains("The layout is now every paper by votes, no cards"),
        "{shown}"
    );
    let s = store.subscription(CHANNEL).await.unwrap().unwrap();
    assert_eq!((s.layout, s.index_top()), (Layout::Index, 0));
    store.close().await;
    bot.stop().await;
}
