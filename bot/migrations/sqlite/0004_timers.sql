-- The incidents' clocks (response time, update reminders, escalation levels): stored, so they
-- fire after a restart; claimed by compare-and-set on fired_at_ms, so they fire once across
-- replicas. One timer per incident and kind (`response`, `reminder:3`, `escalation:2`).
CREATE TABLE timers (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    kind        TEXT    NOT NULL,
    due_at_ms   INTEGER NOT NULL,
    fired_at_ms INTEGER,
    UNIQUE (incident_id, kind)
);
CREATE INDEX timers_pending ON timers (due_at_ms) WHERE fired_at_ms IS NULL;
