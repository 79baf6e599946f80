//! Remediation tests: docker_actions (being written).
