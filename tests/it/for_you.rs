//! "For you" end to end: the real bot on the production HTTP path against the fake Discord, a
//! fake Hugging Face (paper pages for follow-ups) and a fake embeddings endpoint, a real SQLite
//! file and an injected clock. People set `/alerts for_you` with the command, their reading
//! lists are a fixture (saved as the 🔖 menu saves them), the days are digest files written for
//! the test, and every DM is read from the fake as Discord has it.

use std::time::Duration;

use chrono::{DateTime, NaiveDate, Timelike, Utc};
use serde_json::{json, Value};

use crate::support::bot::*;
use crate::support::embeddings_api::EmbeddingsApi;
use crate::support::hf_api::GrowingApi;
use paperboy::render::NOT_FOR_ME_ID;
use paperboy::store::{DeliveryStatus, SavedPaper, Store};

const ALICE: u64 = 601;
const BOB: u64 = 602;
const CAROL: u64 = 603;
const ZED: u64 = 604;
const DAVE: u64 = 605;
const ERIN: u64 = 606;

/// The reading list every reader here has (titles only, as from a menu whose paper the
/// archive never had): a decoding paper, a video diffusion paper, a web agents paper.
const MEDUSA: (&str, &str) = ("2401.10774", "Medusa: speculative decoding heads for faster LLM inference");
const LATENT_VIDEO: (&str, &str) = ("2311.15127", "Latent video diffusion models with temporal layers");
const WEB_AGENTS: (&str, &str) = ("2401.13919", "WebVoyager: LLM agents that navigate real websites");

/// Day one, in the day's order.
const DAY_ONE: &[(&str, &str, &str)] = &[
    ("2404.90001", "Scaling laws for LLM pretraining data", "How loss falls with compute and tokens."),
    ("2404.90002", "Medusa speculative decoding heads for LLM inference", "Several decoding heads draft tokens at once."),
    ("2404.90003", "LLM agents for web navigation", "Agents browse websites to finish tasks."),
    ("2404.90004", "Video diffusion with temporal attention layers", "Temporal attention keeps frames coherent."),
    ("2404.90005", "A survey of video diffusion", "A survey of video diffusion and its benchmarks."),
    ("2404.90006", "Robot grasping with tactile sensors", "Robot hands feel what they hold."),
    ("2404.90007", "Protein folding with geometric networks", "Structures of proteins from sequences."),
];

/// Day two: a video diffusion paper (like the one Alice turns down) and a decoding paper, both
/// matching `llm`.
const DAY_TWO: &[(&str, &str, &str)] = &[
    ("2404.91001", "LLM guided latent video diffusion with temporal attention layers", "Temporal attention keeps frames coherent."),
    ("2404.91002", "Speculative decoding for LLM serving", "Drafted tokens verified in batches."),
    ("2404.91003", "Robot hands", "Hands that grasp."),
];

fn text(data: &Value) -> String {
    assert!(is_ephemeral(data), "every answer here is ephemeral: {data:#}");
    content(data)
}

fn hhmm(t: DateTime<Utc>) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

/// Writes a digest file for `date` into the bot's digest folder, papers in order.
fn write_day(bot: &Bot, date: &str, papers: &[(&str, &str, &str)]) {
    let mut md = format!("## Daily Papers ({date})\n\n");
    for (id, title, bullet) in papers {
        md.push_str(&format!(
            "### [{title}](https://arxiv.org/abs/{id})\n\nVote: 10\n\nAuthors: A. Author, B. Author\n\n- {bullet}\n\n"
        ));
    }
    std::fs::write(bot.dir.path().join("digests").join(format!("{date}.md")), md).unwrap();
}

async fn save(store: &Store, user: u64, papers: &[(&str, &str)]) {
    for (id, title) in papers {
        let paper = SavedPaper {
            arxiv_id: id.to_string(),
            title: title.to_string(),
            authors: vec!["A. Author".into()],
            digest_date: None,
            saved_at: Utc::now(),
        };
        store.save_paper(user, &paper).await.unwrap();
    }
}

