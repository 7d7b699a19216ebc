//! `paperboy run` as an operator starts it: the real binary against the fake Discord, stopped
//! with SIGTERM. Checks the start-up (database created and migrated, commands registered), the
//! clean shutdown, and that the token never reaches the logs even at trace level.

mod support;

use std::process::Stdio;
use std::time::Duration;

use support::fake_discord::FakeDiscord;
use tokio::io::AsyncReadExt;

const TOKEN: &str = "MTIzNDU2Nzg5MDEyMzQ1Njc4.secret-token-that-must-not-be-logged";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_starts_migrates_registers_and_stops_cleanly_on_sigterm_without_logging_the_token() {
    let fake = FakeDiscord::start().await;
    fake.add_guild(3, None);
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("digests")).unwrap();
    std::fs::write(
        dir.path().join("bot.toml"),
        format!(
            "[discord]\napi_base = \"{}\"\n[source]\nkind = \"folder\"\npath = \"digests\"\nfallback_hf_api = false\n",
            fake.base_url()
        ),
    )
    .unwrap();

    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_paperboy"))
        .arg("run")
        .current_dir(dir.path())
        .env("DISCORD_TOKEN", TOKEN)
        .env("RUST_LOG", "trace")
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let log = tokio::spawn(async move {
        let mut buf = Vec::new();
        stderr.read_to_end(&mut buf).await.unwrap();
        String::from_utf8_lossy(&buf).into_owned()
    });

    assert!(fake.wait_until_ready(Duration::from_secs(30)).await);
    for _ in 0..600 {
        if fake.registered_commands().is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        fake.registered_commands().is_some(),
        "commands never registered"
    );
    assert!(
        dir.path().join("paperboy.db").exists(),
        "the database is created on first start"
    );
    // The token reached Discord (the fake) in the Authorization header and the IDENTIFY...
    let identify = fake.identifies()[0].to_string();
    assert!(identify.contains(TOKEN), "{identify}");

    // The shell's own `kill`, so no procps package is needed.
    let status = std::process::Command::new("sh")
        .args(["-c", &format!("kill -TERM {}", child.id().unwrap())])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("paperboy did not stop after SIGTERM")
        .unwrap();
    let log = log.await.unwrap();
    assert!(exit.success(), "exit {exit:?}\n{log}");
    assert!(log.contains("clean shutdown"), "{log}");
    assert!(log.contains("delivery scheduler stopped"), "{log}");
    // ...but never the logs, not even serenity's trace output.
    assert!(
        !log.contains("secret-token-that-must-not-be-logged"),
        "token logged"
    );
}
