//! Alert intake against in-memory fakes: the seed's NerfServiceDown notification opens one
//! SEV1 incident with its runbook; repeats, HA duplicates and concurrent deliveries add nothing;
//! new alerts and resolutions are recorded once; unknown alerts are explained.

use std::sync::Arc;

use super::*;
use crate::diagnostics::runbook::{Runbook, Runbooks};
use crate::ids::IncidentId;
use crate::ports::IncidentStore;
use crate::settings::Settings;
use crate::severity::Severity;
use crate::testing::{test_context, ChatCall, MemoryStore, RecordingChat};
use crate::Context;

const FIXTURE: &str = include_str!("../../../tests/fixtures/alertmanager/nerf-service-down-firing.json");

fn nerf_runbook() -> Runbook {
    Runbook {
        name: "nerf-service-down".into(),
        description: String::new(),
        alerts: vec!["NerfServiceDown".into()],
        services: vec!["nerf-web".into()],
        severity: Some(Severity::Sev1),
        checks: vec![],
        actions: vec![],
    }
}

fn world() -> (Context, Arc<MemoryStore>, Arc<RecordingChat>) {
    test_context(Settings { runbooks: Runbooks(vec![nerf_runbook()]), ..Settings::default() })
}

fn fixture() -> Notification {
    Notification::parse(FIXTURE.as_bytes()).unwrap_or_else(|e| panic!("{e}"))
}

async fn alert_events(store: &MemoryStore) -> Vec<String> {
    let events = store.timeline(IncidentId(1)).await.unwrap_or_default();
    events.iter().map(|e| e.kind.key()).filter(|k| k.starts_with("alert_")).map(str::to_owned).collect()
}

#[tokio::test]
async fn the_seed_alert_opens_one_sev1_incident_with_its_alerts() {
    let (ctx, store, chat) = world();
    let received = receive(&ctx, &fixture()).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(received, Received::Recorded { number: 1, opened: true, recorded: 2 });
    let incident = store.incident(IncidentId(1)).await.ok().flatten().unwrap_or_else(|| panic!("incident"));
    assert_eq!(incident.severity, Severity::Sev1);
    assert_eq!(incident.title, "NerfServiceDown: NeRF Edge Kit service unreachable for more than 1 minute");
    assert_eq!(alert_events(&store).await, ["alert_firing", "alert_firing"]);
    assert!(chat.calls().iter().any(|c| matches!(c, ChatCall::CreateChannel(name) if name.contains("nerfservicedown"))), "{:?}", chat.calls());
    // No requester to invite: the bot is not invited into its own channel.
    assert!(!chat.calls().iter().any(|c| matches!(c, ChatCall::Invite(_, users) if users.iter().any(|u| u.as_str() == "UBOT"))));
}

#[tokio::test]
async fn repeats_and_concurrent_deliveries_add_nothing() {
    let (ctx, store, _chat) = world();
    let deliveries = (0..6).map(|_| {
        let ctx = ctx.clone();
        async move { receive(&ctx, &fixture()).await }
    });
    let outcomes = futures_util::future::join_all(deliveries).await;
    let opened = outcomes.iter().filter(|o| matches!(o, Ok(Received::Recorded { opened: true, .. }))).count();
    assert_eq!(opened, 1, "{outcomes:?}");
    assert_eq!(store.open_incidents(&crate::ids::TeamId::new("T0001")).await.map(|v| v.len()).ok(), Some(1));
    assert_eq!(alert_events(&store).await.len(), 2);
}

