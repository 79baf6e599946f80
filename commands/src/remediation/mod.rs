//! Remediations: the runbook's actions as data, the ports that carry them out, and (coming)
//! the approval flow that lets them run exactly once.
//!
//! # Layout
//! - [`spec`] — what an action does and to what (`ActionSpec`, `ActionTarget`), bounded by the runbook.
//! - [`ports`] — `ClusterActions` and `ContainerActions`: execute, preview and verify.

pub mod ports;
pub mod spec;

pub use ports::{ActionError, ClusterActions, ContainerActions, Outcome as ActionOutcome};
pub use spec::{ActionSpec, ActionTarget};
