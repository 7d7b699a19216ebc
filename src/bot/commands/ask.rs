//! `/papers ask question:[text] paper:[id or title] private:[bool]`: a question about a paper,
//! answered by the operator's model from the paper's own text, in the asker's language, right
//! where it was asked (in a paper's thread the paper is known; elsewhere `paper:` names it and
//! autocompletes). Works wherever `/papers` does: servers, the bot's DM, and user installs.
//!
//! This file is the Discord side: where the question was asked (a thread the ledger knows?),
//! which paper, in which language, the deferred reply. What is decided is in [`crate::ask`];
//! the question itself is answered by [`crate::ask::service::Asker`].

use poise::serenity_prelude as serenity;

use crate::ask::caps::{resets_at, Cap};
use crate::ask::reply::{answer_message, Answered};
use crate::ask::service::{AskFailure, Request};
use crate::ask::thread::{choose, suggestions, thread_papers, Choice, PaperRef, ThreadPapers};
use crate::bot::commands::context::{
    defer, discord_time, sanitize_inline, say_ephemeral, send_messages, user_error, Context, Error,
};
use crate::language::Language;
use crate::render::{normalise_arxiv_id, plain_line};
use crate::source::digest::arxiv_id_from_url;
use crate::t;

/// Papers listed when a thread holds several and the question names none.
const MAX_LISTED: usize = 10;
/// Days of papers `paper:` suggests before anything is typed.
const RECENT_DAYS: i64 = 7;

/// The language to answer in: the asker's Discord client's (`locale`, sent with every
/// interaction), else the one their `/alerts` speak, else the bot's.
async fn asker_language(ctx: Context<'_>) -> Language {
    if let Some(l) = ctx.locale().and_then(Language::from_discord_locale) {
        return l;
    }
    let data = ctx.data();
    match data.store.alert_user(ctx.author().id.get()).await {
        Ok(Some(u)) => u.language,
        Ok(None) => None,
        Err(e) => {
            tracing::warn!(error = %e, "could not read the person's language");
            None
        }
    }
    .unwrap_or_else(|| data.config.default_language())
}

/// Whether the command was run in a thread (Discord's partial channel of the interaction says
/// so: types 10, 11, 12).
fn in_thread(ctx: Context<'_>) -> bool {
    let poise::Context::Application(app) = ctx else {
        return false;
    };
    app.interaction.channel.as_ref().is_some_and(|c| {
        matches!(
            c.kind,
            serenity::ChannelType::PublicThread
                | serenity::ChannelType::PrivateThread
                | serenity::ChannelType::NewsThread
        )
    })
}

/// The papers of the thread the command runs in, as the ledger knows them.
async fn here(ctx: Context<'_>) -> Result<ThreadPapers, Error> {
    if !in_thread(ctx) {
        return Ok(ThreadPapers::None);
    }
    let ledger = ctx
        .data()
        .store
        .thread_ledger(ctx.channel_id().get())
        .await?;
    Ok(thread_papers(&ledger))
}

/// The arXiv id a person typed: an id (with or without version) or an arXiv / Hugging Face link.
fn typed_arxiv_id(text: &str) -> Option<String> {
    let text = text.trim();
    normalise_arxiv_id(text).or_else(|| arxiv_id_from_url(text))
}

/// The paper `paper:` names: an id or link, else the archive's best match for its words.
async fn resolve_paper(ctx: Context<'_>, text: &str, lang: &Language) -> Result<String, Error> {
    if let Some(id) = typed_arxiv_id(text) {
        return Ok(id);
    }
    let hits = ctx.data().store.search(text, None, 5).await?;
    hits.into_iter()
        .find_map(|h| h.paper.arxiv_id.as_deref().and_then(normalise_arxiv_id))
        .ok_or_else(|| user_error(t!(lang, "ask-paper-unknown", paper = sanitize_inline(text))))
}

