//! The bot's words in the reader's language, from Fluent catalogs under `locales/<code>/`.
//!
//! The catalogs are compiled into the binary (a running bot never lacks a file), and every
//! directory under `locales/` is a language: adding `locales/ja/paperboy.ftl` is all a third
//! language takes. English is the fallback for a missing language or a missing message, so a
//! half-translated catalog still shows whole sentences.

use std::borrow::Cow;
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader};

use crate::language::Language;

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        // Fluent wraps every placeable in Unicode isolation marks by default; Discord shows
        // them as stray characters around ids, dates and names.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// An argument's value for a message: text or a number (numbers pick plural forms).
pub type Arg<'a> = FluentValue<'a>;

/// The catalog a language's words come from: its own when there is one, else the catalog of its
/// primary language (`pt-BR` → `pt`), else English.
pub fn catalog(language: &Language) -> LanguageIdentifier {
    let available: Vec<&LanguageIdentifier> = LOCALES.locales().collect();
    for code in [language.code(), language.primary()] {
        if let Ok(id) = code.parse::<LanguageIdentifier>() {
            if available.contains(&&id) {
                return id;
            }
        }
    }
    LOCALES.fallback().clone()
}

/// The languages with a catalog, English first.
pub fn languages() -> Vec<Language> {
    let mut out: Vec<Language> = LOCALES
        .locales()
        .filter_map(|id| Language::parse(&id.to_string()).ok())
        .collect();
    out.sort_by_key(|l| (l.primary() != "en", l.code().to_string()));
    out.dedup();
    out
}

/// The message `key` in `language`. A key missing from every catalog is a bug caught by the
/// catalog tests; at run time it shows as the key itself rather than failing a reply.
pub fn tr(language: &Language, key: &str) -> String {
    LOCALES.lookup(&catalog(language), key)
}

/// The message `key` in `language`, or `None` when no catalog has it: for text that has a
/// fallback of its own (a command's name and description in the code), where a missing message
/// must not show as its key.
pub fn try_tr(language: &Language, key: &str) -> Option<String> {
    LOCALES.try_lookup(&catalog(language), key)
}

/// The message `key` in `language` with its placeables filled from `args`.
pub fn tr_args(language: &Language, key: &str, args: &[(&'static str, Arg<'_>)]) -> String {
    let map: HashMap<Cow<'static, str>, FluentValue<'static>> = args
        .iter()
        .map(|(name, value)| (Cow::Borrowed(*name), value.clone().into_owned()))
        .collect();
    LOCALES.lookup_with_args(&catalog(language), key, &map)
}

/// `t!(lang, "key")` or `t!(lang, "key", name = value, …)`; values are anything a
/// [`FluentValue`] is made from (strings, integers, floats).
#[macro_export]
macro_rules! t {
    ($lang:expr, $key:expr) => {
        $crate::i18n::tr($lang, $key)
    };
    ($lang:expr, $key:expr, $($name:ident = $value:expr),+ $(,)?) => {
        $crate::i18n::tr_args(
            $lang,
            $key,
            &[$((stringify!($name), $crate::i18n::Arg::from($value))),+],
        )
    };
}

