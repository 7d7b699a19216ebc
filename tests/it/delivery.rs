//! The daily delivery engine end to end: real SQLite, the folder digest source, the unmodified
//! serenity `Http` against the fake Discord on loopback, and a manual clock driving
//! `Deliverer::tick`. Waits inside the engine are shrunk with `Tuning`, so no test sleeps long.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use crate::support::engine::*;
use crate::support::fake_discord::Failure;
use crate::support::machine;
use crate::support::subscription::sub;
use paperboy::clock::Clock;
use paperboy::deliver::plan::{DayContent, RenderCache};
use paperboy::deliver::{Deliverer, Tuning};
use paperboy::select::filter::Filter;
use paperboy::source::fetch::Fetcher;
use paperboy::source::loader::DigestSource;
use paperboy::store::{DeliveryStatus, Keyword, Publish};
use tokio_util::sync::CancellationToken;

#[tokio::test]
async fn due_subscription_is_posted_once_at_its_time_in_its_zone() {
    let env = Env::new("").await;
    env.publish(env.day);
    // 09:00 in Seoul is 00:00 UTC; the other channel follows the bot's 09:00 UTC.
    env.subscribe(sub(100).at(9, 0).timezone(chrono_tz::Asia::Seoul))
        .await;
    env.subscribe(sub(101)).await;
    let d = env.deliverer();

    env.clock
        .set(at(env.day - chrono::Duration::days(1), 23, 59));
    // Days before `day` that fell due since subscribing have no digest and their deadline
    // passed: they are settled silently. Nothing is sent.
    let before = tick(&d).await;
    assert_eq!(before.messages_sent, 0, "{before}");
    assert_eq!(env.fake.request_count(), 0);

    env.clock.set(at(env.day, 0, 1));
    let pass = tick(&d).await;
    assert_eq!(pass.completed, 1, "{pass}");
    let msgs = env.fake.messages(100);
    assert_eq!(msgs.len(), 2);
    assert_eq!(embeds(&msgs), 12);
    // In order: the header is on the first message, and the first paper comes first.
    let header = msgs[0]["content"].as_str().unwrap();
    assert!(header.contains(&env.day.to_string()), "{header}");
    assert!(msgs[0]["embeds"][0]["title"]
        .as_str()
        .unwrap()
        .starts_with("Aurora-M"));
    assert!(msgs[1]["content"].is_null());
    assert_eq!(msgs[0]["allowed_mentions"]["parse"], serde_json::json!([]));
    // Not yet 09:00 UTC: the other channel waits.
    assert!(env.fake.messages(101).is_empty());

    let requests = env.fake.request_count();
    let again = tick(&d).await;
    assert_eq!(again.deliveries, 0, "{again}");
    assert_eq!(env.fake.request_count(), requests);

    // The ledger holds both message ids, in order.
    let ledger = env.store.delivery(100, env.day).await.unwrap().unwrap();
    assert_eq!(ledger.status, DeliveryStatus::Done);
    let ids: Vec<String> = ledger
        .messages
        .iter()
        .map(|m| m.message_id.unwrap().to_string())
        .collect();
    let posted: Vec<String> = msgs
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, posted);

    env.clock.set(at(env.day, 9, 0));
    tick(&d).await;
    assert_eq!(env.fake.messages(101).len(), 2);
    assert_eq!(env.fake.messages(100).len(), 2);
}

#[tokio::test]
async fn a_due_digest_that_is_late_is_posted_when_it_appears() {
    let env = Env::new("retry_initial_minutes = 5").await;
    env.subscribe(sub(100)).await;
    let d = env.deliverer();
    let yesterday = env.day - chrono::Duration::days(1);

    // Yesterday's digest was due at 00:00 UTC; at the 09:00 post it is not out.
    env.clock.set(at(env.day, 9, 1));
    let waiting = tick(&d).await;
    assert_eq!(waiting.waiting, 1, "{waiting}");
    assert_eq!(env.fake.request_count(), 0);
    assert!(env.store.delivery(100, yesterday).await.unwrap().is_none());

    env.publish(yesterday);
    // Within the backoff the source is not asked again.
    env.clock.set(at(env.day, 9, 3));
    assert_eq!(tick(&d).await.waiting, 1);
    assert!(env.fake.messages(100).is_empty());

    env.clock.set(at(env.day, 9, 7));
    let pass = tick(&d).await;
    assert_eq!(pass.completed, 1, "{pass}");
    let msgs = env.fake.messages(100);
    assert_eq!(msgs.len(), 2);
    assert!(msgs[0]["content"]
        .as_str()
        .unwrap()
        .contains(&yesterday.to_string()));
    tick(&d).await;
    assert_eq!(env.fake.messages(100).len(), 2);
}

