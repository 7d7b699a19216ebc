-- The PostgreSQL schema: the same tables, keys and checks as SQLite's migrations up to
-- 20261202000001_alerts (see migrations/sqlite for why each column exists), in native types.
-- Discord snowflakes and every count are BIGINT (the store reads them as i64), dates DATE,
-- moments TIMESTAMPTZ, flags BOOLEAN. Text that is sorted or compared byte-wise in SQLite is
-- COLLATE "C", so both backends order keywords and terms alike whatever the server's locale.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE subscriptions (
    channel_id    BIGINT PRIMARY KEY,
    guild_id      BIGINT NOT NULL,
    channel_kind  BIGINT NOT NULL CHECK (channel_kind BETWEEN 0 AND 255),
    enabled       BOOLEAN NOT NULL DEFAULT TRUE,
    paused_reason TEXT,
    delivery_time TEXT CHECK (delivery_time IS NULL OR delivery_time ~ '^[0-2][0-9]:[0-5][0-9]$'),
    timezone      TEXT,
    min_votes     BIGINT CHECK (min_votes IS NULL OR min_votes >= 0),
    top_n         BIGINT CHECK (top_n IS NULL OR top_n >= 0),
    notify_empty  BOOLEAN NOT NULL DEFAULT FALSE,
    auto_publish  BOOLEAN NOT NULL DEFAULT FALSE,
    created_by    BIGINT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    start_date    DATE
);

CREATE INDEX subscriptions_guild ON subscriptions (guild_id);

CREATE TABLE keywords (
    channel_id BIGINT NOT NULL,
    word       TEXT COLLATE "C" NOT NULL CHECK (length(word) BETWEEN 1 AND 100),
    kind       TEXT COLLATE "C" NOT NULL CHECK (kind IN ('include', 'exclude')),
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (channel_id, word)
);

CREATE TABLE digests (
    date        DATE PRIMARY KEY,
    source      TEXT COLLATE "C" NOT NULL,
    fetched_at  TIMESTAMPTZ NOT NULL,
    paper_count BIGINT NOT NULL,
    final       BOOLEAN NOT NULL DEFAULT TRUE
);

CREATE TABLE papers (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    date          DATE NOT NULL REFERENCES digests (date) ON DELETE CASCADE,
    position      BIGINT NOT NULL,
    title         TEXT NOT NULL,
    url           TEXT,
    arxiv_id      TEXT,
    thumbnail_url TEXT,
    votes         BIGINT,
    authors       TEXT NOT NULL DEFAULT '[]', -- JSON array of strings
    bullets       TEXT NOT NULL DEFAULT '[]', -- JSON array of strings
    -- The bullets as plain lines, for search (SQLite's papers_fts keeps the same copy): matching
    -- the stored JSON would find its quotes, commas and escapes.
    bullets_text  TEXT NOT NULL DEFAULT '',
    UNIQUE (date, position)
);

CREATE INDEX papers_arxiv_id ON papers (arxiv_id) WHERE arxiv_id IS NOT NULL;

-- Trigram indexes answer ILIKE '%token%' for tokens of three or more characters without word
-- segmentation, which is what makes Korean findable (as SQLite's trigram FTS5 does).
CREATE INDEX papers_title_trgm ON papers USING gin (title gin_trgm_ops);
CREATE INDEX papers_bullets_trgm ON papers USING gin (bullets_text gin_trgm_ops);

CREATE FUNCTION papers_bullets_text() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.bullets_text := coalesce(
        (SELECT string_agg(value, E'\n') FROM jsonb_array_elements_text(NEW.bullets::jsonb)),
        ''
    );
    RETURN NEW;
END;
$$;

CREATE TRIGGER papers_bullets_text BEFORE INSERT OR UPDATE OF bullets ON papers
    FOR EACH ROW EXECUTE FUNCTION papers_bullets_text();

CREATE TABLE deliveries (
    channel_id    BIGINT NOT NULL,
    digest_date   DATE NOT NULL,
    status        TEXT COLLATE "C" NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'done', 'failed')),
    thread_id     BIGINT,
    planned_at    TIMESTAMPTZ NOT NULL,
    finished_at   TIMESTAMPTZ,
    attempts      BIGINT NOT NULL DEFAULT 0,
    last_error    TEXT COLLATE "C",
    digest_source TEXT,
    started_at    TIMESTAMPTZ,
    target        TEXT COLLATE "C" NOT NULL DEFAULT 'channel' CHECK (target IN ('channel', 'dm')),
    PRIMARY KEY (channel_id, digest_date)
);

CREATE INDEX deliveries_date ON deliveries (digest_date);
CREATE INDEX deliveries_pending ON deliveries (digest_date, channel_id) WHERE status = 'pending';

CREATE TABLE delivery_messages (
    channel_id    BIGINT NOT NULL,
    digest_date   DATE NOT NULL,
    idx           BIGINT NOT NULL CHECK (idx >= 0),
    nonce         TEXT COLLATE "C" NOT NULL UNIQUE CHECK (length(nonce) BETWEEN 1 AND 25),
    body          TEXT NOT NULL,
    message_id    BIGINT,
    sent_at       TIMESTAMPTZ,
    publish       TEXT COLLATE "C"
        CHECK (publish IS NULL OR publish IN ('pending', 'done', 'given_up')),
    publish_error TEXT,
    PRIMARY KEY (channel_id, digest_date, idx),
    FOREIGN KEY (channel_id, digest_date)
        REFERENCES deliveries (channel_id, digest_date) ON DELETE CASCADE
);

CREATE TABLE source_checks (
    source     TEXT COLLATE "C" NOT NULL,
    date       DATE NOT NULL,
    checked_at TIMESTAMPTZ NOT NULL,
    outcome    TEXT COLLATE "C" NOT NULL CHECK (outcome IN ('not_published', 'error')),
    error      TEXT,
    PRIMARY KEY (source, date)
);

CREATE TABLE alert_users (
    user_id       BIGINT PRIMARY KEY,
    delivery_time TEXT CHECK (delivery_time IS NULL OR delivery_time ~ '^[0-2][0-9]:[0-5][0-9]$'),
    timezone      TEXT,
    enabled       BOOLEAN NOT NULL DEFAULT TRUE,
    paused_reason TEXT,
    dm_channel_id BIGINT,
    start_date    DATE,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE alert_terms (
    user_id    BIGINT NOT NULL REFERENCES alert_users (user_id) ON DELETE CASCADE,
    term       TEXT COLLATE "C" NOT NULL CHECK (length(term) BETWEEN 1 AND 100),
    kind       TEXT COLLATE "C" NOT NULL
        CHECK (kind IN ('include', 'exclude', 'author', 'exclude_author')),
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, kind, term)
);
