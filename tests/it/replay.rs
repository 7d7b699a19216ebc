//! The real scheduler, driven by the injected clock, over the Korean digest's real publication
//! timeline (`tests/fixtures/digests/publication-times.csv`): digest files appear in a folder
//! source at their recorded times, and a Hugging Face-style API (the fallback) serves a list for
//! D that grows during D. Three channels, as real servers set them up: 09:00 UTC, 09:00
//! Asia/Seoul and 18:00 America/New_York, on the shipped `bot.toml` (only the source locations
//! and the database path are changed).
//!
//! Each replay asserts, for every channel: every digest posted exactly once, in date order; a
//! post carries the primary's digest whenever the primary had it by then, and otherwise the
//! fallback's final list (never a provisional, still-growing one); and no digest waits longer
//! than the first post after it became available.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::support::fake_discord::FakeDiscord;
use crate::support::hf_api::{GrowingApi, FULL_DAY};
use crate::support::subscription::sub;
use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use paperboy::clock::{Clock, ManualClock};
use paperboy::config::Config;
use paperboy::deliver::schedule::ChannelSchedule;
use paperboy::deliver::{Deliverer, Tuning};
use paperboy::source::fetch::Fetcher;
use paperboy::source::loader::DigestSource;
use paperboy::source::publication::Publication;
use paperboy::store::Store;
use tokio_util::sync::CancellationToken;

const GUILD: u64 = 9_000;
/// Papers in the primary's files (the 2024-04-02 fixture) and in the fallback's final list.
const PRIMARY_PAPERS: usize = 12;
const FALLBACK_PAPERS: usize = FULL_DAY;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// The recorded timeline: digest date → when its file first appeared.
fn timeline() -> BTreeMap<NaiveDate, DateTime<Utc>> {
    let csv = include_str!("../fixtures/digests/publication-times.csv");
    csv.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let (date, at) = l.split_once(',').expect("date,time");
            (
                d(date),
                DateTime::parse_from_rfc3339(at.trim())
                    .unwrap()
                    .with_timezone(&Utc),
            )
        })
        .collect()
}

#[derive(Debug, Clone)]
struct Post {
    date: NaiveDate,
    at: DateTime<Utc>,
    papers: usize,
}

struct Channel {
    id: u64,
    time: NaiveTime,
    tz: Tz,
}

fn channels() -> Vec<Channel> {
    let t = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap();
    vec![
        Channel {
            id: 501,
            time: t(9),
            tz: chrono_tz::UTC,
        },
        Channel {
            id: 502,
            time: t(9),
            tz: chrono_tz::Asia::Seoul,
        },
        Channel {
            id: 503,
            time: t(18),
            tz: chrono_tz::America::New_York,
        },
    ]
}

struct Replay {
    posts: HashMap<u64, Vec<Post>>,
    /// When each date's primary file appeared (only those that did).
    published: BTreeMap<NaiveDate, DateTime<Utc>>,
    config: Config,
    /// When the channels subscribed: nothing can be due to them earlier.
    subscribed: DateTime<Utc>,
    /// `paperboy status` at `status_at`.
    status: Option<String>,
    _fake: FakeDiscord,
    _dir: tempfile::TempDir,
}

