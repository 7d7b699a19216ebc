//! Proxy mode (`discord.api_base`, for operators behind a shared rate-limit proxy such as
//! twilight's http-proxy): serenity's limiter is off there, so the delivery engine sends its
//! requests directly and honours what a 429 says itself. A smaller suite than the production
//! one: posting, per-route and global 429s, and no duplicate when answers are lost.

use std::sync::Arc;
use std::time::Duration;

use crate::support::fake_discord::{Failure, FakeDiscord};
use crate::support::machine;
use crate::support::subscription::sub;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use paperboy::clock::ManualClock;
use paperboy::config::Config;
use paperboy::deliver::{Deliverer, PassSummary, Tuning};
use paperboy::source::fetch::Fetcher;
use paperboy::source::publication::WeekdaySet;
use paperboy::store::Store;
use tokio_util::sync::CancellationToken;

const GUILD: u64 = 8_000;

struct Env {
    fake: FakeDiscord,
    store: Store,
    config: Arc<Config>,
    clock: ManualClock,
    day: NaiveDate,
    _dir: tempfile::TempDir,
}

fn at(day: NaiveDate, hh: u32) -> DateTime<Utc> {
    Utc.from_utc_datetime(&day.and_hms_opt(hh, 0, 0).unwrap())
}

impl Env {
    async fn new(channels: &[u64]) -> Env {
        let dir = tempfile::tempdir().unwrap();
        let digests = dir.path().join("digests");
        std::fs::create_dir(&digests).unwrap();
        let fake = FakeDiscord::start().await;
        fake.add_guild(GUILD, None);
        let toml = format!(
            "[discord]\napi_base = \"{}\"\n[schedule]\ncron = \"0 0 9 * * *\"\ntimezone = \"UTC\"\n\
             [source]\nkind = \"folder\"\npath = \"digests\"\nfallback_hf_api = false\n\
             [delivery]\nrequests_per_second = 50\nconcurrency = 8\n",
            fake.base_url()
        );
        let mut config = Config::from_toml(&toml, dir.path()).unwrap();
        config.source.publication.publish_days = WeekdaySet::ALL;
        let config = Arc::new(config);
        let day = Utc::now().date_naive() + chrono::Duration::days(3);
        std::fs::copy(
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/digests/2024-04-02.md"
            ),
            digests.join(format!("{day}.md")),
        )
        .unwrap();
        let store = Store::open(&config.database_path).await.unwrap();
        for c in channels {
            fake.add_channel(GUILD, *c, 0);
            sub(*c).guild(GUILD).save(&store).await;
        }
        Env {
            fake,
            store,
            config,
            clock: ManualClock::new(at(day, 9)),
            day,
            _dir: dir,
        }
    }

    fn deliverer(&self) -> Deliverer {
        let fetcher = Arc::new(Fetcher::new(
            self.store.clone(),
            &self.config.source,
            paperboy::net::http_client(&self.config.network).unwrap(),
        ));
        // The bot's own client builder, in proxy mode because `api_base` is set.
        let signals = paperboy::deliver::ratelimit::RateLimitSignals::new();
        let http = paperboy::bot::client::build_http(
            &paperboy::config::Token::new("fake-token"),
            &self.config.discord,
            paperboy::net::http_client(&self.config.network).unwrap(),
            &signals,
        );
        Deliverer::new(
            Arc::new(http),
            self.store.clone(),
            fetcher,
            self.config.clone(),
            Arc::new(self.clock.clone()),
        )
        .with_tuning(Tuning {
            request_timeout: Duration::from_secs(5),
            backoff_base: Duration::from_millis(10),
            backoff_max: Duration::from_millis(40),
            // A 429 without retry_after would wait this long: the tests see the difference.
            rate_limited_wait: Duration::from_secs(10),
            channel_window: Duration::from_millis(100),
            ..Tuning::default()
        })
    }
}

async fn tick(d: &Deliverer) -> PassSummary {
    d.tick(&CancellationToken::new()).await
}

fn posts(fake: &FakeDiscord, channel: u64) -> Vec<crate::support::fake_discord::RecordedRequest> {
    let path = format!("/channels/{channel}/messages");
    fake.requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path == path)
        .collect()
}

#[tokio::test]
async fn a_route_429_pauses_that_route_for_its_retry_after_and_nobody_else() {
    let _machine = machine::measuring().await;
    let env = Env::new(&[11, 12]).await;
    // Channel 11's first message: a route 429 asking for 1.5 s.
    env.fake.fail_route_next(
        "POST",
        "/channels/11/",
        1,
        Failure::RateLimited {
            retry_after: 1.5,
            global: false,
        },
    );
    let started = std::time::Instant::now();
    let pass = tick(&env.deliverer()).await;
    assert_eq!(pass.completed, 2, "{pass}");
    assert_eq!(env.fake.messages(11).len(), 2);
    assert_eq!(env.fake.messages(12).len(), 2);
    let a = posts(&env.fake, 11);
    let limited = a.iter().find(|r| r.status == 429).expect("the 429");
    let retry = a.iter().find(|r| r.received > limited.received).unwrap();
    // retry_after honoured (not the 10 s default), and not less.
    let waited = retry.received - limited.received;
    assert!(waited >= Duration::from_millis(1_450), "{waited:?}");
    assert!(
        started.elapsed() < Duration::from_secs(9),
        "the default wait was used"
    );
    // Channel 12 went on during channel 11's wait.
    let b = posts(&env.fake, 12);
    assert!(
        b.iter().all(|r| r.received < retry.received),
        "channel 12 waited for channel 11's route"
    );
}

#[tokio::test]
async fn a_global_429_pauses_everyone_for_its_retry_after() {
    let env = Env::new(&[21, 22, 23]).await;
    env.fake.fail_route_next(
        "POST",
        "/channels/21/",
        1,
        Failure::RateLimited {
            retry_after: 1.5,
            global: true,
        },
    );
    let pass = tick(&env.deliverer()).await;
    assert_eq!(pass.completed, 3, "{pass}");
    let all: Vec<_> = [21, 22, 23]
        .iter()
        .flat_map(|c| posts(&env.fake, *c))
        .collect();
    let limited = all.iter().find(|r| r.status == 429).unwrap().received;
    let during = all
        .iter()
        .filter(|r| {
            r.received > limited + Duration::from_millis(150)
                && r.received < limited + Duration::from_millis(1_400)
        })
        .count();
    assert_eq!(during, 0, "requests went out during the global pause");
}

#[tokio::test]
async fn a_lost_answer_is_found_in_the_channel_not_sent_twice_even_without_nonces() {
    let env = Env::new(&[31]).await;
    // Discord stores the message but the answer is lost; its nonce memory is off.
    env.fake.set_nonce_window(None);
    env.fake
        .fail_route_next("POST", "/channels/31/messages", 1, Failure::AnswerLost(502));
    let pass = tick(&env.deliverer()).await;
    assert_eq!(pass.completed, 1, "{pass}");
    let msgs = env.fake.messages(31);
    assert_eq!(msgs.len(), 2, "a duplicate was posted: {msgs:#?}");
    let ledger = env.store.delivery(31, env.day).await.unwrap().unwrap();
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
}
