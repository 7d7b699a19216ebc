//! The operator's views, without Discord: `paperboy status` (what each source has and what each
//! channel got and gets next, from the database) and what `paperboy preview` shows without
//! `--date` (the digest the next daily post would carry, asked of the sources directly).

use std::fmt::Write as _;

use chrono::{DateTime, Duration, NaiveDate, SecondsFormat, Utc};

use crate::config::Config;
use crate::deliver::carry::{carry, selection_for, DayState, History, Selection};
use crate::deliver::outlook::outlook;
use crate::deliver::settings::schedule_for;
use crate::deliver::target::Target;
use crate::deliver::MAX_DELIVERY_ATTEMPTS;
use crate::render::plain_line;
use crate::source::digest::{DigestError, Parsed};
use crate::source::fetch::{quiet_status, Role, Sources};
use crate::source::publication::{missing_streak, PrimaryDay};
use crate::store::{Database, RetryingDay, Store, StoreError};

/// Formats an instant for an operator: UTC, to the minute.
fn at(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// `paperboy status`: reads the database next to the config (never creates it).
pub async fn status(config: &Config, now: DateTime<Utc>) -> Result<String, StatusError> {
    let database = config.database();
    if let Database::Sqlite(path) = &database {
        if !path.exists() {
            return Err(StatusError::NoDatabase(path.display().to_string()));
        }
    }
    let store = Store::connect(&database).await?;
    let text = status_of(&store, config, now).await;
    store.close().await;
    Ok(text?)
}

#[derive(Debug, thiserror::Error)]
pub enum StatusError {
    #[error("there is no database at {0} yet: `paperboy run` creates it on first start")]
    NoDatabase(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The status text for an open store.
pub async fn status_of(
    store: &Store,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<String, StoreError> {
    // Describing the sources downloads nothing.
    let sources = Sources::new(&config.source, reqwest::Client::new());
    let publication = &config.source.publication;
    let mut out = String::new();
    let _ = writeln!(out, "paperboy status at {}\n", at(now));
    let _ = writeln!(out, "Sources");
    let quiet = quiet_status(store, &sources, publication, now).await?;
    let history = sources.history();
    // Quiet or not is said of the source asked first for the days now due.
    let first_now = sources
        .get(Role::Primary, now.date_naive())
        .expect("always a primary")
        .describe();
    for (role, loader) in [
        ("primary", Some(sources.primary())),
        ("fallback", sources.fallback()),
        ("history", history.map(|(l, _)| l)),
    ] {
        let Some(loader) = loader else {
            let why = match role {
                "history" => "none (source.history_url)",
                _ if sources.primary().source().grows_during_day() => {
                    "none (the primary is Hugging Face's list)"
                }
                _ => "none (source.fallback_hf_api = false)",
            };
            let _ = writeln!(out, "  {role:<9} {why}");
            continue;
        };
        let source = loader.describe();
        match history {
            Some((_, until)) if role == "history" => {
                let _ = writeln!(
                    out,
                    "  {role:<9} {source}, asked first for the days up to {until} (never for a later day)"
                );
            }
            _ => {
                let _ = writeln!(out, "  {role:<9} {source}");
            }
        }
        match store.newest_archived(&source).await? {
            Some(d) => {
                let state = if d.final_ { "" } else { ", provisional" };
                let _ = writeln!(
                    out,
                    "            newest digest {} ({} papers), fetched {}{state}",
                    d.date,
                    d.papers,
                    at(d.fetched_at)
                );
            }
            None => {
                let _ = writeln!(out, "            no digest fetched yet");
            }
        }
        if source == first_now {
            if quiet.quiet {
                let _ = writeln!(
                    out,
                    "            QUIET: no digest for the last {} expected days ({}): posts use the fallback at once",
                    quiet.missing_days, publication.publish_days
                );
            } else if quiet.missing_days > 0 {
                let _ = writeln!(
                    out,
                    "            missing the last {} expected day(s); quiet after {}",
                    quiet.missing_days, publication.quiet_after_days
                );
            }
        }
    }

    if let Some(s) = &config.summaries {
        let _ = writeln!(
            out,
            "\nSummaries  {} at {} ({}, input {}; wait {} min)",
            s.model,
            s.base_url,
            s.language,
            match s.input {
                crate::summaries::Input::FullText => "full-text",
                crate::summaries::Input::Abstract => "abstract",
            },
            s.wait.as_secs() / 60
        );
        match store.model_settings(&s.base_url, &s.model).await? {
            None => {
                let _ = writeln!(
                    out,
                    "            nothing learned about the endpoint yet (`paperboy summarize --check` asks)"
                );
            }
            Some(m) => {
                let _ = writeln!(
                    out,
                    "            learned {}: {}",
                    m.updated_at.format("%Y-%m-%d %H:%M UTC"),
                    m.learned.describe()
                );
                if let (Some(r), Some(at)) = (&m.refusal, m.refused_at) {
                    let _ = writeln!(
                        out,
                        "            last refused request {}: {}",
                        at.format("%Y-%m-%d %H:%M UTC"),
                        crate::render::plain_line(r, 400)
                    );
                }
            }
        }
    }
    let usage = store
        .summary_usage(now.date_naive() - Duration::days(6))
        .await?;
    if config.summaries.is_none() {
        let _ = writeln!(out, "\nSummaries  {}", crate::summaries::config::OFF);
        if !usage.is_empty() {
            let _ = writeln!(out, "            recent use:");
        }
    }
    if config.summaries.is_some() && usage.is_empty() {
        let _ = writeln!(out, "            no calls in the last 7 days");
    }
    for (day, u, papers) in usage {
        let _ = writeln!(
            out,
            "            {day}  {} calls, {} tokens in, {} tokens out, {papers} papers summarised",
            u.calls, u.tokens_in, u.tokens_out
        );
    }
    // "For you" by embeddings: counted like summaries, per UTC day.
    let embedding_model = config
        .summaries
        .as_ref()
        .and_then(|s| s.embedding_model.as_deref());
    let embedding_usage = store
        .embedding_usage(now.date_naive() - Duration::days(6))
        .await?;
    match embedding_model {
        Some(m) => {
            let _ = writeln!(out, "\nEmbeddings {m} (\"for you\")");
            if embedding_usage.is_empty() {
                let _ = writeln!(out, "            no calls in the last 7 days");
            }
        }
        None if !embedding_usage.is_empty() => {
            let _ = writeln!(
                out,
                "\nEmbeddings off (no summaries.embedding_model; \"for you\" is lexical); recent use:"
            );
        }
        None => {}
    }
    for (day, u) in embedding_usage {
        let _ = writeln!(
            out,
            "            {day}  {} calls, {} tokens, {} papers embedded",
            u.calls, u.tokens, u.papers
        );
    }

    let asks = store
        .ask_usage(now.date_naive() - Duration::days(6))
        .await?;
    if config.summaries.is_some() || !asks.is_empty() {
        let a = &config.ask;
        let state = match (&config.summaries, a.enabled) {
            (None, _) => "off (no model: [summaries])",
            (Some(_), false) => "off (ask.enabled = false)",
            (Some(_), true) => "on",
        };
        let _ = writeln!(
            out,
            "\nQuestions  /papers ask {state}: at most {} a person and {} a server a day, {} tokens a day in all",
            a.limits.per_person, a.limits.per_server, a.limits.tokens
        );
        if asks.is_empty() {
            let _ = writeln!(out, "            no questions in the last 7 days");
        }
        for d in asks {
            let _ = writeln!(
                out,
                "            {}  {} questions, {} calls, {} tokens in, {} tokens out",
                d.day, d.questions, d.usage.calls, d.usage.tokens_in, d.usage.tokens_out
            );
        }
    }

    let subs = store.all_subscriptions().await?;
    let _ = writeln!(out, "\nChannels ({})", subs.len());
    for sub in &subs {
        let schedule = schedule_for(Some(sub), &config.schedule);
        let when = match sub.delivery_time {
            Some(t) => format!("daily {} {}", t.format("%H:%M"), schedule.timezone()),
            None => format!(
                "bot schedule `{}` {}",
                config.schedule.cron_text,
                schedule.timezone()
            ),
        };
        let _ = writeln!(
            out,
            "  channel {} (guild {}, {})  {when}{}",
            sub.channel_id,
            sub.guild_id,
            sub.channel_kind.name(),
            if sub.enabled {
                String::new()
            } else {
                format!(
                    "  PAUSED: {}",
                    sub.paused_reason.as_deref().unwrap_or("no reason recorded")
                )
            }
        );
        let view = outlook(store, config, &Target::Channel(sub.clone()), now).await?;
        let retrying = store.retrying_days(sub.channel_id).await?;
        match (&view.last_post, retrying.first()) {
            (Some(p), _) => {
                let _ = writeln!(
                    out,
                    "      last post  {} from {}, sent {}",
                    p.date,
                    p.source.as_deref().unwrap_or("an unrecorded source"),
                    at(p.at)
                );
            }
            (None, Some(r)) => {
                let _ = writeln!(
                    out,
                    "      last post  none yet ({} is being retried)",
                    r.date
                );
            }
            (None, None) => {
                let _ = writeln!(out, "      last post  none yet");
            }
        }
        let since = now.date_naive() - Duration::days(i64::from(config.schedule.catch_up_days));
        let failed = store.failed_days(sub.channel_id, since).await?;
        for line in trouble_lines(&retrying, &failed) {
            let _ = writeln!(out, "      {line}");
        }
        match view.next {
            Some(n) => {
                let what = if n.ready {
                    "ready".to_string()
                } else {
                    match publication.expected_at(n.date) {
                        Some(t) if t > now => format!("expected {}", at(t)),
                        Some(_) => "due, not out yet".to_string(),
                        None => "if it appears".to_string(),
                    }
                };
                let _ = writeln!(
                    out,
                    "      next post  {}, carrying {} ({what})",
                    at(n.at),
                    n.date
                );
            }
            None if !sub.enabled => {}
            None => {
                let _ = writeln!(
                    out,
                    "      next post  never (the schedule has no future fire)"
                );
            }
        }
    }
    Ok(out)
}

/// The status lines of a channel whose days fail: each day still being retried (since when,
/// failed attempts out of the most the engine makes, the last error) and each day given up
/// (why, and how to retry it). Stored errors are text from outside: kept to one clean line.
fn trouble_lines(retrying: &[RetryingDay], failed: &[(NaiveDate, Option<String>)]) -> Vec<String> {
    let retrying = retrying.iter().map(|r| {
        format!(
            "retrying   {} since {} ({}), {} of {MAX_DELIVERY_ATTEMPTS} attempts failed, last: {}",
            r.date,
            at(r.since),
            r.since.to_rfc3339_opts(SecondsFormat::Secs, true),
            r.attempts,
            plain_line(&r.last_error, 300)
        )
    });
    let failed = failed.iter().map(|(d, why)| {
        format!(
            "failed     {d}, given up: {} (`/papers retry` in the channel tries it again)",
            plain_line(why.as_deref().unwrap_or("no reason recorded"), 300)
        )
    });
    retrying.chain(failed).collect()
}

/// What the next daily post of a new channel on the bot's schedule would carry.
pub struct NextPreview {
    pub fire: DateTime<Utc>,
    /// The carried digest, if any, with where it came from.
    pub carried: Option<(Parsed, String)>,
    /// Nothing carried: the newest digest a folder source has, outside the catch-up window.
    pub newest_outside: Option<(Parsed, String)>,
}

/// Asks the sources (no database) what the next post would carry.
pub async fn preview_next(
    config: &Config,
    client: reqwest::Client,
    now: DateTime<Utc>,
) -> Result<NextPreview, DigestError> {
    let cfg = &config.schedule;
    let publication = &config.source.publication;
    let sources = Sources::new(&config.source, client);
    let schedule = schedule_for(None, cfg);
    let fire = schedule
        .next_after(now)
        .ok_or_else(|| DigestError::Malformed("the schedule never fires".into()))?;
    let selection = selection_for(
        &schedule,
        fire,
        fire,
        cfg.catch_up_days,
        cfg.digest_offset_days,
        now,
        true,
    );
    let none = Default::default();
    let history = History {
        start: None,
        received: &none,
    };
    let dates: Vec<NaiveDate> = crate::deliver::carry::candidates(&selection, history);
    // Newest first, as a new channel takes the newest.
    let mut found: std::collections::BTreeMap<NaiveDate, (Parsed, String)> = Default::default();
    let mut primary_days = Vec::new();
    for d in dates.iter().rev() {
        let primary = sources.get(Role::Primary, *d).expect("always a primary");
        match load_final(primary, *d, fire, publication).await? {
            Some(p) => {
                found.insert(*d, (p, primary.describe()));
                primary_days.push(PrimaryDay::Published);
            }
            None if publication.is_expected(*d) => primary_days.push(PrimaryDay::Missing),
            None => {}
        }
        if matches!(selection, Selection::Latest { .. }) && !found.is_empty() {
            break;
        }
    }
    let quiet = missing_streak(primary_days) >= publication.quiet_after_days;
    if found.is_empty() {
        for d in dates.iter().rev() {
            if let Some(fb) = sources.get(Role::Fallback, *d) {
                let allowed = publication
                    .fallback_from(*d, quiet)
                    .is_some_and(|t| t <= fire);
                if allowed {
                    if let Some(p) = load_final(fb, *d, fire, publication).await? {
                        found.insert(*d, (p, fb.describe()));
                        break;
                    }
                }
            }
        }
    }
    let state = |d: NaiveDate| DayState {
        ready_since: found.contains_key(&d).then_some(fire),
        expected_at: None,
    };
    let decision = carry(
        &selection,
        history,
        fire,
        crate::deliver::plan::hold(cfg),
        state,
    );
    let carried = decision.post.last().and_then(|d| found.remove(d));
    let mut newest_outside = None;
    if carried.is_none() {
        if let Some(d) = sources.primary().newest_listed(fire.date_naive()).await {
            let mut p = sources.primary().load(d).await?;
            p.digest.date = d;
            newest_outside = Some((p, sources.primary().describe()));
        }
    }
    Ok(NextPreview {
        fire,
        carried,
        newest_outside,
    })
}

/// A day from one source, if it is there and final by `at`.
async fn load_final(
    loader: &crate::source::loader::SourceLoader,
    date: NaiveDate,
    at: DateTime<Utc>,
    publication: &crate::source::publication::Publication,
) -> Result<Option<Parsed>, DigestError> {
    if loader.source().grows_during_day() && at < publication.final_at(date) {
        return Ok(None);
    }
    match loader.load(date).await {
        Ok(mut p) => {
            p.digest.date = date;
            Ok(Some(p))
        }
        Err(DigestError::NotPublished(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failing_channel_shows_its_retried_and_given_up_days() {
        assert!(trouble_lines(&[], &[]).is_empty());
        let since = DateTime::parse_from_rfc3339("2024-04-02T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let day = |d: &str| d.parse::<NaiveDate>().unwrap();
        let lines = trouble_lines(
            &[RetryingDay {
                date: day("2024-04-02"),
                since,
                attempts: 4,
                last_error: "HTTP 503, code -1:\nService Unavailable".into(),
            }],
            &[
                (day("2024-04-01"), Some("400 Invalid Form Body".into())),
                (day("2024-03-31"), None),
            ],
        );
        assert_eq!(
            lines,
            vec![
                format!(
                    "retrying   2024-04-02 since 2024-04-02 09:00 UTC (2024-04-02T09:00:00Z), 4 of \
                     {MAX_DELIVERY_ATTEMPTS} attempts failed, last: HTTP 503, code -1: Service \
                     Unavailable"
                ),
                "failed     2024-04-01, given up: 400 Invalid Form Body (`/papers retry` in the \
                 channel tries it again)"
                    .to_string(),
                "failed     2024-03-31, given up: no reason recorded (`/papers retry` in the \
                 channel tries it again)"
                    .to_string(),
            ]
        );
    }
}
