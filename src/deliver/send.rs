//! Sending one planned delivery: every unsent message in order, each paced, retried as its error
//! deserves, and recorded in the ledger the moment Discord accepts it.

use std::future::Future;
use std::sync::atomic::Ordering;
use std::time::Duration;

use chrono::NaiveDate;
use serenity::all::{ChannelId, GuildId, MessageId};
use serenity::http::HttpError;
use serenity::Error as SerenityError;
use tokio_util::sync::CancellationToken;

use super::plan::{self, KIND_ANNOUNCEMENT, KIND_FORUM};
use super::ratelimit::{pace, ChannelWindow};
use super::{Deliverer, Stats};
use crate::store::{Delivery, DeliveryStatus, StoreError, Subscription};

/// What an unsuccessful request means for the delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// 429: wait and retry.
    RateLimited,
    /// 5xx, timeouts, connection trouble: retry with backoff, a bounded number of times.
    Transient(String),
    /// The channel is gone or closed to the bot (404 Unknown Channel, 403 Missing Access /
    /// Permissions): retrying only earns invalid-request strikes. Carries the reason shown to
    /// users.
    Gone(String),
    /// 400 Invalid Form Body: the payload broke a limit, a bug on our side.
    Invalid(String),
    /// 401: the token is not valid; nothing else will work either.
    Unauthorized,
    /// Any other refusal: not retried as is.
    Rejected(String),
}

/// Classifies an HTTP status and Discord's JSON error code (`-1` when the body had none).
pub fn classify_status(status: u16, code: isize, message: &str) -> Failure {
    match (status, code) {
        (429, _) => Failure::RateLimited,
        (500..=599, _) | (408, _) => Failure::Transient(format!("HTTP {status}")),
        (401, _) => Failure::Unauthorized,
        (404, 10008) => Failure::Rejected(format!("404 Unknown Message: {message}")),
        (404, _) => {
            Failure::Gone("the channel no longer exists (Discord: 404 Unknown Channel)".to_string())
        }
        (403, 50001) => Failure::Gone(
            "paperboy can no longer see this channel (Discord: 403 Missing Access)".to_string(),
        ),
        (403, 50013) => Failure::Gone(
            "paperboy lacks permission to post here (Discord: 403 Missing Permissions); it needs \
             View Channel, Send Messages and Embed Links"
                .to_string(),
        ),
        (403, _) => Failure::Gone(format!("Discord refused access (403, code {code})")),
        (400, 50035) => Failure::Invalid(format!("400 Invalid Form Body: {message}")),
        _ => Failure::Rejected(format!("HTTP {status}, code {code}: {message}")),
    }
}

/// Whether Discord refused the token (401).
pub fn is_unauthorized(e: &SerenityError) -> bool {
    classify(e) == Failure::Unauthorized
}

pub fn classify(e: &SerenityError) -> Failure {
    match e {
        SerenityError::Http(HttpError::UnsuccessfulRequest(r)) => {
            classify_status(r.status_code.as_u16(), r.error.code, &r.error.message)
        }
        SerenityError::Http(HttpError::Request(r)) => Failure::Transient(format!("request: {r}")),
        // A success whose body did not parse: the request may well have worked, and a resend with
        // the same nonce is harmless, so it is retried rather than given up.
        SerenityError::Json(j) => Failure::Transient(format!("unexpected response: {j}")),
        SerenityError::Io(io) => Failure::Transient(format!("i/o: {io}")),
        other => Failure::Rejected(other.to_string()),
    }
}

/// Why a request stopped being retried.
#[derive(Debug)]
pub(super) enum Stop {
    Cancelled,
    Exhausted(String),
    Failed(Failure),
}

impl Stop {
    fn describe(&self) -> String {
        match self {
            Stop::Cancelled => "shutting down".into(),
            Stop::Exhausted(e) => format!("gave up after retries: {e}"),
            Stop::Failed(f) => format!("{f:?}"),
        }
    }
}

/// What a 429 means for a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum On429 {
    /// Wait (every task pauses) and retry: a message that must go out.
    Retry,
    /// Give up on this request alone, without pausing anyone: a best-effort extra such as a
    /// crosspost, whose own tight per-channel limit says nothing about the other channels.
    GiveUp,
}

/// How one delivery ended.
#[derive(Debug)]
pub(super) enum Outcome {
    Done,
    /// Left for the next pass (retries used up, or shutting down).
    Pending,
    /// The channel is unusable; the subscription was paused.
    ChannelGone(String),
    /// Given up for good (a bug-class error).
    Failed,
    /// The token is refused: the whole pass stops.
    Abort,
}

