//! The plain-data message ([`MessageSpec`], [`EmbedSpec`]) checked against Discord's limits
//! ([`super::limits`]).
//!
//! Why it exists: a broken limit is a 400 that retrying cannot fix, so every message paperboy
//! sends is a spec that has been through [`EmbedSpec::fit_limits`] (each embed fits a message on
//! its own) and [`pack`] (embeds into as few messages as the 10-embed and 6,000-character rules
//! allow). Whatever builds an embed (a paper, an alert, a settings reply) ends here.

use serde::Serialize;

use super::limits::*;
use super::sanitise::{chars, is_http_url, truncate_chars};
use super::save_menu::SelectSpec;

/// One embed, in plain data so it can be compared, counted and previewed before serenity sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct EmbedSpec {
    /// The line above the title (Discord's embed author name); `None` means none. Counted
    /// toward the 6,000 characters like the title.
    pub author: Option<String>,
    /// Empty means no title.
    pub title: String,
    pub url: Option<String>,
    /// Empty means no description.
    pub description: String,
    pub thumbnail: Option<String>,
    pub fields: Vec<FieldSpec>,
    /// Empty means no footer.
    pub footer: String,
    /// The sidebar colour; `None` leaves Discord's default.
    pub color: Option<u32>,
    /// Shown by each client in the footer's row, in its reader's own zone and language.
    pub timestamp: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldSpec {
    pub name: String,
    pub value: String,
    pub inline: bool,
}

impl EmbedSpec {
    /// What Discord counts toward the 6,000-character message total, in Unicode characters.
    pub fn char_count(&self) -> usize {
        self.author.as_deref().map_or(0, chars)
            + chars(&self.title)
            + chars(&self.description)
            + self
                .fields
                .iter()
                .map(|f| chars(&f.name) + chars(&f.value))
                .sum::<usize>()
            + chars(&self.footer)
    }

    /// Brings any embed within every per-field limit and the 6,000-character total, so that it
    /// fits a message alone. Idempotent; a no-op on embeds that already comply.
    ///
    /// Over the total, the description is shortened first, then field values from the last
    /// field up, then the title, then the footer; an author line that does not fit is dropped.
    pub fn fit_limits(mut self) -> Self {
        self.author = self
            .author
            .map(|a| truncate_chars(a.trim(), MAX_AUTHOR_NAME_CHARS))
            .filter(|a| !a.is_empty());
        self.title = truncate_chars(&self.title, MAX_TITLE_CHARS);
        self.description = truncate_chars(&self.description, MAX_DESCRIPTION_CHARS);
        self.footer = truncate_chars(&self.footer, MAX_FOOTER_CHARS);
        self.url = self.url.filter(|u| is_http_url(u));
        self.thumbnail = self.thumbnail.filter(|u| is_http_url(u));
        // Discord rejects fields with an empty name or value.
        self.fields
            .retain(|f| !f.name.trim().is_empty() && !f.value.trim().is_empty());
        self.fields.truncate(MAX_FIELDS_PER_EMBED);
        for field in &mut self.fields {
            field.name = truncate_chars(&field.name, MAX_FIELD_NAME_CHARS);
            field.value = truncate_chars(&field.value, MAX_FIELD_VALUE_CHARS);
        }

        let mut excess = self
            .char_count()
            .saturating_sub(MAX_EMBED_CHARS_PER_MESSAGE);
        if excess > 0 {
            excess = shrink(&mut self.description, excess);
        }
        let mut i = self.fields.len();
        while excess > 0 && i > 0 {
            i -= 1;
            let field = &mut self.fields[i];
            if chars(&field.value) <= excess {
                // Cannot be cut to nothing: an empty value is invalid, so drop the field.
                excess = excess.saturating_sub(chars(&field.name) + chars(&field.value));
                self.fields.remove(i);
            } else {
                excess = shrink(&mut field.value, excess);
            }
        }
        if excess > 0 {
            excess = shrink(&mut self.title, excess);
        }
        if excess > 0 {
            excess = shrink(&mut self.footer, excess);
        }
        if excess > 0 {
            self.author = None;
        }
        self
    }
}

/// One message to send.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MessageSpec {
    pub content: Option<String>,
    pub embeds: Vec<EmbedSpec>,
    /// A select menu in its own action row under the embeds (a post's "🔖 Save…").
    pub menu: Option<SelectSpec>,
}
impl MessageSpec {
    /// Characters counted toward the 6,000 embed total; `content` has its own 2,000 cap and is
    /// not included.
    pub fn char_count(&self) -> usize {
        self.embeds.iter().map(EmbedSpec::char_count).sum()
    }
}

/// Greedy in order: each message takes embeds until the next would break the 10-embed or
/// 6,000-character limit. For an order-preserving split this is also the fewest messages.
/// Embeds are passed through [`EmbedSpec::fit_limits`] first, so any input packs.
pub fn pack(embeds: Vec<EmbedSpec>) -> Vec<MessageSpec> {
    let mut messages = Vec::new();
    let mut current: Vec<EmbedSpec> = Vec::new();
    let mut current_chars = 0;
    for embed in embeds {
        let embed = embed.fit_limits();
        let size = embed.char_count();
        if !current.is_empty()
            && (current.len() == MAX_EMBEDS_PER_MESSAGE
                || current_chars + size > MAX_EMBED_CHARS_PER_MESSAGE)
        {
            messages.push(MessageSpec {
                content: None,
                embeds: std::mem::take(&mut current),
                menu: None,
            });
            current_chars = 0;
        }
        current_chars += size;
        current.push(embed);
    }
    if !current.is_empty() {
        messages.push(MessageSpec {
            content: None,
            embeds: current,
            menu: None,
        });
    }
    messages
}

