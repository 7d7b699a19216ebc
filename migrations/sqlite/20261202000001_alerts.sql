-- Personal alerts: a person's own terms, delivered by direct message. Everything stored about a
-- person is here and in their ledger rows; `/alerts clear` deletes all of it.
CREATE TABLE alert_users (
    user_id       INTEGER PRIMARY KEY NOT NULL,
    -- Local "HH:MM" of the day's DM; NULL means the bot-wide schedule.
    delivery_time TEXT CHECK (delivery_time IS NULL OR delivery_time GLOB '[0-2][0-9]:[0-5][0-9]'),
    -- IANA zone name; NULL means the bot-wide zone.
    timezone      TEXT,
    enabled       INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    -- Why alerts are paused: asked by the person, or Discord refused to deliver (50007).
    paused_reason TEXT,
    -- The DM channel Discord gave for this person, remembered to save a request a day.
    dm_channel_id INTEGER,
    -- The first digest date delivered (nothing older is sent); NULL before the first.
    start_date    TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

CREATE TABLE alert_terms (
    user_id    INTEGER NOT NULL REFERENCES alert_users (user_id) ON DELETE CASCADE,
    -- As the person typed it (keywords lowercased, author names as written).
    term       TEXT NOT NULL CHECK (length(term) BETWEEN 1 AND 100),
    kind       TEXT NOT NULL CHECK (kind IN ('include', 'exclude', 'author', 'exclude_author')),
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, kind, term)
) WITHOUT ROWID;

-- The ledger holds channel posts and DMs alike (same exactly-once machinery); a DM delivery is
-- keyed by the person's user id (snowflakes are unique across users and channels).
ALTER TABLE deliveries ADD COLUMN target TEXT NOT NULL DEFAULT 'channel'
    CHECK (target IN ('channel', 'dm'));
