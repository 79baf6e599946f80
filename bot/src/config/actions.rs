//! The `[[runbooks.actions]]` tables of `firebreak.toml`: one struct per action kind, validated
//! into `RunbookAction`s (target + approval policy) with errors that name the field.

use std::collections::BTreeMap;

use firebreak_commands::ids::SlackUserId;
use firebreak_commands::remediation::policy::ApprovalPolicy;
use firebreak_commands::remediation::spec::{ActionSpec, ActionTarget};
use firebreak_commands::remediation::RunbookAction;
use firebreak_commands::severity::Severity;
use serde::Deserialize;

use super::checks::{container_name, dns_name, field, namespace, FieldError};

fn default_namespace() -> String {
    "default".to_owned()
}

/// An action as written: `kind` plus the kind's fields, and who may approve it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionConfig {
    pub name: String,
    pub kind: String,
    #[serde(default = "default_namespace")]
    pub namespace: String,
    pub deployment: Option<String>,
    pub replicas: Option<u32>,
    pub container: Option<String>,
    #[serde(default)]
    pub limits: BTreeMap<String, String>,
    #[serde(default)]
    pub requests: BTreeMap<String, String>,
    pub configmap: Option<String>,
    pub enabled: Option<bool>,
    pub compose_service: Option<String>,
    pub compose_project: Option<String>,
    /// `statuspage_incident`: the page, the variable holding the API key, and what is posted.
    pub page_id: Option<String>,
    pub token_env: Option<String>,
    pub incident_name: Option<String>,
    pub status: Option<String>,
    pub body: Option<String>,
    /// Slack user ids allowed to approve. None → the action can never run (fail-closed).
    #[serde(default)]
    pub approvers: Vec<String>,
    /// Slack user group ids (`S…`) whose members may approve.
    #[serde(default)]
    pub approver_groups: Vec<String>,
    /// Severities where the requester may not approve their own request (default sev1, sev2).
    pub two_person_rule: Option<Vec<String>>,
    pub max_runs_per_incident: Option<u32>,
    pub max_runs_per_hour: Option<u32>,
}

/// A field that must be present.
fn required(value: Option<String>, name: &str) -> Result<String, FieldError> {
    value.ok_or_else(|| field(name, "missing"))
}

fn required_name(value: Option<String>, name: &str) -> Result<String, FieldError> {
    let value = required(value, name)?;
    if dns_name(&value, 253, true) { Ok(value) } else { Err(field(name, format!("`{value}` is not a Kubernetes object name"))) }
}

/// Kubernetes quantities such as `2`, `500m`, `4Gi`: digits, an optional fraction, a unit.
fn quantities(map: BTreeMap<String, String>, name: &str) -> Result<BTreeMap<String, String>, FieldError> {
    for (resource, quantity) in &map {
        let known = matches!(resource.as_str(), "cpu" | "memory" | "ephemeral-storage" | "nvidia.com/gpu");
        let digits = quantity.trim_end_matches(|c: char| c.is_ascii_alphabetic());
        let unit = &quantity[digits.len()..];
        let valid = !digits.is_empty()
            && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
            && ["", "m", "k", "M", "G", "T", "Ki", "Mi", "Gi", "Ti"].contains(&unit);
        if !known || !valid {
            return Err(field(&format!("{name}.{resource}"), format!("`{quantity}` is not a quantity of a known resource (cpu, memory…)")));
        }
    }
    Ok(map)
}

impl ActionConfig {
    fn target(&mut self) -> Result<ActionTarget, FieldError> {
        let namespace = namespace(&self.namespace)?;
        let deployment = || required_name(self.deployment.clone(), "deployment");
        Ok(match self.kind.as_str() {
            "k8s_rollout_restart" => ActionTarget::K8sRolloutRestart { namespace, deployment: deployment()? },
            "k8s_rollout_undo" => ActionTarget::K8sRolloutUndo { namespace, deployment: deployment()? },
            "k8s_scale" => {
                let replicas = self.replicas.ok_or_else(|| field("replicas", "missing"))?;
                if replicas > 100 {
                    return Err(field("replicas", "use 0 to 100"));
                }
                ActionTarget::K8sScale { namespace, deployment: deployment()?, replicas }
            }
            "k8s_set_resources" => {
                let limits = quantities(std::mem::take(&mut self.limits), "limits")?;
                let requests = quantities(std::mem::take(&mut self.requests), "requests")?;
                if limits.is_empty() && requests.is_empty() {
                    return Err(field("limits", "give limits and/or requests"));
                }
                ActionTarget::K8sSetResources { namespace, deployment: deployment()?, container: container_name(&required(self.container.clone(), "container")?, "container")?, limits, requests }
            }
            "maintenance_mode" => ActionTarget::MaintenanceMode {
                namespace,
                configmap: required_name(self.configmap.clone().or_else(|| Some("maintenance-mode".into())), "configmap")?,
                enabled: self.enabled.unwrap_or(true),
            },
            "docker_restart" => ActionTarget::DockerRestart { container: container_name(&required(self.container.clone(), "container")?, "container")? },
            "compose_restart" => ActionTarget::ComposeRestart {
                project: self.compose_project.as_deref().map(|p| container_name(p, "compose_project")).transpose()?,
                service: container_name(&required(self.compose_service.clone(), "compose_service")?, "compose_service")?,
            },
            "statuspage_incident" => super::statuspage::target(super::statuspage::Fields {
                page_id: self.page_id.take(),
                token_env: self.token_env.take(),
                incident_name: self.incident_name.take(),
                status: self.status.take(),
                body: self.body.take(),
            })?,
            other => {
                let shown = if other.is_empty() { "missing".to_owned() } else { format!("`{other}` is unknown") };
                return Err(field("kind", format!("{shown}; one of {}", ActionTarget::KINDS.join(", "))));
            }
        })
    }

    fn policy(&self) -> Result<ApprovalPolicy, FieldError> {
        let mut approvers = Vec::new();
        for (i, text) in self.approvers.iter().enumerate() {
            approvers.push(SlackUserId::parse(text).ok_or_else(|| field(&format!("approvers[{i}]"), format!("`{text}` is not a Slack user id (U…)")))?);
        }
        let two_person_severities = match &self.two_person_rule {
            None => ApprovalPolicy::default().two_person_severities,
            Some(list) => list
                .iter()
                .map(|s| Severity::parse(s).ok_or_else(|| field("two_person_rule", format!("`{s}` is not sev1..sev4"))))
                .collect::<Result<_, _>>()?,
        };
        for (i, group) in self.approver_groups.iter().enumerate() {
            let valid = group.len() >= 2 && group.starts_with('S') && group.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
            if !valid {
                return Err(field(&format!("approver_groups[{i}]"), format!("`{group}` is not a Slack user group id (S…)")));
            }
        }
        Ok(ApprovalPolicy {
            approvers,
            approver_groups: self.approver_groups.clone(),
            two_person_severities,
            max_runs_per_incident: self.max_runs_per_incident,
            max_runs_per_hour: self.max_runs_per_hour,
        })
    }

    /// Validates the action, or names the field that is wrong.
    pub fn into_action(mut self) -> Result<RunbookAction, FieldError> {
        if self.name.trim().is_empty() || self.name.len() > 64 || self.name.contains(char::is_whitespace) {
            return Err(field("name", "give the action a name of 1 to 64 characters without spaces (used in `/incident fix <name>`)"));
        }
        let target = self.target()?;
        let policy = self.policy()?;
        Ok(RunbookAction { spec: ActionSpec { name: self.name, target }, policy })
    }
}
