//! The parts of the configuration that commands need, already validated by `bot::config`.

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::tz::TimeZone;

use crate::diagnostics::runbook::Runbooks;
use crate::escalation::{EscalationLevel, Pager};
use crate::ids::{ChannelId, SlackUserId};
use crate::severity::Severity;

/// Incident behaviour settings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Prefix of incident channel names (`inc` → `inc-20261123-7-api-down`).
    pub channel_prefix: String,
    /// Where SEV1/SEV2 incidents are announced; `None` disables announcements.
    pub broadcast_channel: Option<ChannelId>,
    /// People invited to every new incident channel of a severity, besides the requester.
    pub responders: BTreeMap<Severity, Vec<SlackUserId>>,
    /// Time zone for times shown to people.
    pub time_zone: TimeZone,
    /// The runbooks whose checks `/incident diag` runs.
    pub runbooks: Runbooks,
    /// How long a whole diagnostics run may take, whatever the checks' own timeouts.
    pub diagnostics_deadline: Duration,
    /// The reaction that pins a message of the incident channel to the timeline (`pushpin`).
    pub pin_emoji: String,
    /// The postmortem template (minijinja source), already checked to render.
    pub postmortem_template: String,
    /// Alertmanager `severity` label (lowercase) → severity, for alerts no runbook names.
    pub alert_severities: BTreeMap<String, Severity>,
    /// Who is pinged when a severity's response time passes with nobody leading.
    pub oncall: BTreeMap<Severity, Vec<Pager>>,
    /// How often the lead is reminded to post a status update; absent: never.
    pub update_every: BTreeMap<Severity, Duration>,
    /// Escalation levels, lowest first (the seed's Level 2, Level 3).
    pub escalation: Vec<EscalationLevel>,
    /// The alert label whose value raises flags (`data-integrity`) on the alert's incident.
    pub alert_flag_label: String,
}

/// Status-update cadence unless configured: SEV1 every 30 min, SEV2 every hour.
pub fn default_update_every() -> BTreeMap<Severity, Duration> {
    BTreeMap::from([(Severity::Sev1, Duration::from_secs(30 * 60)), (Severity::Sev2, Duration::from_secs(60 * 60))])
}

/// The usual Prometheus severity labels, mapped unless configured otherwise.
pub fn default_alert_severities() -> BTreeMap<String, Severity> {
    [("critical", Severity::Sev1), ("page", Severity::Sev1), ("error", Severity::Sev2), ("high", Severity::Sev2), ("warning", Severity::Sev3), ("info", Severity::Sev4)]
        .into_iter()
        .map(|(label, severity)| (label.to_owned(), severity))
        .collect()
}

/// The alert label that carries flags unless configured otherwise.
pub const DEFAULT_ALERT_FLAG_LABEL: &str = "firebreak_flag";

/// The reaction that pins a message to the timeline unless configured otherwise: 📌.
pub const DEFAULT_PIN_EMOJI: &str = "pushpin";

/// Default bound on a whole diagnostics run.
pub const DEFAULT_DIAGNOSTICS_DEADLINE: Duration = Duration::from_secs(30);

impl Default for Settings {
    fn default() -> Self {
        Self {
            channel_prefix: "inc".to_owned(),
            broadcast_channel: None,
            responders: BTreeMap::new(),
            time_zone: TimeZone::UTC,
            runbooks: Runbooks::default(),
            diagnostics_deadline: DEFAULT_DIAGNOSTICS_DEADLINE,
            pin_emoji: DEFAULT_PIN_EMOJI.to_owned(),
            postmortem_template: crate::postmortem::DEFAULT_TEMPLATE.to_owned(),
            alert_severities: default_alert_severities(),
            oncall: BTreeMap::new(),
            update_every: default_update_every(),
            escalation: Vec::new(),
            alert_flag_label: DEFAULT_ALERT_FLAG_LABEL.to_owned(),
        }
    }
}

impl Settings {
    /// The requester first, then the severity's responders, each once.
    pub fn people_to_invite(&self, severity: Severity, requester: &SlackUserId) -> Vec<SlackUserId> {
        let mut people = vec![requester.clone()];
        for person in self.responders.get(&severity).into_iter().flatten() {
            if !people.contains(person) {
                people.push(person.clone());
            }
        }
        people
    }
}
