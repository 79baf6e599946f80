//! kube-rs errors as `ProbeError`s an operator can act on (which RBAC rule is missing), without
//! secrets or URLs.

use crate::adapters::kube_client::root_cause;
use firebreak_commands::diagnostics::ports::ProbeError;

/// What was being attempted, for messages: `list pods in namespace default`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Action<'a> {
    verb: &'a str,
    resource: &'a str,
    namespace: &'a str,
    name: Option<&'a str>,
}

impl<'a> Action<'a> {
    pub(super) fn new(verb: &'a str, resource: &'a str, namespace: &'a str, name: Option<&'a str>) -> Self {
        Self { verb, resource, namespace, name }
    }

    fn describe(&self) -> String {
        match self.name {
            Some(name) => format!("{} {} {name} in namespace {}", self.verb, self.resource, self.namespace),
            None => format!("{} {} in namespace {}", self.verb, self.resource, self.namespace),
        }
    }

    fn what(&self) -> String {
        match self.name {
            Some(name) => format!("{} {name} in namespace {}", self.resource, self.namespace),
            None => format!("{} in namespace {}", self.resource, self.namespace),
        }
    }
}


pub(super) fn map_error(error: ::kube::Error, action: Action<'_>) -> ProbeError {
    match &error {
        ::kube::Error::Api(status) => match status.code {
            404 => ProbeError::NotFound(action.what()),
            401 => ProbeError::Forbidden(format!(
                "the Kubernetes API rejected Firebreak's credentials (401) trying to {}",
                action.describe()
            )),
            403 => ProbeError::Forbidden(format!(
                "RBAC denies Firebreak `{}` on `{}` in namespace {} (grant verb {} on resource {})",
                action.verb, action.resource, action.namespace, action.verb, action.resource
            )),
            code => ProbeError::Failed(format!(
                "the Kubernetes API answered {code} {} to {}",
                status.reason,
                action.describe()
            )),
        },
        ::kube::Error::HyperError(_) | ::kube::Error::Service(_) => {
            ProbeError::Unreachable(format!("Kubernetes API did not answer ({}) to {}", root_cause(&error), action.describe()))
        }
        _ => ProbeError::Failed(format!("could not {}: {}", action.describe(), root_cause(&error))),
    }
}
