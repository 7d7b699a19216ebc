//! A person's DM "for you": their matches in the order their reading list gave them, up to a
//! few recommended papers no term matched (each saying which saved paper it is close to), a
//! line for each saved paper that gained its code, a project page, models or datasets, and a
//! "Not for me…" menu under the recommendations. Also the same section for the week's
//! reading-list DM.
//!
//! Why apart from [`super::alert`]: it is the same one message in the same layout (the alert
//! DM's [`super::alert::dm_of_sections`]: header, index, cards), with more in it: what to say
//! around a person's ranking lives here, how a DM looks lives there. Every title, name and URL here is untrusted text
//! (digests, reading lists, Hugging Face) and goes through the same sanitising as everything
//! else: one line, Markdown escaped, mentions defused, URLs checked and escaped.

use chrono::{DateTime, NaiveDate, Utc};

use super::alert::{dm_of_sections, matched_tag, DmDay};
use super::dates::date_text;
use super::index::{Entry, Section};
use super::limits::{MAX_CONTENT_CHARS, MAX_EMBEDS_PER_MESSAGE, MAX_EMBED_CHARS_PER_MESSAGE};
use super::paper::{link_url, Overlay, EMBED_COLOR};
use super::sanitise::{chars, escape_markdown, one_line, truncate_chars};
use super::save_menu::{
    SelectOption, SelectSpec, MAX_OPTION_DESCRIPTION_CHARS, MAX_OPTION_LABEL_CHARS,
    MAX_PLACEHOLDER_CHARS,
};
use super::spec::{EmbedSpec, FieldSpec, MessageSpec};
use crate::language::Language;
use crate::select::filter::Selected;
use crate::select::for_you::followup::{FollowUp, Kind};
use crate::source::digest::Paper;
use crate::t;

/// The `custom_id` of the "Not for me…" menu. Versioned, like the save menu's, so a later
/// format can tell old DMs apart; each option's value is the paper's arXiv id.
pub const NOT_FOR_ME_ID: &str = "pb:nfm:v1";
/// Characters of a saved paper's title in a "why".
const WHY_TITLE_CHARS: usize = 70;
/// Characters of a saved paper's title in a follow-up line.
const FOLLOWUP_TITLE_CHARS: usize = 60;
/// A follow-up's URL longer than this (escaped) links to the paper's Hugging Face page instead.
const FOLLOWUP_URL_CHARS: usize = 150;

/// A match, with the saved paper it is close to.
#[derive(Debug, Clone)]
pub struct RankedMatch<'a> {
    pub selected: Selected<'a>,
    pub close_to: Option<String>,
}

/// A paper no term matched, and the saved paper it is close to.
#[derive(Debug, Clone, Copy)]
pub struct Recommended<'a> {
    pub paper: &'a Paper,
    pub close_to: &'a str,
}

/// "close to *Title*", the title on one line, cut and escaped.
fn why(title: &str, lang: &Language) -> String {
    t!(
        lang,
        "for-you-close-to",
        title = escape_markdown(&truncate_chars(&one_line(title), WHY_TITLE_CHARS))
    )
}

/// One follow-up as a line of content, at most ~300 characters whatever the paper says.
pub fn followup_line(f: &FollowUp, lang: &Language) -> String {
    let title = escape_markdown(&truncate_chars(&one_line(&f.title), FOLLOWUP_TITLE_CHARS));
    let page = format!("https://huggingface.co/papers/{}", f.arxiv_id);
    let link = |url: Option<&String>| -> String {
        url.and_then(|u| link_url(u))
            .filter(|u| chars(u) <= FOLLOWUP_URL_CHARS)
            .unwrap_or_else(|| page.clone())
    };
    let hub = |kind: &str, name: Option<&String>| -> (String, String) {
        match name {
            Some(n) => (
                escape_markdown(&one_line(n)),
                format!("https://huggingface.co/{kind}{n}"),
            ),
            None => (f.arxiv_id.clone(), page.clone()),
        }
    };
    match f.kind {
        Kind::Code => t!(
            lang,
            "for-you-followup-code",
            title = title,
            url = link(f.links.code.as_ref())
        ),
        Kind::Project => t!(
            lang,
            "for-you-followup-project",
            title = title,
            url = link(f.links.project.as_ref())
        ),
        Kind::Models => {
            let (name, url) = hub("", f.links.model.as_ref());
            t!(
                lang,
                "for-you-followup-models",
                title = title,
                count = f.links.models,
                name = name,
                url = url
            )
        }
        Kind::Datasets => {
            let (name, url) = hub("datasets/", f.links.dataset.as_ref());
            t!(
                lang,
                "for-you-followup-datasets",
                title = title,
                count = f.links.datasets,
                name = name,
                url = url
            )
        }
    }
}

