//! Timers in memory, with the store's contract: one per incident and kind, claimed once.

use std::sync::Mutex;

use async_trait::async_trait;
use jiff::Timestamp;

use super::lock;
use crate::ids::IncidentId;
use crate::ports::{StoreError, TimerStore};
use crate::timers::{Timer, TimerKind};

#[derive(Debug, Default)]
pub struct MemoryTimers {
    timers: Mutex<Vec<(Timer, bool)>>,
}

impl MemoryTimers {
    /// Keys of timers not yet fired, with their due times.
    pub fn pending(&self) -> Vec<(String, Timestamp)> {
        lock(&self.timers).iter().filter(|(_, fired)| !fired).map(|(t, _)| (t.kind.key(), t.due_at)).collect()
    }
}

#[async_trait]
impl TimerStore for MemoryTimers {
    async fn schedule(&self, incident: IncidentId, kind: &TimerKind, due_at: Timestamp) -> Result<bool, StoreError> {
        let mut timers = lock(&self.timers);
        if timers.iter().any(|(t, _)| t.incident == incident && &t.kind == kind) {
            return Ok(false);
        }
        let id = timers.len() as i64 + 1;
        timers.push((Timer { id, incident, kind: kind.clone(), due_at }, false));
        Ok(true)
    }

    async fn claim_due(&self, now: Timestamp, limit: u32) -> Result<Vec<Timer>, StoreError> {
        let mut timers = lock(&self.timers);
        let mut claimed = Vec::new();
        for (timer, fired) in timers.iter_mut().filter(|(t, fired)| !fired && t.due_at <= now) {
            if claimed.len() as u32 == limit {
                break;
            }
            *fired = true;
            claimed.push(timer.clone());
        }
        claimed.sort_by_key(|t| t.due_at);
        Ok(claimed)
    }
}
