//! `bot.toml`: loaded once at start-up and validated up front, so that a typo in a cron
//! expression or a time zone is reported with its key before the bot connects anywhere, rather
//! than surfacing hours later when the first post is due.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use chrono::NaiveDate;
use chrono_tz::Tz;
use serde::Deserialize;

use crate::source::loader::{DigestSource, HistorySource};
use crate::source::publication::{Publication, WeekdaySet};
use crate::store::Database;

pub mod error;

use error::invalid;
pub use error::ConfigError;

/// Minutes from the file as a duration; callers bound the value first.
fn minutes(m: u64) -> chrono::Duration {
    chrono::Duration::minutes(i64::try_from(m).unwrap_or(i64::MAX).min(MAX_MINUTES as i64))
}

/// A month: no wait in the file is meant to be longer.
const MAX_MINUTES: u64 = 31 * 24 * 60;

/// The bot token. Its `Debug`/`Display` never show the value, so logging a config or an error
/// that carries it cannot leak it.
#[derive(Clone)]
pub struct Token(String);

impl Token {
    /// Reads `DISCORD_TOKEN`; the token is only ever taken from the environment, never a file.
    pub fn from_env() -> Result<Token, ConfigError> {
        match std::env::var("DISCORD_TOKEN") {
            Ok(t) if !t.trim().is_empty() => Ok(Token(t.trim().to_string())),
            _ => Err(ConfigError::MissingToken),
        }
    }

