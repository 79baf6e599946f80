//! The headline guarantee: Slack answers only 429s and 5xx for five real minutes while
//! incidents are opened and updated in several channels; afterwards every message arrives,
//! exactly once, in order per channel, and each throttled channel was told once of the delay.
//!
//! `FIREBREAK_TEST_STORM_SECS` shortens the storm for local runs; CI runs the full 300 s.

use std::time::{Duration, Instant};

use firebreak::outbox::DELAYED_TEXT;
use firebreak_commands::settings::Settings;
use firebreak_tests::backend::Backend;
use firebreak_tests::fake_slack::Throttle;
use firebreak_tests::spawn::spawn_app;

use super::outbox_restart::{arrived, wait_queued};

const STORM_VAR: &str = "FIREBREAK_TEST_STORM_SECS";
/// Updates made per channel during a full storm; shorter storms make fewer (an update may take
/// a few seconds to be queued, as the card's refresh waits briefly for Slack first).
const UPDATES_PER_CHANNEL: usize = 12;

fn storm() -> Duration {
    let secs = std::env::var(STORM_VAR).ok().map(|v| v.parse::<u64>().unwrap_or_else(|_| panic!("{STORM_VAR} must be a number of seconds")));
    Duration::from_secs(secs.unwrap_or(300))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn minutes_of_429_and_5xx_lose_nothing_and_keep_each_channels_order() {
    let Some(app) = spawn_app(Backend::Postgres, Settings::default()).await else { return };
    let storm = storm();
    let channels = [app.declare("U0ALICE", "start sev3 storm one").await, app.declare("U0BOB", "start sev3 storm two").await];
    for channel in &channels {
        app.slack.wait_for("the card pinned", |s| s.channel(channel).is_some_and(|c| !c.pins.is_empty())).await;
    }

    app.slack.throttle(Throttle::Mixed { retry_after_secs: 1, status: 503 }, Some(storm));
    let started = Instant::now();
    // Opened during the storm: its channel is created once Slack accepts again.
    let (_, opened_late) = app.slash("U0CAROL", "CGENERAL", "start sev3 storm three").await;
    let updates = (storm.as_secs() as usize / 25).clamp(2, UPDATES_PER_CHANNEL);
    // Spread over the first two thirds of the storm, so all are queued while it lasts.
    let step = storm * 2 / 3 / updates as u32;
    let mut markers: [Vec<String>; 2] = Default::default();
    for n in 1..=updates {
        tokio::time::sleep_until((started + step * (n as u32 - 1)).into()).await;
        for (i, channel) in channels.iter().enumerate() {
            let marker = format!("storm-{i}-{n:02}");
            app.slash("U0ALICE", channel, &format!("note {marker}")).await;
            wait_queued(&app, &marker).await;
            markers[i].push(marker);
        }
    }
    assert!(app.slack.throttled(), "the updates took longer than the storm; make fewer");
    for (i, channel) in channels.iter().enumerate() {
        let (counts, _) = arrived(&app.slack, channel, &markers[i]);
        assert!(counts.iter().all(|c| *c == 0), "something got through the storm");
    }
    while app.slack.throttled() {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let deadline = Instant::now() + Duration::from_secs(240);
    while channels.iter().enumerate().any(|(i, c)| arrived(&app.slack, c, &markers[i]).0.contains(&0)) || app.slack.responses(&opened_late).is_empty() {
        assert!(Instant::now() < deadline, "not everything arrived after the storm");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    for (i, channel) in channels.iter().enumerate() {
        let (counts, order) = arrived(&app.slack, channel, &markers[i]);
        assert!(counts.iter().all(|c| *c == 1), "{channel}: each update exactly once, got {counts:?}");
        assert_eq!(order, markers[i], "{channel}: in the order they were made");
        let texts: Vec<String> = app.slack.channel(channel).into_iter().flat_map(|c| c.messages).map(|m| m.text).collect();
        assert_eq!(texts.iter().filter(|t| *t == DELAYED_TEXT).count(), 1, "{channel}: told once that updates are delayed");
    }
    let late = app.slack.responses(&opened_late)[0]["text"].as_str().unwrap_or_default().to_owned();
    let late_channel = late.split("<#").nth(1).and_then(|rest| rest.split('>').next()).unwrap_or_else(|| panic!("no channel in {late}"));
    let late_channel = app.slack.channel(late_channel).unwrap_or_else(|| panic!("the late incident's channel"));
    assert_eq!(late_channel.pins.len(), 1, "the incident opened during the storm got its pinned card");
    app.slack.assert_faithful();
}
