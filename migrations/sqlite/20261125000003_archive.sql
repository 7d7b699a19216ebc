-- Archive of every digest the bot has fetched, so /papers search and re-deliveries do not need
-- the network. Saving a date again replaces its papers.
CREATE TABLE digests (
    date        TEXT PRIMARY KEY NOT NULL, -- YYYY-MM-DD
    source      TEXT NOT NULL,
    fetched_at  TEXT NOT NULL,
    paper_count INTEGER NOT NULL
);

CREATE TABLE papers (
    id            INTEGER PRIMARY KEY,
    date          TEXT NOT NULL REFERENCES digests (date) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    title         TEXT NOT NULL,
    url           TEXT,
    arxiv_id      TEXT,
    thumbnail_url TEXT,
    votes         INTEGER,
    authors       TEXT NOT NULL DEFAULT '[]', -- JSON array of strings
    bullets       TEXT NOT NULL DEFAULT '[]', -- JSON array of strings
    UNIQUE (date, position)
);

CREATE INDEX papers_arxiv_id ON papers (arxiv_id) WHERE arxiv_id IS NOT NULL;

-- Full-text index over title and bullet text. The trigram tokenizer does substring matching
-- without word segmentation, which is what makes Korean (no spaces inside compounds, particles
-- glued to nouns) findable; it is case-insensitive. It keeps its own copy of the text (rather than
-- external content) because the bullets are indexed as plain lines, not as the stored JSON.
CREATE VIRTUAL TABLE papers_fts USING fts5 (title, bullets, tokenize = 'trigram');

CREATE TRIGGER papers_fts_insert AFTER INSERT ON papers BEGIN
    INSERT INTO papers_fts (rowid, title, bullets)
    VALUES (
        new.id,
        new.title,
        (SELECT group_concat(value, char(10)) FROM json_each(new.bullets))
    );
END;

CREATE TRIGGER papers_fts_delete AFTER DELETE ON papers BEGIN
    DELETE FROM papers_fts WHERE rowid = old.id;
END;

CREATE TRIGGER papers_fts_update AFTER UPDATE OF title, bullets ON papers BEGIN
    DELETE FROM papers_fts WHERE rowid = old.id;
    INSERT INTO papers_fts (rowid, title, bullets)
    VALUES (
        new.id,
        new.title,
        (SELECT group_concat(value, char(10)) FROM json_each(new.bullets))
    );
END;
