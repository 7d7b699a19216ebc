-- Whether a delivery's last attempt may have left a message on Discord unrecorded: set when
-- sending begins, cleared when the process stops working on it cleanly (between requests, every
-- answer recorded). Only an unsettled delivery reads the channel's recent messages before
-- resuming; rows from before this column are treated as unsettled.
ALTER TABLE deliveries ADD COLUMN unsettled INTEGER NOT NULL DEFAULT 1;
