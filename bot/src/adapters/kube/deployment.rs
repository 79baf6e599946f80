//! `Deployment` objects as `DeploymentFacts`.

use std::collections::BTreeMap;

use firebreak_commands::diagnostics::facts::{ContainerResources, DeploymentFacts};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Container;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

fn count(value: Option<i32>) -> u32 {
    value.and_then(|v| u32::try_from(v).ok()).unwrap_or(0)
}

fn quantities(map: Option<&BTreeMap<String, Quantity>>) -> BTreeMap<String, String> {
    map.map(|m| m.iter().map(|(k, v)| (k.clone(), v.0.clone())).collect()).unwrap_or_default()
}

fn resources(container: &Container) -> ContainerResources {
    let res = container.resources.as_ref();
    ContainerResources {
        name: container.name.clone(),
        image: container.image.clone().unwrap_or_default(),
        limits: quantities(res.and_then(|r| r.limits.as_ref())),
        requests: quantities(res.and_then(|r| r.requests.as_ref())),
    }
}

pub(super) fn facts(deployment: &Deployment) -> DeploymentFacts {
    let spec = deployment.spec.as_ref();
    let status = deployment.status.as_ref();
    let conditions = status
        .and_then(|s| s.conditions.as_ref())
        .map(|cs| {
            cs.iter()
                .map(|c| {
                    (c.type_.clone(), (c.status.clone(), c.reason.clone().unwrap_or_default(), c.message.clone().unwrap_or_default()))
                })
                .collect()
        })
        .unwrap_or_default();
    DeploymentFacts {
        name: deployment.metadata.name.clone().unwrap_or_default(),
        // The API server defaults spec.replicas to 1.
        desired: spec.and_then(|s| s.replicas).map_or(1, |r| u32::try_from(r).unwrap_or(0)),
        updated: count(status.and_then(|s| s.updated_replicas)),
        ready: count(status.and_then(|s| s.ready_replicas)),
        available: count(status.and_then(|s| s.available_replicas)),
        unavailable: count(status.and_then(|s| s.unavailable_replicas)),
        generation: deployment.metadata.generation.unwrap_or(0),
        observed_generation: status.and_then(|s| s.observed_generation).unwrap_or(0),
        paused: spec.and_then(|s| s.paused).unwrap_or(false),
        conditions,
        containers: spec
            .and_then(|s| s.template.spec.as_ref())
            .map(|pod| pod.containers.iter().map(resources).collect())
            .unwrap_or_default(),
    }
}
