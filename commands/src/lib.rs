//! Firebreak's commands: what the bot can do, with no I/O of its own.
//!
//! # Layout
//! - [`severity`], [`status`], [`ids`], [`incident`], [`timeline`] — the incident domain.
//! - [`capture`], [`pins`] — messages pinned from the conversation by reaction.
//! - [`postmortem`] — the draft rendered from the timeline.
//! - [`diagnostics`] — runbook checks: specs, facts, ports, evaluation, runner, report.
//! - [`channel_name`]: Slack-valid incident channel names.
//! - [`command`] — the `/incident` grammar (one file per sub-command) and its execution.
//! - [`button`] — the incident card's buttons, dispatched like commands.
//! - [`lifecycle`] — compare-and-set changes to an open incident, then card, topic and a line.
//! - [`mrkdwn`] — escaping outside text before it goes into a Slack message.
//! - [`card`] — the incident card, topic and status menu as platform-neutral [`reply::Reply`]s.
//! - [`ports`] — the capability traits (`IncidentStore`, `Chat`, `Clock`) adapters implement.
//! - [`engine`] — the context and invocation every command runs with.
//! - `testing` (feature): in-memory fakes of the ports.

pub mod alerts;
pub mod button;
pub mod capture;
pub mod card;
pub mod channel_name;
pub mod command;
pub mod diagnostics;
pub mod engine;
pub mod escalation;
pub mod ids;
pub mod incident;
pub mod lifecycle;
pub mod mrkdwn;
pub mod pins;
pub mod ports;
pub mod postmortem;
pub mod remediation;
pub mod reply;
pub mod settings;
pub mod severity;
pub mod status;
pub mod timeline;
pub mod timers;

#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use command::{Command, UsageError};
pub use engine::{CommandError, Context, Invocation};
pub use reply::Reply;
