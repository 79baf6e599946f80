//! The `RemediationStore` contract on both back ends: compare-and-set moves, exactly one
//! winner under concurrency, run counts, interruption after a crash.

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
                let started = approved && store.move_request(created.id, &step(RequestState::Approved, RequestState::Running, None)).await?;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_are_counted_and_a_crash_interrupts_what_was_running() {
    on_both(|store| async move {
        let first = request_for(&store, "restart").await?;
        let second = request_for(&store, "restart").await?;
        let _other_action = request_for(&store, "scale").await?;
        for r in [&first, &second] {
            store.move_request(r.id, &step(RequestState::Requested, RequestState::Approved, Some("U2"))).await?;
            store.move_request(r.id, &step(RequestState::Approved, RequestState::Running, None)).await?;
        }
        store.move_request(first.id, &step(RequestState::Running, RequestState::Succeeded, None)).await?;
        let since = test_time().checked_sub(SignedDuration::from_hours(1))?;
        anyhow::ensure!(store.count_runs("web", "restart", None, since).await? == 2, "two runs in the hour");
        anyhow::ensure!(store.count_runs("web", "restart", Some(first.incident), since).await? == 1, "one in the first incident");
        let interrupted = store.interrupt_running(test_time()).await?;
        anyhow::ensure!(interrupted == vec![second.id], "{interrupted:?}");
        let read = store.request(second.id).await?.ok_or_else(|| anyhow::anyhow!("gone"))?;
        anyhow::ensure!(read.state == RequestState::Interrupted, "{read:?}");
        anyhow::ensure!(read.result.as_deref() == Some("interrupted — state unknown"), "{read:?}");
        let rerun = step(RequestState::Approved, RequestState::Running, None);
        anyhow::ensure!(!store.move_request(second.id, &rerun).await?, "never re-run");
        Ok(())
    })
    .await;
}
