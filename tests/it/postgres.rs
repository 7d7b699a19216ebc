//! The delivery engine end to end on PostgreSQL: the same harness as the delivery suite (the
//! folder source, serenity against the fake Discord, a manual clock), with the store on the
//! server named by `PAPERBOY_TEST_POSTGRES_URL`, in a fresh schema. Without that variable the
//! test says so and passes, unless `PAPERBOY_REQUIRE_POSTGRES=1` (as in `.ci/run`).

use crate::support::engine::*;
use crate::support::subscription::sub;
use paperboy::store::{Database, DeliveryStatus, Keyword};

#[tokio::test]
async fn the_engine_posts_each_channel_once_with_its_filter_on_postgres() {
    let Some(url) = crate::support::postgres::fresh_schema("engine").await else {
        return;
    };
    let env = Env::with("", |config, _| {
        config.database_url = Some(Database::Postgres(url));
    })
    .await;
    posts_each_channel_once_with_its_filter(env).await;
}

/// The same scenario on SQLite, so a difference between the backends shows as one test failing.
#[tokio::test]
async fn the_engine_posts_each_channel_once_with_its_filter_on_sqlite() {
    posts_each_channel_once_with_its_filter(Env::new("").await).await;
}

async fn posts_each_channel_once_with_its_filter(env: Env) {
    env.publish(env.day);
    env.subscribe(sub(100).at(9, 0).timezone(chrono_tz::Asia::Seoul))
        .await;
    env.subscribe(sub(101)).await;
    // A filter no paper of the fixture matches: the channel gets nothing, and that is settled.
    env.store
        .add_keywords(101, &[Keyword::include("zzzz-no-such-topic")])
        .await
        .unwrap();
    let d = env.deliverer();

    // Days before `day` that fell due since subscribing have no digest: settled silently.
    env.clock
        .set(at(env.day - chrono::Duration::days(1), 23, 59));
    let before = tick(&d).await;
    assert_eq!(before.messages_sent, 0, "{before}");

    env.clock.set(at(env.day, 0, 1));
    let pass = tick(&d).await;
    assert_eq!(pass.completed, 1, "{pass}");
    let msgs = env.fake.messages(100);
    assert_eq!(msgs.len(), 2);
    assert_eq!(embeds(&msgs), 12);

    // The ledger on the server holds both message ids, in order.
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

    // A restarted engine over the same database posts nothing again.
    let requests = env.fake.request_count();
    let again = tick(&env.deliverer()).await;
    assert_eq!(again.messages_sent, 0, "{again}");
    assert_eq!(env.fake.request_count(), requests);

    env.clock.set(at(env.day, 9, 0));
    tick(&d).await;
    assert!(env.fake.messages(101).is_empty());
    assert_eq!(env.fake.messages(100).len(), 2);
    // The archived day is searchable on the server, Korean included.
    assert!(!env.store.search("모델", None, 5).await.unwrap().is_empty());
}