/// Shortens `s` by at least `excess` characters; returns what could not be removed.
fn shrink(s: &mut String, excess: usize) -> usize {
    let len = chars(s);
    if len == 0 {
        return excess;
    }
    if excess >= len {
        s.clear();
        return excess - len;
    }
    *s = truncate_chars(s, len - excess);
    0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::testing::*;
    use proptest::prelude::*;

    #[test]
    fn eleven_embeds_make_two_messages() {
        let embeds: Vec<EmbedSpec> = (0..11).map(|_| embed_of(10)).collect();
        let messages = pack(embeds);
        assert_eq!(
            messages.iter().map(|m| m.embeds.len()).collect::<Vec<_>>(),
            [10, 1]
        );
    }

    #[test]
    fn embeds_of_1900_chars_go_three_to_a_message() {
        let messages = pack((0..7).map(|_| embed_of(1900)).collect());
        assert_eq!(
            messages.iter().map(|m| m.embeds.len()).collect::<Vec<_>>(),
            [3, 3, 1]
        );
        assert_valid(&messages);
    }

    #[test]
    fn exactly_at_the_limits_fits_one_message() {
        let ten: Vec<EmbedSpec> = (0..10).map(|_| embed_of(600)).collect();
        let messages = pack(ten);
        assert_eq!(messages.len(), 1);
        assert_eq!(messages[0].char_count(), MAX_EMBED_CHARS_PER_MESSAGE);
        assert_valid(&messages);

        let mut over: Vec<EmbedSpec> = (0..10).map(|_| embed_of(600)).collect();
        over[9].description.push('가');
        assert_eq!(pack(over).len(), 2);

        let two = pack(vec![embed_of(4000), embed_of(2000)]);
        assert_eq!(two.len(), 1);
        let two = pack(vec![embed_of(4000), embed_of(2001)]);
        assert_eq!(two.len(), 2);
    }

    #[test]
    fn char_count_counts_characters_not_bytes() {
        let mut e = embed_of(0);
        e.title = "가나다".into();
        e.description = "😀é".into();
        e.fields = vec![FieldSpec {
            name: "한".into(),
            value: "ab".into(),
            inline: false,
        }];
        e.footer = "·".into();
        e.author = Some("저자".into());
        assert_eq!(e.char_count(), 3 + 2 + 1 + 2 + 1 + 2);
        // 4096 Korean characters are 12,288 bytes and still a valid description.
        let full = embed_of(MAX_DESCRIPTION_CHARS);
        assert_eq!(full.clone().fit_limits(), full);
    }

    #[test]
    fn pack_keeps_order() {
        let embeds: Vec<EmbedSpec> = (0..25)
            .map(|i| {
                let mut e = embed_of(300 + (i * 97) % 1500);
                e.title = format!("#{i}");
                e
            })
            .collect();
        let messages = pack(embeds.clone());
        let flat: Vec<EmbedSpec> = messages.into_iter().flat_map(|m| m.embeds).collect();
        assert_eq!(flat, embeds);
    }

    #[test]
    fn an_oversized_embed_is_capped_so_it_still_packs() {
        let e = EmbedSpec {
            author: Some("a".repeat(300)),
            timestamp: None,
            title: "t".repeat(1000),
            url: Some("mailto:x".into()),
            description: "d".repeat(10_000),
            thumbnail: None,
            fields: (0..30)
                .map(|i| FieldSpec {
                    name: format!("f{i}"),
                    value: "v".repeat(2000),
                    inline: false,
                })
                .chain([FieldSpec {
                    name: "empty".into(),
                    value: " ".into(),
                    inline: true,
                }])
                .collect(),
            footer: "f".repeat(3000),
            color: Some(0),
        };
        let fitted = e.clone().fit_limits();
        assert!(fitted.char_count() <= MAX_EMBED_CHARS_PER_MESSAGE);
        assert_eq!(fitted.clone().fit_limits(), fitted);
        assert_eq!(fitted.url, None);
        assert_eq!(
            fitted.author.as_deref().map(|a| a.chars().count()),
            Some(MAX_AUTHOR_NAME_CHARS)
        );
        let messages = pack(vec![e.clone(), e]);
        assert_eq!(messages.len(), 2);
        assert_valid(&messages);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn arbitrary_embeds_pack_within_limits(embeds in prop::collection::vec(arb_embed(), 0..14)) {
            let fitted: Vec<EmbedSpec> = embeds.iter().cloned().map(EmbedSpec::fit_limits).collect();
            for e in &fitted {
                prop_assert_eq!(&e.clone().fit_limits(), e);
            }
            let messages = pack(embeds);
            for m in &messages {
                prop_assert_eq!(violations(&m.to_json(None)), Vec::<String>::new());
            }
            let flat: Vec<EmbedSpec> = messages.into_iter().flat_map(|m| m.embeds).collect();
            prop_assert_eq!(flat, fitted);
        }
    }
}
