//! The sender: finds lanes with work that no replica holds and drains a bounded number at
//! once. Every replica runs one; leases make each lane (so each call) one replica's at a time.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Notify, Semaphore, watch};

use super::{lanes, now_ms};
use crate::slack::chat::SlackChat;
use crate::slack::web_api::SlackWebApi;
use crate::store::SqlStore;

/// A lane with nothing pending and no lease, pacing or queued work for this long is forgotten.
const LANE_IDLE_MS: i64 = 24 * 3_600_000;

/// Knobs of the sender; [`SenderConfig::default`] is what production runs.
#[derive(Debug, Clone)]
pub struct SenderConfig {
    /// How often the store is looked at without a local wake-up (work queued by other replicas,
    /// lanes whose backoff or pacing ended).
    pub tick: Duration,
    /// Lanes drained at once by this replica.
    pub lanes_at_once: usize,
    /// Time each `chat.postMessage` takes from its lane's allowance (Slack allows about one per
    /// second per channel).
    pub pace_ms: i64,
    /// How far a lane may run ahead of its pace: Slack allows short bursts, so the first few
    /// posts of a quiet channel (3 s ahead: four) go at once, and a busy one gets one per pace.
    pub burst_ms: i64,
    /// How long a channel's work waits under 429/5xx before the channel is told it is delayed.
    pub notice_after_ms: i64,
}

impl Default for SenderConfig {
    fn default() -> Self {
        Self { tick: Duration::from_millis(250), lanes_at_once: 16, pace_ms: 1_000, burst_ms: 3_000, notice_after_ms: 10_000 }
    }
}

/// Wake-ups between the port (work queued) and the sender (work done), within one process.
#[derive(Debug, Default)]
pub(super) struct Signals {
    pub(super) wake: Notify,
    pub(super) done: Notify,
}

/// The outbox's sender; cheap to clone.
#[derive(Clone)]
pub struct Sender {
    pub(super) store: SqlStore,
    pub(super) api: SlackWebApi,
    /// This process's name on the leases it holds.
    pub(super) replica: Arc<str>,
    pub(super) signals: Arc<Signals>,
    pub(super) config: SenderConfig,
}

impl std::fmt::Debug for Sender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sender").field("replica", &self.replica).field("config", &self.config).finish_non_exhaustive()
    }
}

impl Sender {
    pub fn new(store: SqlStore, api: SlackWebApi, config: SenderConfig) -> Self {
        let replica = format!("replica-{}", uuid::Uuid::new_v4().simple());
        Self { store, api, replica: replica.into(), signals: Arc::default(), config }
    }

    /// The `Chat` port that queues through this sender.
    pub fn chat(&self) -> super::OutboxChat {
        super::OutboxChat::new(self.store.clone(), SlackChat::new(self.api.clone()), self.signals.clone())
    }

    /// Sends until `stopped` turns true. Lanes being drained then finish their current call;
    /// a lane cut off harder (a crash) is taken over once its lease expires.
    pub async fn run(self, mut stopped: watch::Receiver<bool>) {
        let slots = Arc::new(Semaphore::new(self.config.lanes_at_once));
        let busy: Arc<Mutex<HashSet<String>>> = Arc::default();
        let mut last_purge = 0;
        loop {
            tokio::select! {
                () = self.signals.wake.notified() => {}
                () = tokio::time::sleep(self.config.tick) => {}
                _ = stopped.changed() => {}
            }
            if *stopped.borrow() {
                return;
            }
            if let Err(error) = self.round(&slots, &busy, &mut last_purge).await {
                tracing::warn!(%error, "outbox round failed; trying again next round");
            }
        }
    }

    async fn round(&self, slots: &Arc<Semaphore>, busy: &Arc<Mutex<HashSet<String>>>, last_purge: &mut i64) -> Result<(), firebreak_commands::ports::StoreError> {
        let now = now_ms();
        metrics::gauge!("firebreak_outbox_pending").set(self.store.pending_calls().await? as f64);
        if now - *last_purge > 3_600_000 {
            // Finished calls are kept a week for inspection, then forgotten.
            self.store.purge_finished_calls(now - 7 * 24 * 3_600_000).await?;
            // One lane per channel ever written to would pile up (and slow the look for work).
            self.store.prune_idle_lanes(now - LANE_IDLE_MS).await?;
            *last_purge = now;
        }
        let limit = u32::try_from(self.config.lanes_at_once * 2).unwrap_or(u32::MAX);
        for lane in self.store.ready_lanes(now, limit).await? {
            let Ok(slot) = slots.clone().try_acquire_owned() else { break };
            if !lock(busy).insert(lane.clone()) {
                continue;
            }
            let (sender, busy) = (self.clone(), busy.clone());
            tokio::spawn(async move {
                if let Err(error) = lanes::drain(&sender, &lane).await {
                    tracing::warn!(outbox.lane = %lane, %error, "outbox lane stopped; it is picked up again");
                }
                lock(&busy).remove(&lane);
                drop(slot);
                // A slot is free: look for more work now rather than at the next tick.
                sender.signals.wake.notify_one();
            });
        }
        Ok(())
    }
}

fn lock(busy: &Mutex<HashSet<String>>) -> std::sync::MutexGuard<'_, HashSet<String>> {
    busy.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
