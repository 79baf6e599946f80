//! Builders for the Kubernetes objects tests put into the fake, as k8s-openapi types.

use std::collections::BTreeMap;

use jiff::Timestamp;
use k8s_openapi::api::apps::v1::{Deployment, DeploymentCondition, DeploymentSpec, DeploymentStatus};
use k8s_openapi::api::core::v1::{
    Container, ContainerState, ContainerStateRunning, ContainerStateTerminated, ContainerStateWaiting, ContainerStatus,
    Event, EventSource, ObjectReference, Pod, PodCondition, PodSpec, PodStatus, PodTemplateSpec, ResourceRequirements,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta, Time};

fn meta(name: &str, labels: &BTreeMap<String, String>) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_owned()),
        namespace: Some("default".to_owned()),
        labels: (!labels.is_empty()).then(|| labels.clone()),
        ..ObjectMeta::default()
    }
}

/// A pod under construction: running and ready unless told otherwise.
#[derive(Debug, Clone)]
pub struct FakePod {
    name: String,
    namespace: String,
    labels: BTreeMap<String, String>,
    containers: Vec<(String, String)>,
    phase: String,
    node: String,
    statuses: BTreeMap<String, ContainerStatus>,
}

/// A pod named `name` in `default` with one container `edge`, running and ready.
pub fn pod(name: &str) -> FakePod {
    FakePod {
        name: name.to_owned(),
        namespace: "default".to_owned(),
        labels: BTreeMap::new(),
        containers: Vec::new(),
        phase: "Running".to_owned(),
        node: "gpu-node-1".to_owned(),
        statuses: BTreeMap::new(),
    }
}

impl FakePod {
    pub fn namespace(mut self, namespace: &str) -> Self {
        namespace.clone_into(&mut self.namespace);
        self
    }

    pub fn label(mut self, key: &str, value: &str) -> Self {
        self.labels.insert(key.to_owned(), value.to_owned());
        self
    }

    pub fn container(mut self, name: &str, image: &str) -> Self {
        self.containers.push((name.to_owned(), image.to_owned()));
        self
    }

    pub fn phase(mut self, phase: &str) -> Self {
        phase.clone_into(&mut self.phase);
        self
    }

    fn first(&self) -> String {
        self.containers.first().map_or_else(|| "edge".to_owned(), |(name, _)| name.clone())
    }

    fn status_of(&mut self, container: &str) -> &mut ContainerStatus {
        let image = self.containers.iter().find(|(n, _)| n == container).map_or("nerf/edge-kit:1.0".to_owned(), |(_, i)| i.clone());
        self.statuses.entry(container.to_owned()).or_insert_with(|| ContainerStatus {
            name: container.to_owned(),
            image,
            image_id: String::new(),
            ready: true,
            started: Some(true),
            restart_count: 0,
            state: Some(ContainerState {
                running: Some(ContainerStateRunning { started_at: Some(Time(Timestamp::now())) }),
                ..ContainerState::default()
            }),
            ..ContainerStatus::default()
        })
    }

    /// The first container waits in `CrashLoopBackOff` after `restarts` crashes (exit 1).
    pub fn crash_loop(mut self, restarts: i32) -> Self {
        let first = self.first();
        let status = self.status_of(&first);
        status.ready = false;
        status.started = Some(false);
        status.restart_count = restarts;
        status.state = Some(ContainerState {
            waiting: Some(ContainerStateWaiting {
                reason: Some("CrashLoopBackOff".to_owned()),
                message: Some(format!("back-off 5m0s restarting failed container={first}")),
            }),
            ..ContainerState::default()
        });
        status.last_state = Some(terminated("Error", 1));
        self
    }

    /// The first container runs again after being `OOMKilled` (exit 137) `restarts` times.
    pub fn oom_killed(mut self, restarts: i32) -> Self {
        let first = self.first();
        let status = self.status_of(&first);
        status.restart_count = restarts;
        status.last_state = Some(terminated("OOMKilled", 137));
        self
    }

    /// The first container runs but is not ready.
    pub fn not_ready(mut self) -> Self {
        let first = self.first();
        self.status_of(&first).ready = false;
        self
    }

    pub fn build(mut self) -> Pod {
        if self.containers.is_empty() {
            self.containers.push(("edge".to_owned(), "nerf/edge-kit:1.0".to_owned()));
        }
        let names: Vec<String> = self.containers.iter().map(|(n, _)| n.clone()).collect();
        for name in &names {
            self.status_of(name);
        }
        let statuses: Vec<ContainerStatus> = names.iter().filter_map(|n| self.statuses.get(n).cloned()).collect();
        let ready = self.phase == "Running" && statuses.iter().all(|s| s.ready);
        let condition = |type_: &str, ok: bool| PodCondition {
            type_: type_.to_owned(),
            status: if ok { "True" } else { "False" }.to_owned(),
            ..PodCondition::default()
        };
        let mut metadata = meta(&self.name, &self.labels);
        metadata.namespace = Some(self.namespace.clone());
        Pod {
            metadata,
            spec: Some(PodSpec {
                containers: self
                    .containers
                    .iter()
                    .map(|(name, image)| Container { name: name.clone(), image: Some(image.clone()), ..Container::default() })
                    .collect(),
                node_name: Some(self.node.clone()),
                ..PodSpec::default()
            }),
            status: Some(PodStatus {
                phase: Some(self.phase.clone()),
                conditions: Some(vec![condition("PodScheduled", true), condition("ContainersReady", ready), condition("Ready", ready)]),
                container_statuses: Some(statuses),
                host_ip: Some("10.0.0.5".to_owned()),
                pod_ip: Some("10.244.0.12".to_owned()),
                start_time: Some(Time(Timestamp::now())),
                ..PodStatus::default()
            }),
        }
    }
}

