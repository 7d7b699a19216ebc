//! What to post, decided without any I/O: which (channel, date) pairs are due, what each channel
//! gets for a day (rendered, packed, with a deterministic nonce per message), and the small
//! payload helpers the sender needs (forum post body, payload shape for logs, backoff delays).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use serde_json::{json, Value};

use crate::config::ScheduleConfig;
use crate::deliver::forum::PlannedPost;
use crate::language::Language;
use crate::render::{Reader, Shape};
use crate::select::filter::Filter;
use crate::store::{MAX_NONCE_CHARS, OPENS_THREAD};

// What a day looks like is decided in `render` (one path for every reader); re-exported here,
// where the engine has always found it.
pub use crate::render::{
    alert_messages, channel_messages, never_published_notice, DayContent, MAX_MESSAGES_PER_DAY,
    MAX_PAPERS_PER_DAY,
};

/// How long after it is due a missing digest is waited for: `publish_deadline_minutes`.
pub fn hold(cfg: &ScheduleConfig) -> chrono::Duration {
    chrono::Duration::from_std(cfg.publish_deadline).unwrap_or_else(|_| chrono::Duration::days(1))
}

/// Message indexes a nonce can encode (two base-36 digits).
const NONCE_INDEXES: u32 = 36 * 36;

// Every message of a capped day, and every post of a forum in paper mode, has a nonce.
const _: () = assert!(MAX_MESSAGES_PER_DAY as u32 <= NONCE_INDEXES);
const _: () = assert!(MAX_PAPERS_PER_DAY as u32 <= NONCE_INDEXES);

/// The message nonce for message `idx` of a channel's delivery for `date`: `YYYYMMDD`, the index
/// in two base-36 digits, then the channel id in base 36. Fixed-width fields make it injective
/// (unique across the whole ledger, as Discord's de-duplication and the store require), it is
/// the same on every re-plan, and at most 8 + 2 + 13 = 23 characters. `None` for an index past
/// what two digits hold (never reached by a plan, which has at most [`MAX_MESSAGES_PER_DAY`]).
pub fn nonce(channel_id: u64, date: NaiveDate, idx: u32) -> Option<String> {
    if idx >= NONCE_INDEXES {
        return None;
    }
    let n = format!(
        "{}{:0>2}{}",
        date.format("%Y%m%d"),
        base36(u64::from(idx)),
        base36(channel_id)
    );
    debug_assert!(n.len() <= MAX_NONCE_CHARS);
    Some(n)
}

fn base36(mut n: u64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    if n == 0 {
        return "0".into();
    }
    let mut out = Vec::with_capacity(13);
    while n > 0 {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
    }
    out.reverse();
    String::from_utf8(out).expect("ascii digits")
}

/// Renders each distinct filter once per day: in a large fan-out most channels share the same
/// (often empty) filter, so 10,000 channels cost a handful of renders. Bodies are kept without a
/// nonce; [`with_nonce`] adds the channel's own.
#[derive(Default)]
pub struct RenderCache {
    bodies: HashMap<(NaiveDate, String), Arc<Vec<Value>>>,
}

impl RenderCache {
    pub fn bodies(
        &mut self,
        date: NaiveDate,
        day: DayContent<'_>,
        filter: &Filter,
        notify_empty: bool,
        lang: &Language,
    ) -> Arc<Vec<Value>> {
        self.bodies_with(date, day, filter, notify_empty, Shape::Full, None, lang)
    }

