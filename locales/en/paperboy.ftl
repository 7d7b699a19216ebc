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