#[tokio::test]
async fn a_digest_that_appears_after_the_wait_goes_with_the_next_post() {
    let env = Env::new("publish_deadline_minutes = 120").await;
    env.subscribe(sub(100)).await;
    let d = env.deliverer().with_tuning(Tuning {
        max_sleep: Duration::from_secs(86_400),
        ..fast()
    });
    let yesterday = env.day - chrono::Duration::days(1);
    // Yesterday's digest was due at 00:00 and waited for until 02:00: at the 09:00 post that
    // wait is over, so nothing holds the post and nothing is re-checked after it.
    env.clock.set(at(env.day, 9, 0));
    let pass = tick(&d).await;
    assert_eq!((pass.waiting, pass.deliveries), (0, 0), "{pass}");
    env.clock.set(at(env.day, 9, 30));
    assert_eq!(tick(&d).await.waiting, 0);
    let next = env.day + chrono::Duration::days(1);
    assert_eq!(d.next_wake(at(env.day, 9, 30)).await, at(next, 9, 0));
    env.publish(yesterday);
    env.publish(env.day);
    env.clock.set(at(env.day, 15, 0));
    let requests = env.fake.request_count();
    assert_eq!(tick(&d).await.deliveries, 0);
    assert_eq!(env.fake.request_count(), requests);
    // The next post carries both, oldest first.
    env.clock.set(at(next, 9, 0));
    let pass = tick(&d).await;
    assert_eq!(pass.completed, 1, "{pass}");
    let msgs = env.fake.messages(100);
    assert_eq!(msgs.len(), 2, "a new channel gets the newest digest only");
    assert!(msgs[0]["content"]
        .as_str()
        .unwrap()
        .contains(&env.day.to_string()));
}

#[tokio::test]
async fn fallback_source_is_used_only_after_waiting_fallback_after_for_the_primary() {
    // The primary folder stays empty; only the fallback has yesterday. It was due at 00:00 UTC;
    // fallback_after (60 minutes by default) says the primary is waited for until 01:00.
    let env = Env::with(
        "retry_initial_minutes = 30\nretry_max_minutes = 60",
        |c, dir| {
            let fallback = dir.join("fallback");
            std::fs::create_dir(&fallback).unwrap();
            c.source.fallback = Some(DigestSource::Folder(fallback));
        },
    )
    .await;
    assert_eq!(
        env.config.source.publication.fallback_after,
        chrono::Duration::minutes(60)
    );
    let yesterday = env.day - chrono::Duration::days(1);
    let fallback = env._dir.path().join("fallback");
    std::fs::write(fallback.join(format!("{yesterday}.md")), fixture()).unwrap();
    // The primary published the days before: it is late, not gone quiet.
    for k in 2..5 {
        env.publish(env.day - chrono::Duration::days(k));
    }
    env.subscribe(sub(100).at(0, 20)).await;
    let d = env.deliverer().with_tuning(Tuning {
        max_sleep: Duration::from_secs(86_400),
        ..fast()
    });

    env.clock.set(at(env.day, 0, 20));
    let due = tick(&d).await;
    assert_eq!(due.waiting, 1, "{due}");
    assert_eq!(env.fake.request_count(), 0);
    // The backoff (30 minutes) would look next at 00:50; at 00:50 still inside fallback_after,
    // and the check after that is brought forward to 01:00, when the fallback is allowed.
    env.clock.set(at(env.day, 0, 50));
    let waiting = tick(&d).await;
    assert_eq!(waiting.waiting, 1, "{waiting}");
    assert_eq!(env.fake.request_count(), 0);
    assert_eq!(d.next_wake(at(env.day, 0, 50)).await, at(env.day, 1, 0));

    env.clock.set(at(env.day, 1, 0));
    let pass = tick(&d).await;
    assert_eq!(pass.completed, 1, "{pass}");
    let msgs = env.fake.messages(100);
    assert_eq!(msgs.len(), 2);
    assert_eq!(embeds(&msgs), 12);
    let archived = env.store.archived(yesterday).await.unwrap().unwrap();
    assert_eq!(archived.source, DigestSource::Folder(fallback).describe());
    assert!(archived.final_);

    env.clock.set(at(env.day, 1, 30));
    assert_eq!(tick(&d).await.deliveries, 0);
    assert_eq!(env.fake.messages(100).len(), 2);
}

#[tokio::test]
async fn a_pinned_day_that_never_comes_is_reported_only_to_opted_in_channels() {
    // `digest_offset_days = 0`: each post carries exactly its own day.
    let env =
        Env::new("publish_deadline_minutes = 120\ndigest_offset_days = 0\ncatch_up_days = 0").await;
    env.subscribe(sub(100).notify_empty(true)).await;
    env.subscribe(sub(101)).await;
    let d = env.deliverer();

    env.clock.set(at(env.day, 9, 1));
    assert_eq!(tick(&d).await.waiting, 2);
    env.clock.set(at(env.day, 11, 1));
    let pass = tick(&d).await;
    assert_eq!(pass.completed, 2, "{pass}");
    let notice = env.fake.messages(100);
    assert_eq!(notice.len(), 1);
    assert!(notice[0]["content"]
        .as_str()
        .unwrap()
        .contains("no digest was published"));
    assert!(env.fake.messages(101).is_empty());
    // Both days are settled in the ledger: nothing more happens, even if the digest shows up.
    env.publish(env.day);
    env.clock.set(at(env.day, 12, 0));
    assert_eq!(tick(&d).await.deliveries, 0);
    assert_eq!(
        env.store
            .delivery(101, env.day)
            .await
            .unwrap()
            .unwrap()
            .status,
        DeliveryStatus::Done
    );
}

