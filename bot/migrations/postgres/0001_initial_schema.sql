-- Firebreak's first schema (Postgres). Timestamps are epoch milliseconds, ids and JSON are TEXT,
-- so the same queries run unchanged on SQLite (see ../sqlite/0001_initial_schema.sql).

-- The last incident number of each Slack workspace. Bumping this row is the first write of the
-- transaction that creates an incident; its row lock serialises concurrent starts, so numbers
-- stay unique and gap-free.
CREATE TABLE workspace_counters (
    team_id     TEXT   PRIMARY KEY,
    last_number BIGINT NOT NULL
);

CREATE TABLE incidents (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    team_id        TEXT   NOT NULL,
    number         BIGINT NOT NULL,
    title          TEXT   NOT NULL,
    severity       TEXT   NOT NULL,
    status         TEXT   NOT NULL,
    lead           TEXT,
    declared_by    TEXT   NOT NULL,
    declared_at_ms BIGINT NOT NULL,
    resolved_at_ms BIGINT,
    setup          TEXT   NOT NULL,
    channel_id     TEXT,
    channel_name   TEXT,
    card_ts        TEXT,
    -- Bumped by every save; saves are compare-and-set on it.
    version        BIGINT NOT NULL DEFAULT 1,
    UNIQUE (team_id, number)
);

CREATE INDEX incidents_by_channel ON incidents (team_id, channel_id);

-- Append-only; `seq` is the recording order.
CREATE TABLE timeline_events (
    seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    incident_id BIGINT NOT NULL REFERENCES incidents (id),
    at_ms       BIGINT NOT NULL,
    actor       TEXT   NOT NULL, -- JSON of `Actor`
    source      TEXT   NOT NULL,
    kind        TEXT   NOT NULL, -- `EventKind::key`, for the uniqueness below and for queries
    body        TEXT   NOT NULL, -- JSON of `EventKind`
    cause       TEXT             -- the Slack id that caused the event, when there is one
);

-- A retried Slack delivery (same cause, same kind) is stored once; NULL causes never collide
-- (Postgres' default NULLS DISTINCT). Also serves "the timeline of an incident".
CREATE UNIQUE INDEX timeline_events_once_per_cause ON timeline_events (incident_id, cause, kind);

-- Remediation requests: requested -> approved/denied/expired -> running -> succeeded/failed,
-- each transition a compare-and-set on `version`.
CREATE TABLE remediation_requests (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    incident_id   BIGINT NOT NULL REFERENCES incidents (id),
    action        TEXT   NOT NULL, -- JSON of the requested action
    state         TEXT   NOT NULL,
    requested_by  TEXT   NOT NULL,
    approved_by   TEXT,
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL,
    version       BIGINT NOT NULL DEFAULT 1
);

CREATE INDEX remediation_requests_by_incident ON remediation_requests (incident_id);

-- Slack calls still to deliver; a row is done once `delivered_at_ms` is set.
CREATE TABLE outbox (
    id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel            TEXT   NOT NULL,
    method             TEXT   NOT NULL, -- Slack Web API method, e.g. chat.postMessage
    payload            TEXT   NOT NULL, -- JSON body of the call
    priority           BIGINT NOT NULL DEFAULT 0, -- higher is delivered first
    attempts           BIGINT NOT NULL DEFAULT 0,
    next_attempt_at_ms BIGINT NOT NULL,
    created_at_ms      BIGINT NOT NULL,
    delivered_at_ms    BIGINT
);

-- Only undelivered rows are ever scanned by the sender.
CREATE INDEX outbox_due ON outbox (next_attempt_at_ms) WHERE delivered_at_ms IS NULL;
