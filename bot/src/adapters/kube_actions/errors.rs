//! Kubernetes faults (sorted by `kube_fault::classify`) worded as `ActionError`s.

use firebreak_commands::remediation::ActionError;

use crate::adapters::kube_fault::{classify, KubeFault};
use crate::adapters::unanswered::{never_sent, write_unanswered};
pub(super) use crate::adapters::kube_fault::ApiCall as Attempt;

/// Verbs that change the cluster: unanswered, they may have been carried out.
const WRITES: [&str; 5] = ["patch", "create", "update", "replace", "delete"];

pub(super) fn map_error(error: ::kube::Error, attempt: Attempt<'_>) -> ActionError {
    match classify(&error, attempt) {
        KubeFault::NotFound(what) => ActionError::NotFound(what),
        KubeFault::Forbidden(m) => ActionError::Forbidden(m),
        KubeFault::Refused { message, .. } => ActionError::Refused(message),
        KubeFault::Unreachable(m) if WRITES.contains(&attempt.verb) => write_unanswered(&m, !never_sent(&error)),
        KubeFault::Unreachable(m) => ActionError::Unreachable(m),
        KubeFault::Failed(m) => ActionError::Failed(m),
    }
}
