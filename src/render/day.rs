//! The one path from a day to messages: [`day_messages`].
//!
//! Why it exists: what a day looks like (which papers, in which order, the notice on a day with
//! none, the index, the cards, the packing, the caps) is decided once, here, for every reader:
//! the daily post (`deliver`), a person's alert DM (`deliver`), `/papers today|date|preview`
//! (`commands::read`) and `paperboy preview` (the CLI). Callers only choose the filter or the
//! matches and the [`Shape`]; a reply then cuts what a reply may hold ([`super::reply`]), and
//! the engine adds its nonces, but neither decides again what the day contains.
//!
//! A day's papers are ranked by votes ([`crate::select::ranking::rank_by_votes`]) for every reader but a forum in paper
//! mode (whose posts keep the digest's order: a forum lists its newest post first). With an
//! index ([`Shape::Glance`], [`Shape::Index`], and every alert DM) the first message lists the
//! top papers ([`super::index`]); the cards ([`super::paper::card`]) follow, packed, in the same
//! order: in a thread started from the index when [`DayMessages::opens_thread`] says so.

use chrono::{DateTime, NaiveDate, Utc};

use super::alert::render_alert_with;
use super::dates::date_text;
use super::digest::{card_messages, machine_for, post_header};
use super::digest::{empty_notice, render_digest_with, EmptyReason, RenderContext};
use super::index::{index_messages, Entry, IndexSpec, More, Section};
use super::paper::{Overlay, MIN_PAPERS_PER_MESSAGE};
use super::post::{day_thread_name, paper_post, PostHead};
use super::spec::MessageSpec;
use crate::language::Language;
use crate::select::filter::{Filter, Selected};
use crate::select::ranking::rank_by_votes;
use crate::source::digest::Digest;
use crate::t;

/// The most messages one channel gets for one day. A digest that would need more (only a broken
/// or hostile source produces one) is cut, with a warning: see [`MAX_PAPERS_PER_DAY`].
pub const MAX_MESSAGES_PER_DAY: usize = 100;

/// The most papers one channel gets for one day: with at least [`MIN_PAPERS_PER_MESSAGE`]
/// papers per message they fit in [`MAX_MESSAGES_PER_DAY`] messages.
pub const MAX_PAPERS_PER_DAY: usize = MAX_MESSAGES_PER_DAY * MIN_PAPERS_PER_MESSAGE;

/// How long a day's thread stays in the channel's list of active threads after its last
/// message (Discord takes 60, 1,440, 4,320 or 10,080 minutes): three days, so Friday's thread is
/// still there on Monday.
pub const THREAD_ARCHIVE_MINUTES: u32 = 4320;

/// What a day looks like in a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// The cards under a header, in the channel (the `full` layout).
    Full,
    /// The index of the top `top` papers (0: all), then every card. `thread`: the cards go into
    /// a thread started from the index (a text or announcement channel's daily post); otherwise
    /// they follow it where it is (a forum's day post, a thread, a reply).
    Glance { top: usize, thread: bool },
    /// The index alone.
    Index { top: usize },
}

/// What a day brought, as far as one reader is concerned.
#[derive(Debug, Clone, Copy)]
pub enum DayContent<'a> {
    /// The digest, with when it was fetched (the votes shown are the ones of that moment).
    Digest(&'a Digest, Option<DateTime<Utc>>),
    /// A digest still growing at its source (a Hugging Face list before its day is over), as
    /// fetched at that moment: only a reply shows one, and its header says "so far".
    Growing(&'a Digest, DateTime<Utc>),
    /// The publish deadline passed without a digest.
    NeverPublished,
}

impl DayContent<'_> {
    /// When the shown votes were counted.
    pub fn fetched_at(&self) -> Option<DateTime<Utc>> {
        match self {
            DayContent::Digest(_, at) => *at,
            DayContent::Growing(_, at) => Some(*at),
            DayContent::NeverPublished => None,
        }
    }
}