impl Deliverer {
    /// One request under the global limiter and the channel's window, retried as its failure
    /// allows. Cancellation is honoured only while waiting, never in the middle of a request, so
    /// a message that went out is always seen (and recorded) by the caller.
    pub(super) async fn request<T, F, Fut>(
        &self,
        window: &mut ChannelWindow,
        cancel: &CancellationToken,
        stats: &Stats,
        on_429: On429,
        mut call: F,
    ) -> Result<T, Stop>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = serenity::Result<T>>,
    {
        let mut transient = 0u32;
        let mut limited = 0u32;
        loop {
            let paced = tokio::select! {
                _ = pace(window, &self.limiter, self.signals.as_deref()) => true,
                _ = cancel.cancelled() => false,
            };
            if !paced {
                return Err(Stop::Cancelled);
            }
            stats.requests.fetch_add(1, Ordering::Relaxed);
            let failure = match tokio::time::timeout(self.tuning.request_timeout, call()).await {
                Ok(Ok(v)) => return Ok(v),
                Ok(Err(e)) => classify(&e),
                Err(_) => Failure::Transient(format!(
                    "no answer within {:?}",
                    self.tuning.request_timeout
                )),
            };
            let wait = match failure {
                Failure::RateLimited => {
                    stats.rate_limited.fetch_add(1, Ordering::Relaxed);
                    if on_429 == On429::GiveUp {
                        return Err(Stop::Failed(Failure::RateLimited));
                    }
                    limited += 1;
                    if limited > self.tuning.max_rate_limited {
                        return Err(Stop::Exhausted(format!("{limited} rate limits in a row")));
                    }
                    // serenity does not expose the 429 body's `retry_after` when its own limiter
                    // is off, nor whether the limit was global, so the wait is a default and
                    // every task pauses: under proactive pacing a 429 is rare, and backing off
                    // everywhere is what keeps 429s from piling up into an invalid-request ban.
                    let wait = self
                        .tuning
                        .rate_limited_wait
                        .mul_f64(1.0 + rand::random::<f64>() / 4.0);
                    self.limiter.pause_for(wait);
                    tracing::debug!(
                        wait_ms = wait.as_millis() as u64,
                        "rate limited (429); waiting"
                    );
                    wait
                }
                Failure::Transient(e) => {
                    transient += 1;
                    if transient > self.config.delivery.max_retries {
                        return Err(Stop::Exhausted(e));
                    }
                    stats.retries.fetch_add(1, Ordering::Relaxed);
                    let wait = plan::backoff(
                        transient,
                        self.tuning.backoff_base,
                        self.tuning.backoff_max,
                        rand::random::<f64>(),
                    );
                    tracing::debug!(error = %e, attempt = transient, wait_ms = wait.as_millis() as u64, "transient failure; retrying");
                    wait
                }
                other => return Err(Stop::Failed(other)),
            };
            if !sleep_or_cancel(wait, cancel).await {
                return Err(Stop::Cancelled);
            }
        }
    }

    /// Sends the unsent messages of one pending delivery, in order, recording each.
    pub(super) async fn send_delivery(
        &self,
        sub: &Subscription,
        delivery: Delivery,
        window: &mut ChannelWindow,
        cancel: &CancellationToken,
        stats: &Stats,
    ) -> Result<Outcome, StoreError> {
        let channel = sub.channel_id;
        let date = delivery.date;
        let forum = sub.channel_kind == KIND_FORUM;
        let publish = sub.channel_kind == KIND_ANNOUNCEMENT && sub.auto_publish;
        // A forum post's starter message has the thread's id, so a thread whose id was not yet
        // written down is still found from message 0.
        let mut thread = delivery.thread_id.or_else(|| {
            forum
                .then(|| delivery.messages.first().and_then(|m| m.message_id))
                .flatten()
        });

        for m in delivery.unsent() {
            if cancel.is_cancelled() {
                return Ok(Outcome::Pending);
            }
            let sent = if forum && thread.is_none() {
                let body = plan::forum_post_body(date, &m.body);
                let title = plan::forum_post_title(date);
                // Creating a forum post takes no nonce, so every attempt first looks for the
                // thread an earlier, unanswered attempt (a timeout, a 5xx, a crash before it was
                // recorded) may have created: one extra request a day per forum channel.
                self.request(window, cancel, stats, On429::Retry, || async {
                    if let Some(id) = self
                        .find_forum_thread(sub.guild_id, channel, &title)
                        .await?
                    {
                        tracing::info!(
                            channel_id = channel,
                            thread_id = id,
                            "forum thread of an earlier attempt found; not creating another"
                        );
                        return Ok(id);
                    }
                    self.http
                        .create_forum_post(ChannelId::new(channel), &body, None)
                        .await
                        .map(|post| post.id.get())
                })
                .await
            } else {
                let target = ChannelId::new(thread.unwrap_or(channel));
                self.request(window, cancel, stats, On429::Retry, || {
                    self.http.send_message(target, Vec::new(), &m.body)
                })
                .await
                .map(|msg| msg.id.get())
            };
            let message_id = match sent {
                Ok(id) => id,
                Err(stop) => return self.stopped(sub, date, stop, Some(&m.body)).await,
            };
            if forum && thread.is_none() {
                thread = Some(message_id);
                self.store
                    .set_delivery_thread(channel, date, message_id)
                    .await?;
            }
            self.store
                .record_sent(channel, date, m.idx, message_id)
                .await?;
            stats.messages.fetch_add(1, Ordering::Relaxed);
            if publish {
                self.crosspost(window, cancel, stats, channel, message_id)
                    .await;
            }
        }
        self.store
            .finish_delivery(channel, date, DeliveryStatus::Done)
            .await?;
        Ok(Outcome::Done)
    }