/// Runs the real scheduler from the day before `from` to two days after `to`. `primary` says
/// when (if ever) the primary's file for a date appears. `status_at`: `paperboy status` is read
/// at the first wake-up from then on.
async fn replay(
    from: NaiveDate,
    to: NaiveDate,
    primary: impl Fn(NaiveDate) -> Option<DateTime<Utc>>,
    status_at: Option<DateTime<Utc>>,
) -> Replay {
    let dir = tempfile::tempdir().unwrap();
    let folder: PathBuf = dir.path().join("digests");
    std::fs::create_dir(&folder).unwrap();
    let start = Utc.from_utc_datetime(
        &(from - chrono::Duration::days(1))
            .and_hms_opt(12, 0, 0)
            .unwrap(),
    );
    let end = Utc.from_utc_datetime(
        &(to + chrono::Duration::days(2))
            .and_hms_opt(12, 0, 0)
            .unwrap(),
    );
    let clock = ManualClock::new(start);
    let api = GrowingApi::start(clock.clone()).await.base_url;

    // The shipped defaults, with the sources and the database moved into the test's folder: the
    // Korean digest's files as the primary (as `kind = "url"` configures it), Hugging Face's
    // list standing in; no history source, the primary being the digest itself.
    let mut config = Config::from_toml(include_str!("../../bot.toml"), dir.path()).unwrap();
    config.source.primary = DigestSource::Folder(folder.clone());
    config.source.fallback = Some(DigestSource::HfApi { base_url: api });
    config.source.history = None;
    config.database_path = dir.path().join("paperboy.db");
    let config = Arc::new(config);

    let store = Store::open(&config.database_path)
        .await
        .unwrap()
        .with_clock(Arc::new(clock.clone()));
    let fake = FakeDiscord::start().await;
    fake.add_guild(GUILD, None);
    for c in channels() {
        fake.add_channel(GUILD, c.id, 0);
        sub(c.id)
            .guild(GUILD)
            .delivery_time(c.time)
            .timezone(c.tz)
            .save(&store)
            .await;
    }
    let fixture = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/digests/2024-04-02.md"
    ))
    .unwrap();
    let mut files: Vec<(DateTime<Utc>, NaiveDate)> = from
        .iter_days()
        .take_while(|x| *x <= to)
        .chain((1..=10).map(|k| from - chrono::Duration::days(k)))
        .filter_map(|x| primary(x).map(|at| (at, x)))
        .collect();
    files.sort();
    let published: BTreeMap<NaiveDate, DateTime<Utc>> =
        files.iter().map(|(a, x)| (*x, *a)).collect();
    let mut files: VecDeque<_> = files.into();

    let fetcher = Arc::new(Fetcher::new(
        store.clone(),
        &config.source,
        paperboy::net::http_client(&config.network).unwrap(),
    ));
    // The production HTTP path: serenity's rate limiter on, through the fake's proxy.
    let (http, signals) = fake.bot_http();
    let deliverer = Deliverer::new(
        http,
        store.clone(),
        fetcher,
        config.clone(),
        Arc::new(clock.clone()),
    )
    .with_signals(signals)
    .with_tuning(Tuning {
        request_timeout: Duration::from_secs(5),
        backoff_base: Duration::from_millis(10),
        backoff_max: Duration::from_millis(40),
        channel_window: Duration::from_millis(50),
        max_sleep: Duration::from_secs(3 * 86_400),
        ..Tuning::default()
    });
    let cancel = CancellationToken::new();
    let mut posts: HashMap<u64, Vec<Post>> = HashMap::new();
    let mut seen: HashMap<u64, usize> = HashMap::new();
    let mut status = None;
    let mut passes = 0u64;
    let wall = std::time::Instant::now();
    loop {
        passes += 1;
        let now = clock.now();
        while files.front().is_some_and(|(at, _)| *at <= now) {
            let (_, date) = files.pop_front().unwrap();
            std::fs::write(folder.join(format!("{date}.md")), &fixture).unwrap();
        }
        if status.is_none() && status_at.is_some_and(|t| now >= t) {
            status = Some(
                paperboy::ops::report::status_of(&store, &config, now)
                    .await
                    .unwrap(),
            );
        }
        let pass = deliverer.tick(&cancel).await;
        assert_eq!(pass.errors, 0, "{now}: {pass}");
        for c in channels() {
            let msgs = fake.messages(c.id);
            let done = seen.entry(c.id).or_default();
            for m in &msgs[*done..] {
                let embeds = m["embeds"].as_array().map_or(0, Vec::len);
                match m["content"].as_str().and_then(header_date) {
                    Some(date) => posts.entry(c.id).or_default().push(Post {
                        date,
                        at: now,
                        papers: embeds,
                    }),
                    None => {
                        let last = posts
                            .get_mut(&c.id)
                            .and_then(|p| p.last_mut())
                            .expect("a continuation follows a header");
                        last.papers += embeds;
                    }
                }
            }
            *done = msgs.len();
        }
        if now >= end {
            eprintln!(
                "replay {from}..{to}: {passes} passes in {:?}",
                wall.elapsed()
            );
            break;
        }
        if std::env::var("REPLAY_TRACE").is_ok() {
            eprintln!("{now} {pass}");
        }
        let mut next = deliverer.next_wake(now).await.min(end);
        if let Some((at, _)) = files.front() {
            next = next.min(*at);
        }
        if let Some(t) = status_at.filter(|t| *t > now && status.is_none()) {
            next = next.min(t);
        }
        // As the real scheduler does, wake just after a due time, and always move on.
        clock.set(next.max(now + chrono::Duration::seconds(1)));
    }
    Replay {
        posts,
        published,
        config: (*config).clone(),
        subscribed: start,
        status,
        _fake: fake,
        _dir: dir,
    }
}

