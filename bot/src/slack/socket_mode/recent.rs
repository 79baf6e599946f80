//! Envelopes seen lately, so that a redelivery (same `envelope_id`, e.g. after the ack was lost
//! with its connection) is acknowledged with the first answer and not handled twice.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tokio::sync::OnceCell;

/// How many envelope ids are remembered; Slack redelivers within minutes, not thousands later.
const CAPACITY: usize = 2048;

type Answer = Arc<OnceCell<Option<Value>>>;

/// A bounded memory of envelope ids and their ack payloads.
#[derive(Debug, Default)]
pub(super) struct Recent {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    answers: HashMap<String, Answer>,
    order: VecDeque<String>,
}

impl Recent {
    /// The ack payload for `envelope_id`: `work`'s answer the first time; later deliveries
    /// wait for that same answer (if it is still being worked out) and get it again.
    pub(super) async fn answer<F>(&self, envelope_id: &str, work: F) -> Option<Value>
    where
        F: Future<Output = Option<Value>>,
    {
        let cell = self.cell(envelope_id);
        cell.get_or_init(|| work).await.clone()
    }

    fn cell(&self, envelope_id: &str) -> Answer {
        // A poisoned lock only means another delivery panicked; the map is still consistent.
        let mut inner = self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(cell) = inner.answers.get(envelope_id) {
            return cell.clone();
        }
        if inner.order.len() >= CAPACITY
            && let Some(oldest) = inner.order.pop_front()
        {
            inner.answers.remove(&oldest);
        }
        let cell = Answer::default();
        inner.answers.insert(envelope_id.to_owned(), cell.clone());
        inner.order.push_back(envelope_id.to_owned());
        cell
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use serde_json::json;

    use super::*;

    #[tokio::test]
    async fn a_redelivery_gets_the_first_answer_without_running_again() {
        let recent = Recent::default();
        let runs = AtomicU32::new(0);
        let work = |n: u32| {
            let runs = &runs;
            async move {
                runs.fetch_add(1, Ordering::SeqCst);
                Some(json!({ "run": n }))
            }
        };
        assert_eq!(recent.answer("e-1", work(1)).await, Some(json!({"run": 1})));
        assert_eq!(recent.answer("e-1", work(2)).await, Some(json!({"run": 1})));
        assert_eq!(recent.answer("e-2", work(3)).await, Some(json!({"run": 3})));
        assert_eq!(runs.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn concurrent_deliveries_share_one_run() {
        let recent = Arc::new(Recent::default());
        let runs = Arc::new(AtomicU32::new(0));
        let deliver = || {
            let (recent, runs) = (recent.clone(), runs.clone());
            tokio::spawn(async move {
                recent
                    .answer("e-1", async {
                        runs.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                        Some(json!("done"))
                    })
                    .await
            })
        };
        let (first, second) = (deliver(), deliver());
        assert_eq!(first.await.unwrap(), Some(json!("done")));
        assert_eq!(second.await.unwrap(), Some(json!("done")));
        assert_eq!(runs.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn the_oldest_ids_are_forgotten_past_capacity() {
        let recent = Recent::default();
        for i in 0..=CAPACITY {
            recent.answer(&format!("e-{i}"), async { None }).await;
        }
        let again = recent.answer("e-0", async { Some(json!("ran again")) }).await;
        assert_eq!(again, Some(json!("ran again")));
        assert_eq!(recent.answer(&format!("e-{CAPACITY}"), async { Some(json!("no")) }).await, None);
    }
}
