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