    /// [`RenderCache::bodies`] in `shape`, with the machine-written bullets of `overlay` (a
    /// language and its overlay: one overlay per language and date in a pass, so the language
    /// keys it). The message a thread is started from carries the thread's name under
    /// [`OPENS_THREAD`] (the ledger keeps it apart from the body it sends).
    #[allow(clippy::too_many_arguments)]
    pub fn bodies_with(
        &mut self,
        date: NaiveDate,
        day: DayContent<'_>,
        filter: &Filter,
        notify_empty: bool,
        shape: Shape,
        overlay: Option<(&str, &crate::render::Overlay)>,
        lang: &Language,
    ) -> Arc<Vec<Value>> {
        let kind = match day {
            DayContent::Digest(..) => "digest",
            DayContent::Growing(..) => "growing",
            DayContent::NeverPublished => "never",
        };
        let key = (
            date,
            format!(
                "{}|{:?}|{shape:?}|{kind}|{:?}|{}|{lang}",
                notify_empty,
                filter,
                day.fetched_at(),
                overlay.map_or("", |(lang, _)| lang)
            ),
        );
        self.bodies
            .entry(key)
            .or_insert_with(|| {
                let shown = crate::render::day_messages_with(
                    date,
                    day,
                    crate::render::Reader::Channel {
                        filter,
                        notify_empty,
                        shape,
                    },
                    overlay.map(|(_, o)| o),
                    lang,
                );
                let mut bodies: Vec<Value> =
                    shown.messages.iter().map(|m| m.to_json(None)).collect();
                if let Some((at, name)) = &shown.opens_thread {
                    if let Some(map) = bodies.get_mut(*at).and_then(Value::as_object_mut) {
                        map.insert(OPENS_THREAD.into(), Value::String(name.clone()));
                    }
                }
                Arc::new(bodies)
            })
            .clone()
    }

    /// A forum in paper mode: the day's posts, one per paper its filter lets through (or the
    /// notice of an empty day, when it asked for one), as [`PlannedPost`] bodies.
    pub fn post_bodies(
        &mut self,
        date: NaiveDate,
        day: DayContent<'_>,
        filter: &Filter,
        notify_empty: bool,
        overlay: Option<(&str, &crate::render::Overlay)>,
        lang: &Language,
    ) -> Arc<Vec<Value>> {
        let key = (
            date,
            format!(
                "posts|{}|{:?}|{}|{:?}|{}|{lang}",
                notify_empty,
                filter,
                matches!(day, DayContent::NeverPublished),
                day.fetched_at(),
                overlay.map_or("", |(lang, _)| lang)
            ),
        );
        self.bodies
            .entry(key)
            .or_insert_with(|| {
                let shown = crate::render::day_messages_with(
                    date,
                    day,
                    Reader::Forum {
                        filter,
                        notify_empty,
                    },
                    overlay.map(|(_, o)| o),
                    lang,
                );
                Arc::new(
                    shown
                        .posts
                        .into_iter()
                        .zip(&shown.messages)
                        .map(|(head, message)| {
                            PlannedPost {
                                name: head.name,
                                message: message.to_json(None),
                                tag_keywords: head.keywords,
                            }
                            .to_body()
                        })
                        .collect(),
                )
            })
            .clone()
    }

    /// The ledger entries (nonce, exact body) for one channel: at most
    /// [`MAX_MESSAGES_PER_DAY`] messages, or [`MAX_PAPERS_PER_DAY`] posts of a forum in paper
    /// mode, whatever `bodies` holds.
    pub fn plan_for(
        &self,
        channel_id: u64,
        date: NaiveDate,
        bodies: &[Value],
    ) -> Vec<(String, Value)> {
        let posts = bodies
            .first()
            .is_some_and(|b| PlannedPost::from_body(b).is_some());
        let cap = if posts {
            MAX_PAPERS_PER_DAY
        } else {
            MAX_MESSAGES_PER_DAY
        };
        if bodies.len() > cap {
            tracing::warn!(
                channel_id,
                %date,
                messages = bodies.len(),
                kept = cap,
                "too many messages for one day; planning only the first"
            );
        }
        bodies
            .iter()
            .take(cap)
            .enumerate()
            .map_while(|(idx, body)| {
                let n = nonce(channel_id, date, u32::try_from(idx).ok()?)?;
                let body = with_nonce(body.clone(), &n);
                Some((n, body))
            })
            .collect()
    }
}

/// Adds the de-duplication nonce (`nonce` + `enforce_nonce`) and makes sure mentions are off,
/// whatever produced the body.
pub fn with_nonce(mut body: Value, nonce: &str) -> Value {
    if let Some(map) = body.as_object_mut() {
        map.insert("nonce".into(), Value::String(nonce.to_string()));
        map.insert("enforce_nonce".into(), Value::Bool(true));
        map.entry("allowed_mentions")
            .or_insert_with(|| json!({ "parse": [] }));
    }
    body
}

/// Forum channels take no plain messages: each day is a new post (thread) whose starter message
/// is the delivery's first message.
pub fn forum_post_title(date: NaiveDate) -> String {
    crate::render::day_thread_name(date)
}