/// The "Not for me…" menu for `papers` (those with an arXiv id); `None` when none has one.
pub fn not_for_me_menu(papers: &[&Paper], lang: &Language) -> Option<SelectSpec> {
    let mut options: Vec<SelectOption> = Vec::new();
    for p in papers {
        let Some(id) = p
            .arxiv_id
            .as_deref()
            .and_then(super::save_menu::normalise_arxiv_id)
        else {
            continue;
        };
        if options.iter().any(|o| o.value == id) {
            continue;
        }
        let title = one_line(&p.title);
        options.push(SelectOption {
            label: if title.trim().is_empty() {
                id.clone()
            } else {
                truncate_chars(&title, MAX_OPTION_LABEL_CHARS)
            },
            description: truncate_chars(
                &t!(lang, "for-you-not-for-me-option", id = id.clone()),
                MAX_OPTION_DESCRIPTION_CHARS,
            ),
            value: id,
        });
    }
    (!options.is_empty()).then(|| SelectSpec {
        custom_id: NOT_FOR_ME_ID.to_string(),
        placeholder: truncate_chars(
            &t!(lang, "for-you-not-for-me-placeholder"),
            MAX_PLACEHOLDER_CHARS,
        ),
        options,
    })
}

/// What one "for you" DM holds.
#[derive(Debug, Clone)]
pub struct ForYouDay<'a> {
    pub date: NaiveDate,
    pub total_in_digest: usize,
    pub votes_at: Option<DateTime<Utc>>,
    /// Whether the matches are in reading-list order (the list was long enough to rank by).
    pub ranked: bool,
    pub matches: &'a [RankedMatch<'a>],
    pub recommended: &'a [Recommended<'a>],
    pub followups: &'a [FollowUp],
    pub overlay: Option<&'a Overlay>,
}

/// The DM: one message, or `None` when there is nothing to say. It is the alert DM's layout
/// ([`super::alert::dm_of_sections`]): the header, the news of saved papers, the index (the
/// matches in the order given, each with the saved paper it is close to as its short line;
/// then the recommendations under their own heading) and the first entries' cards, each with
/// its "why" as a field. Its menu is "Not for me…" for the recommendations when there are any
/// (one menu a message), else the save menu.
pub fn render_for_you(day: &ForYouDay<'_>, lang: &Language) -> Option<MessageSpec> {
    if day.matches.is_empty() && day.recommended.is_empty() && day.followups.is_empty() {
        return None;
    }
    let date = date_text(day.date, lang);
    let mut header = if !day.matches.is_empty() {
        t!(
            lang,
            "alert-header",
            date = date,
            count = day.matches.len(),
            total = day.total_in_digest
        )
    } else if !day.recommended.is_empty() {
        t!(
            lang,
            "for-you-header",
            date = date,
            count = day.recommended.len()
        )
    } else {
        t!(lang, "for-you-followups-header", date = date)
    };
    if day.ranked && day.matches.len() > 1 {
        header.push('\n');
        header.push_str(&t!(lang, "for-you-ordered"));
    }
    let close = |title: &str| t!(lang, "for-you-close-to-plain", title = one_line(title));
    let matches: Vec<Entry<'_>> = day
        .matches
        .iter()
        .map(|m| Entry {
            tag: matched_tag(&m.selected.matched),
            why: m.close_to.as_deref().map(close),
            ..Entry::new(m.selected.paper, m.selected.matched.clone())
        })
        .collect();
    let recommended: Vec<Entry<'_>> = day
        .recommended
        .iter()
        .map(|r| Entry {
            why: Some(close(r.close_to)),
            ..Entry::new(r.paper, Vec::new())
        })
        .collect();
    let mut sections = Vec::new();
    let recs = recommended.len();
    if !matches.is_empty() {
        sections.push(Section {
            heading: None,
            entries: matches,
        });
    }
    if recs > 0 {
        sections.push(Section {
            heading: (!sections.is_empty())
                .then(|| t!(lang, "for-you-recommended-intro", count = recs)),
            entries: recommended,
        });
    }
    let rec_section = sections.len().checked_sub(1).filter(|_| recs > 0);
    let news: Vec<String> = day
        .followups
        .iter()
        .map(|f| followup_line(f, lang))
        .collect();
    let field = |section: usize, e: &Entry<'_>| -> Option<FieldSpec> {
        let is_rec = Some(section) == rec_section;
        let close_to = if is_rec {
            day.recommended
                .iter()
                .find(|r| std::ptr::eq(r.paper, e.paper))?
                .close_to
        } else {
            day.matches
                .iter()
                .find(|m| std::ptr::eq(m.selected.paper, e.paper))?
                .close_to
                .as_deref()?
        };
        let name = if is_rec {
            "for-you-why-recommended"
        } else {
            "for-you-why-match"
        };
        Some(FieldSpec {
            name: t!(lang, name),
            value: why(close_to, lang),
            inline: false,
        })
    };
    let mut message = dm_of_sections(
        header,
        DmDay {
            date: day.date,
            votes_at: day.votes_at,
            overlay: day.overlay,
        },
        sections,
        &news,
        &field,
        lang,
    )?;
    let recommended: Vec<&Paper> = day.recommended.iter().map(|r| r.paper).collect();
    if let Some(menu) = not_for_me_menu(&recommended, lang) {
        message.menu = Some(menu);
    }
    Some(message)
}

