//! Sending one planned delivery: every unsent message in order, each paced, retried as its error
//! deserves, and recorded in the ledger the moment Discord accepts it; then publishing to
//! followers, also through the ledger.
//!
//! # Exactly once without Discord's help
//! Every message goes out with a deterministic nonce (`enforce_nonce`), but Discord only
//! remembers nonces for a few minutes. So a message that may already be on Discord without
//! paperboy knowing it (a resumed delivery's first unrecorded message after a crash, an answer
//! that timed out or was lost, a success that could not be read) is first looked for among the
//! channel's recent messages, matched by its content ([`fingerprint`]), and only sent again
//! when it is not there. A forum post, which takes no nonce at all, is looked for among the
//! guild's active threads before every attempt.

use std::future::Future;
use std::sync::atomic::Ordering;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::engine::{Deliverer, Stats};
use super::failure::Failure;
use super::plan;
use super::ratelimit::{pace, ChannelWindow};
use super::transport::RequestError;
use crate::language::Language;
use crate::store::{Delivery, DeliveryStatus, Publish, StoreError, Subscription};
use crate::t;
use crate::{channel_kind::ChannelKind, deliver::target::Target};

/// Passes a delivery may be left unfinished by transient failures before it is given up (with
/// its last error, shown in `/papers settings`, retried with `/papers retry`).
pub const MAX_DELIVERY_ATTEMPTS: u32 = 12;

/// A crosspost that serenity would have to wait longer than this for is over the channel's
/// quota (about 10 an hour): it is given up at once instead of holding the delivery.
const CROSSPOST_PATIENCE: Duration = Duration::from_secs(3);

/// How far back before a delivery began its messages are looked for (clock skew between us
/// and Discord, and the moment the row was written).
pub(super) const LOOKBACK: chrono::Duration = chrono::Duration::minutes(10);

/// Pages of 100 recent messages read at most when looking for one.
const HISTORY_PAGES: usize = 5;

/// Why a request stopped being retried.
#[derive(Debug)]
pub(super) enum Stop {
    Cancelled,
    Exhausted(String),
    Failed(Failure),
    /// Discord answered success but the answer could not be read, and the result was not found
    /// afterwards: it happened, without an id.
    Unconfirmed,
}

/// What a 429 means for a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum On429 {
    /// Wait and retry: a message that must go out.
    Retry,
    /// Give up on this request alone, without pausing anyone: a crosspost, whose tight
    /// per-channel quota says nothing about the other channels.
    GiveUp,
}

/// How one delivery ended.
#[derive(Debug)]
pub(super) enum Outcome {
    Done,
    /// Left for the next pass (retries used up, or shutting down). `unsure`: a request may have
    /// reached Discord without its answer being recorded, so the next attempt looks first.
    Pending {
        unsure: bool,
    },
    /// The channel is unusable; the subscription was paused.
    ChannelGone(String),
    /// Given up for good (a bug-class error).
    Failed,
    /// The token is refused: the whole pass stops.
    Abort,
}

/// The text of a message as paperboy wrote it, to recognise it among a channel's messages: the
/// content and every embed's title, link, description, fields and footer, each trimmed (Discord
/// trims them). Works on a planned body and on a message read back from Discord alike.
pub fn fingerprint(message: &Value) -> String {
    let text = |v: &Value| v.as_str().unwrap_or_default().trim().to_string();
    let mut parts = vec![text(&message["content"])];
    for e in message["embeds"].as_array().into_iter().flatten() {
        parts.push(text(&e["title"]));
        parts.push(text(&e["url"]));
        parts.push(text(&e["description"]));
        for f in e["fields"].as_array().into_iter().flatten() {
            parts.push(text(&f["name"]));
            parts.push(text(&f["value"]));
        }
        parts.push(text(&e["footer"]["text"]));
    }
    parts.join("\u{1f}")
}

/// The smallest snowflake of a moment (Discord ids are time-ordered).
pub(super) fn snowflake_at(t: DateTime<Utc>) -> u64 {
    const DISCORD_EPOCH_MS: i64 = 1_420_070_400_000;
    (t.timestamp_millis().saturating_sub(DISCORD_EPOCH_MS).max(0) as u64) << 22
}

