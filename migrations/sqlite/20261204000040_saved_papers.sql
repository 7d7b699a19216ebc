-- A person's reading list: papers they saved from a post's "🔖 Save…" menu. The title, authors,
-- date and link are a snapshot taken when saving, so the list can be shown and exported even when
-- the archive no longer has (or never had) the paper. One row per person and paper: saving the
-- same paper again changes nothing. `/papers saved clear` and `/alerts clear` delete a person's
-- rows; nothing else about the person is kept here.
CREATE TABLE saved_papers (
    user_id     INTEGER NOT NULL,
    -- Without version (`2404.00399`), the key a post's menu carries.
    arxiv_id    TEXT NOT NULL CHECK (length(arxiv_id) BETWEEN 1 AND 100),
    title       TEXT NOT NULL,
    authors     TEXT NOT NULL DEFAULT '[]', -- JSON array of strings
    -- The digest day the paper was saved from, when known (its year goes into the BibTeX entry).
    digest_date TEXT,
    saved_at    TEXT NOT NULL,
    PRIMARY KEY (user_id, arxiv_id)
) WITHOUT ROWID;

-- `/papers saved list` pages a person's list newest first.
CREATE INDEX saved_papers_newest ON saved_papers (user_id, saved_at DESC, arxiv_id);
