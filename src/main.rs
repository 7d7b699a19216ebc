//! The `paperboy` command line: `run` the bot, `preview` a digest without Discord, print the
//! `invite` URL, `summarize` a day with the configured model.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{bail, Context as _};
use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use tokio_util::sync::CancellationToken;

use paperboy::clock::SystemClock;
use paperboy::config::{Config, ShardRange, Token};
use paperboy::render;
use paperboy::select::filter::Filter;
use paperboy::source::{digest::Parsed, hf_json, markdown};

#[derive(Parser)]
#[command(
    name = "paperboy",
    version,
    about = "Posts the Hugging Face Daily Papers digest to Discord"
)]
struct Cli {
    /// Configuration file.
    #[arg(
        long,
        short,
        global = true,
        default_value = "bot.toml",
        env = "PAPERBOY_CONFIG"
    )]
    config: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the bot (needs the DISCORD_TOKEN environment variable).
    Run(RunArgs),
    /// Print the messages a day's digest becomes, without Discord. Without `--date` or `--file`:
    /// what the next daily post would carry.
    Preview(PreviewArgs),
    /// What each source has and what each channel got and gets next (reads the database).
    Status,
    /// Print the links that add the bot to a server and install it for yourself.
    Invite,
    /// Print the summary bullets a day's post would carry (generating and storing what is
    /// missing with the `[summaries]` model) and the tokens used: the way to try a model.
    Summarize(SummarizeArgs),
}

#[derive(clap::Args)]
struct SummarizeArgs {
    /// The digest's day (YYYY-MM-DD), loaded from the configured source.
    #[arg(long, required_unless_present_any = ["file", "check"])]
    date: Option<NaiveDate>,
    /// The language to summarise in (default: `summaries.language`).
    #[arg(long)]
    language: Option<String>,
    /// Send one small request and print what the endpoint took (structured output mode,
    /// parameters, tokens, time) and what was learned, stored for the bot: the first thing to
    /// run with a new model.
    #[arg(long, conflicts_with_all = ["date", "file", "redo"])]
    check: bool,
    /// Read the digest from this markdown or JSON file instead.
    #[arg(long, conflicts_with = "date")]
    file: Option<PathBuf>,
    /// Generate every summary again, replacing the stored ones.
    #[arg(long)]
    redo: bool,
}

#[derive(clap::Args)]
struct RunArgs {
    /// Open only these gateway shards, e.g. `0-3` or `2` (default: all; `discord.shard_range`).
    /// The process answers the commands of the guilds on them, and delivers to the channels in
    /// its own database.
    #[arg(long, value_name = "RANGE")]
    shards: Option<ShardRange>,
    /// How many shards the bot has across all its processes (default: Discord's
    /// recommendation; `discord.shards`). Every process must be given the same number.
    #[arg(long, value_name = "N")]
    total_shards: Option<u32>,
}

#[derive(clap::Args)]
struct PreviewArgs {
    /// The digest's day (YYYY-MM-DD), loaded from the configured source. Default: the digest
    /// the next daily post would carry.
    #[arg(long, conflicts_with = "file")]
    date: Option<NaiveDate>,
    /// Read the digest from this markdown or JSON file instead.
    #[arg(long)]
    file: Option<PathBuf>,
    /// Keep only papers matching any of these keywords (comma separated).
    #[arg(long, value_delimiter = ',')]
    include: Vec<String>,
    /// Drop papers matching any of these keywords (comma separated).
    #[arg(long, value_delimiter = ',')]
    exclude: Vec<String>,
    /// Keep only papers with at least this many votes.
    #[arg(long)]
    min_votes: Option<u32>,
    /// Keep only the N most-voted papers.
    #[arg(long)]
    top: Option<usize>,
    /// Print the exact message-create bodies as a JSON array (nothing else on stdout).
    #[arg(long)]
    json: bool,
    /// The channel's language (a catalog under `locales/`, e.g. `ko`). Default: English.
    #[arg(long)]
    language: Option<paperboy::language::Language>,
    /// The channel's layout: `glance` (a new channel's: the index, the cards in a thread),
    /// `full` (the cards in the channel) or `index` (the index alone).
    #[arg(long, default_value = "glance", value_parser = parse_layout)]
    layout: paperboy::store::Layout,
    /// How many papers the index lists (0: all).
    #[arg(long, default_value_t = paperboy::store::DEFAULT_INDEX_TOP)]
    index_top: u32,
}

fn parse_layout(s: &str) -> Result<paperboy::store::Layout, String> {
    paperboy::store::Layout::parse(s)
        .ok_or_else(|| format!("`{s}` is not a layout: glance, full or index"))
}

