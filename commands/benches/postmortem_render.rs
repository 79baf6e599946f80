//! Benchmark: the postmortem of a 10,000-event incident — folding the timeline (key times,
//! pins, resolution) and rendering the template — against a 100-event one, same run.
//!
//! Run: `cargo bench -p firebreak-commands --features testing --bench postmortem_render`.

use std::time::{Duration, Instant};

use firebreak_commands::ids::{IncidentId, SlackUserId};
use firebreak_commands::postmortem::{build, render, DEFAULT_TEMPLATE};
use firebreak_commands::status::Status;
use firebreak_commands::testing::{sample_incident, test_time};
use firebreak_commands::timeline::{Actor, EventKind, PinnedMessageRef, Source, TimelineEvent};
use jiff::tz::TimeZone;

const RUNS: u32 = 20;

/// A long incident: notes, status changes, pins (some edited or unpinned), remediations.
fn events(count: usize) -> Vec<TimelineEvent> {
    let user = Actor::User(SlackUserId::parse("U100").unwrap_or_else(|| panic!("user id")));
    (0..count)
        .map(|i| {
            let at = test_time() + Duration::from_secs(i as u64 * 3);
            let pin = PinnedMessageRef(format!("{}.000100", at.as_second()));
            let kind = match i % 10 {
                0 => EventKind::StatusChanged { from: Status::Investigating, to: Status::Identified, note: Some(format!("update {i}")) },
                1..=2 => EventKind::MessagePinned { message: pin, author: None, text: format!("finding {i}: pool at 100/100"), permalink: None, pinned_at: at },
                3 => EventKind::PinnedMessageEdited { message: PinnedMessageRef(format!("{}.000100", (at - Duration::from_secs(6)).as_second())), text: format!("finding {i} (edited)") },
                4 => EventKind::RemediationFinished { request: i as i64, action: "restart-api".into(), success: true, summary: "rollout complete".into() },
                5 => EventKind::ActionItem { text: format!("follow-up {i}") },
                _ => EventKind::Note { text: format!("observation {i}: latency p99 1.2 s on /pay") },
            };
            TimelineEvent { seq: i as i64 + 1, incident: IncidentId(1), at, actor: user.clone(), source: Source::SlashCommand, kind, cause: None }
        })
        .collect()
}

fn mean_render(count: usize) -> (Duration, usize) {
    let incident = sample_incident();
    let events = events(count);
    let mut total = Duration::ZERO;
    let mut bytes = 0;
    for _ in 0..RUNS {
        let started = Instant::now();
        let draft = build(&incident, &events, &TimeZone::UTC, test_time());
        let markdown = render(DEFAULT_TEMPLATE, &draft).unwrap_or_else(|e| panic!("{e}"));
        total += started.elapsed();
        bytes = markdown.len();
    }
    (total / RUNS, bytes)
}

fn main() {
    let (small, small_bytes) = mean_render(100);
    let (large, large_bytes) = mean_render(10_000);
    println!("postmortem of 100 events:    mean {:>8.2} ms ({small_bytes} bytes)", small.as_secs_f64() * 1e3);
    println!("postmortem of 10,000 events: mean {:>8.2} ms ({large_bytes} bytes) over {RUNS} runs", large.as_secs_f64() * 1e3);
    println!("  = {:.0}× the time for 100× the events", large.as_secs_f64() / small.as_secs_f64());
}