/// "📰 **Daily Papers — 2025-04-02** · …" → the date.
fn header_date(content: &str) -> Option<NaiveDate> {
    let rest = content.split("Daily Papers — ").nth(1)?;
    rest.get(..10)?.parse().ok()
}

/// The first fire of a channel at or after `t`.
fn first_fire_from(schedule: &ChannelSchedule, t: DateTime<Utc>) -> DateTime<Utc> {
    schedule
        .next_after(t - chrono::Duration::seconds(1))
        .unwrap()
}

impl Replay {
    fn schedule(&self, c: &Channel) -> ChannelSchedule {
        ChannelSchedule::for_channel(&self.config.schedule, Some(c.time), Some(c.tz))
    }

    fn publication(&self) -> &Publication {
        &self.config.source.publication
    }

    /// The shared assertions; returns each channel's posts.
    fn check(&self, from: NaiveDate, to: NaiveDate) -> HashMap<u64, Vec<Post>> {
        let p = self.publication();
        for c in channels() {
            let posts = self.posts.get(&c.id).cloned().unwrap_or_default();
            assert!(!posts.is_empty(), "channel {} got nothing", c.id);
            let schedule = self.schedule(&c);
            // In date order, each day once.
            for w in posts.windows(2) {
                assert!(
                    w[0].date < w[1].date,
                    "channel {}: {:?} then {:?}",
                    c.id,
                    w[0],
                    w[1]
                );
            }
            // A new channel starts with the newest digest, not a backlog.
            let first = posts[0].date;
            assert!(
                first >= from - chrono::Duration::days(4),
                "channel {} started with {first}",
                c.id
            );
            // Every expected day and every published one from the first on, nothing else.
            let expected: Vec<NaiveDate> = first
                .iter_days()
                .take_while(|x| *x <= to)
                .filter(|x| p.is_expected(*x) || self.published.contains_key(x))
                .collect();
            let got: Vec<NaiveDate> = posts.iter().map(|x| x.date).collect();
            assert_eq!(got, expected, "channel {}", c.id);
            for post in &posts {
                let primary_at = self.published.get(&post.date).copied();
                match post.papers {
                    PRIMARY_PAPERS => {
                        let at = primary_at.expect("only the primary has 12-paper days");
                        assert!(
                            at <= post.at,
                            "channel {}: {post:?} before it appeared",
                            c.id
                        );
                        let bound = first_fire_from(&schedule, at.max(self.subscribed));
                        assert!(
                            post.at <= bound,
                            "channel {}: {post:?} appeared {at}, next post {bound}",
                            c.id
                        );
                    }
                    FALLBACK_PAPERS => {
                        // Only when the primary did not have it, and only once final.
                        assert!(
                            primary_at.is_none_or(|a| a > post.at),
                            "channel {}: {post:?} from the fallback though the primary had it at {primary_at:?}",
                            c.id
                        );
                        assert!(
                            post.at >= p.final_at(post.date),
                            "channel {}: provisional {post:?}",
                            c.id
                        );
                        let available = p
                            .final_at(post.date)
                            .max(p.fallback_from(post.date, false).expect("an expected day"));
                        let bound = first_fire_from(&schedule, available.max(self.subscribed));
                        assert!(
                            post.at <= bound,
                            "channel {}: {post:?}, due by {bound}",
                            c.id
                        );
                    }
                    n => panic!(
                        "channel {}: {post:?} carries {n} papers: a partial list",
                        c.id
                    ),
                }
            }
        }
        self.posts.clone()
    }
}

