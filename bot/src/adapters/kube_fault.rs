//! kube-rs errors sorted once into a [`KubeFault`] an operator can act on (which object is
//! missing, which RBAC rule to grant, the API's own words when it refuses a change), worded
//! for diagnostics in `kube::errors` and for remediations in `kube_actions::errors`. No URLs or
//! credentials: only the innermost cause's text.

use crate::adapters::kube_client::root_cause;

/// What was being attempted: `get deployments api in namespace default`.
#[derive(Debug, Clone, Copy)]
pub struct ApiCall<'a> {
    pub verb: &'a str,
    pub resource: &'a str,
    pub namespace: &'a str,
    pub name: Option<&'a str>,
}

impl<'a> ApiCall<'a> {
    pub fn new(verb: &'a str, resource: &'a str, namespace: &'a str, name: Option<&'a str>) -> Self {
        Self { verb, resource, namespace, name }
    }

    /// `deployments api in namespace default`.
    pub fn what(&self) -> String {
        match self.name {
            Some(name) => format!("{} {name} in namespace {}", self.resource, self.namespace),
            None => format!("{} in namespace {}", self.resource, self.namespace),
        }
    }

    /// `get deployments api in namespace default`.
    pub fn describe(&self) -> String {
        format!("{} {}", self.verb, self.what())
    }
}

/// What went wrong, with messages that are safe to post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KubeFault {
    /// 404: the message names the object.
    NotFound(String),
    /// 401 or 403 (RBAC): the message says what to grant.
    Forbidden(String),
    /// 400/409/422: the API refused the change; `message` is its own words, `described` the
    /// neutral sentence for callers that change nothing.
    Refused { message: String, described: String },
    /// The API server did not answer.
    Unreachable(String),
    Failed(String),
}

/// Sorts `error` from attempting `call`.
pub fn classify(error: &::kube::Error, call: ApiCall<'_>) -> KubeFault {
    match error {
        ::kube::Error::Api(status) => {
            let answered = format!("the Kubernetes API answered {} {} to {}", status.code, status.reason, call.describe());
            match status.code {
                404 => KubeFault::NotFound(call.what()),
                401 => KubeFault::Forbidden(format!(
                    "the Kubernetes API rejected Firebreak's credentials (401) trying to {}",
                    call.describe()
                )),
                403 => KubeFault::Forbidden(format!(
                    "RBAC denies Firebreak `{}` on `{}` in namespace {} (grant verb {} on resource {})",
                    call.verb, call.resource, call.namespace, call.verb, call.resource
                )),
                400 | 409 | 422 => KubeFault::Refused { message: status.message.clone(), described: answered },
                _ => KubeFault::Failed(answered),
            }
        }
        ::kube::Error::HyperError(_) | ::kube::Error::Service(_) => {
            KubeFault::Unreachable(format!("Kubernetes API did not answer ({}) to {}", root_cause(error), call.describe()))
        }
        _ => KubeFault::Failed(format!("could not {}: {}", call.describe(), root_cause(error))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::kube::core::Status;

    fn api_error(code: u16, reason: &str, message: &str) -> ::kube::Error {
        let status = Status { code, reason: reason.to_owned(), message: message.to_owned(), ..Status::default() };
        ::kube::Error::Api(status.boxed())
    }

    #[test]
    fn api_statuses_become_faults_that_say_what_to_do() {
        let call = ApiCall::new("patch", "deployments", "prod", Some("api"));
        assert_eq!(classify(&api_error(404, "NotFound", "x"), call), KubeFault::NotFound("deployments api in namespace prod".into()));
        let KubeFault::Forbidden(rbac) = classify(&api_error(403, "Forbidden", "x"), call) else { panic!("403 is forbidden") };
        assert!(rbac.contains("grant verb patch on resource deployments"), "{rbac}");
        let refused = classify(&api_error(422, "Invalid", "spec.replicas: must be >= 0"), call);
        assert_eq!(
            refused,
            KubeFault::Refused {
                message: "spec.replicas: must be >= 0".into(),
                described: "the Kubernetes API answered 422 Invalid to patch deployments api in namespace prod".into()
            }
        );
        let KubeFault::Failed(other) = classify(&api_error(500, "InternalError", "x"), call) else { panic!("500 is a failure") };
        assert!(other.starts_with("the Kubernetes API answered 500"), "{other}");
    }
}
