-- The durable outbox: every outbound Slack call is a row here first, so it survives restarts
-- and is sent by exactly one replica. A lane is a channel id (or a fixed name such as
-- `@conversations.create` for calls without one); rows of a lane go out in order (urgent ones
-- first), paced per lane, under a lease that one replica holds at a time.
--
-- 0001 created a placeholder `outbox` that nothing ever wrote to; this shape replaces it.
DROP TABLE outbox;
CREATE TABLE outbox (
    id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    lane               TEXT     NOT NULL,
    urgency            BIGINT   NOT NULL,
    method             TEXT     NOT NULL,
    args               TEXT     NOT NULL,
    state              TEXT     NOT NULL DEFAULT 'pending',
    attempts           BIGINT   NOT NULL DEFAULT 0,
    not_before_ms      BIGINT   NOT NULL,
    created_at_ms      BIGINT   NOT NULL,
    in_flight_since_ms BIGINT,
    sent_at_ms         BIGINT,
    result             TEXT,
    last_error         TEXT
);
CREATE INDEX outbox_pending ON outbox (lane, urgency DESC, id) WHERE state = 'pending';

CREATE TABLE outbox_lanes (
    lane                 TEXT PRIMARY KEY,
    next_at_ms           BIGINT NOT NULL DEFAULT 0,
    leased_by            TEXT,
    lease_until_ms       BIGINT NOT NULL DEFAULT 0,
    delayed_notice_at_ms BIGINT
);

-- A 429's Retry-After, per Web API method, shared by every replica.
CREATE TABLE outbox_gates (
    method          TEXT PRIMARY KEY,
    closed_until_ms BIGINT NOT NULL
);
