//! Kubernetes faults (sorted by `kube_fault::classify`) worded as `ProbeError`s.

use firebreak_commands::diagnostics::ports::ProbeError;

use crate::adapters::kube_fault::{classify, KubeFault};
pub(super) use crate::adapters::kube_fault::ApiCall as Action;

pub(super) fn map_error(error: ::kube::Error, action: Action<'_>) -> ProbeError {
    match classify(&error, action) {
        KubeFault::NotFound(what) => ProbeError::NotFound(what),
        KubeFault::Forbidden(m) => ProbeError::Forbidden(m),
        // Diagnostics change nothing: a refusal is a failed read, said neutrally.
        KubeFault::Refused { described, .. } => ProbeError::Failed(described),
        KubeFault::Unreachable(m) => ProbeError::Unreachable(m),
        KubeFault::Failed(m) => ProbeError::Failed(m),
    }
}
