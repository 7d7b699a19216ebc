# paperboy's words in English, the fallback for every other language.
#
# Keys are grouped by feature with a prefix (`papers-`, `alerts-`, `post-`, …). Every message
# here must exist in every other catalog; `cargo test --lib i18n` checks that, and that no
# translation uses a variable the code does not give.

# The language's own name, as a reader of it writes it.
language-name = English

papers-count = { $count ->
    [one] { $count } paper
   *[other] { $count } papers
}

## Summaries: the labels of a model's bullets, and the footer naming the model that wrote them.
summary-label-new = What's new
summary-label-method = How it works
summary-label-results = Results
summary-label-note = Note
summary-footer = 🤖 bullets machine-written by { $model }

# forum_mode (a forum channel: one post a day, or one per paper)
forum-mode-not-a-forum = `forum_mode` only applies to forum channels: this channel gets each day's papers as messages. Leave the option out here.
forum-mode-field = Forum posts
forum-mode-day = one post a day (`day`)
forum-mode-paper = one post per paper (`paper`)
forum-mode-now = Forum posts: { $mode }.
forum-mode-changed = Forum posts are now { $mode }, from the next post on.
forum-mode-paper-note = Each paper gets a post of its own, tagged with the forum's tags named like its keywords (at most 5). In a forum that requires a tag, a paper no tag matches gets the tag named `papers` (or else the forum's first tag).

## The reading list (🔖 Save… under each post, `/papers saved …`).

saved-menu-placeholder = 🔖 Save…
saved-saved = 🔖 Saved **{ $title }** to your reading list ({ $count } saved). `/papers saved list` shows it.
saved-already = 🔖 **{ $title }** is already on your reading list.
saved-full = ⚠️ Your reading list is full ({ $limit } papers): remove some with `/papers saved remove` first.
saved-unknown = ⚠️ paperboy does not know the paper `{ $id }` any more, so it cannot be saved. Use `/papers search` to find it.
saved-empty = 🔖 Your reading list is empty. Pick a paper in the **🔖 Save…** menu under a daily post to keep it here.
saved-list-title = 🔖 Your reading list · { $count } saved
saved-list-footer = Page { $page } of { $pages } · newest first · /papers saved export for BibTeX or links
saved-not-an-id = `{ $text }` is not an arXiv id or link I can read; pick one of your papers from the list.
saved-not-saved = `{ $id }` is not on your reading list (`/papers saved list` shows what is).
saved-removed = 🗑️ Removed `{ $id }` from your reading list ({ $left } left).
saved-export-empty = 🔖 Your reading list is empty: nothing to export yet.
saved-export = 🔖 Your reading list, { $count ->
    [one] { $count } paper
   *[other] { $count } papers
}, newest first.
saved-cleared = 🗑️ Your reading list is deleted ({ $count ->
    [one] { $count } paper
   *[other] { $count } papers
}). paperboy keeps nothing of it.

## The best of a period (`/papers top`, the weekly post).

top-header-week = 🏆 **The past week's top { $count }** · { $span } · by Hugging Face votes
top-header-month = 🏆 **The past month's top { $count }** · { $span } · by Hugging Face votes
top-filtered = (this channel's filters)
top-none = No archived paper in { $span }.
top-none-filtered = No archived paper in { $span } matches this channel's filters.
weekly-header = 🏆 **The week's best** · { $span } · top { $count } by Hugging Face votes, counted just now
weekly-settings-name = The week's best
weekly-settings-on = Every { $weekday } at { $time } · top { $count } · next { $next }
weekly-settings-off = Off (`/papers subscribe weekly:True`)
weekly-subscribed = 🏆 The week's best: every { $weekday } at { $time }, the top { $count }.
weekly-not-in-forum = The week's best is not available in forum channels yet.
weekly-top-range = `weekly_top` goes from 1 to { $max }.
weekly-day-mon = Monday
weekly-day-tue = Tuesday
weekly-day-wed = Wednesday
weekly-day-thu = Thursday
weekly-day-fri = Friday
weekly-day-sat = Saturday
weekly-day-sun = Sunday
saved-weekly-header = 🔖 Your reading list this week. `/papers saved export` takes it to your reference manager; `/alerts saved_weekly enabled:False` stops these.
saved-weekly-footer = The newest { $shown } of { $count } · /papers saved list shows them all
alerts-saved-weekly-on = 🔖 Every Saturday at your alerts' hour you will get your reading list by DM.
alerts-saved-weekly-off = 🔖 No more weekly reading-list DMs.
alerts-saved-weekly-none = You have no alerts yet: add a term with `/alerts add` first, then turn this on.
