//! Discord's rate limits: the global request window and the per-channel message buckets, with
//! the 429 answers and `X-RateLimit-*` headers that announce them.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::json;

use super::reply::Reply;
use super::state::{Inner, Shared};

const MESSAGE_BUCKET_HASH: &str = "80c17d2f203122d936070c88c8d10f33";

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
}

fn epoch_secs_f64(after: Duration) -> f64 {
    (SystemTime::now() + after)
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

fn bucket_headers(limit: u32, remaining: u32, reset_after: Duration) -> Vec<(String, String)> {
    vec![
        ("x-ratelimit-bucket".into(), MESSAGE_BUCKET_HASH.into()),
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

impl Reply {
    pub(super) fn rate_limited(retry_after: f64, global: bool) -> Reply {
        let retry_after = (retry_after * 1000.0).ceil() / 1000.0;
        let mut r = Reply::json(
            429,
            json!({ "message": "You are being rate limited.", "retry_after": retry_after, "global": global }),
        );
        r.headers
            .push(("retry-after".into(), format!("{retry_after:.3}")));
        if global {
            r.headers.push(("x-ratelimit-global".into(), "true".into()));
            r.headers
                .push(("x-ratelimit-scope".into(), "global".into()));
        } else {
            r.headers.push(("x-ratelimit-scope".into(), "user".into()));
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
            return Some(Reply::rate_limited(retry.as_secs_f64().max(0.001), true));
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
        let Some((limit, per)) = self.cfg.channel_bucket else {
            return Ok(Vec::new());
        };
        let now = Instant::now();
        let bucket = inner.buckets.entry(channel_id).or_insert(Bucket {
            window_end: now,
            used: 0,
        });
        match bucket.take(now, limit, per) {
            Ok((remaining, reset_after)) => Ok(bucket_headers(limit, remaining, reset_after)),
            Err(retry) => {
                let mut r = Reply::rate_limited(retry.as_secs_f64().max(0.001), false);
                r.headers.extend(bucket_headers(limit, 0, retry));
                Err(r)
            }
        }
    }
}
