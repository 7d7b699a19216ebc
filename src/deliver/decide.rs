//! What a pass does, decided without I/O over a [`Snapshot`] of the store: which posts are open
//! and what they may carry, which dates are needed, which deliveries to resume, and in what order
//! the work goes out. The pass loads the snapshot with one read, asks these functions, and only
//! then fetches digests, plans and sends.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::config::ScheduleConfig;
use crate::deliver::carry::{
    candidates, carry, first_due, open_post, selection_for, DayState, History, Selection,
};
use crate::deliver::schedule::ChannelSchedule;
use crate::deliver::target::Target;
use crate::select::terms::Term;
use crate::store::Archived;

/// The store as one pass sees it.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// Every enabled channel and every person with active alerts, by ledger key.
    pub targets: HashMap<u64, Arc<Target>>,
    /// Each person's alert terms.
    pub alert_terms: HashMap<u64, Vec<Term>>,
    /// Unfinished deliveries in the ledger: (key, date).
    pub pending: Vec<(u64, NaiveDate)>,
    /// Pending deliveries another live process holds, with when each lease ends.
    pub held: HashMap<(u64, NaiveDate), DateTime<Utc>>,
}

/// A target whose post is open this pass.
#[derive(Debug)]
pub struct OpenPost {
    pub target: Arc<Target>,
    pub fire: DateTime<Utc>,
    pub selection: Selection,
    pub schedule: ChannelSchedule,
}

/// A day a new delivery carries.
#[derive(Debug, Clone)]
pub enum DayRef {
    Digest(Arc<Archived>),
    /// A pinned day whose wait ended without a digest (a notice, for channels that asked).
    NeverPublished,
}

/// What this pass found for the dates open posts need.
#[derive(Debug, Default)]
pub struct Days {
    pub ready: HashMap<NaiveDate, Arc<Archived>>,
    /// When each date's primary digest was due (`None`: not a publishing day).
    pub expected: HashMap<NaiveDate, Option<DateTime<Utc>>>,
    /// Dates whose source could not be read, with the reason.
    pub failed: HashMap<NaiveDate, String>,
}

impl Days {
    pub fn state(&self, date: NaiveDate) -> DayState {
        DayState {
            ready_since: self.ready.get(&date).map(|a| a.fetched_at),
            expected_at: self.expected.get(&date).copied().flatten(),
        }
    }
}

/// A target's work before planning: resumes are ready, new dates still need bodies.
#[derive(Debug)]
pub struct Unplanned {
    pub target: Arc<Target>,
    pub resume: Vec<NaiveDate>,
    pub new: Vec<(NaiveDate, DayRef)>,
    /// When the post planned this pass fell due (for the lag metric).
    pub fire: Option<DateTime<Utc>>,
    /// When the post first fell due ([`crate::deliver::carry::first_due`], the earliest of its days):
    /// what a wait for its summaries counts from.
    pub due: Option<DateTime<Utc>>,
}

/// The work of a pass, by target.
#[derive(Debug, Default)]
pub struct Work {
    pub jobs: BTreeMap<u64, Unplanned>,
    /// (target, date) pairs still waiting for a late digest.
    pub waiting: u64,
    /// Pinned days that never came although their source could not be read: (key, date, why).
    pub unreadable: Vec<(u64, NaiveDate, String)>,
}

impl Work {
    pub fn of(&mut self, target: &Arc<Target>) -> &mut Unplanned {
        self.jobs.entry(target.key()).or_insert_with(|| Unplanned {
            target: target.clone(),
            resume: Vec::new(),
            new: Vec::new(),
            fire: None,
            due: None,
        })
    }
}

/// Unfinished deliveries to resume: those of enabled targets (a paused channel keeps its pending
/// delivery until `/papers resume`) that no other live process holds (they become ours only if
/// that process dies).
pub fn resumes(snapshot: &Snapshot, work: &mut Work) {
    for (key, date) in &snapshot.pending {
        if snapshot.held.contains_key(&(*key, *date)) {
            continue;
        }
        if let Some(target) = snapshot.targets.get(key) {
            work.of(target).resume.push(*date);
        }
    }
}

/// Targets whose post is open at `now` (its latest fire, while the wait after it lasts; on the
/// first pass after start-up, any fire within the catch-up window), and what each may carry.
pub fn open_posts<'a>(
    targets: impl IntoIterator<Item = &'a Arc<Target>>,
    cfg: &ScheduleConfig,
    now: DateTime<Utc>,
    hold: Duration,
    catch_up: Option<Duration>,
) -> Vec<OpenPost> {
    targets
        .into_iter()
        .filter_map(|target| {
            let schedule = target.schedule(cfg);
            let fire = open_post(
                &schedule,
                target.created_at(),
                now,
                hold,
                catch_up,
                cfg.digest_offset_days.is_some(),
            )?;
            let selection = selection_for(
                &schedule,
                fire,
                now,
                cfg.catch_up_days,
                cfg.digest_offset_days,
                target.created_at(),
                catch_up.is_some(),
            );
            Some(OpenPost {
                target: target.clone(),
                fire,
                selection,
                schedule,
            })
        })
        .collect()
}

