//! Polls the targeted containers until all are ready and stay so, one fails, or time runs out.

use std::future::Future;
use std::time::Duration;

use firebreak_commands::remediation::{ActionError, ActionOutcome};
use tokio::time::Instant;

use super::state::Judgement;

/// How often the containers are inspected.
const POLL: Duration = Duration::from_millis(250);
/// How long all must stay ready (same `StartedAt`) before success, so a command that exits at
/// once is not taken for running; shortened for short timeouts.
const SETTLE: Duration = Duration::from_secs(1);

/// Polls `look(name)` (a judgement and the `StartedAt`) for every name in `names`.
pub(super) async fn until_ready<F, Fut>(names: &[String], timeout: Duration, look: F) -> Result<ActionOutcome, ActionError>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<(Judgement, Option<String>), ActionError>>,
{
    let start = Instant::now();
    let settle = SETTLE.min(timeout / 4);
    let mut ready_since: Option<(Instant, Vec<Option<String>>)> = None;
    loop {
        let (mut pending, mut started) = (Vec::new(), Vec::with_capacity(names.len()));
        for name in names {
            let (judgement, started_at) = look(name.clone()).await?;
            match judgement {
                Judgement::Ready => {}
                Judgement::Pending(why) => pending.push(why),
                Judgement::Failed(why) => return Ok(failure(why.clone(), vec![why])),
            }
            started.push(started_at);
        }
        let now = Instant::now();
        if pending.is_empty() {
            let settled = match &ready_since {
                Some((since, seen)) if *seen == started => now.duration_since(*since) >= settle,
                _ => {
                    ready_since = Some((now, started.clone()));
                    settle.is_zero()
                }
            };
            if settled {
                let evidence = names.iter().zip(&started).map(|(n, s)| running_line(n, s.as_deref())).collect();
                let summary = format!("{}/{} running", names.len(), names.len());
                return Ok(ActionOutcome { success: true, summary, evidence });
            }
        } else {
            ready_since = None;
        }
        if now.duration_since(start) >= timeout {
            let summary = format!("not ready after {}s", timeout.as_secs());
            let evidence = if pending.is_empty() { vec!["all running but not yet settled".to_owned()] } else { pending };
            return Ok(failure(summary, evidence));
        }
        tokio::time::sleep(POLL).await;
    }
}

fn running_line(name: &str, started_at: Option<&str>) -> String {
    format!("{name}: running since {}", started_at.unwrap_or("?"))
}

fn failure(summary: String, evidence: Vec<String>) -> ActionOutcome {
    ActionOutcome { success: false, summary, evidence }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test]
    async fn ready_after_pending_failed_at_once_and_timeouts() {
        let names = vec!["a".to_owned()];
        let calls = AtomicUsize::new(0);
        let ok = until_ready(&names, Duration::from_secs(10), |_| {
            let n = calls.fetch_add(1, Ordering::SeqCst);
            async move {
                let judgement = if n < 2 { Judgement::Pending("a: created".into()) } else { Judgement::Ready };
                Ok((judgement, Some("t1".into())))
            }
        })
        .await;
        assert_eq!(ok.map(|o| (o.success, o.summary)), Ok((true, "1/1 running".into())));

        let failed = until_ready(&names, Duration::from_secs(10), |_| async {
            Ok((Judgement::Failed("a: exited (exit code 3)".into()), None))
        })
        .await;
        assert_eq!(failed.map(|o| (o.success, o.summary)), Ok((false, "a: exited (exit code 3)".into())));

        let stuck = until_ready(&names, Duration::from_secs(1), |_| async { Ok((Judgement::Pending("a: restarting".into()), None)) }).await;
        assert_eq!(stuck.map(|o| (o.success, o.evidence)), Ok((false, vec!["a: restarting".to_owned()])));

        // A container restarted again (new StartedAt) each poll never settles.
        let flapping = AtomicUsize::new(0);
        let never = until_ready(&names, Duration::from_secs(1), |_| {
            let n = flapping.fetch_add(1, Ordering::SeqCst);
            async move { Ok((Judgement::Ready, Some(format!("t{n}")))) }
        })
        .await;
        assert_eq!(never.map(|o| o.success), Ok(false));
    }
}
