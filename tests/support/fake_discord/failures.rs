//! Failure injection: the [`Failure`] kinds a test queues with `fail_next` or has drawn at random
//! for message POSTs, and the answers they produce.

use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::reply::Reply;

/// An injected failure.
#[derive(Clone, Debug, PartialEq)]
pub enum Failure {
    /// 429 with `retry_after` (seconds) and `global` in the body and headers.
    RateLimited { retry_after: f64, global: bool },
    /// That status (500, 502, 503, ...) with a JSON body.
    ServerError(u16),
    /// Wait that long, then answer normally.
    Slow(Duration),
    /// 403 `{"code":50013,"message":"Missing Permissions"}`.
    Forbidden,
    /// 404 `{"code":10003,"message":"Unknown Channel"}`.
    UnknownChannel,
    /// The request takes effect, but the client gets this 5xx status instead of the answer (a
    /// gateway timeout between the bot and Discord): the bot cannot tell whether it worked.
    AnswerLost(u16),
}

/// Random failures of message POSTs (see `FakeDiscord::set_random_failures`).
pub(super) struct RandomFailures {
    rate: f64,
    rng: StdRng,
    kinds: Vec<Failure>,
}

impl RandomFailures {
    /// `None` (off) when `rate` is 0 or there are no `kinds`.
    pub(super) fn new(rate: f64, seed: u64, kinds: Vec<Failure>) -> Option<RandomFailures> {
        (rate > 0.0 && !kinds.is_empty()).then(|| RandomFailures {
            rate,
            rng: StdRng::seed_from_u64(seed),
            kinds,
        })
    }

    /// Whether this message POST fails, and how.
    pub(super) fn roll(&mut self) -> Option<Failure> {
        if !self.kinds.is_empty() && self.rng.gen::<f64>() < self.rate {
            Some(self.kinds[self.rng.gen_range(0..self.kinds.len())].clone())
        } else {
            None
        }
    }
}

impl Reply {
    pub(super) fn failure(f: &Failure) -> Reply {
        match f {
            Failure::RateLimited {
                retry_after,
                global,
            } => Reply::rate_limited(*retry_after, *global),
            Failure::ServerError(code) => {
                let status = if (500..600).contains(code) {
                    *code
                } else {
                    500
                };
                Reply::error(status, 0, &format!("{status}: Server Error"))
            }
            Failure::Forbidden => Reply::missing_permissions(),
            Failure::UnknownChannel => Reply::unknown_channel(),
            // Only reached if a Slow failure had to be answered directly; answer normally-ish.
            Failure::Slow(_) => Reply::error(500, 0, "500: Internal Server Error"),
            Failure::AnswerLost(code) => {
                Reply::error(*code, 0, &format!("{code}: Gateway Timeout"))
            }
        }
    }
}
