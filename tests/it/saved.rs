//! End-to-end tests of the reading list: the real bot posts a day with a "🔖 Save…" menu under
//! each message, people pick papers in it (MESSAGE_COMPONENT interactions through the fake
//! Discord, with the message as Discord holds it), and `/papers saved list|remove|export|clear`
//! show, drop, export (BibTeX, parsed back) and delete their own lists. A restart in between
//! proves that a months-old menu needs no memory of the process that posted it.

use std::time::Duration;

use serde_json::{json, Value};

use crate::support::bibtex;
use crate::support::bot::*;
use paperboy::clock::Clock;
use paperboy::store::DeliveryStatus;

const SAVE_MENU: &str = "pb:save:v1";
const OTHER_USER: u64 = 6;

/// Subscribes the test channel, lets the daily post go out, and waits for the ledger to
/// record it: the posted messages, as the fake stored them.
async fn daily_post(bot: &mut Bot) -> Vec<Value> {
    use chrono::Timelike;
    let fire = now() + chrono::Duration::minutes(2);
    let time = format!("{:02}:{:02}", fire.hour(), fire.minute());
    let data = bot
        .reply(
            MANAGER,
            &["subscribe"],
            // The cards in the channel (`layout:full`, choice 1), each message with the menu
            // of its own cards; the index's menu is the glance suite's.
            json!([
                opt("time", 3, json!(time)),
                opt("timezone", 3, json!("UTC")),
                opt("layout", 4, json!(1))
            ]),
        )
        .await;
    assert!(content(&data).contains("Subscribed"), "{data:#}");
    bot.clock.set(fire + chrono::Duration::seconds(1));
    let store = bot.store().await;
    for _ in 0..400 {
        let done = store
            .delivery(CHANNEL, fire.date_naive())
            .await
            .unwrap()
            .is_some_and(|d| d.status == DeliveryStatus::Done);
        if done {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let ledger = store
        .delivery(CHANNEL, fire.date_naive())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ledger.status, DeliveryStatus::Done);
    let posted = bot.fake.messages(CHANNEL);
    assert_eq!(posted.len(), ledger.messages.len());
    // The menu is part of the body the ledger planned, so a resumed send is the same message.
    for (sent, planned) in posted.iter().zip(&ledger.messages) {
        assert_eq!(sent["components"], planned.body["components"], "{sent:#}");
    }
    store.close().await;
    posted
}

/// Deletes a day from the bot's archive, as if it had never been fetched.
async fn forget_day(bot: &Bot, date: &str) {
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(bot.dir.path().join("paperboy.db"))
        .foreign_keys(true);
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    for table in ["papers", "digests"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE date = $1"))
            .bind(date)
            .execute(&pool)
            .await
            .unwrap();
    }
    pool.close().await;
}

/// The save menu's options on a posted message: (value, label).
fn options(message: &Value) -> Vec<(String, String)> {
    let rows = message["components"].as_array().expect("a menu row");
    assert_eq!(rows.len(), 1, "{message:#}");
    let select = &rows[0]["components"][0];
    assert_eq!(select["type"], 3);
    assert_eq!(select["custom_id"], SAVE_MENU);
    select["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["value"].as_str().unwrap().to_string(),
                o["label"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn message_id(message: &Value) -> u64 {
    message["id"].as_str().unwrap().parse().unwrap()
}

/// `user` picks `value` in the save menu of `message`; the bot's one answer (`data`).
async fn pick(bot: &mut Bot, user: u64, message: &Value, value: &str) -> Value {
    bot.next_id += 1;
    let token = bot
        .fake
        .choose(
            bot.next_id,
            GUILD,
            CHANNEL,
            user,
            MEMBER,
            message_id(message),
            SAVE_MENU,
            &[value],
        )
        .await;
    let got = bot
        .fake
        .wait_for_responses(&token, 1, Duration::from_secs(20))
        .await;
    let first = got.first().expect("an answer to the choice");
    assert_eq!(first["kind"], "callback", "{first:#}");
    assert_eq!(first["body"]["type"], 4, "{first:#}");
    let data = first["body"]["data"].clone();
    assert!(
        is_ephemeral(&data),
        "a save is confirmed to the chooser only: {data:#}"
    );
    assert_eq!(data["allowed_mentions"]["parse"], json!([]), "{data:#}");
    data
}

/// `/papers saved list` as `user`: the reply's embed description (or its text when empty).
async fn list(bot: &mut Bot, user: u64) -> String {
    let got = bot
        .invoke_in(
            GUILD,
            CHANNEL,
            user,
            MEMBER,
            &["saved", "list"],
            json!([]),
            1,
        )
        .await;
    let data = &got[0]["body"]["data"];
    assert!(is_ephemeral(data), "{data:#}");
    data["embeds"][0]["description"]
        .as_str()
        .map_or_else(|| content(data), str::to_string)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn save_from_a_post_list_remove_export_and_clear() {
    let mut bot = Bot::start().await;
    let posted = daily_post(&mut bot).await;
    assert_eq!(posted.len(), 2);
    // Each message offers exactly its own papers, in order.
    for m in &posted {
        let offered = options(m);
        let embeds = m["embeds"].as_array().unwrap();
        assert_eq!(offered.len(), embeds.len());
        for ((value, _), e) in offered.iter().zip(embeds) {
            assert!(
                e["url"].as_str().unwrap().ends_with(value.as_str()),
                "{e:#}"
            );
        }
    }
    let (first_id, first_title) = options(&posted[0])[0].clone();
    let (second_id, second_title) = options(&posted[1])[0].clone();
    assert_eq!(first_id, "2404.00399");

    let data = pick(&mut bot, USER, &posted[0], &first_id).await;
    assert!(
        content(&data).contains("Saved") && content(&data).contains("Aurora-M"),
        "{data:#}"
    );
    // Twice is once.
    let data = pick(&mut bot, USER, &posted[0], &first_id).await;
    assert!(content(&data).contains("already"), "{data:#}");
    bot.clock
        .set(bot.clock.now() + chrono::Duration::minutes(1));
    pick(&mut bot, USER, &posted[1], &second_id).await;

    // Newest first, each with its links; another person's list is their own.
    let shown = list(&mut bot, USER).await;
    let (a, b) = (
        shown.find(&second_id).expect("second saved shown"),
        shown.find(&first_id).expect("first saved shown"),
    );
    assert!(a < b, "newest first: {shown}");
    assert!(
        shown.contains(&format!("[PDF](https://arxiv.org/pdf/{first_id})")),
        "{shown}"
    );
    assert!(
        shown.contains(&format!("https://huggingface.co/papers/{second_id}")),
        "{shown}"
    );
    assert!(list(&mut bot, OTHER_USER).await.contains("empty"));

    // BibTeX, parsed back: an entry per paper with its id, title, authors and year.
    let got = bot.invoke(MEMBER, &["saved", "export"], json!([]), 1).await;
    assert!(is_ephemeral(&got[0]["body"]["data"]), "{:#}", got[0]);
    let files = got[0]["files"].as_array().expect("the export is a file");
    assert_eq!(files.len(), 1);
    assert_eq!(files[0]["filename"], "reading-list.bib");
    let entries = bibtex::parse(files[0]["content"].as_str().unwrap()).unwrap();
    assert_eq!(entries.len(), 2, "{files:#?}");
    assert_eq!(entries[0].field("eprint"), Some(second_id.as_str()));
    assert_eq!(entries[1].field("eprint"), Some(first_id.as_str()));
    assert_eq!(entries[1].kind, "misc");
    assert_eq!(entries[1].key, format!("arxiv{first_id}"));
    assert_eq!(entries[1].field("year"), Some("2024"));
    assert_eq!(entries[1].field("archiveprefix"), Some("arXiv"));
    let title = entries[1].field("title").unwrap();
    assert!(title.starts_with("{Aurora-M"), "{title}");
    assert!(first_title.starts_with("Aurora-M"), "{first_title}");
    assert!(!second_title.is_empty());
    let authors = entries[1].field("author").unwrap();
    assert!(authors.contains(" and "), "{authors}");

    // Links instead.
    let got = bot
        .invoke(
            MEMBER,
            &["saved", "export"],
            // A choice parameter: the index of "Links".
            json!([opt("format", 4, json!(1))]),
            1,
        )
        .await;
    let text = got[0]["files"][0]["content"].as_str().unwrap().to_string();
    assert!(
        text.contains(&format!("https://arxiv.org/abs/{first_id}")),
        "{text}"
    );

    // Remove one.
    let data = bot
        .reply(
            MEMBER,
            &["saved", "remove"],
            json!([opt(
                "paper",
                3,
                json!(format!("https://arxiv.org/abs/{first_id}"))
            )]),
        )
        .await;
    assert!(content(&data).contains("Removed"), "{data:#}");
    let shown = list(&mut bot, USER).await;
    assert!(
        !shown.contains(&first_id) && shown.contains(&second_id),
        "{shown}"
    );
    let data = bot
        .reply(
            MEMBER,
            &["saved", "remove"],
            json!([opt("paper", 3, json!(first_id))]),
        )
        .await;
    assert!(
        content(&data).contains("not on your reading list"),
        "{data:#}"
    );

    // Clear.
    let data = bot.reply(MEMBER, &["saved", "clear"], json!([])).await;
    assert!(
        content(&data).contains("1 papers") || content(&data).contains("(1"),
        "{data:#}"
    );
    assert!(list(&mut bot, USER).await.contains("empty"));
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_old_post_saves_after_a_restart_from_what_it_carries() {
    let mut bot = Bot::start().await;
    let posted = daily_post(&mut bot).await;
    bot.stop().await;
    // Months later, a new process: nothing of the first is in memory.
    bot.clock.set(now() + chrono::Duration::days(120));
    bot.launch().await;
    let (id, _) = options(&posted[1]).last().unwrap().clone();
    let data = pick(&mut bot, OTHER_USER, &posted[1], &id).await;
    assert!(content(&data).contains("Saved"), "{data:#}");
    assert!(list(&mut bot, OTHER_USER).await.contains(&id));

    // The archive no longer has the day: the menu's own label and authors stand in.
    forget_day(&bot, "2024-04-02").await;
    let (id, label) = options(&posted[0])[1].clone();
    let data = pick(&mut bot, OTHER_USER, &posted[0], &id).await;
    assert!(content(&data).contains("Saved"), "{data:#}");
    assert!(list(&mut bot, OTHER_USER).await.contains(&id));
    let store = bot.store().await;
    let saved = store.saved_papers(OTHER_USER, 0, 10).await.unwrap();
    let from_menu = saved.iter().find(|p| p.arxiv_id == id).unwrap();
    assert_eq!(from_menu.title, label);
    assert_eq!(from_menu.digest_date, None, "not from the archive");
    assert!(!from_menu.authors.is_empty());
    let from_archive = saved.iter().find(|p| p.arxiv_id != id).unwrap();
    assert_eq!(from_archive.digest_date, Some(now().date_naive()));
    store.close().await;
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_who_opt_in_get_their_reading_list_by_dm_on_saturdays_once() {
    use chrono::{DateTime, Utc};
    use paperboy::store::SavedPaper;
    let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
    // Thursday 2024-04-04; the bot posts at 09:00 UTC.
    let mut bot = Bot::start_at(at("2024-04-04T12:00:00Z")).await;
    let on = json!([opt("enabled", 5, json!(true))]);
    let data = bot
        .alerts(USER, Place::Guild, &["saved_weekly"], on.clone())
        .await;
    assert!(content(&data).contains("no alerts"), "{data:#}");
    bot.alerts(
        USER,
        Place::Guild,
        &["add"],
        json!([opt("terms", 3, json!("author:\"Nobody Here\""))]),
    )
    .await;
    let data = bot.alerts(USER, Place::Guild, &["saved_weekly"], on).await;
    assert!(content(&data).contains("Every Saturday"), "{data:#}");
    bot.fake.add_user(USER, "reader");
    let store = bot.store().await;
    for (i, id) in ["2404.00399", "2404.01297"].iter().enumerate() {
        let paper = SavedPaper {
            arxiv_id: id.to_string(),
            title: format!("Saved paper {i}"),
            authors: vec!["Ada Lovelace".into()],
            digest_date: None,
            saved_at: Utc::now(),
        };
        store.save_paper(USER, &paper).await.unwrap();
    }
    store.close().await;
    let weekly_dms = |bot: &Bot| -> Vec<Value> {
        bot.fake
            .dms(USER)
            .into_iter()
            .filter(|m| content(m).contains("reading list this week"))
            .collect()
    };
    bot.two_passes().await;
    assert!(weekly_dms(&bot).is_empty(), "not before Saturday");

    bot.clock.set(at("2024-04-06T09:00:01Z"));
    let mut got = Vec::new();
    for _ in 0..400 {
        got = weekly_dms(&bot);
        if !got.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(got.len(), 1, "{got:#?}");
    let listed = got[0]["embeds"][0]["description"].as_str().unwrap();
    assert!(
        listed.contains("2404.00399") && listed.contains("2404.01297"),
        "{listed}"
    );
    assert_eq!(got[0]["allowed_mentions"]["parse"], json!([]));

    // Once: a restart and more passes that day add nothing.
    bot.stop().await;
    bot.clock.set(at("2024-04-06T15:00:00Z"));
    bot.launch().await;
    bot.two_passes().await;
    assert_eq!(weekly_dms(&bot).len(), 1);

    // `/alerts clear` forgets the list and the record of these DMs.
    bot.alerts(USER, Place::Guild, &["clear"], json!([])).await;
    let store = bot.store().await;
    assert_eq!(store.saved_count(USER).await.unwrap(), 0);
    let key = paperboy::store::keys::ledger_key(USER);
    assert_eq!(
        store
            .delivery(key, "2024-04-06".parse().unwrap())
            .await
            .unwrap(),
        None
    );
    store.close().await;
    bot.stop().await;
}