/// Everything the bot needs to post: view the channel, send messages with embeds, read the
/// channel's history (to find a message it may have sent before a crash instead of posting it
/// twice), and create and post in threads (a day's cards go into a thread started from its
/// index; forum channels get one thread a day).
pub const INVITE_PERMISSIONS: u64 =
    (1 << 10) | (1 << 11) | (1 << 14) | (1 << 16) | (1 << 35) | (1 << 38);

fn main() -> ExitCode {
    let cli = Cli::parse();
    paperboy::ops::logging::init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(dispatch(cli));
    // Work still running off the async threads (a long PDF's text being read) is abandoned,
    // not waited for: a requested shutdown takes a moment, not as long as that work.
    runtime.shutdown_timeout(std::time::Duration::from_millis(500));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn dispatch(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Run(args) => run(&cli.config, args).await,
        Command::Preview(args) => preview(&cli.config, args).await,
        Command::Invite => invite(&cli.config),
        Command::Summarize(args) => summarize(&cli.config, args).await,
        Command::Status => {
            let config = Config::load(&cli.config)?;
            print!(
                "{}",
                paperboy::ops::report::status(&config, chrono::Utc::now()).await?
            );
            Ok(())
        }
    }
}

async fn run(config_path: &Path, args: RunArgs) -> anyhow::Result<()> {
    let mut config = Config::load(config_path)?;
    config
        .discord
        .set_shards(args.shards, args.total_shards)
        .map_err(|e| anyhow::anyhow!("--shards / --total-shards: {e}"))?;
    let token = Token::from_env()?;
    let shutdown = CancellationToken::new();
    let signal = shutdown.clone();
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("shutdown requested; finishing the message in flight");
        signal.cancel();
    });
    paperboy::bot::client::run(Arc::new(config), token, Arc::new(SystemClock), shutdown).await
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// The two ways to install paperboy: to a server (the bot user, its permissions, and the
/// commands), and for oneself (the commands only: personal `/alerts` work anywhere, by DM,
/// without a server admin).
fn invite_links(app: u64) -> [String; 4] {
    [
        "Add paperboy to a server (daily posts, /papers, /alerts):".to_string(),
        format!(
            "https://discord.com/oauth2/authorize?client_id={app}&integration_type=0&scope=bot%20applications.commands&permissions={INVITE_PERMISSIONS}"
        ),
        "Install paperboy for yourself (your own /alerts by DM, in any server or DM):".to_string(),
        format!(
            "https://discord.com/oauth2/authorize?client_id={app}&integration_type=1&scope=applications.commands"
        ),
    ]
}

fn invite(config_path: &Path) -> anyhow::Result<()> {
    let config = Config::load(config_path)?;
    let Some(app) = config.discord.application_id else {
        bail!(
            "config key `discord.application_id` is not set in {}: copy your application's id from \
             https://discord.com/developers/applications (General Information) into it",
            config_path.display()
        );
    };
    for line in invite_links(app) {
        println!("{line}");
    }
    eprintln!(
        "(the second link works once \"User Install\" is ticked in the Developer Portal: \
         your application → Installation → Installation Contexts)"
    );
    Ok(())
}