#[cfg(test)]
mod check;

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::Path;

    use fluent_syntax::ast;
    use fluent_templates::fluent_bundle::FluentResource;

    use super::*;

    /// Every message of every catalog with the variables it uses, read from the files (not the
    /// compiled loader) so a new language directory is checked without touching this test.
    fn catalogs() -> BTreeMap<String, BTreeMap<String, BTreeSet<String>>> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("locales");
        let mut out = BTreeMap::new();
        for dir in std::fs::read_dir(&root).unwrap() {
            let dir = dir.unwrap().path();
            if !dir.is_dir() {
                continue;
            }
            let lang = dir.file_name().unwrap().to_string_lossy().to_string();
            let mut messages = BTreeMap::new();
            for file in std::fs::read_dir(&dir).unwrap() {
                let file = file.unwrap().path();
                if file.extension().and_then(|e| e.to_str()) != Some("ftl") {
                    continue;
                }
                let source = std::fs::read_to_string(&file).unwrap();
                let resource = FluentResource::try_new(source)
                    .unwrap_or_else(|(_, errors)| panic!("{}: {errors:?}", file.display()));
                for entry in resource.entries() {
                    if let ast::Entry::Message(m) = entry {
                        let mut vars = BTreeSet::new();
                        if let Some(value) = &m.value {
                            variables(value, &mut vars);
                        }
                        for attribute in &m.attributes {
                            variables(&attribute.value, &mut vars);
                        }
                        let previous = messages.insert(m.id.name.to_string(), vars);
                        assert!(previous.is_none(), "{lang}: {} defined twice", m.id.name);
                    }
                }
            }
            out.insert(lang, messages);
        }
        out
    }

    fn variables(pattern: &ast::Pattern<&str>, out: &mut BTreeSet<String>) {
        for element in &pattern.elements {
            if let ast::PatternElement::Placeable { expression } = element {
                expression_variables(expression, out);
            }
        }
    }

    fn expression_variables(expression: &ast::Expression<&str>, out: &mut BTreeSet<String>) {
        match expression {
            ast::Expression::Select { selector, variants } => {
                inline_variables(selector, out);
                for v in variants {
                    variables(&v.value, out);
                }
            }
            ast::Expression::Inline(inline) => inline_variables(inline, out),
        }
    }

    fn inline_variables(inline: &ast::InlineExpression<&str>, out: &mut BTreeSet<String>) {
        match inline {
            ast::InlineExpression::VariableReference { id } => {
                out.insert(id.name.to_string());
            }
            ast::InlineExpression::FunctionReference { arguments, .. } => {
                for a in &arguments.positional {
                    inline_variables(a, out);
                }
            }
            ast::InlineExpression::Placeable { expression } => {
                expression_variables(expression, out)
            }
            _ => {}
        }
    }

    #[test]
    fn every_language_has_every_message_with_the_same_variables() {
        let catalogs = catalogs();
        let english = catalogs.get("en").expect("locales/en exists");
        assert!(catalogs.len() >= 2, "at least English and Korean");
        for (lang, messages) in &catalogs {
            let keys: BTreeSet<_> = messages.keys().collect();
            let want: BTreeSet<_> = english.keys().collect();
            let missing: Vec<_> = want.difference(&keys).collect();
            let extra: Vec<_> = keys.difference(&want).collect();
            assert!(missing.is_empty(), "{lang} lacks {missing:?}");
            assert!(
                extra.is_empty(),
                "{lang} has messages English lacks: {extra:?}"
            );
            for (key, vars) in messages {
                // A translation may leave a variable out (Korean has no plural agreement), but
                // never use one the code does not give.
                let given = &english[key];
                let unknown: Vec<_> = vars.difference(given).collect();
                assert!(
                    unknown.is_empty(),
                    "{lang}/{key} uses {unknown:?} not in English"
                );
            }
        }
    }

    #[test]
    fn every_catalog_is_compiled_in_and_listed() {
        let on_disk: BTreeSet<String> = catalogs().into_keys().collect();
        let compiled: BTreeSet<String> = languages().iter().map(|l| l.to_string()).collect();
        assert_eq!(on_disk, compiled);
        assert_eq!(languages()[0], Language::english());
    }

    #[test]
    fn lookups_fall_back_by_primary_language_then_english() {
        let ko = Language::parse("ko").unwrap();
        let ko_kr = Language::parse("ko-KR").unwrap();
        let ja = Language::parse("ja").unwrap();
        assert_eq!(catalog(&ko_kr), catalog(&ko));
        assert_eq!(catalog(&ja), catalog(&Language::english()));
        assert_ne!(
            t!(&ko, "language-name"),
            t!(&Language::english(), "language-name")
        );
        assert_eq!(
            t!(&ja, "language-name"),
            t!(&Language::english(), "language-name")
        );
    }

    #[test]
    fn arguments_are_filled_without_isolation_marks() {
        let en = Language::english();
        let ko = Language::parse("ko").unwrap();
        let one = t!(&en, "papers-count", count = 1);
        let many = t!(&en, "papers-count", count = 42);
        assert_eq!(one, "1 paper");
        assert_eq!(many, "42 papers");
        assert_eq!(t!(&ko, "papers-count", count = 42), "논문 42편");
        assert!(!many.contains('\u{2068}') && !many.contains('\u{2069}'));
    }
}