/// The oldest date any open post may carry: how far back the ledger is read.
pub fn oldest_wanted(posts: &[OpenPost], now: DateTime<Utc>) -> NaiveDate {
    posts
        .iter()
        .filter_map(|p| p.selection.oldest())
        .min()
        .unwrap_or(now.date_naive())
}

/// Dates each target already has in the ledger (sent, in progress or given up).
pub type Received = HashMap<u64, BTreeSet<NaiveDate>>;

fn history<'a>(
    target: &Target,
    received: &'a Received,
    nothing: &'a BTreeSet<NaiveDate>,
) -> History<'a> {
    History {
        start: target.start_date(),
        received: received.get(&target.key()).unwrap_or(nothing),
    }
}

/// Each date some open post could carry, with the latest fire that wants it: the dates the
/// sources are asked about.
pub fn needed_dates(posts: &[OpenPost], received: &Received) -> BTreeMap<NaiveDate, DateTime<Utc>> {
    let nothing = BTreeSet::new();
    let mut needed: BTreeMap<NaiveDate, DateTime<Utc>> = BTreeMap::new();
    for p in posts {
        for d in candidates(&p.selection, history(&p.target, received, &nothing)) {
            let fire = needed.entry(d).or_insert(p.fire);
            *fire = (*fire).max(p.fire);
        }
    }
    needed
}

/// What each open post carries now that the days are known ([`crate::deliver::carry::carry`]).
pub fn carried(
    posts: &[OpenPost],
    received: &Received,
    days: &Days,
    now: DateTime<Utc>,
    hold: Duration,
    work: &mut Work,
) {
    let nothing = BTreeSet::new();
    for p in posts {
        let c = carry(
            &p.selection,
            history(&p.target, received, &nothing),
            now,
            hold,
            |d| days.state(d),
        );
        work.waiting += c.awaiting.len() as u64;
        if !c.post.is_empty() || !c.never_came.is_empty() {
            work.of(&p.target).fire = Some(p.fire);
        }
        for d in c.post {
            if let Some(a) = days.ready.get(&d) {
                let due = first_due(
                    &p.schedule,
                    &p.selection,
                    p.target.created_at(),
                    d,
                    days.state(d),
                    p.fire,
                );
                let job = work.of(&p.target);
                job.due = Some(job.due.map_or(due, |t| t.min(due)));
                job.new.push((d, DayRef::Digest(a.clone())));
            }
        }
        for d in c.never_came {
            if let Some(reason) = days.failed.get(&d) {
                work.unreadable.push((p.target.key(), d, reason.clone()));
            }
            work.of(&p.target).new.push((d, DayRef::NeverPublished));
        }
    }
}