async fn preview(config_path: &Path, args: PreviewArgs) -> anyhow::Result<()> {
    let (parsed, votes_at) = match (&args.file, args.date) {
        (Some(path), _) => (parse_file(path)?, None),
        (None, Some(date)) => {
            let config = Config::load(config_path)?;
            let client = paperboy::net::http_client(&config.network)?;
            let sources = paperboy::source::fetch::Sources::new(&config.source, client);
            (sources.load(date, true).await?.0, Some(chrono::Utc::now()))
        }
        (None, None) => {
            let config = Config::load(config_path)?;
            let client = paperboy::net::http_client(&config.network)?;
            let next =
                paperboy::ops::report::preview_next(&config, client, chrono::Utc::now()).await?;
            let when = next.fire.format("%Y-%m-%d %H:%M UTC");
            // On stderr, so that `--json` keeps stdout to the bodies alone.
            match (next.carried, next.newest_outside) {
                (Some((p, source)), _) => {
                    eprintln!(
                        "The next daily post, at {when}, carries the digest of {} (from {source}):",
                        p.digest.date
                    );
                    (p, Some(chrono::Utc::now()))
                }
                (None, Some((p, source))) => {
                    eprintln!(
                        "The next daily post, at {when}, carries nothing new: the newest digest {source} has is {}, \
                         older than the {}-day catch-up window (schedule.catch_up_days). It reads:",
                        p.digest.date, config.schedule.catch_up_days
                    );
                    (p, Some(chrono::Utc::now()))
                }
                (None, None) => bail!(
                    "the next daily post, at {when}, would carry nothing: no source has a complete digest within the {}-day catch-up window",
                    config.schedule.catch_up_days
                ),
            }
        }
    };
    let digest_source = args.file.as_ref().map_or_else(
        || "the configured source".to_string(),
        |p| p.display().to_string(),
    );
    paperboy::source::fetch::log_warnings(&parsed, parsed.digest.date, &digest_source);
    let digest = parsed.digest;
    let filter = Filter {
        include: args.include,
        exclude: args.exclude,
        // `preview` has no author option yet.
        authors: Vec::new(),
        exclude_authors: Vec::new(),
        facets: Vec::new(),
        exclude_facets: Vec::new(),
        min_votes: args.min_votes,
        top_n: args.top,
    };
    // The same path as the daily post (a text channel's, in that layout); with nothing
    // selected it is a single short notice.
    let top = args.index_top as usize;
    let shape = match args.layout {
        paperboy::store::Layout::Full => render::Shape::Full,
        paperboy::store::Layout::Glance => render::Shape::Glance { top, thread: true },
        paperboy::store::Layout::Index => render::Shape::Index { top },
    };
    let day = render::day_messages(
        digest.date,
        render::DayContent::Digest(&digest, votes_at),
        render::Reader::Channel {
            filter: &filter,
            notify_empty: true,
            shape,
        },
        &args
            .language
            .clone()
            .unwrap_or_else(paperboy::language::Language::english),
    );
    if args.json {
        let bodies: Vec<serde_json::Value> = day.messages.iter().map(|m| m.to_json(None)).collect();
        println!("{}", serde_json::to_string_pretty(&bodies)?);
        // On stderr, so that stdout stays the bodies alone.
        if let Some((at, name)) = &day.opens_thread {
            eprintln!(
                "Messages 1–{} go into the channel; message {} starts the thread \"{name}\", \
                 and messages {}–{} go into it.",
                at + 1,
                at + 1,
                at + 2,
                day.messages.len()
            );
        }
    } else {
        print!("{}", render::day_to_text(&day));
    }
    Ok(())
}

async fn summarize(config_path: &Path, args: SummarizeArgs) -> anyhow::Result<()> {
    use paperboy::summaries::worker::{summarize_day, DayLine, Summariser};
    let config = Config::load(config_path)?;
    let Some(cfg) = config.summaries.clone() else {
        bail!(
            "there is no [summaries] section in {}: add one (see the README) to choose the model",
            config_path.display()
        );
    };
    let language = args.language.unwrap_or_else(|| cfg.language.clone());
    if !paperboy::summaries::config::valid_language(&language) {
        bail!("--language {language}: not a language code (e.g. ko, en, pt-BR)");
    }
    let client = paperboy::net::http_client(&config.network)?;
    if args.check {
        return check(&config, &cfg, &language, client).await;
    }
    let parsed = match (&args.file, args.date) {
        (Some(path), _) => parse_file(path)?,
        (None, Some(date)) => {
            let sources = paperboy::source::fetch::Sources::new(&config.source, client.clone());
            sources.load(date, true).await?.0
        }
        (None, None) => bail!("give --date YYYY-MM-DD or --file"),
    };
    let store = paperboy::store::Store::connect(&config.database()).await?;
    let today = chrono::Utc::now().date_naive();
    let before = day_usage(&store, today).await?;
    let hf = config.source.hf_api_base.clone();
    let s = Summariser::new(
        cfg.clone(),
        store.clone(),
        client,
        Arc::new(SystemClock),
        &hf,
    );
    let lines = summarize_day(&s, &parsed.digest, &language, args.redo).await?;
    println!(
        "Summaries of {} in {language} by {}",
        parsed.digest.date, cfg.model
    );
    for (title, id, line) in &lines {
        println!(
            "\n{} ({})",
            render::plain_line(title, 200),
            id.as_deref().unwrap_or("no arXiv id")
        );
        match line {
            DayLine::Free(bullets) => {
                for b in bullets {
                    println!("  • {}", render::plain_line(b, 2000));
                }
                println!("  (the digest's own bullets: no call)");
            }
            DayLine::Summary(sum) => {
                for b in &sum.bullets {
                    let label = paperboy::summaries::labels::label(b.kind, &language);
                    println!("  • {label}: {}", render::plain_line(&b.text, 2000));
                }
                println!("  ({} tokens in, {} out)", sum.tokens_in, sum.tokens_out);
            }
            DayLine::Missing(why) => {
                println!("  no summary ({why}): the post shows the digest's text")
            }
        }
    }
    let after = day_usage(&store, today).await?;
    println!(
        "\nThis run: {} calls, {} tokens in, {} tokens out",
        after.calls - before.calls,
        after.tokens_in - before.tokens_in,
        after.tokens_out - before.tokens_out
    );
    store.close().await;
    Ok(())
}

