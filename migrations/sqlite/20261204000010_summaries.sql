-- Summary bullets written by the configured model, one row per paper and language, kept for
-- good (never generated again unless the operator asks: `paperboy summarize --redo`).
CREATE TABLE summaries (
    arxiv_id       TEXT NOT NULL,
    language       TEXT NOT NULL,
    -- JSON: [{"kind": "new"|"method"|"results"|"note", "text": "…"}], validated before stored.
    bullets        TEXT NOT NULL,
    model          TEXT NOT NULL,
    prompt_version INTEGER NOT NULL,
    tokens_in      INTEGER NOT NULL CHECK (tokens_in >= 0),
    tokens_out     INTEGER NOT NULL CHECK (tokens_out >= 0),
    created_at     TEXT NOT NULL,
    PRIMARY KEY (arxiv_id, language)
);

-- Work on a paper and language: who is summarising it (a lease, as for deliveries: a dead
-- process's claim passes on when it runs out), and what the failed tries said. A row exists
-- only while a paper has no summary; `gave_up` papers keep Hugging Face's text.
CREATE TABLE summary_claims (
    arxiv_id    TEXT NOT NULL,
    language    TEXT NOT NULL,
    owner       TEXT,
    lease_until TEXT,
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT,
    next_try_at TEXT,
    gave_up     BOOLEAN NOT NULL DEFAULT 0,
    PRIMARY KEY (arxiv_id, language)
);

-- A paper's text as fetched from arXiv, once for every language and restart.
CREATE TABLE paper_texts (
    arxiv_id   TEXT PRIMARY KEY NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('html', 'pdf', 'abstract')),
    abstract   TEXT NOT NULL,
    body       TEXT,
    fetched_at TEXT NOT NULL
);

-- What summarising cost, per UTC day: calls to the model, tokens in and out, papers written.
CREATE TABLE summary_usage (
    day        TEXT PRIMARY KEY NOT NULL,
    calls      INTEGER NOT NULL DEFAULT 0,
    tokens_in  INTEGER NOT NULL DEFAULT 0,
    tokens_out INTEGER NOT NULL DEFAULT 0,
    papers     INTEGER NOT NULL DEFAULT 0
);

-- A channel post's message edited in place once, when the summaries of its papers arrive after
-- it went out: the new body is recorded before the edit is sent (`pending`), and the edit is
-- marked `done` after, through the ledger like every send. `final`: nothing to edit, ever.
ALTER TABLE delivery_messages ADD COLUMN edit_body TEXT;
ALTER TABLE delivery_messages ADD COLUMN edit_state TEXT
    CHECK (edit_state IN ('pending', 'done', 'failed', 'final'));