/// `POST /channels/{forum}/threads` body: the title and the first message. The nonce fields and
/// `tts` are left out, as Discord documents none of them for a forum post's starter message.
pub fn forum_post_body(date: NaiveDate, first: &Value) -> Value {
    let mut message = first.clone();
    if let Some(map) = message.as_object_mut() {
        map.remove("nonce");
        map.remove("enforce_nonce");
        map.remove("tts");
    }
    json!({ "name": forum_post_title(date), "message": message })
}

/// The shape of a payload (not its text) for the log when Discord rejects it as invalid: enough
/// to see which limit broke without dumping third-party text into the log.
pub fn payload_shape(body: &Value) -> String {
    let chars = |v: &Value| v.as_str().map_or(0, |s| s.chars().count());
    let content = chars(&body["content"]);
    let embeds = body["embeds"].as_array().cloned().unwrap_or_default();
    let mut parts = vec![
        format!("content {content} chars"),
        format!("{} embeds", embeds.len()),
    ];
    let mut total = 0;
    for (i, e) in embeds.iter().enumerate() {
        let fields = e["fields"].as_array().cloned().unwrap_or_default();
        let field_chars: usize = fields
            .iter()
            .map(|f| chars(&f["name"]) + chars(&f["value"]))
            .sum();
        let title = chars(&e["title"]);
        let description = chars(&e["description"]);
        let footer = chars(&e["footer"]["text"]);
        let sum = title + description + field_chars + footer;
        total += sum;
        parts.push(format!(
            "embed {i}: title {title}, description {description}, {} fields ({field_chars}), footer {footer} = {sum}",
            fields.len()
        ));
    }
    parts.push(format!("embed total {total} chars"));
    parts.join("; ")
}

/// A moment for the log: `never` for the far-future sentinel of "no further look planned".
pub struct When(pub chrono::DateTime<chrono::Utc>);

impl std::fmt::Display for When {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0 == chrono::DateTime::<chrono::Utc>::MAX_UTC {
            f.write_str("never")
        } else {
            write!(
                f,
                "{}",
                self.0.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            )
        }
    }
}

/// Exponential backoff with "equal jitter": attempt 1 waits between base/2 and base, each
/// further attempt doubles that, capped at `max`. `jitter` is a random number in [0, 1).
pub fn backoff(attempt: u32, base: Duration, max: Duration, jitter: f64) -> Duration {
    let exp = base
        .checked_mul(1u32 << attempt.saturating_sub(1).min(20))
        .unwrap_or(max)
        .min(max);
    exp / 2 + exp.mul_f64(jitter.clamp(0.0, 1.0) / 2.0)
}

/// How long to wait before checking again for a digest that is not published yet, after
/// `checks` unsuccessful checks: `retry_initial`, doubling, capped at `retry_max`.
pub fn late_retry_delay(checks: u32, cfg: &ScheduleConfig) -> Duration {
    cfg.retry_initial
        .checked_mul(1u32 << checks.saturating_sub(1).min(20))
        .unwrap_or(cfg.retry_max)
        .min(cfg.retry_max)
}

#[cfg(test)]
mod tests {
    #[test]
    fn log_times_say_never_for_no_look_planned() {
        use chrono::{DateTime, TimeZone, Utc};
        assert_eq!(super::When(DateTime::<Utc>::MAX_UTC).to_string(), "never");
        let t = Utc.with_ymd_and_hms(2026, 12, 4, 9, 30, 0).unwrap();
        assert_eq!(super::When(t).to_string(), "2026-12-04T09:30:00Z");
    }

    use super::*;
    use crate::config::Config;
    use crate::render::testing::diffusion_day;
    use std::collections::HashSet;
    use std::path::Path;