/// A reader: terms, their DM at `fire`'s hour (UTC), their reading list, and "for you" when
/// `for_you` (through the command).
async fn sign_up(bot: &mut Bot, user: u64, terms: &str, fire: DateTime<Utc>, list: &[(&str, &str)], for_you: bool) {
    bot.fake.add_user(user, &format!("reader{user}"));
    let got = text(&bot.alerts(user, Place::BotDm, &["add"], json!([opt("terms", 3, json!(terms))])).await);
    assert!(got.contains("Added"), "{got}");
    let got = text(
        &bot.alerts(
            user,
            Place::BotDm,
            &["time"],
            json!([opt("time", 3, json!(hhmm(fire))), opt("timezone", 3, json!("UTC"))]),
        )
        .await,
    );
    assert!(got.contains("Saved"), "{got}");
    let store = bot.store().await;
    save(&store, user, list).await;
    store.close().await;
    if for_you {
        let got = text(&bot.alerts(user, Place::BotDm, &["for_you"], json!([opt("enabled", 5, json!(true))])).await);
        assert!(got.starts_with("✨ For you is on"), "{got}");
        assert!(got.contains("up to 3 papers"), "{got}");
    }
}

/// Polls until `f` holds (at most ~20 s).
async fn until(mut f: impl AsyncFnMut() -> bool) -> bool {
    for _ in 0..400 {
        if f().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

async fn settled(bot: &Bot, users: &[u64], day: NaiveDate) -> bool {
    until(async || {
        let store = bot.store().await;
        let mut all = true;
        for u in users {
            let s = store.delivery(*u, day).await.unwrap().map(|d| d.status);
            all &= matches!(s, Some(DeliveryStatus::Done));
        }
        store.close().await;
        all
    })
    .await
}

/// The titles of a DM's embeds, in order.
fn titles(m: &Value) -> Vec<String> {
    m["embeds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["title"].as_str().unwrap().to_string())
        .collect()
}

/// An embed's field value by name.
fn field(m: &Value, title: &str, name: &str) -> Option<String> {
    let e = m["embeds"].as_array()?.iter().find(|e| e["title"] == title)?;
    e["fields"]
        .as_array()?
        .iter()
        .find(|f| f["name"] == name)
        .map(|f| f["value"].as_str().unwrap().to_string())
}

fn menu_values(m: &Value) -> Vec<String> {
    m["components"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["components"].as_array())
        .flatten()
        .filter(|c| c["custom_id"] == NOT_FOR_ME_ID)
        .flat_map(|c| c["options"].as_array().cloned().unwrap_or_default())
        .map(|o| o["value"].as_str().unwrap().to_string())
        .collect()
}

const WHY_MATCH: &str = "✨ Close to what you saved";
const WHY_REC: &str = "✨ For you: no term matched";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dms_are_ranked_by_the_reading_list_recommend_within_excludes_and_learn_from_not_for_me() {
    let mut bot = Bot::start().await;
    let fire = now() + chrono::Duration::minutes(2);
    let day1 = fire.date_naive();
    write_day(&bot, "2024-04-02", DAY_ONE);
    let list = [MEDUSA, LATENT_VIDEO, WEB_AGENTS];
    sign_up(&mut bot, ALICE, "llm, -survey", fire, &list, true).await;
    sign_up(&mut bot, BOB, "llm", fire, &list, true).await;
    sign_up(&mut bot, CAROL, "llm, -survey", fire, &list, true).await;
    // The same list without "for you": the alert DM as before.
    sign_up(&mut bot, ZED, "llm", fire, &list, false).await;

    bot.clock.set(fire + chrono::Duration::seconds(1));
    assert!(settled(&bot, &[ALICE, BOB, CAROL, ZED], day1).await, "day one not delivered");

    let dm = |user| {
        let dms = bot.fake.dms(user);
        assert_eq!(dms.len(), 1, "user {user}: {dms:#?}");
        dms[0].clone()
    };
    let alice = dm(ALICE);
    // The match closest to a saved paper first, then the next closest, then the one close to
    // none; the recommendation last.
    assert_eq!(
        titles(&alice),
        [
            "Medusa speculative decoding heads for LLM inference",
            "LLM agents for web navigation",
            "Scaling laws for LLM pretraining data",
            "Video diffusion with temporal attention layers",
        ],
        "{alice:#}"
    );
    assert_eq!(
        field(&alice, "Medusa speculative decoding heads for LLM inference", WHY_MATCH).as_deref(),
        Some("close to *Medusa: speculative decoding heads for faster LLM inference*")
    );
    assert_eq!(
        field(&alice, "LLM agents for web navigation", WHY_MATCH).as_deref(),
        Some("close to *WebVoyager: LLM agents that navigate real websites*")
    );
    assert_eq!(field(&alice, "Scaling laws for LLM pretraining data", WHY_MATCH), None);
    assert_eq!(
        field(&alice, "Video diffusion with temporal attention layers", WHY_REC).as_deref(),
        Some("close to *Latent video diffusion models with temporal layers*")
    );
    let header = alice["content"].as_str().unwrap();
    assert!(header.contains("3 of 7 papers match"), "{header}");
    assert!(header.contains("Closest to your reading list first"), "{header}");
    assert!(header.contains("The last paper matched no term"), "{header}");
    assert_eq!(menu_values(&alice), ["2404.90004"]);
    assert_eq!(alice["allowed_mentions"]["parse"], json!([]));

    // Bob has no `-survey`: the survey is recommended to him, never to Alice.
    let bob = dm(BOB);
    let bob_titles = titles(&bob);
    assert!(bob_titles.contains(&"A survey of video diffusion".to_string()), "{bob:#}");
    assert!(!titles(&alice).contains(&"A survey of video diffusion".to_string()));
    assert_eq!(
        field(&bob, "A survey of video diffusion", WHY_REC).as_deref(),
        Some("close to *Latent video diffusion models with temporal layers*")
    );
    // Zed's DM is the plain alert: the day's order, nothing added.
    let zed = dm(ZED);
    assert_eq!(
        titles(&zed),
        [
            "Scaling laws for LLM pretraining data",
            "Medusa speculative decoding heads for LLM inference",
            "LLM agents for web navigation",
        ]
    );
    assert!(menu_values(&zed).is_empty());

    // Alice finds the video paper not for her, from the menu in her DM.
    let message_id: u64 = alice["id"].as_str().unwrap().parse().unwrap();
    let token = bot
        .fake
        .choose_in_dm(7001, ALICE, message_id, NOT_FOR_ME_ID, &["2404.90004"])
        .await;
    let answer = bot.fake.wait_for_responses(&token, 1, Duration::from_secs(10)).await;
    let data = &answer[0]["body"]["data"];
    assert!(
        text(data).starts_with("👎 Noted: papers like *Video diffusion with temporal attention layers* rank lower"),
        "{data:#}"
    );

    // The next day, Carol (the same terms and list, no feedback) gets the video paper first;
    // Alice gets it last.
    write_day(&bot, "2024-04-03", DAY_TWO);
    let fire2 = fire + chrono::Duration::days(1);
    bot.clock.set(fire2 + chrono::Duration::seconds(1));
    let day2 = fire2.date_naive();
    assert!(settled(&bot, &[ALICE, CAROL], day2).await, "day two not delivered");
    let second = |user| bot.fake.dms(user).last().cloned().unwrap();
    assert_eq!(
        titles(&second(CAROL))[..2],
        [
            "LLM guided latent video diffusion with temporal attention layers",
            "Speculative decoding for LLM serving"
        ]
    );
    assert_eq!(
        titles(&second(ALICE))[..2],
        [
            "Speculative decoding for LLM serving",
            "LLM guided latent video diffusion with temporal attention layers"
        ]
    );

    // What she said is hers: `/papers saved clear` forgets it with the list.
    let store = bot.store().await;
    assert_eq!(store.not_for_me_lists(&[ALICE]).await.unwrap()[&ALICE].len(), 1);
    store.close().await;
    bot.next_id += 1;
    let token = format!("token-{}", bot.next_id);
    let payload = crate::support::fake_discord::interaction::slash_in_dm(
        bot.next_id,
        &token,
        ALICE,
        &["papers", "saved", "clear"],
        json!([]),
    );
    bot.fake.dispatch_interaction(payload).await;
    let got = bot.fake.wait_for_responses(&token, 1, Duration::from_secs(10)).await;
    assert!(content(&got[0]["body"]["data"]).contains("deleted"), "{got:#?}");
    let store = bot.store().await;
    assert!(store.not_for_me_lists(&[ALICE]).await.unwrap().is_empty());
    assert_eq!(store.saved_count(ALICE).await.unwrap(), 0);
    assert!(store.for_you(ALICE).await.unwrap().is_some_and(|f| f.enabled), "the setting stays");
    store.close().await;
    bot.stop().await;
}