#[tokio::test]
async fn an_unreadable_digest_is_retried_and_posted_once_fixed_never_settled_as_empty() {
    let env = Env::new("publish_deadline_minutes = 120\nretry_initial_minutes = 30").await;
    env.subscribe(sub(100).at(0, 30)).await;
    let yesterday = env.day - chrono::Duration::days(1);
    let before = env.day - chrono::Duration::days(2);
    // A malformed digest: not "not published yet", an error retried while it is waited for.
    std::fs::write(env.digests.join(format!("{yesterday}.json")), "{ not json").unwrap();
    let d = env.deliverer().with_tuning(Tuning {
        max_sleep: Duration::from_secs(86_400),
        ..fast()
    });
    // The channel had the day before's.
    env.publish(before);
    env.clock.set(at(yesterday, 0, 30));
    assert_eq!(tick(&d).await.completed, 1);

    env.clock.set(at(env.day, 0, 30));
    let waiting = tick(&d).await;
    assert_eq!(waiting.waiting, 1, "{waiting}");
    assert!(env.store.delivery(100, yesterday).await.unwrap().is_none());
    // The next look is at the end of the wait at the latest.
    assert!(d.next_wake(at(env.day, 0, 30)).await <= at(env.day, 2, 0));
    let checks = env
        .store
        .checks(
            &DigestSource::Folder(env.digests.clone()).describe(),
            yesterday,
        )
        .await
        .unwrap();
    assert!(matches!(
        checks[&yesterday].outcome,
        paperboy::store::CheckOutcome::Error(_)
    ));

    // The wait ends without a readable digest: nothing is recorded, nothing posted.
    env.clock.set(at(env.day, 2, 0));
    let pass = tick(&d).await;
    assert_eq!((pass.deliveries, pass.failed), (0, 0), "{pass}");
    assert!(env.store.delivery(100, yesterday).await.unwrap().is_none());
    // Fixed before the next post: that post carries it (today's, due and late, is waited for
    // after it).
    std::fs::remove_file(env.digests.join(format!("{yesterday}.json"))).unwrap();
    env.publish(yesterday);
    env.clock
        .set(at(env.day + chrono::Duration::days(1), 0, 30));
    let pass = tick(&d).await;
    assert_eq!((pass.completed, pass.waiting), (1, 1), "{pass}");
    assert!(env.fake.messages(100)[2]["content"]
        .as_str()
        .unwrap()
        .contains(&yesterday.to_string()));
}

#[tokio::test]
async fn missed_posts_are_caught_up_once_oldest_first_after_downtime() {
    let env = Env::new("catch_up_days = 2").await;
    let before = env.day - chrono::Duration::days(2);
    let yesterday = env.day - chrono::Duration::days(1);
    env.publish(before);
    env.subscribe(sub(100)).await;
    let d = env.deliverer();
    env.clock.set(at(before, 9, 0));
    assert_eq!(tick(&d).await.completed, 1);

    // Down for a day and a bit: yesterday's and today's 09:00 both passed, with a digest each.
    env.publish(yesterday);
    env.publish(env.day);
    env.clock.set(at(env.day, 22, 0));
    let restarted = env.deliverer();
    let pass = tick(&restarted).await;
    assert_eq!(pass.completed, 2, "{pass}");
    let msgs = env.fake.messages(100);
    assert_eq!(msgs.len(), 6);
    assert!(msgs[2]["content"]
        .as_str()
        .unwrap()
        .contains(&yesterday.to_string()));
    assert!(msgs[4]["content"]
        .as_str()
        .unwrap()
        .contains(&env.day.to_string()));
    tick(&restarted).await;
    assert_eq!(env.fake.messages(100).len(), 6);
    // Outside its post and past the first pass, a running bot waits for the next post.
    env.publish(env.day + chrono::Duration::days(1));
    env.clock.set(at(env.day, 23, 0));
    assert_eq!(tick(&restarted).await.deliveries, 0);
}

#[tokio::test]
async fn crash_between_sent_and_recorded_posts_no_duplicate_even_past_the_nonce_window() {
    let env = Env::new("").await;
    env.publish(env.day);
    env.subscribe(sub(100)).await;
    // Back after Discord forgot the nonce: only the channel's history can tell.
    env.fake.set_nonce_window(None);

    // What the engine does before sending: plan with deterministic nonces, into the ledger.
    let digest = env.archived(env.day).await;
    let mut cache = RenderCache::default();
    let bodies = cache.bodies(
        env.day,
        DayContent::Digest(&digest.digest, Some(digest.fetched_at)),
        &Filter::default(),
        false,
        &paperboy::language::Language::english(),
    );
    let plan = cache.plan_for(100, env.day, &bodies);
    env.store.plan_delivery(100, env.day, &plan).await.unwrap();
    // Sending begins; message 0 reaches Discord, then the process dies before recording it.
    env.store.mark_started(100, env.day).await.unwrap();
    let sent = env
        .fake
        .http()
        .send_message(100.into(), Vec::new(), &plan[0].1)
        .await
        .unwrap();
    assert_eq!(env.fake.messages(100).len(), 1);

    env.clock.set(at(env.day, 9, 30));
    let pass = tick(&env.deliverer()).await;
    assert_eq!(pass.resumed, 1, "{pass}");
    assert_eq!(pass.completed, 1, "{pass}");
    let msgs = env.fake.messages(100);
    assert_eq!(msgs.len(), 2, "message 0 was posted again");
    assert_eq!(
        env.fake.stats().deduplicated,
        0,
        "found in the history, not by nonce"
    );
    let ledger = env.store.delivery(100, env.day).await.unwrap().unwrap();
    assert_eq!(ledger.messages[0].message_id, Some(sent.id.get()));
    assert_eq!(ledger.status, DeliveryStatus::Done);
}

