//! `docker inspect` output turned into `ContainerFacts`.

use bollard::models::{ContainerInspectResponse, HealthStatusEnum};
use firebreak_commands::diagnostics::facts::ContainerFacts;
use jiff::Timestamp;

/// Docker writes `0001-01-01T00:00:00Z` for "never"; that and unparsable times become `None`.
fn timestamp(text: Option<&str>) -> Option<Timestamp> {
    let parsed: Timestamp = text?.parse().ok()?;
    (parsed.as_second() > 0).then_some(parsed)
}

/// The facts of one inspected container; `summary_image` is the image as `docker ps` shows it.
pub(super) fn facts(inspect: &ContainerInspectResponse, summary_image: Option<&str>) -> ContainerFacts {
    let state = inspect.state.as_ref();
    let health = state.and_then(|s| s.health.as_ref()).and_then(|h| h.status);
    let health = match health {
        None | Some(HealthStatusEnum::EMPTY | HealthStatusEnum::NONE) => None,
        Some(status) => Some(status.to_string()),
    };
    let image = summary_image
        .map(str::to_owned)
        .or_else(|| inspect.config.as_ref().and_then(|c| c.image.clone()))
        .unwrap_or_default();
    ContainerFacts {
        id: inspect.id.clone().unwrap_or_default(),
        name: inspect.name.as_deref().unwrap_or_default().trim_start_matches('/').to_owned(),
        image,
        state: state.and_then(|s| s.status).map(|s| s.to_string()).unwrap_or_default(),
        health,
        restart_count: inspect.restart_count.and_then(|n| u32::try_from(n).ok()).unwrap_or(0),
        oom_killed: state.and_then(|s| s.oom_killed).unwrap_or(false),
        exit_code: state.and_then(|s| s.exit_code),
        started_at: timestamp(state.and_then(|s| s.started_at.as_deref())),
        finished_at: timestamp(state.and_then(|s| s.finished_at.as_deref())),
    }
}

#[cfg(test)]
mod tests {
    use bollard::models::{ContainerState, ContainerStateStatusEnum, Health};

    use super::*;

    #[test]
    fn inspect_output_becomes_facts() {
        let inspect = ContainerInspectResponse {
            id: Some("abc".into()),
            name: Some("/api-1".into()),
            restart_count: Some(2),
            state: Some(ContainerState {
                status: Some(ContainerStateStatusEnum::EXITED),
                oom_killed: Some(true),
                exit_code: Some(137),
                started_at: Some("2024-05-01T10:00:00.123456789Z".into()),
                finished_at: Some("0001-01-01T00:00:00Z".into()),
                health: Some(Health { status: Some(HealthStatusEnum::UNHEALTHY), ..Health::default() }),
                ..ContainerState::default()
            }),
            ..ContainerInspectResponse::default()
        };
        let facts = facts(&inspect, Some("busybox:1"));
        assert_eq!((facts.name.as_str(), facts.state.as_str(), facts.image.as_str()), ("api-1", "exited", "busybox:1"));
        assert_eq!((facts.health.as_deref(), facts.restart_count, facts.oom_killed), (Some("unhealthy"), 2, true));
        assert_eq!(facts.exit_code, Some(137));
        assert_eq!(facts.started_at.map(|t| t.as_second()), Some(1_714_557_600));
        assert_eq!(facts.finished_at, None);
    }
}
