//! Which containers an action targets: one by name, or a compose service's containers
//! (as `docker compose restart` picks them: service and project labels, not one-off runs).

use std::collections::HashMap;

use bollard::models::ContainerSummary;
use firebreak_commands::remediation::ActionTarget;

pub(super) const SERVICE_LABEL: &str = "com.docker.compose.service";
pub(super) const PROJECT_LABEL: &str = "com.docker.compose.project";
pub(super) const ONEOFF_LABEL: &str = "com.docker.compose.oneoff";

/// What an action selects, or `None` for targets that are not Docker actions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Selection {
    /// Exactly this container (name or id).
    Container(String),
    /// The containers carrying these label filters (`key=value`).
    Compose { labels: Vec<String>, describe: String },
}

impl Selection {
    pub(super) fn of(target: &ActionTarget) -> Option<Self> {
        match target {
            ActionTarget::DockerRestart { container } => Some(Self::Container(container.clone())),
            ActionTarget::ComposeRestart { project, service } => {
                let mut labels = vec![format!("{SERVICE_LABEL}={service}")];
                labels.extend(project.iter().map(|p| format!("{PROJECT_LABEL}={p}")));
                let describe = match project {
                    Some(project) => format!("compose service {service} of project {project}"),
                    None => format!("compose service {service}"),
                };
                Some(Self::Compose { labels, describe })
            }
            _ => None,
        }
    }

    /// The `list_containers` filters for a compose selection.
    pub(super) fn filters(labels: &[String]) -> HashMap<String, Vec<String>> {
        HashMap::from([("label".to_owned(), labels.to_vec())])
    }
}

/// A one-off container (`docker compose run`), which `docker compose restart` leaves alone.
fn is_oneoff(summary: &ContainerSummary) -> bool {
    summary
        .labels
        .as_ref()
        .and_then(|labels| labels.get(ONEOFF_LABEL))
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

/// The names of the service containers among `summaries`, sorted, one-off runs left out.
pub(super) fn service_containers(summaries: &[ContainerSummary]) -> Vec<String> {
    let mut names: Vec<String> = summaries
        .iter()
        .filter(|s| !is_oneoff(s))
        .filter_map(|s| {
            let name = s.names.as_ref().and_then(|n| n.first()).map(|n| n.trim_start_matches('/').to_owned());
            name.or_else(|| s.id.clone())
        })
        .collect();
    names.sort();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(name: &str, oneoff: Option<&str>) -> ContainerSummary {
        let labels = oneoff.map(|v| HashMap::from([(ONEOFF_LABEL.to_owned(), v.to_owned())]));
        ContainerSummary { names: Some(vec![format!("/{name}")]), labels, ..ContainerSummary::default() }
    }

    #[test]
    fn compose_selection_filters_by_service_and_project_and_skips_oneoffs() {
        let target = ActionTarget::ComposeRestart { project: Some("shop".into()), service: "api".into() };
        let Some(Selection::Compose { labels, .. }) = Selection::of(&target) else { panic!("not compose") };
        assert_eq!(labels, ["com.docker.compose.service=api", "com.docker.compose.project=shop"]);
        let found = [summary("b", Some("False")), summary("run", Some("True")), summary("a", None)];
        assert_eq!(service_containers(&found), ["a", "b"]);
        let k8s = ActionTarget::K8sRolloutUndo { namespace: "n".into(), deployment: "d".into() };
        assert_eq!(Selection::of(&k8s), None);
    }
}
