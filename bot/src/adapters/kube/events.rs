//! core/v1 `Event` objects as `EventFacts`, newest first.

use firebreak_commands::diagnostics::facts::EventFacts;
use jiff::Timestamp;
use k8s_openapi::api::core::v1::Event;

/// When the event last happened: `lastTimestamp`, else the series, else `eventTime`, else first seen.
fn last_seen(event: &Event) -> Option<Timestamp> {
    event
        .last_timestamp
        .as_ref()
        .map(|t| t.0)
        .or_else(|| event.series.as_ref().and_then(|s| s.last_observed_time.as_ref()).map(|t| t.0))
        .or_else(|| event.event_time.as_ref().map(|t| t.0))
        .or_else(|| event.first_timestamp.as_ref().map(|t| t.0))
        .or_else(|| event.metadata.creation_timestamp.as_ref().map(|t| t.0))
}

fn facts(event: &Event) -> EventFacts {
    let count = event.count.or_else(|| event.series.as_ref().and_then(|s| s.count)).unwrap_or(1);
    EventFacts {
        event_type: event.type_.clone().unwrap_or_default(),
        object_kind: event.involved_object.kind.clone().unwrap_or_default(),
        object_name: event.involved_object.name.clone().unwrap_or_default(),
        reason: event.reason.clone().unwrap_or_default(),
        message: event.message.clone().unwrap_or_default(),
        count: u32::try_from(count).unwrap_or(1),
        last_seen: last_seen(event),
    }
}

pub(super) fn newest_first(events: &[Event]) -> Vec<EventFacts> {
    let mut facts: Vec<EventFacts> = events.iter().map(facts).filter(|e| e.event_type == "Warning").collect();
    facts.sort_by_key(|e| std::cmp::Reverse(e.last_seen));
    facts
}
