//! `HostProbes`: the `Probes` port from this host — HTTP, TLS, Postgres, Redis and disk.
//!
//! One file per probe; each turns its library's errors into `ProbeError`s that are safe to
//! post (no URLs with credentials, no passwords).

mod disk;
mod http;
mod postgres;
mod redis;
mod sanitize;
mod tls;
#[cfg(test)]
mod test_ports;
#[cfg(test)]
mod tls_tests;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use firebreak_commands::diagnostics::facts::{DiskFacts, HttpFacts, PostgresFacts, RedisFacts, TlsFacts};
use firebreak_commands::diagnostics::{ProbeError, Probes};

/// Reads an environment variable; injectable so tests need not mutate the process environment.
type EnvLookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Probes run from the bot's own host.
#[derive(Clone)]
pub struct HostProbes {
    env: EnvLookup,
    http: http::HttpClient,
}

impl std::fmt::Debug for HostProbes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HostProbes { .. }")
    }
}

impl Default for HostProbes {
    fn default() -> Self {
        Self::new()
    }
}

impl HostProbes {
    /// Probes reading database URLs from the process environment.
    pub fn new() -> Self {
        Self::with_env(|name| std::env::var(name).ok())
    }

    /// Probes reading database URLs through `lookup` instead of the process environment.
    pub fn with_env(lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> Self {
        Self { env: Arc::new(lookup), http: http::HttpClient::new() }
    }

    /// The URL in environment variable `name`, or why there is none.
    fn url_from_env(&self, name: &str) -> Result<String, ProbeError> {
        match (self.env)(name) {
            Some(url) if !url.trim().is_empty() => Ok(url),
            _ => Err(ProbeError::NotConfigured(format!("environment variable {name} is not set"))),
        }
    }
}

#[async_trait]
impl Probes for HostProbes {
    async fn http_get(&self, url: &str, timeout: Duration) -> Result<HttpFacts, ProbeError> {
        self.http.get(url, timeout).await
    }

    async fn tls_certificate(&self, host: &str, port: u16, timeout: Duration) -> Result<TlsFacts, ProbeError> {
        tls::leaf_certificate(host, port, timeout).await
    }

    async fn postgres(&self, url_env: &str, timeout: Duration) -> Result<PostgresFacts, ProbeError> {
        postgres::probe(&self.url_from_env(url_env)?, url_env, timeout).await
    }

    async fn redis(&self, url_env: &str, timeout: Duration) -> Result<RedisFacts, ProbeError> {
        redis::probe(&self.url_from_env(url_env)?, url_env, timeout).await
    }

    async fn disk(&self, path: &str) -> Result<DiskFacts, ProbeError> {
        disk::usage(path).await
    }
}
