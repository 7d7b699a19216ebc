//! Proactive pacing, so that a large fan-out stays under Discord's limits instead of bouncing
//! off them: one global limiter shared by every task (Discord's 50 requests/second per token is
//! for the whole bot) and a per-channel window (about 5 messages per 5 seconds per channel).
//!
//! Both are split into a pure decision over explicit instants ([`Gcra`], [`ChannelWindow`]),
//! unit-tested without time passing, and a thin async shell that sleeps on tokio's clock (so
//! `tokio::time::pause()` drives it in tests).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serenity::http::RatelimitInfo;
use tokio::sync::broadcast;
use tokio::time::Instant;

/// What serenity's own rate limiter (production mode) reports, shared with the delivery engine.
/// serenity waits out a 429 itself, but only for the request that got it: a global 429 would let
/// every other task keep sending into it, and a crosspost over its hourly quota would sit out
/// the wait. So a global limit pauses the whole engine ([`GlobalLimiter`] consults
/// [`RateLimitSignals::global_until`]), and a long wait on one route is announced to whoever
/// waits on it ([`RateLimitSignals::subscribe`]).
#[derive(Debug)]
pub struct RateLimitSignals {
    global_until: Mutex<Option<Instant>>,
    routes: broadcast::Sender<RouteWait>,
    global_hits: AtomicU64,
    route_waits: AtomicU64,
}

/// serenity is about to wait `wait` on the route `path` (a full URL).
#[derive(Debug, Clone)]
pub struct RouteWait {
    pub path: String,
    pub wait: Duration,
}

impl RateLimitSignals {
    pub fn new() -> Arc<RateLimitSignals> {
        Arc::new(RateLimitSignals {
            global_until: Mutex::new(None),
            routes: broadcast::channel(256).0,
            global_hits: AtomicU64::new(0),
            route_waits: AtomicU64::new(0),
        })
    }

    /// serenity's rate-limit callback.
    pub fn report(&self, info: &RatelimitInfo) {
        crate::ops::metrics::rate_limit_wait(info.global);
        if info.global {
            crate::ops::metrics::rate_limited(true);
            self.global_hits.fetch_add(1, Ordering::Relaxed);
            let until = Instant::now() + info.timeout;
            let mut g = self.global_until.lock().expect("signals lock");
            if g.is_none_or(|t| t < until) {
                *g = Some(until);
            }
            tracing::warn!(
                wait_ms = info.timeout.as_millis() as u64,
                "global rate limit (429): every delivery pauses"
            );
        } else {
            self.route_waits.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(path = %info.path, wait_ms = info.timeout.as_millis() as u64, "route rate limit: serenity waits");
            let _ = self.routes.send(RouteWait {
                path: info.path.clone(),
                wait: info.timeout,
            });
        }
    }

    /// Nobody may send before this (a global 429 said so).
    pub fn global_until(&self) -> Option<Instant> {
        self.global_until
            .lock()
            .expect("signals lock")
            .filter(|t| *t > Instant::now())
    }

    /// Route waits announced from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<RouteWait> {
        self.routes.subscribe()
    }

    /// Global 429s seen so far.
    pub fn global_hits(&self) -> u64 {
        self.global_hits.load(Ordering::Relaxed)
    }

    /// Route waits (pre-emptive or after a 429) seen so far.
    pub fn route_waits(&self) -> u64 {
        self.route_waits.load(Ordering::Relaxed)
    }
}

/// Generic cell rate algorithm: requests are spaced `interval` apart, with up to `burst`
/// requests allowed back to back after an idle period. Each call reserves the next slot, so
/// concurrent callers are served in arrival order and never more than `burst + rate × t`
/// requests go out in any window of length `t`.
#[derive(Debug, Clone)]
pub struct Gcra {
    interval: Duration,
    /// How far ahead of "now" the theoretical arrival time may run before callers must wait.
    tolerance: Duration,
    /// Theoretical arrival time of the next request.
    tat: Option<Instant>,
}

impl Gcra {
    /// `per_second` requests a second, `burst` (at least 1) of them back to back.
    pub fn new(per_second: f64, burst: u32) -> Gcra {
        assert!(per_second > 0.0, "a rate limit needs a positive rate");
        let interval = Duration::from_secs_f64(1.0 / per_second);
        Gcra {
            interval,
            tolerance: interval * burst.max(1).saturating_sub(1),
            tat: None,
        }
    }

    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// Changes the rate from now on (this process's share of a budget shared with others):
    /// slots already handed out stay, later ones are spaced at the new interval.
    pub fn set_rate(&mut self, per_second: f64) {
        assert!(per_second > 0.0, "a rate limit needs a positive rate");
        let burst = if self.interval.is_zero() {
            1
        } else {
            (self.tolerance.as_nanos() / self.interval.as_nanos()) as u32 + 1
        };
        self.interval = Duration::from_secs_f64(1.0 / per_second);
        self.tolerance = self.interval * burst.saturating_sub(1);
    }

