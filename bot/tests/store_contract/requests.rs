//! The `RemediationStore` contract on both back ends: compare-and-set moves, exactly one
//! winner under concurrency, run counts, leases: a live run is left alone by another replica,
//! an expired one is interrupted once.

use firebreak_commands::ports::RemediationStore;
use firebreak_commands::remediation::request::{Move, NewRequest, RemediationRequest, RequestState};

use super::*;

async fn request_for(store: &SqlStore, action: &str) -> anyhow::Result<RemediationRequest> {
    let incident = start(store, "T1", "web down").await?;
    let new = NewRequest {
        incident: incident.id,
        runbook: "web".into(),
        action: action.into(),
        requested_by: user("U1"),
        created_at: test_time(),
        expires_at: test_time().checked_add(SignedDuration::from_mins(15))?,
    };
    Ok(store.create_request(new).await?)
}

fn step(from: RequestState, to: RequestState, by: Option<&str>) -> Move {
    Move { from, to, by: by.map(user), at: test_time(), result: None }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_reads_back_and_moves_only_from_its_current_state() {
    on_both(|store| async move {
        let created = request_for(&store, "restart").await?;
        anyhow::ensure!(store.request(created.id).await?.as_ref() == Some(&created), "round trip");
        anyhow::ensure!(created.state == RequestState::Requested, "starts requested");
        anyhow::ensure!(store.move_request(created.id, &step(RequestState::Requested, RequestState::Denied, Some("U2"))).await?, "deny");
        let approve_after_deny = step(RequestState::Requested, RequestState::Approved, Some("U3"));
        anyhow::ensure!(!store.move_request(created.id, &approve_after_deny).await?, "a denied request cannot be approved");
        let read = store.request(created.id).await?.ok_or_else(|| anyhow::anyhow!("gone"))?;
        anyhow::ensure!(read.state == RequestState::Denied && read.decided_by == Some(user("U2")), "{read:?}");
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_simultaneous_approvals_have_exactly_one_winner() {
    on_both(|store| async move {
        let created = request_for(&store, "restart").await?;
        let mut clicks = Vec::new();
        for i in 0..10 {
            let store = store.clone();
            let approver = format!("U{}", 10 + i);
            clicks.push(tokio::spawn(async move {
                let approve = step(RequestState::Requested, RequestState::Approved, Some(&approver));
                let approved = store.move_request(created.id, &approve).await?;
                // Only the approval's winner may start the run; it, too, is a compare-and-set.
                let started = approved && store.start_run(created.id, test_time(), lease(45)).await?;
                anyhow::Ok(started)
            }));
        }
        let mut runs = 0;
        for click in clicks {
            if click.await?? {
                runs += 1;
            }
        }
        anyhow::ensure!(runs == 1, "{runs} executions");
        Ok(())
    })
    .await;
}

/// A lease ending `seconds` after the test time.
fn lease(seconds: i64) -> jiff::Timestamp {
    test_time().checked_add(SignedDuration::from_secs(seconds)).unwrap_or_else(|e| panic!("{e}"))
}

/// Requested → approved → running (under `store`'s replica, leased for `seconds`).
async fn running(store: &SqlStore, r: &RemediationRequest, seconds: i64) -> anyhow::Result<()> {
    anyhow::ensure!(store.move_request(r.id, &step(RequestState::Requested, RequestState::Approved, Some("U2"))).await?, "approve");
    anyhow::ensure!(store.start_run(r.id, test_time(), lease(seconds)).await?, "start");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_are_counted_and_only_through_a_lease() {
    on_both(|store| async move {
        let first = request_for(&store, "restart").await?;
        let second = request_for(&store, "restart").await?;
        let _other_action = request_for(&store, "scale").await?;
        anyhow::ensure!(store.move_request(first.id, &step(RequestState::Requested, RequestState::Approved, Some("U2"))).await?, "approve");
        let unleased = store.move_request(first.id, &step(RequestState::Approved, RequestState::Running, None)).await;
        anyhow::ensure!(unleased.is_err(), "a plain move into running is refused: {unleased:?}");
        anyhow::ensure!(store.start_run(first.id, test_time(), lease(45)).await?, "start");
        anyhow::ensure!(!store.start_run(first.id, test_time(), lease(45)).await?, "started once");
        running(&store, &second, 45).await?;
        store.move_request(first.id, &step(RequestState::Running, RequestState::Succeeded, None)).await?;
        let since = test_time().checked_sub(SignedDuration::from_hours(1))?;
        anyhow::ensure!(store.count_runs("web", "restart", None, since).await? == 2, "two runs in the hour");
        anyhow::ensure!(store.count_runs("web", "restart", Some(first.incident), since).await? == 1, "one in the first incident");
        // A run whose outcome is unknown still ran: it counts against the limits.
        anyhow::ensure!(store.move_request(second.id, &step(RequestState::Running, RequestState::Unknown, None)).await?, "ends unknown");
        let unknown = store.request(second.id).await?.map(|r| r.state);
        anyhow::ensure!(unknown == Some(RequestState::Unknown), "stored and read back as unknown: {unknown:?}");
        anyhow::ensure!(store.count_runs("web", "restart", None, since).await? == 2, "still two runs in the hour");
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_lease_is_left_alone_by_another_replica_and_renewed_only_by_its_own() {
    on_each_database(|db| async move {
        let (a, b) = (SqlStore::connect(&db.url).await?, SqlStore::connect(&db.url).await?);
        anyhow::ensure!(a.replica() != b.replica(), "each handle is its own replica");
        let r = request_for(&a, "restart").await?;
        running(&a, &r, 45).await?;
        // B starts up (its first round) while A's lease runs.
        anyhow::ensure!(b.interrupt_expired(test_time()).await?.is_empty(), "a live run was interrupted");
        anyhow::ensure!(!b.renew_lease(r.id, lease(500)).await?, "only the runner renews");
        anyhow::ensure!(a.renew_lease(r.id, lease(90)).await?, "the runner renews");
        anyhow::ensure!(b.interrupt_expired(lease(60)).await?.is_empty(), "renewed past its first end");
        let read = b.request(r.id).await?.ok_or_else(|| anyhow::anyhow!("gone"))?;
        anyhow::ensure!(read.state == RequestState::Running, "{read:?}");
        anyhow::ensure!(a.move_request(r.id, &step(RequestState::Running, RequestState::Succeeded, None)).await?, "finishes");
        anyhow::ensure!(b.interrupt_expired(lease(1000)).await?.is_empty(), "a finished run has nothing to interrupt");
        a.close().await;
        b.close().await;
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_lease_is_interrupted_once_by_one_of_two_racing_replicas() {
    on_each_database(|db| async move {
        let (dead, b, c) = (SqlStore::connect(&db.url).await?, SqlStore::connect(&db.url).await?, SqlStore::connect(&db.url).await?);
        let mut runs = Vec::new();
        for _ in 0..5 {
            let r = request_for(&dead, "restart").await?;
            running(&dead, &r, 45).await?;
            runs.push(r.id);
        }
        let after = lease(46);
        let (by_b, by_c) = tokio::join!(
            tokio::spawn({ let b = b.clone(); async move { b.interrupt_expired(after).await } }),
            tokio::spawn({ let c = c.clone(); async move { c.interrupt_expired(after).await } }),
        );
        let (mut by_b, by_c) = (by_b??, by_c??);
        anyhow::ensure!(by_b.iter().all(|id| !by_c.contains(id)), "both reported one: {by_b:?} {by_c:?}");
        by_b.extend(by_c);
        by_b.sort();
        anyhow::ensure!(by_b == runs, "each interrupted once: {by_b:?}");
        for id in &runs {
            let read = b.request(*id).await?.ok_or_else(|| anyhow::anyhow!("gone"))?;
            anyhow::ensure!(read.state == RequestState::Interrupted, "{read:?}");
            anyhow::ensure!(read.result.as_deref() == Some("interrupted — state unknown"), "{read:?}");
            anyhow::ensure!(!dead.renew_lease(*id, lease(100)).await?, "the dead replica's lease is gone");
        }
        anyhow::ensure!(b.interrupt_expired(lease(100)).await?.is_empty() && c.interrupt_expired(lease(100)).await?.is_empty(), "once");
        for store in [dead, b, c] {
            store.close().await;
        }
        Ok(())
    })
    .await;
}
