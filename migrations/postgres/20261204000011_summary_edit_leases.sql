-- The process sending a planned edit (several processes on one PostgreSQL database): one at a
-- time, and a dead one's edit passes on when its lease ends.
ALTER TABLE delivery_messages ADD COLUMN edit_owner TEXT;
ALTER TABLE delivery_messages ADD COLUMN edit_until TIMESTAMPTZ;
