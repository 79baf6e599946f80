//! Alertmanager's webhook notification (version 4), as Alertmanager sends it.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Deserialize;

/// One webhook delivery: a group of alerts that share the group labels.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    pub version: String,
    /// Identifies the group across notifications (and Alertmanager restarts).
    pub group_key: String,
    pub status: AlertStatus,
    #[serde(default)]
    pub group_labels: BTreeMap<String, String>,
    #[serde(default)]
    pub common_labels: BTreeMap<String, String>,
    #[serde(default)]
    pub common_annotations: BTreeMap<String, String>,
    #[serde(default)]
    pub external_url: String,
    pub alerts: Vec<Alert>,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum AlertStatus {
    Firing,
    Resolved,
}

/// One alert of the group.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Alert {
    pub status: AlertStatus,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    pub starts_at: Timestamp,
    /// Identifies the alert (its label set) across notifications.
    pub fingerprint: String,
}

/// Bounds that keep a hostile or broken sender from flooding a timeline.
pub const MAX_ALERTS: usize = 500;
const MAX_FIELD_CHARS: usize = 1000;

/// Why a notification was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotificationError {
    #[error("not an Alertmanager webhook notification: {0}")]
    Malformed(String),
    #[error("unsupported notification version `{0}` (Firebreak reads version 4)")]
    Version(String),
    #[error("a notification without alerts")]
    Empty,
    #[error("{0} alerts in one notification (at most {MAX_ALERTS}); set max_alerts in Alertmanager's webhook_config")]
    TooMany(usize),
    #[error("the field `{0}` is longer than {MAX_FIELD_CHARS} characters")]
    TooLong(&'static str),
}

impl Notification {
    /// Decodes and checks a webhook body.
    pub fn parse(body: &[u8]) -> Result<Self, NotificationError> {
        let parsed: Notification = serde_json::from_slice(body).map_err(|e| NotificationError::Malformed(e.to_string()))?;
        if parsed.version != "4" {
            return Err(NotificationError::Version(parsed.version));
        }
        if parsed.alerts.is_empty() {
            return Err(NotificationError::Empty);
        }
        if parsed.alerts.len() > MAX_ALERTS {
            return Err(NotificationError::TooMany(parsed.alerts.len()));
        }
        let too_long = |text: &str| text.chars().count() > MAX_FIELD_CHARS;
        if too_long(&parsed.group_key) {
            return Err(NotificationError::TooLong("groupKey"));
        }
        if parsed.alerts.iter().any(|a| too_long(&a.fingerprint) || a.annotations.values().any(|v| too_long(v))) {
            return Err(NotificationError::TooLong("alerts[].annotations"));
        }
        Ok(parsed)
    }

    /// The group's alert name (group labels first, then common labels, then the first alert).
    pub fn alertname(&self) -> Option<&str> {
        self.group_labels
            .get("alertname")
            .or_else(|| self.common_labels.get("alertname"))
            .or_else(|| self.alerts.first().and_then(|a| a.labels.get("alertname")))
            .map(String::as_str)
    }

    /// The `severity` label all alerts share, if any.
    pub fn severity_label(&self) -> Option<&str> {
        self.common_labels.get("severity").or_else(|| self.alerts.first().and_then(|a| a.labels.get("severity"))).map(String::as_str)
    }

    /// A one-line summary for titles: the common summary, else the first alert's.
    pub fn summary(&self) -> Option<&str> {
        self.common_annotations
            .get("summary")
            .or_else(|| self.alerts.first().and_then(|a| a.annotations.get("summary")))
            .map(String::as_str)
    }
}

impl Alert {
    pub fn summary(&self) -> String {
        let text = self.annotations.get("summary").or_else(|| self.annotations.get("description"));
        text.cloned().unwrap_or_else(|| {
            let labels: Vec<String> = self.labels.iter().filter(|(k, _)| *k != "alertname").map(|(k, v)| format!("{k}={v}")).collect();
            labels.join(", ")
        })
    }
}