#[tokio::test]
async fn lost_answers_and_timeouts_are_looked_up_not_resent() {
    let env = Env::new("").await;
    env.publish(env.day);
    env.subscribe(sub(100)).await;
    env.fake.set_nonce_window(None);
    // Message 0: stored, answer lost. Message 1: stored, answer too slow for the timeout.
    env.fake.fail_route_next(
        "POST",
        "/channels/100/messages",
        1,
        Failure::AnswerLost(502),
    );
    env.clock.set(at(env.day, 9, 0));
    let d = env.deliverer().with_tuning(Tuning {
        request_timeout: Duration::from_millis(400),
        ..fast()
    });
    env.fake.set_answer_delay(Duration::from_millis(800));
    let pass = tick(&d).await;
    env.fake.set_answer_delay(Duration::ZERO);
    assert_eq!(pass.completed, 1, "{pass}");
    // The lost answer, held back 800 ms, has been given (to nobody).
    assert!(env.fake.answers_landed(Duration::from_secs(10)).await);
    let msgs = env.fake.messages(100);
    assert_eq!(msgs.len(), 2, "{msgs:#?}");
    let ledger = env.store.delivery(100, env.day).await.unwrap().unwrap();
    let posted: Vec<Option<u64>> = msgs
        .iter()
        .map(|m| m["id"].as_str().unwrap().parse().ok())
        .collect();
    let recorded: Vec<Option<u64>> = ledger.messages.iter().map(|m| m.message_id).collect();
    assert_eq!(recorded, posted);
}

#[tokio::test]
async fn injected_429s_5xx_and_slow_answers_still_serve_every_channel_exactly_once() {
    let env = Env::new("").await;
    env.publish(env.day);
    let channels: Vec<u64> = (0..20).map(|i| 1_000 + i).collect();
    for c in &channels {
        env.subscribe(sub(*c)).await;
    }
    env.fake.set_random_failures(
        0.3,
        42,
        vec![
            Failure::RateLimited {
                retry_after: 0.05,
                global: false,
            },
            Failure::ServerError(500),
            Failure::ServerError(502),
            Failure::Slow(Duration::from_millis(400)),
        ],
    );
    env.clock.set(at(env.day, 9, 0));
    // A timeout shorter than the injected slow answers, so they time out and are resent (and
    // de-duplicated by their nonce); a slow machine only adds more such resends.
    let d = env.deliverer().with_tuning(Tuning {
        request_timeout: Duration::from_millis(250),
        ..fast()
    });
    let mut passes = Vec::new();
    for _ in 0..20 {
        let pass = tick(&d).await;
        let done = pass.deliveries == 0;
        passes.push(pass);
        if done {
            break;
        }
    }
    let failures: u64 = passes.iter().map(|p| p.rate_limited + p.retries).sum();
    assert!(failures > 0, "failures were injected: {passes:?}");
    assert_eq!(
        passes.last().unwrap().deliveries,
        0,
        "still unfinished after 20 passes: {passes:?}"
    );
    for c in &channels {
        let msgs = env.fake.messages(*c);
        assert_eq!(msgs.len(), 2, "channel {c}");
        assert_eq!(embeds(&msgs), 12, "channel {c}");
        let ledger = env.store.delivery(*c, env.day).await.unwrap().unwrap();
        assert_eq!(ledger.status, DeliveryStatus::Done);
        assert!(ledger.messages.iter().all(|m| m.message_id.is_some()));
    }
    // Once the slow answers still in flight have landed, check again: no late duplicates.
    assert!(env.fake.answers_landed(Duration::from_secs(10)).await);
    for c in &channels {
        assert_eq!(env.fake.messages(*c).len(), 2, "channel {c}");
    }
}

#[tokio::test]
async fn deleted_channel_is_paused_after_one_failure_and_never_retried() {
    let env = Env::new("").await;
    env.fake.add_guild(GUILD, Some(700));
    env.publish(env.day);
    env.subscribe(sub(101)).await;
    env.subscribe(sub(102)).await;
    env.fake.delete_channel(101);
    let d = env.deliverer();

    env.clock.set(at(env.day, 9, 0));
    let pass = tick(&d).await;
    assert_eq!(pass.paused, 1, "{pass}");
    assert_eq!(env.fake.messages(102).len(), 2);
    let sub = env.store.subscription(101).await.unwrap().unwrap();
    assert!(!sub.enabled);
    let reason = sub.paused_reason.unwrap();
    assert!(reason.contains("no longer exists"), "{reason}");
    assert_eq!(
        env.store
            .delivery(101, env.day)
            .await
            .unwrap()
            .unwrap()
            .status,
        DeliveryStatus::Failed
    );
    let notice = env.fake.messages(700);
    assert_eq!(notice.len(), 1);
    assert!(notice[0]["content"].as_str().unwrap().contains("<#101>"));

    // Days go by: the paused channel is never tried again, the guild is told only once.
    env.publish(env.day + chrono::Duration::days(1));
    for h in [10, 12] {
        env.clock.set(at(env.day, h, 0));
        tick(&d).await;
    }
    env.clock
        .set(at(env.day + chrono::Duration::days(1), 9, 30));
    tick(&env.deliverer()).await;
    assert_eq!(env.requests_to(101), 1);
    assert_eq!(env.fake.messages(102).len(), 4);
    assert_eq!(env.fake.messages(700).len(), 1);
}