/// Who reads the day: decides how its papers are picked, laid out, and what an empty day shows.
#[derive(Debug, Clone, Copy)]
pub enum Reader<'a> {
    /// A channel (its daily post, a command's reply in it, the CLI preview): the papers its
    /// filter lets through, in `shape`; on a day with none, a short notice when
    /// `notify_empty`, otherwise nothing.
    Channel {
        filter: &'a Filter,
        notify_empty: bool,
        shape: Shape,
    },
    /// A person's alert DM: the papers their terms matched (index into the digest, with the
    /// terms that hit), in one message: the index of them, and the cards of the first; nothing
    /// on a day with none.
    Person { matches: &'a [(usize, Vec<String>)] },
    /// A forum channel in paper mode: the papers its filter lets through, each its own post
    /// (one message, with its [`PostHead`]), in the day's order; on a day with none, the notice
    /// when `notify_empty`, as a post of the day.
    Forum {
        filter: &'a Filter,
        notify_empty: bool,
    },
}

impl Reader<'_> {
    /// Whether a day with nothing for this reader still gets a notice.
    fn notify_empty(&self) -> bool {
        match self {
            Reader::Channel { notify_empty, .. } | Reader::Forum { notify_empty, .. } => {
                *notify_empty
            }
            Reader::Person { .. } => false,
        }
    }
}

/// A day as one reader gets it.
#[derive(Debug, Clone, PartialEq)]
pub struct DayMessages {
    /// What to send, in order; empty when there is nothing to say.
    pub messages: Vec<MessageSpec>,
    /// Papers the reader's filter or terms selected, before the [`MAX_PAPERS_PER_DAY`] cap.
    pub selected: usize,
    /// Papers in the day's digest (0 when it never came).
    pub in_digest: usize,
    /// Why nothing was selected, when nothing was; `messages` is then the notice, or nothing.
    pub empty: Option<EmptyReason>,
    /// For [`Reader::Forum`], the post each message opens (one per message, in order); empty
    /// for every other reader.
    pub posts: Vec<PostHead>,
    /// How many of `messages`, from the first, are the index (0 without one).
    pub index: usize,
    /// For [`Shape::Glance`] with a thread: the message the thread is started from (the last of
    /// the index) and the thread's name; every later message goes into the thread.
    pub opens_thread: Option<(usize, String)>,
}

/// What a day looks like to `reader`: the papers selected, capped at [`MAX_PAPERS_PER_DAY`] (a
/// cut day says "N of M"), ranked, rendered and packed into at most [`MAX_MESSAGES_PER_DAY`]
/// messages; or, with nothing selected, the notice the reader asked for (see [`Reader`]).
/// Everything the bot writes around the papers is in `lang`, the reader's language.
pub fn day_messages(
    date: NaiveDate,
    day: DayContent<'_>,
    reader: Reader<'_>,
    lang: &Language,
) -> DayMessages {
    day_messages_with(date, day, reader, None, lang)
}

