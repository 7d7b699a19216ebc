-- Channels that receive the daily digest. One row per Discord channel; the channel id is the key
-- because a channel can only be subscribed once (re-subscribing updates the row in place).
-- Discord snowflakes are stored as INTEGER (they fit in a signed 64-bit value).
CREATE TABLE subscriptions (
    channel_id    INTEGER PRIMARY KEY NOT NULL,
    guild_id      INTEGER NOT NULL,
    -- Discord channel type: 0 text, 5 announcement, 15 forum, 10/11/12 threads.
    channel_kind  INTEGER NOT NULL CHECK (channel_kind BETWEEN 0 AND 255),
    enabled       INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    -- Why delivery is paused (set together with enabled = 0), e.g. missing permissions.
    paused_reason TEXT,
    -- Local "HH:MM"; NULL means the bot-wide default time.
    delivery_time TEXT CHECK (delivery_time IS NULL OR delivery_time GLOB '[0-2][0-9]:[0-5][0-9]'),
    -- IANA zone name; NULL means the bot-wide default zone.
    timezone      TEXT,
    min_votes     INTEGER CHECK (min_votes IS NULL OR min_votes >= 0),
    top_n         INTEGER CHECK (top_n IS NULL OR top_n >= 0),
    notify_empty  INTEGER NOT NULL DEFAULT 0 CHECK (notify_empty IN (0, 1)),
    auto_publish  INTEGER NOT NULL DEFAULT 0 CHECK (auto_publish IN (0, 1)),
    created_by    INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

CREATE INDEX subscriptions_guild ON subscriptions (guild_id);