#[tokio::test]
async fn a_new_alert_and_resolutions_are_recorded_once_and_told() {
    let (ctx, store, chat) = world();
    receive(&ctx, &fixture()).await.unwrap_or_else(|e| panic!("{e}"));
    let mut third = fixture();
    let mut extra = third.alerts[0].clone();
    extra.fingerprint = "77aa00bb11cc22dd".into();
    extra.labels.insert("service".into(), "nerf-edge-kit".into());
    extra.annotations.insert("summary".into(), "nerf-edge-kit failing health checks".into());
    third.alerts.push(extra);
    let again = receive(&ctx, &third).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again, Received::Recorded { number: 1, opened: false, recorded: 1 });
    let told = |needle: &str| chat.calls().iter().filter(|c| matches!(c, ChatCall::Post(_, r) if r.text.contains(needle))).count();
    assert_eq!(told("New alert in this incident's group"), 1);

    let mut resolved = third.clone();
    resolved.status = AlertStatus::Resolved;
    for alert in &mut resolved.alerts {
        alert.status = AlertStatus::Resolved;
    }
    resolved.alerts.truncate(2);
    receive(&ctx, &resolved).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(told("Every alert of this incident has cleared"), 0, "one alert still fires");
    resolved.alerts = third.alerts.clone();
    for alert in &mut resolved.alerts {
        alert.status = AlertStatus::Resolved;
    }
    receive(&ctx, &resolved).await.unwrap_or_else(|e| panic!("{e}"));
    receive(&ctx, &resolved).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(told("Every alert of this incident has cleared"), 1);
    assert_eq!(alert_events(&store).await.iter().filter(|k| *k == "alert_resolved").count(), 3);
}

use super::notification::AlertStatus;

#[tokio::test]
async fn unknown_alerts_without_a_severity_mapping_are_explained_and_change_nothing() {
    let (ctx, store, _chat) = world();
    let mut other = fixture();
    other.group_labels.insert("alertname".into(), "DiskAlmostFull".into());
    other.common_labels.insert("alertname".into(), "DiskAlmostFull".into());
    other.common_labels.insert("severity".into(), "ticket".into());
    for alert in &mut other.alerts {
        alert.labels.insert("alertname".into(), "DiskAlmostFull".into());
        alert.labels.insert("severity".into(), "ticket".into());
    }
    match receive(&ctx, &other).await {
        Ok(Received::Ignored(why)) => assert!(why.contains("DiskAlmostFull") && why.contains("severity_labels"), "{why}"),
        other => panic!("{other:?}"),
    }
    assert!(store.incident(IncidentId(1)).await.ok().flatten().is_none());
    // A mapped label opens one without a runbook.
    other.common_labels.insert("severity".into(), "warning".into());
    let opened = receive(&ctx, &other).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(opened, Received::Recorded { opened: true, .. }));
    let incident = store.incident(IncidentId(1)).await.ok().flatten().unwrap_or_else(|| panic!("incident"));
    assert_eq!(incident.severity, Severity::Sev3);
}

#[test]
fn bad_notifications_are_refused_with_the_reason() {
    assert!(matches!(Notification::parse(b"{}"), Err(NotificationError::Malformed(_))));
    let v3 = FIXTURE.replace("\"version\": \"4\"", "\"version\": \"3\"");
    assert_eq!(Notification::parse(v3.as_bytes()).err(), Some(NotificationError::Version("3".into())));
    let mut value: serde_json::Value = serde_json::from_str(FIXTURE).unwrap_or_default();
    value["alerts"] = serde_json::json!([]);
    assert_eq!(Notification::parse(value.to_string().as_bytes()).err(), Some(NotificationError::Empty));
}

#[tokio::test]
async fn the_incident_started_when_its_first_alert_did() {
    let (mut ctx, store, _chat) = world();
    // Alertmanager notifies a minute or two after the alert starts.
    let later: jiff::Timestamp = "2026-11-23T03:14:10Z".parse().unwrap_or_else(|e| panic!("{e}"));
    ctx.clock = Arc::new(crate::testing::FixedClock(std::sync::Mutex::new(later)));
    receive(&ctx, &fixture()).await.unwrap_or_else(|e| panic!("{e}"));
    let incident = store.incident(IncidentId(1)).await.ok().flatten().unwrap_or_else(|| panic!("incident"));
    let events = store.timeline(incident.id).await.unwrap_or_default();
    let keys = crate::postmortem::KeyTimes::from_events(&incident, &events);
    assert_eq!(keys.started.at.to_string(), "2026-11-23T03:12:41Z", "the fixture's first startsAt");
}
