//! The "🔖 Save…" select menu under each message of a channel's post: one option per paper of
//! that message, picked to add it to the picker's reading list.
//!
//! Why the ids look as they do: a click can come months later, after restarts, to any process
//! sharing the database, so the menu carries everything the answer needs and nothing is kept in
//! memory. Its `custom_id` says what it is ([`SAVE_MENU_ID`]); each option's value is the
//! paper's arXiv id, the key of the archive and of the reading list; its label and description
//! are the title and authors, so that Discord's copy of the message (sent back with the click)
//! can stand in for an archive that lacks the paper. Within Discord's limits (one row, at most
//! 25 options, ids, values and labels at most 100 characters, descriptions 100, placeholder 150)
//! whatever the papers say.

use serde::Serialize;
use serenity::builder::{
    CreateActionRow, CreateSelectMenu, CreateSelectMenuKind, CreateSelectMenuOption,
};

use super::sanitise::{one_line, truncate_chars};
use crate::source::digest::Paper;

/// The `custom_id` of every save menu. Versioned, so a later format can tell old posts apart.
pub const SAVE_MENU_ID: &str = "pb:save:v1";
/// Options in one select menu.
pub const MAX_SELECT_OPTIONS: usize = 25;
/// A component's `custom_id`, and an option's `value`.
pub const MAX_CUSTOM_ID_CHARS: usize = 100;
pub const MAX_OPTION_VALUE_CHARS: usize = 100;
pub const MAX_OPTION_LABEL_CHARS: usize = 100;
pub const MAX_OPTION_DESCRIPTION_CHARS: usize = 100;
pub const MAX_PLACEHOLDER_CHARS: usize = 150;

// The id and every value (an arXiv id, at most 10 characters) are within Discord's limits.
const _: () = assert!(SAVE_MENU_ID.len() <= MAX_CUSTOM_ID_CHARS && 10 <= MAX_OPTION_VALUE_CHARS);

/// One option of a select menu, in plain data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SelectOption {
    pub value: String,
    pub label: String,
    /// Empty means none.
    pub description: String,
}

/// A string select menu in its own action row, in plain data (compared and previewed before
/// serenity sees it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SelectSpec {
    pub custom_id: String,
    pub placeholder: String,
    pub options: Vec<SelectOption>,
}

impl SelectSpec {
    /// In one action row, one choice at a time.
    pub fn to_action_row(&self) -> CreateActionRow {
        let options = self
            .options
            .iter()
            .map(|o| {
                let option = CreateSelectMenuOption::new(&o.label, &o.value);
                if o.description.is_empty() {
                    option
                } else {
                    option.description(&o.description)
                }
            })
            .collect();
        CreateActionRow::SelectMenu(
            CreateSelectMenu::new(&self.custom_id, CreateSelectMenuKind::String { options })
                .placeholder(&self.placeholder)
                .min_values(1)
                .max_values(1),
        )
    }
}

/// An arXiv id as a menu may carry it: `YYMM.NNNN` or `YYMM.NNNNN`, any version dropped. Anything
/// else (a malformed id from a source) is `None`: such a paper is not offered.
pub fn normalise_arxiv_id(id: &str) -> Option<String> {
    let id = id.trim();
    let bare = match id.rfind(['v', 'V']) {
        Some(i) if i > 0 && id[i + 1..].chars().all(|c| c.is_ascii_digit()) && i + 1 < id.len() => {
            &id[..i]
        }
        _ => id,
    };
    let (a, b) = bare.split_once('.')?;
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    (a.len() == 4 && (4..=5).contains(&b.len()) && digits(a) && digits(b)).then(|| bare.to_string())
}

/// The save menu for a message showing `papers` (in order): one option per paper with a
/// well-formed arXiv id, the first of any repeated one; `None` when no paper can be saved, so a
/// message never carries an empty menu.
pub fn save_menu(papers: &[&Paper], placeholder: &str) -> Option<SelectSpec> {
    let mut options: Vec<SelectOption> = Vec::new();
    for paper in papers {
        let Some(value) = paper.arxiv_id.as_deref().and_then(normalise_arxiv_id) else {
            continue;
        };
        if options.iter().any(|o| o.value == value) {
            continue;
        }
        let title = one_line(&paper.title);
        let label = if title.trim().is_empty() {
            value.clone()
        } else {
            truncate_chars(&title, MAX_OPTION_LABEL_CHARS)
        };
        let authors: Vec<&str> = paper
            .authors
            .iter()
            .map(String::as_str)
            .filter(|a| *a != "+")
            .collect();
        let described = one_line(&format!("{value} · {}", authors.join(", ")));
        let description = truncate_chars(
            described.trim_end_matches([' ', '·']),
            MAX_OPTION_DESCRIPTION_CHARS,
        );
        options.push(SelectOption {
            value,
            label,
            description,
        });
        if options.len() == MAX_SELECT_OPTIONS {
            break;
        }
    }
    (!options.is_empty()).then(|| SelectSpec {
        custom_id: SAVE_MENU_ID.to_string(),
        placeholder: truncate_chars(placeholder, MAX_PLACEHOLDER_CHARS),
        options,
    })
}

