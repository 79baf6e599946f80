//! Remediation requests in memory, with the SQL store's compare-and-set and lease contract.
//! Each handle is one replica; [`MemoryRequests::replica`] gives another over the same data.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use jiff::Timestamp;

use super::lock;
use crate::ids::IncidentId;
use crate::ports::{RemediationStore, StoreError};
use crate::remediation::request::{Move, NewRequest, RemediationRequest, RequestId, RequestState};

#[derive(Debug)]
pub struct MemoryRequests {
    /// The replica this handle leases runs to.
    runner: String,
    shared: Arc<Mutex<Shared>>,
}

#[derive(Debug, Default)]
struct Shared {
    requests: Vec<RemediationRequest>,
    /// Request → (runner, lease end), set when it starts running.
    leases: HashMap<RequestId, (String, Timestamp)>,
}

impl Default for MemoryRequests {
    fn default() -> Self {
        Self { runner: "replica-a".to_owned(), shared: Arc::default() }
    }
}

impl MemoryRequests {
    /// Another replica's handle on the same requests.
    pub fn replica(&self, runner: &str) -> Self {
        Self { runner: runner.to_owned(), shared: self.shared.clone() }
    }
}


#[async_trait]
impl RemediationStore for MemoryRequests {
    async fn create_request(&self, new: NewRequest) -> Result<RemediationRequest, StoreError> {
        let requests = &mut lock(&self.shared).requests;
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
        Ok(lock(&self.shared).requests.iter().find(|r| r.id == id).cloned())
    }

    async fn move_request(&self, id: RequestId, mv: &Move) -> Result<bool, StoreError> {
        if mv.to == RequestState::Running {
            return Err(StoreError::Unavailable(crate::remediation::lease::RUN_NEEDS_LEASE.to_owned()));
        }
        let requests = &mut lock(&self.shared).requests;
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
        let shared = lock(&self.shared);
        let runs = shared.requests.iter().filter(|r| {
            r.runbook == runbook
                && r.action == action
                && incident.is_none_or(|i| r.incident == i)
                && r.created_at >= since
                && RequestState::RAN.contains(&r.state)
        });
        Ok(u32::try_from(runs.count()).unwrap_or(u32::MAX))
    }

    async fn start_run(&self, id: RequestId, at: Timestamp, lease_until: Timestamp) -> Result<bool, StoreError> {
        let mut shared = lock(&self.shared);
        let Some(request) = shared.requests.iter_mut().find(|r| r.id == id && r.state == RequestState::Approved) else {
            return Ok(false);
        };
        request.state = RequestState::Running;
        request.updated_at = at;
        shared.leases.insert(id, (self.runner.clone(), lease_until));
        Ok(true)
    }

    async fn renew_lease(&self, id: RequestId, until: Timestamp) -> Result<bool, StoreError> {
        let mut shared = lock(&self.shared);
        let running = shared.requests.iter().any(|r| r.id == id && r.state == RequestState::Running);
        match shared.leases.get_mut(&id) {
            Some((runner, lease)) if running && *runner == self.runner => {
                *lease = until;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn interrupt_expired(&self, at: Timestamp) -> Result<Vec<RequestId>, StoreError> {
        let mut shared = lock(&self.shared);
        let Shared { requests, leases } = &mut *shared;
        let expired = |id: &RequestId| leases.get(id).is_none_or(|(_, until)| *until < at);
        let mut interrupted = Vec::new();
        for request in requests.iter_mut().filter(|r| r.state == RequestState::Running && expired(&r.id)) {
            request.state = RequestState::Interrupted;
            request.updated_at = at;
            request.result = Some(crate::remediation::lease::INTERRUPTED.to_owned());
            interrupted.push(request.id);
        }
        Ok(interrupted)
    }
}
