//! Logging setup: readable lines by default, JSON with `FIREBREAK_LOG_FORMAT=json`.
//!
//! Log lines carry ids and outcomes, never tokens, secrets or message text; secrets are wrapped
//! in `config::Secret`, which cannot print.

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber; `RUST_LOG` overrides the default `info` level.
pub fn init(json: bool) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    let result = if json { builder.json().flatten_event(true).try_init() } else { builder.try_init() };
    if result.is_err() {
        tracing::debug!("a tracing subscriber was already installed");
    }
}
