-- Settings added together because several features read them (the summaries' and the posts'
-- language, forum posts per paper, the weekly top list, the weekly reading-list DM).
-- A channel's language: a BCP 47 code ("ko", "en", "pt-BR"); NULL means the bot-wide default
-- (`summaries.language`). It picks both the summaries' language and the posts' words.
ALTER TABLE subscriptions ADD COLUMN language TEXT
    CHECK (language IS NULL OR length(language) BETWEEN 2 AND 16);
-- In a forum channel: 'day' (one post a day holding the digest) or 'paper' (a post per paper).
ALTER TABLE subscriptions ADD COLUMN forum_mode TEXT NOT NULL DEFAULT 'day'
    CHECK (forum_mode IN ('day', 'paper'));
-- The week's best: opt-in, on a weekday (0 Monday … 6 Sunday; NULL Saturday), top N (NULL 10).
ALTER TABLE subscriptions ADD COLUMN weekly INTEGER NOT NULL DEFAULT 0 CHECK (weekly IN (0, 1));
ALTER TABLE subscriptions ADD COLUMN weekly_day INTEGER
    CHECK (weekly_day IS NULL OR weekly_day BETWEEN 0 AND 6);
ALTER TABLE subscriptions ADD COLUMN weekly_top INTEGER
    CHECK (weekly_top IS NULL OR weekly_top BETWEEN 1 AND 25);

-- A person's language for their DMs and summaries; NULL means the bot-wide default.
ALTER TABLE alert_users ADD COLUMN language TEXT
    CHECK (language IS NULL OR length(language) BETWEEN 2 AND 16);
-- Whether the person asked for a weekly DM of their reading list.
ALTER TABLE alert_users ADD COLUMN weekly_saved INTEGER NOT NULL DEFAULT 0
    CHECK (weekly_saved IN (0, 1));