/// [`day_messages`] with the bullets a model wrote (in the reader's language) shown instead of
/// the digest's for the papers `overlay` has; which papers, links and layout are the same.
pub fn day_messages_with(
    date: NaiveDate,
    day: DayContent<'_>,
    reader: Reader<'_>,
    overlay: Option<&Overlay>,
    lang: &Language,
) -> DayMessages {
    let votes_at = day.fetched_at();
    let (digest, provisional) = match day {
        DayContent::Digest(digest, _) => (digest, false),
        DayContent::Growing(digest, _) => (digest, true),
        DayContent::NeverPublished => {
            let mut out = DayMessages {
                messages: Vec::new(),
                selected: 0,
                in_digest: 0,
                empty: Some(EmptyReason::NeverPublished),
                posts: Vec::new(),
                index: 0,
                opens_thread: None,
            };
            if reader.notify_empty() {
                out.push_notice(date, EmptyReason::NeverPublished, reader, lang);
            }
            return out;
        }
    };
    let mut selected = match reader {
        Reader::Channel { filter, .. } | Reader::Forum { filter, .. } => {
            filter.compile().apply(&digest.papers)
        }
        Reader::Person { matches } => matches
            .iter()
            .filter_map(|(i, terms)| {
                digest.papers.get(*i).map(|paper| Selected {
                    paper,
                    matched: terms.clone(),
                })
            })
            .collect(),
    };
    let count = selected.len();
    let capped = count > MAX_PAPERS_PER_DAY;
    if !matches!(reader, Reader::Forum { .. }) {
        rank_by_votes(&mut selected, |s| s.paper.votes);
    }
    if capped {
        tracing::warn!(
            %date,
            papers = count,
            kept = MAX_PAPERS_PER_DAY,
            "the digest is far larger than any real day; posting only its top papers"
        );
        selected.truncate(MAX_PAPERS_PER_DAY);
    }
    let mut out = DayMessages {
        messages: Vec::new(),
        selected: count,
        in_digest: digest.papers.len(),
        empty: None,
        posts: Vec::new(),
        index: 0,
        opens_thread: None,
    };
    if selected.is_empty() {
        let reason = if digest.papers.is_empty() {
            EmptyReason::NoPapers
        } else {
            EmptyReason::NothingMatched
        };
        out.empty = Some(reason);
        if reader.notify_empty() {
            out.push_notice(date, reason, reader, lang);
        }
        return out;
    }
    let ctx = RenderContext {
        date,
        total_in_digest: digest.papers.len(),
        filtered: false,
        votes_at,
        provisional,
    };
    out.messages = match reader {
        Reader::Channel { filter, shape, .. } => {
            // A cut day says "N of M", so the header does not hide the cut.
            let ctx = RenderContext {
                filtered: !filter.is_empty() || capped,
                ..ctx
            };
            match shape {
                Shape::Full => render_digest_with(&ctx, &selected, overlay, lang),
                Shape::Glance { top, .. } | Shape::Index { top } => {
                    let cards = matches!(shape, Shape::Glance { .. });
                    let more = match (cards, thread_of(shape)) {
                        (true, true) => More::Thread,
                        (true, false) => More::Below,
                        (false, _) => More::Command(date),
                    };
                    let spec = IndexSpec {
                        header: index_header(&ctx, selected.len(), top, lang),
                        sections: vec![Section {
                            heading: None,
                            entries: selected
                                .iter()
                                .map(|s| Entry::new(s.paper, s.matched.clone()))
                                .collect(),
                        }],
                        top,
                        more,
                    };
                    let mut messages = index_messages(&spec, overlay, lang);
                    out.index = messages.len();
                    if cards {
                        if thread_of(shape) {
                            out.opens_thread =
                                Some((messages.len() - 1, glance_thread_name(date, lang)));
                        }
                        messages.extend(card_messages(&ctx, &selected, overlay, lang));
                    }
                    messages
                }
            }
        }
        Reader::Person { .. } => {
            out.index = 1;
            render_alert_with(
                date,
                digest.papers.len(),
                votes_at,
                &selected,
                overlay,
                lang,
            )
            .into_iter()
            .collect()
        }
        Reader::Forum { .. } => {
            // Each paper is a post of its own: the day's count is the forum's list itself, and
            // a post per paper is what was asked for, so no message cap but the papers' one.
            let (posts, messages) = selected
                .iter()
                .map(|s| paper_post(s, date, votes_at, machine_for(s.paper, overlay), lang))
                .unzip();
            out.posts = posts;
            return DayMessages { messages, ..out };
        }
    };
    if out.messages.len() > MAX_MESSAGES_PER_DAY {
        tracing::warn!(
            %date,
            messages = out.messages.len(),
            kept = MAX_MESSAGES_PER_DAY,
            "the day packs into too many messages; posting only the first"
        );
        out.messages.truncate(MAX_MESSAGES_PER_DAY);
    }
    out
}

fn thread_of(shape: Shape) -> bool {
    matches!(shape, Shape::Glance { thread: true, .. })
}

/// A day's thread: "Daily Papers — 2 April 2024", in the channel's language, within Discord's
/// 100 characters.
pub fn glance_thread_name(date: NaiveDate, lang: &Language) -> String {
    super::sanitise::plain_line(
        &t!(lang, "post-day", date = date_text(date, lang)),
        super::post::MAX_THREAD_NAME_CHARS,
    )
}

/// The index's first line: the day's header and, when it lists fewer than all, that these are
/// the top papers by votes.
fn index_header(ctx: &RenderContext, selected: usize, top: usize, lang: &Language) -> String {
    let mut header = post_header(ctx, selected, lang);
    if top > 0 && top < selected {
        header.push_str(" · ");
        header.push_str(&t!(lang, "index-top-by-votes", count = top));
    }
    header
}

