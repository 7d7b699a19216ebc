//! The Hugging Face source reads a whole day however big: paging against a fake API that pages
//! as the real one does (`limit`, default 50; `p`), end to end through the delivery engine.

use crate::support::engine::*;
use crate::support::hf_api::GrowingApi;
use crate::support::subscription::sub;
use paperboy::clock::ManualClock;
use paperboy::source::loader::{DigestSource, SourceLoader};

/// A 120-paper day, asked after it is over.
async fn big_api(day: chrono::NaiveDate) -> GrowingApi {
    let clock = ManualClock::new(at(day + chrono::Duration::days(1), 3, 0));
    GrowingApi::start_big(clock, 120).await
}

#[tokio::test]
async fn an_unpaged_client_loses_papers_and_the_source_does_not() {
    let day: chrono::NaiveDate = "2024-10-25".parse().unwrap();
    let api = big_api(day).await;
    // What the source did before paging: 50 of 120.
    let unpaged: Vec<serde_json::Value> =
        reqwest::get(format!("{}/api/daily_papers?date={day}", api.base_url))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert_eq!(unpaged.len(), crate::support::hf_api::DEFAULT_LIMIT);

    let loader = SourceLoader::new(DigestSource::HfApi {
        base_url: api.base_url.clone(),
    });
    let parsed = loader.load(day).await.unwrap();
    let ids: Vec<String> = parsed
        .digest
        .papers
        .iter()
        .map(|p| p.arxiv_id.clone().unwrap())
        .collect();
    let expected: Vec<String> = crate::support::hf_api::big_day(120)
        .iter()
        .map(|item| item["paper"]["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, expected, "all 120, in the list's order");
    // Two pages of 100: the second is short, so the third is never asked for.
    assert_eq!(api.requests(), 1 + 2);
}

#[tokio::test]
async fn a_120_paper_day_from_the_fallback_posts_120_papers() {
    let env = Env::new("").await;
    let yesterday = env.day - chrono::Duration::days(1);
    let api = GrowingApi::start_big(env.clock.clone(), 120).await;
    let env = env.with_hf_fallback(&api);
    // The primary published a week ago, then nothing: it is quiet, the fallback stands in.
    env.publish(env.day - chrono::Duration::days(7));
    env.subscribe(sub(100).at(1, 30)).await;
    env.clock.set(at(env.day, 1, 30));
    let pass = tick(&env.deliverer()).await;
    assert_eq!(pass.completed, 1, "{pass}");
    let msgs = env.fake.messages(100);
    assert_eq!(embeds(&msgs), 120);
    let header = msgs[0]["content"].as_str().unwrap();
    assert!(
        header.contains(&yesterday.to_string()) && header.contains("· 120 papers"),
        "{header}"
    );
    let archived = env.store.archived(yesterday).await.unwrap().unwrap();
    assert_eq!(archived.digest.papers.len(), 120);
    assert!(archived.final_);
    // Every paper's card carries its links: arXiv by its title, then PDF and Hugging Face.
    for m in &msgs {
        for e in m["embeds"].as_array().unwrap() {
            assert!(
                e["url"]
                    .as_str()
                    .unwrap()
                    .starts_with("https://arxiv.org/abs/"),
                "{e:#}"
            );
            let d = e["description"].as_str().unwrap_or("");
            assert!(
                d.lines()
                    .next()
                    .unwrap()
                    .contains("[PDF](https://arxiv.org/pdf/"),
                "{d}"
            );
        }
    }
}

#[tokio::test]
async fn has_code_org_and_ai_keyword_filters_select_the_right_papers() {
    let env = Env::new("").await;
    let api = GrowingApi::start_big(env.clock.clone(), 120).await;
    let env = env.with_hf_fallback(&api);
    env.publish(env.day - chrono::Duration::days(7));
    // What each channel typed into `/papers keywords add`.
    let channels = [
        (201, "has:code"),
        (202, "org:\"Example Lab\""),
        (203, "org:example-lab -has:code"),
        (204, "topic3"),
    ];
    for (channel, typed) in channels {
        env.subscribe(sub(channel).at(1, 30)).await;
        let keywords = paperboy::bot::commands::keywords::parse_keywords(typed);
        env.store.add_keywords(channel, &keywords).await.unwrap();
    }
    env.clock.set(at(env.day, 1, 30));
    let pass = tick(&env.deliverer()).await;
    assert_eq!(pass.completed as usize, channels.len(), "{pass}");

    // The fake's day: code on every third paper, Example Lab on every fifth, `topic{i % 7}`.
    let titles_of = |channel: u64| -> Vec<String> {
        env.fake
            .messages(channel)
            .iter()
            .flat_map(|m| m["embeds"].as_array().cloned().unwrap_or_default())
            .map(|e| e["title"].as_str().unwrap().to_owned())
            .collect()
    };
    let day = crate::support::hf_api::big_day(120);
    let expect = |keep: &dyn Fn(usize) -> bool| -> Vec<String> {
        (0..120)
            .filter(|&i| keep(i))
            .map(|i| {
                day[i]["paper"]["title"]
                    .as_str()
                    .unwrap()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    };
    // Which papers (the posts rank them by votes, so the order is not the list's).
    let cut = |t: Vec<String>| -> Vec<String> {
        let mut t: Vec<String> = t
            .into_iter()
            .map(|s| s.chars().take(200).collect())
            .collect();
        t.sort();
        t
    };
    assert_eq!(cut(titles_of(201)), cut(expect(&|i| i % 3 == 0)));
    assert_eq!(cut(titles_of(202)), cut(expect(&|i| i % 5 == 0)));
    assert_eq!(
        cut(titles_of(203)),
        cut(expect(&|i| i % 5 == 0 && i % 3 != 0))
    );
    assert_eq!(cut(titles_of(204)), cut(expect(&|i| i % 7 == 3)));
    // Each paper says what selected it, and the organisation and code are in its links.
    let first = &env.fake.messages(203)[0]["embeds"][0];
    let footer = first["footer"]["text"].as_str().unwrap();
    assert!(footer.starts_with("🔎 org:example-lab · "), "{footer}");
    // The organisation is the card's author line.
    assert_eq!(first["author"]["name"], "Example Lab", "{first:#}");
    let coded = &env.fake.messages(201)[0]["embeds"][0];
    assert!(coded["description"]
        .as_str()
        .unwrap()
        .contains("[Code](https://github.com/example/repo0)"));
}
