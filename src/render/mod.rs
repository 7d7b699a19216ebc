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
//! - `sanitise`: untrusted text made safe (cut, one line or paragraphs, mentions defused,
//!   Markdown escaped).
//! - `save_menu`: the "🔖 Save…" select menu under each message of a channel's post.
//! - `screen`: how much room text takes on a desktop client (columns, rows, one screen).
//! - `bullets`: a card's bullets: their roles, order (new, results, method, note) and cuts.
//! - `paper`: one paper as one card (an embed) within a budget, its chrome two rows.
//! - `index`: the day at a glance: the numbered top papers, their short lines, the save menu;
//!   the interface for callers that order and annotate the papers themselves.
//! - `digest`: a channel's cards for a day (the header, the size budget, empty notices).
//! - `alert`: a person's alert DM for a day (one message: the index and the first cards).
//! - `for_you`: the alert DM ranked by the person's reading list (the index's order, a why per
//!   paper, recommendations, news of saved papers, the "Not for me…" menu); the weekly
//!   reading-list DM's "for you" part.
//! - `dates`: a calendar day as the reader's language writes it.
//! - `post`: a paper as its own forum post (thread name, message, tag keywords).
//! - `day`: the one path from a day to messages, for every reader ([`day_messages`]).
//! - `reply`: a day cut to what a command's reply may hold.
//! - `text`: messages as plain text for the CLI.
//! - `top`: a ranking (the week's best) as messages.
//! - [`reading_list`]: a person's saved papers as a page, and as BibTeX or links.

mod alert;
mod bullets;
mod dates;
mod day;
mod digest;
mod for_you;
mod index;
mod limits;
mod paper;
mod post;
pub mod reading_list;
mod reply;
mod sanitise;
mod save_menu;
mod screen;
mod spec;
#[cfg(test)]
pub(crate) mod testing;
mod text;
mod top;
mod wire;

pub use alert::{matched_tag, render_alert, render_alert_sections, render_alert_with};
pub use bullets::{bullets_within, cut_text, digest_bullet, written_bullet, Bullet, Role};
pub use dates::date_text;
pub use day::{
    alert_messages, channel_messages, day_messages, day_messages_with, glance_thread_name,
    never_published_notice, DayContent, DayMessages, Reader, Shape, MAX_MESSAGES_PER_DAY,
    MAX_PAPERS_PER_DAY, THREAD_ARCHIVE_MINUTES,
};
pub use digest::{
    digest_embed_budget, empty_notice, render_digest, render_digest_with, EmptyReason,
    RenderContext,
};
pub use for_you::{
    add_for_you_to_weekly, followup_line, not_for_me_menu, render_for_you, ForYouDay, RankedMatch,
    Recommended, NOT_FOR_ME_ID,
};
pub use index::{
    index_in_one, index_messages, reindex, what_is_new, Entry, IndexSpec, More, Section,
};
pub use limits::{
    MAX_AUTHOR_NAME_CHARS, MAX_CONTENT_CHARS, MAX_DESCRIPTION_CHARS, MAX_EMBEDS_PER_MESSAGE,
    MAX_EMBED_CHARS_PER_MESSAGE, MAX_FIELDS_PER_EMBED, MAX_FIELD_NAME_CHARS, MAX_FIELD_VALUE_CHARS,
    MAX_FOOTER_CHARS, MAX_NONCE_CHARS, MAX_TITLE_CHARS, MAX_URL_CHARS,
};
pub use paper::{
    card, card_bullets, link_line, paper_embed, paper_embed_within, stats_line, CardContext,
    MachineBullets, MachineLine, Overlay, CARD_AUTHORS, CARD_BULLET_CHARS, EMBED_COLOR,
    MIN_PAPERS_PER_MESSAGE, PAPER_EMBED_BUDGET,
};
pub use post::{day_thread_name, thread_name, PostHead, MAX_THREAD_NAME_CHARS};
pub use reply::{reply, Reply, MAX_REPLY_MESSAGES};
pub use sanitise::outside_paragraphs;
pub use sanitise::{outside_text, plain_line, truncate_chars};
pub use save_menu::{
    normalise_arxiv_id, option_snapshot, save_menu, OptionSnapshot, SelectOption, SelectSpec,
    SAVE_MENU_ID,
};
pub use screen::{
    card_chrome_rows, columns, rows, visible, CONTENT_COLUMNS, EMBED_COLUMNS, FOOTER_COLUMNS,
    MENU_ROWS, SCREEN_ROWS,
};
pub use spec::{pack, EmbedSpec, FieldSpec, MessageSpec};
pub use text::{day_to_text, to_text};
pub use top::{span, top_messages};
