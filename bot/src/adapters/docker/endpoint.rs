//! Where the engine listens, from `DOCKER_HOST` (`unix://…`, `tcp://…`) or the local socket.

use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Endpoint {
    Unix(PathBuf),
    Tcp(String),
}

/// The local socket Docker listens on by default.
pub(super) const DEFAULT_SOCKET: &str = "/var/run/docker.sock";

impl Endpoint {
    pub(super) fn parse(host: Option<&str>) -> Self {
        match host.map(str::trim).filter(|h| !h.is_empty()) {
            None => Self::Unix(PathBuf::from(DEFAULT_SOCKET)),
            Some(host) => match host.split_once("://") {
                Some(("unix", path)) => Self::Unix(PathBuf::from(path)),
                Some((_, address)) => Self::Tcp(address.trim_end_matches('/').to_owned()),
                None => Self::Tcp(host.to_owned()),
            },
        }
    }
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unix(path) => write!(f, "unix://{}", path.display()),
            Self::Tcp(address) => write!(f, "tcp://{address}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_host_spellings_parse() {
        assert_eq!(Endpoint::parse(None), Endpoint::Unix(PathBuf::from(DEFAULT_SOCKET)));
        assert_eq!(Endpoint::parse(Some("unix:///run/d.sock")), Endpoint::Unix(PathBuf::from("/run/d.sock")));
        assert_eq!(Endpoint::parse(Some("tcp://10.0.0.1:2375/")), Endpoint::Tcp("10.0.0.1:2375".into()));
    }
}
