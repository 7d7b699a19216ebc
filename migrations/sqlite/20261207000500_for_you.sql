-- "For you": a person's alerts ranked by their reading list (`/alerts for_you`), the papers they
-- turned down ("Not for me…" under a DM), word when a saved paper gets its code, and the
-- embeddings of papers when the operator configures `summaries.embedding_model`.
-- Per person (`for_you`, `not_for_me`, `followups_told`): deleted by `/alerts clear`, and but
-- for the setting by `/papers saved clear`. Per paper (`paper_embeddings`, `paper_followups`):
-- public facts about papers, shared by everyone, holding nothing about any person.

-- Whether a person's DMs are ranked by their reading list, and how many papers no term matched
-- may be added (0: none).
CREATE TABLE for_you (
    user_id    INTEGER PRIMARY KEY NOT NULL,
    enabled    INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    extra      INTEGER NOT NULL DEFAULT 3 CHECK (extra BETWEEN 0 AND 5),
    updated_at TEXT NOT NULL
);

-- Papers a person said are not for them; papers like them rank lower for that person. The
-- title is what the DM showed, for when the archive lacks the paper.
CREATE TABLE not_for_me (
    user_id    INTEGER NOT NULL,
    arxiv_id   TEXT NOT NULL CHECK (length(arxiv_id) BETWEEN 1 AND 100),
    title      TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, arxiv_id)
) WITHOUT ROWID;

-- A paper's embedding by a model, computed once: `dims` little-endian 32-bit floats.
CREATE TABLE paper_embeddings (
    arxiv_id   TEXT NOT NULL,
    model      TEXT NOT NULL,
    dims       INTEGER NOT NULL CHECK (dims > 0),
    vector     BLOB NOT NULL CHECK (length(vector) = 4 * dims),
    created_at TEXT NOT NULL,
    PRIMARY KEY (arxiv_id, model)
);

-- What embedding cost, per UTC day: requests, tokens the endpoint counted, papers embedded.
CREATE TABLE embedding_usage (
    day    TEXT PRIMARY KEY NOT NULL,
    calls  INTEGER NOT NULL DEFAULT 0,
    tokens INTEGER NOT NULL DEFAULT 0,
    papers INTEGER NOT NULL DEFAULT 0
);

-- What Hugging Face links a saved paper to, as last looked at, and when each kind of link was
-- first seen (NULL: never, or already there at the first look, which is not news).
-- `checked_at` NULL: claimed but never looked at successfully yet.
CREATE TABLE paper_followups (
    arxiv_id         TEXT PRIMARY KEY NOT NULL,
    github_repo      TEXT,
    project_page     TEXT,
    models           INTEGER NOT NULL DEFAULT 0 CHECK (models >= 0),
    model            TEXT,
    datasets         INTEGER NOT NULL DEFAULT 0 CHECK (datasets >= 0),
    dataset          TEXT,
    checked_at       TEXT,
    next_check_at    TEXT NOT NULL,
    code_seen_at     TEXT,
    project_seen_at  TEXT,
    models_seen_at   TEXT,
    datasets_seen_at TEXT
);

CREATE INDEX paper_followups_due ON paper_followups (next_check_at);

-- Which follow-ups a person was told, in which delivery (ledger key and date): told once, and
-- told again only by that same delivery if it is planned again.
CREATE TABLE followups_told (
    user_id    INTEGER NOT NULL,
    arxiv_id   TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('code', 'project', 'models', 'datasets')),
    ledger_key INTEGER NOT NULL,
    date       TEXT NOT NULL,
    told_at    TEXT NOT NULL,
    PRIMARY KEY (user_id, arxiv_id, kind)
) WITHOUT ROWID;
