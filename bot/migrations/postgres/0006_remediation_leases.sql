-- Leases on running remediations, so that several replicas share one database: the replica
-- running a request (`runner`) renews `lease_until_ms` while it works; a `running` request whose
-- lease ran out lost its replica and is marked interrupted by compare-and-set, once. Rows left
-- running before this migration have no lease (0): the first round interrupts them, as start-up
-- used to.
ALTER TABLE remediation_requests ADD COLUMN runner TEXT;
ALTER TABLE remediation_requests ADD COLUMN lease_until_ms BIGINT NOT NULL DEFAULT 0;
CREATE INDEX remediation_requests_leases ON remediation_requests (lease_until_ms) WHERE state = 'running';
