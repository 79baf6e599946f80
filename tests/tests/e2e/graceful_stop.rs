//! A graceful stop (SIGTERM, as Kubernetes and Docker send) lets work that goes on after a
//! command answered finish before the process exits: here a page to a pager that takes seconds
//! to answer is delivered and recorded, where an abrupt stop would have lost it.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use firebreak_commands::ids::IncidentId;
use firebreak_commands::ports::IncidentStore;
use firebreak_commands::timeline::EventKind;
use firebreak_tests::backend::Backend;
use firebreak_tests::fake_slack::FakeSlack;
use firebreak_tests::spawn::BOT_TOKEN;
use firebreak_tests::spawn_replica::{spawn_replica_process_with_env, ReplicaSetup};

/// How long the pager holds each page before it answers 202 (under the adapter's 5 s attempt
/// timeout, so one attempt is enough).
const PAGER_DELAY: Duration = Duration::from_secs(3);

/// A pager that answers slowly; counts the pages it received and the ones it answered.
#[derive(Clone, Default)]
struct SlowPager {
    received: Arc<Mutex<usize>>,
    answered: Arc<Mutex<usize>>,
}

async fn take(State(pager): State<SlowPager>) -> StatusCode {
    *pager.received.lock().unwrap_or_else(|e| e.into_inner()) += 1;
    tokio::time::sleep(PAGER_DELAY).await;
    *pager.answered.lock().unwrap_or_else(|e| e.into_inner()) += 1;
    StatusCode::ACCEPTED
}

impl SlowPager {
    async fn start() -> (Self, String) {
        let pager = Self::default();
        let base = firebreak_tests::local_http::serve(axum::Router::new().route("/page", post(take)).with_state(pager.clone())).await;
        (pager, format!("{base}/page"))
    }

    fn received(&self) -> usize {
        *self.received.lock().unwrap_or_else(|e| e.into_inner())
    }
}

const CONFIG: &str = r#"
[[escalation.levels]]
name = "Level 2 (Team Lead)"
after_minutes = 60
page = ["S0TEAMLEADS"]
webhook_url_env = "PAGER_WEBHOOK_URL"
"#;

/// Postgres only: the test reads the replica process's database with a handle of its own
/// (on SQLite that handle races the child's migrations).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_a_page_in_flight_finish_and_be_recorded() {
    let Some(database_url) = Backend::Postgres.fresh_database_url().await else { return };
    let slack = FakeSlack::start(BOT_TOKEN).await;
    let (pager, url) = SlowPager::start().await;
    let setup = ReplicaSetup { database_url: &database_url, slack: &slack, redis_url: None, config: Some(CONFIG), kube_url: None };
    let mut replica = spawn_replica_process_with_env(setup, &[("PAGER_WEBHOOK_URL", &url)]).await;
    let channel = replica.app.declare("U0ALICE", "start sev2 checkout errors").await;
    let (answer, _) = replica.app.slash("U0ALICE", &channel, "escalate customers cannot pay").await;
    assert_eq!(answer.status, 200, "{}", answer.body);

    // The page is with the pager, which takes seconds to answer: stop the process now.
    let deadline = Instant::now() + Duration::from_secs(30);
    while pager.received() == 0 {
        assert!(Instant::now() < deadline, "the pager was never called:\n{}", replica.log());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let status = replica.terminate(Duration::from_secs(60)).await;
    let log = replica.log();
    assert!(status.is_some_and(|s| s.success()), "exit {status:?}:\n{log}");
    assert!(log.contains("letting background work finish"), "{log}");

    let timeline = replica.app.store.timeline(IncidentId(1)).await.unwrap_or_else(|e| panic!("{e}"));
    let paged: Vec<_> = timeline
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::PagerNotified { success, detail, .. } => Some((*success, detail.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(paged.len(), 1, "the page's outcome is recorded once before the process exits: {paged:?}\n{log}");
    assert!(paged[0].0 && paged[0].1.starts_with("HTTP 202"), "{paged:?}");
}
