-- Delivery ledger: what was (or is to be) posted to each channel for each digest date. A delivery
-- is planned in full before the first message is sent, and each message is marked as it goes
-- out, so a crash or restart resumes exactly where it stopped instead of re-posting.
-- No foreign key to subscriptions: the ledger is history and outlives an unsubscribe.
CREATE TABLE deliveries (
    channel_id  INTEGER NOT NULL,
    digest_date TEXT NOT NULL, -- YYYY-MM-DD
    status      TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
    -- Thread created for this delivery (forum post or thread off a text channel), once it exists.
    thread_id   INTEGER,
    planned_at  TEXT NOT NULL,
    finished_at TEXT,
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT,
    PRIMARY KEY (channel_id, digest_date)
) WITHOUT ROWID;

-- Fan-out asks "which channels already have a row for this date"; resume asks for pending rows.
CREATE INDEX deliveries_date ON deliveries (digest_date);
CREATE INDEX deliveries_pending ON deliveries (digest_date, channel_id) WHERE status = 'pending';

CREATE TABLE delivery_messages (
    channel_id  INTEGER NOT NULL,
    digest_date TEXT NOT NULL,
    idx         INTEGER NOT NULL CHECK (idx >= 0),
    -- Discord's enforce_nonce makes a re-sent message with the same nonce a no-op (within a few
    -- minutes), so the nonce must be unique across the whole ledger; Discord caps it at 25 chars.
    nonce       TEXT NOT NULL UNIQUE CHECK (length(nonce) BETWEEN 1 AND 25),
    -- The exact JSON body to POST, fixed at planning time so a resumed send is identical.
    body        TEXT NOT NULL,
    message_id  INTEGER,
    sent_at     TEXT,
    PRIMARY KEY (channel_id, digest_date, idx),
    FOREIGN KEY (channel_id, digest_date)
        REFERENCES deliveries (channel_id, digest_date) ON DELETE CASCADE
) WITHOUT ROWID;
