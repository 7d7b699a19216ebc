//! Try paperboy without a Discord account: this starts the Discord-compatible fake the tests use
//! on a fixed loopback port, then reads slash commands from the terminal, sends them to the bot
//! as a member with Manage Channels, and prints the bot's answers and its scheduled posts.
//!
//! ```sh
//! cargo run --example fake_discord                 # terminal 1 (listens on 127.0.0.1:3210)
//! DISCORD_TOKEN=fake cargo run -- --config examples/fake.toml run   # terminal 2
//! ```
//! Then type into terminal 1, e.g. `/papers date day:2024-04-02`,
//! `/papers keywords add words:"llm, -survey"`, `/papers subscribe time:09:00 timezone:Asia/Seoul`.

// The test suite's fake, of which this uses a part.
#[allow(dead_code)]
#[path = "../tests/it/support/fake_discord/mod.rs"]
mod fake_discord;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};

use fake_discord::{interaction, FakeConfig, FakeDiscord};

const GUILD: u64 = 100;
const CHANNEL: u64 = 200;
const USER: u64 = 300;
/// Administrator: the member may use every subcommand.
const PERMISSIONS: u64 = 1 << 3;

#[tokio::main]
async fn main() {
    let addr: SocketAddr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:3210".into())
        .parse()
        .expect("usage: fake_discord [127.0.0.1:PORT]");
    assert!(addr.ip().is_loopback(), "the fake only listens on loopback");
    let fake = FakeDiscord::start_on(
        addr,
        FakeConfig {
            bot_token: "fake".to_string(),
            ..FakeConfig::default()
        },
    )
    .await;
    fake.add_guild(GUILD, Some(CHANNEL));
    fake.add_channel(GUILD, CHANNEL, 0);
    println!("fake Discord listening on {}", fake.base_url());
    println!("start the bot with: DISCORD_TOKEN=fake cargo run -- --config examples/fake.toml run");
    println!("waiting for the bot to connect...");
    while !fake.wait_until_ready(Duration::from_secs(3600)).await {}
    println!("bot connected. Type a slash command (e.g. /papers date day:2024-04-02), or `quit`.");

    let mut printed = 0;
    let mut next_id = 1_000_000u64;
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    loop {
        tokio::select! {
            line = lines.next_line() => {
                let Ok(Some(line)) = line else { break };
                let line = line.trim();
                if line == "quit" || line == "exit" {
                    break;
                }
                if line.is_empty() {
                    continue;
                }
                next_id += 1;
                match build_interaction(&fake, line, next_id) {
                    Ok((token, d)) => {
                        fake.dispatch_interaction(d).await;
                        // Poll until the answers stop coming for a moment.
                        let mut seen = 0;
                        for _ in 0..40 {
                            tokio::time::sleep(Duration::from_millis(250)).await;
                            let got = fake.interaction_responses(&token);
                            for r in &got[seen..] {
                                print_response(r);
                            }
                            if got.len() == seen && seen > 0 {
                                break;
                            }
                            seen = got.len();
                        }
                        if seen == 0 {
                            println!("(no answer within 10 s)");
                        }
                    }
                    Err(e) => println!("{e}"),
                }
            }
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
        let posted = fake.messages(CHANNEL);
        for m in &posted[printed..] {
            println!("--- the bot posted in #{CHANNEL}:");
            print_message(m);
        }
        printed = posted.len();
    }
    fake.shutdown().await;
}

/// Turns `/papers keywords add words:"llm, x"` into an INTERACTION_CREATE payload, typing each
/// option from the command definitions the bot registered.
fn build_interaction(fake: &FakeDiscord, line: &str, id: u64) -> Result<(String, Value), String> {
    let tokens = split_args(line.trim_start_matches('/'));
    let registered = fake
        .registered_commands()
        .ok_or("the bot has not registered its commands yet")?;
    let commands = registered["commands"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut path: Vec<String> = Vec::new();
    let mut options_def: Vec<Value> = commands.clone();
    let mut args: HashMap<String, String> = HashMap::new();
    for t in &tokens {
        if let Some((k, v)) = t.split_once(':') {
            args.insert(k.to_string(), v.to_string());
            continue;
        }
        let found = options_def
            .iter()
            .find(|o| o["name"] == t.as_str())
            .ok_or_else(|| format!("unknown command or subcommand `{t}`"))?
            .clone();
        path.push(t.clone());
        options_def = found["options"].as_array().cloned().unwrap_or_default();
    }
    let mut options = Vec::new();
    for (k, v) in args {
        let def = options_def
            .iter()
            .find(|o| o["name"] == k.as_str())
            .ok_or_else(|| format!("unknown option `{k}`"))?;
        let value = match def["type"].as_u64() {
            Some(4) => json!(v
                .parse::<i64>()
                .map_err(|_| format!("`{k}` takes a number"))?),
            Some(5) => json!(v.eq_ignore_ascii_case("true")),
            _ => json!(v),
        };
        options.push(json!({"name": k, "type": def["type"], "value": value}));
    }
    let token = format!("manual-{id}");
    let refs: Vec<&str> = path.iter().map(String::as_str).collect();
    let d = interaction::slash(
        id,
        &token,
        GUILD,
        CHANNEL,
        USER,
        PERMISSIONS,
        &refs,
        Value::Array(options),
    );
    Ok((token, d))
}

/// Splits on spaces, keeping `"quoted text"` together (quotes removed).
fn split_args(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in s.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn print_response(r: &Value) {
    let body = &r["body"];
    match r["kind"].as_str() {
        Some("callback") => match body["type"].as_u64() {
            Some(5) => println!("(bot is thinking…)"),
            Some(8) => println!("autocomplete: {}", body["data"]["choices"]),
            _ => print_message(&body["data"]),
        },
        _ => print_message(body),
    }
}

fn print_message(m: &Value) {
    let ephemeral = m["flags"].as_u64().unwrap_or(0) & 64 != 0;
    if let Some(c) = m["content"].as_str().filter(|c| !c.is_empty()) {
        println!("{}{c}", if ephemeral { "(only you) " } else { "" });
    }
    for e in m["embeds"].as_array().into_iter().flatten() {
        println!("  ▸ {}", e["title"].as_str().unwrap_or(""));
        if let Some(u) = e["url"].as_str() {
            println!("    {u}");
        }
        for f in e["fields"].as_array().into_iter().flatten() {
            let v = f["value"].as_str().unwrap_or("");
            let short: String = v.chars().take(120).collect();
            println!("    {}: {short}", f["name"].as_str().unwrap_or(""));
        }
    }
}
