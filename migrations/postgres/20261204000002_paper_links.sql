-- What Hugging Face's list says about a paper beyond the digest format: its code, project page,
-- submitting organisation, AI keywords, discussion size and submitter. All optional: a paper
-- from the markdown digest, and every paper archived before this, has none of them.
ALTER TABLE papers ADD COLUMN github_repo TEXT;
ALTER TABLE papers ADD COLUMN github_stars BIGINT;
ALTER TABLE papers ADD COLUMN project_page TEXT;
ALTER TABLE papers ADD COLUMN organization TEXT; -- the account name
ALTER TABLE papers ADD COLUMN organization_fullname TEXT;
ALTER TABLE papers ADD COLUMN ai_keywords TEXT NOT NULL DEFAULT '[]'; -- JSON array of strings
ALTER TABLE papers ADD COLUMN num_comments BIGINT;
ALTER TABLE papers ADD COLUMN submitted_by TEXT;
