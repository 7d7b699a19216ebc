-- Several bot processes may share one database (PostgreSQL): a pending delivery is worked on by
-- the process holding its lease, renewed while it works. A lease whose owner died expires, and
-- another process takes the delivery over from its first unrecorded message.
ALTER TABLE deliveries ADD COLUMN lease_owner TEXT;
ALTER TABLE deliveries ADD COLUMN lease_until TEXT;

-- The running bot processes, each with a heartbeat: the token's request budget is divided
-- between the live ones, and the share of one that stops beating is given back.
CREATE TABLE bot_processes (
    id           TEXT PRIMARY KEY NOT NULL,
    started_at   TEXT NOT NULL,
    heartbeat_at TEXT NOT NULL
);
