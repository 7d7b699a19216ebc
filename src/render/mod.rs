//! What a day looks like in Discord: papers to embeds, embeds packed into as few messages as
//! Discord accepts, and the text views of them.
//!
//! Pure: nothing here talks to Discord. Everything that leaves this module is within Discord's
//! limits (`/work/shared/discord/FACTS.md`), because a broken limit is a 400 that retrying cannot
//! fix: long text is cut at a character boundary with `…`, every embed fits a message on its own,
//! and [`pack`] enforces both again on whatever it is given, so it cannot produce an invalid
//! message.
//!
//! # Modules, by job
//! - `limits`: Discord's limits, the plain-data [`MessageSpec`] / [`EmbedSpec`], and [`pack`].
//! - `wire`: specs to serenity's builders and the exact JSON body sent.
//! - `sanitise`: untrusted text made safe (cut, one line, mentions defused, Markdown escaped).
//! - `save_menu`: the "🔖 Save…" select menu under each message of a channel's post.
//! - `paper`: one paper as one embed within a budget.
//! - `digest`: a channel's post for a day (header, paper embeds, the size budget, empty notices).
//! - `alert`: a person's alert DM for a day (one message).
//! - `for_you`: the same DM ranked by the person's reading list, with recommendations, news of
//!   saved papers and the "Not for me…" menu; the weekly reading-list DM's "for you" part.
//! - `dates`: a calendar day as the reader's language writes it.
//! - `post`: a paper as its own forum post (thread name, message, tag keywords).
//! - `day`: the one path from a day to messages, for every reader ([`day_messages`]).
//! - `reply`: a day cut to what a command's reply may hold.
//! - `text`: messages as plain text for the CLI.
//! - `top`: a ranking (the week's best) as messages.
//! - [`reading_list`]: a person's saved papers as a page, and as BibTeX or links.

mod alert;
mod dates;
mod day;
mod digest;
mod for_you;
mod limits;
mod paper;
mod post;
pub mod reading_list;
mod reply;
mod sanitise;
mod save_menu;
mod spec;
#[cfg(test)]
pub(crate) mod testing;
mod text;
mod top;
mod wire;

pub use alert::{render_alert, render_alert_with};
pub use dates::date_text;
pub use day::{
    alert_messages, channel_messages, day_messages, day_messages_with, never_published_notice,
    DayContent, DayMessages, Reader, MAX_MESSAGES_PER_DAY, MAX_PAPERS_PER_DAY,
};
pub use digest::{
    digest_embed_budget, empty_notice, render_digest, render_digest_with, EmptyReason,
    RenderContext,
};
pub use for_you::{
    add_for_you_to_weekly, followup_line, not_for_me_menu, render_for_you, ForYouDay, RankedMatch,
    Recommended, NOT_FOR_ME_ID,
};
pub use limits::{
    MAX_AUTHOR_NAME_CHARS, MAX_CONTENT_CHARS, MAX_DESCRIPTION_CHARS, MAX_EMBEDS_PER_MESSAGE,
    MAX_EMBED_CHARS_PER_MESSAGE, MAX_FIELDS_PER_EMBED, MAX_FIELD_NAME_CHARS, MAX_FIELD_VALUE_CHARS,
    MAX_FOOTER_CHARS, MAX_NONCE_CHARS, MAX_TITLE_CHARS, MAX_URL_CHARS,
};
pub use paper::{
    link_line, paper_embed, paper_embed_noted, paper_embed_within, paper_embed_written,
    MachineBullets, Overlay, EMBED_COLOR, MIN_PAPERS_PER_MESSAGE, PAPER_EMBED_BUDGET,
};
pub use post::{day_thread_name, thread_name, PostHead, MAX_THREAD_NAME_CHARS};
pub use reply::{reply, Reply, MAX_REPLY_MESSAGES};
pub use sanitise::{outside_text, plain_line, truncate_chars};
pub use save_menu::{
    normalise_arxiv_id, option_snapshot, save_menu, OptionSnapshot, SelectOption, SelectSpec,
    SAVE_MENU_ID,
};
pub use spec::{pack, EmbedSpec, FieldSpec, MessageSpec};
pub use text::to_text;
pub use top::{span, top_messages};