    /// The bot's active thread with that title in a forum, if there is one. A thread someone
    /// else opened with the same title is never taken over.
    async fn find_forum_thread(
        &self,
        guild_id: u64,
        forum_id: u64,
        title: &str,
    ) -> serenity::Result<Option<u64>> {
        let me = *self
            .bot_user_id
            .get_or_try_init(|| async { self.http.get_current_user().await.map(|u| u.id.get()) })
            .await?;
        let active = self
            .http
            .get_guild_active_threads(GuildId::new(guild_id))
            .await?;
        Ok(active
            .threads
            .iter()
            .find(|t| {
                t.parent_id.map(|p| p.get()) == Some(forum_id)
                    && t.name == title
                    && t.owner_id.map(|o| o.get()) == Some(me)
            })
            .map(|t| t.id.get()))
    }

    /// Publishes a message to the announcement channel's followers. Best effort: the message is
    /// already posted and recorded, so a failure here is logged, not retried in later passes. A
    /// 429 (Discord allows few crossposts per channel and hour) gives up on this crosspost only,
    /// without pausing the other channels' deliveries.
    async fn crosspost(
        &self,
        window: &mut ChannelWindow,
        cancel: &CancellationToken,
        stats: &Stats,
        channel: u64,
        message: u64,
    ) {
        let result = self
            .request(window, cancel, stats, On429::GiveUp, || {
                self.http
                    .crosspost_message(ChannelId::new(channel), MessageId::new(message))
            })
            .await;
        match result {
            Ok(_) => {}
            Err(Stop::Cancelled) => {}
            Err(Stop::Failed(Failure::RateLimited)) => tracing::warn!(
                channel_id = channel,
                message_id = message,
                "crosspost rate-limited (429); this message is not published to followers"
            ),
            Err(stop) => tracing::warn!(
                channel_id = channel,
                message_id = message,
                error = %stop.describe(),
                "could not publish the message to followers"
            ),
        }
    }

    /// Settles a delivery whose request stopped.
    async fn stopped(
        &self,
        sub: &Subscription,
        date: NaiveDate,
        stop: Stop,
        body: Option<&serde_json::Value>,
    ) -> Result<Outcome, StoreError> {
        let channel = sub.channel_id;
        match stop {
            Stop::Cancelled => Ok(Outcome::Pending),
            Stop::Exhausted(e) => {
                tracing::warn!(channel_id = channel, %date, error = %e, "delivery left for the next pass");
                self.store.record_attempt_error(channel, date, &e).await?;
                Ok(Outcome::Pending)
            }
            Stop::Failed(Failure::Gone(reason)) => {
                tracing::warn!(channel_id = channel, guild_id = sub.guild_id, %date, %reason, "pausing the subscription");
                // Marked as the channel's fault: `/papers resume` reopens exactly these.
                self.store
                    .record_channel_unavailable(channel, date, &reason)
                    .await?;
                self.store
                    .finish_delivery(channel, date, DeliveryStatus::Failed)
                    .await?;
                self.store.set_paused(channel, Some(&reason)).await?;
                Ok(Outcome::ChannelGone(reason))
            }
            Stop::Failed(Failure::Invalid(e)) => {
                let shape = body.map(plan::payload_shape).unwrap_or_default();
                tracing::error!(channel_id = channel, %date, error = %e, payload = %shape, "Discord rejected the payload; this is a bug, not retrying");
                self.store.record_attempt_error(channel, date, &e).await?;
                self.store
                    .finish_delivery(channel, date, DeliveryStatus::Failed)
                    .await?;
                Ok(Outcome::Failed)
            }
            Stop::Failed(Failure::Unauthorized) => {
                tracing::error!("Discord refused the bot token (401); stopping this pass");
                Ok(Outcome::Abort)
            }
            Stop::Failed(other) => {
                let e = format!("{other:?}");
                tracing::error!(channel_id = channel, %date, error = %e, "delivery refused; not retrying");
                self.store.record_attempt_error(channel, date, &e).await?;
                self.store
                    .finish_delivery(channel, date, DeliveryStatus::Failed)
                    .await?;
                Ok(Outcome::Failed)
            }
        }
    }

