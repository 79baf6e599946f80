//! The `firebreak` binary's command line: clear messages and exit codes, no secrets printed.

use std::process::{Command, Output};

fn firebreak(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_firebreak"));
    command.args(args).env_clear().env("PATH", std::env::var("PATH").unwrap_or_default());
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().unwrap_or_else(|e| panic!("cannot run firebreak: {e}"))
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn serve_without_slack_credentials_says_what_to_set() {
    let dir = std::env::temp_dir().join(format!("firebreak-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let config = dir.join("absent.toml");
    let output = firebreak(&["serve"], &[("FIREBREAK_CONFIG", config.to_str().unwrap_or_default())]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(message.contains("SLACK_BOT_TOKEN") && message.contains("SLACK_SIGNING_SECRET"), "{message}");
}

#[test]
fn check_config_names_the_file_and_field_of_an_error() {
    let path = std::env::temp_dir().join(format!("firebreak-cli-bad-{}.toml", std::process::id()));
    std::fs::write(&path, "[severities.sev1]\nresponders = [\"not-a-user\"]\n").unwrap_or_else(|e| panic!("{e}"));
    let output = firebreak(&["check-config"], &[("FIREBREAK_CONFIG", path.to_str().unwrap_or_default())]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(message.contains(path.to_str().unwrap_or_default()) && message.contains("severities.sev1.responders[0]"), "{message}");
}

#[test]
fn check_config_accepts_the_example_and_never_prints_secrets() {
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../deploy/config/firebreak.example.toml");
    let output = firebreak(
        &["check-config"],
        &[
            ("FIREBREAK_CONFIG", example),
            ("SLACK_BOT_TOKEN", "xoxb-secret-canary-1234"),
            ("SLACK_SIGNING_SECRET", "signing-canary-5678"),
            ("DATABASE_URL", "postgres://firebreak:db-canary-9012@db/firebreak"),
        ],
    );
    let all = format!("{}{}", String::from_utf8_lossy(&output.stdout), stderr(&output));
    assert_eq!(output.status.code(), Some(0), "{all}");
    assert!(all.contains("configuration OK"), "{all}");
    for canary in ["secret-canary", "signing-canary", "db-canary"] {
        assert!(!all.contains(canary), "printed a secret: {all}");
    }
}

#[test]
fn unknown_commands_get_usage() {
    let output = firebreak(&["deploy"], &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("usage: firebreak"));
}
