//! Logs for operators reading a file or journald: colour only on a terminal, and a line
//! repeated over and over (a gateway that keeps closing, a source that keeps failing) written
//! once, followed by one summary line, instead of tens of thousands of copies.

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
