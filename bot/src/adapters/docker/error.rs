//! Bollard and socket errors turned into `ProbeError`s that are safe to post.

use std::io;

use bollard::errors::Error;
use firebreak_commands::diagnostics::ProbeError;

/// The first I/O error in the cause chain, if any (hyper wraps socket errors a few levels deep).
/// Shared with the remediation adapter's classifier.
pub(crate) fn io_kind(error: &(dyn std::error::Error + 'static)) -> Option<io::ErrorKind> {
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(io) = e.downcast_ref::<io::Error>() {
            return Some(io.kind());
        }
        current = e.source();
    }
    None
}

/// Maps an I/O error talking to the engine at `endpoint`.
pub(super) fn from_io(error: &io::Error, endpoint: &str) -> ProbeError {
    from_kind(Some(error.kind()), endpoint, &error.to_string())
}

fn from_kind(kind: Option<io::ErrorKind>, endpoint: &str, text: &str) -> ProbeError {
    match kind {
        Some(io::ErrorKind::PermissionDenied) => {
            ProbeError::Forbidden(format!("permission denied on the Docker socket {endpoint}"))
        }
        Some(_) => ProbeError::Unreachable(format!("Docker engine not reachable at {endpoint}")),
        None => ProbeError::Failed(format!("Docker engine error: {text}")),
    }
}

/// Maps a bollard error; `what` names the object asked about (for 404s).
pub(super) fn from_bollard(error: &Error, endpoint: &str, what: &str) -> ProbeError {
    match error {
        Error::DockerResponseServerError { status_code: 404, .. } => ProbeError::NotFound(what.to_owned()),
        Error::DockerResponseServerError { status_code: 401 | 403, message } => {
            ProbeError::Forbidden(format!("Docker engine refused: {message}"))
        }
        Error::DockerResponseServerError { status_code, message } => {
            ProbeError::Failed(format!("Docker engine answered {status_code}: {message}"))
        }
        Error::SocketNotFoundError(_) => ProbeError::Unreachable(format!("Docker engine not reachable at {endpoint}")),
        Error::IOError { err } => from_io(err, endpoint),
        Error::RequestTimeoutError => ProbeError::Unreachable(format!("Docker engine at {endpoint} timed out")),
        other => match io_kind(other) {
            Some(kind) => from_kind(Some(kind), endpoint, ""),
            None if matches!(other, Error::HyperLegacyError { .. }) => {
                ProbeError::Unreachable(format!("Docker engine not reachable at {endpoint}"))
            }
            None => ProbeError::Failed(format!("Docker engine error: {other}")),
        },
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
}
