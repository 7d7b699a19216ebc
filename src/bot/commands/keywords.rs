//! `/papers keywords …`: the words that select which papers this channel receives.

use poise::serenity_prelude as serenity;

use crate::bot::commands::context::{
    lang, require_manage_channels, sanitize_inline, say_ephemeral, store_error, term_error_words,
    user_error, Context, Error,
};
use crate::select::terms::{parse_terms, validate, Term, TermError, TermKind, AUTHOR_PREFIX};
use crate::store::{Keyword, KeywordKind};
use crate::t;

/// Splits what a user typed into keywords: commas or spaces separate them, double quotes keep a
/// phrase together, and a leading `-` makes an exclude keyword ([`parse_terms`] has the syntax).
/// Repeats of the same word in a row are dropped.
pub fn parse_keywords(input: &str) -> Vec<Keyword> {
    let mut out: Vec<Keyword> = parse_terms(input)
        .into_iter()
        .filter_map(|term| {
            // An author term is kept as the keyword `author:name`, so the channel's list shows
            // it as typed and an include and an author of the same text never collide.
            let (kind, word) = match term.kind {
                TermKind::Include => (KeywordKind::Include, term.text),
                TermKind::Exclude => (KeywordKind::Exclude, term.text),
                TermKind::Author => (KeywordKind::Include, author_keyword(&term.text)),
                TermKind::ExcludeAuthor => (KeywordKind::Exclude, author_keyword(&term.text)),
                // `has:code` and `org:name` are kept as written, lowercased (the store keys on
                // the lowercase word; organisations compare ignoring case anyway).
                TermKind::Facet => (KeywordKind::Include, term.text.to_lowercase()),
                TermKind::ExcludeFacet => (KeywordKind::Exclude, term.text.to_lowercase()),
            };
            if word == AUTHOR_PREFIX {
                return None;
            }
            Some(Keyword { word, kind })
        })
        .collect();
    out.dedup_by(|a, b| a.word == b.word);
    out
}

/// The first `has:` or `org:` term that cannot be used, with why: the same errors `/alerts add`
/// gives.
pub fn bad_facet(input: &str) -> Option<(Term, TermError)> {
    parse_terms(input)
        .into_iter()
        .filter(|t| t.kind.is_facet())
        .find_map(|t| validate(&t).err().map(|e| (t, e)))
}

fn author_keyword(name: &str) -> String {
    format!("{AUTHOR_PREFIX}{}", name.trim().to_lowercase())
}

fn show(k: &Keyword) -> String {
    match k.kind {
        KeywordKind::Include => format!("`{}`", k.word),
        KeywordKind::Exclude => format!("`-{}`", k.word),
    }
}

/// Suggests this channel's existing keywords.
pub async fn autocomplete_keyword(
    ctx: Context<'_>,
    partial: &str,
) -> serenity::CreateAutocompleteResponse {
    let needle = partial.trim().trim_start_matches('-').to_lowercase();
    let words = ctx
        .data()
        .store
        .keywords(ctx.channel_id().get())
        .await
        .unwrap_or_default();
    let choices = words
        .iter()
        .filter(|k| k.word.contains(&needle))
        .take(25)
        .map(|k| {
            let v = match k.kind {
                KeywordKind::Include => k.word.clone(),
                KeywordKind::Exclude => format!("-{}", k.word),
            };
            serenity::AutocompleteChoice::new(v.clone(), v)
        })
        .collect();
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}

