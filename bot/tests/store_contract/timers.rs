//! The timer store: one timer per incident and kind, due timers claimed exactly once by
//! concurrent claimers (replicas), and still due after a restart.

use std::time::Duration;

use firebreak_commands::ports::TimerStore;
use firebreak_commands::timers::TimerKind;

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timers_are_claimed_once_by_concurrent_replicas_and_survive_a_restart() {
    on_each_database(|db| async move {
        let store = SqlStore::connect(&db.url).await?;
        let incident = start(&store, "T1", "API down").await?;
        let soon = test_time() + Duration::from_secs(60);
        assert!(store.schedule(incident.id, &TimerKind::Response, soon).await?);
        assert!(!store.schedule(incident.id, &TimerKind::Response, soon).await?, "one timer per incident and kind");
        for n in 1..=20 {
            store.schedule(incident.id, &TimerKind::Reminder(n), soon).await?;
        }
        store.schedule(incident.id, &TimerKind::Escalation(1), test_time() + Duration::from_secs(3600)).await?;
        assert!(store.claim_due(test_time(), 100).await?.is_empty(), "nothing is due yet");
        store.close().await;

        // "Restart": two fresh handles, like two replicas, claim at once.
        let (a, b) = (SqlStore::connect(&db.url).await?, SqlStore::connect(&db.url).await?);
        let now = test_time() + Duration::from_secs(120);
        let (left, right) = tokio::join!(a.claim_due(now, 100), b.claim_due(now, 100));
        let mut claimed: Vec<String> = left?.into_iter().chain(right?).map(|t| t.kind.key()).collect();
        claimed.sort();
        let mut expected: Vec<String> = (1..=20).map(|n| format!("reminder:{n}")).chain(["response".to_owned()]).collect();
        expected.sort();
        assert_eq!(claimed, expected, "every due timer exactly once, the later one not yet");
        assert!(a.claim_due(now, 100).await?.is_empty());
        let later = a.claim_due(test_time() + Duration::from_secs(3600), 100).await?;
        assert_eq!(later.iter().map(|t| t.kind.clone()).collect::<Vec<_>>(), [TimerKind::Escalation(1)]);
        assert_eq!(later[0].incident, incident.id);
        Ok(())
    })
    .await;
}