    /// Reserves the next slot for a request arriving at `now`; returns when it may be sent
    /// (`now` itself when there is room).
    pub fn reserve(&mut self, now: Instant) -> Instant {
        let tat = self.tat.unwrap_or(now).max(now);
        let at = tat.checked_sub(self.tolerance).unwrap_or(now).max(now);
        self.tat = Some(tat + self.interval);
        at
    }

    /// Nothing may be sent before `until` (a global 429 was received): later reservations start
    /// there.
    pub fn hold_until(&mut self, until: Instant) {
        let held = until + self.tolerance;
        self.tat = Some(self.tat.map_or(held, |t| t.max(held)));
    }
}

/// The bot-wide limiter shared by every delivery task; counts every request it sends.
#[derive(Debug)]
pub struct GlobalLimiter {
    state: Mutex<LimiterState>,
}

#[derive(Debug)]
struct LimiterState {
    gcra: Gcra,
    /// After a 429 nobody sends before this, including callers that reserved earlier slots.
    paused_until: Option<Instant>,
}

impl GlobalLimiter {
    /// No burst: requests are spread evenly, which keeps every 1-second window (however the
    /// server aligns it) at or under `per_second + 1`.
    pub fn new(per_second: f64) -> GlobalLimiter {
        GlobalLimiter {
            state: Mutex::new(LimiterState {
                gcra: Gcra::new(per_second, 1),
                paused_until: None,
            }),
        }
    }

    /// Waits for this caller's slot.
    pub async fn acquire(&self) {
        loop {
            let at = {
                let mut s = self.state.lock().expect("limiter lock");
                let now = Instant::now();
                if let Some(p) = s.paused_until.filter(|p| *p > now) {
                    s.gcra.hold_until(p);
                }
                s.gcra.reserve(now)
            };
            tokio::time::sleep_until(at).await;
            // A pause announced while this caller slept applies to it too.
            let paused = self.state.lock().expect("limiter lock").paused_until;
            if paused.is_none_or(|p| p <= Instant::now()) {
                return;
            }
        }
    }

    /// Sets the rate every task shares (see [`Gcra::set_rate`]).
    pub fn set_rate(&self, per_second: f64) {
        self.state
            .lock()
            .expect("limiter lock")
            .gcra
            .set_rate(per_second);
    }

    /// Stops every task from sending for `d` (a 429 came back).
    pub fn pause_for(&self, d: Duration) {
        self.pause_until(Instant::now() + d);
    }

    /// Stops every task from sending before `until`.
    pub fn pause_until(&self, until: Instant) {
        let mut s = self.state.lock().expect("limiter lock");
        if s.paused_until.is_none_or(|p| p < until) {
            s.paused_until = Some(until);
        }
    }
}

/// A sliding-window log for one channel: at most `limit` requests in any `window`. Stricter than
/// a token bucket of the same size (it waits for the oldest request to leave the window), which
/// keeps it safe whether the server counts fixed windows or a sliding one.
#[derive(Debug, Clone)]
pub struct ChannelWindow {
    limit: usize,
    window: Duration,
    sent: VecDeque<Instant>,
}

impl ChannelWindow {
    pub fn new(limit: usize, window: Duration) -> ChannelWindow {
        ChannelWindow {
            limit: limit.max(1),
            window,
            sent: VecDeque::new(),
        }
    }

    /// When the next request may go out, without reserving it.
    pub fn next_allowed(&self, now: Instant) -> Instant {
        if self.sent.len() < self.limit {
            return now;
        }
        let oldest = self.sent[self.sent.len() - self.limit];
        (oldest + self.window).max(now)
    }

    /// Records a request sent at `at`.
    pub fn record(&mut self, at: Instant) {
        self.sent.push_back(at);
        while self.sent.len() > self.limit {
            self.sent.pop_front();
        }
    }

    /// Waits until the next request may go out, without recording it: see [`pace`].
    pub async fn ready(&self) {
        tokio::time::sleep_until(self.next_allowed(Instant::now())).await;
    }
}