impl DayMessages {
    /// The notice of an empty day; for a forum in paper mode, as the day's own post.
    fn push_notice(
        &mut self,
        date: NaiveDate,
        reason: EmptyReason,
        reader: Reader<'_>,
        lang: &Language,
    ) {
        self.messages.push(empty_notice(date, reason, lang));
        if matches!(reader, Reader::Forum { .. }) {
            self.posts.push(PostHead {
                name: day_thread_name(date),
                keywords: Vec::new(),
            });
        }
    }
}

/// The messages a channel gets for a day in the `full` layout: [`day_messages`] for
/// [`Reader::Channel`] with [`Shape::Full`].
pub fn channel_messages(
    date: NaiveDate,
    day: DayContent<'_>,
    filter: &Filter,
    notify_empty: bool,
    lang: &Language,
) -> Vec<MessageSpec> {
    day_messages(
        date,
        day,
        Reader::Channel {
            filter,
            notify_empty,
            shape: Shape::Full,
        },
        lang,
    )
    .messages
}

/// A person's DM for a day: [`day_messages`] for [`Reader::Person`] (one message, or nothing).
pub fn alert_messages(
    date: NaiveDate,
    digest: &Digest,
    votes_at: Option<DateTime<Utc>>,
    matches: &[(usize, Vec<String>)],
    lang: &Language,
) -> Vec<MessageSpec> {
    day_messages(
        date,
        DayContent::Digest(digest, votes_at),
        Reader::Person { matches },
        lang,
    )
    .messages
}

