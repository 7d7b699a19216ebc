//! Personal alerts end to end: the real bot (`paperboy::bot::client::run_with_tuning`) on the
//! production HTTP path against the fake Discord, a real SQLite file and an injected clock.
//! People manage their terms with `/alerts` from a server, the bot's DM and a user install;
//! the running scheduler DMs each matching person once a day. (Kills in the middle of a DM
//! fan-out are in `crash.rs`.)

use std::time::Duration;

use chrono::{DateTime, Timelike, Utc};
use serde_json::{json, Value};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Row};

use crate::support::bot::*;
use paperboy::store::{AlertTermKind, DeliveryStatus};

const ALICE: u64 = 501;
const BOB: u64 = 502;
const CAROL: u64 = 503;
const DAVE: u64 = 504;
const ERIN: u64 = 505;
const FRANK: u64 = 506;

fn text(data: &Value) -> String {
    assert!(
        is_ephemeral(data),
        "every /alerts reply is ephemeral: {data:#}"
    );
    content(data)
}

fn terms(t: &str) -> Value {
    json!([opt("terms", 3, json!(t))])
}

/// `HH:MM` of a UTC instant, for `/alerts time`.
fn hhmm(t: DateTime<Utc>) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

/// Polls until `f` holds (at most ~10 s): for events the test waits on.
async fn until(mut f: impl AsyncFnMut() -> bool) -> bool {
    for _ in 0..200 {
        if f().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

/// The person's ledger row for `day` once it is settled (done or failed).
async fn settled(bot: &Bot, user: u64, day: chrono::NaiveDate) -> Option<DeliveryStatus> {
    let store = bot.store().await;
    let status = store
        .delivery(user, day)
        .await
        .unwrap()
        .map(|d| d.status)
        .filter(|s| *s != DeliveryStatus::Pending);
    store.close().await;
    status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_is_installable_to_servers_and_users_and_usable_in_dms() {
    let mut bot = Bot::start().await;
    let registered = bot.fake.registered_commands().unwrap();
    let cmds = registered["commands"]
        .as_array()
        .or_else(|| registered.as_array())
        .unwrap()
        .clone();
    let alerts = cmds
        .iter()
        .find(|c| c["name"] == "alerts")
        .unwrap_or_else(|| panic!("no /alerts in {registered}"));
    // GUILD_INSTALL and USER_INSTALL; GUILD, BOT_DM and PRIVATE_CHANNEL.
    assert_eq!(alerts["integration_types"], json!([0, 1]), "{alerts:#}");
    assert_eq!(alerts["contexts"], json!([0, 1, 2]), "{alerts:#}");
    let subs: Vec<&str> = alerts["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    for s in ["add", "list", "remove", "clear", "pause", "resume", "time"] {
        assert!(subs.contains(&s), "{s} missing from {subs:?}");
    }
    // /papers too, for `/papers ask` (its channel commands refuse outside a server).
    let papers = cmds.iter().find(|c| c["name"] == "papers").unwrap();
    assert_eq!(papers["integration_types"], json!([0, 1]), "{papers:#}");
    assert_eq!(papers["contexts"], json!([0, 1, 2]), "{papers:#}");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_manages_one_set_of_alerts_from_a_server_their_dm_and_a_user_install() {
    let mut bot = Bot::start().await;
    let elsewhere = Place::UserInstallGuild {
        guild: 9_000,
        channel: 9_001,
    };
    let group_dm = Place::PrivateChannel { channel: 9_100 };

    // From a server channel.
    let got = text(
        &bot.alerts(
            ALICE,
            Place::Guild,
            &["add"],
            terms(r#""speculative decoding", author:"Tri Dao", -survey, Diffusion"#),
        )
        .await,
    );
    assert!(got.contains("Added"), "{got}");
    for shown in [
        "`\"speculative decoding\"`",
        "`author:\"Tri Dao\"`",
        "`-survey`",
        "`diffusion`",
    ] {
        assert!(got.contains(shown), "{shown} not in {got}");
    }
    assert!(got.contains("4 of 25 terms"), "{got}");

    // The same terms from the bot's DM; a repeat is reported, not added twice.
    let got = text(
        &bot.alerts(
            ALICE,
            Place::BotDm,
            &["add"],
            terms("diffusion, author:\"Song Han\""),
        )
        .await,
    );
    assert!(got.contains("Already there: `diffusion`"), "{got}");
    assert!(got.contains("5 of 25"), "{got}");
    let got = text(&bot.alerts(ALICE, Place::BotDm, &["list"], json!([])).await);
    assert!(got.contains("Papers matching:"), "{got}");
    assert!(got.contains("Never papers matching: `-survey`"), "{got}");
    assert!(got.contains("author:\"Song Han\""), "{got}");

    // Through the user install in a server the bot is not in: remove one, in any spelling.
    let got = text(
        &bot.alerts(
            ALICE,
            elsewhere,
            &["remove"],
            json!([opt("term", 3, json!("author:\"tri dao\""))]),
        )
        .await,
    );
    assert!(got.contains("Removed"), "{got}");
    let got = text(
        &bot.alerts(
            ALICE,
            elsewhere,
            &["remove"],
            json!([opt("term", 3, json!("transformers"))]),
        )
        .await,
    );
    assert!(got.contains("is not one of your terms"), "{got}");

    // In a group DM between people: choose the time, then pause.
    let got = text(
        &bot.alerts(
            ALICE,
            group_dm,
            &["time"],
            json!([
                opt("time", 3, json!("07:30")),
                opt("timezone", 3, json!("Asia/Seoul"))
            ]),
        )
        .await,
    );
    assert!(got.contains("07:30 (Asia/Seoul)"), "{got}");
    let got = text(&bot.alerts(ALICE, group_dm, &["pause"], json!([])).await);
    assert!(got.contains("Paused"), "{got}");

    // Every later command says so, wherever it is run; resume from the server.
    let got = text(&bot.alerts(ALICE, Place::BotDm, &["list"], json!([])).await);
    assert!(
        got.starts_with("⏸️ Your alerts are paused (you paused them)")
            && got.contains("/alerts resume"),
        "{got}"
    );
    let got = text(
        &bot.alerts(ALICE, Place::Guild, &["resume"], json!([]))
            .await,
    );
    assert!(got.contains("Resumed"), "{got}");
    let got = text(&bot.alerts(ALICE, elsewhere, &["list"], json!([])).await);
    assert!(!got.contains("paused"), "{got}");

    let store = bot.store().await;
    let user = store.alert_user(ALICE).await.unwrap().unwrap();
    assert!(user.enabled);
    assert_eq!(user.timezone, Some(chrono_tz::Asia::Seoul));
    let kept: Vec<(AlertTermKind, String)> = store
        .alert_terms(ALICE)
        .await
        .unwrap()
        .into_iter()
        .map(|t| (t.kind, t.term))
        .collect();
    assert_eq!(kept.len(), 4, "{kept:?}");
    assert!(kept.contains(&(AlertTermKind::Exclude, "survey".into())));
    assert!(kept.contains(&(AlertTermKind::Author, "Song Han".into())));
    assert!(!kept.iter().any(|(_, t)| t == "Tri Dao"));
    // Bob has nothing: alerts are per person.
    assert!(store.alert_user(BOB).await.unwrap().is_none());
    store.close().await;
    let got = text(&bot.alerts(BOB, Place::Guild, &["list"], json!([])).await);
    assert!(got.contains("You have no alerts"), "{got}");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_terms_times_and_too_many_terms_get_a_human_answer_and_change_nothing() {
    let mut bot = Bot::start().await;
    let long = "a".repeat(101);
    for (input, expected) in [
        ("", "at least one term"),
        ("author:", "needs a name"),
        ("-- ,, !!", "no letters or digits"),
        (long.as_str(), "100 characters"),
    ] {
        let got = text(
            &bot.alerts(CAROL, Place::BotDm, &["add"], terms(input))
                .await,
        );
        assert!(
            got.starts_with("⚠️") && got.contains(expected),
            "{input:?}: {got}"
        );
    }
    let got = text(
        &bot.alerts(
            CAROL,
            Place::BotDm,
            &["time"],
            json!([opt("time", 3, json!("09:00"))]),
        )
        .await,
    );
    assert!(got.contains("no alerts yet"), "{got}");

    let many: Vec<String> = (0..26).map(|i| format!("word{i}")).collect();
    let got = text(
        &bot.alerts(CAROL, Place::BotDm, &["add"], terms(&many.join(", ")))
            .await,
    );
    assert!(got.starts_with("⚠️") && got.contains("25"), "{got}");
    let store = bot.store().await;
    assert!(
        store.alert_terms(CAROL).await.unwrap().is_empty(),
        "a refused add stores nothing"
    );
    store.close().await;

    text(
        &bot.alerts(CAROL, Place::BotDm, &["add"], terms("llm"))
            .await,
    );
    for (time, tz, expected) in [
        ("25:00", None, "HH:MM"),
        ("09:00", Some("Mars/Olympus"), "not a time zone"),
    ] {
        let mut options = vec![opt("time", 3, json!(time))];
        if let Some(z) = tz {
            options.push(opt("timezone", 3, json!(z)));
        }
        let got = text(
            &bot.alerts(CAROL, Place::BotDm, &["time"], json!(options))
                .await,
        );
        assert!(got.starts_with("⚠️") && got.contains(expected), "{got}");
    }
    let store = bot.store().await;
    let user = store.alert_user(CAROL).await.unwrap().unwrap();
    assert_eq!((user.delivery_time, user.timezone), (None, None));
    store.close().await;
    bot.stop().await;
}

/// Each person sets their alert for two minutes from now (UTC) from wherever they are.
async fn sign_up(bot: &mut Bot, user: u64, place: Place, wanted: &str, fire: DateTime<Utc>) {
    bot.fake.add_user(user, &format!("reader{user}"));
    let got = text(&bot.alerts(user, place, &["add"], terms(wanted)).await);
    assert!(got.contains("Added"), "{got}");
    let got = text(
        &bot.alerts(
            user,
            place,
            &["time"],
            json!([
                opt("time", 3, json!(hhmm(fire))),
                opt("timezone", 3, json!("UTC"))
            ]),
        )
        .await,
    );
    assert!(got.contains("Saved"), "{got}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_digest_day_sends_one_dm_to_each_matching_person_and_none_to_the_others() {
    let mut bot = Bot::start().await;
    let fire = now() + chrono::Duration::minutes(2);
    let day = fire.date_naive();
    // A channel at the same time: channels go first, then DMs.
    let data = bot
        .reply(
            MANAGER,
            &["subscribe"],
            json!([
                opt("time", 3, json!(hhmm(fire))),
                opt("timezone", 3, json!("UTC"))
            ]),
        )
        .await;
    assert!(content(&data).contains("Subscribed"), "{data:#}");
    let elsewhere = Place::UserInstallGuild {
        guild: 9_000,
        channel: 9_001,
    };
    // A word in one title (and a Korean summary), against the `-survey` veto nobody trips.
    sign_up(&mut bot, ALICE, Place::BotDm, "diffusion, -survey", fire).await;
    // "Han, Song" is the digest's "Song Han" in the other order.
    sign_up(&mut bot, BOB, Place::Guild, r#"author:"Han, Song""#, fire).await;
    // Accents are ignored: the digest spells her "Cordelia Schmid".
    sign_up(
        &mut bot,
        CAROL,
        elsewhere,
        r#"author:"Cordélia Schmid""#,
        fire,
    )
    .await;
    // Not in the day: an absent author, and a family name alone (never part of a name).
    sign_up(
        &mut bot,
        DAVE,
        Place::BotDm,
        r#"author:"Tri Dao", author:Han"#,
        fire,
    )
    .await;
    // Only an exclude: it takes papers away, never brings any.
    sign_up(&mut bot, ERIN, Place::BotDm, "-survey", fire).await;

    bot.clock.set(fire + chrono::Duration::seconds(1));
    let everyone = [ALICE, BOB, CAROL, DAVE, ERIN];
    let all_settled = until(async || {
        for u in everyone {
            if settled(&bot, u, day).await.is_none() {
                return false;
            }
        }
        true
    })
    .await;
    assert!(all_settled, "the day was not settled for everyone");

    // The channel's post goes out in the same pass (its second message may come after the DMs:
    // deliveries run side by side).
    assert!(
        until(async || settled(&bot, CHANNEL, day).await.is_some()).await,
        "the channel's post was not settled"
    );
    // A channel subscribed now reads the day at a glance: its index, the cards in its thread.
    assert_eq!(bot.fake.messages(CHANNEL).len(), 1);
    let threads = bot.fake.threads(CHANNEL);
    assert_eq!(threads.len(), 1);
    let thread: u64 = threads[0]["id"].as_str().unwrap().parse().unwrap();
    assert_eq!(bot.fake.messages(thread).len(), 2);
    // (person, a paper their DM must show, the term shown as matched, an author of that paper)
    let expect = [
        (
            ALICE,
            "Measuring Style Similarity in Diffusion Models",
            "diffusion",
            "",
        ),
        (BOB, "", "author:Han, Song", "Song Han"),
        (CAROL, "", "author:Cordélia Schmid", "Cordelia Schmid"),
    ];
    for (user, title, shown_match, author) in expect {
        let dms = bot.fake.dms(user);
        assert_eq!(dms.len(), 1, "user {user}: {dms:#?}");
        let m = &dms[0];
        let header = m["content"].as_str().unwrap();
        assert!(
            header.contains(&format!("Your Daily Papers alerts — {day}")),
            "{header}"
        );
        assert!(header.contains("of 12 papers match"), "{header}");
        assert_eq!(m["allowed_mentions"]["parse"], json!([]), "{m:#}");
        assert_eq!(m["enforce_nonce"], true, "{m:#}");
        let embeds = m["embeds"].as_array().unwrap();
        assert!(!embeds.is_empty() && embeds.len() <= 10, "{m:#}");
        if !title.is_empty() {
            assert!(embeds.iter().any(|e| e["title"] == title), "{m:#}");
        }
        // Each paper listed with the terms that matched it (an author by name).
        let shown = shown_match.trim_start_matches("author:");
        assert!(header.contains(&format!("· 🔎 {shown}")), "{header}");
        if !author.is_empty() {
            assert!(embeds[0].to_string().contains(author), "{m:#}");
        }
        // The DM went to the person's own DM channel.
        assert_eq!(
            m["channel_id"],
            bot.fake.dm_channel_of(user).unwrap().to_string()
        );
    }
    for user in [DAVE, ERIN] {
        assert!(bot.fake.dms(user).is_empty(), "user {user} got a DM");
        assert_eq!(settled(&bot, user, day).await, Some(DeliveryStatus::Done));
    }

    // A later pass the same day sends nobody anything more: Frank's alert half an hour later
    // is the event that shows that pass planned and sent its DMs.
    let later = fire + chrono::Duration::minutes(30);
    sign_up(&mut bot, FRANK, Place::BotDm, "diffusion", later).await;
    bot.clock.set(later + chrono::Duration::seconds(1));
    assert!(
        until(async || settled(&bot, FRANK, day).await.is_some()).await,
        "the later pass never ran"
    );
    assert_eq!(bot.fake.dms(FRANK).len(), 1);
    for (user, _, _, _) in expect {
        assert_eq!(bot.fake.dms(user).len(), 1, "user {user}");
    }
    assert_eq!(bot.fake.messages(CHANNEL).len(), 1);
    assert_eq!(bot.fake.messages(thread).len(), 2);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_dms_pause_alerts_after_one_attempt_and_the_next_command_says_why() {
    let mut bot = Bot::start().await;
    let fire = now() + chrono::Duration::minutes(2);
    let day = fire.date_naive();
    sign_up(&mut bot, ALICE, Place::BotDm, "diffusion", fire).await;
    bot.fake.close_dms(ALICE);

    bot.clock.set(fire + chrono::Duration::seconds(1));
    assert!(
        until(async || settled(&bot, ALICE, day).await.is_some()).await,
        "the refused DM was never settled"
    );
    assert_eq!(
        settled(&bot, ALICE, day).await,
        Some(DeliveryStatus::Failed)
    );
    let dm = bot.fake.dm_channel_of(ALICE).unwrap();
    let attempts = |fake: &crate::support::fake_discord::FakeDiscord| {
        fake.requests()
            .iter()
            .filter(|r| r.method == "POST" && r.path == format!("/channels/{dm}/messages"))
            .count()
    };
    assert_eq!(attempts(&bot.fake), 1, "one attempt, no retry storm");
    let store = bot.store().await;
    let user = store.alert_user(ALICE).await.unwrap().unwrap();
    assert!(!user.enabled);
    assert!(
        user.paused_reason.as_deref().unwrap().contains("50007"),
        "{user:?}"
    );
    store.close().await;

    // The next day's digest comes and goes: nothing is tried while paused. Bob, whose DMs are
    // open, gets his: the event that shows the day's DMs were planned.
    let next = day + chrono::Duration::days(1);
    let tomorrow = fire + chrono::Duration::days(1);
    sign_up(&mut bot, BOB, Place::BotDm, "diffusion", tomorrow).await;
    std::fs::copy(
        bot.dir.path().join("digests").join(format!("{day}.md")),
        bot.dir.path().join("digests").join(format!("{next}.md")),
    )
    .unwrap();
    bot.clock.set(tomorrow + chrono::Duration::seconds(1));
    assert!(
        until(async || settled(&bot, BOB, next).await.is_some()).await,
        "no pass on the next day"
    );
    assert_eq!(bot.fake.dms(BOB).len(), 1);
    assert_eq!(attempts(&bot.fake), 1);
    assert_eq!(settled(&bot, ALICE, next).await, None);

    // Whatever Alice runs next tells her why and how to fix it.
    let got = text(&bot.alerts(ALICE, Place::Guild, &["list"], json!([])).await);
    assert!(
        got.starts_with("⏸️ Your alerts are paused: Discord does not let paperboy send this user direct messages"),
        "{got}"
    );
    assert!(got.contains("/alerts resume"), "{got}");

    // She opens her DMs and resumes: the refused day and the new one arrive, once each.
    bot.fake.open_dms(ALICE);
    let got = text(
        &bot.alerts(ALICE, Place::BotDm, &["resume"], json!([]))
            .await,
    );
    assert!(
        got.contains("Resumed") && got.contains("tried again"),
        "{got}"
    );
    assert!(
        until(async || bot.fake.dms(ALICE).len() >= 2).await,
        "DMs after resume: {:#?}",
        bot.fake.dms(ALICE)
    );
    let dms = bot.fake.dms(ALICE);
    assert_eq!(dms.len(), 2, "{dms:#?}");
    assert!(dms[0]["content"]
        .as_str()
        .unwrap()
        .contains(&day.to_string()));
    assert!(dms[1]["content"]
        .as_str()
        .unwrap()
        .contains(&next.to_string()));
    bot.stop().await;
}

/// `table.column: rows` for every id-like column of every table where `id` appears.
async fn holding(db: &std::path::Path, tables: &[String], id: u64) -> Vec<String> {
    let mut found = Vec::new();
    let mut conn = SqliteConnectOptions::new()
        .filename(db)
        .read_only(true)
        .connect()
        .await
        .unwrap();
    for t in tables {
        let cols = sqlx::query(&format!("SELECT name FROM pragma_table_info('{t}')"))
            .fetch_all(&mut conn)
            .await
            .unwrap();
        for c in cols {
            let col: String = c.get(0);
            if !["user_id", "channel_id", "created_by", "dm_channel_id"].contains(&col.as_str()) {
                continue;
            }
            let n: i64 =
                sqlx::query_scalar(&format!("SELECT count(*) FROM \"{t}\" WHERE \"{col}\" = ?"))
                    .bind(id as i64)
                    .fetch_one(&mut conn)
                    .await
                    .unwrap();
            if n > 0 {
                found.push(format!("{t}.{col}: {n}"));
            }
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clear_leaves_no_row_about_the_person_in_the_database() {
    let mut bot = Bot::start().await;
    let fire = now() + chrono::Duration::minutes(2);
    let day = fire.date_naive();
    sign_up(
        &mut bot,
        ALICE,
        Place::BotDm,
        "diffusion, author:\"Song Han\"",
        fire,
    )
    .await;
    sign_up(&mut bot, BOB, Place::BotDm, "diffusion", fire).await;
    bot.clock.set(fire + chrono::Duration::seconds(1));
    assert!(
        until(async || bot.fake.dms(ALICE).len() == 1 && bot.fake.dms(BOB).len() == 1).await,
        "no DMs"
    );
    assert!(until(async || settled(&bot, ALICE, day).await.is_some()).await);

    let got = text(&bot.alerts(ALICE, Place::Guild, &["clear"], json!([])).await);
    assert!(got.contains("deleted"), "{got}");
    let got = text(&bot.alerts(ALICE, Place::Guild, &["clear"], json!([])).await);
    assert!(got.contains("stores nothing about you"), "{got}");

    // Every column of every table that can hold a user or channel id: Alice is in none, Bob
    // (who did not clear) still is.
    let db = bot.dir.path().join("paperboy.db");
    let mut conn = SqliteConnectOptions::new()
        .filename(&db)
        .read_only(true)
        .connect()
        .await
        .unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         AND name NOT LIKE '_sqlx%'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert_eq!(holding(&db, &tables, ALICE).await, Vec::<String>::new());
    let bob = holding(&db, &tables, BOB).await;
    for t in [
        "alert_users.user_id",
        "alert_terms.user_id",
        "deliveries.channel_id",
        "delivery_messages.channel_id",
    ] {
        assert!(bob.iter().any(|f| f.starts_with(t)), "{t} not in {bob:?}");
    }
    // No message body mentions her DM channel either.
    let dm = bot.fake.dm_channel_of(ALICE).unwrap();
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM alert_users WHERE dm_channel_id = ?")
        .bind(dm as i64)
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(n, 0);
    bot.stop().await;
}

/// The fan-out queues channels before people: with one delivery at a time, every channel
/// message is sent before the first DM.
#[tokio::test]
async fn channels_are_served_before_dms_under_the_one_budget() {
    use crate::support::engine::{at, tick, Env};
    use crate::support::subscription::sub;
    use paperboy::store::AlertTerm;
    let env = Env::with("", |c, _| c.delivery.concurrency = 1).await;
    env.publish(env.day);
    for c in [300, 301, 302] {
        env.subscribe(sub(c)).await;
    }
    for u in [ALICE, BOB, CAROL] {
        env.fake.add_user(u, "reader");
        env.store
            .add_alert_terms(
                u,
                &[AlertTerm {
                    kind: AlertTermKind::Include,
                    term: "diffusion".into(),
                }],
            )
            .await
            .unwrap();
    }
    env.clock.set(at(env.day, 9, 0));
    let pass = tick(&env.deliverer()).await;
    assert_eq!(pass.completed, 6, "{pass}");
    let posts: Vec<String> = env
        .fake
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/messages"))
        .map(|r| r.path.clone())
        .collect();
    let dm_paths: Vec<String> = [ALICE, BOB, CAROL]
        .iter()
        .map(|u| format!("/channels/{}/messages", env.fake.dm_channel_of(*u).unwrap()))
        .collect();
    assert_eq!(posts.len(), 3 * 2 + 3, "{posts:#?}");
    let first_dm = posts.iter().position(|p| dm_paths.contains(p)).unwrap();
    let last_channel = posts.iter().rposition(|p| !dm_paths.contains(p)).unwrap();
    assert!(last_channel < first_dm, "{posts:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_given_up_dm_day_shows_in_list_and_resume_retries_it_without_a_pause() {
    use std::collections::HashSet;
    let mut bot = Bot::start().await;
    let fire = now() + chrono::Duration::minutes(2);
    let day = now().date_naive();
    sign_up(&mut bot, ALICE, Place::BotDm, "diffusion", fire).await;
    // Alice's DM of the day was given up after Discord's errors (not a refusal: her alerts
    // stay on), before her next check.
    let store = bot.store().await;
    store
        .plan_deliveries(
            day,
            None,
            &[(ALICE, vec![("gu0".into(), json!({"content": "x"}))])],
            &HashSet::new(),
            &HashSet::from([ALICE]),
        )
        .await
        .unwrap();
    store
        .record_attempt_error(ALICE, day, "HTTP 502, code 0: Bad Gateway")
        .await
        .unwrap();
    store
        .finish_delivery(ALICE, day, DeliveryStatus::Failed)
        .await
        .unwrap();
    assert!(store.alert_user(ALICE).await.unwrap().unwrap().enabled);

    let got = text(&bot.alerts(ALICE, Place::BotDm, &["list"], json!([])).await);
    assert!(
        got.contains(&format!(
            "❌ Not delivered: your DM of {day} (HTTP 502, code 0: Bad Gateway)"
        )),
        "{got}"
    );
    assert!(got.contains("`/alerts resume`"), "{got}");
    // Bob's list says nothing of Alice's day.
    sign_up(&mut bot, BOB, Place::BotDm, "diffusion", fire).await;
    let got = text(&bot.alerts(BOB, Place::BotDm, &["list"], json!([])).await);
    assert!(!got.contains("Not delivered"), "{got}");

    // Resume, though nothing is paused: the day is forgotten, to be planned afresh.
    let got = text(
        &bot.alerts(ALICE, Place::BotDm, &["resume"], json!([]))
            .await,
    );
    assert!(got.contains("Your alerts are on."), "{got}");
    assert!(
        got.contains(&format!("Your DM of {day} will be tried again")),
        "{got}"
    );
    assert_eq!(store.delivery(ALICE, day).await.unwrap(), None);
    let got = text(&bot.alerts(ALICE, Place::BotDm, &["list"], json!([])).await);
    assert!(!got.contains("Not delivered"), "{got}");

    // Her next check brings the day's DM, once.
    bot.clock.set(fire + chrono::Duration::seconds(1));
    assert!(
        until(async || settled(&bot, ALICE, day).await.is_some()).await,
        "the retried day was never settled"
    );
    assert_eq!(settled(&bot, ALICE, day).await, Some(DeliveryStatus::Done));
    let dms = bot.fake.dms(ALICE);
    assert_eq!(dms.len(), 1, "{dms:#?}");
    assert!(
        dms[0]["content"]
            .as_str()
            .unwrap()
            .contains(&format!("Your Daily Papers alerts — {day}")),
        "{dms:#?}"
    );
    store.close().await;
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dm_day_being_retried_shows_in_list_with_since_when_attempts_and_the_last_error() {
    use crate::support::fake_discord::Failure;
    use std::collections::HashSet;
    let mut bot = Bot::start().await;
    let fire = now() + chrono::Duration::minutes(2);
    let day = now().date_naive();
    sign_up(&mut bot, ALICE, Place::BotDm, "diffusion", fire).await;
    // Discord keeps failing to open her DM channel, and the day has failed two passes already
    // (each pass retries with a backoff of seconds before counting another).
    bot.fake.fail_route_next(
        "POST",
        "/users/@me/channels",
        1_000,
        Failure::ServerError(502),
    );
    let store = bot.store().await;
    store
        .plan_deliveries(
            day,
            None,
            &[(ALICE, vec![("rd0".into(), json!({"content": "x"}))])],
            &HashSet::new(),
            &HashSet::from([ALICE]),
        )
        .await
        .unwrap();
    store.mark_started(ALICE, day).await.unwrap();
    for _ in 0..2 {
        store
            .record_attempt_error(ALICE, day, "HTTP 502, code 0: Bad Gateway")
            .await
            .unwrap();
    }
    let since = store
        .delivery(ALICE, day)
        .await
        .unwrap()
        .unwrap()
        .started_at
        .unwrap();

    let got = text(&bot.alerts(ALICE, Place::BotDm, &["list"], json!([])).await);
    let max = paperboy::deliver::MAX_DELIVERY_ATTEMPTS;
    assert!(
        got.contains(&format!(
            "🔁 Your DM of {day} is being retried (first tried <t:{}:R>): ",
            since.timestamp()
        )),
        "{got}"
    );
    assert!(
        got.contains(&format!(
            " of {max} attempts failed, the last with: HTTP 502, code 0: Bad Gateway."
        )),
        "{got}"
    );
    assert!(!got.contains("Not delivered"), "{got}");
    assert!(bot.fake.dms(ALICE).is_empty());
    store.close().await;
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remove_lists_what_is_followed_and_what_is_excluded_apart() {
    let mut bot = Bot::start().await;
    let got = text(
        &bot.alerts(
            ALICE,
            Place::BotDm,
            &["add"],
            terms(r#"llm, author:"Tri Dao", -survey, diffusion"#),
        )
        .await,
    );
    assert!(got.contains("Added"), "{got}");
    let got = text(
        &bot.alerts(
            ALICE,
            Place::BotDm,
            &["remove"],
            json!([opt("term", 3, json!("diffusion"))]),
        )
        .await,
    );
    assert!(
        got.contains(r#"Still following: `author:"Tri Dao"`, `llm`; excluding: `survey`"#),
        "{got}"
    );
    // With only an exclude left, nothing is followed.
    let mut got = String::new();
    for t in ["llm", r#"author:"Tri Dao""#] {
        got = text(
            &bot.alerts(
                ALICE,
                Place::BotDm,
                &["remove"],
                json!([opt("term", 3, json!(t))]),
            )
            .await,
        );
    }
    assert!(
        got.contains("Following nothing") && got.ends_with("; excluding: `survey`"),
        "{got}"
    );
    let got = text(&bot.alerts(ALICE, Place::BotDm, &["list"], json!([])).await);
    assert!(!got.contains("Papers matching"), "{got}");
    assert!(got.contains("Never papers matching: `-survey`"), "{got}");
    bot.stop().await;
}