    /// Tells the guild, in its system channel, that a channel's subscription was paused. Sent
    /// once per pause (the paused channel is not tried again); any failure is only logged.
    pub(super) async fn notify_guild(&self, sub: &Subscription, reason: &str, stats: &Stats) {
        self.limiter.acquire().await;
        stats.requests.fetch_add(1, Ordering::Relaxed);
        let guild = match tokio::time::timeout(
            self.tuning.request_timeout,
            self.http.get_guild(GuildId::new(sub.guild_id)),
        )
        .await
        {
            Ok(Ok(g)) => g,
            Ok(Err(e)) => {
                tracing::info!(guild_id = sub.guild_id, error = %e, "cannot look up the guild to report the pause");
                return;
            }
            Err(_) => {
                tracing::info!(
                    guild_id = sub.guild_id,
                    "guild lookup timed out; pause not reported"
                );
                return;
            }
        };
        let Some(system) = guild
            .system_channel_id
            .filter(|c| c.get() != sub.channel_id)
        else {
            tracing::info!(
                guild_id = sub.guild_id,
                "guild has no other system channel; pause not reported"
            );
            return;
        };
        let body = serde_json::json!({
            "content": pause_notice(sub.channel_id, reason),
            "allowed_mentions": { "parse": [] },
        });
        self.limiter.acquire().await;
        stats.requests.fetch_add(1, Ordering::Relaxed);
        match tokio::time::timeout(
            self.tuning.request_timeout,
            self.http.send_message(system, Vec::new(), &body),
        )
        .await
        {
            Ok(Ok(_)) => tracing::info!(
                guild_id = sub.guild_id,
                system_channel_id = system.get(),
                "pause reported in the system channel"
            ),
            Ok(Err(e)) => {
                tracing::info!(guild_id = sub.guild_id, error = %e, "could not report the pause in the system channel")
            }
            Err(_) => tracing::info!(guild_id = sub.guild_id, "reporting the pause timed out"),
        }
    }
}

/// The text posted in a guild's system channel when one of its channels is paused.
pub fn pause_notice(channel_id: u64, reason: &str) -> String {
    format!(
        "⏸️ paperboy paused the daily papers for <#{channel_id}>: {reason}. \
         Fix it, then run `/papers resume` in that channel."
    )
}

/// Sleeps for `d`; false when cancelled first.
pub(super) async fn sleep_or_cancel(d: Duration, cancel: &CancellationToken) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(d) => true,
        _ = cancel.cancelled() => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_classified() {
        assert_eq!(classify_status(429, -1, ""), Failure::RateLimited);
        assert!(matches!(
            classify_status(502, -1, ""),
            Failure::Transient(_)
        ));
        assert!(matches!(classify_status(500, 0, ""), Failure::Transient(_)));
        assert!(
            matches!(classify_status(404, 10003, "Unknown Channel"), Failure::Gone(r) if r.contains("no longer exists"))
        );
        assert!(
            matches!(classify_status(403, 50001, ""), Failure::Gone(r) if r.contains("Missing Access"))
        );
        assert!(
            matches!(classify_status(403, 50013, ""), Failure::Gone(r) if r.contains("Missing Permissions"))
        );
        assert!(matches!(
            classify_status(400, 50035, "Invalid Form Body"),
            Failure::Invalid(_)
        ));
        assert!(matches!(
            classify_status(404, 10008, ""),
            Failure::Rejected(_)
        ));
        assert!(matches!(
            classify_status(400, 50006, ""),
            Failure::Rejected(_)
        ));
        assert_eq!(classify_status(401, 0, ""), Failure::Unauthorized);
    }

    #[test]
    fn pause_notice_names_channel_and_fix() {
        let n = pause_notice(42, "gone");
        assert!(n.contains("<#42>") && n.contains("gone") && n.contains("/papers resume"));
    }
}
