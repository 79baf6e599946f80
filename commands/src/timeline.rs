//! Timeline events: the append-only record from which everything else (postmortem) is drawn.

use std::borrow::Cow;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::ids::{ChannelId, IncidentId, SlackUserId};
use crate::severity::Severity;
use crate::status::Status;

/// Who caused an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum Actor {
    User(SlackUserId),
    Firebreak,
}

impl Actor {
    pub fn mention(&self) -> String {
        match self {
            Self::User(user) => user.mention(),
            Self::Firebreak => "Firebreak".to_owned(),
        }
    }
}

/// Through which door the cause came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    SlashCommand,
    Button,
    Firebreak,
    /// A notification from Prometheus Alertmanager (`POST /hooks/alertmanager`).
    Alertmanager,
    /// Something people did in the incident channel, seen through the Events API (a 📌
    /// reaction, an edit, a deletion).
    Conversation,
}

impl Source {
    pub fn key(self) -> &'static str {
        match self {
            Self::SlashCommand => "slash_command",
            Self::Button => "button",
            Self::Firebreak => "firebreak",
            Self::Conversation => "conversation",
            Self::Alertmanager => "alertmanager",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "slash_command" => Some(Self::SlashCommand),
            "button" => Some(Self::Button),
            "firebreak" => Some(Self::Firebreak),
            "conversation" => Some(Self::Conversation),
            "alertmanager" => Some(Self::Alertmanager),
            _ => None,
        }
    }
}

/// What happened. Stored as JSON tagged by `kind`, so new kinds never need a migration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    Declared { severity: Severity, title: String },
    ChannelCreated { channel: ChannelId, name: String },
    PeopleInvited { users: Vec<SlackUserId> },
    TopicSet { topic: String },
    CardPosted,
    CardPinned,
    /// The announcement was queued for the broadcast channel (it goes out at that channel's
    /// pace; a refusal by Slack is said in the incident channel, see `bot::outbox`).
    Announced { channel: ChannelId },
    SetupStepFailed { step: String, error: String },
    SetupFailed { error: String },
    StatusChanged { from: Status, to: Status, note: Option<String> },
    SeverityChanged { from: Severity, to: Severity },
    LeadChanged { from: Option<SlackUserId>, to: SlackUserId },
    Note { text: String },
    Resolved { summary: Option<String> },
    DiagnosticsRan { runbook: String, tally: String, results: Vec<CheckLine> },
    RemediationRequested { request: i64, action: String, command: String },
    RemediationRefused { request: i64, reason: String },
    RemediationApproved { request: i64, action: String },
    RemediationDenied { request: i64, action: String },
    RemediationExpired { request: i64, action: String },
    RemediationStarted { request: i64, action: String },
    RemediationFinished { request: i64, action: String, success: bool, summary: String },
    RemediationVerified { request: i64, action: String, success: bool, summary: String },
    /// The change was sent and its answer never came: it may or may not have been made.
    RemediationOutcomeUnknown { request: i64, action: String, summary: String },
    RemediationInterrupted { request: i64, action: String },
    /// A follow-up action item for the postmortem (`/incident action`).
    ActionItem { text: String },
    /// A key time (detected, acknowledged, mitigated…) set by hand; it overrides the one
    /// taken from the events.
    KeyTimeSet { which: String, at: Timestamp },
    /// A message of the incident channel pinned to the timeline with the pin reaction. The
    /// event's `at` is when the message was *posted*, so the timeline reads in the order things
    /// happened; `pinned_at` is when the reaction came.
    MessagePinned { message: PinnedMessageRef, author: Option<SlackUserId>, text: String, permalink: Option<String>, pinned_at: Timestamp },
    /// The last pin reaction was taken off the message: it leaves the postmortem.
    PinRemoved { message: PinnedMessageRef },
    /// A pinned message was edited in Slack; the text it had is kept in the earlier events.
    PinnedMessageEdited { message: PinnedMessageRef, text: String },
    /// A pinned message was deleted in Slack; what it said stays on the timeline.
    PinnedMessageDeleted { message: PinnedMessageRef },
    /// An alert of the incident's Alertmanager group is firing (recorded once per alert
    /// fingerprint and start).
    AlertFiring {
        alertname: String,
        fingerprint: String,
        summary: String,
        starts_at: Timestamp,
        /// The alert's `service` label: how many services are affected drives escalation.
        #[serde(default)]
        service: Option<String>,
    },
    /// Alertmanager reports the alert resolved.
    AlertResolved { alertname: String, fingerprint: String, summary: String },
    /// The severity's response time passed with nobody leading; the on-call group was pinged.
    ResponseOverdue { minutes: u64 },
    /// The lead was reminded to post a status update.
    UpdateReminded { to: Option<SlackUserId> },
    /// Escalated to `level` (1-based index of the configured levels) named `name`.
    Escalated { level: usize, name: String, reason: String, paged: Vec<String> },
    /// A flag (`data-integrity`) was raised: by an alert's flag label or `/incident escalate
    /// <flag> …`. Levels that list it in `on_flags` are reached.
    FlagRaised { flag: String, reason: String },
    /// The pager webhook of escalation level `level` was called: reached or not, and why.
    PagerNotified { level: usize, name: String, success: bool, detail: String },
    /// Remediation `request` (`action`, a `statuspage_incident`) put incident `incident_id` on
    /// the public status page; resolving the incident resolves it there too.
    StatusPagePosted { request: i64, action: String, incident_id: String, status: String, shortlink: Option<String> },
    /// On resolution, the status-page incident was set to resolved — or could not be.
    StatusPageResolved { action: String, incident_id: String, success: bool, detail: String },
}