#[tokio::test]
async fn forbidden_channel_is_paused_with_the_permission_reason() {
    let env = Env::new("").await;
    env.publish(env.day);
    env.subscribe(sub(103)).await;
    env.fake.forbid_channel(103);
    env.clock.set(at(env.day, 9, 0));
    let d = env.deliverer();
    assert_eq!(tick(&d).await.paused, 1);
    let sub = env.store.subscription(103).await.unwrap().unwrap();
    assert!(sub.paused_reason.unwrap().contains("Missing Permissions"));
    tick(&d).await;
    assert_eq!(env.requests_to(103), 1);
    let failed = env.store.delivery(103, env.day).await.unwrap().unwrap();
    let error = failed.last_error.unwrap();
    assert!(error.starts_with("channel unavailable: "), "{error}");

    // What `/papers resume` does once the permission is fixed: the failed day is retried.
    env.fake.allow_channel(103);
    env.store.set_paused(103, None).await.unwrap();
    assert_eq!(
        env.store
            .reopen_failed_deliveries(103, env.day)
            .await
            .unwrap(),
        1
    );
    let pass = tick(&d).await;
    assert_eq!(pass.completed, 1, "{pass}");
    assert_eq!(env.fake.messages(103).len(), 2);
}

#[tokio::test]
async fn forum_gets_one_thread_per_day_and_announcements_are_published() {
    let env = Env::new("").await;
    env.publish(env.day);
    env.subscribe(sub(200).kind(15)).await;
    env.subscribe(sub(300).kind(5).auto_publish(true)).await;
    env.subscribe(sub(301).kind(5)).await;
    env.clock.set(at(env.day, 9, 0));
    let d = env.deliverer();
    let pass = tick(&d).await;
    assert_eq!(pass.completed, 3, "{pass}");

    let threads = env.fake.threads(200);
    assert_eq!(threads.len(), 1);
    assert_eq!(
        threads[0]["name"].as_str().unwrap(),
        format!("Daily Papers — {}", env.day)
    );
    let thread_id: u64 = threads[0]["id"].as_str().unwrap().parse().unwrap();
    let in_thread = env.fake.messages(thread_id);
    assert_eq!(in_thread.len(), 2);
    assert_eq!(embeds(&in_thread), 12);
    assert!(in_thread[0]["embeds"][0]["title"]
        .as_str()
        .unwrap()
        .starts_with("Aurora-M"));
    let ledger = env.store.delivery(200, env.day).await.unwrap().unwrap();
    assert_eq!(ledger.thread_id, Some(thread_id));

    let published: Vec<u64> = env
        .fake
        .crossposts()
        .iter()
        .filter(|(c, _)| *c == 300)
        .map(|(_, m)| *m)
        .collect();
    let posted: Vec<u64> = env
        .fake
        .messages(300)
        .iter()
        .map(|m| m["id"].as_str().unwrap().parse().unwrap())
        .collect();
    assert_eq!(published, posted);
    assert!(env.fake.crossposts().iter().all(|(c, _)| *c != 301));
}

#[tokio::test]
async fn crossposts_over_the_quota_are_given_up_at_once_and_recorded() {
    let env = Env::new("").await;
    // 68 papers: 12 messages, more than the 10 crossposts an hour Discord allows a channel.
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/digests/2025-02-19.md"
        ),
        env.digests.join(format!("{}.md", env.day)),
    )
    .unwrap();
    env.subscribe(sub(300).kind(5).auto_publish(true)).await;
    env.clock.set(at(env.day, 9, 0));
    let d = env.deliverer();
    // Were the quota sat out, this would take an hour.
    let pass = tokio::time::timeout(Duration::from_secs(60), tick(&d))
        .await
        .expect("the delivery waited for the crosspost quota");
    assert_eq!(pass.completed, 1, "{pass}");
    assert_eq!(pass.messages_sent, 12, "{pass}");
    assert_eq!(pass.rate_limited, 2, "{pass}");
    let ledger = env.store.delivery(300, env.day).await.unwrap().unwrap();
    assert_eq!(ledger.status, DeliveryStatus::Done);
    let states: Vec<_> = ledger.messages.iter().map(|m| m.publish.clone()).collect();
    assert!(
        states[..10].iter().all(|p| *p == Some(Publish::Done)),
        "{states:?}"
    );
    assert!(
        states[10..]
            .iter()
            .all(|p| matches!(p, Some(Publish::GivenUp(why)) if why.contains("quota"))),
        "{states:?}"
    );
    assert_eq!(env.fake.crossposts().len(), 10);
    // None of them retried.
    let crosspost_requests = env
        .fake
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/crosspost"))
        .count();
    assert!(crosspost_requests <= 12, "{crosspost_requests}");
}