    fn cfg(toml: &str) -> ScheduleConfig {
        Config::from_toml(toml, Path::new(".")).unwrap().schedule
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn nonces_are_short_deterministic_and_unique() {
        let mut seen = HashSet::new();
        for channel in [0u64, 1, 36, 1_234_567_890_123_456_789, u64::MAX] {
            for date in [d("2024-04-02"), d("2024-04-03"), d("2099-12-31")] {
                for idx in [0, 1, 9, 10, 35, 36, 1000, 1295] {
                    let n = nonce(channel, date, idx).unwrap();
                    assert!(n.chars().count() <= MAX_NONCE_CHARS, "{n}");
                    assert_eq!(Some(n.clone()), nonce(channel, date, idx));
                    assert!(seen.insert(n), "duplicate nonce");
                }
            }
        }
        assert_eq!(nonce(35, d("2024-04-02"), 1).unwrap(), "2024040201z");
        // Past two base-36 digits there is no nonce, and no panic either.
        assert_eq!(nonce(35, d("2024-04-02"), 36 * 36), None);
        assert_eq!(nonce(35, d("2024-04-02"), u32::MAX), None);
    }

    #[test]
    fn a_huge_digest_is_capped_instead_of_overflowing_the_nonce() {
        let date = d("2024-04-02");
        let huge = diffusion_day(2_000);
        let mut cache = RenderCache::default();
        let bodies = cache.bodies(
            date,
            DayContent::Digest(&huge, None),
            &Filter::default(),
            false,
            &Language::english(),
        );
        assert!(bodies.len() <= MAX_MESSAGES_PER_DAY, "{}", bodies.len());
        let plan = cache.plan_for(u64::MAX, date, &bodies);
        assert_eq!(plan.len(), bodies.len());
        let embeds: usize = plan
            .iter()
            .map(|(_, b)| b["embeds"].as_array().unwrap().len())
            .sum();
        assert_eq!(embeds, MAX_PAPERS_PER_DAY);
        // The header does not pretend the cut day is complete.
        let header = plan[0].1["content"].as_str().unwrap();
        assert!(header.contains("600 of 2000"), "{header}");
        let nonces: HashSet<&str> = plan.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(nonces.len(), plan.len());
        assert!(nonces.iter().all(|n| n.chars().count() <= MAX_NONCE_CHARS));

        // Whatever a caller hands it, planning never goes past the cap (nor panics).
        let many: Vec<Value> = (0..2_000).map(|i| json!({ "content": i })).collect();
        let plan = cache.plan_for(7, date, &many);
        assert_eq!(plan.len(), MAX_MESSAGES_PER_DAY);
        assert_eq!(plan[99].1["content"], 99);
    }

    #[test]
    fn twelve_papers_pack_into_two_messages_with_nonces() {
        let dg = diffusion_day(12);
        let mut cache = RenderCache::default();
        let date = d("2024-04-02");
        let bodies = cache.bodies(
            date,
            DayContent::Digest(&dg, None),
            &Filter::default(),
            false,
            &Language::english(),
        );
        assert_eq!(bodies.len(), 2);
        let plan = cache.plan_for(77, date, &bodies);
        assert_eq!(plan.len(), 2);
        let embeds: usize = plan
            .iter()
            .map(|(_, b)| b["embeds"].as_array().unwrap().len())
            .sum();
        assert_eq!(embeds, 12);
        for (idx, (n, body)) in plan.iter().enumerate() {
            assert_eq!(Some(n.clone()), nonce(77, date, idx as u32));
            assert_eq!(body["nonce"], Value::String(n.clone()));
            assert_eq!(body["enforce_nonce"], Value::Bool(true));
            assert_eq!(body["allowed_mentions"]["parse"], json!([]));
        }
        // Exactly what serenity itself would send for that message and nonce.
        let direct = channel_messages(
            date,
            DayContent::Digest(&dg, None),
            &Filter::default(),
            false,
            &Language::english(),
        );
        assert_eq!(plan[1].1, direct[1].to_json(Some(&plan[1].0)));
        // Same filter, same render: the cache hands out the same bodies.
        let again = cache.bodies(
            date,
            DayContent::Digest(&dg, None),
            &Filter::default(),
            false,
            &Language::english(),
        );
        assert!(Arc::ptr_eq(&bodies, &again));
        // Another language is another render: a Korean channel never gets an English body.
        let ko: Language = "ko".parse().unwrap();
        let korean = cache.bodies(
            date,
            DayContent::Digest(&dg, None),
            &Filter::default(),
            false,
            &ko,
        );
        assert!(!Arc::ptr_eq(&bodies, &korean));
        assert_eq!(
            korean[0]["content"],
            "📰 **데일리 페이퍼 — 2024년 4월 2일** · 논문 12편"
        );
    }

    #[test]
    fn a_forum_in_paper_mode_plans_a_post_per_paper_with_its_own_nonce() {
        let date = d("2024-04-02");
        // More papers than a day of packed messages may have: every one is still a post.
        let mut day = diffusion_day(130);
        day.papers[0].ai_keywords = vec!["Diffusion".into()];
        let mut cache = RenderCache::default();
        let filter = Filter::default();
        let content = DayContent::Digest(&day, None);
        let bodies = cache.post_bodies(
            date,
            content,
            &filter,
            false,
            None,
            &crate::language::Language::english(),
        );
        assert_eq!(bodies.len(), 130);
        let plan = cache.plan_for(77, date, &bodies);
        assert_eq!(plan.len(), 130);
        let nonces: HashSet<&str> = plan.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(nonces.len(), 130);
        let first = PlannedPost::from_body(&plan[0].1).expect("a post");
        assert_eq!(first.name, "Paper 0 about diffusion");
        assert_eq!(first.tag_keywords, vec!["Diffusion"]);
        assert_eq!(first.message["embeds"].as_array().unwrap().len(), 1);
        assert_eq!(first.message["allowed_mentions"]["parse"], json!([]));
        // A channel's packed day is not posts, and is planned as before.
        let packed = cache.bodies(
            date,
            content,
            &filter,
            false,
            &crate::language::Language::english(),
        );
        assert!(PlannedPost::from_body(&packed[0]).is_none());
        assert_eq!(cache.plan_for(77, date, &packed).len(), packed.len());
        // Cached per filter, like the packed bodies.
        assert!(Arc::ptr_eq(
            &bodies,
            &cache.post_bodies(
                date,
                content,
                &filter,
                false,
                None,
                &crate::language::Language::english()
            )
        ));
        // An empty day with a notice is one post of the day; without, nothing.
        let empty = diffusion_day(0);
        let notice = cache.post_bodies(
            date,
            DayContent::Digest(&empty, None),
            &filter,
            true,
            None,
            &crate::language::Language::english(),
        );
        let post = PlannedPost::from_body(&notice[0]).unwrap();
        assert_eq!(post.name, "Daily Papers — 2024-04-02");
        assert!(cache
            .post_bodies(
                date,
                DayContent::NeverPublished,
                &filter,
                false,
                None,
                &crate::language::Language::english()
            )
            .is_empty());
    }

    #[test]
    fn forum_body_has_title_and_first_message_without_nonce() {
        let date = d("2024-04-02");
        let first = with_nonce(json!({"content": "hi", "embeds": [], "tts": false}), "n1");
        let body = forum_post_body(date, &first);
        assert_eq!(body["name"], "Daily Papers — 2024-04-02");
        assert_eq!(body["message"]["content"], "hi");
        assert!(body["message"].get("nonce").is_none());
        assert!(body["message"].get("tts").is_none());
        assert_eq!(body["message"]["allowed_mentions"]["parse"], json!([]));
    }

    #[test]
    fn payload_shape_counts_without_text() {
        let body = json!({
            "content": "héllo",
            "embeds": [{"title": "T", "description": "한국어", "fields": [{"name": "a", "value": "bc"}], "footer": {"text": "ft"}}]
        });
        let shape = payload_shape(&body);
        assert!(shape.contains("content 5 chars"), "{shape}");
        assert!(shape.contains("1 embeds"), "{shape}");
        assert!(shape.contains("= 9"), "{shape}");
        assert!(!shape.contains("한국어"));
    }

    #[test]
    fn backoff_doubles_with_jitter_and_caps() {
        let base = Duration::from_millis(500);
        let max = Duration::from_secs(8);
        assert_eq!(backoff(1, base, max, 0.0), Duration::from_millis(250));
        assert_eq!(backoff(1, base, max, 1.0), Duration::from_millis(500));
        assert_eq!(backoff(3, base, max, 0.0), Duration::from_millis(1000));
        assert_eq!(backoff(10, base, max, 1.0), max);
        assert_eq!(backoff(60, base, max, 0.0), max / 2);
    }

    #[test]
    fn late_digest_checks_back_off_to_the_max() {
        let c = cfg("[schedule]\nretry_initial_minutes = 5\nretry_max_minutes = 30");
        let mins: Vec<u64> = (1..=5)
            .map(|k| late_retry_delay(k, &c).as_secs() / 60)
            .collect();
        assert_eq!(mins, vec![5, 10, 20, 30, 30]);
        assert_eq!(hold(&c), chrono::Duration::minutes(720));
    }
}
