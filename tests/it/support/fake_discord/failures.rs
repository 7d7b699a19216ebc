//! Failure injection: the [`Failure`] kinds a test queues with `fail_next` / `fail_route_next`
//! or has drawn at random for message POSTs, and the answers they produce.

use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::reply::Reply;
use super::state::{Inner, Shared};

/// An injected failure.
#[derive(Clone, Debug, PartialEq)]
pub enum Failure {
    /// 429 with `retry_after` (seconds) and `global` in the body, and the headers an enforced
    /// 429 of that kind carries (`Retry-After`, `X-RateLimit-Scope`, the route's bucket as
    /// empty, or `X-RateLimit-Global`). Nothing takes effect.
    RateLimited { retry_after: f64, global: bool },
    /// That status (500, 502, 503, ...) with a JSON body. Nothing takes effect.
    ServerError(u16),
    /// The request takes effect at once (a message is stored even if the client gives up
    /// waiting); only its answer comes that much later.
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

impl Shared {
    /// The failure queued for this request, if any: the first `fail_route_next` entry matching
    /// its method and path, else (for non-exempt requests) the next `fail_next` one.
    pub(super) fn take_injected(
        &self,
        inner: &mut Inner,
        method: &str,
        path: &str,
        exempt: bool,
    ) -> Option<Failure> {
        let routed = inner.route_failures.iter().position(|f| {
            f.method.eq_ignore_ascii_case(method) && path.starts_with(&f.path_prefix)
        });
        if let Some(i) = routed {
            return inner.route_failures.remove(i).map(|f| f.failure);
        }
        if exempt {
            return None;
        }
        inner.fail_next.pop_front()
    }

    /// The answer of an injected failure that takes no effect (`RateLimited`, `ServerError`,
    /// `Forbidden`, `UnknownChannel`) or of a lost answer.
    pub(super) fn failure_reply(&self, f: &Failure, method: &str, segs: &[String]) -> Reply {
        match f {
            Failure::RateLimited {
                retry_after,
                global,
            } => self.injected_rate_limit(method, segs, *retry_after, *global),
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
            // Slow is handled by the request flow (effect, then a delayed answer).
            Failure::Slow(_) => Reply::error(500, 0, "500: Internal Server Error"),
            Failure::AnswerLost(code) => {
                let status = if (500..600).contains(code) {
                    *code
                } else {
                    504
                };
                Reply::error(status, 0, &format!("{status}: Gateway Timeout"))
            }
        }
    }
}
