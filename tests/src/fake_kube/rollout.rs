//! What the deployment controller would do after a spec change: instantly converge the status
//! (observedGeneration, replica counts), or get stuck with `ProgressDeadlineExceeded`.

use k8s_openapi::api::apps::v1::{Deployment, DeploymentCondition, DeploymentStatus};

fn set_progressing(status: &mut DeploymentStatus, ok: bool, reason: &str, message: String) {
    let conditions = status.conditions.get_or_insert_with(Vec::new);
    if !conditions.iter().any(|c| c.type_ == "Progressing") {
        conditions.push(DeploymentCondition { type_: "Progressing".to_owned(), ..DeploymentCondition::default() });
    }
    for c in conditions.iter_mut().filter(|c| c.type_ == "Progressing") {
        c.status = if ok { "True" } else { "False" }.to_owned();
        c.reason = Some(reason.to_owned());
        c.message = Some(message.clone());
    }
}

/// The controller observed the latest generation; all replicas are updated and available, or (when
/// `stuck`) none of the new ones became available before the progress deadline.
pub fn converge(deployment: &mut Deployment, stuck: bool) {
    let name = deployment.metadata.name.clone().unwrap_or_default();
    let desired = deployment.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
    let generation = deployment.metadata.generation;
    let status = deployment.status.get_or_insert_with(DeploymentStatus::default);
    status.observed_generation = generation;
    if stuck {
        let old = status.available_replicas.unwrap_or(0).min(desired);
        status.replicas = Some(desired + 1);
        status.updated_replicas = Some(1);
        status.ready_replicas = Some(old);
        status.available_replicas = Some(old);
        status.unavailable_replicas = Some((desired - old).max(1));
        set_progressing(status, false, "ProgressDeadlineExceeded", format!("ReplicaSet \"{name}-7c9d4\" has timed out progressing."));
    } else {
        status.replicas = Some(desired);
        status.updated_replicas = Some(desired);
        status.ready_replicas = Some(desired);
        status.available_replicas = Some(desired);
        status.unavailable_replicas = None;
        set_progressing(status, true, "NewReplicaSetAvailable", format!("ReplicaSet \"{name}-5d8f7\" has successfully progressed."));
    }
}
