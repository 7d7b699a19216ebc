-- Per-channel keyword filter. Deliberately no foreign key to subscriptions: the filter belongs to
-- the channel, so it can be set up before subscribing and survives an unsubscribe/subscribe cycle.
-- A word is either an include or an exclude, never both, hence the key on (channel_id, word).
-- Words are stored trimmed and lowercased by the store.
CREATE TABLE keywords (
    channel_id INTEGER NOT NULL,
    word       TEXT NOT NULL CHECK (length(word) BETWEEN 1 AND 100),
    kind       TEXT NOT NULL CHECK (kind IN ('include', 'exclude')),
    created_at TEXT NOT NULL,
    PRIMARY KEY (channel_id, word)
) WITHOUT ROWID;
