//! "For you" end to end: the real bot on the production HTTP path against the fake Discord, a
//! fake Hugging Face (paper pages for follow-ups) and a fake embeddings endpoint, a real SQLite
//! file and an injected clock. People set `/alerts for_you` with the command, their reading
//! lists are a fixture (saved as the 🔖 menu saves them), the days are digest files written for
//! the test, and every DM is read from the fake as Discord has it.

use std::time::Duration;

use chrono::{DateTime, NaiveDate, Timelike, Utc};
use paperboy::clock::Clock;
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
/// archive never had; ids of recent papers, so a day later they are looked at again):
/// a decoding paper, a video diffusion paper, a web agents paper.
const MEDUSA: (&str, &str) = (
    "2403.10774",
    "Medusa: speculative decoding heads for faster LLM inference",
);
const LATENT_VIDEO: (&str, &str) = (
    "2311.15127",
    "Latent video diffusion models with temporal layers",
);
const WEB_AGENTS: (&str, &str) = (
    "2401.13919",
    "WebVoyager: LLM agents that navigate real websites",
);

/// Day one, in the day's order.
const DAY_ONE: &[(&str, &str, &str)] = &[
    (
        "2404.90001",
        "Scaling laws for LLM pretraining data",
        "How loss falls with compute and tokens.",
    ),
    (
        "2404.90002",
        "Medusa speculative decoding heads for LLM inference",
        "Several decoding heads draft tokens at once.",
    ),
    (
        "2404.90003",
        "LLM agents for web navigation",
        "Agents browse websites to finish tasks.",
    ),
    (
        "2404.90004",
        "Video diffusion with temporal attention layers",
        "Temporal attention keeps frames coherent.",
    ),
    (
        "2404.90005",
        "A survey of video diffusion",
        "A survey of video diffusion and its benchmarks.",
    ),
    (
        "2404.90006",
        "Robot grasping with tactile sensors",
        "Robot hands feel what they hold.",
    ),
    (
        "2404.90007",
        "Protein folding with geometric networks",
        "Structures of proteins from sequences.",
    ),
];

/// Day two: a video diffusion paper (like the one Alice turns down) and a decoding paper, both
/// matching `llm`.
const DAY_TWO: &[(&str, &str, &str)] = &[
    (
        "2404.91001",
        "LLM guided latent video diffusion with temporal attention layers",
        "Temporal attention keeps frames coherent.",
    ),
    (
        "2404.91002",
        "Speculative decoding for LLM serving",
        "Drafted tokens verified in batches.",
    ),
    ("2404.91003", "Robot hands", "Hands that grasp."),
];

fn text(data: &Value) -> String {
    assert!(
        is_ephemeral(data),
        "every answer here is ephemeral: {data:#}"
    );
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
    std::fs::write(
        bot.dir.path().join("digests").join(format!("{date}.md")),
        md,
    )
    .unwrap();
}

async fn save(store: &Store, user: u64, papers: &[(&str, &str)]) {
    for (id, title) in papers {
        let paper = SavedPaper {
            arxiv_id: id.to_string(),
            title: title.to_string(),
            authors: vec!["A. Author".into()],
            digest_date: None,
            // Stamped by the store.
            saved_at: DateTime::<Utc>::MIN_UTC,
        };
        store.save_paper(user, &paper).await.unwrap();
    }
}

