//! The severity clock in the running app: a stored timer that came due fires once from the
//! background round (also when it came due while no process ran), and `/incident escalate`
//! pages the next level.

use std::time::Duration;

use firebreak_commands::escalation::{EscalationLevel, Pager};
use firebreak_commands::ports::TimerStore;
use firebreak_commands::settings::Settings;
use firebreak_commands::timers::TimerKind;
use firebreak_tests::backend::Backend;
use firebreak_tests::on_both_backends;
use firebreak_tests::spawn::spawn_app;

fn settings() -> Settings {
    let level = |name: &str, after: Duration, group: &str| EscalationLevel {
        name: name.into(),
        after: Some(after),
        min_services: None,
        page: vec![Pager::Group(group.into())],
        ..EscalationLevel::default()
    };
    // Level 3 comes due seconds after the declaration, so the background round fires it here.
    let levels = vec![level("Level 2 (Team Lead)", Duration::from_secs(15 * 60), "S0LEADS"), level("Level 3 (Engineering Manager)", Duration::from_secs(3), "S0EMS")];
    Settings { escalation: levels, ..Settings::default() }
}

async fn due_timers_fire_once_and_escalate_pages_the_next_level(backend: Backend) {
    let Some(app) = spawn_app(backend, settings()).await else { return };
    app.slack.add_usergroup("S0LEADS", &["U0LEAD"]);
    app.slack.add_usergroup("S0EMS", &["U0EM"]);
    let channel = app.declare("U0ALICE", "start sev1 checkout down").await;
    let incident = app.open_incidents().await.remove(0);

    let (ack, _) = app.slash("U0ALICE", &channel, "escalate customers cannot pay").await;
    assert_eq!(ack.status, 200);
    assert!(ack.text().contains("Escalated #1 to Level 2 (Team Lead)"), "{}", ack.body);
    let texts = || app.slack.channel(&channel).map(|c| c.messages.iter().map(|m| m.text.clone()).collect::<Vec<_>>()).unwrap_or_default();
    assert!(texts().iter().any(|t| t.contains("*Escalated to Level 2 (Team Lead)* — customers cannot pay") && t.contains("<!subteam^S0LEADS>")));
    assert!(app.slack.channel(&channel).is_some_and(|c| c.has_member("U0LEAD")), "the level's group members are invited");

    // A reminder that came due (say, while Firebreak was down) fires from the background round.
    let past = jiff::Timestamp::now() - Duration::from_secs(60);
    app.store.schedule(incident.id, &TimerKind::Reminder(7), past).await.unwrap_or_else(|e| panic!("{e}"));
    app.slack.wait_for("the reminder and level 3", |s| {
        s.channel(&channel).is_some_and(|c| {
            c.messages.iter().any(|m| m.text.contains("time for a status update")) && c.messages.iter().any(|m| m.text.contains("Level 3 (Engineering Manager)"))
        })
    })
    .await;
    tokio::time::sleep(firebreak::timer_loop::TICK + Duration::from_secs(1)).await;
    assert_eq!(texts().iter().filter(|t| t.contains("time for a status update")).count(), 1, "fired once");
    let timeline = app.store_timeline(incident.id).await;
    assert_eq!(timeline.iter().filter(|k| *k == "escalated").count(), 2, "{timeline:?}");
    let (top, _) = app.slash("U0ALICE", &channel, "escalate").await;
    assert!(top.text().contains("highest level"), "{}", top.body);
    app.slack.assert_faithful();
}

on_both_backends!(due_timers_fire_once_and_escalate_pages_the_next_level);
