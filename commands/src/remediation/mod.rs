//! Remediations: the runbook's actions as data, the ports that carry them out, and (coming)
//! the approval flow that lets them run exactly once.
//!
//! # Layout
//! - [`spec`] — what an action does and to what (`ActionSpec`, `ActionTarget`), bounded by the runbook.
//! - [`ports`] — `ClusterActions` and `ContainerActions`: execute, preview and verify.
//! - [`request`] — a request's state machine (compare-and-set moves, exactly once).
//! - [`policy`] — who may approve, the two-person rule, run limits; fail-closed.
//! - [`flow`] — request, approve, deny, run once, verify; [`card`] — the approval card.
//! - [`lease`] — the running replica's lease on a run; dead replicas' runs marked interrupted once.
//! - [`statuspage`] — `StatusPageActions`: a public incident on Statuspage, posted once;
//!   [`statuspage_resolve`] — resolved there when the incident is.

pub mod card;
pub mod flow;
pub mod lease;
pub mod policy;
pub mod ports;
pub mod request;
pub mod spec;
pub mod statuspage;
pub mod statuspage_resolve;

pub use ports::{ActionError, ClusterActions, ContainerActions, Outcome as ActionOutcome};
pub use spec::{ActionSpec, ActionTarget, Executor};
pub use statuspage::{PostedIncident, StatusPageActions};

/// An action of a runbook with the rules for approving it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunbookAction {
    pub spec: ActionSpec,
    pub policy: policy::ApprovalPolicy,
}

#[cfg(test)]
mod props;
#[cfg(test)]
mod tests_statuspage;
