//! Every command's, subcommand's and option's name and description as Discord shows them, from
//! the message catalogs: English descriptions replace the doc comments, and every other language
//! with a catalog becomes `name_localizations` / `description_localizations` for each Discord
//! locale that reads it. The catalogs are the one source: a language added as a file is
//! registered with no change here.
//!
//! Keys: `cmd-<path>-name` / `-desc` for a command (`cmd-papers-keywords-add-name`),
//! `cmd-<path>-opt-<option>-name` / `-desc` for an option. A command's default name stays the
//! one in the code: Discord sends it back on every interaction, whatever the reader's language.

use std::borrow::Cow;

use crate::i18n;
use crate::language::Language;

use crate::bot::commands::context::{Data, Error};

type Command = poise::Command<Data, Error>;
type CowVec = Cow<'static, [(Cow<'static, str>, Cow<'static, str>)]>;

/// The locales Discord has (its "Locales" table): the keys it accepts for localisations.
pub const DISCORD_LOCALES: &[&str] = &[
    "id", "da", "de", "en-GB", "en-US", "es-ES", "es-419", "fr", "hr", "it", "lt", "hu", "nl",
    "no", "pl", "pt-BR", "ro", "fi", "sv-SE", "vi", "tr", "cs", "el", "bg", "ru", "uk", "hi", "th",
    "zh-CN", "ja", "zh-TW", "ko",
];

/// The languages with a catalog other than English, each with the Discord locales whose
/// readers get it (`ko` → `ko`; a `pt` catalog → `pt-BR`).
pub fn localised_languages() -> Vec<(Language, Vec<&'static str>)> {
    i18n::languages()
        .into_iter()
        .filter(|l| i18n::catalog(l) != i18n::catalog(&Language::english()))
        .map(|l| {
            let locales = DISCORD_LOCALES
                .iter()
                .copied()
                .filter(|loc| {
                    Language::from_discord_locale(loc)
                        .is_some_and(|reader| i18n::catalog(&reader) == i18n::catalog(&l))
                })
                .collect();
            (l, locales)
        })
        .collect()
}

/// Fills in every command's descriptions and localisations (see the module docs).
pub fn localise(commands: &mut [Command]) {
    let languages = localised_languages();
    for c in commands {
        localise_one(c, "cmd", &languages);
    }
}

/// A command's text from the catalogs, or `None` (and a warning) when they lack it: the
/// command then keeps its code's text in that place rather than registering a key as a name,
/// which Discord would refuse. The catalog tests make a missing key fail the build's tests.
fn text(lang: &Language, key: &str) -> Option<String> {
    let found = i18n::try_tr(lang, key);
    if found.is_none() {
        tracing::warn!(key, %lang, "a command's text is missing from the catalogs");
    }
    found
}

