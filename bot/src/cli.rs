//! The command line: `firebreak serve | check-config | postmortem <number>`.

use crate::config::Config;
use crate::startup::{App, StartError};

const USAGE: &str = "usage: firebreak <serve | check-config | postmortem <incident number> [--team <team id>]>";

/// Runs the sub-command named by `args` (without the program name); returns the exit code.
pub async fn run(args: &[String]) -> i32 {
    match args.first().map(String::as_str) {
        Some("serve") | None => serve().await,
        Some("check-config") => check_config(),
        Some("postmortem") => match load() {
            Ok(config) => crate::cli_postmortem::run(&args[1..], &config).await,
            Err(code) => code,
        },
        Some("help" | "--help" | "-h") => {
            println!("{USAGE}");
            0
        }
        Some(other) => {
            eprintln!("firebreak: unknown command `{other}`\n{USAGE}");
            2
        }
    }
}

fn load() -> Result<Config, i32> {
    Config::from_env().map_err(|error| {
        eprintln!("firebreak: configuration error: {error}");
        2
    })
}

fn check_config() -> i32 {
    match load() {
        Ok(config) => {
            let source = if config.config_file_found { "found" } else { "not found; using defaults" };
            println!("configuration OK ({}: {source})", config.config_path.display());
            println!("slack credentials: {}", if config.slack.is_some() { "set" } else { "not set (serve runs the local console at /console)" });
            println!("socket mode: {}", if config.slack.as_ref().is_some_and(|s| s.app_token.is_some()) { "on (SLACK_APP_TOKEN set)" } else { "off" });
            println!("redelivery de-duplication: {}", if config.redis_url.is_some() { "across replicas (REDIS_URL set)" } else { "in-process" });
            for runbook in &config.settings.runbooks.0 {
                println!("runbook {}: {} checks, {} actions", runbook.name, runbook.checks.len(), runbook.actions.len());
            }
            for name in config.statuspage.missing(&config.settings.runbooks) {
                println!("warning: environment variable {name} is not set: the statuspage_incident actions that name it cannot run");
            }
            0
        }
        Err(code) => code,
    }
}

async fn serve() -> i32 {
    let mut config = match load() {
        Ok(config) => config,
        Err(code) => return code,
    };
    // No Slack credentials: the local console (demo settings, loopback, its own SQLite file).
    let console = config.slack.is_none();
    if console && let Err(error) = crate::console::demo::prepare(&mut config, |name| std::env::var(name).ok().filter(|v| !v.is_empty())) {
        eprintln!("firebreak: configuration error: {error}");
        return 2;
    }
    crate::telemetry::init(config.log_json);
    let app = match App::build(&config).await {
        Ok(app) => app,
        Err(StartError::Other(error)) => {
            tracing::error!(error = format!("{error:#}"), "firebreak could not start");
            eprintln!("firebreak: could not start: {error:#}");
            return 1;
        }
    };
    if console {
        let settings = if config.config_file_found { config.config_path.display().to_string() } else { "the built-in demo".to_owned() };
        println!(
            "Firebreak console: open http://localhost:{}/console  (no SLACK_BOT_TOKEN/SLACK_SIGNING_SECRET set; runbooks from {settings})",
            app.port()
        );
    }
    match app.run_until_stopped().await {
        Ok(()) => 0,
        Err(error) => {
            tracing::error!(%error, "server stopped with an error");
            1
        }
    }
}
