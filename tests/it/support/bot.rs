//! The real bot (`paperboy::bot::client::run_with_tuning`) against the fake Discord, as the
//! integration suites drive it: production HTTP path (serenity's rate limiter on, Discord
//! reached through the fake's proxy with its test CA, the gateway through the bot's tunnel),
//! a real SQLite file, an injected clock, and helpers to invoke `/papers` commands.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use paperboy::clock::ManualClock;
use paperboy::config::{Config, Token};
use paperboy::deliver::Tuning;
use paperboy::store::Store;

use super::fake_discord::{interaction, FakeDiscord};

pub const GUILD: u64 = 3;
pub const CHANNEL: u64 = 4;
pub const USER: u64 = 5;
/// MANAGE_CHANNELS (1 << 4) plus VIEW_CHANNEL and SEND_MESSAGES.
pub const MANAGER: u64 = (1 << 4) | (1 << 10) | (1 << 11);
/// VIEW_CHANNEL and SEND_MESSAGES only.
pub const MEMBER: u64 = (1 << 10) | (1 << 11);
pub const EPHEMERAL: u64 = 1 << 6;

pub struct Bot {
    pub fake: FakeDiscord,
    pub clock: ManualClock,
    pub dir: tempfile::TempDir,
    pub cancel: CancellationToken,
    pub task: Option<JoinHandle<anyhow::Result<()>>>,
    pub next_id: u64,
    /// The Hugging Face API used as the fallback source, if any.
    pub hf_api: Option<String>,
    /// What the running bot reports to: its scheduler's pass count.
    pub health: Arc<paperboy::ops::health::Health>,
    /// The client language of whoever runs the next commands (`locale` on their
    /// interactions): `en-US` unless a test says otherwise.
    pub locale: String,
    /// More of `bot.toml` (whole sections, e.g. `[summaries]`), appended to [`Bot::config`]'s.
    pub extra_toml: String,
    /// The model endpoint's API key, as the environment would give it (`[summaries]` reads it
    /// from there only; the tests do not touch the process's environment).
    pub model_key: Option<String>,
}

pub fn digest_dir(dir: &Path) -> PathBuf {
    let d = dir.join("digests");
    std::fs::create_dir_all(&d).unwrap();
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/digests/2024-04-02.md");
    std::fs::copy(fixture, d.join("2024-04-02.md")).unwrap();
    d
}

pub fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2024-04-02T12:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

impl Bot {
    pub async fn start() -> Bot {
        Bot::start_at(now()).await
    }

    pub async fn start_at(time: DateTime<Utc>) -> Bot {
        Bot::start_with(time, None).await
    }

    pub async fn start_with(time: DateTime<Utc>, hf_api: Option<String>) -> Bot {
        Bot::start_setup(time, hf_api, |_| {}).await
    }

    /// Like [`Bot::start_with`], with a chance to set the fake up before the bot connects.
    pub async fn start_setup(
        time: DateTime<Utc>,
        hf_api: Option<String>,
        setup: impl FnOnce(&FakeDiscord),
    ) -> Bot {
        Bot::start_full(time, hf_api, "", None, setup).await
    }

    /// Like [`Bot::start_setup`], with `extra` appended to the config and the model's key, from
    /// the first launch on.
    pub async fn start_full(
        time: DateTime<Utc>,
        hf_api: Option<String>,
        extra: &str,
        model_key: Option<&str>,
        setup: impl FnOnce(&FakeDiscord),
    ) -> Bot {
        let fake = FakeDiscord::start().await;
        // Discord's real gateway address, reached through the proxy like everything else.
        fake.set_gateway_url("wss://gateway.discord.gg");
        fake.add_guild(GUILD, None);
        fake.add_channel(GUILD, CHANNEL, 0);
        setup(&fake);
        let dir = tempfile::tempdir().unwrap();
        digest_dir(dir.path());
        let mut bot = Bot {
            fake,
            clock: ManualClock::new(time),
            dir,
            cancel: CancellationToken::new(),
            task: None,
            next_id: 1000,
            hf_api,
            health: Arc::new(paperboy::ops::health::Health::new(Duration::from_secs(60))),
            locale: "en-US".into(),
            extra_toml: extra.to_string(),
            model_key: model_key.map(str::to_string),
        };
        bot.launch().await;
        bot
    }

    /// Like [`Bot::start_at`], with `extra` appended to the config (see [`Bot::extra_toml`]).
    #[allow(dead_code)] // for the summaries suite
    pub async fn start_toml(time: DateTime<Utc>, extra: &str) -> Bot {
        let mut bot = Bot::start_at(time).await;
        bot.stop().await;
        bot.extra_toml = extra.to_string();
        bot.launch().await;
        bot
    }