/// Adds `key-name` and `key-desc` in every language to a name's and a description's
/// localisations.
fn localisations(
    key: &str,
    languages: &[(Language, Vec<&'static str>)],
    names: &mut CowVec,
    descriptions: &mut CowVec,
) {
    for (lang, locales) in languages {
        let (Some(name), Some(description)) = (
            text(lang, &format!("{key}-name")),
            text(lang, &format!("{key}-desc")),
        ) else {
            continue;
        };
        for locale in locales {
            let locale: Cow<'static, str> = Cow::Borrowed(locale);
            names.to_mut().push((locale.clone(), name.clone().into()));
            descriptions
                .to_mut()
                .push((locale, description.clone().into()));
        }
    }
}

fn localise_one(cmd: &mut Command, prefix: &str, languages: &[(Language, Vec<&'static str>)]) {
    let key = format!("{prefix}-{}", cmd.name);
    let en = Language::english();
    if let Some(d) = text(&en, &format!("{key}-desc")) {
        cmd.description = Some(d.into());
    }
    localisations(
        &key,
        languages,
        &mut cmd.name_localizations,
        &mut cmd.description_localizations,
    );
    for p in &mut cmd.parameters {
        let pkey = format!("{key}-opt-{}", p.name);
        if let Some(d) = text(&en, &format!("{pkey}-desc")) {
            p.description = Some(d.into());
        }
        localisations(
            &pkey,
            languages,
            &mut p.name_localizations,
            &mut p.description_localizations,
        );
        // A choice's label: `<option key>-choice-<label>` (`…-opt-mode-choice-day`).
        for choice in p.choices.to_mut().iter_mut() {
            let slug: String = choice
                .name
                .chars()
                .map(|c| {
                    if c.is_alphanumeric() {
                        c.to_ascii_lowercase()
                    } else {
                        '-'
                    }
                })
                .collect();
            for (lang, locales) in languages {
                let Some(label) = text(lang, &format!("{pkey}-choice-{slug}")) else {
                    continue;
                };
                for locale in locales {
                    choice
                        .localizations
                        .to_mut()
                        .push((Cow::Borrowed(*locale), label.clone().into()));
                }
            }
        }
    }
    for sub in &mut cmd.subcommands {
        localise_one(sub, &key, languages);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::t;

    /// Discord's name rule (`^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$`, lowercase).
    fn discord_name(name: &str) -> bool {
        let deva_or_thai = |c: char| matches!(c, '\u{0900}'..='\u{097F}' | '\u{A8E0}'..='\u{A8FF}' | '\u{0E00}'..='\u{0E7F}');
        (1..=32).contains(&name.chars().count())
            && name.chars().all(|c| {
                c == '-' || c == '_' || c == '\'' || c.is_alphanumeric() || deva_or_thai(c)
            })
            && name.to_lowercase() == name
    }

    fn walk<'a>(cmd: &'a Command, out: &mut Vec<&'a Command>) {
        out.push(cmd);
        for s in &cmd.subcommands {
            walk(s, out);
        }
    }

    #[test]
    fn catalog_names_every_command_and_option_in_every_language_as_discord_allows() {
        let commands = super::super::all_commands();
        let mut all = Vec::new();
        for c in &commands {
            walk(c, &mut all);
        }
        let languages = localised_languages();
        assert!(languages
            .iter()
            .any(|(l, locales)| l.code() == "ko" && locales == &["ko"]));
        // Every command and option has its texts in every catalog (a missing one would leave
        // the code's text in its place, silently).
        fn keys(cmd: &Command, prefix: &str, out: &mut Vec<String>) {
            let key = format!("{prefix}-{}", cmd.name);
            out.push(key.clone());
            for p in &cmd.parameters {
                out.push(format!("{key}-opt-{}", p.name));
            }
            for s in &cmd.subcommands {
                keys(s, &key, out);
            }
        }
        let mut all_keys = Vec::new();
        for c in &commands {
            keys(c, "cmd", &mut all_keys);
        }
        let mut missing = Vec::new();
        for lang in i18n::languages() {
            for key in &all_keys {
                for part in ["name", "desc"] {
                    if i18n::try_tr(&lang, &format!("{key}-{part}")).is_none() {
                        missing.push(format!("{lang}: {key}-{part}"));
                    }
                }
            }
        }
        assert!(
            missing.is_empty(),
            "missing from the catalogs: {missing:#?}"
        );
        for c in &all {
            let description = c.description.as_deref().unwrap();
            assert!(
                (1..=100).contains(&description.chars().count()),
                "{description}"
            );
            assert!(
                !description.starts_with("cmd-"),
                "{} has no English text",
                c.name
            );
            let locales: Vec<&str> = languages.iter().flat_map(|(_, l)| l.clone()).collect();
            assert_eq!(c.name_localizations.len(), locales.len(), "{}", c.name);
            for ((locale, name), (_, desc)) in c
                .name_localizations
                .iter()
                .zip(c.description_localizations.iter())
            {
                assert!(discord_name(name), "{locale} name of {}: {name:?}", c.name);
                assert!(
                    (1..=100).contains(&desc.chars().count()),
                    "{locale}: {desc}"
                );
                assert!(
                    !name.starts_with("cmd-") && !desc.starts_with("cmd-"),
                    "{name}"
                );
            }
            for p in &c.parameters {
                assert!(p
                    .description
                    .as_deref()
                    .is_some_and(|d| !d.starts_with("cmd-")));
                for (locale, name) in p.name_localizations.iter() {
                    assert!(discord_name(name), "{locale} name of {}: {name:?}", p.name);
                }
                assert_eq!(p.name_localizations.len(), locales.len(), "{}", p.name);
            }
            // Siblings keep distinct names in every language (Discord refuses duplicates).
            for (locale, _) in c.name_localizations.iter() {
                let mut names: Vec<&str> = c
                    .subcommands
                    .iter()
                    .filter_map(|s| s.name_localizations.iter().find(|(l, _)| l == locale))
                    .map(|(_, n)| n.as_ref())
                    .chain(c.parameters.iter().filter_map(|p| {
                        p.name_localizations
                            .iter()
                            .find(|(l, _)| l == locale)
                            .map(|(_, n)| n.as_ref())
                    }))
                    .collect();
                let before = names.len();
                names.sort();
                names.dedup();
                assert_eq!(names.len(), before, "{locale} under {}", c.name);
            }
        }
        // English names are the code's own: what the catalog says must be what Discord gets.
        let en = Language::english();
        for c in &commands {
            assert_eq!(t!(&en, &format!("cmd-{}-name", c.name)), c.name);
        }
    }
}
