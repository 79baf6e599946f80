//! Escalation by affected services: the seed's "several services affected" condition.

use std::time::Duration;

use super::*;
use crate::alerts::{receive, Notification};
use crate::diagnostics::runbook::{Runbook, Runbooks};
use crate::ids::IncidentId;
use crate::ports::IncidentStore;
use crate::settings::Settings;
use crate::severity::Severity;
use crate::testing::test_context;

#[tokio::test]
async fn two_services_in_the_alerts_escalate_to_the_level_that_asks_for_it() {
    let runbook = Runbook {
        name: "nerf-service-down".into(),
        description: String::new(),
        alerts: vec!["NerfServiceDown".into()],
        services: vec![],
        severity: Some(Severity::Sev1),
        checks: vec![],
        actions: vec![],
    };
    let level = EscalationLevel { name: "Level 2 (Team Lead)".into(), after: Some(Duration::from_secs(900)), min_services: Some(2), page: vec![] };
    let (ctx, store, _chat) = test_context(Settings { runbooks: Runbooks(vec![runbook]), escalation: vec![level], ..Settings::default() });
    let fixture = include_str!("../../../tests/fixtures/alertmanager/nerf-service-down-firing.json");
    let notification = Notification::parse(fixture.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    receive(&ctx, &notification).await.unwrap_or_else(|e| panic!("{e}"));
    let events = store.timeline(IncidentId(1)).await.unwrap_or_default();
    let escalated: Vec<String> = events
        .iter()
        .filter_map(|e| match &e.kind {
            crate::timeline::EventKind::Escalated { name, reason, .. } => Some(format!("{name}: {reason}")),
            _ => None,
        })
        .collect();
    assert_eq!(escalated, ["Level 2 (Team Lead): 2 services affected (nerf-web, nerf-api)"]);
}
