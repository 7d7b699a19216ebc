-- A forum in paper mode posts each paper as its own thread: a planned message of such a
-- delivery is a forum post, and its thread is recorded with its starter message, in one
-- statement, so a crash can never leave one known without the other. NULL for every other
-- message (a day's forum thread stays on `deliveries.thread_id`).
ALTER TABLE delivery_messages ADD COLUMN thread_id INTEGER;