    /// The bot as production runs it: no `api_base`, so serenity's rate limiter is on and every
    /// https request (REST, and the gateway through the bot's tunnel) goes through the fake's
    /// proxy with its test CA, as behind a corporate egress proxy.
    pub fn config(&self) -> Config {
        let toml = format!(
            r#"
[schedule]
cron = "0 0 9 * * *"
timezone = "UTC"
[source]
kind = "folder"
path = "digests"
fallback_hf_api = {fallback}
hf_api_base = "{hf}"
[database]
path = "paperboy.db"
[network]
https_proxy = "{proxy}"
ca_file = "{ca}"
"#,
            proxy = self.fake.proxy_url(),
            ca = self.fake.ca_file().display(),
            fallback = self.hf_api.is_some(),
            hf = self.hf_api.as_deref().unwrap_or("http://127.0.0.1:9"),
        ) + &self.extra_toml;
        let mut config = Config::from_toml(&toml, self.dir.path()).unwrap();
        if let (Some(s), Some(key)) = (config.summaries.as_mut(), &self.model_key) {
            s.api_key = Some(paperboy::summaries::config::ApiKey::new(key));
        }
        config
    }

    pub async fn launch(&mut self) {
        self.cancel = CancellationToken::new();
        let identifies_before = self.fake.identifies().len();
        let puts_before = self.puts();
        let config = Arc::new(self.config());
        // The scheduler runs as in production, but wakes every 100 ms instead of every minute.
        let tuning = Tuning {
            max_sleep: Duration::from_millis(100),
            // Follow-ups on saved papers looked at as often, against the fake Hugging Face.
            followup_every: Duration::from_millis(100),
            followup_interval: Duration::from_millis(5),
            ..Tuning::default()
        };
        self.health = Arc::new(paperboy::ops::health::Health::new(tuning.max_sleep));
        self.task = Some(tokio::spawn(paperboy::bot::client::run_with_tuning(
            config,
            Token::new("fake-token"),
            Arc::new(self.clock.clone()),
            tuning,
            self.health.clone(),
            self.cancel.clone(),
        )));
        // Wait for this launch's own IDENTIFY and command registration (a restart reuses the
        // fake, which remembers the previous run's).
        for _ in 0..400 {
            if self.fake.identifies().len() > identifies_before && self.puts() > puts_before {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the bot never identified and registered its commands on the fake");
    }

    /// Waits until the scheduler has run two more passes: at least one whole pass began after
    /// this call, so whatever it would post is posted. How "nothing more happened" is proved.
    pub async fn two_passes(&self) {
        let start = self.health.passes();
        for _ in 0..400 {
            if self.health.passes() >= start + 2 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the scheduler ran no pass in 4 s");
    }

    pub fn puts(&self) -> usize {
        self.fake
            .requests()
            .iter()
            .filter(|r| r.method == "PUT" && r.path.contains("/commands"))
            .count()
    }

    pub async fn stop(&mut self) {
        self.cancel.cancel();
        if let Some(t) = self.task.take() {
            let r = tokio::time::timeout(Duration::from_secs(20), t)
                .await
                .expect("bot did not stop");
            r.unwrap().unwrap();
        }
    }

    pub async fn store(&self) -> Store {
        Store::open(&self.dir.path().join("paperboy.db"))
            .await
            .unwrap()
    }

    /// Invokes `/papers <path…>` and returns the interaction's responses once `n` arrived.
    pub async fn invoke(
        &mut self,
        perms: u64,
        path: &[&str],
        options: Value,
        n: usize,
    ) -> Vec<Value> {
        self.invoke_in(GUILD, CHANNEL, USER, perms, path, options, n)
            .await
    }

    /// [`Bot::invoke`] by `user` in a given guild and channel.
    #[allow(clippy::too_many_arguments)]
    pub async fn invoke_in(
        &mut self,
        guild: u64,
        channel: u64,
        user: u64,
        perms: u64,
        path: &[&str],
        options: Value,
        n: usize,
    ) -> Vec<Value> {
        self.next_id += 1;
        let token = format!("token-{}", self.next_id);
        let mut full = vec!["papers"];
        full.extend_from_slice(path);
        let payload = interaction::slash(
            self.next_id,
            &token,
            guild,
            channel,
            user,
            perms,
            &full,
            options,
        );
        self.fake
            .dispatch_interaction(interaction::in_locale(payload, &self.locale))
            .await;
        let got = self
            .fake
            .wait_for_responses(&token, n, Duration::from_secs(20))
            .await;
        assert!(
            got.len() >= n,
            "expected {n} responses to {path:?}, got {got:#?}"
        );
        got
    }

    /// Invokes a deferred command that shows papers and returns its responses once `embeds`
    /// papers have arrived (however they are packed into messages).
    pub async fn invoke_papers(
        &mut self,
        path: &[&str],
        options: Value,
        embeds: usize,
    ) -> Vec<Value> {
        let got = self.invoke(MEMBER, path, options, 2).await;
        let token = format!("token-{}", self.next_id);
        for _ in 0..400 {
            let got = self.fake.interaction_responses(&token);
            if all_embeds(&got).len() >= embeds {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("expected {embeds} papers for {path:?}, got {got:#?}");
    }

    /// Invokes a command answered by one immediate message and returns its `data`.
    pub async fn reply(&mut self, perms: u64, path: &[&str], options: Value) -> Value {
        let got = self.invoke(perms, path, options, 1).await;
        let first = &got[0];
        assert_eq!(first["kind"], "callback", "{first:#}");
        assert_eq!(
            first["body"]["type"], 4,
            "expected an immediate reply: {first:#}"
        );
        first["body"]["data"].clone()
    }
}

impl Drop for Bot {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

/// Where a person runs `/alerts`.
#[derive(Debug, Clone, Copy)]
pub enum Place {
    /// A channel of the test guild, where the bot is (server install).
    Guild,
    /// Their DM with the bot.
    BotDm,
    /// A server the bot is not in, through the app they installed for themselves.
    UserInstallGuild { guild: u64, channel: u64 },
    /// A DM or group DM between people, through the app they installed for themselves.
    PrivateChannel { channel: u64 },
}

impl Bot {
    /// Runs `/alerts <path…>` as `user` from `place` and returns the immediate reply's `data`
    /// (every `/alerts` answer is one immediate, ephemeral message).
    pub async fn alerts(
        &mut self,
        user: u64,
        place: Place,
        path: &[&str],
        options: Value,
    ) -> Value {
        self.next_id += 1;
        let token = format!("token-{}", self.next_id);
        let mut full = vec!["alerts"];
        full.extend_from_slice(path);
        let payload = match place {
            Place::Guild => interaction::slash(
                self.next_id,
                &token,
                GUILD,
                CHANNEL,
                user,
                MEMBER,
                &full,
                options,
            ),
            Place::BotDm => interaction::slash_in_dm(self.next_id, &token, user, &full, options),
            Place::UserInstallGuild { guild, channel } => interaction::slash_user_install(
                self.next_id,
                &token,
                Some(guild),
                channel,
                user,
                &full,
                options,
            ),
            Place::PrivateChannel { channel } => interaction::slash_user_install(
                self.next_id,
                &token,
                None,
                channel,
                user,
                &full,
                options,
            ),
        };
        self.fake
            .dispatch_interaction(interaction::in_locale(payload, &self.locale))
            .await;
        let got = self
            .fake
            .wait_for_responses(&token, 1, Duration::from_secs(20))
            .await;
        let first = got
            .first()
            .unwrap_or_else(|| panic!("no answer to /alerts {path:?} from {place:?}"));
        assert_eq!(first["kind"], "callback", "{first:#}");
        assert_eq!(
            first["body"]["type"], 4,
            "expected an immediate reply: {first:#}"
        );
        first["body"]["data"].clone()
    }
}

pub fn opt(name: &str, kind: u8, value: Value) -> Value {
    json!({"name": name, "type": kind, "value": value})
}

pub fn is_ephemeral(data: &Value) -> bool {
    data["flags"].as_u64().unwrap_or(0) & EPHEMERAL != 0
}

pub fn content(data: &Value) -> String {
    data["content"].as_str().unwrap_or_default().to_string()
}

/// All embeds of a command's answer: an immediate reply's and every follow-up's.
pub fn all_embeds(responses: &[Value]) -> Vec<Value> {
    let replies = responses
        .iter()
        .filter(|r| r["kind"] == "callback")
        .flat_map(|r| {
            r["body"]["data"]["embeds"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        });
    replies.chain(followup_embeds(responses)).collect()
}

/// All embeds across a deferred command's follow-ups.
pub fn followup_embeds(responses: &[Value]) -> Vec<Value> {
    responses
        .iter()
        .filter(|r| r["kind"] == "followup" || r["kind"] == "edit_original")
        .flat_map(|r| r["body"]["embeds"].as_array().cloned().unwrap_or_default())
        .collect()
}

/// The first message's text (the header of a day): the immediate reply's, or the first
/// follow-up's after a deferral.
pub fn first_followup(responses: &[Value]) -> String {
    responses
        .iter()
        .find_map(|r| {
            let text = match r["kind"].as_str() {
                Some("followup") => content(&r["body"]),
                Some("callback") => content(&r["body"]["data"]),
                _ => String::new(),
            };
            (!text.is_empty()).then_some(text)
        })
        .unwrap_or_default()
}