/// A reader: terms, their DM at `fire`'s hour (UTC), their reading list, and "for you" when
/// `for_you` (through the command).
async fn sign_up(
    bot: &mut Bot,
    user: u64,
    terms: &str,
    fire: DateTime<Utc>,
    list: &[(&str, &str)],
    for_you: bool,
) {
    bot.fake.add_user(user, &format!("reader{user}"));
    let got = text(
        &bot.alerts(
            user,
            Place::BotDm,
            &["add"],
            json!([opt("terms", 3, json!(terms))]),
        )
        .await,
    );
    assert!(got.contains("Added"), "{got}");
    let got = text(
        &bot.alerts(
            user,
            Place::BotDm,
            &["time"],
            json!([
                opt("time", 3, json!(hhmm(fire))),
                opt("timezone", 3, json!("UTC"))
            ]),
        )
        .await,
    );
    assert!(got.contains("Saved"), "{got}");
    // Saved at the bot's time, as the bot's own store stamps a save from the menu.
    let store = bot
        .store()
        .await
        .with_clock(std::sync::Arc::new(bot.clock.clone()));
    save(&store, user, list).await;
    store.close().await;
    if for_you {
        let got = text(
            &bot.alerts(
                user,
                Place::BotDm,
                &["for_you"],
                json!([opt("enabled", 5, json!(true))]),
            )
            .await,
        );
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
    let e = m["embeds"]
        .as_array()?
        .iter()
        .find(|e| e["title"] == title)?;
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
    assert!(
        settled(&bot, &[ALICE, BOB, CAROL, ZED], day1).await,
        "day one not delivered"
    );

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
        field(
            &alice,
            "Medusa speculative decoding heads for LLM inference",
            WHY_MATCH
        )
        .as_deref(),
        Some("close to *Medusa: speculative decoding heads for faster LLM inference*")
    );
    assert_eq!(
        field(&alice, "LLM agents for web navigation", WHY_MATCH).as_deref(),
        Some("close to *WebVoyager: LLM agents that navigate real websites*")
    );
    assert_eq!(
        field(&alice, "Scaling laws for LLM pretraining data", WHY_MATCH),
        None
    );
    assert_eq!(
        field(
            &alice,
            "Video diffusion with temporal attention layers",
            WHY_REC
        )
        .as_deref(),
        Some("close to *Latent video diffusion models with temporal layers*")
    );
    let header = alice["content"].as_str().unwrap();
    assert!(header.contains("3 of 7 papers match"), "{header}");
    assert!(
        header.contains("Closest to your reading list first"),
        "{header}"
    );
    assert!(
        header.contains("The last paper matched no term"),
        "{header}"
    );
    assert_eq!(menu_values(&alice), ["2404.90004"]);
    assert_eq!(alice["allowed_mentions"]["parse"], json!([]));

    // Bob has no `-survey`: the survey is recommended to him, never to Alice.
    let bob = dm(BOB);
    let bob_titles = titles(&bob);
    assert!(
        bob_titles.contains(&"A survey of video diffusion".to_string()),
        "{bob:#}"
    );
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
    let answer = bot
        .fake
        .wait_for_responses(&token, 1, Duration::from_secs(10))
        .await;
    let data = &answer[0]["body"]["data"];
    assert!(
        text(data).starts_with(
            "👎 Noted: papers like *Video diffusion with temporal attention layers* rank lower"
        ),
        "{data:#}"
    );

    // The next day, Carol (the same terms and list, no feedback) gets the video paper first;
    // Alice gets it last.
    write_day(&bot, "2024-04-03", DAY_TWO);
    let fire2 = fire + chrono::Duration::days(1);
    bot.clock.set(fire2 + chrono::Duration::seconds(1));
    let day2 = fire2.date_naive();
    assert!(
        settled(&bot, &[ALICE, CAROL], day2).await,
        "day two not delivered"
    );
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
    assert_eq!(
        store.not_for_me_lists(&[ALICE]).await.unwrap()[&ALICE].len(),
        1
    );
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
    let got = bot
        .fake
        .wait_for_responses(&token, 1, Duration::from_secs(10))
        .await;
    assert!(
        content(&got[0]["body"]["data"]).contains("deleted"),
        "{got:#?}"
    );
    let store = bot.store().await;
    assert!(store.not_for_me_lists(&[ALICE]).await.unwrap().is_empty());
    assert_eq!(store.saved_count(ALICE).await.unwrap(), 0);
    assert!(
        store
            .for_you(ALICE)
            .await
            .unwrap()
            .is_some_and(|f| f.enabled),
        "the setting stays"
    );
    store.close().await;
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_paper_that_gets_its_code_is_told_once_in_the_next_dm() {
    let hf_clock = paperboy::clock::ManualClock::new(now());
    let hf = GrowingApi::start(hf_clock).await;
    // Medusa is on Hugging Face without code yet; the other two are not indexed at all.
    hf.set_paper(MEDUSA.0, MEDUSA.1, None);
    let mut bot = Bot::start_with(now(), Some(hf.base_url.clone())).await;
    let fire = now() + chrono::Duration::minutes(30);
    write_day(&bot, "2024-04-02", DAY_ONE);
    sign_up(
        &mut bot,
        DAVE,
        "llm",
        fire,
        &[MEDUSA, LATENT_VIDEO, WEB_AGENTS],
        true,
    )
    .await;

    // The first look at each saved paper: where it starts, nothing to tell.
    let looked = until(async || {
        let store = bot.store().await;
        let l = store.followup_links(MEDUSA.0).await.unwrap();
        store.close().await;
        l.is_some()
    })
    .await;
    assert!(looked, "Medusa was never looked at");
    assert!(until(async || hf.paper_requests().len() >= 4).await);
    let paths: Vec<String> = hf.paper_requests().into_iter().map(|(p, _)| p).collect();
    // Two requests for an indexed paper (its page, what cites it), one for the others (404).
    assert_eq!(
        paths.iter().filter(|p| p.contains(MEDUSA.0)).count(),
        2,
        "{paths:?}"
    );
    assert!(
        paths.contains(&format!("/api/arxiv/{}/repos", MEDUSA.0)),
        "{paths:?}"
    );
    assert_eq!(
        paths.iter().filter(|p| p.contains(LATENT_VIDEO.0)).count(),
        1,
        "{paths:?}"
    );
    // Nothing more until a paper is due again (daily while new): proved by passes, not sleep.
    bot.two_passes().await;
    assert_eq!(hf.paper_requests().len(), 4);

    bot.clock.set(fire + chrono::Duration::seconds(1));
    assert!(settled(&bot, &[DAVE], fire.date_naive()).await);
    let first = bot.fake.dms(DAVE).pop().unwrap();
    assert!(
        !first["content"].as_str().unwrap().contains("🔔"),
        "{first:#}"
    );

    // The code is released; the next day's look finds it, and the next DM says so.
    hf.set_paper(
        MEDUSA.0,
        MEDUSA.1,
        Some("https://github.com/FasterDecoding/Medusa"),
    );
    hf.set_repos(MEDUSA.0, &["FasterDecoding/medusa-vicuna-7b-v1.3"], &[]);
    write_day(&bot, "2024-04-03", DAY_TWO);
    bot.clock.set(now() + chrono::Duration::days(1));
    let seen = until(async || {
        let store = bot.store().await;
        let l = store.followup_links(MEDUSA.0).await.unwrap();
        store.close().await;
        l.is_some_and(|l| l.code.is_some())
    })
    .await;
    assert!(
        seen,
        "the repository was never seen: {:?}",
        hf.paper_requests()
    );
    let fire2 = fire + chrono::Duration::days(1);
    bot.clock.set(fire2 + chrono::Duration::seconds(1));
    assert!(settled(&bot, &[DAVE], fire2.date_naive()).await);
    let second = bot.fake.dms(DAVE).pop().unwrap();
    let content = second["content"].as_str().unwrap();
    assert!(
        content.contains(
            "🔔 **Medusa: speculative decoding heads for faster LLM inference** now has its code: <https://github.com/FasterDecoding/Medusa>"
        ),
        "{content}"
    );
    assert!(
        content.contains(
            "a model on Hugging Face cites it, such as [FasterDecoding/medusa-vicuna-7b-v1.3](<https://huggingface.co/FasterDecoding/medusa-vicuna-7b-v1.3>)"
        ),
        "{content}"
    );
    assert_eq!(content.matches("🔔").count(), 2, "{content}");

    // Looked at again the day after, the same links are no news: the third DM says nothing.
    write_day(&bot, "2024-04-04", DAY_TWO);
    let before = hf.paper_requests().len();
    bot.clock.set(now() + chrono::Duration::days(2));
    assert!(until(async || hf.paper_requests().len() > before).await);
    let fire3 = fire + chrono::Duration::days(2);
    bot.clock.set(fire3 + chrono::Duration::seconds(1));
    assert!(settled(&bot, &[DAVE], fire3.date_naive()).await);
    let third = bot.fake.dms(DAVE).pop().unwrap();
    assert!(
        !third["content"].as_str().unwrap().contains("🔔"),
        "{third:#}"
    );
    assert_eq!(bot.fake.dms(DAVE).len(), 3);

    // `/alerts clear` deletes what Dave was told with everything else of his; the paper's own
    // state (public facts) stays.
    let got = text(&bot.alerts(DAVE, Place::BotDm, &["clear"], json!([])).await);
    assert!(got.contains("deleted") || got.contains("Deleted"), "{got}");
    let store = bot.store().await;
    assert!(store
        .followup_news(&[(DAVE, DAVE)], fire3.date_naive())
        .await
        .unwrap()
        .is_empty());
    assert!(store.for_you(DAVE).await.unwrap().is_none());
    assert!(store.followup_links(MEDUSA.0).await.unwrap().is_some());
    store.close().await;
    bot.stop().await;
}

/// A saved paper that shares no word with the video diffusion papers but means the same.
const MOVING_PICTURES: (&str, &str) = (
    "2403.30001",
    "Denoising generative models for moving pictures",
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_an_embedding_model_papers_are_compared_by_meaning_each_embedded_once() {
    use crate::support::embeddings_api::{KEY, MODEL};
    let api = EmbeddingsApi::start().await;
    let mut bot = Bot::start().await;
    bot.stop().await;
    bot.extra_toml = format!(
        "[summaries]\nbase_url = \"{}\"\nmodel = \"chat-model\"\nlanguage = \"en\"\n\
         wait_minutes = 0\nembedding_model = \"{MODEL}\"\n",
        api.base_url
    );
    bot.model_key = Some(KEY.to_string());
    bot.launch().await;
    let fire = now() + chrono::Duration::minutes(2);
    write_day(&bot, "2024-04-02", DAY_ONE);
    let list = [MOVING_PICTURES, MEDUSA, WEB_AGENTS];
    sign_up(&mut bot, ERIN, "llm", fire, &list, true).await;

    bot.clock.set(fire + chrono::Duration::seconds(1));
    assert!(settled(&bot, &[ERIN], fire.date_naive()).await);
    let dm = bot.fake.dms(ERIN).pop().unwrap();
    // The video diffusion paper is recommended for its meaning: lexically it shares nothing
    // with the saved paper it is close to.
    assert_eq!(
        field(
            &dm,
            "Video diffusion with temporal attention layers",
            WHY_REC
        )
        .as_deref(),
        Some("close to *Denoising generative models for moving pictures*"),
        "{dm:#}"
    );
    {
        use paperboy::select::for_you::{
            document::Document, lexical::DayIndex, similarity::Similarities,
        };
        let day: Vec<paperboy::source::digest::Paper> = DAY_ONE
            .iter()
            .map(|(_, t, b)| paperboy::source::digest::Paper {
                title: t.to_string(),
                bullets: vec![b.to_string()],
                ..Default::default()
            })
            .collect();
        let docs: Vec<Document> = day.iter().map(Document::of).collect();
        let lexical = Similarities::lexical(
            &DayIndex::build(&docs),
            &[Document::titled(MOVING_PICTURES.1)],
        );
        assert_eq!(lexical.row(0)[3], 0.0, "no word in common");
    }
    // One request of every paper (the day's seven, the list's three), by the configured model
    // with the key, and what it cost is counted.
    let requests = api.requests();
    assert_eq!(requests.len(), 1, "{requests:#?}");
    assert_eq!(requests[0]["model"], MODEL);
    assert_eq!(api.inputs().len(), 10);
    assert!(
        api.inputs()[0].starts_with("Scaling laws for LLM pretraining data\nHow loss"),
        "{:?}",
        api.inputs()
    );

    // The next day only the new papers are embedded; an Ollama-like answer (out of order, no
    // usage) still ranks right.
    api.answer_like_ollama();
    write_day(&bot, "2024-04-03", DAY_TWO);
    let fire2 = fire + chrono::Duration::days(1);
    bot.clock.set(fire2 + chrono::Duration::seconds(1));
    assert!(settled(&bot, &[ERIN], fire2.date_naive()).await);
    assert_eq!(
        api.inputs().len(),
        13,
        "only day two's three papers: {:?}",
        api.inputs()
    );
    let dm = bot.fake.dms(ERIN).pop().unwrap();
    assert_eq!(
        field(
            &dm,
            "LLM guided latent video diffusion with temporal attention layers",
            WHY_MATCH
        )
        .as_deref(),
        Some("close to *Denoising generative models for moving pictures*")
    );
    assert_eq!(
        field(&dm, "Speculative decoding for LLM serving", WHY_MATCH).as_deref(),
        Some("close to *Medusa: speculative decoding heads for faster LLM inference*")
    );
    let store = bot.store().await;
    let usage = store.embedding_usage(now().date_naive()).await.unwrap();
    let calls: u64 = usage.iter().map(|(_, u)| u.calls).sum();
    let papers: u64 = usage.iter().map(|(_, u)| u.papers).sum();
    assert_eq!((calls, papers), (2, 13), "{usage:?}");
    let tokens: u64 = usage.iter().map(|(_, u)| u.tokens).sum();
    assert!(tokens > 0, "the first answer's usage is counted: {usage:?}");
    store.close().await;
    // The operator sees the cost in `paperboy status`, as summaries' (what the command prints,
    // at the bot's clock: the binary's own clock is the wall's, years after these days).
    let status = paperboy::ops::report::status(&bot.config(), bot.clock.now())
        .await
        .unwrap();
    assert!(
        status.contains(&format!("Embeddings {MODEL} (\"for you\")")),
        "{status}"
    );
    // Per day: the first answer's tokens, and none reported by the Ollama-like one.
    assert!(
        status.contains(&format!(
            "2024-04-02  1 calls, {tokens} tokens, 10 papers embedded"
        )),
        "{status}"
    );
    assert!(
        status.contains("2024-04-03  1 calls, 0 tokens, 3 papers embedded"),
        "{status}"
    );

    // The endpoint down: the DM of a day of new papers still goes out, compared lexically.
    api.fail_with(Some(500));
    let day_three: Vec<(String, &str, &str)> = DAY_TWO
        .iter()
        .map(|(id, t, b)| (id.replace("2404.91", "2404.92"), *t, *b))
        .collect();
    let day_three: Vec<(&str, &str, &str)> = day_three
        .iter()
        .map(|(id, t, b)| (id.as_str(), *t, *b))
        .collect();
    write_day(&bot, "2024-04-04", &day_three);
    let fire3 = fire + chrono::Duration::days(2);
    bot.clock.set(fire3 + chrono::Duration::seconds(1));
    assert!(settled(&bot, &[ERIN], fire3.date_naive()).await);
    assert_eq!(bot.fake.dms(ERIN).len(), 3);
    let dm = bot.fake.dms(ERIN).pop().unwrap();
    assert_eq!(
        field(&dm, "Speculative decoding for LLM serving", WHY_MATCH).as_deref(),
        Some("close to *Medusa: speculative decoding heads for faster LLM inference*"),
        "lexically, decoding is still close to Medusa"
    );
    assert_eq!(api.requests().len(), 3, "one failed try, no retry storm");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_weekly_reading_list_gets_the_weeks_papers_closest_to_it() {
    const WALT: u64 = 607;
    let mut bot = Bot::start().await;
    let fire = now() + chrono::Duration::minutes(2);
    write_day(&bot, "2024-04-02", DAY_ONE);
    sign_up(
        &mut bot,
        WALT,
        "robot",
        fire,
        &[MEDUSA, LATENT_VIDEO, WEB_AGENTS],
        true,
    )
    .await;
    let got = text(
        &bot.alerts(
            WALT,
            Place::BotDm,
            &["saved_weekly"],
            json!([opt("enabled", 5, json!(true))]),
        )
        .await,
    );
    assert!(got.contains("Every Saturday"), "{got}");
    bot.clock.set(fire + chrono::Duration::seconds(1));
    assert!(settled(&bot, &[WALT], fire.date_naive()).await);
    // Saturday at the alerts' hour: the reading list, and the week's closest papers.
    let saturday = DateTime::parse_from_rfc3339("2024-04-06T12:02:30Z")
        .unwrap()
        .with_timezone(&Utc);
    bot.clock.set(saturday);
    let weekly = until(async || {
        bot.fake.dms(WALT).iter().any(|m| {
            m["content"]
                .as_str()
                .unwrap_or("")
                .contains("reading list this week")
        })
    })
    .await;
    assert!(weekly, "no weekly DM: {:#?}", bot.fake.dms(WALT));
    let m = bot
        .fake
        .dms(WALT)
        .into_iter()
        .find(|m| {
            m["content"]
                .as_str()
                .unwrap_or("")
                .contains("reading list this week")
        })
        .unwrap();
    let embeds = m["embeds"].as_array().unwrap();
    assert_eq!(embeds.len(), 2, "{m:#}");
    let for_you = &embeds[1];
    assert_eq!(
        for_you["title"],
        "✨ For you this week: 3 papers close to your list"
    );
    let d = for_you["description"].as_str().unwrap();
    // The three of the week closest to the list, each with the saved paper it is close to;
    // the papers close to none (scaling laws, robots, proteins) are not there.
    assert_eq!(
        d,
        "**[Medusa speculative decoding heads for LLM inference](https://arxiv.org/abs/2404.90002)**\n\
         close to *Medusa: speculative decoding heads for faster LLM inference*\n\n\
         **[Video diffusion with temporal attention layers](https://arxiv.org/abs/2404.90004)**\n\
         close to *Latent video diffusion models with temporal layers*\n\n\
         **[LLM agents for web navigation](https://arxiv.org/abs/2404.90003)**\n\
         close to *WebVoyager: LLM agents that navigate real websites*"
    );
    assert_eq!(menu_values(&m).len(), 3);
    assert_eq!(menu_values(&m)[0], "2404.90002");
    bot.stop().await;
}
