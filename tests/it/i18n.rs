//! Korean first, end to end: the real bot against the fake Discord, spoken to from Discord
//! clients set to Korean (`locale: ko`) and to English, in a server whose language is Korean
//! (`guild_locale: ko`). Every reply to a Korean reader is checked against the English
//! catalog: no English sentence of it may reach them.

use std::time::Duration;

use chrono::Timelike;
use serde_json::{json, Value};

use crate::support::bot::*;
use crate::support::catalog::{assert_no_english, texts};

const KIM: u64 = 601;
const SMITH: u64 = 602;

fn has_hangul(text: &str) -> bool {
    text.chars().any(|c| ('가'..='힣').contains(&c))
}

/// Every text of a command's answers (immediate reply, follow-ups, edits).
fn answer_texts(responses: &[Value]) -> String {
    responses
        .iter()
        .map(|r| match r["kind"].as_str() {
            Some("callback") => texts(&r["body"]["data"]),
            _ => texts(&r["body"]),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Waits until the command's answers stop growing (a deferred command follows up later).
async fn settled_answers(bot: &Bot, token: &str, at_least: usize) -> Vec<Value> {
    let mut last = bot
        .fake
        .wait_for_responses(token, at_least, Duration::from_secs(20))
        .await;
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let now = bot.fake.interaction_responses(token);
        if now.len() == last.len() {
            break;
        }
        last = now;
    }
    last
}

/// Runs `/papers <path>` and returns every text of its answers, once they are all in.
async fn papers(bot: &mut Bot, perms: u64, path: &[&str], options: Value) -> String {
    bot.invoke(perms, path, options, 1).await;
    let token = format!("token-{}", bot.next_id);
    answer_texts(&settled_answers(bot, &token, 1).await)
}

/// What every `/papers` subcommand answers, in order, with something only that answer says
/// in English and in Korean.
fn papers_script(time: &str) -> Vec<(u64, Vec<&'static str>, Value, &'static str, &'static str)> {
    vec![
        (
            MEMBER,
            vec!["today"],
            json!([]),
            "Daily Papers — 2024-04-02",
            "데일리 페이퍼 — 2024년 4월 2일",
        ),
        (
            MEMBER,
            vec!["date"],
            json!([opt("day", 3, json!("2024-04-02"))]),
            "12 papers",
            "논문 12편",
        ),
        (
            MEMBER,
            vec!["date"],
            json!([opt("day", 3, json!("02/04/2024"))]),
            "is not a date I can read",
            "읽을 수 있는 날짜가 아닙니다",
        ),
        (
            MEMBER,
            vec!["search"],
            json!([opt("query", 3, json!("diffusion"))]),
            "from the digests paperboy has archived",
            "찾은 결과",
        ),
        (
            MEMBER,
            vec!["search"],
            json!([opt("query", 3, json!("zzzz qqqq"))]),
            "No archived paper matches",
            "맞는 것이 없습니다",
        ),
        (
            MEMBER,
            vec!["top"],
            json!([]),
            "The past week's top|No archived paper in",
            "지난 한 주 인기 논문|보관된 논문이 없습니다",
        ),
        (
            MEMBER,
            vec!["saved", "list"],
            json!([]),
            "Your reading list is empty",
            "읽기 목록이 비어 있습니다",
        ),
        (
            MEMBER,
            vec!["saved", "remove"],
            json!([opt("paper", 3, json!("2404.00001"))]),
            "is not on your reading list",
            "읽기 목록에 없습니다",
        ),
        (
            MEMBER,
            vec!["saved", "export"],
            json!([]),
            "nothing to export",
            "내보낼 것이 없습니다",
        ),
        (
            MEMBER,
            vec!["saved", "clear"],
            json!([]),
            "reading list is deleted|reading list is empty",
            "읽기 목록을 삭제했습니다|읽기 목록이 비어",
        ),
        (
            MEMBER,
            vec!["preview"],
            json!([]),
            "not subscribed",
            "구독하고 있지 않아",
        ),
        (
            MEMBER,
            vec!["subscribe"],
            json!([]),
            "Manage Channels",
            "채널 관리하기",
        ),
        (
            MANAGER,
            vec!["subscribe"],
            json!([
                opt("time", 3, json!(time)),
                opt("timezone", 3, json!("UTC"))
            ]),
            "Subscribed!",
            "구독했습니다",
        ),
        (
            MEMBER,
            vec!["settings"],
            json!([]),
            "Post time",
            "게시 시각",
        ),
        (MEMBER, vec!["preview"], json!([]), "Preview", "미리보기"),
        // This bot has no model: the one line saying so.
        (
            MEMBER,
            vec!["ask"],
            json!([
                opt("question", 3, json!("What is new?")),
                opt("paper", 3, json!("2404.00399"))
            ]),
            "Questions need a model",
            "모델이 필요한데",
        ),
        (
            MANAGER,
            vec!["keywords", "add"],
            json!([opt("words", 3, json!("llm, has:wings"))]),
            "knows only",
            "만 압니다",
        ),
        (
            MANAGER,
            vec!["keywords", "add"],
            json!([opt("words", 3, json!("diffusion, -survey"))]),
            "Added",
            "추가함",
        ),
        (
            MEMBER,
            vec!["keywords", "list"],
            json!([]),
            "Papers matching any of",
            "하나라도 맞으면",
        ),
        (
            MANAGER,
            vec!["keywords", "remove"],
            json!([opt("word", 3, json!("nothing-like-it"))]),
            "is not one of this channel's keywords",
            "키워드가 아닙니다",
        ),
        (
            MANAGER,
            vec!["keywords", "remove"],
            json!([opt("word", 3, json!("diffusion"))]),
            "Removed",
            "지웠습니다",
        ),
        (
            MANAGER,
            vec!["keywords", "clear"],
            json!([]),
            "this channel now gets every paper",
            "모든 논문을 받습니다",
        ),
        (
            MANAGER,
            vec!["retry"],
            json!([]),
            "Nothing to retry",
            "다시 시도할 것이 없습니다",
        ),
        (
            MANAGER,
            vec!["pause"],
            json!([]),
            "Paused",
            "일시정지했습니다",
        ),
        (
            MANAGER,
            vec!["resume"],
            json!([]),
            "Resumed",
            "다시 시작했습니다",
        ),
        (
            MANAGER,
            vec!["unsubscribe"],
            json!([]),
            "Unsubscribed",
            "구독을 해지했습니다",
        ),
        (
            MANAGER,
            vec!["unsubscribe"],
            json!([]),
            "This channel is not subscribed.",
            "이 채널은 구독하고 있지 않습니다.",
        ),
    ]
}

async fn every_papers_subcommand_in(locale: &str) {
    let mut bot = Bot::start().await;
    bot.locale = locale.into();
    let korean = locale == "ko";
    let fire = now() + chrono::Duration::hours(3);
    let time = format!("{:02}:{:02}", fire.hour(), fire.minute());
    let mut seen = std::collections::HashSet::new();
    for (perms, path, options, en, ko) in papers_script(&time) {
        let text = papers(&mut bot, perms, &path, options).await;
        seen.insert(path.join(" "));
        let says = |any: &str| any.split('|').any(|one| text.contains(one));
        if korean {
            assert!(says(ko), "/papers {path:?} in Korean: {text}");
            assert!(has_hangul(&text), "{text}");
            assert_no_english(&text);
        } else {
            assert!(says(en), "/papers {path:?} in English: {text}");
        }
    }
    // Every subcommand the bot registers was run.
    let registered = bot.fake.registered_commands().unwrap();
    let papers = registered["commands"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "papers")
        .unwrap()
        .clone();
    for sub in papers["options"].as_array().unwrap() {
        let name = sub["name"].as_str().unwrap();
        match sub["options"].as_array().filter(|_| sub["type"] == 2) {
            Some(group) => {
                for leaf in group {
                    let path = format!("{name} {}", leaf["name"].as_str().unwrap());
                    assert!(seen.contains(&path), "/papers {path} not tried");
                }
            }
            None => assert!(seen.contains(name), "/papers {name} not tried"),
        }
    }
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_korean_reader_gets_every_papers_answer_in_korean() {
    every_papers_subcommand_in("ko").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_english_reader_gets_every_papers_answer_in_english() {
    every_papers_subcommand_in("en-US").await;
}

/// What every `/alerts` subcommand answers, in order, in English and in Korean.
fn alerts_script(time: &str) -> Vec<(Vec<&'static str>, Value, &'static str, &'static str)> {
    let terms = |t: &str| json!([opt("terms", 3, json!(t))]);
    vec![
        (
            vec!["list"],
            json!([]),
            "You have no alerts",
            "알림이 없습니다",
        ),
        (
            vec!["add"],
            terms("org:"),
            "needs an organisation",
            "조직이 필요합니다",
        ),
        (vec!["add"], terms("diffusion, -survey"), "Added", "추가함"),
        (
            vec!["time"],
            json!([
                opt("time", 3, json!(time)),
                opt("timezone", 3, json!("UTC"))
            ]),
            "Saved",
            "저장했습니다",
        ),
        (
            vec!["time"],
            json!([opt("time", 3, json!("25:99"))]),
            "is not a time I can read",
            "읽을 수 있는 시각이 아닙니다",
        ),
        (vec!["list"], json!([]), "Your alerts", "내 알림"),
        (
            vec!["saved_weekly"],
            json!([opt("enabled", 5, json!(true))]),
            "Every Saturday",
            "매주 토요일",
        ),
        (
            vec!["for_you"],
            json!([opt("enabled", 5, json!(true)), opt("extra", 4, json!(2))]),
            "up to 2 papers no term matched",
            "최대 2편 더하며",
        ),
        (
            vec!["for_you"],
            json!([opt("enabled", 5, json!(true))]),
            "Save at least 3 papers",
            "논문을 3편 이상 저장해 주세요",
        ),
        (
            vec!["for_you"],
            json!([opt("enabled", 5, json!(false))]),
            "For you is off",
            "맞춤 추천을 껐습니다",
        ),
        (vec!["pause"], json!([]), "Paused", "일시정지했습니다"),
        (
            vec!["pause"],
            json!([]),
            "you paused them",
            "직접 멈추셨습니다",
        ),
        (vec!["resume"], json!([]), "Resumed", "다시 시작했습니다"),
        (
            vec!["remove"],
            json!([opt("term", 3, json!("llm"))]),
            "is not one of your terms",
            "내 조건이 아닙니다",
        ),
        (
            vec!["remove"],
            json!([opt("term", 3, json!("-survey"))]),
            "Still following",
            "계속 따르는 조건",
        ),
        (
            vec!["clear"],
            json!([]),
            "stores nothing about you now",
            "아무것도 저장하지 않습니다",
        ),
        (
            vec!["clear"],
            json!([]),
            "you have no alerts",
            "알림이 없습니다",
        ),
    ]
}

async fn every_alerts_subcommand_in(locale: &str, user: u64) {
    let mut bot = Bot::start().await;
    bot.locale = locale.into();
    let korean = locale == "ko";
    let fire = now() + chrono::Duration::hours(3);
    let time = format!("{:02}:{:02}", fire.hour(), fire.minute());
    let mut seen = std::collections::HashSet::new();
    for (path, options, en, ko) in alerts_script(&time) {
        let data = bot.alerts(user, Place::BotDm, &path, options).await;
        let text = texts(&data);
        seen.insert(path[0]);
        if korean {
            assert!(text.contains(ko), "/alerts {path:?} in Korean: {text}");
            assert_no_english(&text);
        } else {
            assert!(text.contains(en), "/alerts {path:?} in English: {text}");
            assert!(!has_hangul(&text), "{text}");
        }
    }
    // Every subcommand the bot registers was run.
    let registered = bot.fake.registered_commands().unwrap();
    let alerts = registered["commands"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "alerts")
        .unwrap()
        .clone();
    for sub in alerts["options"].as_array().unwrap() {
        let name = sub["name"].as_str().unwrap();
        assert!(seen.contains(name), "/alerts {name} not tried");
    }
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_korean_reader_gets_every_alerts_answer_in_korean() {
    every_alerts_subcommand_in("ko", KIM).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_english_reader_gets_every_alerts_answer_in_english() {
    every_alerts_subcommand_in("en-US", SMITH).await;
}

/// The names Discord shows a Korean reader: every command, subcommand and option has its
/// Korean name and description, accepted by the fake as Discord would accept them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registration_carries_the_korean_names() {
    let mut bot = Bot::start().await;
    let registered = bot.fake.registered_commands().unwrap();
    let commands = registered["commands"].as_array().unwrap().clone();
    let ko = |v: &Value, what: &str| -> String {
        v[what]["ko"]
            .as_str()
            .unwrap_or_else(|| panic!("no Korean {what} in {v:#}"))
            .to_string()
    };
    fn walk(v: &Value, out: &mut Vec<Value>) {
        out.push(v.clone());
        for o in v["options"].as_array().into_iter().flatten() {
            walk(o, out);
        }
    }
    let mut all = Vec::new();
    for c in &commands {
        walk(c, &mut all);
    }
    assert!(all.len() > 30, "{}", all.len());
    for v in &all {
        let name = ko(v, "name_localizations");
        assert!(has_hangul(&name) || name.is_ascii(), "{name}");
        assert!(has_hangul(&ko(v, "description_localizations")), "{v:#}");
    }
    let papers = commands.iter().find(|c| c["name"] == "papers").unwrap();
    assert_eq!(ko(papers, "name_localizations"), "논문");
    let today = papers["options"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "today")
        .unwrap();
    assert_eq!(ko(today, "name_localizations"), "오늘");
    // The default stays English, from the same catalogs.
    assert_eq!(
        today["description"],
        "Today's papers, filtered by this channel's keywords when it is subscribed."
    );
    let alerts = commands.iter().find(|c| c["name"] == "alerts").unwrap();
    assert_eq!(ko(alerts, "name_localizations"), "알림");
    bot.stop().await;
}

/// A Korean server's channel gets its daily post in Korean (its language defaults to the
/// server's when it is subscribed, whoever subscribes it), and each person's DM is in the
/// language of the client they set their alerts up from.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_korean_channel_and_a_korean_reader_get_korean_posts() {
    let mut bot = Bot::start().await;
    bot.fake.set_guild_locale(GUILD, "ko");
    let fire = now() + chrono::Duration::minutes(2);
    let day = fire.date_naive();
    let time = format!("{:02}:{:02}", fire.hour(), fire.minute());
    // An English-speaking admin subscribes the Korean server's channel.
    let reply = papers(
        &mut bot,
        MANAGER,
        &["subscribe"],
        json!([
            opt("time", 3, json!(time.clone())),
            opt("timezone", 3, json!("UTC"))
        ]),
    )
    .await;
    assert!(reply.contains("Subscribed!"), "{reply}");
    for (user, locale) in [(KIM, "ko"), (SMITH, "en-GB")] {
        bot.locale = locale.into();
        bot.fake.add_user(user, &format!("reader{user}"));
        bot.alerts(
            user,
            Place::BotDm,
            &["add"],
            json!([opt("terms", 3, json!("diffusion"))]),
        )
        .await;
        bot.alerts(
            user,
            Place::BotDm,
            &["time"],
            json!([
                opt("time", 3, json!(time.clone())),
                opt("timezone", 3, json!("UTC"))
            ]),
        )
        .await;
    }

    bot.clock.set(fire + chrono::Duration::seconds(1));
    // The day at a glance: the index in the channel, the cards in its thread.
    let cards_of = |bot: &Bot| {
        bot.fake
            .threads(CHANNEL)
            .first()
            .map(|t| {
                bot.fake
                    .messages(t["id"].as_str().unwrap().parse().unwrap())
            })
            .unwrap_or_default()
    };
    for _ in 0..200 {
        if cards_of(&bot).len() >= 2
            && !bot.fake.dms(KIM).is_empty()
            && !bot.fake.dms(SMITH).is_empty()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let index = bot.fake.messages(CHANNEL);
    assert_eq!(index.len(), 1, "{index:#?}");
    let header = index[0]["content"].as_str().unwrap();
    assert!(
        header
            .starts_with("📰 **데일리 페이퍼 — 2024년 4월 2일** · 논문 12편 · 추천 수 상위 10편\n"),
        "{header}"
    );
    assert!(
        header.ends_with("외 2편 · 카드 12장은 모두 스레드에 있습니다 ↓"),
        "{header}"
    );
    // The thread is named in the channel's language too.
    assert_eq!(
        bot.fake.threads(CHANNEL)[0]["name"],
        "데일리 페이퍼 — 2024년 4월 2일"
    );
    let cards = cards_of(&bot);
    assert_eq!(cards.len(), 2, "{cards:#?}");
    let embed = &cards[0]["embeds"][0];
    // The card's words: its bullets' labels, "외" after its first authors.
    assert!(
        embed["description"]
            .as_str()
            .unwrap()
            .contains("• **새로운 점**")
            || embed["footer"]["text"].as_str().unwrap().ends_with(" 외"),
        "{embed:#}"
    );
    assert!(
        embed["fields"].as_array().is_none_or(Vec::is_empty),
        "{embed:#}"
    );
    let posted: Vec<serde_json::Value> = index.into_iter().chain(cards).collect();
    for m in &posted {
        assert_no_english(&texts(m));
    }

    let kim = bot.fake.dms(KIM);
    assert_eq!(kim.len(), 1, "{kim:#?}");
    let header = kim[0]["content"].as_str().unwrap();
    assert!(
        header.starts_with("📬 **내 데일리 페이퍼 알림 — 2024년 4월 2일** ·"),
        "{header}"
    );
    assert_no_english(&texts(&kim[0]));
    let smith = bot.fake.dms(SMITH);
    let header = smith[0]["content"].as_str().unwrap();
    assert!(
        header.starts_with(&format!("📬 **Your Daily Papers alerts — {day}** ·")),
        "{header}"
    );
    // Each paper listed with the term that matched it.
    assert!(header.contains("· 🔎 diffusion"), "{header}");
    bot.stop().await;
}
