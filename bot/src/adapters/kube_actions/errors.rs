//! kube-rs errors as `ActionError`s an operator can act on: which object is missing, which RBAC
//! rule to grant, the API's own words when it refuses a change. No URLs or credentials.

use crate::adapters::kube_client::root_cause;
use firebreak_commands::remediation::ActionError;

/// What was being attempted: verb, resource, namespace and name.
#[derive(Debug, Clone, Copy)]
pub(super) struct Attempt<'a> {
    pub verb: &'a str,
    pub resource: &'a str,
    pub namespace: &'a str,
    pub name: Option<&'a str>,
}

impl<'a> Attempt<'a> {
    pub(super) fn new(verb: &'a str, resource: &'a str, namespace: &'a str, name: Option<&'a str>) -> Self {
        Self { verb, resource, namespace, name }
    }

    fn what(&self) -> String {
        match self.name {
            Some(name) => format!("{} {name} in namespace {}", self.resource, self.namespace),
            None => format!("{} in namespace {}", self.resource, self.namespace),
        }
    }
}


pub(super) fn map_error(error: ::kube::Error, attempt: Attempt<'_>) -> ActionError {
    match &error {
        ::kube::Error::Api(status) => match status.code {
            404 => ActionError::NotFound(attempt.what()),
            401 => ActionError::Forbidden(format!(
                "the Kubernetes API rejected Firebreak's credentials (401) trying to {} {}",
                attempt.verb,
                attempt.what()
            )),
            403 => ActionError::Forbidden(format!(
                "RBAC denies Firebreak `{}` on `{}` in namespace {} (grant verb {} on resource {})",
                attempt.verb, attempt.resource, attempt.namespace, attempt.verb, attempt.resource
            )),
            400 | 409 | 422 => ActionError::Refused(status.message.clone()),
            code => ActionError::Failed(format!(
                "the Kubernetes API answered {code} {} to {} {}",
                status.reason,
                attempt.verb,
                attempt.what()
            )),
        },
        ::kube::Error::HyperError(_) | ::kube::Error::Service(_) => ActionError::Unreachable(format!(
            "Kubernetes API did not answer ({}) to {} {}",
            root_cause(&error),
            attempt.verb,
            attempt.what()
        )),
        _ => ActionError::Failed(format!("could not {} {}: {}", attempt.verb, attempt.what(), root_cause(&error))),
    }
}
