//! Escalation: levels with the seed runbook's conditions (unresolved after N minutes, several
//! services affected), whom each pages, and escalating — by timer, by alert, or by hand.

mod flow;
mod level;

pub use flow::{check_services, escalate, next_level, Escalation};
pub use level::{EscalationLevel, Pager};

#[cfg(test)]
mod tests;