/// A Slack message by its timestamp (unique within the incident's channel).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PinnedMessageRef(pub String);

/// One check's outcome as kept on the timeline (details stay in the Slack thread).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckLine {
    pub name: String,
    pub outcome: String,
    pub summary: String,
}

impl EventKind {
    /// The storage key of the kind (`status_changed`), also used in metrics and exports.
    pub fn key(&self) -> &'static str {
        match self {
            Self::Declared { .. } => "declared",
            Self::ChannelCreated { .. } => "channel_created",
            Self::PeopleInvited { .. } => "people_invited",
            Self::TopicSet { .. } => "topic_set",
            Self::CardPosted => "card_posted",
            Self::CardPinned => "card_pinned",
            Self::Announced { .. } => "announced",
            Self::SetupStepFailed { .. } => "setup_step_failed",
            Self::SetupFailed { .. } => "setup_failed",
            Self::StatusChanged { .. } => "status_changed",
            Self::SeverityChanged { .. } => "severity_changed",
            Self::LeadChanged { .. } => "lead_changed",
            Self::Note { .. } => "note",
            Self::Resolved { .. } => "resolved",
            Self::DiagnosticsRan { .. } => "diagnostics_ran",
            Self::RemediationRequested { .. } => "remediation_requested",
            Self::RemediationRefused { .. } => "remediation_refused",
            Self::RemediationApproved { .. } => "remediation_approved",
            Self::RemediationDenied { .. } => "remediation_denied",
            Self::RemediationExpired { .. } => "remediation_expired",
            Self::RemediationStarted { .. } => "remediation_started",
            Self::RemediationFinished { .. } => "remediation_finished",
            Self::RemediationVerified { .. } => "remediation_verified",
            Self::RemediationOutcomeUnknown { .. } => "remediation_outcome_unknown",
            Self::RemediationInterrupted { .. } => "remediation_interrupted",
            Self::ActionItem { .. } => "action_item",
            Self::KeyTimeSet { .. } => "key_time_set",
            Self::MessagePinned { .. } => "message_pinned",
            Self::PinRemoved { .. } => "pin_removed",
            Self::PinnedMessageEdited { .. } => "pinned_message_edited",
            Self::PinnedMessageDeleted { .. } => "pinned_message_deleted",
            Self::AlertFiring { .. } => "alert_firing",
            Self::AlertResolved { .. } => "alert_resolved",
            Self::ResponseOverdue { .. } => "response_overdue",
            Self::UpdateReminded { .. } => "update_reminded",
            Self::Escalated { .. } => "escalated",
            Self::FlagRaised { .. } => "flag_raised",
            Self::PagerNotified { .. } => "pager_notified",
            Self::StatusPagePosted { .. } => "status_page_posted",
            Self::StatusPageResolved { .. } => "status_page_resolved",
        }
    }

    /// One line for people: `status Investigating → Mitigated`, with the text people and
    /// other systems wrote as they wrote it (the postmortem, the API, logs).
    pub fn describe(&self) -> String {
        self.describe_with(as_written, as_written)
    }

    /// The same line as Slack `mrkdwn`: titles, notes, summaries, reasons, alert and error
    /// text are escaped, while Firebreak's own mentions and channel links stay live.
    pub fn describe_mrkdwn(&self) -> String {
        self.describe_with(crate::mrkdwn::escape, crate::mrkdwn::defang)
    }

    /// `e` treats text as written; `quoted` treats message text read back from Slack (pins),
    /// which Slack has escaped already.
    fn describe_with(&self, e: Escaper, quoted: Escaper) -> String {
        match self {
            Self::Declared { severity, title } => format!("declared {severity}: {}", e(title)),
            Self::ChannelCreated { channel, .. } => format!("opened {}", channel.link()),
            Self::PeopleInvited { users } => {
                let names: Vec<String> = users.iter().map(SlackUserId::mention).collect();
                format!("invited {}", names.join(", "))
            }
            Self::TopicSet { .. } => "set the channel topic".to_owned(),
            Self::CardPosted => "posted the incident card".to_owned(),
            Self::CardPinned => "pinned the incident card".to_owned(),
            Self::Announced { channel } => format!("queued the announcement in {}", channel.link()),
            Self::SetupStepFailed { step, error } => format!("could not {}: {}", e(step), e(error)),
            Self::SetupFailed { error } => format!("could not open the incident: {}", e(error)),
            Self::StatusChanged { from, to, note } => match note {
                Some(note) => format!("status {from} → {to}: {}", e(note)),
                None => format!("status {from} → {to}"),
            },
            Self::SeverityChanged { from, to } => format!("severity {from} → {to}"),
            Self::LeadChanged { to, .. } => format!("lead is now {}", to.mention()),
            Self::Note { text } => format!("note: {}", e(text)),
            Self::Resolved { summary } => match summary {
                Some(summary) => format!("resolved: {}", e(summary)),
                None => "resolved".to_owned(),
            },
            Self::DiagnosticsRan { runbook, tally, .. } => format!("ran diagnostics `{}`: {tally}", e(runbook)),
            Self::RemediationRequested { request, command, .. } => format!("requested remediation #{request}: `{}`", e(command)),
            Self::RemediationRefused { request, reason } => format!("was refused approving #{request}: {}", e(reason)),
            Self::RemediationApproved { request, action } => format!("approved #{request} `{}`", e(action)),
            Self::RemediationDenied { request, action } => format!("denied #{request} `{}`", e(action)),
            Self::RemediationExpired { request, action } => format!("#{request} `{}` expired unapproved", e(action)),
            Self::RemediationStarted { request, action } => format!("started #{request} `{}`", e(action)),
            Self::RemediationFinished { request, success, summary, .. } => {
                format!("#{request} {}: {}", if *success { "succeeded" } else { "failed" }, e(summary))
            }
            Self::ActionItem { text } => format!("action item: {}", e(text)),
            Self::KeyTimeSet { which, at } => format!("set the {which} time to {}", at.strftime("%Y-%m-%d %H:%M UTC")),
            Self::RemediationOutcomeUnknown { request, summary, .. } => format!("#{request} outcome unknown: {}", e(summary)),
            Self::RemediationInterrupted { request, action } => {
                format!("#{request} `{}` was interrupted by a restart — state unknown, not re-run", e(action))
            }
            Self::RemediationVerified { request, success, summary, .. } => {
                format!("#{request} {}: {}", if *success { "verified" } else { "did not verify" }, e(summary))
            }
            Self::MessagePinned { author, text, .. } => match author {
                Some(author) => format!("pinned {}'s message: \"{}\"", author.mention(), quoted(text)),
                None => format!("pinned a message: \"{}\"", quoted(text)),
            },
            Self::PinRemoved { message } => format!("unpinned the message of {}", message.0),
            Self::PinnedMessageEdited { text, .. } => format!("edited a pinned message: \"{}\"", quoted(text)),
            Self::PinnedMessageDeleted { message } => format!("deleted the pinned message of {}", message.0),
            Self::AlertFiring { alertname, summary, starts_at, .. } => {
                format!("alert `{}` firing since {}: {}", e(alertname), starts_at.strftime("%H:%M:%S UTC"), e(summary))
            }
            Self::AlertResolved { alertname, summary, .. } => format!("alert `{}` resolved: {}", e(alertname), e(summary)),
            Self::ResponseOverdue { minutes } => format!("paged on-call: nobody took the lead within the {minutes}-minute response time"),
            Self::UpdateReminded { to } => match to {
                Some(lead) => format!("reminded {} to post a status update", lead.mention()),
                None => "reminded the channel to post a status update".to_owned(),
            },
            Self::Escalated { name, reason, .. } => format!("escalated to {}: {}", e(name), e(reason)),
            Self::FlagRaised { flag, reason } => format!("raised the {} flag: {}", e(flag), e(reason)),
            Self::PagerNotified { name, success: true, detail, .. } => format!("paged {} through its pager webhook ({})", e(name), e(detail)),
            Self::PagerNotified { name, success: false, detail, .. } => format!("could NOT page {} through its pager webhook: {}", e(name), e(detail)),
            Self::StatusPagePosted { request, incident_id, status, shortlink, .. } => {
                let link = shortlink.as_deref().map(|l| format!(" {}", e(l))).unwrap_or_default();
                format!("#{request} posted status-page incident `{}` ({}){link}", e(incident_id), e(status))
            }
            Self::StatusPageResolved { incident_id, success: true, .. } => format!("resolved status-page incident `{}`", e(incident_id)),
            Self::StatusPageResolved { incident_id, success: false, detail, .. } => {
                format!("could NOT resolve status-page incident `{}`: {}", e(incident_id), e(detail))
            }
        }
    }
}

