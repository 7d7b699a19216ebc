-- A person's reading list (see migrations/sqlite/20261204000040_saved_papers.sql for why each
-- column exists), in native types.
CREATE TABLE saved_papers (
    user_id     BIGINT NOT NULL,
    arxiv_id    TEXT COLLATE "C" NOT NULL CHECK (length(arxiv_id) BETWEEN 1 AND 100),
    title       TEXT NOT NULL,
    authors     TEXT NOT NULL DEFAULT '[]', -- JSON array of strings
    digest_date DATE,
    saved_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, arxiv_id)
);

CREATE INDEX saved_papers_newest ON saved_papers (user_id, saved_at DESC, arxiv_id);
