//! A person's reading list: saving a paper from a post's "🔖 Save…" menu
//! ([`on_save_choice`]), and `/papers saved list|remove|export|clear`. Everything answers the
//! person alone (ephemeral) and touches their own list only; no permission is needed.

use poise::serenity_prelude as serenity;
use poise::CreateReply;

use crate::bot::commands::context::{
    no_mentions, sanitize_inline, say_ephemeral, user_error, Context, Data, Error,
};
use crate::language::Language;
use crate::render::reading_list::{export, page};
use crate::render::{normalise_arxiv_id, option_snapshot, outside_text, SAVE_MENU_ID};
use crate::source::digest::arxiv_id_from_url;
use crate::store::{SaveOutcome, SavedPaper, MAX_SAVED_PAPERS};

/// The language a person's own replies are in: the one they chose for their alerts, else their
/// Discord client's (`locale`), else the bot's.
pub async fn person_language(data: &Data, user_id: u64, locale: &str) -> Language {
    let chosen = match data.store.alert_user(user_id).await {
        Ok(user) => user.and_then(|u| u.language),
        Err(e) => {
            tracing::warn!(error = %e, "could not read the person's language; using their client's");
            None
        }
    };
    chosen
        .or_else(|| Language::from_discord_locale(locale))
        .unwrap_or_else(|| data.config.default_language())
}

/// [`person_language`] of the command's author.
pub async fn author_language(ctx: Context<'_>) -> Language {
    person_language(
        ctx.data(),
        ctx.author().id.get(),
        ctx.locale().unwrap_or("en-US"),
    )
    .await
}

/// Characters of a title echoed in a confirmation.
const ECHO_TITLE_CHARS: usize = 120;

/// What saving a paper from a menu comes to, before anything is stored: what to snapshot, or
/// why it cannot be saved. Pure, so each case is tested without Discord.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveChoice {
    /// Save this snapshot.
    Save(SavedPaper),
    /// The choice names no paper paperboy can identify (not an arXiv id, or neither the archive
    /// nor the message knows it).
    Unknown(String),
}

/// Decides what a choice of `value` in a save menu saves: the archive's copy of the paper when
/// it has one (title, authors, day), else what the clicked message's menu showed (its label and
/// description), else nothing. `archived` is the archive's answer for the normalised id.
pub fn decide_save(
    value: &str,
    archived: Option<(chrono::NaiveDate, crate::source::digest::Paper)>,
    message_components: &serde_json::Value,
    now: chrono::DateTime<chrono::Utc>,
) -> SaveChoice {
    let Some(id) = normalise_arxiv_id(value) else {
        return SaveChoice::Unknown(value.chars().take(40).collect());
    };
    if let Some((date, paper)) = archived {
        return SaveChoice::Save(SavedPaper {
            arxiv_id: id,
            title: paper.title,
            authors: paper.authors,
            digest_date: Some(date),
            saved_at: now,
        });
    }
    match option_snapshot(message_components, value) {
        Some(snap) => SaveChoice::Save(SavedPaper {
            arxiv_id: id,
            title: snap.title,
            authors: snap.authors,
            digest_date: None,
            saved_at: now,
        }),
        None => SaveChoice::Unknown(id),
    }
}

/// Answers a choice in a post's "🔖 Save…" menu: saves the paper to the chooser's list and
/// says so, only to them. The menu's ids carry everything (see `render::save_menu`), so a
/// months-old post works after restarts and on any process sharing the database.
#[tracing::instrument(skip_all, fields(user_id = %interaction.user.id, channel_id = %interaction.channel_id))]
pub async fn on_save_choice(
    ctx: &serenity::Context,
    interaction: &serenity::ComponentInteraction,
    data: &Data,
) -> Result<(), Error> {
    let value = super::context::chosen(interaction);
    let user_id = interaction.user.id.get();
    let archived = match normalise_arxiv_id(&value) {
        Some(id) => data.store.paper_by_arxiv_id(&id).await?,
        None => None,
    };
    let components = serde_json::to_value(&interaction.message.components)?;
    let lang = person_language(data, user_id, &interaction.locale).await;
    let text = match decide_save(&value, archived, &components, data.clock.now()) {
        SaveChoice::Unknown(what) => {
            tracing::info!(value = %what, "a save menu named a paper paperboy does not know");
            crate::t!(&lang, "saved-unknown", id = sanitize_inline(&what))
        }
        SaveChoice::Save(paper) => {
            let title = outside_text(&paper.title, ECHO_TITLE_CHARS);
            match data.store.save_paper(user_id, &paper).await? {
                SaveOutcome::Saved => {
                    let n = data.store.saved_count(user_id).await?;
                    tracing::info!(arxiv_id = %paper.arxiv_id, saved = n, "paper saved");
                    crate::t!(&lang, "saved-saved", title = title, count = n)
                }
                SaveOutcome::AlreadySaved => crate::t!(&lang, "saved-already", title = title),
                SaveOutcome::Full => crate::t!(&lang, "saved-full", limit = MAX_SAVED_PAPERS),
            }
        }
    };
    super::context::answer_privately(ctx, interaction, text).await
}

