//! A person's reading list: papers saved from a post's "🔖 Save…" menu (the menu itself is
//! `render::save_menu`, the rows `store::saved`), shown a page at a time and exported. Pure.
//! - [`page`]: one page of the list as an embed.
//! - [`export`]: the list as BibTeX or as links.

pub mod export;
pub mod page;
