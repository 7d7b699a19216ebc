//! The delivery engine under test: real SQLite (or the PostgreSQL server a test configures), the
//! folder digest source, the unmodified serenity `Http` on the production path against the fake
//! Discord, and a manual clock driving `Deliverer::tick`. Shared by the delivery and alerts suites.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use paperboy::clock::Clock;
use paperboy::clock::ManualClock;
use paperboy::config::Config;
use paperboy::deliver::{Deliverer, PassSummary, Tuning};
use paperboy::source::fetch::{Fetcher, Look, Role};
use paperboy::source::publication::WeekdaySet;
use paperboy::store::Store;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::fake_discord::FakeDiscord;
use super::subscription::Sub;

pub const GUILD: u64 = 7_000;

pub struct Env {
    pub fake: FakeDiscord,
    pub store: Store,
    pub config: Arc<Config>,
    pub clock: ManualClock,
    pub digests: PathBuf,
    /// The digest date under test: a few days ahead of the real date, so that subscriptions
    /// (stamped with the real time when created) predate its due time.
    pub day: NaiveDate,
    pub _dir: tempfile::TempDir,
}

pub fn fixture() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/digests/2024-04-02.md"
    ))
    .expect("fixture digest")
}

pub fn at(day: NaiveDate, hh: u32, mm: u32) -> DateTime<Utc> {
    Utc.from_utc_datetime(&day.and_hms_opt(hh, mm, 0).unwrap())
}

/// Short waits everywhere except the request timeout: tests that count requests must not see a
/// slow answer on a loaded machine turn into a retry. The failure-injection test shortens it.
pub fn fast() -> Tuning {
    Tuning {
        request_timeout: Duration::from_secs(5),
        backoff_base: Duration::from_millis(10),
        backoff_max: Duration::from_millis(40),
        rate_limited_wait: Duration::from_millis(20),
        channel_window: Duration::from_millis(200),
        ..Tuning::default()
    }
}

impl Env {
    pub async fn new(extra: &str) -> Env {
        Env::with(extra, |_, _| {}).await
    }

    /// Like [`Env::new`], with a chance to adjust the parsed config (`dir` is the temp folder).
    pub async fn with(extra: &str, tweak: impl FnOnce(&mut Config, &std::path::Path)) -> Env {
        let dir = tempfile::tempdir().unwrap();
        let digests = dir.path().join("digests");
        std::fs::create_dir(&digests).unwrap();
        let toml = format!(
            "[schedule]\ncron = \"0 0 9 * * *\"\ntimezone = \"UTC\"\n{extra}\n\
             [source]\nkind = \"folder\"\npath = \"digests\"\nfallback_hf_api = false\n\
             [database]\npath = \"paperboy.db\"\n\
             [delivery]\nrequests_per_second = 50\nconcurrency = 8\nmax_retries = 5\n"
        );
        let mut config = Config::from_toml(&toml, dir.path()).unwrap();
        // Every day is a publishing day here, so no test depends on the weekday it runs on.
        config.source.publication.publish_days = WeekdaySet::ALL;
        let fake = FakeDiscord::start().await;
        // Production mode: serenity's rate limiter on, Discord reached through the proxy.
        config.network = fake.network();
        tweak(&mut config, dir.path());
        let config = Arc::new(config);
        let store = Store::connect(&config.database()).await.unwrap();
        let day = Utc::now().date_naive() + chrono::Duration::days(3);
        fake.add_guild(GUILD, None);
        Env {
            fake,
            store,
            config,
            clock: ManualClock::new(at(day, 0, 0)),
            digests,
            day,
            _dir: dir,
        }
    }

    /// The same environment with `api` as the fallback source, which a due day waits four hours
    /// for: only a quiet primary lets it stand in at once.
    pub fn with_hf_fallback(self, api: &super::hf_api::GrowingApi) -> Env {
        let mut config = (*self.config).clone();
        config.source.fallback = Some(paperboy::source::loader::DigestSource::HfApi {
            base_url: api.base_url.clone(),
        });
        config.source.publication.fallback_after = chrono::Duration::minutes(240);
        Env {
            config: Arc::new(config),
            ..self
        }
    }

    pub fn publish(&self, day: NaiveDate) {
        std::fs::write(self.digests.join(format!("{day}.md")), fixture()).unwrap();
    }

    /// A fresh engine over the same database: what a restarted bot would build, on the
    /// production HTTP path.
    pub fn deliverer(&self) -> Deliverer {
        let fetcher = Arc::new(Fetcher::new(
            self.store.clone(),
            &self.config.source,
            paperboy::net::http_client(&self.config.network).unwrap(),
        ));
        let (http, signals) = self.fake.bot_http();
        Deliverer::new(
            http,
            self.store.clone(),
            fetcher,
            self.config.clone(),
            Arc::new(self.clock.clone()),
        )
        .with_signals(signals)
        .with_tuning(fast())
    }

    /// Subscribes a channel of the test guild (added to the fake with the subscription's kind).
    pub async fn subscribe(&self, sub: Sub) {
        let sub = sub.guild(GUILD);
        self.fake
            .add_channel(GUILD, sub.channel_id(), sub.discord_kind());
        sub.save(&self.store).await;
    }

    /// The day's digest as the engine would fetch it (archived on the way).
    pub async fn archived(&self, day: NaiveDate) -> paperboy::store::Archived {
        let fetcher = Fetcher::new(
            self.store.clone(),
            &self.config.source,
            paperboy::net::http_client(&self.config.network).unwrap(),
        );
        match fetcher
            .look(Role::Primary, day, self.clock.now(), true)
            .await
            .unwrap()
        {
            Look::Final(a) => (*a).clone(),
            other => panic!("no digest for {day}: {other:?}"),
        }
    }

    /// Requests the fake received whose path starts with `/channels/{id}`.
    pub fn requests_to(&self, channel_id: u64) -> usize {
        let prefix = format!("/channels/{channel_id}/");
        self.fake
            .requests()
            .iter()
            .filter(|r| r.path.starts_with(&prefix))
            .count()
    }
}

pub fn embeds(messages: &[Value]) -> usize {
    messages
        .iter()
        .map(|m| m["embeds"].as_array().map_or(0, Vec::len))
        .sum()
}

pub async fn tick(d: &Deliverer) -> PassSummary {
    d.tick(&CancellationToken::new()).await
}
