//! The one path from a day to messages: [`day_messages`].
//!
//! Why it exists: what a day looks like (which papers, the notice on a day with none, the
//! header, the packing, the caps) is decided once, here, for every reader: the daily post
//! (`deliver`), a person's alert DM (`deliver`), `/papers today|date|preview`
//! (`commands::read`) and `paperboy preview` (the CLI). Callers only choose the filter or the
//! matches; a reply then cuts what a reply may hold ([`super::reply`]), and the engine adds its
//! nonces, but neither decides again what the day contains.

use chrono::{DateTime, NaiveDate, Utc};

use super::alert::render_alert_with;
use super::digest::{empty_notice, render_digest_with, EmptyReason, RenderContext};
use super::digest::{machine_for, votes_as_of};
use super::paper::{Overlay, MIN_PAPERS_PER_MESSAGE};
use super::post::{day_thread_name, paper_post, PostHead};
use super::spec::MessageSpec;
use crate::language::Language;
use crate::select::filter::{Filter, Selected};
use crate::source::digest::Digest;

/// The most messages one channel gets for one day. A digest that would need more (only a broken
/// or hostile source produces one) is cut, with a warning: see [`MAX_PAPERS_PER_DAY`].
pub const MAX_MESSAGES_PER_DAY: usize = 100;

/// The most papers one channel gets for one day: with at least [`MIN_PAPERS_PER_MESSAGE`]
/// papers per message they fit in [`MAX_MESSAGES_PER_DAY`] messages.
pub const MAX_PAPERS_PER_DAY: usize = MAX_MESSAGES_PER_DAY * MIN_PAPERS_PER_MESSAGE;

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
    /// filter lets through, as a digest post; on a day with none, a short notice when
    /// `notify_empty`, otherwise nothing.
    Channel {
        filter: &'a Filter,
        notify_empty: bool,
    },
    /// A person's alert DM: the papers their terms matched (index into the digest, with the
    /// terms that hit), in one message; nothing on a day with none.
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
}

/// What a day looks like to `reader`: the papers selected, capped at [`MAX_PAPERS_PER_DAY`] (a
/// cut day says "N of M"), rendered and packed into at most [`MAX_MESSAGES_PER_DAY`] messages;
/// or, with nothing selected, the notice the reader asked for (see [`Reader`]). Everything the
/// bot writes around the papers is in `lang`, the reader's language.
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
    if capped {
        tracing::warn!(
            %date,
            papers = count,
            kept = MAX_PAPERS_PER_DAY,
            "the digest is far larger than any real day; posting only its first papers"
        );
        selected.truncate(MAX_PAPERS_PER_DAY);
    }
    let mut out = DayMessages {
        messages: Vec::new(),
        selected: count,
        in_digest: digest.papers.len(),
        empty: None,
        posts: Vec::new(),
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
    out.messages = match reader {
        Reader::Channel { filter, .. } => {
            let ctx = RenderContext {
                date,
                total_in_digest: digest.papers.len(),
                // A cut day says "N of M", so the header does not hide the cut.
                filtered: !filter.is_empty() || capped,
                votes_at,
                provisional,
            };
            render_digest_with(&ctx, &selected, overlay, lang)
        }
        Reader::Person { .. } => render_alert_with(
            date,
            digest.papers.len(),
            votes_at,
            &selected,
            overlay,
            lang,
        )
        .into_iter()
        .collect(),
        Reader::Forum { .. } => {
            // Each paper is a post of its own: the day's count is the forum's list itself, and
            // a post per paper is what was asked for, so no message cap but the papers' one.
            let note = votes_at.map(|t| votes_as_of(t, lang));
            let (posts, messages) = selected
                .iter()
                .map(|s| {
                    paper_post(
                        s,
                        date,
                        note.as_deref(),
                        machine_for(s.paper, overlay),
                        lang,
                    )
                })
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

/// The messages a channel gets for a day: [`day_messages`] for [`Reader::Channel`].
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
            assert!(m.embeds[0]
                .footer
                .contains("votes as of 2024-04-02 09:00 UTC"));
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
        assert_eq!(titles, forum_titles);

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
        assert!(
            embed
                .footer
                .ends_with("· 2024년 4월 2일 09:00 UTC 기준 추천 수"),
            "{}",
            embed.footer
        );
        let growing = day_messages(
            date,
            DayContent::Growing(&dg, at),
            Reader::Channel {
                filter: &Filter::default(),
                notify_empty: true,
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
        assert!(text.contains("그 밖에 맞는 논문:"), "{text}");
        let fields: Vec<&str> = dm[0].embeds[0]
            .fields
            .iter()
            .map(|f| f.name.as_str())
            .collect();
        assert_eq!(fields, ["👍 추천", "🔎 일치", "저자"]);
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
}
