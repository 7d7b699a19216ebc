//! Specs to what serenity sends: [`EmbedSpec::to_create_embed`], [`MessageSpec::to_create_message`]
//! and the exact JSON body ([`MessageSpec::to_json`]) the deliveries ledger stores.
//!
//! Why it exists: the conversion is the one place where paperboy's plain data meets serenity's
//! builders, so it is kept faithful (no limit is applied here: the spec's counts are what is
//! sent) and always turns mentions off.

use serenity::builder::{
    CreateAllowedMentions, CreateEmbed, CreateEmbedAuthor, CreateEmbedFooter, CreateMessage,
};
use serenity::model::channel::Nonce;

use super::limits::MAX_NONCE_CHARS;
use super::sanitise::chars;
use super::spec::{EmbedSpec, MessageSpec};

impl EmbedSpec {
    /// A faithful conversion: limits are enforced by [`EmbedSpec::fit_limits`] (which
    /// [`paper_embed`](super::paper_embed) and [`pack`](super::pack) apply), not here, so the spec's counts are what is sent.
    pub fn to_create_embed(&self) -> CreateEmbed {
        let mut embed = CreateEmbed::new();
        if let Some(color) = self.color {
            embed = embed.color(color);
        }
        if let Some(author) = &self.author {
            embed = embed.author(CreateEmbedAuthor::new(author));
        }
        if !self.title.is_empty() {
            embed = embed.title(&self.title);
        }
        if let Some(url) = &self.url {
            embed = embed.url(url);
        }
        if !self.description.is_empty() {
            embed = embed.description(&self.description);
        }
        if let Some(thumbnail) = &self.thumbnail {
            embed = embed.thumbnail(thumbnail);
        }
        for field in &self.fields {
            embed = embed.field(&field.name, &field.value, field.inline);
        }
        if !self.footer.is_empty() {
            embed = embed.footer(CreateEmbedFooter::new(&self.footer));
        }
        if let Some(at) = self.timestamp {
            embed = embed.timestamp(serenity::model::Timestamp::from(at));
        }
        embed
    }
}

impl MessageSpec {
    /// Mentions are always disabled: the digest is third-party text. With a nonce, Discord
    /// de-duplicates a retried post (`enforce_nonce`); the nonce must be at most
    /// [`MAX_NONCE_CHARS`] characters.
    pub fn to_create_message(&self, nonce: Option<&str>) -> CreateMessage {
        let mut message = CreateMessage::new()
            .embeds(self.embeds.iter().map(EmbedSpec::to_create_embed).collect())
            .allowed_mentions(CreateAllowedMentions::new());
        if let Some(content) = &self.content {
            message = message.content(content);
        }
        if let Some(menu) = &self.menu {
            message = message.components(vec![menu.to_action_row()]);
        }
        if let Some(nonce) = nonce {
            debug_assert!(
                chars(nonce) <= MAX_NONCE_CHARS,
                "nonce {nonce:?} is longer than Discord's {MAX_NONCE_CHARS} characters"
            );
            message = message
                .nonce(Nonce::String(nonce.to_string()))
                .enforce_nonce(true);
        }
        message
    }

    /// Exactly the JSON body serenity would POST, for logging, tests and the deliveries ledger.
    pub fn to_json(&self, nonce: Option<&str>) -> serde_json::Value {
        serde_json::to_value(self.to_create_message(nonce))
            .expect("CreateMessage serialises: plain strings, numbers and string-keyed maps")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::testing::*;
    use crate::render::EMBED_COLOR;
    use serde_json::json;

    #[test]
    fn char_count_matches_the_serialised_embed() {
        let mut p = paper(&korean(120));
        p.organization = Some(crate::source::digest::Organization {
            name: "o".into(),
            fullname: Some("조직".into()),
        });
        let lang = crate::language::Language::english();
        let e = crate::render::card(
            &p,
            &["모델".into()],
            None,
            &crate::render::CardContext {
                budget: crate::render::PAPER_EMBED_BUDGET,
                votes_at: None,
                date: date(),
                thumbnail: true,
                lang: &lang,
            },
        );
        let json = MessageSpec {
            content: None,
            embeds: vec![e.clone()],
            menu: None,
        }
        .to_json(None);
        let j = &json["embeds"][0];
        let mut n = str_field(&j["author"], "name").chars().count()
            + str_field(j, "title").chars().count()
            + str_field(j, "description").chars().count()
            + str_field(&j["footer"], "text").chars().count();
        for f in j["fields"].as_array().into_iter().flatten() {
            n += str_field(f, "name").chars().count() + str_field(f, "value").chars().count();
        }
        assert_eq!(n, e.char_count());
        assert_eq!(j["color"], json!(EMBED_COLOR));
        assert_eq!(j["thumbnail"]["url"], json!(p.thumbnail_url.unwrap()));
        assert_eq!(j["author"]["name"], json!("조직"));
        assert_eq!(j["timestamp"], json!("2024-04-02T00:00:00Z"));
    }

    #[test]
    fn allowed_mentions_parse_nothing() {
        let m = MessageSpec {
            content: Some("hi @everyone".into()),
            embeds: vec![embed_of(5)],
            menu: None,
        };
        let json = m.to_json(None);
        // serenity sends empty user and role lists too; together: nothing can be pinged.
        assert_eq!(
            json["allowed_mentions"],
            json!({"parse": [], "users": [], "roles": []})
        );
        assert_eq!(json["allowed_mentions"]["parse"], json!([]));
        assert!(json.get("nonce").is_none());
        assert_eq!(json["enforce_nonce"], json!(false));
        assert_eq!(json["content"], json!("hi @everyone"));
        assert_eq!(json["embeds"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn nonce_is_sent_with_enforce_nonce() {
        let m = MessageSpec {
            content: None,
            embeds: vec![embed_of(5)],
            menu: None,
        };
        let json = m.to_json(Some("pb-20240402-42-1"));
        assert_eq!(json["nonce"], json!("pb-20240402-42-1"));
        assert_eq!(json["enforce_nonce"], json!(true));
        assert_eq!(json["allowed_mentions"]["parse"], json!([]));
        assert!(json.get("content").is_none());
    }
}