fn terminated(reason: &str, exit_code: i32) -> ContainerState {
    ContainerState {
        terminated: Some(ContainerStateTerminated { reason: Some(reason.to_owned()), exit_code, ..ContainerStateTerminated::default() }),
        ..ContainerState::default()
    }
}

/// A deployment under construction: settled with all replicas available unless told otherwise.
#[derive(Debug, Clone)]
pub struct FakeDeployment {
    deployment: Deployment,
}

/// Deployment `name` in `default` (label `app=name`, container `web`), all `replicas` available.
pub fn deployment(name: &str, replicas: i32) -> FakeDeployment {
    let labels = BTreeMap::from([("app".to_owned(), name.to_owned())]);
    let mut metadata = meta(name, &labels);
    metadata.generation = Some(1);
    let condition = |type_: &str, reason: &str, message: &str| DeploymentCondition {
        type_: type_.to_owned(),
        status: "True".to_owned(),
        reason: Some(reason.to_owned()),
        message: Some(message.to_owned()),
        ..DeploymentCondition::default()
    };
    let deployment = Deployment {
        metadata,
        spec: Some(DeploymentSpec {
            replicas: Some(replicas),
            selector: LabelSelector { match_labels: Some(labels.clone()), ..LabelSelector::default() },
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta { labels: Some(labels), ..ObjectMeta::default() }),
                spec: Some(PodSpec {
                    containers: vec![Container { name: "web".to_owned(), image: Some("nerf/web:1.4.2".to_owned()), ..Container::default() }],
                    ..PodSpec::default()
                }),
            },
            ..DeploymentSpec::default()
        }),
        status: Some(DeploymentStatus {
            replicas: Some(replicas),
            updated_replicas: Some(replicas),
            ready_replicas: Some(replicas),
            available_replicas: Some(replicas),
            observed_generation: Some(1),
            conditions: Some(vec![
                condition("Available", "MinimumReplicasAvailable", "Deployment has minimum availability."),
                condition("Progressing", "NewReplicaSetAvailable", &format!("ReplicaSet \"{name}-5d8f7\" has successfully progressed.")),
            ]),
            ..DeploymentStatus::default()
        }),
    };
    FakeDeployment { deployment }
}

impl FakeDeployment {
    fn status(&mut self) -> &mut DeploymentStatus {
        self.deployment.status.get_or_insert_with(DeploymentStatus::default)
    }

    /// Replica counts in status; `unavailable` follows from desired − available.
    pub fn replicas(mut self, updated: i32, ready: i32, available: i32) -> Self {
        let desired = self.deployment.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
        let status = self.status();
        status.updated_replicas = Some(updated);
        status.ready_replicas = Some(ready);
        status.available_replicas = Some(available);
        status.unavailable_replicas = (desired > available).then_some(desired - available);
        self
    }

    pub fn generation(mut self, generation: i64, observed: i64) -> Self {
        self.deployment.metadata.generation = Some(generation);
        self.status().observed_generation = Some(observed);
        self
    }

    /// Progressing=False with reason `ProgressDeadlineExceeded`, as after `progressDeadlineSeconds`.
    pub fn progress_deadline_exceeded(mut self) -> Self {
        let name = self.deployment.metadata.name.clone().unwrap_or_default();
        if let Some(conditions) = self.status().conditions.as_mut() {
            for c in conditions.iter_mut().filter(|c| c.type_ == "Progressing") {
                c.status = "False".to_owned();
                c.reason = Some("ProgressDeadlineExceeded".to_owned());
                c.message = Some(format!("ReplicaSet \"{name}-7c9d4\" has timed out progressing."));
            }
        }
        self
    }

    /// Limits and requests of container `web`.
    pub fn resources(mut self, limits: &[(&str, &str)], requests: &[(&str, &str)]) -> Self {
        let map = |pairs: &[(&str, &str)]| {
            (!pairs.is_empty()).then(|| pairs.iter().map(|(k, v)| ((*k).to_owned(), Quantity((*v).to_owned()))).collect())
        };
        if let Some(container) =
            self.deployment.spec.as_mut().and_then(|s| s.template.spec.as_mut()).and_then(|p| p.containers.first_mut())
        {
            container.resources =
                Some(ResourceRequirements { limits: map(limits), requests: map(requests), ..ResourceRequirements::default() });
        }
        self
    }

    pub fn build(self) -> Deployment {
        self.deployment
    }
}

/// An event of `type_` (`Warning`/`Normal`) about `kind/name`, seen `count` times, last at `last_seen`.
pub fn event(type_: &str, kind: &str, name: &str, reason: &str, message: &str, count: i32, last_seen: Timestamp) -> Event {
    Event {
        metadata: ObjectMeta {
            name: Some(format!("{name}.{}.{}", reason.to_lowercase(), last_seen.as_millisecond())),
            namespace: Some("default".to_owned()),
            ..ObjectMeta::default()
        },
        involved_object: ObjectReference {
            kind: Some(kind.to_owned()),
            name: Some(name.to_owned()),
            namespace: Some("default".to_owned()),
            ..ObjectReference::default()
        },
        type_: Some(type_.to_owned()),
        reason: Some(reason.to_owned()),
        message: Some(message.to_owned()),
        count: Some(count),
        first_timestamp: Some(Time(last_seen)),
        last_timestamp: Some(Time(last_seen)),
        source: Some(EventSource { component: Some("kubelet".to_owned()), host: None }),
        ..Event::default()
    }
}
