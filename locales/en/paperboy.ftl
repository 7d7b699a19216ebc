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

## Dates and shared words (every reply and post)

# A calendar day as this language writes it. Given: $year, $month, $day (plain numbers, as
# text) and $mm, $dd (the month and day with two digits). English writes the ISO form; the two
# selects only declare that $month and $day are given too, for languages that write them.
date = { $month ->
   *[other] { $day ->
       *[other] { $year }-{ $mm }-{ $dd }
    }
}
# What a reader may type for a day instead of a date (lowercase).
date-word-today = today
date-word-yesterday = yesterday
reason-unknown-user = Discord does not know this user (404 Unknown User)
reason-channel-gone = the channel no longer exists (Discord: 404 Unknown Channel)
reason-missing-access = paperboy can no longer see this channel (Discord: 403 Missing Access)
reason-missing-permissions = paperboy lacks permission to post here (Discord: 403 Missing Permissions); it needs View Channel, Send Messages, Embed Links and Read Message History
reason-dms-closed = Discord does not let paperboy send this user direct messages (50007: their DMs are closed, or they share no server with the bot)
no-reason = no reason recorded
yes = yes
no = no

## Commands: names and descriptions Discord shows (English names are the commands' own)

cmd-papers-name = papers
cmd-papers-desc = Daily Papers from Hugging Face: today's papers, search, and this channel's daily post.
cmd-papers-today-name = today
cmd-papers-today-desc = Today's papers, filtered by this channel's keywords when it is subscribed.
cmd-papers-today-opt-all-name = all
cmd-papers-today-opt-all-desc = Show every paper, ignoring this channel's keywords
cmd-papers-date-name = date
cmd-papers-date-desc = The papers of a given day, filtered by this channel's keywords when it is subscribed.
cmd-papers-date-opt-day-name = day
cmd-papers-date-opt-day-desc = The day, as YYYY-MM-DD (or 'yesterday')
cmd-papers-date-opt-all-name = all
cmd-papers-date-opt-all-desc = Show every paper, ignoring this channel's keywords
cmd-papers-search-name = search
cmd-papers-search-desc = Search the archived digests' titles and summaries.
cmd-papers-search-opt-query-name = query
cmd-papers-search-opt-query-desc = Words to look for (English or Korean)
cmd-papers-search-opt-days-name = days
cmd-papers-search-opt-days-desc = Only the last N days
cmd-papers-preview-name = preview
cmd-papers-preview-desc = What this channel's next daily post will carry, shown only to you.
cmd-papers-subscribe-name = subscribe
cmd-papers-subscribe-desc = Post the Daily Papers in this channel every day.
cmd-papers-subscribe-opt-time-name = time
cmd-papers-subscribe-opt-time-desc = Local time of the daily post, HH:MM (default: the bot's schedule)
cmd-papers-subscribe-opt-timezone-name = timezone
cmd-papers-subscribe-opt-timezone-desc = Time zone for the post time, e.g. Asia/Seoul
cmd-papers-subscribe-opt-min_votes-name = min_votes
cmd-papers-subscribe-opt-min_votes-desc = Only papers with at least this many votes
cmd-papers-subscribe-opt-top_n-name = top_n
cmd-papers-subscribe-opt-top_n-desc = Only the N most-voted papers
cmd-papers-subscribe-opt-notify_empty-name = notify_empty
cmd-papers-subscribe-opt-notify_empty-desc = Post a short notice on days with nothing to show
cmd-papers-subscribe-opt-auto_publish-name = auto_publish
cmd-papers-subscribe-opt-auto_publish-desc = Publish posts to following servers (announcement channels)
cmd-papers-subscribe-opt-language-name = language
cmd-papers-subscribe-opt-language-desc = Language of the summaries and posts, e.g. ko, en, ja (default: the bot's)
cmd-papers-subscribe-opt-forum_mode-name = forum_mode
cmd-papers-subscribe-opt-forum_mode-desc = Forum channels: one post a day (day, the default) or one post per paper
cmd-papers-subscribe-opt-forum_mode-choice-day = day
cmd-papers-subscribe-opt-forum_mode-choice-paper = paper
cmd-papers-subscribe-opt-weekly-name = weekly
cmd-papers-subscribe-opt-weekly-desc = Also post the week's best papers once a week
cmd-papers-subscribe-opt-weekday-name = weekday
cmd-papers-subscribe-opt-weekday-desc = The day of the week's best (default Saturday)
cmd-papers-subscribe-opt-weekday-choice-monday = Monday
cmd-papers-subscribe-opt-weekday-choice-tuesday = Tuesday
cmd-papers-subscribe-opt-weekday-choice-wednesday = Wednesday
cmd-papers-subscribe-opt-weekday-choice-thursday = Thursday
cmd-papers-subscribe-opt-weekday-choice-friday = Friday
cmd-papers-subscribe-opt-weekday-choice-saturday = Saturday
cmd-papers-subscribe-opt-weekday-choice-sunday = Sunday
cmd-papers-subscribe-opt-weekly_top-name = weekly_top
cmd-papers-subscribe-opt-weekly_top-desc = How many papers the week's best shows (default 10)
cmd-papers-unsubscribe-name = unsubscribe
cmd-papers-unsubscribe-desc = Stop posting the Daily Papers in this channel (its keywords are kept).
cmd-papers-pause-name = pause
cmd-papers-pause-desc = Pause this channel's daily post without losing its settings.
cmd-papers-resume-name = resume
cmd-papers-resume-desc = Resume this channel's daily post (also after paperboy paused it because of an error).
cmd-papers-retry-name = retry
cmd-papers-retry-desc = Try this channel's failed days again (the last days of the catch-up window).
cmd-papers-settings-name = settings
cmd-papers-settings-desc = Everything this channel has configured, and when the next post is due.
cmd-papers-settings-opt-forum_mode-name = forum_mode
cmd-papers-settings-opt-forum_mode-desc = Change: forum channels get one post a day (day) or one per paper (paper)
cmd-papers-settings-opt-forum_mode-choice-day = day
cmd-papers-settings-opt-forum_mode-choice-paper = paper
cmd-papers-top-name = top
cmd-papers-top-desc = The best papers of the past week or month by votes (this channel's filters when subscribed).
cmd-papers-top-opt-period-name = period
cmd-papers-top-opt-period-desc = The past week (default) or month
cmd-papers-top-opt-period-choice-week = week
cmd-papers-top-opt-period-choice-month = month
cmd-papers-top-opt-count-name = count
cmd-papers-top-opt-count-desc = How many papers (default 10)
cmd-papers-saved-name = saved
cmd-papers-saved-desc = Your reading list: papers you saved with a post's 🔖 Save… menu.
cmd-papers-saved-list-name = list
cmd-papers-saved-list-desc = Your saved papers, newest first, with their links (only you see this).
cmd-papers-saved-list-opt-page-name = page
cmd-papers-saved-list-opt-page-desc = Which page (10 papers a page)
cmd-papers-saved-remove-name = remove
cmd-papers-saved-remove-desc = Remove one paper from your reading list.
cmd-papers-saved-remove-opt-paper-name = paper
cmd-papers-saved-remove-opt-paper-desc = The paper: its arXiv id (e.g. 2404.00399) or link
cmd-papers-saved-export-name = export
cmd-papers-saved-export-desc = Your reading list as a file: BibTeX entries, or links (only you see it).
cmd-papers-saved-export-opt-format-name = format
cmd-papers-saved-export-opt-format-desc = BibTeX (default) or a list of links
cmd-papers-saved-export-opt-format-choice-bibtex = BibTeX
cmd-papers-saved-export-opt-format-choice-links = Links
cmd-papers-saved-clear-name = clear
cmd-papers-saved-clear-desc = Delete your whole reading list.
cmd-papers-keywords-name = keywords
cmd-papers-keywords-desc = This channel's keywords: papers matching any of them are posted.
cmd-papers-keywords-add-name = add
cmd-papers-keywords-add-desc = Add keywords (space or comma separated; "quoted phrases"; -word excludes).
cmd-papers-keywords-add-opt-words-name = words
cmd-papers-keywords-add-opt-words-desc = e.g. llm, "diffusion model", 확산, -survey
cmd-papers-keywords-remove-name = remove
cmd-papers-keywords-remove-desc = Remove one keyword.
cmd-papers-keywords-remove-opt-word-name = word
cmd-papers-keywords-remove-opt-word-desc = The keyword to remove
cmd-papers-keywords-list-name = list
cmd-papers-keywords-list-desc = List this channel's keywords.
cmd-papers-keywords-clear-name = clear
cmd-papers-keywords-clear-desc = Remove all of this channel's keywords.
cmd-alerts-name = alerts
cmd-alerts-desc = Your own Daily Papers alerts: papers matching your terms, by direct message once a day.
cmd-alerts-add-name = add
cmd-alerts-add-desc = Add terms: words, "quoted phrases", -excludes, author:"Name". You get a DM on days they match.
cmd-alerts-add-opt-terms-name = terms
cmd-alerts-add-opt-terms-desc = e.g. speculative decoding, "diffusion model", author:"Tri Dao", -survey
cmd-alerts-list-name = list
cmd-alerts-list-desc = Your terms and when your alerts arrive.
cmd-alerts-remove-name = remove
cmd-alerts-remove-desc = Remove one of your terms.
cmd-alerts-remove-opt-term-name = term
cmd-alerts-remove-opt-term-desc = The term, as /alerts list shows it
cmd-alerts-clear-name = clear
cmd-alerts-clear-desc = Delete everything paperboy stores about you: terms, settings and the record of your DMs.
cmd-alerts-pause-name = pause
cmd-alerts-pause-desc = Stop your alert DMs for now (your terms are kept).
cmd-alerts-resume-name = resume
cmd-alerts-resume-desc = Start your alert DMs again (also after paperboy paused them because Discord refused a DM).
cmd-alerts-time-name = time
cmd-alerts-time-desc = Choose when your alert DM arrives: a local time and a time zone (default: the bot's).
cmd-alerts-time-opt-time-name = time
cmd-alerts-time-opt-time-desc = Local time of your DM, HH:MM, or 'default' for the bot's schedule
cmd-alerts-time-opt-timezone-name = timezone
cmd-alerts-time-opt-timezone-desc = Your time zone, e.g. Asia/Seoul (default: the bot's)

cmd-alerts-saved_weekly-name = saved_weekly
cmd-alerts-saved_weekly-desc = Get your reading list by DM every Saturday at your alerts' hour (or stop it).
cmd-alerts-saved_weekly-opt-enabled-name = enabled
cmd-alerts-saved_weekly-opt-enabled-desc = True: a weekly DM of your saved papers; False: none
## Errors every command can give

error-need-guild = Subscriptions live in server channels: run this in a channel of your server.
error-need-manage-channels = You need the **Manage Channels** permission to change paperboy's settings for this channel.
error-date-unreadable = `{ $input }` is not a date I can read. Use YYYY-MM-DD, for example `{ $example }`.
error-date-future = { $date } is in the future; the newest digest is today's ({ $today }).
error-time-unreadable = `{ $input }` is not a time I can read. Use 24-hour HH:MM, for example `09:00` or `18:30`.
error-timezone-unknown = `{ $input }` is not a time zone I know. Pick one from the list, e.g. `Asia/Seoul` or `Europe/Berlin`.
error-internal = Something went wrong on paperboy's side; the error has been logged. Please try again later.
error-argument = I could not read the options of this command; please check them and try again.
error-fallback = ⚠️ That did not work; please try again.
error-term = `{ $term }`: { $why }.
term-missing-author = `author:` needs a name, e.g. author:"Tri Dao"
term-empty = the term is empty
term-too-long = the term is longer than { $max } characters
term-no-letter = the term has no letters or digits, so it would match nothing useful
term-unknown-has = `has:` knows only `has:code` (papers with a code repository)
term-missing-org = `org:` needs an organisation, e.g. org:huggingface or org:"Hugging Face"
store-too-many-keywords = this channel can have at most { $max } keywords; remove some first
store-too-many-terms = you can have at most { $max } alert terms; remove some first (`/alerts remove`)
store-keyword-too-long = the keyword "{ $keyword }" is longer than { $max } characters
store-keyword-empty = a keyword cannot be empty
store-not-subscribed = this channel is not subscribed to the daily papers

## /papers today, date, preview, search

papers-newest-complete = The newest complete digest is { $date } (`/papers date day:{ $iso }`).
papers-today-not-out = Today's digest ({ $date }) is not out yet; here is the newest, { $newest }.
papers-no-digest-yet = There is no Daily Papers digest for { $date } yet. Digests appear on weekdays, at the end of the day in UTC.
papers-no-digest = There is no Daily Papers digest for { $date }. Digests appear on weekdays, at the end of the day in UTC.
papers-before-first = The Daily Papers start on { $first }: pick a day from then on.
papers-fetch-busy = You're asking for new days quickly: try again in { $seconds } s (days paperboy already has answer at once).
papers-fetch-failed = I couldn't fetch the digest for { $date } right now. Please try again in a few minutes.
papers-fetch-unreadable = The digest for { $date } could not be read; the operator has been told.
preview-paused = This channel's daily post is paused (or its schedule never fires): there is nothing to preview.
preview-never = This channel is not subscribed, and the bot's schedule never fires: there is nothing to preview.
preview-note = Preview: { $words }.
preview-meanwhile = { $waiting }; meanwhile, this is { $newest }'s with this channel's filters.
preview-nothing-yet = { $waiting }. There is no digest to preview yet.
preview-next-carries = the next post here, { $when }, carries this digest
preview-next-will-carry = The next post here, { $when }, will carry the digest of { $date } once it is out
preview-unsubscribed-carries = this channel is **not subscribed**, so it gets no daily post. If it were (with the default settings: `/papers subscribe`, Manage Channels), its next post, { $when }, would carry this digest
preview-unsubscribed-will-carry = This channel is **not subscribed**, so it gets no daily post. If it were (with the default settings: `/papers subscribe`, Manage Channels), its next post, { $when }, would carry the digest of { $date } once it is out
search-too-short = Give me at least 2 characters to search for.
search-too-long = That query is too long: keep it under 200 characters.
search-days-range = `days` must be between 1 and { $max }.
search-no-match = No archived paper matches `{ $query }`.
search-no-match-days = No archived paper matches `{ $query }` in the last { $days } days.
search-title = Search: { $query }
search-footer = { $count ->
    [one] 1 result from the digests paperboy has archived
   *[other] { $count } results from the digests paperboy has archived
}

## /papers subscribe, unsubscribe, pause, resume, retry, settings

perm-view-channel = View Channel
perm-embed-links = Embed Links
perm-read-message-history = Read Message History
perm-create-posts = Create Posts
perm-send-messages-in-posts = Send Messages in Posts
perm-send-messages-in-threads = Send Messages in Threads
perm-send-messages = Send Messages
subscribe-missing-permissions = I can't post here yet: in this channel I'm missing { $list }. Give paperboy's role { $count ->
    [one] that permission
   *[other] these permissions
} (channel settings → Permissions), then run `/papers subscribe` again.
subscribe-out-of-range = `min_votes` goes up to 100000 and `top_n` from 1 to 100.
subscribe-wrong-kind = paperboy can only post in text, announcement and forum channels, or threads.
subscribe-auto-publish = `auto_publish` only works in announcement channels.
subscribe-language-unknown = `{ $input }` is not a language code. Use a code such as `ko`, `en`, `ja` or `pt-BR`, or `default` for the bot's language.
subscribe-created = ✅ Subscribed! This channel will get the Daily Papers { $schedule }
subscribe-updated = ✅ Subscription updated. This channel gets the Daily Papers { $schedule }
when-at = every day at { $time } ({ $zone })
when-bot = on the bot's schedule (`{ $cron }`, { $zone })
schedule-channel = { $when }, with each new digest.
schedule-next-post = Next post: { $next }
next-with-digest = { $at }, with the digest of { $date }
next-with-digest-pending = { $at }, with the digest of { $date } (once it is out)
not-subscribed = This channel is not subscribed.
not-subscribed-yet = This channel is not subscribed. Use `/papers subscribe` first.
unsubscribe-done = 👋 Unsubscribed: no more daily posts here. Your keywords are kept in case you subscribe again (`/papers keywords clear` removes them).
pause-reason = paused by { $name }
pause-done = ⏸️ Paused. Use `/papers resume` to start the daily post again.
resume-done = ▶️ Resumed: the Daily Papers are posted here { $schedule }
resume-retrying = { $count ->
    [one] The post that failed recently will be retried within a minute.
   *[other] The { $count } posts that failed recently will be retried within a minute.
}
retry-nothing = Nothing to retry: no post failed here since { $since }.
retry-done = 🔁 Retrying { $days }: a day that was partly posted continues within a minute, the others go with the next post{ $next }.
retry-next = { " " }(next post: { $at })
source-primary = the primary source
source-fallback = the fallback (Hugging Face)
source-earlier = an earlier source
trouble-keeps-trying = paperboy keeps trying, and gives up after { $max }
trouble-after-resume = it is tried again after `/papers resume`
trouble-retrying = 🔁 Retrying the post of { $date } (first tried <t:{ $since }:R>): { $attempts } of { $max } attempts failed, the last with: { $error }. { $then }.
trouble-failed = ❌ Failed: { $days }
trouble-gave-up = paperboy gave up on { $count ->
    [one] it
   *[other] them
}: run `/papers retry` to try again.
settings-title = paperboy settings for this channel
settings-not-subscribed = Not subscribed. A member with **Manage Channels** can run `/papers subscribe`.
settings-subscribed = ✅ Subscribed
settings-paused = ⏸️ Paused — { $reason }
settings-paused-hint = Run `/papers resume` to re-enable.
settings-last-post = { $date } from { $source }, { $at }
settings-no-post-retrying = — (none yet: { $date } is being retried)
settings-no-post = — (none yet)
settings-time-bot = bot schedule `{ $cron }` ({ $zone })
settings-next-paused = — (paused)
settings-next-never = never (the schedule has no future date)
settings-next-after-retry = after the day being retried; then { $next }
settings-quiet = 📭 The primary digest source has published nothing for { $days } expected days{ $last }: posts use the fallback until it is back.
settings-quiet-last = { " " }(last: { $date })
settings-all = all
settings-field-post-time = Post time
settings-field-next-post = Next post
settings-field-min-votes = Minimum votes
settings-field-top-n = Top N
settings-field-notify-empty = Notice on empty days
settings-field-auto-publish = Auto-publish
settings-field-language = Language
settings-language-default = { $language } (bot default)
settings-field-last-post = Last post
settings-field-set-up-by = Set up by
settings-set-up-by = <@{ $user }> on { $date }
settings-field-keywords = Keywords (any of)
settings-field-excluded = Excluded

## /papers keywords

keywords-none-given = Give me at least one keyword, e.g. `llm, "diffusion model", -survey`.
keywords-no-letter = `{ $word }` has no letters or digits, so it would match nothing useful.
keywords-added = Added: { $list }
keywords-switched = Switched: { $list }
keywords-unchanged = Already there: { $list }
keywords-not-found = `{ $word }` is not one of this channel's keywords (see `/papers keywords list`).
keywords-removed = 🗑️ Removed `{ $word }`.
keywords-empty = This channel has no keywords, so it gets every paper. Add some with `/papers keywords add`.
keywords-count = { $count ->
    [one] 🔑 1 keyword
   *[other] 🔑 { $count } keywords
}
keywords-any-of = Papers matching any of: { $list }
keywords-never = Never papers matching: { $list }
keywords-cleared = { $count ->
    [one] 🧹 Removed 1 keyword; this channel now gets every paper.
   *[other] 🧹 Removed { $count } keywords; this channel now gets every paper.
}

## /alerts

alerts-following-nothing = Following nothing (excludes only take papers away: add a word or an author)
alerts-still-following = Still following: { $list }
alerts-excluding = { $followed }; excluding: { $list }
alerts-paused-by-you = ⏸️ Your alerts are paused (you paused them). Run `/alerts resume` to get them again.
alerts-paused-refused = ⏸️ Your alerts are paused: { $reason }. Allow direct messages from paperboy (User Settings → Content & Social, or the server's Privacy Settings), then run `/alerts resume`.
alerts-schedule = You get one DM per digest day with your matches, { $when }.
alerts-next-check = Next check: { $at }, against the digest of { $date }.
alerts-next-check-pending = Next check: { $at }, against the digest of { $date } (once it is out).
alerts-none-given = Give me at least one term, e.g. `"speculative decoding", author:"Tri Dao", -survey`.
alerts-added = ✅ Added: { $list }
alerts-unchanged = Already there: { $list }
alerts-only-excludes = Only excludes so far: add a word or an author to get papers (excludes only take papers away).
alerts-count = You have { $count } of { $max } terms.
alerts-none = You have no alerts. Add some with `/alerts add`, e.g. `/alerts add terms: "speculative decoding", author:"Tri Dao"`.
alerts-yours = 🔔 Your alerts ({ $count } of { $max } terms):
alerts-matching = Papers matching: { $list }
alerts-never-matching = Never papers matching: { $list }
alerts-retrying = 🔁 Your DM of { $date } is being retried (first tried <t:{ $since }:R>): { $attempts } of { $max } attempts failed, the last with: { $error }.
alerts-given-up = ❌ Not delivered: your DM of { $days }. Run `/alerts resume` to try again.
alerts-removed = 🗑️ Removed `{ $term }`. { $tail }
alerts-removed-last = That was your last term: no more DMs until you add one (`/alerts clear` also forgets your settings).
alerts-nothing-to-remove = You have no alerts to remove. Add some with `/alerts add`.
alerts-not-a-term = `{ $term }` is not one of your terms. You have: { $list }
alerts-cleared = 🧹 Done: your terms, your alert settings and the record of the DMs paperboy sent you are deleted. paperboy stores nothing about you now.
alerts-nothing-stored = paperboy stores nothing about you: you have no alerts.
alerts-nothing-to-pause = You have no alerts to pause. Add some with `/alerts add`.
alerts-already-paused = Your alerts are already paused.
alerts-paused = ⏸️ Paused: no alert DMs until you run `/alerts resume`. Your terms are kept.
alerts-no-alerts = You have no alerts. Add some with `/alerts add`.
alerts-on = Your alerts are on.
alerts-resumed = ▶️ Resumed.
alerts-retried = 🔁 Your DM of { $days } will be tried again with your next DM.
alerts-time-first = You have no alerts yet. Add a term with `/alerts add` first, then pick the time.
alerts-time-saved = 🕘 Saved. { $schedule }

## Posts: a channel's day, a person's DM, and the replies that show a day

post-day = Daily Papers — { $date }
post-count-filtered = { $shown } of { $total } papers (filtered for this channel)
post-header = 📰 **{ post-day }** · { $count }
post-fetched-at = fetched { $time }
post-fetched-now = fetched just now
post-header-growing = 📰 **{ post-day }** · { $count } **so far** ({ $when }; the day's list grows until the day ends in UTC)
post-empty-no-papers = 📭 **{ post-day }**: the digest has no papers today.
post-empty-nothing-matched = 🔍 **{ post-day }**: no papers matched this channel's filters today.
post-empty-not-published = ⏳ **{ post-day }**: the digest isn't published yet. It will be posted once it is.
post-empty-never-published = 📭 **{ post-day }**: no digest was published for { $date }.
post-paused = ⏸️ paperboy paused the daily papers for <#{ $channel }>: { $reason }. Fix it, then run `/papers resume` in that channel.
paper-untitled = (untitled paper)
link-arxiv = arXiv
link-pdf = PDF
link-hugging-face = Hugging Face
link-code = Code
link-project = Project
alert-header = 📬 **Your Daily Papers alerts — { $date }** · { $count } of { $total } papers match your terms (`/alerts list` shows them, `/alerts pause` stops these)
reply-in-digest = { $count ->
    [one] 1 paper is in the digest; add `all:True` to see it.
   *[other] { $count } papers are in the digest; add `all:True` to see them.
}
reply-and-more = …and { $count } more papers. Narrow it down with `/papers keywords add` or `/papers search`.
## Summaries: the labels of a model's bullets, and the footer naming the model that wrote them.
summary-label-new = What's new
summary-label-method = How it works
summary-label-results = Results
summary-label-note = Note
summary-footer = 🤖 by { $model }

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

## Questions about a paper (`/papers ask`, issue 27): the command, and the words around an answer.

cmd-papers-ask-name = ask
cmd-papers-ask-desc = Ask a question about a paper: answered from its text by this bot's model, in your language.
cmd-papers-ask-opt-question-name = question
cmd-papers-ask-opt-question-desc = Your question about the paper
cmd-papers-ask-opt-paper-name = paper
cmd-papers-ask-opt-paper-desc = The paper (arXiv id, link or title words); in a paper's thread, that paper
cmd-papers-ask-opt-private-name = private
cmd-papers-ask-opt-private-desc = Show the question and answer only to you
ask-question = ❓ { $question }
ask-footer-full = 🤖 Answered by { $model } from the paper's full text. It can be wrong: check the paper.
ask-footer-abstract = 🤖 Answered by { $model } from the abstract only (the full text could not be read). It can be wrong: check the paper.
ask-cut = … [Read on in the PDF]({ $url })
ask-no-model = Questions need a model, and this bot has none configured (`[summaries]` in its `bot.toml`).
ask-off = Questions about papers are turned off on this bot.
ask-empty-question = Write a question for the paper.
ask-paper-unknown = paperboy knows no paper `{ $paper }`: pick one of the suggestions, or give its arXiv id.
ask-which-paper = This thread has several papers: say which one with `paper:`.
    { $papers }
ask-no-paper = Which paper? Name it with `paper:` (arXiv id, link or title words), or ask in the paper's own thread.
ask-cap-person = You have asked today's questions (the bot's limit for a person). You can ask again { $reset }.
ask-cap-server = This server has asked today's questions (the bot's limit for a server). Questions open again { $reset }.
ask-cap-tokens = The bot has used today's budget for questions. Questions open again { $reset }.
ask-no-text = The paper's text cannot be fetched from arXiv right now: try again in a few minutes.
ask-model-failed = The model could not answer right now: try again in a few minutes. Your question was not counted.
ask-declined = The model declined to answer this question.
ask-empty = The model gave no usable answer: try asking differently.
## The day at a glance (issue 26): the index, the cards, the layout of a channel's day.

cmd-papers-subscribe-opt-layout-name = layout
cmd-papers-subscribe-opt-layout-desc = The day: top papers first, cards in a thread (glance); all cards (full); the top alone (index)
cmd-papers-subscribe-opt-layout-choice-glance = glance
cmd-papers-subscribe-opt-layout-choice-full = full
cmd-papers-subscribe-opt-layout-choice-index = index
cmd-papers-subscribe-opt-index_top-name = index_top
cmd-papers-subscribe-opt-index_top-desc = How many papers the day's list shows first (default 10, 0 = all)
cmd-papers-settings-opt-layout-name = layout
cmd-papers-settings-opt-layout-desc = Change: top papers first, cards in a thread (glance); all cards (full); the top alone (index)
cmd-papers-settings-opt-layout-choice-glance = glance
cmd-papers-settings-opt-layout-choice-full = full
cmd-papers-settings-opt-layout-choice-index = index
cmd-papers-settings-opt-index_top-name = index_top
cmd-papers-settings-opt-index_top-desc = Change: how many papers the day's list shows first (0 = all)
paper-et-al = et al.
link-hugging-face-short = HF
index-top-by-votes = top { $count } by votes
index-all-in-thread = All { $total } cards are in the thread ↓
index-more-in-thread = +{ $count } more · all { $total } cards are in the thread ↓
index-more-below = +{ $count } more below ↓
index-more-command = +{ $count } more: `/papers date day:{ $iso }`
layout-top = the top { $count }
layout-top-all = every paper
layout-glance = the day at a glance: { $top } by votes first, every card in a thread (`glance`)
layout-full = every card in the channel (`full`)
layout-index = { $top } by votes, no cards (`index`)
layout-now = Layout: { $layout }.
layout-changed = The layout is now { $layout }, from the next post on.
layout-no-threads = paperboy may not start threads here ({ $why }), so every card is posted in the channel (`full`). Give it those permissions, then choose `/papers settings layout:glance`.
layout-needs-threads = To start each day's thread here paperboy needs { $list }. Give it those permissions first, or choose `layout:full`.
layout-fell-back = 🧵 paperboy could not start today's thread here (it needs Create Public Threads and Send Messages in Threads), so today's cards are in the channel, and so will every day's be (`full`). Give it those permissions, then choose `/papers settings layout:glance` to have the thread back.
reason-no-threads = paperboy may not start threads in this channel (it needs Create Public Threads and Send Messages in Threads), so each day's cards are posted in the channel
perm-create-public-threads = Create Public Threads
settings-field-layout = Layout

## For you: alert DMs ranked by the reading list (`/alerts for_you`), recommendations, the
## "Not for me…" menu, follow-ups on saved papers. (One block, kept together.)

cmd-alerts-for_you-name = for_you
cmd-alerts-for_you-desc = Rank your alert DMs by your reading list and add papers close to it (or stop).
cmd-alerts-for_you-opt-enabled-name = enabled
cmd-alerts-for_you-opt-enabled-desc = True: ranked by what you saved, with recommendations and news of saved papers; False: off
cmd-alerts-for_you-opt-extra-name = extra
cmd-alerts-for_you-opt-extra-desc = Papers no term matched to add to a DM, 0 to 5 (default 3)
for-you-on = ✨ For you is on: your DMs list your matches closest to your reading list first{ $extra ->
    [0] .
   *[other] , and add up to { $extra } papers no term matched that are close to it (each says which saved paper it is close to).
} When a paper you saved gets its code, a project page, models or datasets, your next DM says so, once.
for-you-few = Save at least { $min } papers with 🔖 Save… for the ranking to start (you have { $count }).
for-you-off = For you is off: your DMs list your matches in the day's order, with no recommendations or news of saved papers.
for-you-list-on = ✨ For you: on, up to { $extra } recommendations a DM (`/alerts for_you enabled:False` stops it).
for-you-close-to = close to *{ $title }*
for-you-why-match = ✨ Close to what you saved
for-you-why-recommended = ✨ For you: no term matched
for-you-header = 📬 **Your Daily Papers — { $date }** · no paper matched your terms; { $count ->
    [one] one is
   *[other] { $count } are
} close to your reading list (`/alerts for_you` changes this)
for-you-followups-header = 🔔 **News of papers you saved — { $date }**
for-you-ordered = ✨ Closest to your reading list first.
for-you-recommended-intro = ✨ { $count ->
    [one] The last paper matched no term but is
   *[other] The last { $count } papers matched no term but are
} close to papers you saved; **Not for me…** below shows fewer like { $count ->
    [one] it
   *[other] one
}.
for-you-followup-code = 🔔 **{ $title }** now has its code: <{ $url }>
for-you-followup-project = 🔔 **{ $title }** now has a project page: <{ $url }>
for-you-followup-models = 🔔 **{ $title }**: { $count ->
    [one] a model on Hugging Face cites it
   *[other] { $count } models on Hugging Face cite it
}, such as [{ $name }](<{ $url }>)
for-you-followup-datasets = 🔔 **{ $title }**: { $count ->
    [one] a dataset on Hugging Face cites it
   *[other] { $count } datasets on Hugging Face cite it
}, such as [{ $name }](<{ $url }>)
for-you-not-for-me-placeholder = 👎 Not for me…
for-you-not-for-me-option = { $id } · fewer papers like this one
for-you-not-for-me-noted = 👎 Noted: papers like *{ $title }* rank lower for you from your next DM on. (`/papers saved clear` forgets this.)
for-you-not-for-me-already = 👎 *{ $title }* is already marked not for you.
for-you-not-for-me-unknown = That menu names no paper I can read (`{ $id }`).
for-you-weekly-title = ✨ For you this week: { $count ->
    [one] a paper
   *[other] { $count } papers
} close to your list
for-you-weekly-footer = Matched by none of your terms · /alerts for_you
for-you-close-to-plain = close to { $title }
