-- Remediation requests name their runbook, expire, and keep their outcome. `action` holds the
-- action's name within the runbook; `approved_by` holds whoever approved or denied.
ALTER TABLE remediation_requests ADD COLUMN runbook TEXT NOT NULL DEFAULT '';
ALTER TABLE remediation_requests ADD COLUMN expires_at_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE remediation_requests ADD COLUMN result TEXT;
CREATE INDEX remediation_requests_runs ON remediation_requests (runbook, action, created_at_ms);
