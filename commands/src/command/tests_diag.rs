//! `/incident diag`: runbook choice, the running → summary message, the details thread, the
//! timeline — against in-memory fakes.

use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::diagnostics::runbook::{Runbook, Runbooks};
use crate::diagnostics::spec::{CheckSpec, CheckTarget};
use crate::ports::IncidentStore;
use crate::settings::Settings;
use crate::testing::diagnostics::{ports, FakeTargets};
use crate::testing::{invocation, test_context, ChatCall};

fn http(name: &str, url: &str, timeout_ms: u64) -> CheckSpec {
    CheckSpec { name: name.into(), timeout: Duration::from_millis(timeout_ms), target: CheckTarget::Http { url: url.into() } }
}

fn settings() -> Settings {
    let runbook = Runbook {
        name: "web-down".into(),
        description: String::new(),
        alerts: vec!["WebDown".into()],
        services: vec!["web".into()],
        severity: None,
        checks: vec![http("web health", "http://web/health", 5_000), http("hung dependency", "http://hung/", 200)],
        actions: vec![],
    };
    Settings { runbooks: Runbooks(vec![runbook]), ..Settings::default() }
}

#[tokio::test]
async fn diag_posts_a_summary_details_and_a_timeline_event_and_a_hung_check_only_costs_its_timeout() {
    let (mut ctx, store, chat) = test_context(settings());
    let targets = Arc::new(FakeTargets::default());
    targets.hang.lock().unwrap_or_else(|e| e.into_inner()).push("http://hung/".into());
    ctx.diagnostics = ports(targets);
    let inv = invocation("U100", "CGENERAL");
    Command::parse("start sev3 search slow").unwrap_or_else(|e| panic!("{e}")).execute(&ctx, &inv).await.unwrap_or_else(|e| panic!("{e}"));
    let before = chat.calls().len();

    let started = std::time::Instant::now();
    let reply = Command::parse("diag web-down").unwrap_or_else(|e| panic!("{e}")).execute(&ctx, &invocation("U100", "C1")).await;
    assert!(matches!(reply, Ok(None)), "{reply:?}");
    assert!(started.elapsed() < Duration::from_secs(4), "the hung check held the run");

    let calls = chat.calls()[before..].to_vec();
    assert!(matches!(&calls[0], ChatCall::Post(_, r) if r.text.contains("Running 2 checks")));
    assert!(matches!(&calls[1], ChatCall::Update(_, _, r) if r.text.contains("Diagnostics `web-down`")));
    assert_eq!(calls.iter().filter(|c| matches!(c, ChatCall::PostInThread(..))).count(), 2);
    let timeline = store.timeline(crate::ids::IncidentId(1)).await.unwrap_or_default();
    let Some(crate::timeline::EventKind::DiagnosticsRan { results, .. }) = timeline.last().map(|e| e.kind.clone()) else {
        panic!("no diagnostics event")
    };
    assert_eq!(results.len(), 2);
    let hung = results.iter().find(|r| r.name == "hung dependency").unwrap_or_else(|| panic!("hung result"));
    assert_eq!(hung.outcome, "error");
    assert!(hung.summary.contains("timed out"), "{}", hung.summary);
}

#[tokio::test]
async fn diag_without_a_matching_runbook_names_the_available_ones() {
    let (ctx, _store, _chat) = test_context(settings());
    Command::parse("start sev3 unrelated outage").unwrap_or_else(|e| panic!("{e}")).execute(&ctx, &invocation("U1", "CG")).await.unwrap_or_else(|e| panic!("{e}"));
    let result = Command::parse("diag").unwrap_or_else(|e| panic!("{e}")).execute(&ctx, &invocation("U1", "C1")).await;
    assert!(matches!(&result, Err(CommandError::User(m)) if m.contains("web-down")), "{result:?}");
    let result = Command::parse("diag nope").unwrap_or_else(|e| panic!("{e}")).execute(&ctx, &invocation("U1", "C1")).await;
    assert!(matches!(&result, Err(CommandError::User(m)) if m.contains("no runbook `nope`")), "{result:?}");
}

#[tokio::test]
async fn start_runs_the_matching_runbook_by_itself() {
    let (ctx, store, chat) = test_context(settings());
    let reply = Command::parse("start sev2 web returns 502").unwrap_or_else(|e| panic!("{e}")).execute(&ctx, &invocation("U1", "CG")).await;
    let reply = reply.unwrap_or_else(|e| panic!("{e}")).unwrap_or_else(|| panic!("no confirmation"));
    assert!(reply.text.contains("runbook `web-down`"), "{}", reply.text);
    for _ in 0..100 {
        let ran = store.timeline(crate::ids::IncidentId(1)).await.unwrap_or_default().iter().any(|e| e.kind.key() == "diagnostics_ran");
        if ran {
            assert!(chat.calls().iter().any(|c| matches!(c, ChatCall::PostInThread(..))));
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the automatic diagnostics never ran");
}
