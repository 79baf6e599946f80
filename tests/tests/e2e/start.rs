//! `/incident start`: channel, invites, topic, card, pin, announcement, names and numbers.

use std::collections::BTreeSet;

use firebreak_commands::ids::{ChannelId, SlackUserId};
use firebreak_commands::settings::Settings;
use firebreak_commands::severity::Severity;
use firebreak_tests::backend::Backend;
use firebreak_tests::on_both_backends;
use firebreak_tests::spawn::{spawn_app, spawn_app_with, TestApp};

/// An app whose SEV1 responders and broadcast channel (`#incidents`) are configured.
async fn app_with_broadcast(backend: Backend) -> Option<(TestApp, String)> {
    let app = spawn_app_with(backend, |slack| Settings {
        broadcast_channel: Some(ChannelId::new(slack.add_channel("incidents"))),
        responders: [(Severity::Sev1, vec![SlackUserId::parse("U0ONCALL").unwrap_or_else(|| panic!())])].into(),
        ..Settings::default()
    })
    .await?;
    let broadcast = app.slack.channel_by_name("incidents").map(|c| c.id).unwrap_or_default();
    Some((app, broadcast))
}

async fn start_opens_a_complete_incident(backend: Backend) {
    let Some((app, broadcast)) = app_with_broadcast(backend).await else { return };
    let (ack, response_url) = app.slash("U0ALICE", "CGENERAL", "start sev1 API returns 502").await;
    assert_eq!(ack.status, 200);
    assert!(ack.text().contains("Working on"), "ack: {}", ack.body);
    app.slack.wait_for("confirmation", |s| !s.responses(&response_url).is_empty()).await;

    let channel = app.slack.channels().into_iter().find(|c| c.name.starts_with("inc-")).unwrap_or_else(|| panic!("no channel"));
    let today = jiff::Zoned::now().with_time_zone(jiff::tz::TimeZone::UTC).strftime("%Y%m%d").to_string();
    assert_eq!(channel.name, format!("inc-{today}-1-api-returns-502"));
    assert!(channel.members.contains(&"U0ALICE".to_owned()) && channel.members.contains(&"U0ONCALL".to_owned()));
    assert!(channel.topic.starts_with("SEV1 · Investigating"), "topic: {}", channel.topic);
    let card = channel.messages.first().unwrap_or_else(|| panic!("no card"));
    assert_eq!(channel.pins, vec![card.ts.clone()]);
    assert_eq!(card.blocks[0]["type"], "header");
    let buttons: Vec<&str> = card.blocks[3]["elements"].as_array().into_iter().flatten().filter_map(|b| b["text"]["text"].as_str()).collect();
    assert_eq!(buttons, ["Run diagnostics", "Remediate", "Update status", "Resolve"]);

    // The announcement is queued, not awaited (the broadcast channel is paced): it may arrive
    // after the confirmation.
    let link = format!("<#{}>", channel.id);
    app.slack
        .wait_for("the announcement", |s| {
            s.channel(&broadcast).is_some_and(|c| c.messages.iter().any(|m| m.text.contains("SEV1 declared") && m.text.contains(&link)))
        })
        .await;
    let confirmation = &app.slack.responses(&response_url)[0];
    assert_eq!(confirmation["response_type"], "ephemeral");
    assert!(confirmation["text"].as_str().unwrap_or_default().contains(&format!("<#{}>", channel.id)));

    let incident = &app.open_incidents().await[0];
    let timeline = app.store_timeline(incident.id).await;
    assert_eq!(timeline, ["declared", "channel_created", "people_invited", "topic_set", "card_posted", "card_pinned", "announced"]);
    app.slack.assert_faithful();
}

async fn sev3_is_not_announced(backend: Backend) {
    let Some((app, broadcast)) = app_with_broadcast(backend).await else { return };
    app.declare("U0ALICE", "start sev3 one endpoint slow").await;
    assert!(app.slack.channel(&broadcast).is_some_and(|c| c.messages.is_empty()));
    app.slack.assert_faithful();
}

