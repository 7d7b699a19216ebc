//! Logs for operators reading a file or journald: colour only on a terminal, and a line
//! repeated over and over (a gateway that keeps closing, a source that keeps failing) written
//! once, followed by one summary line, instead of tens of thousands of copies. A cause that
//! recurs with other fields each time is counted with [`Repeats`] by whoever logs it.

use std::io::{self, IsTerminal, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tracing_subscriber::fmt::MakeWriter;

/// Repeats within this long of the first copy are counted, not written.
const WINDOW: Duration = Duration::from_secs(60);

/// The part of a formatted line that identifies it: everything after the timestamp (the first
/// space-separated field of tracing's default format).
fn key(line: &str) -> &str {
    let line = line.trim_end();
    match line.split_once(' ') {
        Some((_, rest)) => rest.trim_start(),
        None => line,
    }
}

#[derive(Default)]
struct State {
    last: String,
    since: Option<Instant>,
    repeats: u64,
}

/// A writer that passes lines through, collapsing consecutive identical ones (timestamps
/// aside).
pub struct Summarising<W> {
    inner: Arc<Mutex<(W, State)>>,
}

impl<W> Clone for Summarising<W> {
    fn clone(&self) -> Self {
        Summarising {
            inner: self.inner.clone(),
        }
    }
}

impl<W: Write> Summarising<W> {
    pub fn new(inner: W) -> Self {
        Summarising {
            inner: Arc::new(Mutex::new((inner, State::default()))),
        }
    }

    fn write_line(&self, line: &str) -> io::Result<()> {
        let mut guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let (out, state) = &mut *guard;
        let now = Instant::now();
        let k = key(line);
        if !k.is_empty() && k == state.last {
            let within = state.since.is_some_and(|t| now.duration_since(t) < WINDOW);
            if within {
                state.repeats += 1;
                return Ok(());
            }
        }
        if state.repeats > 0 {
            writeln!(
                out,
                "(the previous line was repeated {} more time{})",
                state.repeats,
                if state.repeats == 1 { "" } else { "s" }
            )?;
        }
        state.repeats = 0;
        state.last = k.to_string();
        state.since = Some(now);
        out.write_all(line.as_bytes())?;
        out.flush()
    }
}

/// One formatted event; written as a whole when dropped.
pub struct Line<W: Write> {
    buf: Vec<u8>,
    to: Summarising<W>,
}

impl<W: Write> Write for Line<W> {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(b);
        Ok(b.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<W: Write> Drop for Line<W> {
    fn drop(&mut self) {
        let text = String::from_utf8_lossy(&self.buf);
        for line in text.split_inclusive('\n') {
            let _ = self.to.write_line(line);
        }
    }
}

impl<'a, W: Write + 'static> MakeWriter<'a> for Summarising<W> {
    type Writer = Line<W>;

    fn make_writer(&'a self) -> Self::Writer {
        Line {
            buf: Vec::with_capacity(256),
            to: self.clone(),
        }
    }
}

/// Events said once, then counted: for a cause that recurs with other fields each time (a
/// paper's id, a pause's length), which the writer's collapsing of identical lines cannot catch.
/// The first of a kind in a window is logged by the caller ([`Repeats::note`] says so); its
/// repeats within the window are only counted, and come back from [`Repeats::due`] once the
/// window has passed (or [`Repeats::drain`] at the end of a run) for one summary line. Time is
/// the caller's (tokio's clock in the worker, so tests can pause it).
pub struct Repeats {
    window: Duration,
    state: Mutex<RepeatState>,
}

#[derive(Default)]
struct RepeatState {
    /// Each kind: when its first was logged, and its repeats since.
    kinds: std::collections::BTreeMap<String, (Instant, u64)>,
    /// Repeats of windows that ended, not yet reported.
    ended: Vec<(String, u64)>,
}

impl Repeats {
    pub fn new(window: Duration) -> Repeats {
        Repeats {
            window,
            state: Mutex::new(RepeatState::default()),
        }
    }

    pub fn window(&self) -> Duration {
        self.window
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, RepeatState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// One more event of `kind` at `now`: `true` when it is the first of its window (log it),
    /// `false` for a repeat (counted).
    pub fn note(&self, kind: &str, now: Instant) -> bool {
        let mut st = self.lock();
        if let Some((since, repeats)) = st.kinds.get_mut(kind) {
            if now.duration_since(*since) < self.window {
                *repeats += 1;
                return false;
            }
            let ended = *repeats;
            st.kinds.remove(kind);
            if ended > 0 {
                st.ended.push((kind.to_string(), ended));
            }
        }
        st.kinds.insert(kind.to_string(), (now, 0));
        true
    }

    /// The kinds whose window has passed by `now` and that repeated in it, with how often.
    pub fn due(&self, now: Instant) -> Vec<(String, u64)> {
        let mut st = self.lock();
        let window = self.window;
        let mut out = std::mem::take(&mut st.ended);
        st.kinds.retain(|kind, (since, repeats)| {
            let open = now.duration_since(*since) < window;
            if !open && *repeats > 0 {
                out.push((kind.clone(), *repeats));
            }
            open
        });
        out
    }

    /// Every kind that repeated, window over or not (the end of a run), forgotten.
    pub fn drain(&self) -> Vec<(String, u64)> {
        let mut st = self.lock();
        let mut out = std::mem::take(&mut st.ended);
        out.extend(
            std::mem::take(&mut st.kinds)
                .into_iter()
                .filter(|(_, (_, n))| *n > 0)
                .map(|(k, (_, n))| (k, n)),
        );
        out
    }
}

/// Logging to stderr with `RUST_LOG` (default `info,paperboy=debug`).
pub fn init() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,paperboy=debug"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(io::stderr().is_terminal())
        .with_writer(Summarising::new(io::stderr()))
        .init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl Write for Sink {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn identical_lines_are_written_once_then_summarised() {
        let sink = Sink::default();
        let w = Summarising::new(sink.clone());
        for i in 0..1000 {
            let mut l = w.make_writer();
            writeln!(
                l,
                "2026-12-01T00:00:{:02}Z  WARN serenity: Failed to resume",
                i % 60
            )
            .unwrap();
        }
        let mut l = w.make_writer();
        writeln!(l, "2026-12-01T00:01:00Z  INFO paperboy: connected").unwrap();
        drop(l);
        let out = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 3, "{out}");
        assert!(lines[0].ends_with("Failed to resume"));
        assert_eq!(lines[1], "(the previous line was repeated 999 more times)");
        assert!(lines[2].ends_with("connected"));
    }

    #[test]
    fn a_kind_is_said_once_per_window_and_its_repeats_come_back_counted() {
        let r = Repeats::new(Duration::from_secs(600));
        let t0 = Instant::now();
        assert!(r.note("rate_limited", t0));
        for i in 1..=51 {
            assert!(!r.note("rate_limited", t0 + Duration::from_secs(i)));
        }
        assert!(r.note("unusable", t0));
        // Inside the window nothing is due; after it, the repeats in one figure.
        assert!(r.due(t0 + Duration::from_secs(599)).is_empty());
        assert_eq!(
            r.due(t0 + Duration::from_secs(600)),
            vec![("rate_limited".to_string(), 51)]
        );
        assert!(r.due(t0 + Duration::from_secs(601)).is_empty());
        // A new window: said again; a window that ended on a new event still reports.
        assert!(r.note("rate_limited", t0 + Duration::from_secs(700)));
        assert!(!r.note("rate_limited", t0 + Duration::from_secs(701)));
        assert!(r.note("rate_limited", t0 + Duration::from_secs(1400)));
        assert_eq!(
            r.due(t0 + Duration::from_secs(1401)),
            vec![("rate_limited".to_string(), 1)]
        );
        assert!(!r.note("rate_limited", t0 + Duration::from_secs(1402)));
        assert_eq!(r.drain(), vec![("rate_limited".to_string(), 1)]);
        assert!(r.drain().is_empty());
    }

    #[test]
    fn different_lines_pass_through() {
        let sink = Sink::default();
        let w = Summarising::new(sink.clone());
        for msg in ["a", "b", "a"] {
            writeln!(w.make_writer(), "t1 INFO x: {msg}").unwrap();
        }
        let out = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        assert_eq!(out.lines().count(), 3, "{out}");
    }
}
