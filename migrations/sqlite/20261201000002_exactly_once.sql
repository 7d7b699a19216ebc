-- When sending of a delivery began. After a crash (or a timeout, or a lost answer) its first
-- unrecorded message may already be on Discord without paperboy knowing its id: before sending
-- such a message again, the channel's messages since this moment are read and the bot's own
-- message is matched by its content. Discord's nonce de-duplication stays the first line of
-- defence, but it only lasts a few minutes.
ALTER TABLE deliveries ADD COLUMN started_at TEXT;

-- Publishing to followers (announcement channels with auto-publish) is part of the ledger:
-- 'pending' until Discord accepted the crosspost ('done'), or until it refused it for good or the
-- channel's crosspost quota was reached ('given_up', with the reason). A delivery is done only when
-- no publish is pending, so a restart resumes publishing like it resumes sending.
ALTER TABLE delivery_messages ADD COLUMN publish TEXT
    CHECK (publish IS NULL OR publish IN ('pending', 'done', 'given_up'));
ALTER TABLE delivery_messages ADD COLUMN publish_error TEXT;
