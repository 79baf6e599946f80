//! Bollard, socket and connection errors turned into `ActionError`s that are safe to post.

use std::io;

use bollard::errors::Error;
use firebreak_commands::diagnostics::ProbeError;
use firebreak_commands::remediation::ActionError;

use crate::adapters::docker::error::io_kind;

fn from_io_kind(kind: io::ErrorKind, endpoint: &str) -> ActionError {
    match kind {
        io::ErrorKind::PermissionDenied => ActionError::Forbidden(format!("permission denied on the Docker socket {endpoint}")),
        _ => ActionError::Unreachable(format!("Docker engine not reachable at {endpoint}")),
    }
}

/// Maps a bollard error; `what` names the container asked about (for 404s).
pub(super) fn from_bollard(error: &Error, endpoint: &str, what: &str) -> ActionError {
    match error {
        Error::DockerResponseServerError { status_code: 404, .. } => ActionError::NotFound(format!("container {what}")),
        Error::DockerResponseServerError { status_code: 401 | 403, message } => {
            ActionError::Forbidden(format!("Docker engine refused: {message}"))
        }
        Error::DockerResponseServerError { status_code: 409, message } => {
            ActionError::Refused(format!("Docker engine refused {what}: {message}"))
        }
        Error::DockerResponseServerError { status_code, message } => {
            ActionError::Failed(format!("Docker engine answered {status_code} for {what}: {message}"))
        }
        Error::SocketNotFoundError(_) => ActionError::Unreachable(format!("Docker engine not reachable at {endpoint}")),
        Error::IOError { err } => from_io_kind(err.kind(), endpoint),
        Error::RequestTimeoutError => ActionError::Unreachable(format!("Docker engine at {endpoint} timed out")),
        other => match io_kind(other) {
            Some(kind) => from_io_kind(kind, endpoint),
            None if matches!(other, Error::HyperLegacyError { .. }) => {
                ActionError::Unreachable(format!("Docker engine not reachable at {endpoint}"))
            }
            None => ActionError::Failed(format!("Docker engine error: {other}")),
        },
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
    use super::*;

    #[test]
    fn status_codes_and_socket_errors_map_to_action_errors() {
        let not_found = Error::DockerResponseServerError { status_code: 404, message: "No such container: x".into() };
        assert_eq!(from_bollard(&not_found, "unix:///s", "x"), ActionError::NotFound("container x".into()));
        let denied = Error::IOError { err: io::Error::from(io::ErrorKind::PermissionDenied) };
        assert!(matches!(from_bollard(&denied, "unix:///s", "x"), ActionError::Forbidden(_)));
        let refused = Error::IOError { err: io::Error::from(io::ErrorKind::ConnectionRefused) };
        assert_eq!(from_bollard(&refused, "unix:///s", "x"), ActionError::Unreachable("Docker engine not reachable at unix:///s".into()));
        let conflict = Error::DockerResponseServerError { status_code: 409, message: "is being removed".into() };
        assert!(matches!(from_bollard(&conflict, "unix:///s", "x"), ActionError::Refused(_)));
        assert_eq!(from_probe(ProbeError::Forbidden("s".into())), ActionError::Forbidden("s".into()));
    }
}
