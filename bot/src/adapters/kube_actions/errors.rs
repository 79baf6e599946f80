//! Kubernetes faults (sorted by `kube_fault::classify`) worded as `ActionError`s.

use firebreak_commands::remediation::ActionError;

use crate::adapters::kube_fault::{classify, KubeFault};
pub(super) use crate::adapters::kube_fault::ApiCall as Attempt;

pub(super) fn map_error(error: ::kube::Error, attempt: Attempt<'_>) -> ActionError {
    match classify(&error, attempt) {
        KubeFault::NotFound(what) => ActionError::NotFound(what),
        KubeFault::Forbidden(m) => ActionError::Forbidden(m),
        KubeFault::Refused { message, .. } => ActionError::Refused(message),
        KubeFault::Unreachable(m) => ActionError::Unreachable(m),
        KubeFault::Failed(m) => ActionError::Failed(m),
    }
}