#[tokio::test]
async fn a_publish_left_pending_by_a_crash_is_done_after_the_restart() {
    let env = Env::new("").await;
    env.publish(env.day);
    env.subscribe(sub(300).kind(5).auto_publish(true)).await;
    env.clock.set(at(env.day, 9, 0));
    // The bot planned the day, sent and recorded message 0, and died before publishing it.
    let digest = env.archived(env.day).await;
    let mut cache = RenderCache::default();
    let bodies = cache.bodies(
        env.day,
        DayContent::Digest(&digest.digest, Some(digest.fetched_at)),
        &Filter::default(),
        false,
        &paperboy::language::Language::english(),
    );
    let plan = cache.plan_for(300, env.day, &bodies);
    env.store
        .plan_deliveries(
            env.day,
            None,
            &[(300, plan.clone())],
            &HashSet::from([300]),
            &HashSet::new(),
        )
        .await
        .unwrap();
    env.store.mark_started(300, env.day).await.unwrap();
    let (http, _) = env.fake.bot_http();
    let sent = http
        .send_message(300.into(), Vec::new(), &plan[0].1)
        .await
        .unwrap();
    env.store
        .record_sent(300, env.day, 0, sent.id.get())
        .await
        .unwrap();

    let pass = tick(&env.deliverer()).await;
    assert_eq!(pass.completed, 1, "{pass}");
    let ledger = env.store.delivery(300, env.day).await.unwrap().unwrap();
    assert!(
        ledger
            .messages
            .iter()
            .all(|m| m.publish == Some(Publish::Done)),
        "{ledger:?}"
    );
    let posted: Vec<u64> = env
        .fake
        .messages(300)
        .iter()
        .map(|m| m["id"].as_str().unwrap().parse().unwrap())
        .collect();
    assert_eq!(posted.len(), 2);
    let published: Vec<u64> = env.fake.crossposts().iter().map(|(_, m)| *m).collect();
    assert_eq!(published, posted, "each message published once, in order");
}

#[tokio::test]
async fn forum_thread_of_an_unanswered_attempt_is_reused_not_duplicated() {
    let env = Env::new("").await;
    env.publish(env.day);
    env.subscribe(sub(200).kind(15)).await;
    // An earlier attempt created the day's thread, but its answer never arrived (the bot timed
    // out or crashed before recording it). Forum posts take no nonce, so only a lookup helps.
    let title = format!("Daily Papers — {}", env.day);
    let earlier = env
        .fake
        .http()
        .create_forum_post(
            serenity::all::ChannelId::new(200),
            &serde_json::json!({"name": title, "message": {"content": "starter"}}),
            None,
        )
        .await
        .unwrap();
    env.clock.set(at(env.day, 9, 0));
    let pass = tick(&env.deliverer()).await;
    assert_eq!(pass.completed, 1, "{pass}");

    let threads = env.fake.threads(200);
    assert_eq!(
        threads.len(),
        1,
        "a second thread was created: {threads:#?}"
    );
    let ledger = env.store.delivery(200, env.day).await.unwrap().unwrap();
    assert_eq!(ledger.thread_id, Some(earlier.id.get()));
    // The starter message stands for message 0; message 1 goes into the same thread.
    assert_eq!(env.fake.messages(earlier.id.get()).len(), 2);
}

#[tokio::test]
async fn forum_thread_with_the_same_title_by_someone_else_is_not_taken_over() {
    let env = Env::new("").await;
    env.publish(env.day);
    env.subscribe(sub(200).kind(15)).await;
    let title = format!("Daily Papers — {}", env.day);
    assert_ne!(env.fake.config().bot_user_id, 4_242);
    env.fake.add_thread(200, 555, &title, 4_242);
    env.clock.set(at(env.day, 9, 0));
    let pass = tick(&env.deliverer()).await;
    assert_eq!(pass.completed, 1, "{pass}");

    assert!(
        env.fake.messages(555).is_empty(),
        "the user's thread was used"
    );
    let ledger = env.store.delivery(200, env.day).await.unwrap().unwrap();
    let ours = ledger.thread_id.unwrap();
    assert_ne!(ours, 555);
    let threads = env.fake.threads(200);
    assert_eq!(threads.len(), 2, "{threads:#?}");
    let created = threads
        .iter()
        .find(|t| t["id"].as_str() == Some(ours.to_string().as_str()))
        .unwrap();
    assert_eq!(created["name"].as_str().unwrap(), title);
    assert_eq!(
        created["owner_id"].as_str().unwrap(),
        env.fake.config().bot_user_id.to_string()
    );
    assert_eq!(env.fake.messages(ours).len(), 2);
}

#[tokio::test]
async fn resumed_forum_delivery_posts_into_the_same_thread() {
    let env = Env::new("").await;
    env.publish(env.day);
    env.subscribe(sub(200).kind(15)).await;
    let digest = env.archived(env.day).await;
    let mut cache = RenderCache::default();
    let bodies = cache.bodies(
        env.day,
        DayContent::Digest(&digest.digest, Some(digest.fetched_at)),
        &Filter::default(),
        false,
        &paperboy::language::Language::english(),
    );
    let plan = cache.plan_for(200, env.day, &bodies);
    env.store.plan_delivery(200, env.day, &plan).await.unwrap();
    // The post was created and its starter recorded, then the process died before the thread id
    // itself was written down.
    let post = env
        .fake
        .http()
        .create_forum_post(
            200.into(),
            &paperboy::deliver::plan::forum_post_body(env.day, &plan[0].1),
            None,
        )
        .await
        .unwrap();
    env.store
        .record_sent(200, env.day, 0, post.id.get())
        .await
        .unwrap();

    env.clock.set(at(env.day, 9, 30));
    let pass = tick(&env.deliverer()).await;
    assert_eq!(pass.completed, 1, "{pass}");
    assert_eq!(env.fake.threads(200).len(), 1);
    assert_eq!(env.fake.messages(post.id.get()).len(), 2);
}

