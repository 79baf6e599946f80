//! What the console runs on when there is no `firebreak.toml`: a built-in demo configuration
//! whose checks work on any machine, its database, and a listen address on this machine only.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;

use firebreak_commands::settings::Settings;

use crate::config::{Config, ConfigError, FileConfig, Secret};

const DEMO: &str = include_str!("demo.toml");
/// The console keeps its demo incidents apart from a Slack install's `firebreak.db`.
pub const CONSOLE_DATABASE_URL: &str = "sqlite://firebreak-console.db";

/// The demo settings, with the health check pointed at Firebreak's own `/health/live`.
pub fn settings(listen: SocketAddr) -> Result<Settings, ConfigError> {
    let host = match listen.ip() {
        // Listening everywhere: this machine answers on loopback.
        ip if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        ip => ip,
    };
    let text = DEMO.replace("{health_url}", &format!("http://{}/health/live", SocketAddr::new(host, listen.port())));
    let path = Path::new("(built-in console demo)");
    let file: FileConfig = toml::from_str(&text).map_err(|e| ConfigError::Syntax { path: path.display().to_string(), reason: e.to_string() })?;
    file.settings(path)
}

/// Adapts a configuration without Slack credentials to the console: the demo settings when no
/// configuration file was found, its own SQLite file unless `DATABASE_URL` is set, and
/// loopback unless `FIREBREAK_LISTEN` is set (the console has no login).
pub fn prepare(config: &mut Config, env: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
    if env("FIREBREAK_LISTEN").is_none() {
        config.listen = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), config.listen.port());
    }
    if env("DATABASE_URL").is_none() {
        config.database_url = Secret::new(CONSOLE_DATABASE_URL);
    }
    if !config.config_file_found {
        config.settings = settings(config.listen)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(env: &[(&str, &str)]) -> Config {
        let env: Vec<(String, String)> = env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        let lookup = |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        let mut config = Config::from_lookup(lookup).unwrap_or_else(|e| panic!("{e}"));
        prepare(&mut config, lookup).unwrap_or_else(|e| panic!("{e}"));
        config
    }

    #[test]
    fn without_a_file_the_demo_runbook_checks_firebreak_itself() {
        let config = config(&[("FIREBREAK_CONFIG", "/nonexistent/firebreak.toml")]);
        assert_eq!(config.listen.to_string(), "127.0.0.1:3000", "loopback only: the console has no login");
        assert_eq!(config.database_url.expose(), CONSOLE_DATABASE_URL);
        let runbook = config.settings.runbooks.for_title("demo-web returns 502").unwrap_or_else(|| panic!("the demo runbook"));
        let kinds: Vec<&str> = runbook.checks.iter().map(|c| c.target.kind()).collect();
        assert_eq!(kinds, ["http", "disk", "docker_containers", "k8s_deployment"]);
        assert!(format!("{:?}", runbook.checks[0].target).contains("http://127.0.0.1:3000/health/live"));
        assert!(runbook.actions.iter().all(|a| a.policy.approvers.len() == 2), "you and the teammate may approve");
        assert_eq!(config.settings.broadcast_channel.map(|c| c.as_str().to_owned()).as_deref(), Some("C0INCIDENTS"));
    }

    #[test]
    fn what_is_set_is_kept() {
        let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../deploy/config/firebreak.example.toml");
        let config = config(&[("FIREBREAK_CONFIG", example), ("FIREBREAK_LISTEN", "0.0.0.0:8080"), ("DATABASE_URL", "sqlite://mine.db")]);
        assert_eq!(config.listen.to_string(), "0.0.0.0:8080");
        assert_eq!(config.database_url.expose(), "sqlite://mine.db");
        assert!(config.settings.runbooks.by_name("nerf-service-down").is_some(), "a found file is used as is");
    }
}
