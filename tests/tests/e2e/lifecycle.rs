//! Lifecycle commands and the card's buttons: store, card, topic, channel line, timeline.

use firebreak_commands::ports::IncidentStore;
use firebreak_commands::settings::Settings;
use firebreak_tests::backend::Backend;
use firebreak_tests::on_both_backends;
use firebreak_tests::spawn::{spawn_app, TestApp};

/// The pinned card's field texts (severity, status, lead, started).
fn card_fields(app: &TestApp, channel: &str) -> Vec<String> {
    let channel = app.slack.channel(channel).unwrap_or_else(|| panic!("channel"));
    let card = channel.messages.first().unwrap_or_else(|| panic!("card"));
    card.blocks[1]["fields"].as_array().into_iter().flatten().filter_map(|f| f["text"].as_str().map(str::to_owned)).collect()
}

fn last_line(app: &TestApp, channel: &str) -> String {
    let channel = app.slack.channel(channel).unwrap_or_else(|| panic!("channel"));
    channel.messages.last().map(|m| m.text.clone()).unwrap_or_default()
}

fn topic(app: &TestApp, channel: &str) -> String {
    app.slack.channel(channel).map(|c| c.topic).unwrap_or_default()
}

async fn every_lifecycle_command_updates_card_topic_channel_and_timeline(backend: Backend) {
    let Some(app) = spawn_app(backend, Settings::default()).await else { return };
    let channel = app.declare("U0ALICE", "start sev2 checkout errors").await;

    let (ack, _) = app.slash("U0BOB", &channel, "status identified bad deploy of checkout").await;
    assert_eq!((ack.status, ack.body.as_str()), (200, ""));
    assert!(card_fields(&app, &channel)[1].contains("Identified"));
    assert!(topic(&app, &channel).starts_with("SEV2 · Identified"));
    assert!(last_line(&app, &channel).contains("<@U0BOB> status Investigating → Identified: bad deploy of checkout"));

    app.slash("U0BOB", &channel, "sev sev1").await;
    assert!(card_fields(&app, &channel)[0].contains("SEV1"));
    assert!(topic(&app, &channel).starts_with("SEV1 · Identified"));

    app.slash("U0BOB", &channel, "lead <@U0CAROL|carol>").await;
    assert!(card_fields(&app, &channel)[2].contains("<@U0CAROL>"));
    assert!(topic(&app, &channel).contains("Lead: <@U0CAROL>"));

    app.slash("U0CAROL", &channel, "note rollback started").await;
    assert!(last_line(&app, &channel).contains("note: rollback started"));

    let (timeline, _) = app.slash("U0CAROL", &channel, "timeline").await;
    let shown = timeline.json()["blocks"].to_string();
    assert!(shown.contains("declared SEV2: checkout errors") && shown.contains("note: rollback started"), "{shown}");
    assert_eq!(timeline.json()["response_type"], "ephemeral");

    app.slash("U0CAROL", &channel, "resolve rolled back to v41").await;
    assert!(card_fields(&app, &channel)[1].contains("Resolved"));
    assert!(app.open_incidents().await.is_empty());
    let (again, _) = app.slash("U0CAROL", &channel, "status monitoring").await;
    assert!(again.text().contains("resolved already"), "{}", again.body);

    let edits = app.slack.channel(&channel).and_then(|c| c.messages.first().map(|m| m.edits)).unwrap_or_default();
    assert_eq!(edits, 5, "one card update per change");
    app.slack.assert_faithful();
}

async fn buttons_act_as_the_user_who_clicked(backend: Backend) {
    let Some(app) = spawn_app(backend, Settings::default()).await else { return };
    let channel = app.declare("U0ALICE", "start sev3 search slow").await;
    let incident = app.open_incidents().await.remove(0);
    let id = incident.id.to_string();

    let (ack, menu_url) = app.click("U0DAVE", &channel, "incident_status_menu", &id).await;
    assert_eq!(ack.status, 200);
    app.slack.wait_for("status menu", |s| !s.responses(&menu_url).is_empty()).await;
    let menu = app.slack.responses(&menu_url)[0].to_string();
    assert!(menu.contains(&format!("{id}:mitigated")), "{menu}");

    app.click("U0DAVE", &channel, "incident_status_set.mitigated", &format!("{id}:mitigated")).await;
    app.slack.wait_for("status line", |s| s.channel(&channel).is_some_and(|c| c.messages.iter().any(|m| m.text.contains("<@U0DAVE> status Investigating → Mitigated")))).await;
    assert!(card_fields(&app, &channel)[1].contains("Mitigated"));

    app.click("U0ERIN", &channel, "incident_resolve", &id).await;
    app.slack.wait_for("resolution line", |s| s.channel(&channel).is_some_and(|c| c.messages.iter().any(|m| m.text.contains("<@U0ERIN> resolved")))).await;
    assert!(app.open_incidents().await.is_empty());
    let timeline = app.store.timeline(incident.id).await.unwrap_or_default();
    let resolved = timeline.iter().find(|e| e.kind.key() == "resolved").unwrap_or_else(|| panic!("no resolved event"));
    assert_eq!(resolved.actor.mention(), "<@U0ERIN>");
    app.slack.assert_faithful();
}

async fn channel_commands_outside_an_incident_channel_are_explained(backend: Backend) {
    let Some(app) = spawn_app(backend, Settings::default()).await else { return };
    let (ack, _) = app.slash("U0ALICE", "CRANDOM", "status mitigated").await;
    assert!(ack.text().contains("inside an incident channel"), "{}", ack.body);
    assert_eq!(ack.json()["response_type"], "ephemeral");
    assert!(app.slack.calls().is_empty(), "nothing was sent to Slack");
}

async fn list_and_help_work_anywhere(backend: Backend) {
    let Some(app) = spawn_app(backend, Settings::default()).await else { return };
    app.declare("U0ALICE", "start sev2 payments failing").await;
    app.declare("U0ALICE", "start sev4 typo on status page").await;
    let (list, _) = app.slash("U0BOB", "CRANDOM", "list").await;
    let shown = list.json()["blocks"].to_string();
    assert!(shown.contains("#2 typo on status page") && shown.contains("#1 payments failing"), "{shown}");
    let (help, _) = app.slash("U0BOB", "CRANDOM", "help").await;
    let shown = help.json()["blocks"].to_string();
    for name in ["start", "status", "sev", "lead", "note", "timeline", "resolve", "list", "help"] {
        assert!(shown.contains(&format!("/incident {name}")), "help lacks {name}");
    }
}

on_both_backends!(
    every_lifecycle_command_updates_card_topic_channel_and_timeline,
    buttons_act_as_the_user_who_clicked,
    channel_commands_outside_an_incident_channel_are_explained,
    list_and_help_work_anywhere,
);
