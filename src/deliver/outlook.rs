//! A channel's (or a person's DM) outlook: its last post and its next one (when, and which
//! digest it will carry), from what the store knows. Shared by `/papers settings`, `/papers
//! subscribe`, `/alerts` and `paperboy status`, so the reader and the operator see the same
//! answer.

use chrono::{DateTime, Duration, Utc};

use crate::config::Config;
use crate::deliver::carry::{next_post, NextPost};
use crate::deliver::target::Target;
use crate::store::{LastPost, Store, StoreError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outlook {
    pub last_post: Option<LastPost>,
    /// `None` for a paused channel or a schedule with no future fire.
    pub next: Option<NextPost>,
}

pub async fn outlook(
    store: &Store,
    config: &Config,
    target: &Target,
    now: DateTime<Utc>,
) -> Result<Outlook, StoreError> {
    let last_post = store.last_post(target.key()).await?;
    if !target.enabled() {
        return Ok(Outlook {
            last_post,
            next: None,
        });
    }
    let schedule = target.schedule(&config.schedule);
    let newest_received = store.newest_received(target.key()).await?;
    let cap = now.date_naive() - Duration::days(i64::from(config.schedule.catch_up_days));
    let floor = [
        Some(cap),
        target.start_date(),
        newest_received.and_then(|d| d.succ_opt()),
    ]
    .into_iter()
    .flatten()
    .max()
    .unwrap_or(cap);
    let newest_ready = store.newest_final_since(floor).await?;
    let next = next_post(
        &schedule,
        &config.source.publication,
        config.schedule.digest_offset_days,
        now,
        newest_received,
        newest_ready,
    );
    Ok(Outlook { last_post, next })
}