impl Deliverer {
    /// One request under the global limiter and the channel's window, retried as its failure
    /// allows. Cancellation is honoured only while waiting, never in the middle of a request, so
    /// a message that went out is always seen (and recorded) by the caller. After a failure
    /// that may have taken effect, `recover` looks for the result before the next attempt.
    pub(super) async fn request<T, F, Fut, R, RFut>(
        &self,
        window: &mut ChannelWindow,
        cancel: &CancellationToken,
        stats: &Stats,
        on_429: On429,
        mut call: F,
        mut recover: R,
    ) -> Result<T, Stop>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, RequestError>>,
        R: FnMut() -> RFut,
        RFut: Future<Output = Option<T>>,
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
            let err = match tokio::time::timeout(self.tuning.request_timeout, call()).await {
                Ok(Ok(v)) => {
                    self.request_outcome(Ok(()));
                    return Ok(v);
                }
                Ok(Err(e)) => e,
                Err(_) => RequestError {
                    failure: Failure::Transient(format!(
                        "no answer within {:?}",
                        self.tuning.request_timeout
                    )),
                    retry_after: None,
                    global: false,
                    uncertain: true,
                    answered: false,
                },
            };
            self.request_outcome(Err(&err.failure));
            let wait = match err.failure {
                Failure::RateLimited => {
                    stats.rate_limited.fetch_add(1, Ordering::Relaxed);
                    crate::ops::metrics::rate_limited(err.global);
                    if on_429 == On429::GiveUp {
                        return Err(Stop::Failed(Failure::RateLimited));
                    }
                    limited += 1;
                    if limited > self.tuning.max_rate_limited {
                        return Err(Stop::Exhausted(format!("{limited} rate limits in a row")));
                    }
                    // Discord's `retry_after` when it reached us (proxy mode); serenity waits
                    // by itself otherwise, so a 429 here without one gets a short default.
                    let wait = err.retry_after.unwrap_or_else(|| {
                        self.tuning
                            .rate_limited_wait
                            .mul_f64(1.0 + rand::random::<f64>() / 4.0)
                    });
                    if err.global {
                        // The bot-wide limit: everyone waits.
                        self.limiter.pause_for(wait);
                    }
                    tracing::debug!(
                        wait_ms = wait.as_millis() as u64,
                        global = err.global,
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
                    crate::ops::metrics::retry();
                    let wait = plan::backoff(
                        transient,
                        self.tuning.backoff_base,
                        self.tuning.backoff_max,
                        rand::random::<f64>(),
                    );
                    tracing::debug!(error = %e, attempt = transient, uncertain = err.uncertain, wait_ms = wait.as_millis() as u64, "transient failure; retrying");
                    wait
                }
                other => return Err(Stop::Failed(other)),
            };
            if !sleep_or_cancel(wait, cancel).await {
                return Err(Stop::Cancelled);
            }
            if err.uncertain {
                if let Some(found) = recover().await {
                    return Ok(found);
                }
                if err.answered {
                    return Err(Stop::Unconfirmed);
                }
            }
        }
    }

    /// The bot's own user id (`GET /users/@me`), asked once.
    pub(super) async fn me(&self) -> Option<u64> {
        self.bot_user_id
            .get_or_try_init(|| self.transport.current_user_id())
            .await
            .ok()
            .copied()
    }

    /// Looks for a message paperboy may already have sent: the bot's own message with this
    /// body's text among `target`'s messages since `since`.
    async fn find_sent(
        &self,
        target: u64,
        since: DateTime<Utc>,
        body: &Value,
        stats: &Stats,
    ) -> Option<u64> {
        let me = self.me().await?;
        let want = fingerprint(body);
        // Discord's ids follow its own (real) clock, whatever clock drives the schedule.
        let mut after = snowflake_at(since.min(Utc::now()) - LOOKBACK);
        for _ in 0..HISTORY_PAGES {
            self.limiter.acquire().await;
            stats.requests.fetch_add(1, Ordering::Relaxed);
            let page = match tokio::time::timeout(
                self.tuning.request_timeout,
                self.transport.messages_after(target, after),
            )
            .await
            {
                Ok(Ok(page)) => page,
                Ok(Err(e)) => {
                    tracing::warn!(channel_id = target, error = %e.failure, "cannot read the channel's recent messages");
                    return None;
                }
                Err(_) => {
                    tracing::warn!(
                        channel_id = target,
                        "reading the channel's recent messages timed out"
                    );
                    return None;
                }
            };
            let found = page.iter().find(|m| {
                m.author.id.get() == me
                    && serde_json::to_value(m).is_ok_and(|v| fingerprint(&v) == want)
            });
            if let Some(m) = found {
                return Some(m.id.get());
            }
            if page.len() < 100 {
                return None;
            }
            after = page.iter().map(|m| m.id.get()).max().unwrap_or(after);
        }
        None
    }

    /// Sends the unsent messages of one pending delivery, in order, recording each, then
    /// publishes what is left to publish.
    pub(super) async fn send_delivery(
        &self,
        target: &Target,
        delivery: Delivery,
        window: &mut ChannelWindow,
        cancel: &CancellationToken,
        stats: &Stats,
    ) -> Result<Outcome, StoreError> {
        if super::forum::is_posts(&delivery) {
            return self
                .send_posts(target, delivery, window, cancel, stats)
                .await;
        }
        let channel = target.key();
        let date = delivery.date;
        let forum = target.kind() == ChannelKind::Forum;
        let started = self.store.mark_started(channel, date).await?;
        let since = started.unwrap_or_else(|| self.clock.now());
        // A delivery whose earlier attempt did not end cleanly (a crash, an unanswered request)
        // may have its first unrecorded message on Discord already; one left cleanly has not.
        let mut look_first = started.is_some();
        // A forum post's starter message has the thread's id (rows written before thread and
        // starter were recorded together may have only the latter).
        // A person's alerts go to their DM channel; the ledger still keys them by user id.
        let dest = if target.is_person() {
            match self
                .dm_channel(target.destination(), window, cancel, stats)
                .await
            {
                Ok(c) => c,
                Err(Stop::Unconfirmed) => return Ok(Outcome::Pending { unsure: false }),
                Err(stop) => return self.stopped(target, date, stop, None).await,
            }
        } else {
            target.destination()
        };
        let mut thread = delivery.thread_id.or_else(|| {
            forum
                .then(|| delivery.messages.first().and_then(|m| m.message_id))
                .flatten()
        });

        // First what an earlier run sent but did not publish, so followers get them in order.
        let mut settled = true;
        for m in delivery.unpublished() {
            let id = m.message_id.expect("unpublished messages are sent");
            settled &= self
                .publish(channel, date, m.idx, id, window, cancel, stats)
                .await?;
        }
        // A glance day: the index in the channel, a thread started from its last message, the
        // cards in the thread.
        let opener = delivery.opener().map(|o| {
            (
                o.idx,
                o.opens_thread.clone().unwrap_or_default(),
                o.message_id,
            )
        });
        let mut opener_id = opener.as_ref().and_then(|(_, _, id)| *id);
        for m in delivery.unsent() {
            if cancel.is_cancelled() {
                return Ok(Outcome::Pending { unsure: false });
            }
            let in_thread = opener.as_ref().is_some_and(|(o, _, _)| m.idx > *o);
            if in_thread && thread.is_none() {
                // Sent (in order) before this one, in this run or an earlier one.
                let (_, name, _) = opener.as_ref().expect("in a thread only after an opener");
                match self
                    .open_thread(target, date, dest, opener_id, name, window, cancel, stats)
                    .await?
                {
                    Ok(t) => thread = Some(t),
                    Err(outcome) => return Ok(outcome),
                }
            }
            if forum && thread.is_none() {
                let id = match self
                    .start_forum_post(
                        target.guild_id().unwrap_or_default(),
                        dest,
                        date,
                        &m.body,
                        window,
                        cancel,
                        stats,
                    )
                    .await
                {
                    Ok(id) => id,
                    Err(Stop::Unconfirmed) => return Ok(Outcome::Pending { unsure: true }),
                    Err(stop) => return self.stopped(target, date, stop, Some(&m.body)).await,
                };
                self.store.record_thread_start(channel, date, id).await?;
                thread = Some(id);
                look_first = false;
                stats.messages.fetch_add(1, Ordering::Relaxed);
                crate::ops::metrics::message_sent(target.is_person());
                continue;
            }
            let mut to = match (&opener, in_thread) {
                // The index, and anything before it, stays in the channel.
                (Some(_), false) => dest,
                _ => thread.unwrap_or(dest),
            };
            // A card in the day's thread records the thread with its id.
            let mut into = (in_thread && to != dest).then_some(to);
            if std::mem::take(&mut look_first) {
                if let Some(id) = self.find_sent(to, since, &m.body, stats).await {
                    tracing::info!(channel_id = channel, %date, idx = m.idx, message_id = id, "message of an earlier attempt found on Discord; not sending it again");
                    self.record(channel, date, m.idx, id, into).await?;
                    if m.opens_thread.is_some() {
                        opener_id = Some(id);
                    }
                    if m.publish.is_some() {
                        settled &= self
                            .publish(channel, date, m.idx, id, window, cancel, stats)
                            .await?;
                    }
                    continue;
                }
            }
            let sent = loop {
                let sent = self
                    .request(
                        window,
                        cancel,
                        stats,
                        On429::Retry,
                        || async {
                            self.transport
                                .send_message(to, &m.body)
                                .await
                                .map(|msg| msg.id.get())
                        },
                        || self.find_sent(to, since, &m.body, stats),
                    )
                    .await;
                match sent {
                    // The thread takes no message from the bot (it may start threads but not
                    // post in them): the day's cards go into the channel from here on.
                    Err(Stop::Failed(f @ Failure::Gone(_))) if into.is_some() => {
                        if matches!(&f, Failure::Gone(why) if why == super::failure::CHANNEL_GONE) {
                            break Err(Stop::Failed(f));
                        }
                        self.no_thread_here(target, date, dest, Some(&f), stats)
                            .await?;
                        thread = Some(dest);
                        (to, into) = (dest, None);
                    }
                    other => break other,
                }
            };
            let message_id = match sent {
                Ok(id) => id,
                Err(Stop::Unconfirmed) => {
                    // It went out; its id is unknown, so it cannot be published.
                    tracing::warn!(channel_id = channel, %date, idx = m.idx, "Discord accepted a message but its answer could not be read, and it was not found afterwards; recorded as sent without an id");
                    self.record(channel, date, m.idx, UNKNOWN_MESSAGE_ID, into)
                        .await?;
                    if m.opens_thread.is_some() {
                        opener_id = Some(UNKNOWN_MESSAGE_ID);
                    }
                    if m.publish.is_some() {
                        self.store
                            .record_published(
                                channel,
                                date,
                                m.idx,
                                &Publish::GivenUp("the message's id is unknown".into()),
                            )
                            .await?;
                    }
                    stats.messages.fetch_add(1, Ordering::Relaxed);
                    crate::ops::metrics::message_sent(target.is_person());
                    continue;
                }
                Err(stop) => return self.stopped(target, date, stop, Some(&m.body)).await,
            };
            self.record(channel, date, m.idx, message_id, into).await?;
            if m.opens_thread.is_some() {
                opener_id = Some(message_id);
            }
            stats.messages.fetch_add(1, Ordering::Relaxed);
            crate::ops::metrics::message_sent(target.is_person());
            if m.publish.is_some() {
                settled &= self
                    .publish(channel, date, m.idx, message_id, window, cancel, stats)
                    .await?;
            }
        }
        // A publish left pending (shutting down, retries used up) keeps the delivery open.
        if !settled {
            return Ok(Outcome::Pending { unsure: false });
        }
        self.store
            .finish_delivery(channel, date, DeliveryStatus::Done)
            .await?;
        Ok(Outcome::Done)
    }

    /// Records a sent message: in the channel, or in the day's thread `into`.
    async fn record(
        &self,
        channel: u64,
        date: NaiveDate,
        idx: u32,
        message_id: u64,
        into: Option<u64>,
    ) -> Result<(), StoreError> {
        match into {
            Some(thread) => {
                self.store
                    .record_sent_in(channel, date, idx, message_id, thread)
                    .await
            }
            None => self.store.record_sent(channel, date, idx, message_id).await,
        }
    }

    /// The thread of a glance day, started from its index message `opener` (a thread started
    /// from a message has the message's id) and recorded on the delivery. Starting it is
    /// idempotent: Discord answers a second start with 160004 ("a thread has already been
    /// created for this message"), which is that thread, so a start of unknown fate (a crash,
    /// a timeout) is simply tried again. Where a thread cannot be started (the bot may not:
    /// 403; the channel takes none; the index's id is unknown) the cards go into the channel
    /// itself (recorded as the delivery's thread); a missing permission also sets the channel's
    /// layout to `full`, with why, and says so in the channel once. `Err` is how the delivery
    /// ends when the start stopped otherwise (shutting down, retries used up).
    #[allow(clippy::too_many_arguments)]
    async fn open_thread(
        &self,
        target: &Target,
        date: NaiveDate,
        dest: u64,
        opener: Option<u64>,
        name: &str,
        window: &mut ChannelWindow,
        cancel: &CancellationToken,
        stats: &Stats,
    ) -> Result<Result<u64, Outcome>, StoreError> {
        let channel = target.key();
        let message = opener.filter(|id| *id != UNKNOWN_MESSAGE_ID);
        let refused = match message {
            None => None,
            Some(message) => {
                let body = serde_json::json!({
                    "name": name,
                    "auto_archive_duration": crate::render::THREAD_ARCHIVE_MINUTES,
                });
                let started = self
                    .request(
                        window,
                        cancel,
                        stats,
                        On429::Retry,
                        || self.transport.start_thread(dest, message, &body),
                        || async { None },
                    )
                    .await;
                match started {
                    Ok(thread) => {
                        self.store.record_thread(channel, date, thread).await?;
                        tracing::debug!(channel_id = channel, %date, thread_id = thread, "the day's thread started from its index");
                        return Ok(Ok(thread));
                    }
                    // Started already (by an attempt whose answer was lost): the same id.
                    Err(Stop::Failed(Failure::AlreadyDone)) | Err(Stop::Unconfirmed) => {
                        self.store.record_thread(channel, date, message).await?;
                        return Ok(Ok(message));
                    }
                    Err(Stop::Failed(Failure::Unauthorized)) => {
                        self.token_refused();
                        return Ok(Err(Outcome::Abort));
                    }
                    Err(Stop::Failed(f @ (Failure::Gone(_) | Failure::Rejected(_)))) => Some(f),
                    Err(Stop::Failed(f @ Failure::Invalid(_))) => Some(f),
                    Err(stop @ (Stop::Cancelled | Stop::Exhausted(_) | Stop::Failed(_))) => {
                        return self.stopped(target, date, stop, None).await.map(Err);
                    }
                }
            }
        };
        if let Some(Failure::Gone(why)) = &refused {
            if why == super::failure::CHANNEL_GONE {
                return self
                    .stopped(target, date, Stop::Failed(Failure::Gone(why.clone())), None)
                    .await
                    .map(Err);
            }
        }
        self.no_thread_here(target, date, dest, refused.as_ref(), stats)
            .await?;
        Ok(Ok(dest))
    }

    /// No thread for the day: the cards follow the index in the channel (`dest`, recorded as
    /// the delivery's thread). Refused for want of a permission (`Gone`), the channel also gets
    /// the `full` layout from now on, with why, and is told so once.
    async fn no_thread_here(
        &self,
        target: &Target,
        date: NaiveDate,
        dest: u64,
        refused: Option<&Failure>,
        stats: &Stats,
    ) -> Result<(), StoreError> {
        let channel = target.key();
        self.store.record_thread(channel, date, dest).await?;
        match refused {
            Some(Failure::Gone(why)) => {
                tracing::warn!(channel_id = channel, %date, reason = %why, "the day's thread takes nothing from the bot; the cards go into the channel, and the channel gets the full layout from now on");
                if let Some(sub) = target.channel() {
                    self.store
                        .set_layout(
                            sub.channel_id,
                            crate::store::Layout::Full,
                            None,
                            Some(super::failure::NO_THREADS),
                        )
                        .await?;
                    self.tell_no_threads(sub, dest, stats).await;
                }
            }
            Some(other) => {
                tracing::warn!(channel_id = channel, %date, error = %other, "cannot start the day's thread; today's cards go into the channel");
            }
            None => {
                tracing::warn!(channel_id = channel, %date, "the index's id is unknown, so no thread can be started from it; today's cards go into the channel");
            }
        }
        Ok(())
    }

    /// Says in the channel, once (its layout is `full` from now on), why its cards are there
    /// and not in a thread. Any failure is only logged: the reason stays in `/papers settings`.
    async fn tell_no_threads(&self, sub: &Subscription, dest: u64, stats: &Stats) {
        let lang = sub
            .language
            .clone()
            .unwrap_or_else(|| self.config.default_language());
        let body = serde_json::json!({
            "content": t!(&lang, "layout-fell-back"),
            "allowed_mentions": { "parse": [] },
        });
        self.limiter.acquire().await;
        stats.requests.fetch_add(1, Ordering::Relaxed);
        match tokio::time::timeout(
            self.tuning.request_timeout,
            self.transport.send_message(dest, &body),
        )
        .await
        {
            Ok(Ok(_)) => tracing::info!(
                channel_id = sub.channel_id,
                "told the channel why its cards are not in a thread"
            ),
            Ok(Err(e)) => {
                tracing::info!(channel_id = sub.channel_id, error = %e.failure, "could not tell the channel why its cards are not in a thread")
            }
            Err(_) => tracing::info!(
                channel_id = sub.channel_id,
                "telling the channel why its cards are not in a thread timed out"
            ),
        }
    }

    /// The person's DM channel: remembered, or opened now (opening is idempotent on Discord's
    /// side, so an unanswered attempt is simply asked again) and remembered in the store.
    async fn dm_channel(
        &self,
        user: u64,
        window: &mut ChannelWindow,
        cancel: &CancellationToken,
        stats: &Stats,
    ) -> Result<u64, Stop> {
        if let Some(c) = self.dm_channels.lock().expect("dm lock").get(&user) {
            return Ok(*c);
        }
        let c = self
            .request(
                window,
                cancel,
                stats,
                On429::Retry,
                || self.transport.open_dm(user),
                || async { None },
            )
            .await?;
        if let Err(e) = self.store.set_dm_channel(user, c).await {
            tracing::warn!(user_id = user, error = %e, "cannot remember the DM channel; it will be asked again");
        }
        self.dm_channels.lock().expect("dm lock").insert(user, c);
        Ok(c)
    }

    /// Creates the day's forum post, or finds the one an earlier, unanswered attempt created.
    #[allow(clippy::too_many_arguments)]
    async fn start_forum_post(
        &self,
        guild_id: u64,
        channel: u64,
        date: NaiveDate,
        first: &Value,
        window: &mut ChannelWindow,
        cancel: &CancellationToken,
        stats: &Stats,
    ) -> Result<u64, Stop> {
        let body = plan::forum_post_body(date, first);
        let title = plan::forum_post_title(date);
        let find = || async {
            self.find_forum_thread(guild_id, channel, &title)
                .await
                .ok()
                .flatten()
        };
        // Forum posts take no nonce: every attempt first looks for the thread an earlier one
        // (a timeout, a 5xx, a crash before it was recorded) may have created.
        self.request(
            window,
            cancel,
            stats,
            On429::Retry,
            || async {
                if let Some(id) = self.find_forum_thread(guild_id, channel, &title).await? {
                    tracing::info!(
                        channel_id = channel,
                        thread_id = id,
                        "forum thread of an earlier attempt found; not creating another"
                    );
                    return Ok(id);
                }
                self.transport.create_forum_post(channel, &body).await
            },
            find,
        )
        .await
    }

    /// The bot's active thread with that title in a forum, if there is one. A thread someone
    /// else opened with the same title is never taken over.
    async fn find_forum_thread(
        &self,
        guild_id: u64,
        forum_id: u64,
        title: &str,
    ) -> Result<Option<u64>, RequestError> {
        let me = match self.me().await {
            Some(me) => me,
            None => self.transport.current_user_id().await?,
        };
        let active = self.transport.active_threads(guild_id).await?;
        Ok(active
            .iter()
            .find(|t| {
                t.parent_id.map(|p| p.get()) == Some(forum_id)
                    && t.name == title
                    && t.owner_id.map(|o| o.get()) == Some(me)
            })
            .map(|t| t.id.get()))
    }

    /// Publishes one recorded message to the announcement channel's followers and records how
    /// it went. Returns whether it is settled (published or given up); `false` leaves it
    /// pending for the next pass (shutting down, or retries used up). A crosspost over the
    /// channel's quota is given up at once and reported, without pausing anyone.
    #[allow(clippy::too_many_arguments)]
    async fn publish(
        &self,
        channel: u64,
        date: NaiveDate,
        idx: u32,
        message: u64,
        window: &mut ChannelWindow,
        cancel: &CancellationToken,
        stats: &Stats,
    ) -> Result<bool, StoreError> {
        let mut waits = self.signals.as_ref().map(|s| s.subscribe());
        let route = format!("/channels/{channel}/messages/{message}/crosspost");
        let attempt = self.request(
            window,
            cancel,
            stats,
            On429::GiveUp,
            || self.transport.crosspost(channel, message),
            || async { None },
        );
        let over_quota = async {
            match waits.as_mut() {
                Some(rx) => loop {
                    match rx.recv().await {
                        Ok(w) if w.path.ends_with(&route) && w.wait > CROSSPOST_PATIENCE => {
                            return w.wait
                        }
                        Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => {
                            std::future::pending::<()>().await
                        }
                    }
                },
                None => std::future::pending().await,
            }
        };
        let result = tokio::select! {
            r = attempt => r,
            wait = over_quota => {
                // serenity was about to sit it out: counted here, as no 429 reached us.
                stats.rate_limited.fetch_add(1, Ordering::Relaxed);
                crate::ops::metrics::rate_limited(false);
                tracing::debug!(channel_id = channel, wait_s = wait.as_secs(), "crosspost over quota");
                Err(Stop::Failed(Failure::RateLimited))
            }
        };
        let outcome = match result {
            Ok(()) | Err(Stop::Failed(Failure::AlreadyDone)) => Publish::Done,
            Err(Stop::Failed(Failure::RateLimited)) => {
                tracing::warn!(channel_id = channel, message_id = message, "crosspost quota reached (Discord allows about 10 an hour per channel); this message is not published to followers");
                Publish::GivenUp("Discord's crosspost quota for the channel was reached".into())
            }
            Err(Stop::Failed(other)) => {
                tracing::warn!(channel_id = channel, message_id = message, error = %other, "could not publish the message to followers; giving up");
                Publish::GivenUp(other.to_string())
            }
            Err(Stop::Unconfirmed) => Publish::Done,
            Err(Stop::Cancelled) => return Ok(false),
            Err(Stop::Exhausted(e)) => {
                tracing::warn!(channel_id = channel, message_id = message, error = %e, "publishing to followers left for the next pass");
                return Ok(false);
            }
        };
        self.store
            .record_published(channel, date, idx, &outcome)
            .await?;
        Ok(true)
    }

    /// Settles a delivery whose request stopped.
    pub(super) async fn stopped(
        &self,
        target: &Target,
        date: NaiveDate,
        stop: Stop,
        body: Option<&serde_json::Value>,
    ) -> Result<Outcome, StoreError> {
        let channel = target.key();
        match stop {
            Stop::Cancelled => Ok(Outcome::Pending { unsure: false }),
            Stop::Unconfirmed => Ok(Outcome::Pending { unsure: true }),
            Stop::Exhausted(e) => {
                let attempts = self.store.record_attempt_error(channel, date, &e).await?;
                if attempts >= MAX_DELIVERY_ATTEMPTS {
                    tracing::error!(channel_id = channel, %date, error = %e, attempts, "giving up the delivery after repeated failures");
                    self.store
                        .finish_delivery(channel, date, DeliveryStatus::Failed)
                        .await?;
                    return Ok(Outcome::Failed);
                }
                tracing::warn!(channel_id = channel, %date, error = %e, attempts, "delivery left for the next pass");
                Ok(Outcome::Pending { unsure: true })
            }
            Stop::Failed(Failure::Gone(reason)) if target.is_person() => {
                tracing::warn!(user_id = channel, %date, %reason, "pausing the person's alerts");
                self.store
                    .record_channel_unavailable(channel, date, &reason)
                    .await?;
                self.store
                    .finish_delivery(channel, date, DeliveryStatus::Failed)
                    .await?;
                self.store
                    .set_alerts_paused(target.destination(), Some(&reason))
                    .await?;
                Ok(Outcome::ChannelGone(reason))
            }
            Stop::Failed(Failure::Gone(reason)) => {
                tracing::warn!(channel_id = channel, guild_id = target.guild_id(), %date, %reason, "pausing the subscription");
                // Marked as the channel's fault: `/papers resume` reopens exactly these.
                self.store
                    .record_channel_unavailable(channel, date, &reason)
                    .await?;
                self.store
                    .finish_delivery(channel, date, DeliveryStatus::Failed)
                    .await?;
                // The subscription is the channel's (a weekly post's ledger key is not its id).
                self.store
                    .set_paused(target.destination(), Some(&reason))
                    .await?;
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
                self.token_refused();
                Ok(Outcome::Abort)
            }
            Stop::Failed(other) => {
                let e = other.to_string();
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
        let system = match tokio::time::timeout(
            self.tuning.request_timeout,
            self.transport.system_channel(sub.guild_id),
        )
        .await
        {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => {
                tracing::info!(guild_id = sub.guild_id, error = %e.failure, "cannot look up the guild to report the pause");
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
        let Some(system) = system.filter(|c| *c != sub.channel_id) else {
            tracing::info!(
                guild_id = sub.guild_id,
                "guild has no other system channel; pause not reported"
            );
            return;
        };
        let body = serde_json::json!({
            "content": pause_notice(
                sub.channel_id,
                reason,
                &sub.language.clone().unwrap_or_else(|| self.config.default_language()),
            ),
            "allowed_mentions": { "parse": [] },
        });
        self.limiter.acquire().await;
        stats.requests.fetch_add(1, Ordering::Relaxed);
        match tokio::time::timeout(
            self.tuning.request_timeout,
            self.transport.send_message(system, &body),
        )
        .await
        {
            Ok(Ok(_)) => tracing::info!(
                guild_id = sub.guild_id,
                system_channel_id = system,
                "pause reported in the system channel"
            ),
            Ok(Err(e)) => {
                tracing::info!(guild_id = sub.guild_id, error = %e.failure, "could not report the pause in the system channel")
            }
            Err(_) => tracing::info!(guild_id = sub.guild_id, "reporting the pause timed out"),
        }
    }
}

/// Recorded for a message Discord accepted whose id paperboy could not learn: never sent again,
/// never published.
pub const UNKNOWN_MESSAGE_ID: u64 = 0;

/// The text posted in a guild's system channel when one of its channels is paused, in the
/// channel's language.
pub fn pause_notice(channel_id: u64, reason: &str, lang: &Language) -> String {
    t!(
        lang,
        "post-paused",
        channel = channel_id.to_string(),
        reason = super::failure::reason_words(reason, lang)
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
    use serde_json::json;

    #[test]
    fn a_message_is_recognised_by_its_text_as_discord_returns_it() {
        let planned = json!({
            "content": "📰 **Daily Papers — 2024-04-02** · 12 papers",
            "embeds": [{"title": "A", "url": "https://arxiv.org/abs/1", "description": "• x ",
                        "fields": [{"name": "👍 Votes", "value": "3", "inline": true}],
                        "footer": {"text": "Daily Papers · 2024-04-02"}, "color": 1}],
            "nonce": "n", "enforce_nonce": true, "allowed_mentions": {"parse": []}
        });
        // What Discord sends back: more fields, trimmed text, no nonce.
        let returned = json!({
            "id": "9", "content": "📰 **Daily Papers — 2024-04-02** · 12 papers",
            "embeds": [{"type": "rich", "title": "A", "url": "https://arxiv.org/abs/1",
                        "description": "• x", "color": 1,
                        "fields": [{"name": "👍 Votes", "value": "3", "inline": true}],
                        "footer": {"text": "Daily Papers · 2024-04-02"},
                        "thumbnail": {"url": "https://x/y.png", "proxy_url": "https://p"}}]
        });
        assert_eq!(fingerprint(&planned), fingerprint(&returned));
        let other = json!({"content": null, "embeds": [{"title": "B"}]});
        assert_ne!(fingerprint(&planned), fingerprint(&other));
    }

    #[test]
    fn snowflakes_start_at_discords_epoch() {
        let t = DateTime::parse_from_rfc3339("2015-01-01T00:00:01Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(snowflake_at(t), 1000 << 22);
        assert_eq!(snowflake_at(DateTime::<Utc>::MIN_UTC), 0);
    }

    #[test]
    fn pause_notice_names_channel_and_fix() {
        let n = pause_notice(42, "gone", &Language::english());
        assert!(n.contains("<#42>") && n.contains("gone") && n.contains("/papers resume"));
        // In the channel's language: a Korean server reads it in Korean.
        let n = pause_notice(42, "gone", &"ko".parse().unwrap());
        assert!(
            n.contains("<#42>") && n.contains("gone") && n.contains("/논문 재개"),
            "{n}"
        );
    }
}
