//! `/alerts for_you`: a person's alert DMs ranked by their reading list, with papers close to
//! it and news of saved papers; and the "Not for me…" menu under those DMs ([`on_not_for_me`]).
//! Everything answers the person alone (ephemeral) and touches their own rows only.

use poise::serenity_prelude as serenity;

use super::saved::{author_language, person_language};
use crate::bot::commands::context::{sanitize_inline, say_ephemeral, Context, Data, Error};
use crate::render::{normalise_arxiv_id, outside_text, NOT_FOR_ME_ID};
use crate::select::for_you::rank::{DEFAULT_EXTRA, MAX_EXTRA, MIN_SAVED};

/// Characters of a title echoed in a confirmation.
const ECHO_TITLE_CHARS: usize = 120;

/// Rank your alert DMs by your reading list and add papers close to it (or stop).
#[poise::command(slash_command)]
pub async fn for_you(
    ctx: Context<'_>,
    #[description = "True: ranked by what you saved, with recommendations and news of saved papers; False: off"]
    enabled: bool,
    #[description = "Papers no term matched to add to a DM, 0 to 5 (default 3)"]
    #[min = 0]
    #[max = 5]
    extra: Option<u8>,
) -> Result<(), Error> {
    let lang = author_language(ctx).await;
    let store = &ctx.data().store;
    let user_id = ctx.author().id.get();
    let setting = store
        .set_for_you(user_id, enabled, extra.map(|e| e.min(MAX_EXTRA as u8)))
        .await?;
    // As with `/alerts add`: the DMs speak the language of the client that set them up.
    if store
        .alert_user(user_id)
        .await?
        .is_some_and(|u| u.language.is_none())
    {
        store.set_alert_language(user_id, Some(&lang)).await?;
    }
    tracing::info!(user_id, enabled, extra = setting.extra, "for you set");
    if !setting.enabled {
        return say_ephemeral(ctx, crate::t!(&lang, "for-you-off")).await;
    }
    let mut text = crate::t!(&lang, "for-you-on", extra = setting.extra);
    let saved = store.saved_count(user_id).await?;
    if saved < MIN_SAVED {
        text.push('\n');
        text.push_str(&crate::t!(
            &lang,
            "for-you-few",
            min = MIN_SAVED,
            count = saved
        ));
    }
    say_ephemeral(ctx, text).await
}

/// What a choice in a "Not for me…" menu comes to, before anything is stored. Pure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotForMe {
    /// Remember this paper (arXiv id, title) as not for the person.
    Mark(String, String),
    /// The choice names no paper (not an arXiv id).
    Unknown(String),
}

/// Decides a choice of `value`: the archive's title when it has the paper, else the label the
/// menu showed for that option (Discord sends the message back with the click).
pub fn decide_not_for_me(
    value: &str,
    archived_title: Option<String>,
    components: &serde_json::Value,
) -> NotForMe {
    let Some(id) = normalise_arxiv_id(value) else {
        return NotForMe::Unknown(value.chars().take(40).collect());
    };
    let title = archived_title
        .or_else(|| option_label(components, value))
        .unwrap_or_else(|| id.clone());
    NotForMe::Mark(id, title)
}

/// The label of option `value` of the "Not for me…" menu in a message's components.
fn option_label(components: &serde_json::Value, value: &str) -> Option<String> {
    components
        .as_array()?
        .iter()
        .filter_map(|row| row.get("components")?.as_array())
        .flatten()
        .filter(|c| c.get("custom_id").and_then(|v| v.as_str()) == Some(NOT_FOR_ME_ID))
        .filter_map(|c| c.get("options")?.as_array())
        .flatten()
        .find(|o| o.get("value").and_then(|v| v.as_str()) == Some(value))?
        .get("label")?
        .as_str()
        .map(str::to_string)
}

/// Whether a component interaction is a choice in a "Not for me…" menu.
pub fn is_not_for_me(interaction: &serenity::ComponentInteraction) -> bool {
    interaction.data.custom_id == NOT_FOR_ME_ID
}

/// Answers a choice in a "Not for me…" menu: remembers the paper as not for the chooser (papers
/// like it rank lower for them from their next DM on), and says so to them alone. Stateless,
/// like the save menu: a click on a months-old DM works after restarts and on any process.
#[tracing::instrument(skip_all, fields(user_id = %interaction.user.id))]
pub async fn on_not_for_me(
    ctx: &serenity::Context,
    interaction: &serenity::ComponentInteraction,
    data: &Data,
) -> Result<(), Error> {
    let value = super::context::chosen(interaction);
    let user_id = interaction.user.id.get();
    let archived = match normalise_arxiv_id(&value) {
        Some(id) => data
            .store
            .paper_by_arxiv_id(&id)
            .await?
            .map(|(_, p)| p.title),
        None => None,
    };
    let components = serde_json::to_value(&interaction.message.components)?;
    let lang = person_language(data, user_id, &interaction.locale).await;
    let text = match decide_not_for_me(&value, archived, &components) {
        NotForMe::Unknown(what) => {
            crate::t!(
                &lang,
                "for-you-not-for-me-unknown",
                id = sanitize_inline(&what)
            )
        }
        NotForMe::Mark(id, title) => {
            let shown = outside_text(&title, ECHO_TITLE_CHARS);
            if data.store.add_not_for_me(user_id, &id, &title).await? {
                tracing::info!(arxiv_id = %id, "a paper marked not for a person");
                crate::t!(&lang, "for-you-not-for-me-noted", title = shown)
            } else {
                crate::t!(&lang, "for-you-not-for-me-already", title = shown)
            }
        }
    };
    super::context::answer_privately(ctx, interaction, text).await
}

/// What `/alerts list` says of "for you", when it is on.
pub fn list_line(extra: u8, lang: &crate::language::Language) -> String {
    crate::t!(lang, "for-you-list-on", extra = extra)
}

// The default the command states is the store's.
const _: () = assert!(DEFAULT_EXTRA == 3 && MAX_EXTRA == 5);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_choice_marks_the_archives_title_else_the_menus_else_says_unknown() {
        let paper = crate::source::digest::Paper {
            title: "From the DM".into(),
            arxiv_id: Some("2404.00399".into()),
            ..Default::default()
        };
        let menu = crate::render::not_for_me_menu(&[&paper], &crate::language::Language::english())
            .unwrap();
        let components = json!([serde_json::to_value(menu.to_action_row()).unwrap()]);
        assert_eq!(
            decide_not_for_me("2404.00399", Some("From the archive".into()), &components),
            NotForMe::Mark("2404.00399".into(), "From the archive".into())
        );
        assert_eq!(
            decide_not_for_me("2404.00399v2", None, &components),
            NotForMe::Mark("2404.00399".into(), "2404.00399".into()),
            "a value the menu does not have: the id stands for the title"
        );
        assert_eq!(
            decide_not_for_me("2404.00399", None, &components),
            NotForMe::Mark("2404.00399".into(), "From the DM".into())
        );
        assert_eq!(
            decide_not_for_me("'; DROP", None, &components),
            NotForMe::Unknown("'; DROP".into())
        );
    }
}
