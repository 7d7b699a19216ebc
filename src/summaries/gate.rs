//! When the worker may call the model's endpoint. After a failure it pauses (the endpoint's
//! `retry-after`, else a backoff that doubles with each outage in a row); the calls that were in
//! flight when the endpoint went down fail too, but they are the same outage and count once.
//! When the pause ends, one call goes first, alone (the probe), and the others wait for its
//! answer: concurrency comes back only once the endpoint answers, and a failed probe is one
//! more backoff step, not `concurrency` of them.
//!
//! [`Breaker`] is the decision, pure, on an instant the caller gives; [`Gate`] wraps it for the
//! worker's tasks (the waiting for a probe).

use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

/// What a call may do now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Go; the ticket is given back with the call's outcome.
    Go(Ticket),
    /// The endpoint is paused: not now.
    Paused,
    /// A probe is in flight: wait for its answer, then ask again.
    WaitForProbe,
}

/// A call let through: which pause it started after, and whether it is the probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket {
    epoch: u64,
    probe: bool,
}

impl Ticket {
    pub fn is_probe(&self) -> bool {
        self.probe
    }
}

/// A failure's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// A new outage (or a failed probe): paused this long; `outages` in a row so far.
    Paused { pause: Duration, outages: u32 },
    /// A call of an outage already paused for: not counted again.
    SameOutage,
}

/// The pause-and-probe state.
#[derive(Debug, Clone)]
pub struct Breaker {
    base: Duration,
    max: Duration,
    paused_until: Option<Instant>,
    /// Outages in a row (each a doubling of the backoff), 0 once a call succeeds.
    outages: u32,
    /// Bumped at each new pause: a call that started before it is of the same outage.
    epoch: u64,
    /// The endpoint failed and has not answered since: the next call after the pause probes.
    unwell: bool,
    probing: bool,
}

impl Breaker {
    /// `base` doubles with each outage in a row, up to `max`.
    pub fn new(base: Duration, max: Duration) -> Breaker {
        Breaker {
            base,
            max,
            paused_until: None,
            outages: 0,
            epoch: 0,
            unwell: false,
            probing: false,
        }
    }

    pub fn admit(&mut self, now: Instant) -> Admission {
        if self.paused(now) {
            return Admission::Paused;
        }
        if !self.unwell {
            return Admission::Go(Ticket {
                epoch: self.epoch,
                probe: false,
            });
        }
        if self.probing {
            return Admission::WaitForProbe;
        }
        self.probing = true;
        Admission::Go(Ticket {
            epoch: self.epoch,
            probe: true,
        })
    }

    pub fn paused(&self, now: Instant) -> bool {
        self.paused_until.is_some_and(|t| t > now)
    }

    pub fn paused_until(&self) -> Option<Instant> {
        self.paused_until
    }

    /// The call of `ticket` met the endpoint failing (`retry_after` when it said how long to
    /// wait). A call that started before the current pause is of that outage: only a longer
    /// `retry-after` than the pause's is honoured.
    pub fn failed(
        &mut self,
        ticket: Ticket,
        retry_after: Option<Duration>,
        now: Instant,
    ) -> Failure {
        if ticket.probe {
            self.probing = false;
        }
        if ticket.epoch != self.epoch && !ticket.probe {
            if let Some(r) = retry_after {
                let until = now + r;
                self.paused_until = Some(self.paused_until.map_or(until, |t| t.max(until)));
            }
            return Failure::SameOutage;
        }
        self.outages = self.outages.saturating_add(1);
        self.epoch += 1;
        self.unwell = true;
        let backoff = self
            .base
            .saturating_mul(1 << (self.outages - 1).min(16))
            .min(self.max);
        let pause = retry_after.unwrap_or(backoff).max(Duration::from_millis(1));
        self.paused_until = Some(now + pause);
        Failure::Paused {
            pause,
            outages: self.outages,
        }
    }

    /// The call of `ticket` got an answer (whatever its content): the endpoint is well.
    /// Whether it had been failing until now.
    pub fn answered(&mut self, ticket: Ticket) -> bool {
        if ticket.probe {
            self.probing = false;
        }
        let was = self.unwell;
        self.unwell = false;
        self.outages = 0;
        was
    }

    /// The call of `ticket` never reached the endpoint (nothing to ask, or cancelled): a probe
    /// leaves its turn to the next call.
    pub fn abandoned(&mut self, ticket: Ticket) {
        if ticket.probe {
            self.probing = false;
        }
    }

    /// Ends a pause at once (tests).
    pub fn resume(&mut self) {
        self.paused_until = None;
    }
}

/// [`Breaker`] shared by the worker's concurrent calls.
pub struct Gate {
    breaker: Mutex<Breaker>,
    changed: Notify,
}

impl Gate {
    pub fn new(base: Duration, max: Duration) -> Gate {
        Gate {
            breaker: Mutex::new(Breaker::new(base, max)),
            changed: Notify::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Breaker> {
        self.breaker.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits while a probe is in flight; `None` while the endpoint is paused.
    pub async fn admit(&self) -> Option<Pass<'_>> {
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            // Registered before the state is read, so no change is missed.
            notified.as_mut().enable();
            match self.lock().admit(Instant::now()) {
                Admission::Go(ticket) => {
                    return Some(Pass {
                        gate: self,
                        ticket,
                        done: false,
                    })
                }
                Admission::Paused => return None,
                Admission::WaitForProbe => {}
            }
            notified.await;
        }
    }

    pub fn paused(&self) -> bool {
        self.lock().paused(Instant::now())
    }

    pub fn paused_until(&self) -> Option<Instant> {
        self.lock().paused_until()
    }

    pub fn resume(&self) {
        self.lock().resume();
        self.changed.notify_waiters();
    }
}

/// A call let through the gate. Dropped without a verdict (cancelled, or nothing was asked),
/// it is abandoned: a probe leaves its turn to the next call.
pub struct Pass<'a> {
    gate: &'a Gate,
    ticket: Ticket,
    done: bool,
}

