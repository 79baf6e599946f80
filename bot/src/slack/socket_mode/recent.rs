//! Envelopes answered lately, so that a redelivery (same `envelope_id`, e.g. after the ack was
//! lost with its connection) is acknowledged with the first answer and not handled twice. An
//! envelope left unacknowledged on purpose ([`Answer::Later`]) is not remembered: its
//! redelivery is handled afresh.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tokio::sync::OnceCell;

use super::route::Answer;

/// How many envelope ids are remembered; Slack redelivers within minutes, not thousands later.
const CAPACITY: usize = 2048;

type Cell = Arc<OnceCell<Option<Value>>>;

/// A bounded memory of envelope ids and their ack payloads.
#[derive(Debug, Default)]
pub(super) struct Recent {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    answers: HashMap<String, Cell>,
    order: VecDeque<String>,
}

impl Recent {
    /// The answer for `envelope_id`: `work`'s the first time; later deliveries wait for that
    /// same answer (if it is still being worked out) and get it again. When `work` answers
    /// [`Answer::Later`], nothing is kept and the next delivery runs its own work.
    pub(super) async fn answer<F>(&self, envelope_id: &str, work: F) -> Answer
    where
        F: Future<Output = Answer>,
    {
        let cell = self.cell(envelope_id);
        let acked = cell
            .get_or_try_init(|| async {
                match work.await {
                    Answer::Ack(payload) => Ok(payload),
                    Answer::Later => Err(()),
                }
            })
            .await;
        match acked {
            Ok(payload) => Answer::Ack(payload.clone()),
            Err(()) => Answer::Later,
        }
    }

    fn cell(&self, envelope_id: &str) -> Cell {
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
        let cell = Cell::default();
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
                Answer::Ack(Some(json!({ "run": n })))
            }
        };
        assert_eq!(recent.answer("e-1", work(1)).await, Answer::Ack(Some(json!({"run": 1}))));
        assert_eq!(recent.answer("e-1", work(2)).await, Answer::Ack(Some(json!({"run": 1}))));
        assert_eq!(recent.answer("e-2", work(3)).await, Answer::Ack(Some(json!({"run": 3}))));
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
                        Answer::Ack(Some(json!("done")))
                    })
                    .await
            })
        };
        let (first, second) = (deliver(), deliver());
        assert_eq!(first.await.unwrap(), Answer::Ack(Some(json!("done"))));
        assert_eq!(second.await.unwrap(), Answer::Ack(Some(json!("done"))));
        assert_eq!(runs.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn the_oldest_ids_are_forgotten_past_capacity() {
        let recent = Recent::default();
        for i in 0..=CAPACITY {
            recent.answer(&format!("e-{i}"), async { Answer::Ack(None) }).await;
        }
        let again = recent.answer("e-0", async { Answer::Ack(Some(json!("ran again"))) }).await;
        assert_eq!(again, Answer::Ack(Some(json!("ran again"))));
        assert_eq!(recent.answer(&format!("e-{CAPACITY}"), async { Answer::Ack(Some(json!("no"))) }).await, Answer::Ack(None));
    }

    #[tokio::test]
    async fn an_envelope_left_for_later_is_not_remembered() {
        let recent = Recent::default();
        assert_eq!(recent.answer("e-1", async { Answer::Later }).await, Answer::Later);
        assert_eq!(recent.answer("e-1", async { Answer::Ack(Some(json!("now"))) }).await, Answer::Ack(Some(json!("now"))));
        assert_eq!(recent.answer("e-1", async { Answer::Later }).await, Answer::Ack(Some(json!("now"))), "answered once, remembered");
    }
}
