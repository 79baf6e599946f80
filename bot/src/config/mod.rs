//! Typed configuration: `firebreak.toml` for behaviour, the environment for secrets and wiring.

mod actions;
mod checks;
#[cfg(test)]
mod docs_tests;
mod escalation;
mod file;
#[cfg(test)]
mod keys;
mod postmortem;
mod runbooks;
mod secret;
mod statuspage;

use std::net::SocketAddr;
use std::path::PathBuf;

use firebreak_commands::settings::Settings;

pub use escalation::PagerSecrets;
pub use file::{ConfigError, FileConfig};
pub use secret::Secret;
pub use statuspage::{StatusPageEnv, DEFAULT_STATUSPAGE_API_URL};

/// Slack credentials; the bot token and signing secret are needed to serve Slack.
#[derive(Debug, Clone)]
pub struct SlackCredentials {
    pub bot_token: Secret,
    pub signing_secret: Secret,
    /// `SLACK_APP_TOKEN` (`xapp-…`): when set, Firebreak also connects through Socket Mode.
    pub app_token: Option<Secret>,
}

/// Everything Firebreak needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub database_url: Secret,
    /// `None` when `SLACK_BOT_TOKEN` / `SLACK_SIGNING_SECRET` are not set.
    pub slack: Option<SlackCredentials>,
    pub slack_api_url: String,
    pub config_path: PathBuf,
    /// Whether `config_path` existed (otherwise defaults are in use).
    pub config_file_found: bool,
    pub settings: Settings,
    pub log_json: bool,
    /// Bearer token the `/incidents/…` read endpoints require; unset disables them.
    pub api_token: Option<Secret>,
    /// Bearer token `POST /hooks/alertmanager` requires; unset refuses every notification.
    pub alertmanager_token: Option<Secret>,
    /// `REDIS_URL`: Slack redeliveries are de-duplicated across replicas through it; unset,
    /// in-process. May carry a password, hence a secret.
    pub redis_url: Option<Secret>,
    /// The pager webhooks' URLs and routing keys, from the variables the escalation levels
    /// name (`webhook_url_env`, `routing_key_env`).
    pub pager_secrets: PagerSecrets,
    /// `statuspage_incident` actions: the API's URL and the keys their `token_env` name.
    pub statuspage: StatusPageEnv,
}

pub const DEFAULT_DATABASE_URL: &str = "sqlite://firebreak.db";
pub const DEFAULT_SLACK_API_URL: &str = "https://slack.com/api";
pub const DEFAULT_LISTEN: &str = "0.0.0.0:3000";

impl Config {
    /// Reads the process environment and the configuration file it names.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
    }

    /// Like [`Config::from_env`] with an injectable environment (tests).
    pub fn from_lookup(env: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let config_path = PathBuf::from(env("FIREBREAK_CONFIG").unwrap_or_else(|| "firebreak.toml".to_owned()));
        let (file, found) = FileConfig::load(&config_path)?;
        let settings = file.settings(&config_path)?;
        let pager_secrets = escalation::pager_secrets(&settings.escalation, &env)
            .map_err(|(field, reason)| ConfigError::Invalid { path: config_path.display().to_string(), field, reason })?;
        let listen_text = env("FIREBREAK_LISTEN").unwrap_or_else(|| DEFAULT_LISTEN.to_owned());
        let listen = listen_text.parse().map_err(|_| ConfigError::Environment {
            name: "FIREBREAK_LISTEN",
            reason: format!("`{listen_text}` is not an address like 0.0.0.0:3000"),
        })?;
        let slack = match (env("SLACK_BOT_TOKEN"), env("SLACK_SIGNING_SECRET")) {
            (Some(token), Some(secret)) => Some(SlackCredentials {
                bot_token: Secret::new(token),
                signing_secret: Secret::new(secret),
                app_token: env("SLACK_APP_TOKEN").map(Secret::new),
            }),
            _ => None,
        };
        let slack_api_url = env("SLACK_API_URL").unwrap_or_else(|| DEFAULT_SLACK_API_URL.to_owned());
        if !(slack_api_url.starts_with("https://") || slack_api_url.starts_with("http://")) {
            return Err(ConfigError::Environment { name: "SLACK_API_URL", reason: "must start with https:// or http://".into() });
        }
        let statuspage = StatusPageEnv::from_lookup(env("STATUSPAGE_API_URL"), &settings.runbooks, &env)
            .map_err(|reason| ConfigError::Environment { name: "STATUSPAGE_API_URL", reason })?;
        let log_json = env("FIREBREAK_LOG_FORMAT").is_some_and(|f| f.eq_ignore_ascii_case("json"));
        Ok(Self {
            listen,
            database_url: Secret::new(env("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned())),
            slack,
            slack_api_url: slack_api_url.trim_end_matches('/').to_owned(),
            config_path,
            config_file_found: found,
            settings,
            log_json,
            api_token: env("FIREBREAK_API_TOKEN").map(Secret::new),
            alertmanager_token: env("ALERTMANAGER_TOKEN").map(Secret::new),
            redis_url: env("REDIS_URL").map(Secret::new),
            pager_secrets,
            statuspage,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_on_defaults_without_a_file() {
        let config = Config::from_lookup(|name| (name == "FIREBREAK_CONFIG").then(|| "/nonexistent/firebreak.toml".to_owned()));
        let config = config.unwrap_or_else(|e| panic!("{e}"));
        assert!(!config.config_file_found);
        assert!(config.slack.is_none());
        assert_eq!(config.database_url.expose(), DEFAULT_DATABASE_URL);
        assert_eq!(config.slack_api_url, DEFAULT_SLACK_API_URL);
    }

    #[test]
    fn the_app_token_turns_socket_mode_on() {
        let env = |with_app_token: bool| {
            move |name: &str| match name {
                "FIREBREAK_CONFIG" => Some("/nonexistent.toml".to_owned()),
                "SLACK_BOT_TOKEN" => Some("xoxb-1".to_owned()),
                "SLACK_SIGNING_SECRET" => Some("signing".to_owned()),
                "SLACK_APP_TOKEN" if with_app_token => Some("xapp-1-secret".to_owned()),
                _ => None,
            }
        };
        let slack = |config: Result<Config, ConfigError>| config.unwrap_or_else(|e| panic!("{e}")).slack.unwrap_or_else(|| panic!("no credentials"));
        assert_eq!(slack(Config::from_lookup(env(true))).app_token.map(|t| t.expose().to_owned()).as_deref(), Some("xapp-1-secret"));
        assert!(slack(Config::from_lookup(env(false))).app_token.is_none());
    }

    #[test]
    fn redis_url_is_read_and_never_printed() {
        let config = Config::from_lookup(|name| match name {
            "FIREBREAK_CONFIG" => Some("/nonexistent.toml".into()),
            "REDIS_URL" => Some("redis://:hunter2@redis:6379".into()),
            _ => None,
        });
        let config = config.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(config.redis_url.as_ref().map(Secret::expose), Some("redis://:hunter2@redis:6379"));
        assert!(!format!("{config:?}").contains("hunter2"));
    }

    #[test]
    fn bad_environment_is_named() {
        let error = Config::from_lookup(|name| match name {
            "FIREBREAK_CONFIG" => Some("/nonexistent.toml".into()),
            "FIREBREAK_LISTEN" => Some("port 3000".into()),
            _ => None,
        });
        assert!(error.err().map(|e| e.to_string()).unwrap_or_default().contains("FIREBREAK_LISTEN"));
    }
}