#[tokio::test]
async fn keyword_filters_apply_and_empty_notices_go_only_to_opted_in_channels() {
    let env = Env::new("").await;
    env.publish(env.day);
    env.subscribe(sub(400)).await;
    env.subscribe(sub(401).notify_empty(true)).await;
    env.subscribe(sub(402)).await;
    env.store
        .add_keywords(400, &[Keyword::include("WavLLM")])
        .await
        .unwrap();
    for c in [401, 402] {
        env.store
            .add_keywords(c, &[Keyword::include("quantum chromodynamics")])
            .await
            .unwrap();
    }
    env.clock.set(at(env.day, 9, 0));
    let pass = tick(&env.deliverer()).await;
    assert_eq!(pass.completed, 3, "{pass}");

    let filtered = env.fake.messages(400);
    assert_eq!(filtered.len(), 1);
    assert_eq!(embeds(&filtered), 1);
    assert!(filtered[0]["embeds"][0]["title"]
        .as_str()
        .unwrap()
        .starts_with("WavLLM"));
    assert!(filtered[0]["content"].as_str().unwrap().contains("1 of 12"));

    let notice = env.fake.messages(401);
    assert_eq!(notice.len(), 1);
    assert_eq!(embeds(&notice), 0);
    assert!(env.fake.messages(402).is_empty());
    assert_eq!(
        env.store
            .delivery(402, env.day)
            .await
            .unwrap()
            .unwrap()
            .status,
        DeliveryStatus::Done
    );
}

#[tokio::test]
async fn shutdown_finishes_and_records_the_message_in_flight_then_stops() {
    let env = Env::new("").await;
    env.publish(env.day);
    env.subscribe(sub(100)).await;
    env.clock.set(at(env.day, 9, 0));
    // The first message is answered slowly; shutdown is requested while it is in flight.
    env.fake
        .fail_next(1, Failure::Slow(Duration::from_millis(300)));
    // A generous timeout: the slow answer must count as in flight, not as lost, even on a
    // loaded machine.
    let d = env.deliverer().with_tuning(Tuning {
        request_timeout: Duration::from_secs(10),
        ..fast()
    });
    let cancel = CancellationToken::new();
    let before = env.fake.requests_arrived();
    let (pass, _) = tokio::join!(d.tick(&cancel), async {
        while env.fake.requests_arrived() == before {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        cancel.cancel();
    });
    assert_eq!(pass.messages_sent, 1, "{pass}");
    assert_eq!(pass.left_pending, 1, "{pass}");
    assert_eq!(env.fake.messages(100).len(), 1);
    let ledger = env.store.delivery(100, env.day).await.unwrap().unwrap();
    assert_eq!(ledger.status, DeliveryStatus::Pending);
    assert!(ledger.messages[0].message_id.is_some());
    assert!(ledger.messages[1].message_id.is_none());

    // The next start picks up from message 1. The shutdown left nothing unaccounted for (it
    // stopped between requests), so the channel's history is not read first.
    let pass = tick(&env.deliverer()).await;
    assert_eq!(pass.resumed, 1, "{pass}");
    assert_eq!(pass.messages_sent, 1, "{pass}");
    assert_eq!(env.fake.messages(100).len(), 2);
    assert_eq!(env.fake.stats().deduplicated, 0);
    let history_reads = env
        .fake
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path == "/channels/100/messages")
        .count();
    assert_eq!(
        history_reads, 0,
        "a cleanly stopped delivery is resumed without a look"
    );
}

