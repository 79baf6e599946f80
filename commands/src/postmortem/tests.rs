//! The postmortem drawn from a scripted incident, and template errors that name the line.

use super::*;
use crate::command::Command;
use crate::ids::IncidentId;
use crate::ports::IncidentStore;
use crate::settings::Settings;
use crate::testing::{invocation, test_context, test_time};

async fn scripted() -> Postmortem {
    let (ctx, store, _chat) = test_context(Settings::default());
    let run = |text: &'static str, channel: &'static str| {
        let ctx = ctx.clone();
        async move { Command::parse(text).unwrap_or_else(|e| panic!("{e}")).execute(&ctx, &invocation("U100", channel)).await }
    };
    run("start sev1 API returns 502", "CG").await.unwrap_or_else(|e| panic!("{e}"));
    for text in [
        "time detected 03:05",
        "lead <@U200>",
        "status mitigated rolled back to v41",
        "note root cause: a config push removed the upstream pool",
        "action add an alert on upstream pool size",
        "action make config pushes canary first",
        "resolve traffic back to normal",
    ] {
        run(text, "C1").await.unwrap_or_else(|e| panic!("{text}: {e}"));
    }
    let incident = store.incident(IncidentId(1)).await.ok().flatten().unwrap_or_else(|| panic!("incident"));
    let events = store.timeline(incident.id).await.unwrap_or_default();
    build(&incident, &events, &TimeZone::UTC, test_time())
}

#[tokio::test]
async fn the_seed_template_is_filled_from_the_timeline() {
    let postmortem = scripted().await;
    let text = render(DEFAULT_TEMPLATE, &postmortem).unwrap_or_else(|e| panic!("{e}"));
    for expected in [
        "## Incident Summary",
        "- **Date**: 2026-11-23",
        "- **Severity**: SEV1",
        "- **Impact**: Complete outage — API returns 502",
        "- 03:05 - Detected **(Detected)**",
        "lead is now <@U200> **(Acknowledged)**",
        "- **Key times**: Started 03:05 · Detected 03:05 (corrected) · Acknowledged 03:12 · Mitigated 03:12 · Resolved 03:12",
        "status Investigating → Mitigated: rolled back to v41 **(Mitigated)**",
        "resolved: traffic back to normal **(Resolved)**",
        "## Root Cause\na config push removed the upstream pool",
        "- Mitigated: rolled back to v41",
        "- [ ] add an alert on upstream pool size",
        "- [ ] make config pushes canary first",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    // Detected 03:05, resolved at the test clock's 03:12.
    assert_eq!(postmortem.duration, "7 min");
    assert!(!text.contains("topic"), "plumbing stays out of the story:\n{text}");
}

#[test]
fn a_broken_template_names_its_line() {
    let error = render("# ok\n\n{% for x in %}\n", &Postmortem::sample());
    let error = error.err().unwrap_or_else(|| panic!("rendered a broken template"));
    assert_eq!(error.line, Some(3));
    assert!(error.to_string().starts_with("postmortem template line 3:"), "{error}");
}