fn recorded(from: NaiveDate, to: NaiveDate) -> impl Fn(NaiveDate) -> Option<DateTime<Utc>> {
    let t = timeline();
    assert!(t.contains_key(&from) || t.range(from..).next().is_some());
    move |x| {
        (x >= from - chrono::Duration::days(10) && x <= to)
            .then(|| t.get(&x).copied())
            .flatten()
    }
}

/// Seven weeks to the end of the stored timeline, when the primary was always on time: every
/// post carries the primary's digest.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seven_weeks_of_the_real_timeline_post_every_digest_once_from_the_primary() {
    let (from, to) = (d("2025-03-24"), d("2025-05-09"));
    let r = replay(from, to, recorded(from, to), None).await;
    let posts = r.check(from, to);
    for (channel, posts) in posts {
        // The primary's digest whenever it published one (2025-03-31 it did not).
        for p in &posts {
            assert_eq!(
                p.papers == PRIMARY_PAPERS,
                r.published.contains_key(&p.date),
                "channel {channel}: {p:?}"
            );
        }
        // Normally exactly one digest per post, yesterday's.
        let per_post: BTreeMap<DateTime<Utc>, usize> =
            posts.iter().fold(BTreeMap::new(), |mut m, p| {
                *m.entry(p.at).or_default() += 1;
                m
            });
        assert!(
            per_post.values().all(|n| *n == 1),
            "channel {channel}: {per_post:?}"
        );
    }
}

/// The same weeks with the primary going quiet half-way and coming back ten days later: the
/// fallback takes over at the next post without waiting for the primary, the operator's status
/// says so, and the primary is used again as soon as it publishes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_primary_that_goes_quiet_is_replaced_by_the_fallback_then_back() {
    let (from, to) = (d("2025-03-24"), d("2025-05-09"));
    let (stop, back) = (d("2025-04-16"), d("2025-04-28"));
    let rec = recorded(from, to);
    let during = Utc.from_utc_datetime(&d("2025-04-24").and_hms_opt(6, 0, 0).unwrap());
    let r = replay(
        from,
        to,
        move |x| if x > stop && x < back { None } else { rec(x) },
        Some(during),
    )
    .await;
    let posts = r.check(from, to);
    for (channel, posts) in &posts {
        for p in posts {
            let from_fallback = !r.published.contains_key(&p.date);
            assert_eq!(
                from_fallback,
                p.date > stop && p.date < back || p.date == d("2025-03-31")
            );
            assert_eq!(
                p.papers == FALLBACK_PAPERS,
                from_fallback,
                "channel {channel}: {p:?}"
            );
        }
        assert!(posts
            .iter()
            .any(|p| p.date >= back && p.papers == PRIMARY_PAPERS));
    }
    // What the operator saw during the outage.
    let status = r.status.expect("status read during the replay");
    assert!(status.contains("QUIET"), "{status}");
    assert!(status.contains("newest digest 2025-04-16"), "{status}");
    assert!(status.contains("next post"), "{status}");
}

/// Seven weeks of late winter 2023, when the primary was sometimes late by minutes or days and
/// skipped holidays: whatever is late beyond `fallback_after` comes from the fallback, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_and_irregular_primary_still_gives_one_post_per_day_in_order() {
    let (from, to) = (d("2023-11-27"), d("2024-01-12"));
    let r = replay(from, to, recorded(from, to), None).await;
    let posts = r.check(from, to);
    // 2023-12-04 came 12 minutes late: the Seoul channel (09:00 KST = 00:00 UTC) waited for it.
    let seoul = &posts[&502];
    let dec4 = seoul.iter().find(|p| p.date == d("2023-12-04")).unwrap();
    assert_eq!(dec4.papers, PRIMARY_PAPERS, "{dec4:?}");
    // 2023-12-11 came a day and a half late: the fallback stood in, once.
    let dec11 = seoul.iter().find(|p| p.date == d("2023-12-11")).unwrap();
    assert_eq!(dec11.papers, FALLBACK_PAPERS, "{dec11:?}");
}
