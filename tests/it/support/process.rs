//! The `paperboy` binary as an operator runs it: one builder for every suite that starts it
//! (`cli`, `run`, `crash`, `cluster`). The environment is cleaned of what the developer's shell
//! may carry (token, config path, database URL, proxies), so only what a test sets reaches it.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use tokio::io::AsyncReadExt;

use super::fake_discord::FakeDiscord;

/// `paperboy <args…>` in `dir` (where it finds `bot.toml` and creates `paperboy.db`), logging
/// at `warn`, stdout and stderr discarded unless asked for.
pub fn paperboy(dir: &Path) -> Paperboy {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_paperboy"));
    cmd.current_dir(dir)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for var in [
        "DISCORD_TOKEN",
        "PAPERBOY_CONFIG",
        "DATABASE_URL",
        "HTTPS_PROXY",
        "https_proxy",
        "NO_PROXY",
        "no_proxy",
        "PAPERBOY_SUMMARIES_API_KEY",
        "OPENAI_API_KEY",
    ] {
        cmd.env_remove(var);
    }
    Paperboy { cmd }
}

pub struct Paperboy {
    cmd: Command,
}

impl Paperboy {
    pub fn args(mut self, args: &[&str]) -> Paperboy {
        self.cmd.args(args);
        self
    }

    pub fn env(mut self, key: &str, value: impl AsRef<std::ffi::OsStr>) -> Paperboy {
        self.cmd.env(key, value);
        self
    }

    pub fn token(self, token: &str) -> Paperboy {
        self.env("DISCORD_TOKEN", token)
    }

    /// `RUST_LOG` (`warn` unless set).
    pub fn log(self, filter: &str) -> Paperboy {
        self.env("RUST_LOG", filter)
    }

    /// Discord reached as production reaches it behind an egress proxy: `HTTPS_PROXY` and
    /// `SSL_CERT_FILE` naming the fake's proxy and test CA.
    pub fn through(self, fake: &FakeDiscord) -> Paperboy {
        self.env("HTTPS_PROXY", fake.proxy_url())
            .env("SSL_CERT_FILE", fake.ca_file())
    }

    /// Starts it with stderr discarded; it is killed if the test drops the child.
    pub fn spawn(self) -> tokio::process::Child {
        let mut cmd = tokio::process::Command::from(self.cmd);
        cmd.kill_on_drop(true);
        cmd.spawn().expect("start paperboy")
    }

    /// Starts it and reads its log (stderr) from the first line on, so that a chatty log
    /// level never fills the pipe and stalls it.
    pub fn start(mut self) -> Running {
        self.cmd.stderr(Stdio::piped());
        let mut child = self.spawn();
        let mut stderr = child.stderr.take().expect("stderr piped");
        let log = tokio::spawn(async move {
            let mut buf = Vec::new();
            stderr.read_to_end(&mut buf).await.unwrap();
            String::from_utf8_lossy(&buf).into_owned()
        });
        Running { child, log }
    }

    /// Runs it to its end, stdout and stderr captured (a command-line use: preview, status…).
    pub fn output(mut self) -> Output {
        self.cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        self.cmd.output().expect("run paperboy")
    }
}

/// A `paperboy` whose log is being read ([`Paperboy::start`]).
pub struct Running {
    pub child: tokio::process::Child,
    log: tokio::task::JoinHandle<String>,
}

impl Running {
    pub fn pid(&self) -> u32 {
        self.child.id().expect("a running process")
    }

    /// Sends SIGTERM (the shell's own `kill`, so no procps package is needed).
    pub fn sigterm(&self) -> std::process::ExitStatus {
        Command::new("sh")
            .args(["-c", &format!("kill -TERM {}", self.pid())])
            .status()
            .unwrap()
    }

    /// Waits up to a minute for it to exit; its exit status and whole log.
    pub async fn exit_and_log(self) -> (std::process::ExitStatus, String) {
        self.exit_within(Duration::from_secs(60)).await
    }

    pub async fn exit_within(mut self, limit: Duration) -> (std::process::ExitStatus, String) {
        let exit = tokio::time::timeout(limit, self.child.wait())
            .await
            .unwrap_or_else(|_| panic!("paperboy did not exit within {limit:?}"))
            .unwrap();
        (exit, self.log.await.unwrap())
    }

    /// SIGTERM, then [`Running::exit_and_log`].
    pub async fn stop(self) -> (std::process::ExitStatus, String) {
        self.sigterm();
        self.exit_and_log().await
    }
}

/// Sends SIGTERM to a process started with [`Paperboy::spawn`].
pub fn sigterm(child: &tokio::process::Child) {
    if let Some(pid) = child.id() {
        let _ = Command::new("sh")
            .args(["-c", &format!("kill -TERM {pid}")])
            .status();
    }
}

/// Kills it (`kill -9`) and reaps it.
pub async fn kill(child: &mut tokio::process::Child) {
    child.start_kill().unwrap();
    let _ = child.wait().await;
}
