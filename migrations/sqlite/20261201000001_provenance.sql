-- Where each archived day came from and whether it can still change. A Hugging Face API day is a
-- list that grows while its day lasts: it is provisional (final = 0) until the day is over in UTC
-- plus a settling time, and is refreshed when used after it may have changed. A markdown digest is
-- complete when it appears (final = 1). `source` and `fetched_at` already record from where and
-- when.
ALTER TABLE digests ADD COLUMN final INTEGER NOT NULL DEFAULT 1 CHECK (final IN (0, 1));
-- Days archived from the Hugging Face API before this column existed may be partial lists.
UPDATE digests SET final = 0 WHERE source LIKE 'Hugging Face API at %';

-- The last unsuccessful look at a source for a day: remembered so that a date nobody publishes is
-- not downloaded again by every command, and so that the operator (`paperboy status`) and the
-- quiet-primary rule can see which expected days the primary has not published. A success
-- removes the row (the archive then has the day).
CREATE TABLE source_checks (
    source     TEXT NOT NULL,
    date       TEXT NOT NULL, -- YYYY-MM-DD
    checked_at TEXT NOT NULL,
    outcome    TEXT NOT NULL CHECK (outcome IN ('not_published', 'error')),
    error      TEXT,
    PRIMARY KEY (source, date)
) WITHOUT ROWID;

-- Which source the posted digest came from ("last post" in settings and status).
ALTER TABLE deliveries ADD COLUMN digest_source TEXT;

-- The first digest date this subscription was posted: a channel never gets anything older (a new
-- channel gets the newest digest, not a backlog). NULL until its first post.
ALTER TABLE subscriptions ADD COLUMN start_date TEXT;
UPDATE subscriptions SET start_date = (
    SELECT MIN(d.digest_date) FROM deliveries AS d
    WHERE d.channel_id = subscriptions.channel_id AND d.planned_at >= subscriptions.created_at
);
