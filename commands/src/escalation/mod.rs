//! Escalation: levels with the seed runbook's conditions (unresolved after N minutes, several
//! services affected, a data-integrity flag), whom each pages in Slack and through an
//! optional pager webhook, and escalating — by timer, by alert, or by hand.

mod flags;
mod flow;
mod level;
mod page;

pub use flags::{is_flag_name, raise_alert_flags, raise_flag, split_flag};
pub use flow::{check_services, escalate, next_level, Escalation};
pub use level::{EscalationLevel, Pager, PagerWebhook, WebhookFormat};
pub use page::Page;

#[cfg(test)]
mod tests;
