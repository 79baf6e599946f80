//! `Pod` objects as `PodFacts`.

use firebreak_commands::diagnostics::facts::{PodContainerFacts, PodFacts};
use k8s_openapi::api::core::v1::{ContainerStatus, Pod};

fn container(status: &ContainerStatus) -> PodContainerFacts {
    let waiting = status.state.as_ref().and_then(|s| s.waiting.as_ref());
    let terminated = status.last_state.as_ref().and_then(|s| s.terminated.as_ref());
    PodContainerFacts {
        name: status.name.clone(),
        ready: status.ready,
        restarts: u32::try_from(status.restart_count).unwrap_or(0),
        waiting_reason: waiting.and_then(|w| w.reason.clone()),
        waiting_message: waiting.and_then(|w| w.message.clone()),
        last_termination_reason: terminated.and_then(|t| t.reason.clone()),
        last_exit_code: terminated.map(|t| t.exit_code),
    }
}

pub(super) fn facts(pod: &Pod) -> PodFacts {
    let status = pod.status.as_ref();
    let ready = status
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|conditions| conditions.iter().any(|c| c.type_ == "Ready" && c.status == "True"));
    PodFacts {
        name: pod.metadata.name.clone().unwrap_or_default(),
        phase: status.and_then(|s| s.phase.clone()).unwrap_or_else(|| "Unknown".to_owned()),
        ready,
        node: pod.spec.as_ref().and_then(|s| s.node_name.clone()),
        started_at: status.and_then(|s| s.start_time.as_ref()).map(|t| t.0),
        containers: status.and_then(|s| s.container_statuses.as_ref()).map(|cs| cs.iter().map(container).collect()).unwrap_or_default(),
    }
}

/// The container `kubectl logs` picks by default: the `default-container` annotation, else the first.
pub(super) fn first_container(pod: &Pod) -> Option<String> {
    let annotated = pod.metadata.annotations.as_ref().and_then(|a| a.get("kubectl.kubernetes.io/default-container")).cloned();
    annotated.or_else(|| pod.spec.as_ref().and_then(|s| s.containers.first()).map(|c| c.name.clone()))
}
