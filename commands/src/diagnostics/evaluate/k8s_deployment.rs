//! `k8s_deployment`: replicas, rollout progress and resource limits of one deployment.

use crate::diagnostics::ports::Cluster;
use crate::diagnostics::result::Verdict;

pub(super) async fn check(_cluster: &dyn Cluster, _namespace: &str, _name: &str) -> Verdict {
    Verdict::error("the k8s_deployment check is not implemented yet")
}
