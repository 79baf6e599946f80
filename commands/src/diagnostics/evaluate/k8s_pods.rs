//! `k8s_pods`: phase, readiness, restarts and failure reasons of the selected pods.

use crate::diagnostics::ports::Cluster;
use crate::diagnostics::result::Verdict;
use crate::diagnostics::spec::LabelSelector;

pub(super) async fn check(_cluster: &dyn Cluster, _namespace: &str, _selector: &LabelSelector) -> Verdict {
    Verdict::error("the k8s_pods check is not implemented yet")
}
