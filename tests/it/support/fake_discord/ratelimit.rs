//! Discord's rate limits: the global request window, the per-channel message buckets and the
//! per-channel crosspost quota, with the 429 answers and `X-RateLimit-*` headers that announce
//! them, as Discord documents them (topics/rate-limits):
//! - every answer of a bucketed route carries `X-RateLimit-Limit`, `-Remaining`, `-Reset` (epoch
//!   seconds, 3 decimals), `-Reset-After` (seconds, 3 decimals) and `-Bucket`;
//! - a 429 carries `Retry-After` (whole seconds, rounded up, as Discord sends it), the body
//!   `{"message", "retry_after" (float seconds), "global", "code": 0}` and `X-RateLimit-Scope`
//!   (`user` for a route bucket, `global` for the global limit, `shared` for a per-resource
//!   limit such as the crosspost quota); `X-RateLimit-Global: true` only on global 429s, which
//!   carry no bucket headers.
//!
//! serenity's limiter (`http/ratelimiting.rs`) reads exactly these: it sleeps `Retry-After` and
//! retries a 429 (holding every request while `X-RateLimit-Global` is present), and waits
//! before the next request of a bucket announced with `Remaining: 0` until `Reset-After`.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::json;

use super::reply::Reply;
use super::state::{Inner, Shared};

const MESSAGE_BUCKET_HASH: &str = "80c17d2f203122d936070c88c8d10f33";
const CROSSPOST_BUCKET_HASH: &str = "d4b3b5b1f2c6b0e2a7c1c0e48f4c9a11";
/// `X-RateLimit-Limit` announced with an injected 429 on a route without a configured bucket
/// (Discord's usual per-route limit).
const DEFAULT_ROUTE_LIMIT: u32 = 5;

/// Whose limit a 429 is about (`X-RateLimit-Scope`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Scope {
    /// A per-route bucket of this bot.
    User,
    /// The bot's global limit.
    Global,
    /// A per-resource limit, whoever asks (e.g. a channel's crosspost quota).
    Shared,
}

/// A fixed window: `limit` uses, then it resets `per` after its first use.
pub(super) struct Bucket {
    window_end: Instant,
    used: u32,
}

impl Bucket {
    /// Ok((remaining, reset_after)) or Err(retry_after).
    fn take(
        &mut self,
        now: Instant,
        limit: u32,
        per: Duration,
    ) -> Result<(u32, Duration), Duration> {
        if now >= self.window_end {
            self.window_end = now + per;
            self.used = 0;
        }
        if self.used >= limit {
            Err(self.window_end - now)
        } else {
            self.used += 1;
            Ok((limit - self.used, self.window_end - now))
        }
    }

    /// Takes one use of the bucket `key` of `buckets`: Ok(its headers) or Err(the 429).
    fn take_in(
        buckets: &mut std::collections::HashMap<u64, Bucket>,
        key: u64,
        (limit, per): (u32, Duration),
        hash: &str,
        scope: Scope,
    ) -> Result<Vec<(String, String)>, Reply> {
        let now = Instant::now();
        let bucket = buckets.entry(key).or_insert(Bucket {
            window_end: now,
            used: 0,
        });
        match bucket.take(now, limit, per) {
            Ok((remaining, reset_after)) => Ok(bucket_headers(hash, limit, remaining, reset_after)),
            Err(retry) => {
                let mut r = Reply::rate_limited(retry.as_secs_f64().max(0.001), scope);
                r.headers.extend(bucket_headers(hash, limit, 0, retry));
                Err(r)
            }
        }
    }
}

fn epoch_secs_f64(after: Duration) -> f64 {
    (SystemTime::now() + after)
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

fn bucket_headers(
    hash: &str,
    limit: u32,
    remaining: u32,
    reset_after: Duration,
) -> Vec<(String, String)> {
    vec![
        ("x-ratelimit-bucket".into(), hash.into()),
        ("x-ratelimit-limit".into(), limit.to_string()),
        ("x-ratelimit-remaining".into(), remaining.to_string()),
        (
            "x-ratelimit-reset".into(),
            format!("{:.3}", epoch_secs_f64(reset_after)),
        ),
        (
            "x-ratelimit-reset-after".into(),
            format!("{:.3}", reset_after.as_secs_f64()),
        ),
    ]
}

fn is_message_create(method: &str, segs: &[String]) -> bool {
    method == "POST" && segs.len() == 3 && segs[0] == "channels" && segs[2] == "messages"
}

fn is_crosspost(method: &str, segs: &[String]) -> bool {
    method == "POST" && segs.len() == 5 && segs[0] == "channels" && segs[4] == "crosspost"
}

/// A stable bucket hash for a route: the method and the path with ids replaced (Discord's
/// bucket does not include the top-level resource).
fn route_bucket_hash(method: &str, segs: &[String]) -> String {
    let template: Vec<&str> = segs
        .iter()
        .map(|s| {
            if s.bytes().all(|b| b.is_ascii_digit()) {
                "{id}"
            } else {
                s.as_str()
            }
        })
        .collect();
    let key = format!("{method} /{}", template.join("/"));
    // Two FNV-1a passes with different offsets: 32 hex digits, like Discord's hashes.
    let fnv = |offset: u64| {
        key.bytes().fold(offset, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        })
    };
    format!(
        "{:016x}{:016x}",
        fnv(0xcbf2_9ce4_8422_2325),
        fnv(0x6c62_272e_07bb_0142)
    )
}