/// How a piece of text goes into a line.
type Escaper = for<'a> fn(&'a str) -> Cow<'a, str>;

/// Text as written: the `describe` of files, logs and the API.
fn as_written(text: &str) -> Cow<'_, str> {
    Cow::Borrowed(text)
}

/// An event to append. `cause` is the Slack id (trigger, action or event id) that caused it:
/// a retried delivery with the same cause and kind is stored once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    pub incident: IncidentId,
    pub at: Timestamp,
    pub actor: Actor,
    pub source: Source,
    pub kind: EventKind,
    pub cause: Option<String>,
}

/// An event before it is tied to an incident (the first event is drafted before the incident
/// has an id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventDraft {
    pub at: Timestamp,
    pub actor: Actor,
    pub source: Source,
    pub kind: EventKind,
    pub cause: Option<String>,
}

impl EventDraft {
    pub fn for_incident(self, incident: IncidentId) -> NewEvent {
        NewEvent {
            incident,
            at: self.at,
            actor: self.actor,
            source: self.source,
            kind: self.kind,
            cause: self.cause,
        }
    }
}

/// An event as stored, in append order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineEvent {
    pub seq: i64,
    pub incident: IncidentId,
    pub at: Timestamp,
    pub actor: Actor,
    pub source: Source,
    pub kind: EventKind,
    pub cause: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_kinds_round_trip_through_json() {
        let kind = EventKind::StatusChanged {
            from: Status::Investigating,
            to: Status::Mitigated,
            note: Some("rolled back".into()),
        };
        let json = serde_json::to_string(&kind).unwrap_or_default();
        assert!(json.contains("\"kind\":\"status_changed\""), "{json}");
        let back: Result<EventKind, _> = serde_json::from_str(&json);
        assert_eq!(back.ok(), Some(kind));
    }
}
