//! `k8s_events`: recent Warning events for the runbook's objects.

use std::time::Duration;

use jiff::Timestamp;

use crate::diagnostics::ports::Cluster;
use crate::diagnostics::result::Verdict;

pub(super) async fn check(_cluster: &dyn Cluster, _namespace: &str, _objects: &[String], _since: Duration, _now: Timestamp) -> Verdict {
    Verdict::error("the k8s_events check is not implemented yet")
}
