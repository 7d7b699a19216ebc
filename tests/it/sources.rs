//! The sources a fresh install reads, with the shipped `bot.toml` (only the hosts moved to
//! loopback fakes): Hugging Face's list for every new day, never waiting for the Korean digest,
//! which stopped on 2025-05-09; and the Korean digest still for the days it has, its bullets the
//! free Korean summaries.

use std::sync::Arc;

use crate::support::engine::*;
use crate::support::hf_api::{GrowingApi, FULL_DAY};
use crate::support::korean_digest::KoreanDigest;
use crate::support::subscription::sub;
use paperboy::clock::Clock;
use paperboy::config::Config;
use paperboy::source::fetch::Fetcher;
use paperboy::source::publication::WeekdaySet;

/// The shipped `bot.toml`'s sources, their hosts on loopback.
fn shipped_sources(korean: &KoreanDigest, hf: &GrowingApi) -> paperboy::config::SourceConfig {
    let text = include_str!("../../bot.toml")
        .replace("https://raw.githubusercontent.com", &korean.base_url)
        .replace("https://huggingface.co", &hf.base_url);
    let mut source = Config::from_toml(&text, std::path::Path::new("."))
        .unwrap()
        .source;
    // Every day a publishing day, so the test does not depend on the weekday it runs on.
    source.publication.publish_days = WeekdaySet::ALL;
    source
}

#[tokio::test]
async fn a_fresh_install_posts_todays_list_from_hugging_face_and_old_days_from_the_korean_digest() {
    let korean = KoreanDigest::start().await;
    let env = Env::new("").await;
    let hf = GrowingApi::start(env.clock.clone()).await;
    let source = shipped_sources(&korean, &hf);
    let env = Env {
        config: Arc::new(Config {
            source: source.clone(),
            ..(*env.config).clone()
        }),
        ..env
    };
    env.subscribe(sub(101)).await;
    let d = env.deliverer();
    env.clock.set(at(env.day, 9, 0));
    let pass = tick(&d).await;
    assert!(pass.messages_sent > 0, "{pass}");
    // Yesterday's list, whole, from Hugging Face; the Korean repository never asked.
    let embeds = embeds(&env.fake.messages(101));
    assert_eq!(embeds, FULL_DAY);
    assert!(korean.asked().is_empty(), "{:?}", korean.asked());
    let archived = env
        .store
        .archived(env.day - chrono::Duration::days(1))
        .await
        .unwrap()
        .unwrap();
    assert!(
        archived.source.contains(&hf.base_url),
        "{}",
        archived.source
    );

    // A day the Korean digest has: its Korean bullets, as `/papers date 2024-04-02` shows.
    let fetcher = Fetcher::new(
        env.store.clone(),
        &source,
        paperboy::net::http_client(&env.config.network).unwrap(),
    );
    let day = fetcher
        .for_member("2024-04-02".parse().unwrap(), env.clock.now(), 1)
        .await
        .unwrap();
    assert_eq!(day.digest.papers.len(), 12);
    assert!(day.source.contains(&korean.base_url), "{}", day.source);
    let hangul = |s: &str| s.chars().any(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c));
    assert!(day.digest.papers[0].bullets.iter().any(|b| hangul(b)));
    assert_eq!(korean.asked(), ["2024-04-02"]);
    // A past day after it stopped: Hugging Face's list, the Korean repository not asked.
    let later = fetcher
        .for_member("2025-06-02".parse().unwrap(), env.clock.now(), 2)
        .await
        .unwrap();
    assert!(later.source.contains(&hf.base_url), "{}", later.source);
    assert_eq!(korean.asked(), ["2024-04-02"]);

    // What the operator reads.
    let status = paperboy::ops::report::status_of(&env.store, &env.config, env.clock.now())
        .await
        .unwrap();
    assert!(
        status.contains(&format!("primary   Hugging Face API at {}", hf.base_url)),
        "{status}"
    );
    assert!(
        status.contains("fallback  none (the primary is Hugging Face's list)"),
        "{status}"
    );
    assert!(
        status.contains("asked first for the days up to 2025-05-09"),
        "{status}"
    );
}
