//! Bollard and socket errors sorted once into an [`EngineFault`], then worded for diagnostics
//! (`ProbeError`) here and for remediations (`ActionError`) in `docker_actions`.

use std::io;

use bollard::errors::Error;
use firebreak_commands::diagnostics::ProbeError;

/// What went wrong talking to a Docker engine, with messages that are safe to post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum EngineFault {
    /// 404: the object asked about does not exist.
    NotFound,
    /// 401/403 or a socket we may not open.
    Forbidden(String),
    /// 409: the engine refused the change in the object's current state.
    Conflict(String),
    /// The engine did not answer (no socket, refused, timed out).
    Unreachable(String),
    /// Anything else, described.
    Failed(String),
}

/// The first I/O error in the cause chain, if any (hyper wraps socket errors a few levels deep).
fn io_kind(error: &(dyn std::error::Error + 'static)) -> Option<io::ErrorKind> {
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(io) = e.downcast_ref::<io::Error>() {
            return Some(io.kind());
        }
        current = e.source();
    }
    None
}

fn from_io_kind(kind: io::ErrorKind, endpoint: &str) -> EngineFault {
    match kind {
        io::ErrorKind::PermissionDenied => EngineFault::Forbidden(format!("permission denied on the Docker socket {endpoint}")),
        _ => EngineFault::Unreachable(format!("Docker engine not reachable at {endpoint}")),
    }
}

/// Sorts a bollard error from the engine at `endpoint`.
pub(crate) fn classify(error: &Error, endpoint: &str) -> EngineFault {
    match error {
        Error::DockerResponseServerError { status_code: 404, .. } => EngineFault::NotFound,
        Error::DockerResponseServerError { status_code: 401 | 403, message } => {
            EngineFault::Forbidden(format!("Docker engine refused: {message}"))
        }
        Error::DockerResponseServerError { status_code: 409, message } => EngineFault::Conflict(message.clone()),
        Error::DockerResponseServerError { status_code, message } => {
            EngineFault::Failed(format!("Docker engine answered {status_code}: {message}"))
        }
        Error::SocketNotFoundError(_) => EngineFault::Unreachable(format!("Docker engine not reachable at {endpoint}")),
        Error::IOError { err } => from_io_kind(err.kind(), endpoint),
        Error::RequestTimeoutError => EngineFault::Unreachable(format!("Docker engine at {endpoint} timed out")),
        other => match io_kind(other) {
            Some(kind) => from_io_kind(kind, endpoint),
            None if matches!(other, Error::HyperLegacyError { .. }) => {
                EngineFault::Unreachable(format!("Docker engine not reachable at {endpoint}"))
            }
            None => EngineFault::Failed(format!("Docker engine error: {other}")),
        },
    }
}

/// Maps a bollard error for diagnostics; `what` names the object asked about (for 404s).
pub(super) fn from_bollard(error: &Error, endpoint: &str, what: &str) -> ProbeError {
    to_probe(classify(error, endpoint), what)
}

fn to_probe(fault: EngineFault, what: &str) -> ProbeError {
    match fault {
        EngineFault::NotFound => ProbeError::NotFound(what.to_owned()),
        EngineFault::Forbidden(m) => ProbeError::Forbidden(m),
        EngineFault::Unreachable(m) => ProbeError::Unreachable(m),
        // A diagnostic changes nothing, so a conflict is just a failure to read.
        EngineFault::Conflict(m) => ProbeError::Failed(format!("Docker engine answered 409: {m}")),
        EngineFault::Failed(m) => ProbeError::Failed(m),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes_and_socket_errors_map_to_probe_errors() {
        let not_found = Error::DockerResponseServerError { status_code: 404, message: "No such container: x".into() };
        assert_eq!(from_bollard(&not_found, "unix:///s", "x"), ProbeError::NotFound("x".into()));
        let denied = Error::IOError { err: io::Error::from(io::ErrorKind::PermissionDenied) };
        assert!(matches!(from_bollard(&denied, "unix:///s", "x"), ProbeError::Forbidden(_)));
        let refused = Error::IOError { err: io::Error::from(io::ErrorKind::ConnectionRefused) };
        assert_eq!(from_bollard(&refused, "unix:///s", "x"), ProbeError::Unreachable("Docker engine not reachable at unix:///s".into()));
    }

    #[test]
    fn an_io_error_deep_in_the_cause_chain_is_found() {
        #[derive(Debug)]
        struct Wrapper(io::Error);
        impl std::fmt::Display for Wrapper {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("wrapped")
            }
        }
        impl std::error::Error for Wrapper {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let wrapped = Wrapper(io::Error::from(io::ErrorKind::PermissionDenied));
        assert_eq!(io_kind(&wrapped), Some(io::ErrorKind::PermissionDenied));
    }
}