/// Posted (to opted-in channels only) when the day's digest never came.
pub fn never_published_notice(date: NaiveDate, lang: &Language) -> MessageSpec {
    empty_notice(date, EmptyReason::NeverPublished, lang)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::testing::diffusion_day;

    fn en() -> Language {
        Language::english()
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn empty_days_post_only_to_channels_that_opted_in() {
        let date = d("2024-04-02");
        let none = diffusion_day(0);
        let some = diffusion_day(3);
        let strict = Filter {
            include: vec!["quantum chromodynamics".into()],
            ..Filter::default()
        };
        assert!(channel_messages(
            date,
            DayContent::Digest(&none, None),
            &Filter::default(),
            false,
            &en()
        )
        .is_empty());
        let notice = channel_messages(
            date,
            DayContent::Digest(&none, None),
            &Filter::default(),
            true,
            &en(),
        );
        assert_eq!(notice.len(), 1);
        assert!(notice[0].embeds.is_empty());
        assert!(
            channel_messages(date, DayContent::Digest(&some, None), &strict, false, &en())
                .is_empty()
        );
        assert_eq!(
            channel_messages(date, DayContent::Digest(&some, None), &strict, true, &en()).len(),
            1
        );
        assert!(channel_messages(
            date,
            DayContent::NeverPublished,
            &Filter::default(),
            false,
            &en()
        )
        .is_empty());
        let late = channel_messages(
            date,
            DayContent::NeverPublished,
            &Filter::default(),
            true,
            &en(),
        );
        assert!(late[0]
            .content
            .as_deref()
            .unwrap()
            .contains("no digest was published"));
    }

    #[test]
    fn keyword_filter_is_applied() {
        let date = d("2024-04-02");
        let mut dg = diffusion_day(4);
        dg.papers[2].title = "A robot that folds laundry".into();
        let robots = Filter {
            include: vec!["robot".into()],
            ..Filter::default()
        };
        let msgs = channel_messages(date, DayContent::Digest(&dg, None), &robots, false, &en());
        assert_eq!(msgs.len(), 1);
        assert_eq!(msgs[0].embeds.len(), 1);
        assert!(msgs[0].embeds[0].title.contains("robot"));
        assert!(msgs[0].content.as_deref().unwrap().contains("1 of 4"));
    }

    #[test]
    fn every_reader_of_a_channel_gets_the_same_day() {
        let date = d("2024-04-02");
        let dg = diffusion_day(14);
        let filter = Filter {
            min_votes: Some(3),
            ..Filter::default()
        };
        let at = chrono::DateTime::from_timestamp(1_712_048_400, 0).unwrap();
        let day = DayContent::Digest(&dg, Some(at));
        let post = channel_messages(date, day, &filter, false, &en());
        let shown = day_messages(
            date,
            day,
            Reader::Channel {
                filter: &filter,
                notify_empty: true,
                shape: Shape::Full,
            },
            &en(),
        );
        assert_eq!(shown.messages, post);
        assert_eq!(
            (shown.selected, shown.in_digest, shown.empty),
            (11, 14, None)
        );
        assert!(post[0].content.as_deref().unwrap().contains("11 of 14"));
        // A reply with nothing to add sends exactly the post.
        assert_eq!(
            super::super::reply(shown, None, &en()),
            super::super::Reply::Messages(post)
        );
    }

    #[test]
    fn a_forum_in_paper_mode_gets_a_post_per_selected_paper() {
        let date = d("2024-04-02");
        let mut dg = diffusion_day(130);
        dg.papers[3].ai_keywords = vec!["Diffusion Models".into()];
        let filter = Filter {
            include: vec!["diffusion".into()],
            min_votes: Some(2),
            ..Filter::default()
        };
        let at = chrono::DateTime::from_timestamp(1_712_048_400, 0).unwrap();
        let forum = day_messages(
            date,
            DayContent::Digest(&dg, Some(at)),
            Reader::Forum {
                filter: &filter,
                notify_empty: false,
            },
            &crate::language::Language::english(),
        );
        // 128 papers pass the filter: 128 posts, past the cap on packed messages.
        assert_eq!(forum.selected, 128);
        assert_eq!(forum.messages.len(), 128);
        assert!(forum.messages.len() > MAX_MESSAGES_PER_DAY);
        assert_eq!(forum.posts.len(), forum.messages.len());
        assert_eq!(forum.posts[0].name, "Paper 2 about diffusion");
        assert_eq!(
            forum.posts[1].keywords,
            vec!["diffusion", "Diffusion Models"]
        );
        for m in &forum.messages {
            assert_eq!(m.embeds.len(), 1);
            assert!(m.content.is_none());
            assert_eq!(m.embeds[0].timestamp, Some(at));
        }
        // The same papers, in the same order, as the channel's digest post shows.
        let post = channel_messages(
            date,
            DayContent::Digest(&dg, Some(at)),
            &filter,
            false,
            &crate::language::Language::english(),
        );
        let titles: Vec<&str> = post
            .iter()
            .flat_map(|m| m.embeds.iter().map(|e| e.title.as_str()))
            .collect();
        let forum_titles: Vec<&str> = forum
            .messages
            .iter()
            .map(|m| m.embeds[0].title.as_str())
            .collect();
        // The same papers; the forum's in the digest's order, the channel's ranked by votes.
        let mut reversed = forum_titles.clone();
        reversed.reverse();
        assert_eq!(titles, reversed);

        // Nothing to post: the notice, as the day's own post, only when asked for.
        let strict = Filter {
            include: vec!["quantum chromodynamics".into()],
            ..Filter::default()
        };
        for (day, notify) in [
            (DayContent::Digest(&dg, None), true),
            (DayContent::NeverPublished, true),
            (DayContent::Digest(&dg, None), false),
        ] {
            let shown = day_messages(
                date,
                day,
                Reader::Forum {
                    filter: &strict,
                    notify_empty: notify,
                },
                &crate::language::Language::english(),
            );
            assert_eq!(shown.messages.len(), usize::from(notify));
            assert_eq!(shown.posts.len(), shown.messages.len());
            if notify {
                assert_eq!(shown.posts[0].name, "Daily Papers — 2024-04-02");
                assert!(shown.posts[0].keywords.is_empty());
            }
        }
    }

    #[test]
    fn a_growing_day_says_so_far() {
        let dg = diffusion_day(2);
        let at = chrono::DateTime::from_timestamp(1_712_048_400, 0).unwrap();
        let shown = day_messages(
            d("2024-04-02"),
            DayContent::Growing(&dg, at),
            Reader::Channel {
                filter: &Filter::default(),
                notify_empty: true,
                shape: Shape::Glance {
                    top: 10,
                    thread: true,
                },
            },
            &en(),
        );
        let header = shown.messages[0].content.as_deref().unwrap();
        assert!(header.contains("**so far** (fetched 09:00 UTC"), "{header}");
    }

    /// Everything the bot writes around the papers is in the reader's language; the papers'
    /// own text is untouched.
    #[test]
    fn a_korean_reader_gets_the_chrome_in_korean() {
        let ko: Language = "ko".parse().unwrap();
        let date = d("2024-04-02");
        let dg = diffusion_day(14);
        let at = chrono::DateTime::from_timestamp(1_712_048_400, 0).unwrap();
        let filter = Filter {
            min_votes: Some(3),
            ..Filter::default()
        };
        let post = channel_messages(date, DayContent::Digest(&dg, Some(at)), &filter, false, &ko);
        assert_eq!(
            post[0].content.as_deref(),
            Some("📰 **데일리 페이퍼 — 2024년 4월 2일** · 논문 14편 중 11편 (이 채널의 필터 적용)")
        );
        let embed = &post[0].embeds[0];
        assert!(
            dg.papers.iter().any(|p| p.title == embed.title),
            "{}",
            embed.title
        );
        // When the votes were counted: the card's timestamp, shown in each reader's zone.
        assert_eq!(embed.timestamp, Some(at));
        let growing = day_messages(
            date,
            DayContent::Growing(&dg, at),
            Reader::Channel {
                filter: &Filter::default(),
                notify_empty: true,
                shape: Shape::Full,
            },
            &ko,
        );
        let header = growing.messages[0].content.as_deref().unwrap();
        assert!(
            header.contains("**지금까지** 논문 14편 (09:00 UTC에 가져옴"),
            "{header}"
        );
        let never = channel_messages(date, DayContent::NeverPublished, &filter, true, &ko);
        assert_eq!(
            never[0].content.as_deref(),
            Some("📭 **데일리 페이퍼 — 2024년 4월 2일**: 2024년 4월 2일에는 다이제스트가 나오지 않았습니다.")
        );
        let matches: Vec<(usize, Vec<String>)> = (0..12)
            .map(|i| (i, vec!["diffusion".to_string()]))
            .collect();
        let dm = alert_messages(date, &dg, None, &matches, &ko);
        let text = dm[0].content.as_deref().unwrap();
        assert!(
            text.starts_with("📬 **내 데일리 페이퍼 알림 — 2024년 4월 2일** · 논문 14편 중 12편이"),
            "{text}"
        );
        assert!(text.contains("· 👍 11 · 🔎 diffusion"), "{text}");
        assert!(dm[0].embeds[0].fields.is_empty());
        assert!(
            dm[0].embeds[0].footer.starts_with("🔎 diffusion · "),
            "{}",
            dm[0].embeds[0].footer
        );
        // English stays as it was.
        let en = channel_messages(date, DayContent::Digest(&dg, None), &filter, false, &en());
        assert_eq!(
            en[0].content.as_deref(),
            Some("📰 **Daily Papers — 2024-04-02** · 11 of 14 papers (filtered for this channel)")
        );
    }

    #[test]
    fn a_person_gets_their_matches_in_one_message_or_nothing() {
        let date = d("2024-04-02");
        let dg = diffusion_day(30);
        let matches: Vec<(usize, Vec<String>)> = (0..25)
            .map(|i| (i, vec!["diffusion".to_string()]))
            .chain([(999, vec!["gone".to_string()])])
            .collect();
        let day = DayContent::Digest(&dg, None);
        let dm = day_messages(date, day, Reader::Person { matches: &matches }, &en());
        assert_eq!(dm.messages.len(), 1);
        assert_eq!(dm.selected, 25);
        let text = dm.messages[0].content.as_deref().unwrap();
        assert!(text.contains("25 of 30 papers match your terms"), "{text}");
        assert_eq!(
            dm.messages,
            alert_messages(date, &dg, None, &matches, &en())
        );

        let none = day_messages(date, day, Reader::Person { matches: &[] }, &en());
        assert!(none.messages.is_empty());
        assert_eq!(none.empty, Some(EmptyReason::NothingMatched));
        let never = day_messages(
            date,
            DayContent::NeverPublished,
            Reader::Person { matches: &matches },
            &en(),
        );
        assert!(never.messages.is_empty());
    }

    #[test]
    fn a_glance_day_is_the_index_then_every_card_in_its_thread() {
        let date = d("2024-04-02");
        let dg = diffusion_day(30);
        let at = chrono::DateTime::from_timestamp(1_712_048_400, 0).unwrap();
        let day = |shape| {
            day_messages(
                date,
                DayContent::Digest(&dg, Some(at)),
                Reader::Channel {
                    filter: &Filter::default(),
                    notify_empty: false,
                    shape,
                },
                &en(),
            )
        };
        let glance = day(Shape::Glance {
            top: 10,
            thread: true,
        });
        assert_eq!(glance.index, 1);
        assert_eq!(
            glance.opens_thread,
            Some((0, "Daily Papers — 2024-04-02".into()))
        );
        let index = glance.messages[0].content.as_deref().unwrap();
        assert!(
            index.starts_with("📰 **Daily Papers — 2024-04-02** · 30 papers · top 10 by votes"),
            "{index}"
        );
        // Ranked by votes: paper 29 has the most.
        assert!(
            index.contains(
                "**1.** [Paper 29 about diffusion](<https://arxiv.org/abs/2404.00029>) · 👍 29"
            ),
            "{index}"
        );
        assert!(glance.messages[0].embeds.is_empty());
        let cards: Vec<&str> = glance.messages[1..]
            .iter()
            .flat_map(|m| m.embeds.iter().map(|e| e.title.as_str()))
            .collect();
        assert_eq!(cards.len(), 30);
        assert_eq!(cards[0], "Paper 29 about diffusion");
        // The day is named once, in the index; the cards carry no header.
        assert!(glance.messages[1..].iter().all(|m| m.content.is_none()));
        // Without a thread (a forum's day post, a reply) the cards follow the index in place.
        let in_place = day(Shape::Glance {
            top: 10,
            thread: false,
        });
        assert_eq!(in_place.opens_thread, None);
        assert_eq!(in_place.messages.len(), glance.messages.len());
        assert!(in_place.messages[0]
            .content
            .as_deref()
            .unwrap()
            .ends_with("+20 more below ↓"));
        // The index alone points at the command that shows the rest.
        let alone = day(Shape::Index { top: 10 });
        assert_eq!((alone.messages.len(), alone.index), (1, 1));
        assert!(alone.messages[0]
            .content
            .as_deref()
            .unwrap()
            .ends_with("`/papers date day:2024-04-02`"));
        // The full layout is the cards under the header, ranked too.
        let full = day(Shape::Full);
        assert_eq!((full.index, full.opens_thread.clone()), (0, None));
        assert_eq!(full.messages[0].embeds[0].title, "Paper 29 about diffusion");
        assert_eq!(
            full.messages[0].content.as_deref(),
            Some("📰 **Daily Papers — 2024-04-02** · 30 papers")
        );
    }

    #[test]
    fn on_every_real_day_the_index_lists_the_top_ten_by_votes_on_one_screen() {
        use crate::render::screen::{rows, CONTENT_COLUMNS, MENU_ROWS, SCREEN_ROWS};
        for lang in [en(), "ko".parse().unwrap()] {
            for (name, papers) in crate::render::testing::fixture_days() {
                let dg = Digest {
                    date: d("2024-04-02"),
                    papers,
                };
                let shown = day_messages(
                    dg.date,
                    DayContent::Digest(&dg, None),
                    Reader::Channel {
                        filter: &Filter::default(),
                        notify_empty: false,
                        shape: Shape::Glance {
                            top: 10,
                            thread: true,
                        },
                    },
                    &lang,
                );
                assert_eq!(shown.index, 1, "{name}");
                let index = &shown.messages[0];
                let text = index.content.as_deref().unwrap();
                let screen = rows(text, CONTENT_COLUMNS) + MENU_ROWS;
                assert!(screen <= SCREEN_ROWS, "{name}: {screen} rows\n{text}");
                let listed = text.lines().filter(|l| l.starts_with("**")).count();
                assert_eq!(listed, dg.papers.len().min(10), "{name}");
                // The ten with the most votes, most first.
                let mut votes: Vec<u32> = dg.papers.iter().filter_map(|p| p.votes).collect();
                votes.sort_unstable_by(|a, b| b.cmp(a));
                let shown_votes: Vec<u32> = text
                    .lines()
                    .filter(|l| l.starts_with("**"))
                    .filter_map(|l| l.rsplit("👍 ").next()?.split(' ').next()?.parse().ok())
                    .collect();
                assert_eq!(
                    shown_votes,
                    votes
                        .iter()
                        .take(shown_votes.len())
                        .copied()
                        .collect::<Vec<_>>(),
                    "{name}"
                );
                crate::render::testing::assert_valid(&shown.messages);
            }
        }
    }
}
