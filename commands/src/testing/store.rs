//! Incidents and timelines in memory, with the same contract as the SQL store.

use std::sync::Mutex;

use async_trait::async_trait;

use super::lock;
use crate::ids::{ChannelId, IncidentId, IncidentNumber, TeamId};
use crate::incident::{Incident, NewIncident, Setup};
use crate::ports::{IncidentStore, StoreError};
use crate::status::Status;
use crate::timeline::{EventDraft, NewEvent, TimelineEvent};

/// A store in memory with the same contract as the SQL store.
#[derive(Debug, Default)]
pub struct MemoryStore {
    state: Mutex<MemoryState>,
}

#[derive(Debug, Default)]
struct MemoryState {
    incidents: Vec<Incident>,
    events: Vec<TimelineEvent>,
    /// Incident id → the alert group key it was opened for.
    alert_keys: Vec<(IncidentId, String)>,
}

impl MemoryState {
    fn open_for_alert(&self, team: &TeamId, key: &str) -> Option<&Incident> {
        self.alert_keys
            .iter()
            .filter(|(_, k)| k == key)
            .find_map(|(id, _)| self.incidents.iter().find(|i| i.id == *id && &i.team == team && i.is_open()))
    }
}

impl MemoryState {
    fn push_event(&mut self, event: NewEvent) -> bool {
        let duplicate = event.cause.is_some()
            && self.events.iter().any(|e| {
                e.incident == event.incident && e.cause == event.cause && e.kind.key() == event.kind.key()
            });
        if duplicate {
            return false;
        }
        let seq = self.events.len() as i64 + 1;
        self.events.push(TimelineEvent {
            seq,
            incident: event.incident,
            at: event.at,
            actor: event.actor,
            source: event.source,
            kind: event.kind,
            cause: event.cause,
        });
        true
    }
}

#[async_trait]
impl IncidentStore for MemoryStore {
    async fn create_incident(&self, new: NewIncident, first_event: EventDraft) -> Result<Incident, StoreError> {
        let mut state = lock(&self.state);
        if let Some(key) = &new.alert_key
            && state.open_for_alert(&new.team, key).is_some()
        {
            return Err(StoreError::Conflict);
        }
        let number = state.incidents.iter().filter(|i| i.team == new.team).count() as i64 + 1;
        let incident = Incident {
            id: IncidentId(state.incidents.len() as i64 + 1),
            team: new.team,
            number: IncidentNumber(number),
            title: new.title,
            severity: new.severity,
            status: Status::Investigating,
            lead: None,
            declared_by: new.declared_by,
            declared_at: new.declared_at,
            resolved_at: None,
            setup: Setup::Opening,
            channel: None,
            channel_name: None,
            card_ts: None,
            version: 1,
        };
        state.incidents.push(incident.clone());
        if let Some(key) = new.alert_key {
            state.alert_keys.push((incident.id, key));
        }
        state.push_event(first_event.for_incident(incident.id));
        Ok(incident)
    }

    async fn incident(&self, id: IncidentId) -> Result<Option<Incident>, StoreError> {
        Ok(lock(&self.state).incidents.iter().find(|i| i.id == id).cloned())
    }

    async fn incident_by_channel(&self, team: &TeamId, channel: &ChannelId) -> Result<Option<Incident>, StoreError> {
        let state = lock(&self.state);
        Ok(state.incidents.iter().find(|i| &i.team == team && i.channel.as_ref() == Some(channel)).cloned())
    }

    async fn open_incident_for_alert(&self, team: &TeamId, alert_key: &str) -> Result<Option<Incident>, StoreError> {
        Ok(lock(&self.state).open_for_alert(team, alert_key).cloned())
    }

    async fn open_incidents(&self, team: &TeamId) -> Result<Vec<Incident>, StoreError> {
        let state = lock(&self.state);
        let mut open: Vec<Incident> = state.incidents.iter().filter(|i| &i.team == team && i.is_open()).cloned().collect();
        open.sort_by_key(|i| std::cmp::Reverse(i.number));
        Ok(open)
    }

    async fn save(&self, incident: &Incident, events: Vec<NewEvent>) -> Result<Incident, StoreError> {
        let mut state = lock(&self.state);
        let stored = state.incidents.iter_mut().find(|i| i.id == incident.id).ok_or(StoreError::Conflict)?;
        if stored.version != incident.version {
            return Err(StoreError::Conflict);
        }
        *stored = Incident { version: incident.version + 1, ..incident.clone() };
        let saved = stored.clone();
        for event in events {
            state.push_event(event);
        }
        Ok(saved)
    }

    async fn append(&self, event: NewEvent) -> Result<bool, StoreError> {
        Ok(lock(&self.state).push_event(event))
    }

    async fn timeline(&self, id: IncidentId) -> Result<Vec<TimelineEvent>, StoreError> {
        Ok(lock(&self.state).events.iter().filter(|e| e.incident == id).cloned().collect())
    }

    async fn ping(&self) -> Result<(), StoreError> {
        Ok(())
    }
}
