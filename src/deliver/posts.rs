//! Sending a forum's day in paper mode: every planned post (a paper, or the day's notice) is a
//! thread of its own, created in order, paced like every request of the channel, and recorded
//! with its starter message the moment Discord answers.
//!
//! # Exactly once without a nonce
//! Discord takes no nonce on a forum post. So a post that may already exist without paperboy
//! knowing it (the first unrecorded post of a delivery whose earlier attempt did not end
//! cleanly, or one whose request timed out, failed with a 5xx or was answered unreadably) is
//! looked for first among the guild's active threads: the bot's own thread in this forum with
//! the post's name, created since the delivery began, and not already recorded for another
//! post of the day (two papers may share a title). Only when none is found is it created again.

use std::collections::HashSet;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering;

use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

use super::engine::{Deliverer, Stats};
use super::failure::Failure;
use super::ratelimit::ChannelWindow;
use super::send::{snowflake_at, On429, Outcome, Stop, LOOKBACK, UNKNOWN_MESSAGE_ID};
use super::transport::RequestError;
use crate::deliver::forum::{choose_tags, ForumTags, PlannedPost};
use crate::deliver::target::Target;
use crate::store::{Delivery, DeliveryStatus, StoreError};

impl Deliverer {
    /// Creates the unsent posts of one pending paper-mode delivery, in order, recording each.
    pub(super) async fn send_posts(
        &self,
        target: &Target,
        delivery: Delivery,
        window: &mut ChannelWindow,
        cancel: &CancellationToken,
        stats: &Stats,
    ) -> Result<Outcome, StoreError> {
        let forum = target.key();
        let date = delivery.date;
        let guild = target.guild_id().unwrap_or_default();
        let started = self.store.mark_started(forum, date).await?;
        let since = started.unwrap_or_else(|| self.clock.now());
        let mut look_first = started.is_some();
        // Threads already recorded for this day: never taken for another post of it.
        let mut recorded: HashSet<u64> = delivery
            .messages
            .iter()
            .filter_map(|m| m.thread_id.or(m.message_id))
            .collect();
        // Asked once per delivery, just before its first post (tags change between days).
        let mut tags: Option<ForumTags> = None;
        for m in delivery.unsent() {
            if cancel.is_cancelled() {
                return Ok(Outcome::Pending { unsure: false });
            }
            let Some(post) = PlannedPost::from_body(&m.body) else {
                // paperboy never plans a day of posts and messages mixed.
                let e = format!("message {} of a forum's posts is not a post", m.idx);
                tracing::error!(channel_id = forum, %date, idx = m.idx, "{e}; giving up the day");
                return self
                    .stopped(target, date, Stop::Failed(Failure::Invalid(e)), None)
                    .await;
            };
            let forum_tags = match &tags {
                Some(t) => t,
                None => {
                    let asked = self
                        .request(
                            window,
                            cancel,
                            stats,
                            On429::Retry,
                            || self.transport.forum_tags(forum),
                            || async { None },
                        )
                        .await;
                    match asked {
                        Ok(t) => tags.insert(t),
                        Err(stop) => return self.stopped(target, date, stop, None).await,
                    }
                }
            };
            let applied = match choose_tags(&post.tag_keywords, forum_tags) {
                Ok(applied) => applied,
                Err(e) => {
                    return self
                        .stopped(
                            target,
                            date,
                            Stop::Failed(Failure::Gone(e.to_string())),
                            None,
                        )
                        .await
                }
            };
            let body = post.request_body(&applied);
            // Whether the post may exist already: looked for before creating it, and again
            // after any attempt whose effect is unknown (when that look itself failed).
            let must_look = AtomicBool::new(std::mem::take(&mut look_first));
            let created = self
                .request(
                    window,
                    cancel,
                    stats,
                    On429::Retry,
                    || async {
                        if must_look.load(Ordering::Relaxed) {
                            if let Some(thread) = self
                                .find_post(guild, forum, &post.name, since, &recorded)
                                .await?
                            {
                                tracing::info!(channel_id = forum, %date, idx = m.idx, thread_id = thread, "forum post of an earlier attempt found on Discord; not creating it again");
                                return Ok((thread, thread));
                            }
                            must_look.store(false, Ordering::Relaxed);
                        }
                        self.transport.create_post(forum, &body).await
                    },
                    || async {
                        match self.find_post(guild, forum, &post.name, since, &recorded).await {
                            Ok(found) => found.map(|thread| (thread, thread)),
                            Err(_) => {
                                must_look.store(true, Ordering::Relaxed);
                                None
                            }
                        }
                    },
                )
                .await;
            let (thread, message) = match created {
                Ok(ids) => ids,
                Err(Stop::Unconfirmed) => {
                    // It exists; its id is unknown, so it is recorded as sent without one.
                    tracing::warn!(channel_id = forum, %date, idx = m.idx, "Discord accepted a forum post but its answer could not be read, and it was not found afterwards; recorded as sent without an id");
                    (UNKNOWN_MESSAGE_ID, UNKNOWN_MESSAGE_ID)
                }
                Err(stop) => return self.stopped(target, date, stop, Some(&body)).await,
            };
            self.store
                .record_post(forum, date, m.idx, thread, message)
                .await?;
            recorded.insert(thread);
            stats.messages.fetch_add(1, Ordering::Relaxed);
            crate::ops::metrics::message_sent(false);
        }
        self.store
            .finish_delivery(forum, date, DeliveryStatus::Done)
            .await?;
        Ok(Outcome::Done)
    }

    /// The bot's thread in `forum` named `name`, created since the delivery began (less the
    /// clock-skew margin) and not one of `recorded`: the earliest such, if any. A thread
    /// someone else opened is never taken over. A lookup that fails is an error (retried as an
    /// attempt whose effect is unknown), never "not there": that would post twice.
    async fn find_post(
        &self,
        guild: u64,
        forum: u64,
        name: &str,
        since: DateTime<Utc>,
        recorded: &HashSet<u64>,
    ) -> Result<Option<u64>, RequestError> {
        let looked = async {
            let me = match self.me().await {
                Some(me) => me,
                None => self.transport.current_user_id().await?,
            };
            self.limiter.acquire().await;
            let active = self.transport.active_threads(guild).await?;
            Ok::<_, RequestError>((me, active))
        };
        let (me, active) = match tokio::time::timeout(self.tuning.request_timeout, looked).await {
            Ok(Ok(found)) => found,
            Ok(Err(e)) if e.failure == Failure::RateLimited => return Err(e),
            Ok(Err(e)) => {
                return Err(unsure(format!(
                    "listing the guild's active threads: {}",
                    e.failure
                )))
            }
            Err(_) => {
                return Err(unsure(
                    "listing the guild's active threads timed out".into(),
                ))
            }
        };
        // Discord's ids follow its own (real) clock, whatever clock drives the schedule.
        let after = snowflake_at(since.min(Utc::now()) - LOOKBACK);
        Ok(active
            .iter()
            .filter(|t| {
                let id = t.id.get();
                t.parent_id.map(|p| p.get()) == Some(forum)
                    && t.owner_id.map(|o| o.get()) == Some(me)
                    && t.name == name
                    && id >= after
                    && !recorded.contains(&id)
            })
            .map(|t| t.id.get())
            .min())
    }
}

/// A failed look for an earlier post: transient, and of unknown effect, so that the next
/// attempt looks again before creating anything.
fn unsure(why: String) -> RequestError {
    RequestError {
        failure: Failure::Transient(why),
        retry_after: None,
        global: false,
        uncertain: true,
        answered: false,
    }
}
