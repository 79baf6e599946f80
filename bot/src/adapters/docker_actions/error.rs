//! Docker engine faults (sorted by `docker::error::classify`) worded as `ActionError`s.

use bollard::errors::Error;
use firebreak_commands::diagnostics::ProbeError;
use firebreak_commands::remediation::ActionError;

use crate::adapters::docker::error::{classify, EngineFault};
use crate::adapters::unanswered::{never_sent, write_unanswered};

/// Maps a bollard error for a remediation; `what` names the container asked about.
pub(super) fn from_bollard(error: &Error, endpoint: &str, what: &str) -> ActionError {
    match classify(error, endpoint) {
        EngineFault::NotFound => ActionError::NotFound(format!("container {what}")),
        EngineFault::Forbidden(m) => ActionError::Forbidden(m),
        EngineFault::Conflict(m) => ActionError::Refused(format!("Docker engine refused {what}: {m}")),
        EngineFault::Unreachable(m) => ActionError::Unreachable(m),
        EngineFault::Failed(m) => ActionError::Failed(format!("{m} (container {what})")),
    }
}

/// Maps the error of a restart (a write): unanswered, it may have been carried out unless the
/// engine's socket refused the connection.
pub(super) fn from_bollard_write(error: &Error, endpoint: &str, what: &str) -> ActionError {
    match from_bollard(error, endpoint, what) {
        ActionError::Unreachable(m) => {
            let sent = match error {
                Error::SocketNotFoundError(_) => false,
                Error::IOError { err } => !never_sent(err),
                other => !never_sent(other),
            };
            write_unanswered(&m, sent)
        }
        other => other,
    }
}

/// Maps a connection error from `DockerHost::docker()`.
pub(super) fn from_probe(error: ProbeError) -> ActionError {
    match error {
        ProbeError::Unreachable(m) => ActionError::Unreachable(m),
        ProbeError::NotFound(m) => ActionError::NotFound(m),
        ProbeError::Forbidden(m) => ActionError::Forbidden(m),
        ProbeError::NotConfigured(m) => ActionError::NotConfigured(m),
        ProbeError::NoDriver => ActionError::Failed("no NVIDIA driver".to_owned()),
        ProbeError::Failed(m) => ActionError::Failed(m),
    }
}

#[cfg(test)]
mod tests {
    use std::io;

    use super::*;

    #[test]
    fn status_codes_and_socket_errors_map_to_action_errors() {
        let not_found = Error::DockerResponseServerError { status_code: 404, message: "No such container: x".into() };
        assert_eq!(from_bollard(&not_found, "unix:///s", "x"), ActionError::NotFound("container x".into()));
        let denied = Error::IOError { err: io::Error::from(io::ErrorKind::PermissionDenied) };
        assert!(matches!(from_bollard(&denied, "unix:///s", "x"), ActionError::Forbidden(_)));
        let refused = Error::IOError { err: io::Error::from(io::ErrorKind::ConnectionRefused) };
        assert_eq!(from_bollard(&refused, "unix:///s", "x"), ActionError::Unreachable("Docker engine not reachable at unix:///s".into()));
        let unsent = from_bollard_write(&refused, "unix:///s", "x");
        assert_eq!(unsent, ActionError::Unreachable("Docker engine not reachable at unix:///s; nothing was changed".into()));
        let cut_off = from_bollard_write(&Error::RequestTimeoutError, "unix:///s", "x");
        assert!(matches!(cut_off, ActionError::Unanswered(m) if m.ends_with("the change may have been made: check the target before requesting it again")));
        let conflict = Error::DockerResponseServerError { status_code: 409, message: "is being removed".into() };
        assert!(matches!(from_bollard(&conflict, "unix:///s", "x"), ActionError::Refused(_)));
        assert_eq!(from_probe(ProbeError::Forbidden("s".into())), ActionError::Forbidden("s".into()));
    }
}