/// Get your reading list by DM every Saturday at your alerts' hour (or stop it).
#[poise::command(slash_command)]
pub async fn saved_weekly(
    ctx: Context<'_>,
    #[description = "True: a weekly DM of your saved papers; False: none"] enabled: bool,
) -> Result<(), Error> {
    let lang = author_language(ctx).await;
    let user_id = ctx.author().id.get();
    if !ctx.data().store.set_weekly_saved(user_id, enabled).await? {
        return Err(user_error(crate::t!(&lang, "alerts-saved-weekly-none")));
    }
    tracing::info!(user_id, enabled, "weekly reading-list DM set");
    let key = if enabled {
        "alerts-saved-weekly-on"
    } else {
        "alerts-saved-weekly-off"
    };
    say_ephemeral(ctx, crate::t!(&lang, key)).await
}

/// Whether a component interaction is a choice in a save menu.
pub fn is_save_choice(interaction: &serenity::ComponentInteraction) -> bool {
    interaction.data.custom_id == SAVE_MENU_ID
}

/// Your reading list: papers you saved with a post's 🔖 Save… menu.
#[poise::command(
    slash_command,
    subcommands("list", "remove", "export", "clear"),
    subcommand_required
)]
pub async fn saved(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Your saved papers, newest first, with their links (only you see this).
#[poise::command(slash_command)]
pub async fn list(
    ctx: Context<'_>,
    #[description = "Which page (10 papers a page)"]
    #[min = 1]
    #[max = 100]
    page: Option<u32>,
) -> Result<(), Error> {
    let data = ctx.data();
    let user_id = ctx.author().id.get();
    let lang = author_language(ctx).await;
    let total = data.store.saved_count(user_id).await?;
    if total == 0 {
        return say_ephemeral(ctx, crate::t!(&lang, "saved-empty")).await;
    }
    let pages = page::page_count(total);
    let shown = (page.unwrap_or(1).max(1) as usize).min(pages);
    let offset = (shown - 1) * page::PAGE_SIZE;
    let papers = data
        .store
        .saved_papers(user_id, offset, page::PAGE_SIZE)
        .await?;
    let embed = page::page_embed(
        &papers,
        offset + 1,
        &crate::t!(&lang, "saved-list-title", count = total),
        &crate::t!(&lang, "saved-list-footer", page = shown, pages = pages),
        &lang,
    );
    ctx.send(
        CreateReply::default()
            .embed(embed.to_create_embed())
            .ephemeral(true)
            .allowed_mentions(no_mentions()),
    )
    .await?;
    Ok(())
}

/// Suggests the person's own saved papers (newest first) by id or title.
async fn autocomplete_saved(
    ctx: Context<'_>,
    partial: &str,
) -> serenity::CreateAutocompleteResponse {
    let user_id = ctx.author().id.get();
    let papers = ctx
        .data()
        .store
        .saved_papers(user_id, 0, MAX_SAVED_PAPERS)
        .await
        .unwrap_or_default();
    let needle = partial.trim().to_lowercase();
    let choices = papers
        .into_iter()
        .filter(|p| {
            needle.is_empty()
                || p.arxiv_id.contains(&needle)
                || p.title.to_lowercase().contains(&needle)
        })
        .take(25)
        .map(|p| {
            let name = crate::render::truncate_chars(
                &crate::render::plain_line(&format!("{} · {}", p.arxiv_id, p.title), 100),
                100,
            );
            serenity::AutocompleteChoice::new(name, p.arxiv_id)
        })
        .collect();
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}

/// The arXiv id a person typed: an id (with or without version) or an arXiv / Hugging Face link.
fn typed_arxiv_id(text: &str) -> Option<String> {
    normalise_arxiv_id(text).or_else(|| arxiv_id_from_url(text.trim()))
}

/// Remove one paper from your reading list.
#[poise::command(slash_command)]
pub async fn remove(
    ctx: Context<'_>,
    #[description = "The paper: its arXiv id (e.g. 2404.00399) or link"]
    #[autocomplete = "autocomplete_saved"]
    #[max_length = 200]
    paper: String,
) -> Result<(), Error> {
    let lang = author_language(ctx).await;
    let Some(id) = typed_arxiv_id(&paper) else {
        return Err(user_error(crate::t!(
            &lang,
            "saved-not-an-id",
            text = sanitize_inline(&paper)
        )));
    };
    let data = ctx.data();
    let user_id = ctx.author().id.get();
    if !data.store.remove_saved(user_id, &id).await? {
        return Err(user_error(crate::t!(&lang, "saved-not-saved", id = id)));
    }
    let left = data.store.saved_count(user_id).await?;
    say_ephemeral(ctx, crate::t!(&lang, "saved-removed", id = id, left = left)).await
}

/// How to export the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, poise::ChoiceParameter)]
pub enum ExportFormat {
    #[name = "BibTeX"]
    Bibtex,
    #[name = "Links"]
    Links,
}

/// Your reading list as a file: BibTeX entries, or links (only you see it).
#[poise::command(slash_command)]
pub async fn export(
    ctx: Context<'_>,
    #[description = "BibTeX (default) or a list of links"] format: Option<ExportFormat>,
) -> Result<(), Error> {
    let data = ctx.data();
    let user_id = ctx.author().id.get();
    let lang = author_language(ctx).await;
    let papers = data
        .store
        .saved_papers(user_id, 0, MAX_SAVED_PAPERS)
        .await?;
    if papers.is_empty() {
        return say_ephemeral(ctx, crate::t!(&lang, "saved-export-empty")).await;
    }
    let format = format.unwrap_or(ExportFormat::Bibtex);
    let (file, name) = match format {
        ExportFormat::Bibtex => (export::bibtex(&papers), "reading-list.bib"),
        ExportFormat::Links => (export::link_list(&papers), "reading-list.txt"),
    };
    ctx.send(
        CreateReply::default()
            .content(crate::t!(&lang, "saved-export", count = papers.len()))
            .attachment(serenity::CreateAttachment::bytes(file.into_bytes(), name))
            .ephemeral(true)
            .allowed_mentions(no_mentions()),
    )
    .await?;
    Ok(())
}

/// Delete your whole reading list.
#[poise::command(slash_command)]
pub async fn clear(ctx: Context<'_>) -> Result<(), Error> {
    let lang = author_language(ctx).await;
    let n = ctx.data().store.clear_saved(ctx.author().id.get()).await?;
    say_ephemeral(ctx, crate::t!(&lang, "saved-cleared", count = n)).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, Utc};
    use serde_json::json;

    fn menu_message() -> serde_json::Value {
        let paper = crate::source::digest::Paper {
            title: "From the post".into(),
            arxiv_id: Some("2404.00399".into()),
            authors: vec!["Tri Dao".into()],
            ..Default::default()
        };
        let menu = crate::render::save_menu(&[&paper], "🔖").unwrap();
        json!([serde_json::to_value(menu.to_action_row()).unwrap()])
    }

    #[test]
    fn a_save_takes_the_archive_first_then_the_message_else_says_unknown() {
        let now = Utc::now();
        let day = NaiveDate::from_ymd_opt(2024, 4, 2).unwrap();
        let archived = crate::source::digest::Paper {
            title: "From the archive".into(),
            authors: vec!["A".into(), "B".into()],
            ..Default::default()
        };
        let SaveChoice::Save(p) =
            decide_save("2404.00399", Some((day, archived)), &menu_message(), now)
        else {
            panic!()
        };
        assert_eq!(
            (p.title.as_str(), p.digest_date),
            ("From the archive", Some(day))
        );
        assert_eq!(p.authors, ["A", "B"]);
        let SaveChoice::Save(p) = decide_save("2404.00399", None, &menu_message(), now) else {
            panic!()
        };
        assert_eq!((p.title.as_str(), p.digest_date), ("From the post", None));
        assert_eq!(p.authors, ["Tri Dao"]);
        assert_eq!(
            decide_save("2404.11111", None, &menu_message(), now),
            SaveChoice::Unknown("2404.11111".into())
        );
        assert_eq!(
            decide_save("'; DROP TABLE", None, &menu_message(), now),
            SaveChoice::Unknown("'; DROP TABLE".into())
        );
    }

    #[test]
    fn typed_ids_and_links_are_read() {
        assert_eq!(
            typed_arxiv_id(" 2404.00399v2").as_deref(),
            Some("2404.00399")
        );
        assert_eq!(
            typed_arxiv_id("https://huggingface.co/papers/2404.00399").as_deref(),
            Some("2404.00399")
        );
        assert_eq!(typed_arxiv_id("mamba"), None);
    }
}