impl Reply {
    /// A 429 as Discord sends it (no bucket headers: the caller adds the route's).
    pub(super) fn rate_limited(retry_after: f64, scope: Scope) -> Reply {
        let retry_after = (retry_after.max(0.0) * 1000.0).ceil() / 1000.0;
        let message = if scope == Scope::Shared {
            "The resource is being rate limited."
        } else {
            "You are being rate limited."
        };
        let global = scope == Scope::Global;
        let mut r = Reply::json(
            429,
            json!({ "message": message, "retry_after": retry_after, "global": global, "code": 0 }),
        );
        r.headers.push((
            "retry-after".into(),
            format!("{}", retry_after.ceil() as u64),
        ));
        let scope = match scope {
            Scope::User => "user",
            Scope::Global => "global",
            Scope::Shared => "shared",
        };
        r.headers.push(("x-ratelimit-scope".into(), scope.into()));
        if global {
            r.headers.push(("x-ratelimit-global".into(), "true".into()));
        }
        r
    }
}

impl Shared {
    /// Takes a slot in the global window: `Some(429)` when it is full. Unlimited when no
    /// `global_limit_per_sec` is configured.
    pub(super) fn take_global(&self, inner: &mut Inner) -> Option<Reply> {
        let limit = self.cfg.global_limit_per_sec?;
        let now = Instant::now();
        while inner
            .global_window
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.cfg.global_window)
        {
            inner.global_window.pop_front();
        }
        if inner.global_window.len() >= limit as usize {
            let oldest = *inner
                .global_window
                .front()
                .expect("window is non-empty when full");
            let retry = self
                .cfg
                .global_window
                .saturating_sub(now.duration_since(oldest));
            return Some(Reply::rate_limited(
                retry.as_secs_f64().max(0.001),
                Scope::Global,
            ));
        }
        inner.global_window.push_back(now);
        None
    }

    /// Takes one message from the channel's bucket: Ok(its `X-RateLimit-*` headers), or Err(the
    /// 429) when it is empty. No headers when no `channel_bucket` is configured.
    pub(super) fn take_channel_bucket(
        &self,
        inner: &mut Inner,
        channel_id: u64,
    ) -> Result<Vec<(String, String)>, Reply> {
        let Some(cfg) = self.cfg.channel_bucket else {
            return Ok(Vec::new());
        };
        Bucket::take_in(
            &mut inner.buckets,
            channel_id,
            cfg,
            MESSAGE_BUCKET_HASH,
            Scope::User,
        )
    }

    /// Takes one crosspost from the channel's quota (`crosspost_quota`, 10 an hour by default):
    /// Ok(its headers), or Err(a `shared` 429 whose `retry_after` is the rest of the window).
    pub(super) fn take_crosspost_quota(
        &self,
        inner: &mut Inner,
        channel_id: u64,
    ) -> Result<Vec<(String, String)>, Reply> {
        let Some(cfg) = self.cfg.crosspost_quota else {
            return Ok(Vec::new());
        };
        Bucket::take_in(
            &mut inner.crosspost_buckets,
            channel_id,
            cfg,
            CROSSPOST_BUCKET_HASH,
            Scope::Shared,
        )
    }

    /// An injected `Failure::RateLimited` answer, with the headers an enforced one of that kind
    /// carries: a route 429 announces the route's bucket as empty until `retry_after`.
    pub(super) fn injected_rate_limit(
        &self,
        method: &str,
        segs: &[String],
        retry_after: f64,
        global: bool,
    ) -> Reply {
        if global {
            return Reply::rate_limited(retry_after, Scope::Global);
        }
        let mut r = Reply::rate_limited(retry_after, Scope::User);
        let (hash, limit) = if is_message_create(method, segs) {
            (
                MESSAGE_BUCKET_HASH.to_string(),
                self.cfg.channel_bucket.map(|(l, _)| l),
            )
        } else if is_crosspost(method, segs) {
            (
                CROSSPOST_BUCKET_HASH.to_string(),
                self.cfg.crosspost_quota.map(|(l, _)| l),
            )
        } else {
            (route_bucket_hash(method, segs), None)
        };
        let wait = Duration::from_secs_f64(retry_after.max(0.0));
        r.headers.extend(bucket_headers(
            &hash,
            limit.unwrap_or(DEFAULT_ROUTE_LIMIT),
            0,
            wait,
        ));
        r
    }
}
