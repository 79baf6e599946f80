//! What an action does and to what. Every target and parameter comes from the runbook; nothing
//! from chat text reaches an API call.

use std::collections::BTreeMap;

/// One action of a runbook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionSpec {
    /// Unique within the runbook; used in `/incident fix <name>` and on buttons.
    pub name: String,
    pub target: ActionTarget,
}

/// The kinds of remediation and their fixed parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionTarget {
    /// `kubectl rollout restart deployment/<deployment>`.
    K8sRolloutRestart { namespace: String, deployment: String },
    /// `kubectl scale deployment <deployment> --replicas=<replicas>`.
    K8sScale { namespace: String, deployment: String, replicas: u32 },
    /// Patch one container's resources (`kubectl patch deployment … resources`).
    K8sSetResources {
        namespace: String,
        deployment: String,
        container: String,
        limits: BTreeMap<String, String>,
        requests: BTreeMap<String, String>,
    },
    /// `kubectl rollout undo deployment/<deployment>` (to the previous revision).
    K8sRolloutUndo { namespace: String, deployment: String },
    /// `kubectl create configmap <name> --from-literal=enabled=<enabled>` (created or updated).
    MaintenanceMode { namespace: String, configmap: String, enabled: bool },
    /// `docker restart <container>`.
    DockerRestart { container: String },
    /// `docker compose restart <service>`: every container of the service.
    ComposeRestart { project: Option<String>, service: String },
    /// `curl -X POST https://api.statuspage.io/v1/pages/<page_id>/incidents`: a public
    /// incident on Atlassian Statuspage. Its text is the runbook's, never the chat's; the API
    /// key is read from the environment variable `token_env`.
    StatusPageIncident { page_id: String, token_env: String, name: String, status: String, body: Option<String> },
}

impl ActionTarget {
    /// The configuration name of the kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::K8sRolloutRestart { .. } => "k8s_rollout_restart",
            Self::K8sScale { .. } => "k8s_scale",
            Self::K8sSetResources { .. } => "k8s_set_resources",
            Self::K8sRolloutUndo { .. } => "k8s_rollout_undo",
            Self::MaintenanceMode { .. } => "maintenance_mode",
            Self::DockerRestart { .. } => "docker_restart",
            Self::ComposeRestart { .. } => "compose_restart",
            Self::StatusPageIncident { .. } => "statuspage_incident",
        }
    }

    /// What will run, in the words of the command it replaces (for the approval card).
    pub fn describe(&self) -> String {
        let resources = |m: &BTreeMap<String, String>| m.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",");
        match self {
            Self::K8sRolloutRestart { namespace, deployment } => format!("kubectl rollout restart deployment/{deployment} -n {namespace}"),
            Self::K8sScale { namespace, deployment, replicas } => format!("kubectl scale deployment/{deployment} --replicas={replicas} -n {namespace}"),
            Self::K8sSetResources { namespace, deployment, container, limits, requests } => format!(
                "kubectl set resources deployment/{deployment} -c {container} --limits={} --requests={} -n {namespace}",
                resources(limits),
                resources(requests)
            ),
            Self::K8sRolloutUndo { namespace, deployment } => format!("kubectl rollout undo deployment/{deployment} -n {namespace}"),
            Self::MaintenanceMode { namespace, configmap, enabled } => {
                format!("kubectl create configmap {configmap} --from-literal=enabled={enabled} -n {namespace} (or update it)")
            }
            Self::DockerRestart { container } => format!("docker restart {container}"),
            Self::ComposeRestart { project, service } => match project {
                Some(project) => format!("docker compose -p {project} restart {service}"),
                None => format!("docker compose restart {service}"),
            },
            // The key's variable, never its value.
            Self::StatusPageIncident { page_id, token_env, name, status, body } => {
                let body = body.as_deref().map(|b| format!(" -d \"incident[body]={b}\"")).unwrap_or_default();
                format!(
                    "curl -X POST https://api.statuspage.io/v1/pages/{page_id}/incidents -H \"Authorization: OAuth ${token_env}\" \
                     -d \"incident[name]={name}\" -d \"incident[status]={status}\"{body}"
                )
            }
        }
    }

    /// Which port carries the action out.
    pub fn executor(&self) -> Executor {
        match self {
            Self::DockerRestart { .. } | Self::ComposeRestart { .. } => Executor::Containers,
            Self::StatusPageIncident { .. } => Executor::StatusPage,
            _ => Executor::Cluster,
        }
    }

    pub const KINDS: [&'static str; 8] = [
        "k8s_rollout_restart", "k8s_scale", "k8s_set_resources", "k8s_rollout_undo", "maintenance_mode", "docker_restart",
        "compose_restart", "statuspage_incident",
    ];
}

/// The port an action runs through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Executor {
    Cluster,
    Containers,
    StatusPage,
}