impl Pass<'_> {
    pub fn is_probe(&self) -> bool {
        self.ticket.is_probe()
    }

    /// See [`Breaker::failed`].
    pub fn failed(mut self, retry_after: Option<Duration>) -> Failure {
        self.done = true;
        let f = self
            .gate
            .lock()
            .failed(self.ticket, retry_after, Instant::now());
        self.gate.changed.notify_waiters();
        f
    }

    /// See [`Breaker::answered`].
    pub fn answered(mut self) -> bool {
        self.done = true;
        let recovered = self.gate.lock().answered(self.ticket);
        self.gate.changed.notify_waiters();
        recovered
    }
}

impl Drop for Pass<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.gate.lock().abandoned(self.ticket);
            self.gate.changed.notify_waiters();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: Duration = Duration::from_secs(30);
    const MAX: Duration = Duration::from_secs(60);

    fn go(a: Admission) -> Ticket {
        match a {
            Admission::Go(t) => t,
            other => panic!("not let through: {other:?}"),
        }
    }

    #[test]
    fn the_calls_in_flight_when_the_endpoint_fails_are_one_outage() {
        let t0 = Instant::now();
        let mut b = Breaker::new(BASE, MAX);
        let calls: Vec<Ticket> = (0..4).map(|_| go(b.admit(t0))).collect();
        assert!(calls.iter().all(|t| !t.is_probe()));
        assert_eq!(
            b.failed(calls[0], None, t0),
            Failure::Paused {
                pause: BASE,
                outages: 1
            }
        );
        for t in &calls[1..] {
            assert_eq!(b.failed(*t, None, t0), Failure::SameOutage);
        }
        assert_eq!(b.paused_until(), Some(t0 + BASE));
        assert_eq!(b.admit(t0 + BASE / 2), Admission::Paused);
    }

    #[test]
    fn after_the_pause_one_probe_goes_alone_and_its_answer_lets_the_others_through() {
        let t0 = Instant::now();
        let mut b = Breaker::new(BASE, MAX);
        let first = go(b.admit(t0));
        b.failed(first, None, t0);
        let later = t0 + BASE;
        let probe = go(b.admit(later));
        assert!(probe.is_probe());
        assert_eq!(b.admit(later), Admission::WaitForProbe);
        assert!(b.answered(probe), "it had been failing");
        let next = go(b.admit(later));
        assert!(!next.is_probe());
        assert!(!b.answered(next));
    }

    #[test]
    fn a_failed_probe_is_one_more_step_up_to_the_cap() {
        let t0 = Instant::now();
        let mut b = Breaker::new(BASE, MAX);
        let first = go(b.admit(t0));
        b.failed(first, None, t0);
        let mut now = t0 + BASE;
        let mut pauses = Vec::new();
        for _ in 0..3 {
            let probe = go(b.admit(now));
            let Failure::Paused { pause, .. } = b.failed(probe, None, now) else {
                panic!("a failed probe pauses");
            };
            pauses.push(pause);
            now += pause;
        }
        // 30 s, then 60 s and 60 s: one probe a minute at most while it is down.
        assert_eq!(pauses, [BASE * 2, MAX, MAX]);
        let probe = go(b.admit(now));
        b.answered(probe);
        // Well again: the next failure starts from the base.
        let t = go(b.admit(now));
        assert_eq!(
            b.failed(t, None, now),
            Failure::Paused {
                pause: BASE,
                outages: 1
            }
        );
    }

    #[test]
    fn retry_after_is_honoured_even_from_a_call_of_the_same_outage() {
        let t0 = Instant::now();
        let mut b = Breaker::new(BASE, MAX);
        let (a, c) = (go(b.admit(t0)), go(b.admit(t0)));
        b.failed(a, Some(Duration::from_secs(5)), t0);
        assert_eq!(b.paused_until(), Some(t0 + Duration::from_secs(5)));
        assert_eq!(
            b.failed(c, Some(Duration::from_secs(90)), t0),
            Failure::SameOutage
        );
        assert_eq!(b.paused_until(), Some(t0 + Duration::from_secs(90)));
    }

    #[test]
    fn an_abandoned_probe_leaves_its_turn_to_the_next_call() {
        let t0 = Instant::now();
        let mut b = Breaker::new(BASE, MAX);
        let first = go(b.admit(t0));
        b.failed(first, None, t0);
        let probe = go(b.admit(t0 + BASE));
        b.abandoned(probe);
        assert!(go(b.admit(t0 + BASE)).is_probe());
    }

    #[tokio::test]
    async fn the_others_wait_for_the_probes_answer() {
        let gate = Gate::new(Duration::from_millis(1), MAX);
        let first = gate.admit().await.unwrap();
        first.failed(None);
        tokio::time::sleep(Duration::from_millis(5)).await;
        let probe = gate.admit().await.unwrap();
        assert!(probe.is_probe());
        let waiting = gate.admit();
        tokio::pin!(waiting);
        // Still waiting while the probe is out.
        assert!(futures::poll!(waiting.as_mut()).is_pending());
        probe.answered();
        let next = waiting.await.unwrap();
        assert!(!next.is_probe());
    }
}