/// This channel's keywords: papers matching any of them are posted.
#[poise::command(
    slash_command,
    subcommands("add", "remove", "list", "clear"),
    subcommand_required
)]
pub async fn keywords(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Add keywords (space or comma separated; "quoted phrases"; -word excludes).
#[poise::command(slash_command)]
pub async fn add(
    ctx: Context<'_>,
    #[description = "e.g. llm, \"diffusion model\", 확산, -survey"]
    #[max_length = 1000]
    words: String,
) -> Result<(), Error> {
    require_manage_channels(ctx).await?;
    let lang = lang(ctx);
    if let Some((term, e)) = bad_facet(&words) {
        return Err(user_error(t!(
            &lang,
            "error-term",
            term = sanitize_inline(&term.to_string()),
            why = term_error_words(&e, &lang)
        )));
    }
    let parsed = parse_keywords(&words);
    if parsed.is_empty() {
        return Err(user_error(t!(&lang, "keywords-none-given")));
    }
    if let Some(k) = parsed
        .iter()
        .find(|k| !k.word.chars().any(char::is_alphanumeric))
    {
        return Err(user_error(t!(
            &lang,
            "keywords-no-letter",
            word = sanitize_inline(&k.word)
        )));
    }
    let change = ctx
        .data()
        .store
        .add_keywords(ctx.channel_id().get(), &parsed)
        .await
        .map_err(|e| store_error(e, &lang))?;
    let shown = |words: &[Keyword]| words.iter().map(show).collect::<Vec<_>>().join(", ");
    let mut lines = Vec::new();
    if !change.added.is_empty() {
        lines.push(t!(&lang, "keywords-added", list = shown(&change.added)));
    }
    if !change.switched.is_empty() {
        lines.push(t!(
            &lang,
            "keywords-switched",
            list = shown(&change.switched)
        ));
    }
    if !change.unchanged.is_empty() {
        lines.push(t!(
            &lang,
            "keywords-unchanged",
            list = shown(&change.unchanged)
        ));
    }
    say_ephemeral(
        ctx,
        crate::render::truncate_chars(&format!("🔑 {}", lines.join("\n")), 2000),
    )
    .await
}

/// Remove one keyword.
#[poise::command(slash_command)]
pub async fn remove(
    ctx: Context<'_>,
    #[description = "The keyword to remove"]
    #[autocomplete = "autocomplete_keyword"]
    #[max_length = 101]
    word: String,
) -> Result<(), Error> {
    require_manage_channels(ctx).await?;
    let lang = lang(ctx);
    let w = word.trim();
    if !ctx
        .data()
        .store
        .remove_keyword(ctx.channel_id().get(), w)
        .await?
    {
        return Err(user_error(t!(
            &lang,
            "keywords-not-found",
            word = sanitize_inline(w)
        )));
    }
    say_ephemeral(
        ctx,
        t!(&lang, "keywords-removed", word = sanitize_inline(w)),
    )
    .await
}

/// List this channel's keywords.
#[poise::command(slash_command)]
pub async fn list(ctx: Context<'_>) -> Result<(), Error> {
    let lang = lang(ctx);
    let words = ctx.data().store.keywords(ctx.channel_id().get()).await?;
    if words.is_empty() {
        return say_ephemeral(ctx, t!(&lang, "keywords-empty")).await;
    }
    let part = |kind: KeywordKind| {
        words
            .iter()
            .filter(|k| k.kind == kind)
            .map(show)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let inc = part(KeywordKind::Include);
    let exc = part(KeywordKind::Exclude);
    let mut text = t!(&lang, "keywords-count", count = words.len());
    if !inc.is_empty() {
        text += "\n";
        text += &t!(&lang, "keywords-any-of", list = inc);
    }
    if !exc.is_empty() {
        text += "\n";
        text += &t!(&lang, "keywords-never", list = exc);
    }
    say_ephemeral(ctx, crate::render::truncate_chars(&text, 2000)).await
}

/// Remove all of this channel's keywords.
#[poise::command(slash_command)]
pub async fn clear(ctx: Context<'_>) -> Result<(), Error> {
    require_manage_channels(ctx).await?;
    let n = ctx
        .data()
        .store
        .clear_keywords(ctx.channel_id().get())
        .await?;
    say_ephemeral(ctx, t!(&lang(ctx), "keywords-cleared", count = n)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(input: &str) -> Vec<(String, KeywordKind)> {
        parse_keywords(input)
            .into_iter()
            .map(|k| (k.word, k.kind))
            .collect()
    }

    #[test]
    fn has_code_and_org_are_stored_as_written_and_filter_the_channel() {
        use KeywordKind::*;
        assert_eq!(
            words("has:code, -org:\"Meta AI\" org: HuggingFace llm"),
            vec![
                ("has:code".into(), Include),
                ("org:meta ai".into(), Exclude),
                ("org:huggingface".into(), Include),
                ("llm".into(), Include),
            ]
        );
        let filter = crate::deliver::settings::filter_for(
            None,
            &parse_keywords("has:code -org:\"Meta AI\" llm author:Dao"),
        );
        assert_eq!(filter.include, ["llm"]);
        assert_eq!(filter.authors, ["dao"]);
        assert_eq!(filter.facets, ["has:code"]);
        assert_eq!(filter.exclude_facets, ["org:meta ai"]);
        assert!(filter.exclude.is_empty());
    }

    #[test]
    fn bad_has_and_org_terms_are_refused_with_the_alerts_errors() {
        let (term, e) = bad_facet("llm, has:wings").unwrap();
        assert_eq!(
            (term.to_string(), e),
            ("has:wings".into(), TermError::UnknownHas)
        );
        let (_, e) = bad_facet("org:, llm").unwrap();
        assert_eq!(e, TermError::MissingOrgName);
        assert!(bad_facet("has:code org:\"Hugging Face\" -org:meta llm author:").is_none());
    }

    #[test]
    fn splits_quotes_and_excludes() {
        use KeywordKind::*;
        assert_eq!(
            words("LLM, \"Diffusion  Model\" 확산 -survey,,-\"red teaming\""),
            vec![
                ("llm".into(), Include),
                ("diffusion model".into(), Include),
                ("확산".into(), Include),
                ("survey".into(), Exclude),
                ("red teaming".into(), Exclude),
            ]
        );
        assert!(words("  , ,- ").is_empty());
        assert_eq!(words("llm llm").len(), 1);
    }

    /// The parser as it was before it moved to `terms`, kept to show that channel keywords
    /// still parse the same.
    fn parse_keywords_before_terms(input: &str) -> Vec<Keyword> {
        let mut out = Vec::new();
        let mut current = String::new();
        let mut in_quotes = false;
        let mut flush = |buf: &mut String| {
            let raw = std::mem::take(buf);
            let raw = raw.trim();
            let (kind, word) = match raw.strip_prefix('-') {
                Some(rest) => (KeywordKind::Exclude, rest.trim().trim_matches('"').trim()),
                None => (KeywordKind::Include, raw.trim_matches('"').trim()),
            };
            let word: String = word.split_whitespace().collect::<Vec<_>>().join(" ");
            if !word.is_empty() {
                out.push(Keyword {
                    word: word.to_lowercase(),
                    kind,
                });
            }
        };
        for c in input.chars() {
            match c {
                '"' | '“' | '”' => in_quotes = !in_quotes,
                ',' | '，' | '、' if !in_quotes => flush(&mut current),
                c if c.is_whitespace() && !in_quotes => flush(&mut current),
                c if c.is_control() => {}
                c => current.push(c),
            }
        }
        flush(&mut current);
        out.dedup_by(|a, b| a.word == b.word);
        out
    }

    proptest::proptest! {
        #[test]
        /// The alphabet cannot spell `author:`, the one thing that changed.
        fn parses_like_before_without_author_terms(
            input in "[aAbB가 ,，、\"“”\\-\t\n\u{0}:]{0,30}"
        ) {
            proptest::prop_assert_eq!(parse_keywords(&input), parse_keywords_before_terms(&input));
        }
    }

    #[test]
    fn author_terms_are_channel_keywords_under_their_prefix() {
        use KeywordKind::*;
        assert_eq!(
            words("llm author:\"Tri Dao\" -author:Smith -survey author:"),
            vec![
                ("llm".into(), Include),
                ("author:tri dao".into(), Include),
                ("author:smith".into(), Exclude),
                ("survey".into(), Exclude)
            ]
        );
        // And the channel's filter reads them back as author terms.
        let kws = parse_keywords("author:\"Tri Dao\" -author:Smith llm");
        let f = crate::deliver::settings::filter_for(None, &kws);
        assert_eq!(f.authors, vec!["tri dao".to_string()]);
        assert_eq!(f.exclude_authors, vec!["smith".to_string()]);
        assert_eq!(f.include, vec!["llm".to_string()]);
    }
}
