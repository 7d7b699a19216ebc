-- Questions asked with `/papers ask`, one row each: where (the thread, channel or DM it was
-- asked in), about which paper, by whom (and in which server, for its cap), and the answer
-- shown. A row is written before the model is called ('asking'), so the day's caps count a
-- question in flight, and is answered or deleted after; a follow-up reads the last answered
-- ones of its thread. Rows older than 30 days are deleted; `/alerts clear` deletes a person's.
CREATE TABLE ask_turns (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    channel_id INTEGER NOT NULL,
    arxiv_id   TEXT NOT NULL,
    user_id    INTEGER NOT NULL,
    guild_id   INTEGER,
    day        TEXT NOT NULL, -- UTC day (YYYY-MM-DD), for the caps
    asked_at   TEXT NOT NULL,
    private    BOOLEAN NOT NULL DEFAULT 0,
    state      TEXT NOT NULL DEFAULT 'asking' CHECK (state IN ('asking', 'answered')),
    question   TEXT NOT NULL,
    answer     TEXT,
    language   TEXT NOT NULL,
    calls      INTEGER NOT NULL DEFAULT 0 CHECK (calls >= 0),
    tokens_in  INTEGER NOT NULL DEFAULT 0 CHECK (tokens_in >= 0),
    tokens_out INTEGER NOT NULL DEFAULT 0 CHECK (tokens_out >= 0)
);
CREATE INDEX ask_turns_thread ON ask_turns (channel_id, arxiv_id, id);
CREATE INDEX ask_turns_person ON ask_turns (user_id, day);
CREATE INDEX ask_turns_server ON ask_turns (guild_id, day);
CREATE INDEX ask_turns_day ON ask_turns (day);

-- Which paper a thread is about is read from the ledger by the thread's id: a forum post's
-- thread, the message a thread was started from (same id), a day's thread.
CREATE INDEX delivery_messages_thread ON delivery_messages (thread_id) WHERE thread_id IS NOT NULL;
CREATE INDEX delivery_messages_message ON delivery_messages (message_id) WHERE message_id IS NOT NULL;
CREATE INDEX deliveries_thread ON deliveries (thread_id) WHERE thread_id IS NOT NULL;
