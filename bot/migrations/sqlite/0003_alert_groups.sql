-- Incidents opened by an Alertmanager group remember the group's key. At most one open
-- incident per workspace and group: a repeated or concurrent notification (Alertmanager in HA
-- sends each one from every instance) finds it instead of opening another. Resolved and failed
-- incidents leave the index, so the group firing again later opens a new incident.
ALTER TABLE incidents ADD COLUMN alert_key TEXT;
CREATE UNIQUE INDEX incidents_open_alert_group ON incidents (team_id, alert_key)
    WHERE alert_key IS NOT NULL AND status <> 'resolved' AND setup <> 'failed';