/// The week's reading-list DM with its "for you" part: an embed of the week's papers closest
/// to the list (each linked, with its "why"), the follow-up lines in the content, and the "Not
/// for me…" menu. Nothing changes when there is neither.
pub fn add_for_you_to_weekly(
    message: &mut MessageSpec,
    recommended: &[Recommended<'_>],
    followups: &[FollowUp],
    lang: &Language,
) {
    let mut text = message.content.take().unwrap_or_default();
    for f in followups {
        let line = format!("\n{}", followup_line(f, lang));
        if chars(&text) + chars(&line) > MAX_CONTENT_CHARS {
            break;
        }
        text.push_str(&line);
    }
    message.content = (!text.is_empty()).then_some(text);
    if recommended.is_empty() || message.embeds.len() >= MAX_EMBEDS_PER_MESSAGE {
        return;
    }
    let entries: Vec<String> = recommended
        .iter()
        .map(|r| {
            let title = escape_markdown(&truncate_chars(&one_line(&r.paper.title), 120));
            let url = r.paper.url.as_deref().and_then(link_url).or_else(|| {
                r.paper
                    .arxiv_id
                    .as_deref()
                    .map(|id| format!("https://arxiv.org/abs/{}", one_line(id)))
                    .and_then(|u| link_url(&u))
            });
            let head = match url {
                Some(u) => format!("**[{title}]({u})**"),
                None => format!("**{title}**"),
            };
            format!("{head}\n{}", why(r.close_to, lang))
        })
        .collect();
    let used: usize = message.embeds.iter().map(EmbedSpec::char_count).sum();
    let room = MAX_EMBED_CHARS_PER_MESSAGE.saturating_sub(used + 100);
    let mut description = String::new();
    let mut shown = Vec::new();
    for (e, r) in entries.iter().zip(recommended) {
        let sep = if description.is_empty() { "" } else { "\n\n" };
        if chars(&description) + chars(sep) + chars(e)
            > room.min(super::limits::MAX_DESCRIPTION_CHARS)
        {
            break;
        }
        description.push_str(sep);
        description.push_str(e);
        shown.push(r.paper);
    }
    if shown.is_empty() {
        return;
    }
    message.embeds.push(
        EmbedSpec {
            title: t!(lang, "for-you-weekly-title", count = shown.len()),
            url: None,
            description,
            thumbnail: None,
            fields: Vec::new(),
            footer: t!(lang, "for-you-weekly-footer"),
            color: Some(EMBED_COLOR),
            author: None,
            timestamp: None,
        }
        .fit_limits(),
    );
    if message.menu.is_none() {
        message.menu = not_for_me_menu(&shown, lang);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::testing::*;
    use crate::select::for_you::followup::Links;

    fn en() -> Language {
        Language::english()
    }

    fn numbered(i: usize, title: &str) -> Paper {
        Paper {
            title: title.into(),
            arxiv_id: Some(format!("2404.{i:05}")),
            url: Some(format!("https://arxiv.org/abs/2404.{i:05}")),
            bullets: vec![korean(900), korean(900)],
            votes: Some(i as u32),
            ..Default::default()
        }
    }

    fn followup(kind: Kind, title: &str, links: Links) -> FollowUp {
        FollowUp {
            arxiv_id: "2403.01234".into(),
            title: title.into(),
            kind,
            links,
        }
    }

    fn field<'a>(e: &'a EmbedSpec, name: &str) -> Option<&'a str> {
        e.fields
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.value.as_str())
    }

    #[test]
    fn a_for_you_dm_shows_the_order_the_why_the_recommendations_and_the_news() {
        let papers: Vec<Paper> = (0..14)
            .map(|i| numbered(i, &format!("Paper {i}")))
            .collect();
        let matches: Vec<RankedMatch> = papers[..9]
            .iter()
            .enumerate()
            .map(|(i, p)| RankedMatch {
                selected: Selected {
                    paper: p,
                    matched: vec!["llm".into()],
                },
                close_to: (i == 0).then(|| "Saved *one* @everyone".to_string()),
            })
            .collect();
        let recommended: Vec<Recommended> = papers[9..12]
            .iter()
            .map(|p| Recommended {
                paper: p,
                close_to: "Latent video diffusion",
            })
            .collect();
        let news = [followup(
            Kind::Code,
            "Medusa",
            Links {
                code: Some("https://github.com/a/medusa".into()),
                ..Links::default()
            },
        )];
        let day = ForYouDay {
            date: date(),
            total_in_digest: 68,
            votes_at: None,
            ranked: true,
            matches: &matches,
            recommended: &recommended,
            followups: &news,
            overlay: None,
        };
        let m = render_for_you(&day, &en()).unwrap();
        assert_valid(std::slice::from_ref(&m));
        // Seven matches and the three recommendations, last.
        assert_eq!(m.embeds.len(), MAX_EMBEDS_PER_MESSAGE);
        let titles: Vec<&str> = m.embeds.iter().map(|e| e.title.as_str()).collect();
        assert_eq!(&titles[..2], ["Paper 0", "Paper 1"]);
        assert_eq!(&titles[7..], ["Paper 9", "Paper 10", "Paper 11"]);
        // The why, escaped and defused; a match without one has none.
        let why0 = field(&m.embeds[0], "✨ Close to what you saved").unwrap();
        assert!(
            why0.contains("close to *Saved \\*one\\* @\u{200B}everyone*"),
            "{why0}"
        );
        assert_eq!(field(&m.embeds[1], "✨ Close to what you saved"), None);
        for e in &m.embeds[7..] {
            assert_eq!(
                field(e, "✨ For you: no term matched"),
                Some("close to *Latent video diffusion*")
            );
            assert_eq!(field(e, "🔎 Matched"), None);
        }
        let content = m.content.as_deref().unwrap();
        assert!(content.contains("9 of 68 papers match"), "{content}");
        assert!(
            content.contains("Closest to your reading list first"),
            "{content}"
        );
        assert!(
            content.contains("The last 3 papers matched no term"),
            "{content}"
        );
        assert!(
            content.contains("🔔 **Medusa** now has its code: <https://github.com/a/medusa>"),
            "{content}"
        );
        // The two matches with no room for an embed are listed as links.
        assert!(
            content.contains("[Paper 7](<https://arxiv.org/abs/2404.00007>)"),
            "{content}"
        );
        assert!(content.contains("[Paper 8]"), "{content}");
        // "Not for me…" offers exactly the recommendations, by arXiv id.
        let menu = m.menu.as_ref().unwrap();
        assert_eq!(menu.custom_id, NOT_FOR_ME_ID);
        let values: Vec<&str> = menu.options.iter().map(|o| o.value.as_str()).collect();
        assert_eq!(values, ["2404.00009", "2404.00010", "2404.00011"]);
        assert_eq!(menu.options[0].label, "Paper 9");
        assert_eq!(menu.placeholder, "👎 Not for me…");
    }

    #[test]
    fn recommendations_or_news_alone_make_a_dm_and_nothing_makes_none() {
        let p = numbered(3, "Only recommended");
        let recommended = [Recommended {
            paper: &p,
            close_to: "X",
        }];
        let base = ForYouDay {
            date: date(),
            total_in_digest: 12,
            votes_at: None,
            ranked: true,
            matches: &[],
            recommended: &[],
            followups: &[],
            overlay: None,
        };
        assert!(render_for_you(&base, &en()).is_none());
        let m = render_for_you(
            &ForYouDay {
                recommended: &recommended,
                ..base.clone()
            },
            &en(),
        )
        .unwrap();
        let content = m.content.unwrap();
        assert!(
            content.contains("no paper matched your terms; one is close"),
            "{content}"
        );
        assert!(!content.contains("The last"), "{content}");
        assert_eq!(m.embeds.len(), 1);
        let news = [followup(
            Kind::Models,
            "A saved paper",
            Links {
                models: 2,
                model: Some("org/model-1".into()),
                ..Links::default()
            },
        )];
        let m = render_for_you(
            &ForYouDay {
                followups: &news,
                ..base
            },
            &en(),
        )
        .unwrap();
        assert!(m.embeds.is_empty() && m.menu.is_none());
        let content = m.content.unwrap();
        assert!(
            content.starts_with("🔔 **News of papers you saved — 2024-04-02**"),
            "{content}"
        );
        assert!(
            content.contains("2 models on Hugging Face cite it, such as [org/model-1](<https://huggingface.co/org/model-1>)"),
            "{content}"
        );
    }

    #[test]
    fn hostile_titles_and_links_stay_inside_their_lines_and_the_limits() {
        let hostile = "@everyone **x** [click](https://evil) <@123> ".repeat(30);
        let papers: Vec<Paper> = (0..3).map(|i| numbered(i, &hostile)).collect();
        let matches: Vec<RankedMatch> = papers
            .iter()
            .map(|p| RankedMatch {
                selected: Selected {
                    paper: p,
                    matched: vec![],
                },
                close_to: Some(hostile.clone()),
            })
            .collect();
        let news: Vec<FollowUp> = Kind::ALL
            .iter()
            .map(|k| {
                followup(
                    *k,
                    &hostile,
                    Links {
                        code: Some(format!("https://github.com/a/b?{}", "x)".repeat(200))),
                        project: Some("https://a.io/)[x](https://evil".into()),
                        models: 1,
                        model: Some("org/m".into()),
                        datasets: 1,
                        dataset: None,
                    },
                )
            })
            .collect();
        let day = ForYouDay {
            date: date(),
            total_in_digest: 3,
            votes_at: None,
            ranked: true,
            matches: &matches,
            recommended: &[],
            followups: &news,
            overlay: None,
        };
        let m = render_for_you(&day, &en()).unwrap();
        assert_valid(std::slice::from_ref(&m));
        let content = m.content.unwrap();
        assert!(chars(&content) <= MAX_CONTENT_CHARS);
        assert!(
            !content.contains("@everyone") && !content.contains("<@1"),
            "{content}"
        );
        assert!(!content.contains("[click](https://evil)"), "{content}");
        // A URL too long to show links to the paper's page; a URL with brackets is escaped.
        assert!(
            content.contains("<https://huggingface.co/papers/2403.01234>"),
            "{content}"
        );
        assert!(
            content.contains("https://a.io/%29%5Bx%5D%28https://evil"),
            "{content}"
        );
        // A dataset without a name links to the paper's page.
        assert!(
            content.contains("[2403.01234](<https://huggingface.co/papers/2403.01234>)"),
            "{content}"
        );
        for line in content.lines().filter(|l| l.starts_with("🔔")) {
            assert!(chars(line) <= 300, "{line}");
        }
    }

    #[test]
    fn the_weekly_reading_list_gets_its_for_you_part() {
        let p = numbered(5, "Close one");
        let mut weekly = MessageSpec {
            content: Some("🔖 Your reading list this week.".into()),
            embeds: vec![embed_of(100)],
            menu: None,
        };
        let recs = [Recommended {
            paper: &p,
            close_to: "Saved paper",
        }];
        let news = [followup(
            Kind::Project,
            "Medusa",
            Links {
                project: Some("https://medusa.github.io".into()),
                ..Links::default()
            },
        )];
        add_for_you_to_weekly(&mut weekly, &recs, &news, &en());
        assert_valid(std::slice::from_ref(&weekly));
        assert_eq!(weekly.embeds.len(), 2);
        let e = &weekly.embeds[1];
        assert_eq!(e.title, "✨ For you this week: a paper close to your list");
        assert!(
            e.description.starts_with(
                "**[Close one](https://arxiv.org/abs/2404.00005)**\nclose to *Saved paper*"
            ),
            "{}",
            e.description
        );
        let content = weekly.content.as_deref().unwrap();
        assert!(
            content.ends_with("now has a project page: <https://medusa.github.io>"),
            "{content}"
        );
        assert_eq!(weekly.menu.as_ref().unwrap().options[0].value, "2404.00005");
        // Nothing to add changes nothing.
        let mut plain = MessageSpec {
            content: Some("x".into()),
            embeds: vec![],
            menu: None,
        };
        add_for_you_to_weekly(&mut plain, &[], &[], &en());
        assert_eq!(
            (plain.content.as_deref(), plain.embeds.len()),
            (Some("x"), 0)
        );
    }
}