/// "`2404.00399` · Title" lines for a reply.
fn listed(papers: &[PaperRef]) -> String {
    papers
        .iter()
        .take(MAX_LISTED)
        .map(|p| {
            let title = crate::render::outside_text(&p.title, 80);
            if title.is_empty() {
                format!("• `{}`", p.arxiv_id)
            } else {
                format!("• `{}` · {title}", p.arxiv_id)
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn failure_words(e: &AskFailure, lang: &Language, now: chrono::DateTime<chrono::Utc>) -> String {
    match e {
        AskFailure::Capped(cap) => {
            let key = match cap {
                Cap::Person => "ask-cap-person",
                Cap::Server => "ask-cap-server",
                Cap::Tokens => "ask-cap-tokens",
            };
            t!(lang, key, reset = discord_time(resets_at(now)))
        }
        AskFailure::NoText(_) => t!(lang, "ask-no-text"),
        AskFailure::Model(_) | AskFailure::Store(_) => t!(lang, "ask-model-failed"),
        AskFailure::Declined => t!(lang, "ask-declined"),
        AskFailure::Empty => t!(lang, "ask-empty"),
    }
}

/// Ask a question about a paper: answered from its text by this bot's model, in your language.
#[poise::command(slash_command)]
pub async fn ask(
    ctx: Context<'_>,
    #[description = "Your question about the paper"]
    #[max_length = 500]
    question: String,
    #[description = "The paper (arXiv id, link or title words); in a paper's thread, that paper"]
    #[autocomplete = "autocomplete_paper"]
    #[max_length = 200]
    paper: Option<String>,
    #[description = "Show the question and answer only to you"] private: Option<bool>,
) -> Result<(), Error> {
    let lang = asker_language(ctx).await;
    let data = ctx.data();
    let Some(asker) = data.asker.as_ref() else {
        let key = if data.config.summaries.is_none() {
            "ask-no-model"
        } else {
            "ask-off"
        };
        return say_ephemeral(ctx, t!(&lang, key)).await;
    };
    let question = question.trim();
    if question.is_empty() {
        return Err(user_error(t!(&lang, "ask-empty-question")));
    }
    let private = private.unwrap_or(false);
    // A model takes longer than Discord's 3 seconds.
    defer(ctx, private).await?;
    let thread = here(ctx).await?;
    let given = match paper.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        Some(text) => Some(resolve_paper(ctx, text, &lang).await?),
        None => None,
    };
    let channel_id = ctx.channel_id().get();
    let user_id = ctx.author().id.get();
    let last = data.store.last_asked(channel_id, user_id).await?;
    let arxiv_id = match choose(given, &thread, last.as_deref()) {
        Choice::Paper(id) => id,
        Choice::Which(papers) => {
            return Err(user_error(t!(
                &lang,
                "ask-which-paper",
                papers = listed(&papers)
            )))
        }
        Choice::NoPaper => return Err(user_error(t!(&lang, "ask-no-paper"))),
    };
    let title = match data.store.paper_by_arxiv_id(&arxiv_id).await? {
        Some((_, p)) => p.title,
        None => match thread.papers().into_iter().find(|p| p.arxiv_id == arxiv_id) {
            Some(p) => p.title,
            None => {
                return Err(user_error(t!(
                    &lang,
                    "ask-paper-unknown",
                    paper = sanitize_inline(&arxiv_id)
                )))
            }
        },
    };
    let request = Request {
        channel_id,
        guild_id: ctx.guild_id().map(|g| g.get()),
        user_id,
        arxiv_id: &arxiv_id,
        title: &title,
        question,
        language: lang.code(),
        private,
    };
    match asker.ask(&request).await {
        Ok(asked) => {
            let message = answer_message(
                &Answered {
                    arxiv_id: &arxiv_id,
                    title: &title,
                    question,
                    answer: &asked.answer,
                    kind: asked.kind,
                    model: asker.model(),
                },
                &lang,
            );
            send_messages(ctx, &[message], private).await
        }
        Err(AskFailure::Store(e)) => Err(e.into()),
        Err(e) => Err(user_error(failure_words(&e, &lang, data.clock.now()))),
    }
}

/// Suggests papers for `paper:`: the thread's own first, then the last days' (nothing typed, or
/// an id being typed) or the archive's matches for the words typed.
async fn autocomplete_paper(
    ctx: Context<'_>,
    partial: &str,
) -> serenity::CreateAutocompleteResponse {
    let data = ctx.data();
    let present = here(ctx).await.map(|t| t.papers()).unwrap_or_else(|e| {
        tracing::warn!(error = %e, "cannot read the thread's papers for suggestions");
        Vec::new()
    });
    let typed = partial.trim();
    let id_like = !typed.is_empty() && typed.chars().all(|c| c.is_ascii_digit() || c == '.');
    let found: Vec<PaperRef> = if typed.is_empty() || id_like {
        let since = if id_like {
            data.config.source.first_date
        } else {
            data.clock.now().date_naive() - chrono::Duration::days(RECENT_DAYS)
        };
        data.store
            .recent_papers(since, id_like.then_some(typed), 25)
            .await
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(_, p)| {
                Some(PaperRef {
                    arxiv_id: normalise_arxiv_id(p.arxiv_id.as_deref()?)?,
                    title: p.title,
                })
            })
            .collect()
    } else {
        data.store
            .search(typed, None, 25)
            .await
            .unwrap_or_default()
            .into_iter()
            .filter_map(|h| {
                Some(PaperRef {
                    arxiv_id: normalise_arxiv_id(h.paper.arxiv_id.as_deref()?)?,
                    title: h.paper.title,
                })
            })
            .collect()
    };
    let choices = suggestions(typed, &present, &found, 25)
        .into_iter()
        .map(|p| {
            let name = if p.title.trim().is_empty() {
                p.arxiv_id.clone()
            } else {
                plain_line(&format!("{} · {}", p.arxiv_id, p.title), 100)
            };
            serenity::AutocompleteChoice::new(name, p.arxiv_id)
        })
        .collect();
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typed_paper_is_an_id_or_a_link() {
        assert_eq!(
            typed_arxiv_id(" 2404.00399v2 ").as_deref(),
            Some("2404.00399")
        );
        assert_eq!(
            typed_arxiv_id("https://huggingface.co/papers/2404.00399").as_deref(),
            Some("2404.00399")
        );
        assert_eq!(typed_arxiv_id("Aurora-M multilingual"), None);
    }

    #[test]
    fn a_cap_is_said_with_when_it_resets() {
        let now = chrono::DateTime::parse_from_rfc3339("2024-04-02T12:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let en = Language::english();
        let words = failure_words(&AskFailure::Capped(Cap::Person), &en, now);
        assert!(words.contains("<t:1712102400:F>"), "{words}");
        let ko: Language = "ko".parse().unwrap();
        assert_ne!(
            failure_words(&AskFailure::Capped(Cap::Server), &ko, now),
            failure_words(&AskFailure::Capped(Cap::Server), &en, now)
        );
    }
}