/// What a save menu's option told about its paper, read back from the message Discord sent with
/// the click: the title and authors shown, for when the archive no longer has the paper.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionSnapshot {
    pub title: String,
    pub authors: Vec<String>,
}

/// Finds the option `value` of the save menu in a message's `components` (as Discord sends
/// them) and reads its title and authors back; `None` when the message has no such option.
/// A cut label or author list stays cut: it is what the post showed.
pub fn option_snapshot(components: &serde_json::Value, value: &str) -> Option<OptionSnapshot> {
    let rows = components.as_array()?;
    let option = rows
        .iter()
        .filter_map(|row| row.get("components")?.as_array())
        .flatten()
        .filter(|c| c.get("custom_id").and_then(|v| v.as_str()) == Some(SAVE_MENU_ID))
        .filter_map(|c| c.get("options")?.as_array())
        .flatten()
        .find(|o| o.get("value").and_then(|v| v.as_str()) == Some(value))?;
    let title = option.get("label")?.as_str()?.to_string();
    let description = option
        .get("description")
        .and_then(|d| d.as_str())
        .unwrap_or_default();
    let authors = description
        .strip_prefix(value)
        .map(|rest| rest.trim_start_matches([' ', '·']))
        .unwrap_or_default()
        .split(", ")
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_string)
        .collect();
    Some(OptionSnapshot { title, authors })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::testing::*;

    fn with_id(title: &str, id: Option<&str>) -> Paper {
        Paper {
            title: title.into(),
            arxiv_id: id.map(str::to_string),
            authors: vec!["Tri Dao".into(), "Albert Gu".into(), "+".into()],
            ..paper(&korean(10))
        }
    }

    #[test]
    fn arxiv_ids_are_checked_and_lose_their_version() {
        assert_eq!(
            normalise_arxiv_id("2404.00399").as_deref(),
            Some("2404.00399")
        );
        assert_eq!(
            normalise_arxiv_id(" 2404.0039v2 ").as_deref(),
            Some("2404.0039")
        );
        for bad in [
            "",
            "2404",
            "hep-th/9901001",
            "2404.003991",
            "24a4.00399",
            "2404.00399v",
            "2404.00399\"}",
        ] {
            assert_eq!(normalise_arxiv_id(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn one_option_per_saveable_paper_within_discords_limits() {
        let long = "L".repeat(300);
        let papers = [
            with_id("Aurora-M: open <@123> @everyone", Some("2404.00399")),
            with_id("no id", None),
            with_id("bad id", Some("javascript:alert(1)")),
            with_id(&long, Some("2404.01234v3")),
            with_id("repeat", Some("2404.00399")),
        ];
        let refs: Vec<&Paper> = papers.iter().collect();
        let menu = save_menu(&refs, &"🔖".repeat(200)).unwrap();
        assert_eq!(menu.custom_id, SAVE_MENU_ID);
        assert!(menu.placeholder.chars().count() <= MAX_PLACEHOLDER_CHARS);
        let values: Vec<&str> = menu.options.iter().map(|o| o.value.as_str()).collect();
        assert_eq!(values, ["2404.00399", "2404.01234"]);
        assert!(
            !menu.options[0].label.contains("<@1"),
            "{:?}",
            menu.options[0].label
        );
        assert_eq!(
            menu.options[1].label.chars().count(),
            MAX_OPTION_LABEL_CHARS
        );
        assert_eq!(
            menu.options[0].description,
            "2404.00399 · Tri Dao, Albert Gu"
        );
        for o in &menu.options {
            assert!(o.value.chars().count() <= MAX_OPTION_VALUE_CHARS);
            assert!(o.description.chars().count() <= MAX_OPTION_DESCRIPTION_CHARS);
        }
        assert!(save_menu(&[&papers[1]], "x").is_none());
        let many: Vec<Paper> = (0..40)
            .map(|i| with_id("t", Some(&format!("2404.{i:05}"))))
            .collect();
        let refs: Vec<&Paper> = many.iter().collect();
        assert_eq!(
            save_menu(&refs, "x").unwrap().options.len(),
            MAX_SELECT_OPTIONS
        );
    }

    #[test]
    fn the_wire_form_is_a_string_select_in_one_row_and_reads_back() {
        let papers = [with_id("Aurora-M", Some("2404.00399"))];
        let menu = save_menu(&[&papers[0]], "🔖 Save…").unwrap();
        let row = serde_json::to_value(menu.to_action_row()).unwrap();
        assert_eq!(row["type"], 1);
        let select = &row["components"][0];
        assert_eq!(select["type"], 3);
        assert_eq!(select["custom_id"], SAVE_MENU_ID);
        assert_eq!(select["placeholder"], "🔖 Save…");
        assert_eq!(select["min_values"], 1);
        assert_eq!(select["max_values"], 1);
        assert_eq!(select["options"][0]["value"], "2404.00399");
        let snap = option_snapshot(&serde_json::json!([row]), "2404.00399").unwrap();
        assert_eq!(snap.title, "Aurora-M");
        assert_eq!(snap.authors, ["Tri Dao", "Albert Gu"]);
        assert_eq!(
            option_snapshot(&serde_json::json!([row]), "2404.99999"),
            None
        );
        assert_eq!(
            option_snapshot(&serde_json::json!(null), "2404.00399"),
            None
        );
    }
}
