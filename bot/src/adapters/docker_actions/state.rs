//! One inspected container judged for verification: ready, still coming up, or failed.

use bollard::models::{ContainerInspectResponse, ContainerStateStatusEnum, HealthStatusEnum};

/// Where a restarted container stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Judgement {
    /// Running, and healthy where it has a healthcheck.
    Ready,
    /// Not there yet (created, restarting, health starting); the text says why.
    Pending(String),
    /// Will not get there by waiting (exited, dead, paused, unhealthy); the text says why.
    Failed(String),
}

/// The container's `StartedAt`, as Docker wrote it.
pub(super) fn started_at(inspect: &ContainerInspectResponse) -> Option<String> {
    inspect.state.as_ref().and_then(|s| s.started_at.clone())
}

/// Judges one container; `name` is used in the texts.
pub(super) fn judge(name: &str, inspect: &ContainerInspectResponse) -> Judgement {
    let Some(state) = inspect.state.as_ref() else { return Judgement::Pending(format!("{name}: no state yet")) };
    let status = state.status.unwrap_or(ContainerStateStatusEnum::EMPTY);
    match status {
        ContainerStateStatusEnum::RUNNING => {}
        ContainerStateStatusEnum::EXITED | ContainerStateStatusEnum::DEAD => {
            let code = state.exit_code.map(|c| format!(" (exit code {c})")).unwrap_or_default();
            let oom = if state.oom_killed.unwrap_or(false) { ", OOM-killed" } else { "" };
            return Judgement::Failed(format!("{name}: {status}{code}{oom}"));
        }
        ContainerStateStatusEnum::PAUSED | ContainerStateStatusEnum::REMOVING => {
            return Judgement::Failed(format!("{name}: {status}"));
        }
        _ => return Judgement::Pending(format!("{name}: {status}")),
    }
    match state.health.as_ref().and_then(|h| h.status) {
        None | Some(HealthStatusEnum::EMPTY | HealthStatusEnum::NONE | HealthStatusEnum::HEALTHY) => Judgement::Ready,
        Some(HealthStatusEnum::UNHEALTHY) => Judgement::Failed(format!("{name}: running but unhealthy")),
        Some(HealthStatusEnum::STARTING) => Judgement::Pending(format!("{name}: running, health starting")),
    }
}

#[cfg(test)]
mod tests {
    use bollard::models::{ContainerState, Health};

    use super::*;

    fn inspect(status: ContainerStateStatusEnum, health: Option<HealthStatusEnum>) -> ContainerInspectResponse {
        ContainerInspectResponse {
            state: Some(ContainerState {
                status: Some(status),
                exit_code: Some(3),
                health: health.map(|s| Health { status: Some(s), ..Health::default() }),
                ..ContainerState::default()
            }),
            ..ContainerInspectResponse::default()
        }
    }

    #[test]
    fn states_and_health_are_judged() {
        use ContainerStateStatusEnum as S;
        assert_eq!(judge("a", &inspect(S::RUNNING, None)), Judgement::Ready);
        assert_eq!(judge("a", &inspect(S::RUNNING, Some(HealthStatusEnum::HEALTHY))), Judgement::Ready);
        assert!(matches!(judge("a", &inspect(S::RUNNING, Some(HealthStatusEnum::STARTING))), Judgement::Pending(_)));
        assert_eq!(
            judge("a", &inspect(S::RUNNING, Some(HealthStatusEnum::UNHEALTHY))),
            Judgement::Failed("a: running but unhealthy".into())
        );
        assert_eq!(judge("a", &inspect(S::EXITED, None)), Judgement::Failed("a: exited (exit code 3)".into()));
        assert!(matches!(judge("a", &inspect(S::RESTARTING, None)), Judgement::Pending(_)));
        assert!(matches!(judge("a", &inspect(S::PAUSED, None)), Judgement::Failed(_)));
    }
}
