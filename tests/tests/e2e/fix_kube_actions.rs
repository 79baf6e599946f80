//! Remediation tests: kube_actions (being written).
