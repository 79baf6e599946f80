//! Remediation requests in memory, with the SQL store's compare-and-set contract.

use std::sync::Mutex;

use async_trait::async_trait;
use jiff::Timestamp;

use super::lock;
use crate::ids::IncidentId;
use crate::ports::{RemediationStore, StoreError};
use crate::remediation::request::{Move, NewRequest, RemediationRequest, RequestId, RequestState};

#[derive(Debug, Default)]
pub struct MemoryRequests {
    requests: Mutex<Vec<RemediationRequest>>,
}

const RUN_STATES: [RequestState; 4] = [RequestState::Running, RequestState::Succeeded, RequestState::Failed, RequestState::Interrupted];

#[async_trait]
impl RemediationStore for MemoryRequests {
    async fn create_request(&self, new: NewRequest) -> Result<RemediationRequest, StoreError> {
        let mut requests = lock(&self.requests);
        let request = RemediationRequest {
            id: RequestId(requests.len() as i64 + 1),
            incident: new.incident,
            runbook: new.runbook,
            action: new.action,
            state: RequestState::Requested,
            requested_by: new.requested_by,
            decided_by: None,
            created_at: new.created_at,
            expires_at: new.expires_at,
            updated_at: new.created_at,
            result: None,
        };
        requests.push(request.clone());
        Ok(request)
    }

    async fn request(&self, id: RequestId) -> Result<Option<RemediationRequest>, StoreError> {
        Ok(lock(&self.requests).iter().find(|r| r.id == id).cloned())
    }

    async fn move_request(&self, id: RequestId, mv: &Move) -> Result<bool, StoreError> {
        let mut requests = lock(&self.requests);
        let Some(request) = requests.iter_mut().find(|r| r.id == id && r.state == mv.from) else {
            return Ok(false);
        };
        request.state = mv.to;
        request.updated_at = mv.at;
        if mv.by.is_some() {
            request.decided_by = mv.by.clone();
        }
        if mv.result.is_some() {
            request.result = mv.result.clone();
        }
        Ok(true)
    }

    async fn count_runs(&self, runbook: &str, action: &str, incident: Option<IncidentId>, since: Timestamp) -> Result<u32, StoreError> {
        let requests = lock(&self.requests);
        let runs = requests.iter().filter(|r| {
            r.runbook == runbook
                && r.action == action
                && incident.is_none_or(|i| r.incident == i)
                && r.created_at >= since
                && RUN_STATES.contains(&r.state)
        });
        Ok(u32::try_from(runs.count()).unwrap_or(u32::MAX))
    }

    async fn interrupt_running(&self, at: Timestamp) -> Result<Vec<RequestId>, StoreError> {
        let mut requests = lock(&self.requests);
        let mut interrupted = Vec::new();
        for request in requests.iter_mut().filter(|r| r.state == RequestState::Running) {
            request.state = RequestState::Interrupted;
            request.updated_at = at;
            request.result = Some("interrupted — state unknown".to_owned());
            interrupted.push(request.id);
        }
        Ok(interrupted)
    }
}