/// `summarize --check`: one small summary request, and what it took.
async fn check(
    config: &Config,
    cfg: &paperboy::summaries::SummariesConfig,
    language: &str,
    http: reqwest::Client,
) -> anyhow::Result<()> {
    use paperboy::model::{Endpoint, ModelClient};
    use paperboy::summaries::prompt::{task, PaperText, TextKind};
    let store = paperboy::store::Store::connect(&config.database()).await?;
    let client = ModelClient::new(http, Endpoint::configured(cfg), Some(store.clone()));
    client.load().await;
    let before = client.learned();
    println!("Checking {} at {} ({language})", cfg.model, cfg.base_url);
    if !before.is_default() {
        println!("Known from before: {}", before.describe());
    }
    let paper = PaperText {
        arxiv_id: "1706.03762".into(),
        title: "Attention Is All You Need".into(),
        abstract_: "The dominant sequence transduction models are based on complex recurrent or \
                    convolutional neural networks in an encoder-decoder configuration. We propose \
                    a new simple network architecture, the Transformer, based solely on attention \
                    mechanisms, dispensing with recurrence and convolutions entirely. Experiments \
                    on two machine translation tasks show these models to be superior in quality \
                    while being more parallelizable and requiring significantly less time to \
                    train. Our model achieves 28.4 BLEU on the WMT 2014 English-to-German \
                    translation task, improving over the existing best results by over 2 BLEU."
            .into(),
        body: None,
        kind: TextKind::Abstract,
    };
    let t = task(
        &paper,
        language,
        cfg.max_output_tokens,
        cfg.temperature,
        None,
    );
    let result = client.complete(&t).await;
    let after = client.learned();
    store.close().await;
    let c = match result {
        Ok(c) => c,
        Err(e) => {
            if after != before {
                println!("Learned (stored): {}", after.describe());
            }
            bail!("the endpoint did not answer the check: {e}");
        }
    };
    println!(
        "Answered in {:.1} s, {} call{}",
        c.latency.as_secs_f64(),
        c.calls,
        if c.calls == 1 { "" } else { "s" }
    );
    println!(
        "Structured output: {}",
        c.sent.mode.map_or("none (plain text)", |m| m.as_str())
    );
    let budget = c
        .sent
        .budget
        .map_or("no output limit".to_string(), |(name, n)| {
            format!("{name} {n}")
        });
    let temperature = c
        .sent
        .temperature
        .map_or("temperature not sent".to_string(), |t| {
            format!("temperature {t}")
        });
    let effort = c
        .sent
        .effort
        .map_or("reasoning_effort not sent".to_string(), |e| {
            format!("reasoning_effort {e}")
        });
    println!("Parameters: {budget}, {effort}, {temperature}");
    let u = c.usage;
    println!(
        "Tokens: {} in ({} cached), {} out ({} reasoning){}",
        u.prompt,
        u.cached,
        u.completion,
        u.reasoning,
        if u.unreported > 0 {
            format!("; {} answer(s) reported no usage", u.unreported)
        } else {
            String::new()
        }
    );
    if c.lessons.is_empty() {
        println!("Learned: nothing new; the endpoint took the request as it was");
    } else {
        for l in &c.lessons {
            println!("Learned: {l}");
        }
        println!("Stored for the bot: {}", after.describe());
    }
    if c.declined() {
        bail!("the model declined the check's paper");
    }
    match paperboy::summaries::validate::parse_answer(&c.text, language) {
        Ok(bullets) => {
            println!("Answer: usable, {} bullets", bullets.len());
            Ok(())
        }
        Err(e) => bail!("the answer is not usable: {e}"),
    }
}

async fn day_usage(
    store: &paperboy::store::Store,
    day: NaiveDate,
) -> anyhow::Result<paperboy::summaries::Usage> {
    Ok(store
        .summary_usage(day)
        .await?
        .into_iter()
        .find(|(d, _, _)| *d == day)
        .map(|(_, u, _)| u)
        .unwrap_or_default())
}

fn parse_file(path: &Path) -> anyhow::Result<Parsed> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let hint = path
        .file_stem()
        .and_then(|s| s.to_str())
        .and_then(|s| s.parse::<NaiveDate>().ok());
    let is_json = path.extension().is_some_and(|e| e == "json")
        || bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[');
    let parsed = if is_json {
        let date = hint.context(
            "a JSON digest file must be named after its day (YYYY-MM-DD.json) so its date is known",
        )?;
        hf_json::parse_hf_json(&bytes, date)
    } else {
        markdown::parse_markdown(&bytes, hint)
    };
    parsed.with_context(|| format!("parsing {}", path.display()))
}