/// The order work goes out in, cut into planning chunks: channels first, then people's DMs
/// (they share the one rate budget, and a channel serves many readers).
pub fn chunks(jobs: BTreeMap<u64, Unplanned>, chunk: usize) -> Vec<Vec<Unplanned>> {
    let (people, channels): (Vec<Unplanned>, Vec<Unplanned>) =
        jobs.into_values().partition(|j| j.target.is_person());
    let ordered: Vec<Unplanned> = channels.into_iter().chain(people).collect();
    let mut out = Vec::new();
    let mut iter = ordered.into_iter().peekable();
    while iter.peek().is_some() {
        out.push(iter.by_ref().take(chunk.max(1)).collect());
    }
    out
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::channel_kind::ChannelKind;
    use crate::source::digest::Digest;
    use crate::store::{AlertUser, Subscription};

    fn at(d: u32, h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, d, h, m, 0).unwrap()
    }

    fn date(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, d).unwrap()
    }

    fn cfg() -> ScheduleConfig {
        crate::config::Config::from_toml(
            "[schedule]\ncron = \"0 0 9 * * *\"\ntimezone = \"UTC\"\ncatch_up_days = 3\n",
            std::path::Path::new("."),
        )
        .unwrap()
        .schedule
    }

    fn channel(id: u64) -> Arc<Target> {
        let mut s = Subscription::with_defaults(id, at(1, 0, 0));
        s.channel_kind = ChannelKind::Text;
        Arc::new(Target::Channel(s))
    }

    fn person(id: u64) -> Arc<Target> {
        Arc::new(Target::Person(AlertUser {
            user_id: id,
            delivery_time: None,
            timezone: None,
            enabled: true,
            paused_reason: None,
            dm_channel_id: None,
            start_date: None,
            created_at: at(1, 0, 0),
            updated_at: at(1, 0, 0),
            language: None,
            weekly_saved: false,
        }))
    }

    fn archived(d: NaiveDate, fetched: DateTime<Utc>) -> Arc<Archived> {
        Arc::new(Archived {
            digest: Digest {
                date: d,
                papers: Vec::new(),
            },
            source: "test".into(),
            fetched_at: fetched,
            final_: true,
        })
    }

    fn snapshot(targets: &[Arc<Target>]) -> Snapshot {
        Snapshot {
            targets: targets.iter().map(|t| (t.key(), t.clone())).collect(),
            ..Snapshot::default()
        }
    }

    #[test]
    fn a_pending_delivery_is_resumed_unless_paused_or_held_elsewhere() {
        let mut snap = snapshot(&[channel(1), channel(2), person(9)]);
        snap.pending = vec![(1, date(5)), (2, date(5)), (3, date(5)), (9, date(5))];
        // Channel 2's delivery is another live process's; 3 is paused (not among the targets).
        snap.held.insert((2, date(5)), at(5, 9, 1));
        let mut work = Work::default();
        resumes(&snap, &mut work);
        let keys: Vec<u64> = work.jobs.keys().copied().collect();
        assert_eq!(keys, vec![1, 9]);
        assert_eq!(work.jobs[&1].resume, vec![date(5)]);
        assert!(work.jobs[&1].new.is_empty() && work.jobs[&1].fire.is_none());
    }

    #[test]
    fn posts_open_at_their_fire_and_catch_up_only_on_the_first_pass() {
        let cfg = cfg();
        let targets = [channel(1), person(9)];
        let hold = Duration::minutes(30);
        // Between fires, a running bot has nothing open.
        assert!(open_posts(&targets, &cfg, at(5, 12, 0), hold, None).is_empty());
        // At the fire, both are open, channel and person alike.
        let open = open_posts(&targets, &cfg, at(5, 9, 0), hold, None);
        assert_eq!(open.len(), 2);
        assert!(open.iter().all(|p| p.fire == at(5, 9, 0)));
        // After downtime, the first pass catches up the missed fire.
        let open = open_posts(&targets, &cfg, at(5, 12, 0), hold, Some(Duration::days(3)));
        assert_eq!(open.len(), 2);
        assert_eq!(open[0].fire, at(5, 9, 0));
    }

    #[test]
    fn a_ready_day_is_posted_a_missing_one_waited_for_and_nothing_received_twice() {
        let cfg = cfg();
        let hold = Duration::minutes(30);
        let now = at(5, 9, 0);
        let posts = open_posts(&[channel(1), channel(2)], &cfg, now, hold, None);
        let mut received = Received::new();
        let needed = needed_dates(&posts, &received);
        assert!(needed.contains_key(&date(5)), "{needed:?}");
        assert!(needed.values().all(|f| *f == now));
        // Channel 2 already has today's day: it is not carried again.
        received.insert(2, BTreeSet::from([date(5)]));
        let mut days = Days::default();
        days.ready.insert(date(5), archived(date(5), at(5, 8, 0)));
        days.expected.insert(date(5), Some(at(5, 6, 0)));
        let mut work = Work::default();
        carried(&posts, &received, &days, now, hold, &mut work);
        assert_eq!(work.jobs.len(), 1);
        let job = &work.jobs[&1];
        assert_eq!(job.fire, Some(now));
        assert!(matches!(job.new.as_slice(), [(d, DayRef::Digest(_))] if *d == date(5)));

        // Not out yet at the fire, while due: waited for, nothing planned.
        let mut late = Days::default();
        late.expected.insert(date(5), Some(at(5, 8, 50)));
        let mut work = Work::default();
        carried(&posts, &Received::new(), &late, now, hold, &mut work);
        assert!(work.jobs.is_empty());
        assert_eq!(work.waiting, 2);
    }

    #[test]
    fn a_pinned_day_that_never_came_is_settled_and_an_unreadable_one_reported() {
        let mut cfg = cfg();
        cfg.digest_offset_days = Some(1);
        let hold = Duration::minutes(30);
        // Well past the fire and its wait: the pinned day (yesterday) is settled as never come.
        let now = at(5, 9, 40);
        let posts = open_posts(&[channel(1)], &cfg, now, hold, Some(Duration::days(3)));
        assert_eq!(posts.len(), 1, "{posts:?}");
        let mut days = Days::default();
        days.failed.insert(date(4), "HTTP 500".into());
        let mut work = Work::default();
        carried(&posts, &Received::new(), &days, now, hold, &mut work);
        let job = &work.jobs[&1];
        assert!(
            job.new
                .iter()
                .any(|(d, r)| *d == date(4) && matches!(r, DayRef::NeverPublished)),
            "{job:?}"
        );
        assert_eq!(work.unreadable, vec![(1, date(4), "HTTP 500".to_string())]);
    }

    #[test]
    fn channels_go_before_people_in_chunks() {
        let mut work = Work::default();
        for t in [person(1), channel(5), person(2), channel(7), channel(3)] {
            work.of(&t).resume.push(date(5));
        }
        let chunks = chunks(work.jobs, 2);
        let order: Vec<Vec<u64>> = chunks
            .iter()
            .map(|c| c.iter().map(|j| j.target.key()).collect())
            .collect();
        assert_eq!(order, vec![vec![3, 5], vec![7, 1], vec![2]]);
        assert!(super::chunks(BTreeMap::new(), 2).is_empty());
    }
}