#[tokio::test]
async fn scheduler_runs_passes_and_stops_on_cancel() {
    let env = Env::new("").await;
    env.publish(env.day);
    env.subscribe(sub(100)).await;
    env.clock.set(at(env.day, 9, 0));
    let d = Arc::new(env.deliverer());
    let cancel = CancellationToken::new();
    let task = tokio::spawn(paperboy::deliver::run_scheduler(d, cancel.clone()));
    // Up to 20 s for the first pass on a loaded machine; normally a few milliseconds.
    for _ in 0..1_000 {
        if env.fake.messages(100).len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    cancel.cancel();
    let run = tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("scheduler stops promptly")
        .unwrap();
    assert_eq!(env.fake.messages(100).len(), 2);
    assert!(run.passes >= 1);
    assert_eq!(run.messages_sent, 2);
    assert!(run.to_string().contains("2 messages sent"), "{run}");
}

#[tokio::test]
async fn a_quiet_primary_gives_way_to_the_fallback_at_once_and_a_provisional_copy_is_refreshed() {
    let env = Env::new("").await;
    // The fallback: a Hugging Face API driven by the test's clock.
    let api = crate::support::hf_api::GrowingApi::start(env.clock.clone()).await;
    // A long wait for the primary: only its being quiet can skip it.
    let env = env.with_hf_fallback(&api);
    let yesterday = env.day - chrono::Duration::days(1);
    // The primary published a week ago, then nothing.
    env.publish(env.day - chrono::Duration::days(7));
    env.subscribe(sub(100).at(1, 30)).await;

    // A member looked at yesterday while it was still growing: archived as provisional.
    env.clock.set(at(yesterday, 15, 0));
    let fetcher = Fetcher::new(
        env.store.clone(),
        &env.config.source,
        paperboy::net::http_client(&env.config.network).unwrap(),
    );
    let so_far = fetcher
        .for_member(yesterday, env.clock.now(), 1)
        .await
        .unwrap();
    assert!(!so_far.final_);
    assert!(so_far.digest.papers.len() < crate::support::hf_api::FULL_DAY);

    let d = env.deliverer().with_tuning(Tuning {
        max_sleep: Duration::from_secs(86_400),
        ..fast()
    });
    env.clock.set(at(env.day, 1, 30));
    let pass = tick(&d).await;
    assert_eq!(pass.completed, 1, "{pass}");
    let msgs = env.fake.messages(100);
    assert_eq!(
        embeds(&msgs),
        crate::support::hf_api::FULL_DAY,
        "the final list"
    );
    assert!(msgs[0]["content"]
        .as_str()
        .unwrap()
        .contains(&yesterday.to_string()));
    let archived = env.store.archived(yesterday).await.unwrap().unwrap();
    assert!(archived.final_);
    assert_eq!(
        archived.digest.papers.len(),
        crate::support::hf_api::FULL_DAY
    );
    let quiet = fetcher.quiet(env.clock.now()).await.unwrap();
    assert!(quiet.quiet && quiet.missing_days >= 3, "{quiet:?}");
}

#[tokio::test]
async fn a_global_429_pauses_every_delivery_task_for_its_retry_after() {
    let _machine = machine::measuring().await;
    let env = Env::new("").await;
    env.publish(env.day);
    let channels: Vec<u64> = (0..12).map(|i| 2_000 + i).collect();
    for c in &channels {
        env.subscribe(sub(*c)).await;
    }
    env.clock.set(at(env.day, 9, 0));
    // The first message POST hits the bot-wide limit: two seconds for everyone.
    env.fake.fail_route_next(
        "POST",
        "/channels/",
        1,
        Failure::RateLimited {
            retry_after: 2.0,
            global: true,
        },
    );
    let (http, signals) = env.fake.bot_http();
    let fetcher = Arc::new(Fetcher::new(
        env.store.clone(),
        &env.config.source,
        paperboy::net::http_client(&env.config.network).unwrap(),
    ));
    let d = Deliverer::new(
        http,
        env.store.clone(),
        fetcher,
        env.config.clone(),
        Arc::new(env.clock.clone()),
    )
    .with_signals(signals.clone())
    .with_tuning(fast());
    let pass = tick(&d).await;
    assert_eq!(pass.completed, channels.len() as u64, "{pass}");
    assert_eq!(signals.global_hits(), 1, "the global 429 was reported");
    let posts: Vec<_> = env
        .fake
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/messages"))
        .collect();
    let limited = posts.iter().find(|r| r.status == 429).expect("the 429");
    // Requests already on their way may still arrive; after that, silence until it is over.
    let during: Vec<_> = posts
        .iter()
        .filter(|r| {
            r.received > limited.received + Duration::from_millis(200)
                && r.received < limited.received + Duration::from_millis(1_900)
        })
        .collect();
    assert!(
        during.is_empty(),
        "{} requests during the global pause",
        during.len()
    );
    // Every channel served exactly once.
    for c in &channels {
        assert_eq!(env.fake.messages(*c).len(), 2, "channel {c}");
    }
}

/// A 401 means the token is bad for every channel: the fan-out stops at once (at most one
/// refused request per delivery in flight, no attempt counted against any day), `/healthz`
/// says why, later passes ask once whether the token works again, and delivery resumes then.
#[tokio::test]
async fn a_refused_token_mid_fan_out_stops_delivery_and_resumes_when_accepted() {
    let env = Env::new("").await;
    env.publish(env.day);
    let channels: Vec<u64> = (0..30).map(|i| 500 + i).collect();
    for c in &channels {
        env.subscribe(sub(*c)).await;
    }
    env.clock.set(at(env.day, 9, 0));
    let health = Arc::new(paperboy::ops::health::Health::new(Duration::from_secs(60)));
    health.expect_shards(1);
    let d = env.deliverer().with_health(health.clone());
    let posted = || {
        env.fake
            .requests()
            .iter()
            .filter(|r| r.method == "POST" && r.path.ends_with("/messages") && r.status == 200)
            .count()
    };
    let refused = || env.fake.stats().by_status.get(&401).copied().unwrap_or(0);
    let cancel = CancellationToken::new();
    let (pass, _) = tokio::join!(d.tick(&cancel), async {
        while posted() < 4 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        env.fake.reject_token(true);
    });
    assert!(pass.messages_sent >= 4 && pass.messages_sent < 60, "{pass}");
    let concurrency = env.config.delivery.concurrency as u64;
    assert!(
        refused() >= 1 && refused() <= concurrency,
        "{} refused requests for {concurrency} deliveries in flight",
        refused()
    );
    for c in &channels {
        let ledger = env.store.delivery(*c, env.day).await.unwrap().unwrap();
        assert_eq!(
            ledger.attempts, 0,
            "channel {c}: a refused token is no channel's failure"
        );
        assert_ne!(ledger.status, DeliveryStatus::Failed);
    }
    let report = health.report(vec![0], Ok(()));
    assert!(!report.ok && !report.delivery.ok, "{report:?}");
    assert!(report.delivery.reason.as_deref().unwrap().contains("401"));

    // Still refused: the next pass asks once and sends nothing.
    let before = refused();
    env.clock.set(at(env.day, 9, 1));
    let pass = tick(&d).await;
    assert_eq!(pass.messages_sent, 0, "{pass}");
    assert_eq!(
        refused() - before,
        1,
        "one probe, not a request per channel"
    );

    // Accepted again: everything is delivered, each message once, and health recovers.
    env.fake.reject_token(false);
    env.clock.set(at(env.day, 9, 2));
    tick(&d).await;
    for c in &channels {
        assert_eq!(env.fake.messages(*c).len(), 2, "channel {c}");
        let ledger = env.store.delivery(*c, env.day).await.unwrap().unwrap();
        assert_eq!(ledger.status, DeliveryStatus::Done);
    }
    assert!(health.report(vec![0], Ok(())).ok);
}