    pub fn new(value: impl Into<String>) -> Token {
        Token(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The `Authorization` header's value Discord wants: `Bot <token>`, whether or not the
    /// operator wrote the prefix. serenity's `HttpBuilder` adds it, but its `Ratelimiter` (the
    /// production path's sender) takes the header as given.
    pub fn authorization(&self) -> String {
        if self.0.starts_with("Bot ") {
            self.0.clone()
        } else {
            format!("Bot {}", self.0)
        }
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// The file as written; everything has a default so an almost empty file works.
#[derive(Debug, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct RawConfig {
    discord: RawDiscord,
    schedule: RawSchedule,
    source: RawSource,
    database: RawDatabase,
    delivery: RawDelivery,
    network: RawNetwork,
    metrics: RawMetrics,
    summaries: Option<crate::summaries::config::RawSummaries>,
    ask: crate::ask::config::RawAsk,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct RawMetrics {
    listen: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct RawDiscord {
    application_id: Option<u64>,
    dev_guild: Option<u64>,
    api_base: Option<String>,
    shards: Option<RawShards>,
    shard_range: Option<String>,
}

/// `shards = "auto"` or `shards = 4`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawShards {
    Count(u32),
    Word(String),
}

#[derive(Debug, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct RawNetwork {
    https_proxy: Option<String>,
    ca_file: Option<PathBuf>,
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawSchedule {
    cron: String,
    timezone: String,
    digest_offset_days: Option<i64>,
    catch_up_days: u32,
    publish_deadline_minutes: u64,
    retry_initial_minutes: u64,
    retry_max_minutes: u64,
}

impl Default for RawSchedule {
    fn default() -> Self {
        RawSchedule {
            cron: DEFAULT_CRON.into(),
            timezone: DEFAULT_TIMEZONE.into(),
            digest_offset_days: None,
            catch_up_days: 7,
            publish_deadline_minutes: 12 * 60,
            retry_initial_minutes: 5,
            retry_max_minutes: 60,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawSource {
    kind: String,
    path: Option<PathBuf>,
    url: Option<String>,
    history_url: Option<String>,
    history_until: Option<NaiveDate>,
    hf_api_base: String,
    fallback_hf_api: bool,
    fallback_after_minutes: u64,
    publish_days: String,
    quiet_after_days: u32,
    hf_settle_minutes: u64,
    first_date: NaiveDate,
    timeout_seconds: u64,
    max_bytes: usize,
}

impl Default for RawSource {
    fn default() -> Self {
        RawSource {
            kind: "hf-api".into(),
            path: None,
            url: Some(DEFAULT_URL_TEMPLATE.into()),
            history_url: None,
            history_until: None,
            hf_api_base: DEFAULT_HF_API_BASE.into(),
            fallback_hf_api: true,
            fallback_after_minutes: 60,
            publish_days: "Mon-Fri".into(),
            quiet_after_days: 3,
            hf_settle_minutes: 60,
            first_date: DEFAULT_FIRST_DATE,
            timeout_seconds: 20,
            max_bytes: 5 * 1024 * 1024,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawDatabase {
    path: PathBuf,
    url: Option<String>,
}

impl Default for RawDatabase {
    fn default() -> Self {
        RawDatabase {
            path: PathBuf::from("paperboy.db"),
            url: None,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawDelivery {
    requests_per_second: u32,
    concurrency: usize,
    max_retries: u32,
    lease_seconds: u64,
}

impl Default for RawDelivery {
    fn default() -> Self {
        RawDelivery {
            requests_per_second: 45,
            concurrency: 32,
            max_retries: 5,
            lease_seconds: 30,
        }
    }
}

/// The Korean digest (l-yohai/daily_papers_ko) on GitHub: `kind = "url"`'s default, and the
/// default history source of `kind = "hf-api"`.
pub const DEFAULT_URL_TEMPLATE: &str =
    "https://raw.githubusercontent.com/l-yohai/daily_papers_ko/main/paper_logs/{yyyy}/{mm}/{dd}.md";
/// The Korean digest's last day: it published nothing after it.
pub const DEFAULT_HISTORY_UNTIL: NaiveDate = match NaiveDate::from_ymd_opt(2025, 5, 9) {
    Some(d) => d,
    None => panic!("a valid date"),
};
pub const DEFAULT_HF_API_BASE: &str = "https://huggingface.co";
/// 10:00 in Korea, Monday to Friday: see README ("Why these defaults").
pub const DEFAULT_CRON: &str = "0 0 10 * * Mon-Fri";
pub const DEFAULT_TIMEZONE: &str = "Asia/Seoul";
/// Hugging Face's Daily Papers list starts in May 2023; nothing is dated before this.
pub const DEFAULT_FIRST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(2023, 5, 1) {
    Some(d) => d,
    None => panic!("a valid date"),
};

/// Validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub discord: DiscordConfig,
    pub schedule: ScheduleConfig,
    pub source: SourceConfig,
    /// The SQLite file (`database.path`, or a `sqlite://` URL).
    pub database_path: PathBuf,
    /// A PostgreSQL server from `database.url` or `DATABASE_URL`, used instead of the file.
    pub database_url: Option<Database>,
    pub delivery: DeliveryConfig,
    pub network: NetworkConfig,
    /// Where `/healthz` and `/metrics` are served (`metrics.listen`); `None`: not at all.
    pub metrics_listen: Option<std::net::SocketAddr>,
    /// `[summaries]`: the model that writes each paper's bullets; `None`: nothing is summarised.
    pub summaries: Option<crate::summaries::SummariesConfig>,
    /// `[ask]`: `/papers ask`'s caps and sizes (it answers with `[summaries]`' model).
    pub ask: crate::ask::config::AskConfig,
}

impl Config {
    /// The language of a channel or person that chose none: their summaries' and posts' words.
    pub fn default_language(&self) -> crate::language::Language {
        // `summaries.language` (default `ko`) when summaries are on; the bot's words have been
        // English so far, and stay so without them.
        self.summaries
            .as_ref()
            .and_then(|s| crate::language::Language::parse(&s.language).ok())
            .unwrap_or_else(crate::language::Language::english)
    }
}

#[derive(Debug, Clone)]
pub struct DiscordConfig {
    pub application_id: Option<u64>,
    /// Commands are registered in this guild only (instant) instead of globally.
    pub dev_guild: Option<u64>,
    /// A rate-limit proxy in front of Discord's API (or a local fake). `None` = discord.com
    /// with serenity's own rate limiter.
    pub api_base: Option<String>,
    /// How many gateway shards the bot runs in all.
    pub shards: Shards,
    /// The shards this process opens (`None`: all of them).
    pub shard_range: Option<ShardRange>,
}

impl DiscordConfig {
    /// Applies `paperboy run --shards … --total-shards …` over the file's settings.
    pub fn set_shards(
        &mut self,
        range: Option<ShardRange>,
        total: Option<u32>,
    ) -> Result<(), String> {
        if let Some(n) = total {
            if !(1..=1024).contains(&n) {
                return Err(format!("{n} shards: the total must be from 1 to 1024"));
            }
            self.shards = Shards::Fixed(n);
        }
        if range.is_some() {
            self.shard_range = range;
        }
        check_shard_range(self.shard_range, self.shards)
    }
}

/// A range must lie within the total when the total is known here (with `auto`, it is checked
/// against Discord's recommendation at start-up).
fn check_shard_range(range: Option<ShardRange>, shards: Shards) -> Result<(), String> {
    if let (Some(r), Shards::Fixed(n)) = (range, shards) {
        if r.last >= n {
            return Err(format!(
                "shard {} does not exist: there are {n} shards (0 to {})",
                r.last,
                n - 1
            ));
        }
    }
    Ok(())
}

/// The total number of gateway shards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shards {
    /// Discord's recommendation (`GET /gateway/bot`), as it asks bots to do.
    Auto,
    Fixed(u32),
}

/// An inclusive range of shard ids, e.g. `0-3`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardRange {
    pub first: u32,
    pub last: u32,
}

impl FromStr for ShardRange {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("`{s}` is not a shard range: write `0-3` (shards 0 to 3) or `2`");
        let (a, b) = match s.trim().split_once('-') {
            Some((a, b)) => (a.trim(), b.trim()),
            None => (s.trim(), s.trim()),
        };
        let first: u32 = a.parse().map_err(|_| bad())?;
        let last: u32 = b.parse().map_err(|_| bad())?;
        if first > last {
            return Err(bad());
        }
        Ok(ShardRange { first, last })
    }
}

/// How the bot reaches the network (Discord and the digest sources).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetworkConfig {
    /// An HTTP proxy for https requests (`network.https_proxy`, else `HTTPS_PROXY`): Discord's
    /// REST API, the gateway (through a local tunnel) and digest downloads go through it.
    pub https_proxy: Option<String>,
    /// Extra trusted CA certificates, PEM (`network.ca_file`, else `SSL_CERT_FILE`), on top of
    /// the system's store and the bundled roots.
    pub ca_file: Option<PathBuf>,
}

#[derive(Debug, Clone)]
pub struct ScheduleConfig {
    pub cron: cron::Schedule,
    pub cron_text: String,
    pub timezone: Tz,
    /// `None` (the default): a post carries every complete digest the channel has not had yet.
    /// `Some(n)`: each post carries exactly the digest dated its local day plus `n` (-1 =
    /// yesterday's), the explicit override.
    pub digest_offset_days: Option<i64>,
    /// A post never carries a digest dated more than this many days before it.
    pub catch_up_days: u32,
    /// How long after it is due a missing digest is waited for (re-checked with backoff), holding
    /// later ones back so days arrive in order.
    pub publish_deadline: Duration,
    pub retry_initial: Duration,
    pub retry_max: Duration,
}

#[derive(Debug, Clone)]
pub struct SourceConfig {
    /// Asked first for a new day (and any day the history source does not cover).
    pub primary: DigestSource,
    /// Asked when the primary source has nothing for a date.
    pub fallback: Option<DigestSource>,
    /// Asked first for the days up to its last, the primary standing in for a day it lacks.
    pub history: Option<HistorySource>,
    /// When digests are expected and complete; when the fallback may stand in.
    pub publication: Publication,
    /// No digest is dated earlier (the floor of `/papers date`).
    pub first_date: NaiveDate,
    pub timeout: Duration,
    pub max_bytes: usize,
    /// `source.hf_api_base`: Hugging Face's API, whichever source reads it (follow-ups on saved
    /// papers ask it even when no digest comes from it).
    pub hf_api_base: String,
}

#[derive(Debug, Clone)]
pub struct DeliveryConfig {
    /// The bot token's budget, divided between the live processes sharing a database.
    pub requests_per_second: u32,
    pub concurrency: usize,
    pub max_retries: u32,
    /// How long a process's claim on a delivery lasts without renewal (see `store::leases`).
    pub lease: Duration,
}

impl SourceConfig {
    /// The sources asked for `date`, first and standing in: for a day the history source covers,
    /// it, then the primary; for any other, the primary, then the fallback.
    pub fn for_date(&self, date: NaiveDate) -> (&DigestSource, Option<&DigestSource>) {
        match &self.history {
            Some(h) if h.covers(date) => (&h.source, Some(&self.primary)),
            _ => (&self.primary, self.fallback.as_ref()),
        }
    }
}

/// A digest URL template: http(s), with a date placeholder.
fn url_template(key: &'static str, url: String) -> Result<String, ConfigError> {
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(invalid(key, format!("`{url}` is not an http(s) URL")));
    }
    if !url.contains("{date}") && !url.contains("{dd}") {
        return Err(invalid(
            key,
            "must contain a date placeholder: {date} (YYYY-MM-DD) or {yyyy}/{mm}/{dd}",
        ));
    }
    Ok(url)
}

/// Parses a cron expression, accepting the 5-field Unix form too (by prefixing seconds) because
/// that is what most people write, and the `cron` crate's own error for it is unhelpful.
pub fn parse_cron(text: &str) -> Result<cron::Schedule, String> {
    let fields = text.split_whitespace().count();
    let normalized = match fields {
        5 => {
            let mut parts: Vec<String> = text.split_whitespace().map(str::to_string).collect();
            parts[4] = unix_weekdays(&parts[4])?;
            format!("0 {}", parts.join(" "))
        }
        6 | 7 => text.trim().to_string(),
        n => {
            return Err(format!(
                "`{text}` has {n} fields; expected `sec min hour day-of-month month day-of-week` \
                 (e.g. \"0 0 9 * * *\" for 09:00 every day, \"0 30 8 * * Mon-Fri\" for 08:30 on weekdays)"
            ))
        }
    };
    cron::Schedule::from_str(&normalized)
        .map_err(|e| format!("`{text}` is not a valid cron expression: {e}"))
}

/// Unix cron numbers weekdays 0–7 from Sunday (0 and 7 both Sunday); the `cron` crate numbers
/// them 1–7 from Sunday. Copying a Unix expression as is would shift every numbered day by one,
/// so numbers (not step sizes) in the 5-field form are translated.
fn unix_weekdays(field: &str) -> Result<String, String> {
    let day = |n: &str| -> Result<String, String> {
        match n.parse::<u8>() {
            Ok(d @ 0..=6) => Ok((d + 1).to_string()),
            Ok(7) => Ok("1".into()),
            Ok(_) => Err(format!(
                "day-of-week `{n}` is out of range: use 0-7 (0 or 7 = Sunday) or names like Mon-Fri"
            )),
            Err(_) => Ok(n.to_string()),
        }
    };
    field
        .split(',')
        .map(|item| {
            let (range, step) = match item.split_once('/') {
                Some((r, s)) => (r, Some(s)),
                None => (item, None),
            };
            let range = match range.split_once('-') {
                // "5-7" (Friday to Sunday) cannot become "6-1": spell the wrap-around out.
                Some((a, b))
                    if b == "7" && a.parse::<u8>().is_ok_and(|a| a > 0) && step.is_none() =>
                {
                    format!("{}-7,1", day(a)?)
                }
                Some((a, b)) => format!("{}-{}", day(a)?, day(b)?),
                None => day(range)?,
            };
            Ok(match step {
                Some(s) => format!("{range}/{s}"),
                None => range,
            })
        })
        .collect::<Result<Vec<_>, String>>()
        .map(|items| items.join(","))
}

/// Parses an IANA time zone name, suggesting the expected form when it is not one.
pub fn parse_timezone(text: &str) -> Result<Tz, String> {
    text.trim().parse::<Tz>().map_err(|_| {
        format!("`{text}` is not a known IANA time zone (examples: \"UTC\", \"Asia/Seoul\", \"Europe/Berlin\", \"America/New_York\")")
    })
}

impl Config {
    /// The database the bot uses: the Postgres server when one is configured, else the file.
    pub fn database(&self) -> Database {
        self.database_url
            .clone()
            .unwrap_or_else(|| Database::Sqlite(self.database_path.clone()))
    }

    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        let base = path.parent().unwrap_or_else(|| Path::new("."));
        Config::from_toml(&text, base).map_err(|e| match e {
            ConfigError::Parse { reason, .. } => ConfigError::Parse {
                path: path.display().to_string(),
                reason,
            },
            other => other,
        })
    }

    /// Relative paths in the file are resolved against `base` (the config file's folder), so the
    /// bot behaves the same whatever directory it is started from.
    pub fn from_toml(text: &str, base: &Path) -> Result<Config, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: "<config>".into(),
            reason: e.to_string(),
        })?;
        let resolve = |p: &Path| {
            if p.is_absolute() {
                p.to_path_buf()
            } else {
                base.join(p)
            }
        };

        let cron = parse_cron(&raw.schedule.cron).map_err(|r| invalid("schedule.cron", r))?;
        let timezone =
            parse_timezone(&raw.schedule.timezone).map_err(|r| invalid("schedule.timezone", r))?;
        if raw
            .schedule
            .digest_offset_days
            .is_some_and(|d| !(-7..=0).contains(&d))
        {
            return Err(invalid(
                "schedule.digest_offset_days",
                "must be between -7 and 0 (0 = the post's own day, -1 = the day before); leave it out to post every new digest",
            ));
        }
        if raw.schedule.catch_up_days > 31 {
            return Err(invalid("schedule.catch_up_days", "must be at most 31"));
        }
        if raw.schedule.retry_initial_minutes == 0 || raw.schedule.retry_max_minutes == 0 {
            return Err(invalid(
                "schedule.retry_initial_minutes",
                "retry intervals must be at least 1 minute",
            ));
        }

        let primary = match raw.source.kind.as_str() {
            "folder" => {
                let p = raw.source.path.as_deref().ok_or_else(|| {
                    invalid("source.path", "required when source.kind = \"folder\"")
                })?;
                DigestSource::Folder(resolve(p))
            }
            "url" => {
                let url =
                    raw.source.url.clone().ok_or_else(|| {
                        invalid("source.url", "required when source.kind = \"url\"")
                    })?;
                DigestSource::UrlTemplate(url_template("source.url", url)?)
            }
            "hf-api" => DigestSource::HfApi {
                base_url: raw.source.hf_api_base.clone(),
            },
            other => {
                return Err(invalid(
                    "source.kind",
                    format!("`{other}` is not one of \"folder\", \"url\", \"hf-api\""),
                ))
            }
        };
        // The Korean digest for its days by default under Hugging Face's list; with another
        // primary only when asked for (that primary is usually the digest itself).
        let history_url = match (&raw.source.history_url, raw.source.kind.as_str()) {
            (Some(u), _) if u.trim().is_empty() => None,
            (Some(u), _) => Some(u.clone()),
            (None, "hf-api") => Some(DEFAULT_URL_TEMPLATE.to_string()),
            (None, _) => None,
        };
        let history = match history_url {
            Some(url) => Some(HistorySource {
                source: DigestSource::UrlTemplate(url_template("source.history_url", url)?),
                until: raw.source.history_until.unwrap_or(DEFAULT_HISTORY_UNTIL),
            }),
            None => None,
        };
        let fallback = (raw.source.fallback_hf_api && raw.source.kind != "hf-api").then(|| {
            DigestSource::HfApi {
                base_url: raw.source.hf_api_base.clone(),
            }
        });
        let publish_days: WeekdaySet = raw
            .source
            .publish_days
            .parse()
            .map_err(|r| invalid("source.publish_days", r))?;
        for (key, value) in [
            (
                "source.fallback_after_minutes",
                raw.source.fallback_after_minutes,
            ),
            ("source.hf_settle_minutes", raw.source.hf_settle_minutes),
            (
                "schedule.publish_deadline_minutes",
                raw.schedule.publish_deadline_minutes,
            ),
        ] {
            if value > MAX_MINUTES {
                return Err(invalid(
                    key,
                    format!("must be at most {MAX_MINUTES} (31 days)"),
                ));
            }
        }
        if raw.source.quiet_after_days == 0 {
            return Err(invalid("source.quiet_after_days", "must be at least 1"));
        }
        if raw.source.timeout_seconds == 0 {
            return Err(invalid("source.timeout_seconds", "must be at least 1"));
        }
        if raw.source.max_bytes < 1024 {
            return Err(invalid("source.max_bytes", "must be at least 1024"));
        }

        if !(1..=50).contains(&raw.delivery.requests_per_second) {
            return Err(invalid(
                "delivery.requests_per_second",
                "must be between 1 and 50 (Discord's global limit is 50 requests per second)",
            ));
        }
        if raw.delivery.concurrency == 0 {
            return Err(invalid("delivery.concurrency", "must be at least 1"));
        }
        if !(2..=3600).contains(&raw.delivery.lease_seconds) {
            return Err(invalid(
                "delivery.lease_seconds",
                "must be between 2 and 3600 seconds",
            ));
        }

        if let Some(base) = &raw.discord.api_base {
            if !(base.starts_with("http://") || base.starts_with("https://")) {
                return Err(invalid(
                    "discord.api_base",
                    format!("`{base}` is not an http(s) URL"),
                ));
            }
        }

        let metrics_listen = raw
            .metrics
            .listen
            .as_deref()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| {
                l.parse::<std::net::SocketAddr>().map_err(|_| {
                    invalid(
                        "metrics.listen",
                        format!(
                            "`{l}` is not an address to listen on: write e.g. \"127.0.0.1:9100\""
                        ),
                    )
                })
            })
            .transpose()?;
        let shards = match raw.discord.shards {
            None => Shards::Auto,
            Some(RawShards::Word(w)) if w.eq_ignore_ascii_case("auto") => Shards::Auto,
            Some(RawShards::Count(n)) if (1..=1024).contains(&n) => Shards::Fixed(n),
            Some(_) => {
                return Err(invalid(
                    "discord.shards",
                    "must be \"auto\" (Discord's recommendation) or a number from 1 to 1024",
                ))
            }
        };
        let shard_range = raw
            .discord
            .shard_range
            .as_deref()
            .map(str::parse::<ShardRange>)
            .transpose()
            .map_err(|r| invalid("discord.shard_range", r))?;
        check_shard_range(shard_range, shards).map_err(|r| invalid("discord.shard_range", r))?;
        let from_env = |keys: &[&str]| {
            keys.iter()
                .find_map(|k| std::env::var(k).ok())
                .filter(|v| !v.trim().is_empty())
        };
        let https_proxy = raw
            .network
            .https_proxy
            .or_else(|| from_env(&["HTTPS_PROXY", "https_proxy"]));
        if let Some(p) = &https_proxy {
            if !(p.starts_with("http://") || p.starts_with("https://")) {
                return Err(invalid(
                    "network.https_proxy",
                    format!("`{p}` is not an http(s) URL (e.g. \"http://proxy.example:3128\")"),
                ));
            }
        }
        // The file's URL first, as with the proxy; `sqlite://` URLs name the file like `path`.
        let (url_key, url) = match raw.database.url {
            Some(url) => ("database.url", Some(url)),
            None => ("DATABASE_URL", from_env(&["DATABASE_URL"])),
        };
        let mut database_path = resolve(&raw.database.path);
        let mut database_url = None;
        match url.as_deref().map(|u| (u, Database::from_url(u))) {
            None => {}
            Some((_, Some(Database::Sqlite(path)))) => database_path = resolve(&path),
            Some((_, Some(postgres))) => database_url = Some(postgres),
            Some((u, None)) => {
                // Only the scheme is echoed: the rest may hold a password.
                let scheme = u.split_once(':').map_or(u, |(s, _)| s);
                return Err(invalid(
                    url_key,
                    format!(
                        "`{scheme}:` is not a database paperboy supports: use \
                         \"postgres://user:password@host:5432/dbname\" or \"sqlite://path\""
                    ),
                ));
            }
        }
        let summaries = raw
            .summaries
            .map(|s| s.validate(crate::summaries::config::ApiKey::from_env()))
            .transpose()?;
        if let Some(s) = &summaries {
            if s.wait >= Duration::from_secs(raw.schedule.publish_deadline_minutes * 60) {
                return Err(invalid(
                    "summaries.wait_minutes",
                    "must be shorter than schedule.publish_deadline_minutes (a post is open only that long)",
                ));
            }
        }
        let ask = raw.ask.validate()?;
        let ca_file = raw
            .network
            .ca_file
            .map(|p| resolve(&p))
            .or_else(|| from_env(&["SSL_CERT_FILE"]).map(PathBuf::from));

        Ok(Config {
            discord: DiscordConfig {
                application_id: raw.discord.application_id,
                dev_guild: raw.discord.dev_guild,
                api_base: raw
                    .discord
                    .api_base
                    .map(|b| b.trim_end_matches('/').to_string()),
                shards,
                shard_range,
            },
            network: NetworkConfig {
                https_proxy,
                ca_file,
            },
            schedule: ScheduleConfig {
                cron,
                cron_text: raw.schedule.cron,
                timezone,
                digest_offset_days: raw.schedule.digest_offset_days,
                catch_up_days: raw.schedule.catch_up_days,
                publish_deadline: Duration::from_secs(raw.schedule.publish_deadline_minutes * 60),
                retry_initial: Duration::from_secs(raw.schedule.retry_initial_minutes * 60),
                retry_max: Duration::from_secs(raw.schedule.retry_max_minutes * 60),
            },
            source: SourceConfig {
                primary,
                fallback,
                history,
                publication: Publication {
                    publish_days,
                    fallback_after: minutes(raw.source.fallback_after_minutes),
                    quiet_after_days: raw.source.quiet_after_days,
                    settle: minutes(raw.source.hf_settle_minutes),
                },
                first_date: raw.source.first_date,
                timeout: Duration::from_secs(raw.source.timeout_seconds),
                max_bytes: raw.source.max_bytes,
                hf_api_base: raw.source.hf_api_base.trim_end_matches('/').to_string(),
            },
            database_path,
            database_url,
            delivery: DeliveryConfig {
                requests_per_second: raw.delivery.requests_per_second,
                concurrency: raw.delivery.concurrency,
                max_retries: raw.delivery.max_retries,
                lease: Duration::from_secs(raw.delivery.lease_seconds),
            },
            metrics_listen,
            summaries,
            ask,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_authorization_header_has_one_bot_prefix() {
        assert_eq!(Token::new("abc.def").authorization(), "Bot abc.def");
        assert_eq!(Token::new("Bot abc.def").authorization(), "Bot abc.def");
        assert_eq!(format!("{:?}", Token::new("abc.def")), "Token(<redacted>)");
    }

    fn load(text: &str) -> Result<Config, ConfigError> {
        Config::from_toml(text, Path::new("/etc/paperboy"))
    }

    #[test]
    fn shipped_bot_toml_is_valid() {
        let text = include_str!("../../bot.toml");
        let cfg = load(text).expect("bot.toml must load as is");
        assert_eq!(cfg.delivery.requests_per_second, 45);
    }

    #[test]
    fn empty_file_uses_defaults() {
        let cfg = load("").unwrap();
        assert_eq!(cfg.schedule.timezone, chrono_tz::Asia::Seoul);
        assert_eq!(cfg.schedule.cron_text, DEFAULT_CRON);
        assert_eq!(cfg.schedule.digest_offset_days, None);
        assert_eq!(
            cfg.source.publication.publish_days.to_string(),
            "Mon,Tue,Wed,Thu,Fri"
        );
        assert_eq!(
            cfg.database_path,
            PathBuf::from("/etc/paperboy/paperboy.db")
        );
        // New days from Hugging Face's list; the Korean digest for the days it has.
        assert_eq!(
            cfg.source.primary,
            DigestSource::HfApi {
                base_url: DEFAULT_HF_API_BASE.into()
            }
        );
        assert_eq!(cfg.source.fallback, None);
        assert_eq!(
            cfg.source.history,
            Some(HistorySource {
                source: DigestSource::UrlTemplate(DEFAULT_URL_TEMPLATE.into()),
                until: DEFAULT_HISTORY_UNTIL,
            })
        );
    }

    #[test]
    fn a_day_goes_to_the_history_source_only_up_to_its_last_day() {
        let cfg = load("").unwrap().source;
        let korean = DigestSource::UrlTemplate(DEFAULT_URL_TEMPLATE.into());
        let (first, then) = cfg.for_date("2025-05-09".parse().unwrap());
        assert_eq!((first, then), (&korean, Some(&cfg.primary)));
        let (first, then) = cfg.for_date("2025-05-12".parse().unwrap());
        assert_eq!((first, then), (&cfg.primary, None));
    }

    #[test]
    fn explicit_sources_keep_their_behaviour_and_history_is_set_or_turned_off() {
        // kind = "url" as configurations written before: the Korean digest, then Hugging Face.
        let cfg = load("[source]\nkind = \"url\"\n").unwrap().source;
        assert_eq!(
            cfg.primary,
            DigestSource::UrlTemplate(DEFAULT_URL_TEMPLATE.into())
        );
        assert!(matches!(cfg.fallback, Some(DigestSource::HfApi { .. })));
        assert_eq!(cfg.history, None);
        let (first, then) = cfg.for_date("2024-04-02".parse().unwrap());
        assert_eq!((first, then), (&cfg.primary, cfg.fallback.as_ref()));
        // Turned off.
        let cfg = load("[source]\nhistory_url = \"\"\n").unwrap().source;
        assert_eq!(cfg.history, None);
        // Set for a folder primary, with its own last day.
        let cfg = load(
            "[source]\nkind = \"folder\"\npath = \"d\"\nhistory_url = \"https://x.y/{date}.md\"\nhistory_until = \"2024-01-31\"\n",
        )
        .unwrap()
        .source;
        let h = cfg.history.unwrap();
        assert_eq!(
            h.source,
            DigestSource::UrlTemplate("https://x.y/{date}.md".into())
        );
        assert_eq!(h.until.to_string(), "2024-01-31");
        let e = load("[source]\nhistory_url = \"https://x.y/day.md\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("source.history_url"), "{e}");
    }

    #[test]
    fn metrics_are_off_unless_an_address_is_given() {
        assert_eq!(load("").unwrap().metrics_listen, None);
        let cfg = load("[metrics]\nlisten = \"127.0.0.1:9100\"").unwrap();
        assert_eq!(cfg.metrics_listen, Some("127.0.0.1:9100".parse().unwrap()));
        let e = load("[metrics]\nlisten = \"localhost\"")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("metrics.listen") && e.contains("127.0.0.1:9100"),
            "{e}"
        );
    }

    #[test]
    fn command_line_shards_override_the_file_and_are_checked() {
        let mut d = load("[discord]\nshards = 4\nshard_range = \"0-1\"")
            .unwrap()
            .discord;
        d.set_shards(Some("2-3".parse().unwrap()), None).unwrap();
        assert_eq!(d.shard_range, Some(ShardRange { first: 2, last: 3 }));
        let e = d.set_shards(None, Some(2)).unwrap_err();
        assert!(e.contains("shard 3 does not exist"), "{e}");
        assert!(d
            .set_shards(None, Some(0))
            .unwrap_err()
            .contains("from 1 to 1024"));
    }

    #[test]
    fn database_url_picks_postgres_or_names_the_sqlite_file() {
        let cfg = load("[database]\nurl = \"postgres://bot:pw@db:5432/paperboy\"").unwrap();
        assert_eq!(
            cfg.database(),
            Database::Postgres("postgres://bot:pw@db:5432/paperboy".into())
        );
        let cfg = load("[database]\nurl = \"sqlite://data/p.db\"\npath = \"x.db\"").unwrap();
        assert_eq!(cfg.database_url, None);
        assert_eq!(
            cfg.database(),
            Database::Sqlite(PathBuf::from("/etc/paperboy/data/p.db"))
        );
        let err = load("[database]\nurl = \"mysql://root:hunter2@db/p\"").unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("database.url") && text.contains("`mysql:`"),
            "{text}"
        );
        assert!(!text.contains("hunter2"), "{text}");
    }

    #[test]
    fn five_field_cron_is_accepted() {
        let cfg = load("[schedule]\ncron = \"30 8 * * Mon-Fri\"").unwrap();
        assert!(cfg.schedule.cron.upcoming(chrono::Utc).next().is_some());
    }

    #[test]
    fn unix_weekday_numbers_mean_what_they_mean_in_unix_cron() {
        use chrono::{Datelike, TimeZone, Weekday};
        let saturday = chrono::Utc.with_ymd_and_hms(2024, 4, 6, 12, 0, 0).unwrap();
        let weekdays = |expr: &str| -> Vec<Weekday> {
            parse_cron(expr)
                .unwrap()
                .after(&saturday)
                .take(7)
                .map(|t| t.weekday())
                .collect()
        };
        use Weekday::*;
        assert_eq!(
            weekdays("30 8 * * 1-5"),
            vec![Mon, Tue, Wed, Thu, Fri, Mon, Tue]
        );
        assert_eq!(weekdays("0 9 * * 0"), vec![Sun; 7]);
        assert_eq!(weekdays("0 9 * * 7"), vec![Sun; 7]);
        assert_eq!(
            weekdays("0 9 * * 5-7"),
            vec![Sun, Fri, Sat, Sun, Fri, Sat, Sun]
        );
        assert_eq!(
            weekdays("0 9 * * 1,3"),
            vec![Mon, Wed, Mon, Wed, Mon, Wed, Mon]
        );
        assert_eq!(weekdays("0 9 * * Mon-Fri")[0], Mon);
        assert!(parse_cron("0 9 * * 8").is_err());
    }

    #[test]
    fn bad_cron_names_the_key() {
        let err = load("[schedule]\ncron = \"every day\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("schedule.cron"), "{err}");
        let err = load("[schedule]\ncron = \"0 99 9 * * *\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("schedule.cron"), "{err}");
    }

    #[test]
    fn unknown_timezone_names_the_key() {
        let err = load("[schedule]\ntimezone = \"Mars/Olympus\"")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("schedule.timezone") && err.contains("Mars/Olympus"),
            "{err}"
        );
    }

    #[test]
    fn folder_source_resolves_relative_to_config() {
        let cfg = load("[source]\nkind = \"folder\"\npath = \"digests\"").unwrap();
        match cfg.source.primary {
            DigestSource::Folder(p) => assert_eq!(p, PathBuf::from("/etc/paperboy/digests")),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn unknown_keys_and_kinds_are_rejected() {
        assert!(load("[schedule]\ncorn = \"x\"").is_err());
        let err = load("[source]\nkind = \"ftp\"").unwrap_err().to_string();
        assert!(err.contains("source.kind"), "{err}");
        let err = load("[delivery]\nrequests_per_second = 60")
            .unwrap_err()
            .to_string();
        assert!(err.contains("delivery.requests_per_second"), "{err}");
    }

    #[test]
    fn token_debug_is_redacted() {
        let t = Token::new("super-secret");
        assert!(!format!("{t:?}").contains("super-secret"));
    }
}