async fn long_titles_give_valid_names_with_the_number(backend: Backend) {
    let Some(app) = spawn_app(backend, Settings::default()).await else { return };
    let title: String = "🔥 Zahlungsdienst «payments» fällt aus!!! (EU-West) — 50% errors; ".chars().cycle().take(200).collect();
    for expected_number in 1..=2 {
        let channel_id = app.declare("U0ALICE", &format!("start sev2 {title}")).await;
        let channel = app.slack.channel(&channel_id).unwrap_or_else(|| panic!("channel"));
        assert!(channel.name.len() <= 80, "{}", channel.name);
        assert!(channel.name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_'), "{}", channel.name);
        let number = channel.name.split('-').nth(2).unwrap_or_default();
        assert_eq!(number, expected_number.to_string(), "{}", channel.name);
    }
    app.slack.assert_faithful();
}

async fn taken_names_get_a_suffix(backend: Backend) {
    let Some(app) = spawn_app(backend, Settings::default()).await else { return };
    let today = jiff::Zoned::now().with_time_zone(jiff::tz::TimeZone::UTC).strftime("%Y%m%d").to_string();
    app.slack.add_channel(&format!("inc-{today}-1-db-down"));
    let channel_id = app.declare("U0ALICE", "start sev2 DB down").await;
    let channel = app.slack.channel(&channel_id).unwrap_or_else(|| panic!("channel"));
    assert_eq!(channel.name, format!("inc-{today}-1-db-down-2"));
    let taken = app.slack.calls_to("conversations.create").iter().filter(|c| c.response["error"] == "name_taken").count();
    assert_eq!(taken, 1);
}

async fn twenty_concurrent_starts_get_distinct_numbers_and_channels(backend: Backend) {
    let Some(app) = spawn_app(backend, Settings::default()).await else { return };
    let app = std::sync::Arc::new(app);
    let mut tasks = Vec::new();
    for i in 0..20 {
        let app = app.clone();
        tasks.push(tokio::spawn(async move { app.declare(&format!("U0USER{i}"), &format!("start sev3 outage {i}")).await }));
    }
    let mut channels = BTreeSet::new();
    for task in tasks {
        channels.insert(task.await.unwrap_or_else(|e| panic!("{e}")));
    }
    assert_eq!(channels.len(), 20);
    let numbers: BTreeSet<i64> = app.open_incidents().await.iter().map(|i| i.number.0).collect();
    assert_eq!(numbers, (1..=20).collect());
    app.slack.assert_faithful();
}

async fn rate_limited_slack_is_retried_after_retry_after(backend: Backend) {
    let Some(app) = spawn_app(backend, Settings::default()).await else { return };
    app.slack.rate_limit_next("conversations.create", 1, 2);
    let (ack, response_url) = app.slash("U0ALICE", "CGENERAL", "start sev2 cache down").await;
    // The ack does not wait for Slack: the channel is not there yet when it arrives.
    assert_eq!(ack.status, 200);
    assert!(app.slack.channels().iter().all(|c| !c.name.starts_with("inc-")));
    app.slack.wait_for("confirmation", |s| !s.responses(&response_url).is_empty()).await;
    let statuses: Vec<u16> = app.slack.calls_to("conversations.create").iter().map(|c| c.status).collect();
    assert_eq!(statuses, [429, 200]);
    assert_eq!(app.open_incidents().await.len(), 1);
}

async fn a_channel_slack_refuses_leaves_no_half_made_incident(backend: Backend) {
    let Some(app) = spawn_app(backend, Settings::default()).await else { return };
    app.slack.fail_next("conversations.create", "restricted_action", 1);
    let (_ack, response_url) = app.slash("U0ALICE", "CGENERAL", "start sev1 everything is down").await;
    app.slack.wait_for("failure report", |s| !s.responses(&response_url).is_empty()).await;
    let report = app.slack.responses(&response_url)[0]["text"].as_str().unwrap_or_default().to_owned();
    assert!(report.contains("restricted_action") && report.contains("marked failed"), "{report}");
    assert!(app.open_incidents().await.is_empty());
    let (list, _) = app.slash("U0ALICE", "CGENERAL", "list").await;
    assert!(list.text().contains("No open incidents"), "{}", list.body);
}

async fn invite_failure_is_reported_but_the_incident_opens(backend: Backend) {
    let Some(app) = spawn_app(backend, Settings::default()).await else { return };
    app.slack.fail_next("conversations.invite", "user_is_restricted", 1);
    let (_ack, response_url) = app.slash("U0ALICE", "CGENERAL", "start sev3 search slow").await;
    app.slack.wait_for("confirmation", |s| !s.responses(&response_url).is_empty()).await;
    let report = app.slack.responses(&response_url)[0]["text"].as_str().unwrap_or_default().to_owned();
    assert!(report.contains("Declared") && report.contains("user_is_restricted"), "{report}");
    let incident = &app.open_incidents().await[0];
    assert!(app.store_timeline(incident.id).await.contains(&"setup_step_failed".to_owned()));
}

on_both_backends!(
    start_opens_a_complete_incident,
    sev3_is_not_announced,
    long_titles_give_valid_names_with_the_number,
    taken_names_get_a_suffix,
    twenty_concurrent_starts_get_distinct_numbers_and_channels,
    rate_limited_slack_is_retried_after_retry_after,
    a_channel_slack_refuses_leaves_no_half_made_incident,
    invite_failure_is_reported_but_the_incident_opens,
);
