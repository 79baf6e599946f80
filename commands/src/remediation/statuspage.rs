//! The status-page port: a public incident on Atlassian Statuspage, posted only after an
//! approval like every action, read back to verify it, and resolved with the incident.

use async_trait::async_trait;

use super::{ActionError, ActionOutcome, ActionTarget};

/// A Statuspage incident as Statuspage answered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostedIncident {
    pub id: String,
    pub name: String,
    pub status: String,
    /// The public short link (`https://stspg.io/…`), when Statuspage gave one.
    pub shortlink: Option<String>,
    /// How it was learnt: `None` from the POST's own answer; otherwise why it was looked up
    /// (the answer was lost and the page was searched before anything was posted again).
    pub found_by_lookup: Option<String>,
}

impl PostedIncident {
    /// The result line and evidence for the card and the timeline.
    pub fn outcome(&self) -> ActionOutcome {
        let link = self.shortlink.as_deref().map(|l| format!(": {l}")).unwrap_or_default();
        let mut evidence = vec![format!("Statuspage incident id: {}", self.id), format!("name: {}", self.name)];
        evidence.extend(self.found_by_lookup.clone());
        ActionOutcome { success: true, summary: format!("posted Statuspage incident {} ({}){link}", self.id, self.status), evidence }
    }
}

/// Posting to a status page. Each method is one kind of API call; none repeats a POST.
#[async_trait]
pub trait StatusPageActions: Send + Sync {
    /// What will be posted, and whether it can be (the key is set); nothing is sent.
    async fn preview(&self, action: &ActionTarget) -> Result<String, ActionError>;
    /// Creates the incident once. When the answer is lost (timeout, 5xx) the page is searched
    /// for it instead of posting again; if it is not found the error says the state is unknown.
    async fn create(&self, action: &ActionTarget) -> Result<PostedIncident, ActionError>;
    /// Reads the incident back and checks that it has the status that was posted.
    async fn verify(&self, action: &ActionTarget, posted: &PostedIncident) -> Result<ActionOutcome, ActionError>;
    /// Sets incident `incident_id`, posted by `action`, to resolved (the incident is closed).
    async fn resolve(&self, action: &ActionTarget, incident_id: &str) -> Result<PostedIncident, ActionError>;
}
