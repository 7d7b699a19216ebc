-- The day at a glance (issue 26).
-- A channel's layout: 'glance' (an index of the day's top papers, the cards in a thread started
-- from it), 'full' (the cards in the channel, as before) or 'index' (the index alone). Every
-- channel subscribed before this keeps what it had: 'full'. New subscriptions write 'glance'
-- (or 'full' where paperboy may not create threads).
ALTER TABLE subscriptions ADD COLUMN layout TEXT NOT NULL DEFAULT 'full'
    CHECK (layout IN ('glance', 'full', 'index'));
-- How many papers the index lists (NULL: 10; 0: all).
ALTER TABLE subscriptions ADD COLUMN index_top INTEGER
    CHECK (index_top IS NULL OR index_top BETWEEN 0 AND 100);
-- Why paperboy set the layout to 'full' by itself (it may not create threads there), shown by
-- `/papers settings` until the layout is chosen again; NULL otherwise.
ALTER TABLE subscriptions ADD COLUMN layout_note TEXT;
-- The name of the thread started from this message once it is sent (the index of a 'glance'
-- day); the delivery's later messages go into that thread (`deliveries.thread_id`), each
-- recording it in `thread_id`. NULL for every other message.
ALTER TABLE delivery_messages ADD COLUMN opens_thread TEXT
    CHECK (opens_thread IS NULL OR length(opens_thread) BETWEEN 1 AND 400);
-- Hugging Face's own summary of a paper of a day whose bullets are someone else's (JSON array
-- of strings, kept from the archived Hugging Face list the day replaced).
ALTER TABLE papers ADD COLUMN hf_summary TEXT NOT NULL DEFAULT '[]';
