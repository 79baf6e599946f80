//! Domain values and shortcuts the contract tests are written in.

use super::*;

pub(crate) fn user(id: &str) -> SlackUserId {
    SlackUserId::parse(id).unwrap_or_else(|| panic!("bad test user id {id}"))
}

pub(crate) fn new_incident(team: &str, title: &str) -> NewIncident {
    NewIncident {
        team: TeamId::new(team),
        title: title.to_owned(),
        severity: Severity::Sev2,
        declared_by: user("U100"),
        declared_at: test_time(),
        alert_key: None,
    }
}

pub(crate) fn declared(title: &str, cause: Option<&str>) -> EventDraft {
    EventDraft {
        at: test_time(),
        actor: Actor::User(user("U100")),
        source: Source::SlashCommand,
        kind: EventKind::Declared { severity: Severity::Sev2, title: title.to_owned() },
        cause: cause.map(str::to_owned),
    }
}

pub(crate) async fn start(store: &SqlStore, team: &str, title: &str) -> anyhow::Result<Incident> {
    Ok(store.create_incident(new_incident(team, title), declared(title, None)).await?)
}

pub(crate) fn note(incident: &Incident, text: &str, cause: Option<&str>) -> NewEvent {
    NewEvent {
        incident: incident.id,
        at: test_time(),
        actor: Actor::Firebreak,
        source: Source::Button,
        kind: EventKind::Note { text: text.to_owned() },
        cause: cause.map(str::to_owned),
    }
}

/// `describe()` of each event, which shows both kind and content.
pub(crate) async fn lines(store: &SqlStore, incident: &Incident) -> anyhow::Result<Vec<String>> {
    Ok(store.timeline(incident.id).await?.iter().map(|e| e.kind.describe()).collect())
}
