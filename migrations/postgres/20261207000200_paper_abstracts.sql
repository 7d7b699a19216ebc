-- A paper's abstract as Hugging Face's list gives it: the summaries are written from it without
-- asking arXiv for the abstract page. Rows archived before stay without one (arXiv is asked).
ALTER TABLE papers ADD COLUMN abstract TEXT;
