//! A markdown day gains Hugging Face's fields from the list of the same day the bot already
//! archived: the fallback's copy first, then the primary's markdown for the same date, posted
//! with the markdown's own text and the list's links. A day the bot has no list for stays as
//! the markdown says.

use crate::support::engine::*;
use crate::support::hf_api::GrowingApi;
use crate::support::subscription::sub;
use chrono::NaiveTime;
use paperboy::source::digest::Paper;
use paperboy::source::markdown::parse_markdown;
use serde_json::Value;

/// The markdown digest of 2024-10-25: 31 papers, 29 of them in Hugging Face's list of that day.
fn markdown() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/digests/2024-10-25.md"
    ))
    .expect("fixture digest")
}

fn markdown_papers() -> Vec<Paper> {
    parse_markdown(markdown().as_bytes(), None)
        .unwrap()
        .digest
        .papers
}

/// A post's embeds, keyed by the paper's link.
fn embed_of<'a>(embeds: &'a [Value], paper: &Paper) -> &'a Value {
    let url = paper.url.as_deref().unwrap();
    embeds
        .iter()
        .find(|e| e["url"] == url)
        .unwrap_or_else(|| panic!("no embed for {url}"))
}

fn all_embeds(messages: &[Value]) -> Vec<Value> {
    messages
        .iter()
        .flat_map(|m| m["embeds"].as_array().cloned().unwrap_or_default())
        .collect()
}

#[tokio::test]
async fn a_markdown_day_replacing_the_fallbacks_list_keeps_its_links() {
    let env = Env::new("").await;
    let yesterday = env.day - chrono::Duration::days(1);
    // The real list of 2024-10-25, code on every third paper (`repo{i}`, ★ 10·i).
    let api = GrowingApi::start_big(env.clock.clone(), crate::support::hf_api::FULL_DAY).await;
    let env = env.with_hf_fallback(&api);
    // The primary published a week ago, then nothing: the fallback stands in at 01:30.
    env.publish(env.day - chrono::Duration::days(7));
    env.subscribe(sub(100).at(1, 30)).await;
    env.clock.set(at(env.day, 1, 30));
    let pass = tick(&env.deliverer()).await;
    assert_eq!(pass.completed, 1, "{pass}");
    assert_eq!(embeds(&env.fake.messages(100)), 29);
    let list = env.store.archived(yesterday).await.unwrap().unwrap();
    assert_eq!(list.source, format!("Hugging Face API at {}", api.base_url));
    let requests = api.requests();

    // The primary's markdown for the same date arrives; the 09:00 post asks the primary again.
    std::fs::write(env.digests.join(format!("{yesterday}.md")), markdown()).unwrap();
    env.subscribe(sub(101).delivery_time(NaiveTime::from_hms_opt(9, 0, 0).unwrap()))
        .await;
    env.clock.set(at(env.day, 9, 0));
    let pass = tick(&env.deliverer()).await;
    assert_eq!(pass.completed, 1, "{pass}");
    assert_eq!(
        api.requests(),
        requests,
        "no request to Hugging Face for the links"
    );

    let archived = env.store.archived(yesterday).await.unwrap().unwrap();
    assert!(
        archived.source.starts_with("folder "),
        "{}",
        archived.source
    );
    let md = markdown_papers();
    // The markdown's papers, in its order, with its own text and votes.
    assert_eq!(archived.digest.papers.len(), md.len());
    for (got, want) in archived.digest.papers.iter().zip(&md) {
        assert_eq!(
            (&got.title, &got.url, got.votes, &got.authors, &got.bullets),
            (
                &want.title,
                &want.url,
                want.votes,
                &want.authors,
                &want.bullets
            )
        );
    }
    // The list's fields where the list has the paper (matched by arXiv id), none elsewhere.
    let hf = crate::support::hf_api::big_day(crate::support::hf_api::FULL_DAY);
    let index_in_list = |p: &Paper| {
        hf.iter()
            .position(|item| Some(item["paper"]["id"].as_str().unwrap()) == p.arxiv_id.as_deref())
    };
    let mut coded = 0;
    for p in &archived.digest.papers {
        match index_in_list(p) {
            Some(i) if i % 3 == 0 => {
                coded += 1;
                let repo = format!("https://github.com/example/repo{i}");
                assert_eq!(p.github_repo.as_deref(), Some(repo.as_str()), "{}", p.title);
                assert_eq!(p.github_stars, Some(i as u32 * 10));
                assert_eq!(p.ai_keywords, [format!("topic{}", i % 7)]);
            }
            Some(i) => {
                assert_eq!(p.github_repo, None);
                assert_eq!(p.ai_keywords, [format!("topic{}", i % 7)]);
            }
            None => {
                assert_eq!(p.github_repo, None, "{}", p.title);
                assert!(p.ai_keywords.is_empty() && p.num_comments.is_none());
            }
        }
    }
    assert_eq!(coded, 10, "every third of the list's 29 papers has code");
    assert!(
        archived
            .digest
            .papers
            .iter()
            .filter(|p| index_in_list(p).is_none())
            .count()
            >= 1,
        "the markdown lists papers the list lacks"
    );

    // The post: the markdown's header count, its bullets and the list's links.
    let msgs = env.fake.messages(101);
    assert_eq!(embeds(&msgs), md.len());
    let header = msgs[0]["content"].as_str().unwrap();
    assert!(
        header.contains(&format!("· {} papers", md.len())),
        "{header}"
    );
    let posted = all_embeds(&msgs);
    let with_code = md
        .iter()
        .find(|p| index_in_list(p) == Some(3))
        .expect("the list's 4th paper is in the markdown");
    let d = embed_of(&posted, with_code)["description"]
        .as_str()
        .unwrap();
    assert!(d.lines().next().unwrap().contains("★ 30 · [PDF]"), "{d}");
    assert!(
        d.contains("[Code](https://github.com/example/repo3)"),
        "{d}"
    );
    // The channel reads English and the markdown's bullets are Korean: its card shows Hugging
    // Face's own summary of the paper, kept from the list the markdown replaced.
    let kept = archived
        .digest
        .papers
        .iter()
        .find(|p| p.arxiv_id == with_code.arxiv_id)
        .unwrap();
    assert!(!kept.hf_summary.is_empty(), "{kept:#?}");
    let theirs: String = kept.hf_summary[0].chars().take(30).collect();
    assert!(d.contains(&theirs), "{d}");
    let ours = paperboy::render::digest_bullet(
        &with_code.bullets[0],
        &paperboy::language::Language::english(),
    );
    let ours: String = ours.text.chars().take(20).collect();
    assert!(!d.contains(&ours), "{d}");
}

#[tokio::test]
async fn a_markdown_day_without_a_list_stays_as_before() {
    let env = Env::new("").await;
    let yesterday = env.day - chrono::Duration::days(1);
    std::fs::write(env.digests.join(format!("{yesterday}.md")), markdown()).unwrap();
    env.subscribe(sub(100).delivery_time(NaiveTime::from_hms_opt(9, 0, 0).unwrap()))
        .await;
    env.clock.set(at(env.day, 9, 0));
    let pass = tick(&env.deliverer()).await;
    assert_eq!(pass.completed, 1, "{pass}");
    let archived = env.store.archived(yesterday).await.unwrap().unwrap();
    assert_eq!(archived.digest.papers, markdown_papers());
    let posted = all_embeds(&env.fake.messages(100));
    assert_eq!(posted.len(), archived.digest.papers.len());
    for e in &posted {
        let d = e["description"].as_str().unwrap_or("");
        assert!(!d.contains("[Code]") && !d.contains("🏢"), "{d}");
    }
}
