//! Diagnostics: the runbook's checks as data, the facts adapters gather, and the policy that
//! turns facts into ok / warn / fail / error.
//!
//! # Layout
//! - [`spec`] — what a check asks for (`CheckSpec`, `CheckTarget`), validated at the edge.
//! - [`facts`] — what adapters report back (pods, containers, GPUs, probes), with no verdict.
//! - [`ports`] — `Cluster`, `Containers`, `Gpus`, `Probes`: the capabilities checks need.
//! - [`evaluate`] — one file per check kind: ask the port, judge the facts.
//! - [`result`] — `CheckResult` and its `Outcome`.
//! - [`runner`] — all checks at once, each under its timeout, all under a deadline.
//! - [`redact`] — secrets removed from anything posted.
//! - [`runbook`] — runbooks and which one matches an incident.
//! - [`report`] — the summary message and the details thread.

pub mod evaluate;
pub mod facts;
pub mod ports;
pub mod redact;
pub mod report;
pub mod result;
pub mod runbook;
pub mod runner;
pub mod spec;

pub use ports::{Cluster, Containers, DiagnosticPorts, Gpus, ProbeError, Probes};
pub use result::{CheckResult, Outcome};
pub use spec::{CheckSpec, CheckTarget};