/// Waits for a request's turn in its channel's window and then in the global limiter, and
/// records it in the window only once both let it through: the slot is the moment the request
/// really leaves, so a wait for the global limiter can never squeeze more than the window allows
/// into one window. The window is only ever used by its own channel's task, one request at a
/// time, so nothing can take the slot between the wait and the record.
pub async fn pace(
    window: &mut ChannelWindow,
    limiter: &GlobalLimiter,
    signals: Option<&RateLimitSignals>,
) {
    window.ready().await;
    if let Some(until) = signals.and_then(RateLimitSignals::global_until) {
        limiter.pause_until(until);
    }
    limiter.acquire().await;
    window.record(Instant::now());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn gcra_spaces_requests_evenly_without_burst() {
        let t0 = Instant::now();
        let mut g = Gcra::new(50.0, 1);
        assert_eq!(g.interval(), ms(20));
        // Five callers at once get slots 0, 20, 40, 60, 80 ms.
        let slots: Vec<_> = (0..5).map(|_| g.reserve(t0) - t0).collect();
        assert_eq!(slots, vec![ms(0), ms(20), ms(40), ms(60), ms(80)]);
        // A caller arriving after the queue drained goes at once.
        assert_eq!(g.reserve(t0 + ms(500)), t0 + ms(500));
    }

    #[test]
    fn gcra_burst_allows_back_to_back_then_spaces() {
        let t0 = Instant::now();
        let mut g = Gcra::new(10.0, 3);
        let slots: Vec<_> = (0..5).map(|_| g.reserve(t0) - t0).collect();
        assert_eq!(slots, vec![ms(0), ms(0), ms(0), ms(100), ms(200)]);
    }

    #[test]
    fn gcra_never_exceeds_rate_in_any_window() {
        // 1000 callers arriving in a rush: in every 1-second window at most rate + burst.
        let t0 = Instant::now();
        let mut g = Gcra::new(45.0, 1);
        let slots: Vec<Instant> = (0..1000)
            .map(|i| g.reserve(t0 + Duration::from_micros(i * 700)))
            .collect();
        for (i, s) in slots.iter().enumerate() {
            let in_window = slots[i..]
                .iter()
                .take_while(|x| **x < *s + ms(1000))
                .count();
            assert!(in_window <= 46, "{in_window} requests within 1 s");
        }
        // And the whole run takes about requests / rate.
        let total = *slots.last().unwrap() - t0;
        assert!(total >= ms(22_000) && total <= ms(22_300), "{total:?}");
    }

    #[test]
    fn gcra_rate_changes_apply_to_later_slots() {
        let t0 = Instant::now();
        let mut g = Gcra::new(10.0, 1);
        assert_eq!(g.reserve(t0), t0);
        assert_eq!(g.reserve(t0), t0 + ms(100));
        // Another process joined: half the budget from now on.
        g.set_rate(5.0);
        assert_eq!(g.interval(), ms(200));
        assert_eq!(g.reserve(t0), t0 + ms(200));
        assert_eq!(g.reserve(t0), t0 + ms(400));
        let mut b = Gcra::new(10.0, 3);
        b.set_rate(20.0);
        let slots: Vec<_> = (0..4).map(|_| b.reserve(t0) - t0).collect();
        assert_eq!(
            slots,
            vec![ms(0), ms(0), ms(0), ms(50)],
            "the burst is kept"
        );
    }

    #[test]
    fn gcra_hold_pushes_later_reservations() {
        let t0 = Instant::now();
        let mut g = Gcra::new(10.0, 1);
        g.reserve(t0);
        g.hold_until(t0 + ms(1000));
        assert_eq!(g.reserve(t0 + ms(10)), t0 + ms(1000));
        assert_eq!(g.reserve(t0 + ms(10)), t0 + ms(1100));
    }

    #[test]
    fn channel_window_allows_five_then_waits_for_the_oldest() {
        let t0 = Instant::now();
        let mut w = ChannelWindow::new(5, ms(5000));
        for i in 0..5 {
            let now = t0 + ms(i * 10);
            assert_eq!(w.next_allowed(now), now);
            w.record(now);
        }
        assert_eq!(w.next_allowed(t0 + ms(60)), t0 + ms(5000));
        w.record(t0 + ms(5000));
        // The second-oldest (t0 + 10 ms) leaves the window next.
        assert_eq!(w.next_allowed(t0 + ms(5000)), t0 + ms(5010));
    }

    #[tokio::test(start_paused = true)]
    async fn a_global_wait_does_not_let_a_channel_exceed_its_window() {
        // Two requests per second per channel. The first request waits 900 ms for the global
        // limiter (a 429 pause): its slot is when it left, not when it started waiting, so the
        // third request waits for a full window after it.
        let limiter = GlobalLimiter::new(1000.0);
        let mut window = ChannelWindow::new(2, ms(1000));
        let start = Instant::now();
        limiter.pause_for(ms(900));
        let mut sent = Vec::new();
        for _ in 0..5 {
            pace(&mut window, &limiter, None).await;
            sent.push(Instant::now() - start);
        }
        assert!(sent[0] >= ms(900), "{sent:?}");
        for (i, t) in sent.iter().enumerate() {
            let in_window = sent[i..].iter().filter(|x| **x < *t + ms(1000)).count();
            assert!(in_window <= 2, "{in_window} requests within 1 s: {sent:?}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn global_limiter_paces_concurrent_tasks() {
        let limiter = std::sync::Arc::new(GlobalLimiter::new(100.0));
        let start = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..50 {
            let l = limiter.clone();
            tasks.push(tokio::spawn(async move {
                l.acquire().await;
                Instant::now()
            }));
        }
        let mut times = Vec::new();
        for t in tasks {
            times.push(t.await.unwrap() - start);
        }
        times.sort();
        assert_eq!(times[0], ms(0));
        assert_eq!(times[49], ms(490));
    }

    #[tokio::test(start_paused = true)]
    async fn global_pause_delays_everyone() {
        let limiter = GlobalLimiter::new(100.0);
        let start = Instant::now();
        limiter.acquire().await;
        limiter.pause_for(ms(1000));
        limiter.acquire().await;
        assert!(Instant::now() - start >= ms(1000));
        let before = Instant::now();
        limiter.acquire().await;
        assert!(Instant::now() - before <= ms(10));
    }
}
