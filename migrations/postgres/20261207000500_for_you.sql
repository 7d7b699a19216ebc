-- "For you" (see migrations/sqlite/20261207000500_for_you.sql for why each table and column
-- exists), in native types.
CREATE TABLE for_you (
    user_id    BIGINT PRIMARY KEY,
    enabled    BOOLEAN NOT NULL DEFAULT TRUE,
    extra      INTEGER NOT NULL DEFAULT 3 CHECK (extra BETWEEN 0 AND 5),
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE not_for_me (
    user_id    BIGINT NOT NULL,
    arxiv_id   TEXT COLLATE "C" NOT NULL CHECK (length(arxiv_id) BETWEEN 1 AND 100),
    title      TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, arxiv_id)
);

CREATE TABLE paper_embeddings (
    arxiv_id   TEXT COLLATE "C" NOT NULL,
    model      TEXT NOT NULL,
    dims       INTEGER NOT NULL CHECK (dims > 0),
    vector     BYTEA NOT NULL CHECK (octet_length(vector) = 4 * dims),
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (arxiv_id, model)
);

CREATE TABLE embedding_usage (
    day    DATE PRIMARY KEY,
    calls  BIGINT NOT NULL DEFAULT 0,
    tokens BIGINT NOT NULL DEFAULT 0,
    papers BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE paper_followups (
    arxiv_id         TEXT COLLATE "C" PRIMARY KEY,
    github_repo      TEXT,
    project_page     TEXT,
    models           INTEGER NOT NULL DEFAULT 0 CHECK (models >= 0),
    model            TEXT,
    datasets         INTEGER NOT NULL DEFAULT 0 CHECK (datasets >= 0),
    dataset          TEXT,
    checked_at       TIMESTAMPTZ,
    next_check_at    TIMESTAMPTZ NOT NULL,
    code_seen_at     TIMESTAMPTZ,
    project_seen_at  TIMESTAMPTZ,
    models_seen_at   TIMESTAMPTZ,
    datasets_seen_at TIMESTAMPTZ
);

CREATE INDEX paper_followups_due ON paper_followups (next_check_at);

CREATE TABLE followups_told (
    user_id    BIGINT NOT NULL,
    arxiv_id   TEXT COLLATE "C" NOT NULL,
    kind       TEXT COLLATE "C" NOT NULL CHECK (kind IN ('code', 'project', 'models', 'datasets')),
    ledger_key BIGINT NOT NULL,
    date       DATE NOT NULL,
    told_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, arxiv_id, kind)
);
