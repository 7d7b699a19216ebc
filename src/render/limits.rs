//! Discord's message limits, as numbers (`/work/shared/discord/FACTS.md`): the one table every
//! renderer, the sanitiser and the message specs ([`super::spec`]) are checked against.

/// Message `content`.
pub const MAX_CONTENT_CHARS: usize = 2000;
pub const MAX_EMBEDS_PER_MESSAGE: usize = 10;
/// Across all embeds of one message: title, description, field names and values, footer text,
/// author name.
pub const MAX_EMBED_CHARS_PER_MESSAGE: usize = 6000;
pub const MAX_TITLE_CHARS: usize = 256;
pub const MAX_DESCRIPTION_CHARS: usize = 4096;
pub const MAX_FIELDS_PER_EMBED: usize = 25;
pub const MAX_FIELD_NAME_CHARS: usize = 256;
pub const MAX_FIELD_VALUE_CHARS: usize = 1024;
pub const MAX_FOOTER_CHARS: usize = 2048;
/// A card's author line (its organisation).
pub const MAX_AUTHOR_NAME_CHARS: usize = 256;
pub const MAX_NONCE_CHARS: usize = 25;
/// Not a Discord-documented number in FACTS.md: URLs beyond this are dropped as implausible
/// rather than risk the whole message on them.
pub const MAX_URL_CHARS: usize = 2048;
