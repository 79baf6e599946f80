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
fn serve_without_slack_credentials_opens_the_local_console() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;

    let dir = std::env::temp_dir().join(format!("firebreak-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let config = dir.join("absent.toml");
    let database = format!("sqlite://{}", dir.join("console.db").display());
    let mut child = Command::new(env!("CARGO_BIN_EXE_firebreak"))
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("FIREBREAK_CONFIG", config.to_str().unwrap_or_default())
        .env("FIREBREAK_LISTEN", "127.0.0.1:0")
        .env("DATABASE_URL", &database)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run firebreak: {e}"));
    let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
    // Log lines share stdout; one line says where the console is, then it serves until stopped.
    let first_line = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .take(50)
        .find(|line| line.starts_with("Firebreak console"))
        .unwrap_or_default();
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(first_line.starts_with("Firebreak console: open http://localhost:"), "{first_line}");
    assert!(first_line.contains("/console") && first_line.contains("the built-in demo"), "{first_line}");
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
    assert!(all.contains("warning: environment variable STATUSPAGE_API_KEY is not set"), "the example's status-page key is missing here: {all}");
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

/// An incident with a short timeline in a fresh SQLite file; returns the database URL.
async fn database_with_an_incident(name: &str) -> String {
    use firebreak_commands::ids::{SlackUserId, TeamId};
    use firebreak_commands::incident::NewIncident;
    use firebreak_commands::ports::IncidentStore;
    use firebreak_commands::severity::Severity;
    use firebreak_commands::timeline::{Actor, EventDraft, EventKind, Source};

    let dir = std::env::temp_dir().join(format!("firebreak-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let url = format!("sqlite://{}/firebreak.db", dir.display());
    let store = firebreak::store::SqlStore::connect(&url).await.unwrap_or_else(|e| panic!("{e:#}"));
    let user = SlackUserId::parse("U100").unwrap_or_else(|| panic!("user"));
    let at: jiff::Timestamp = "2026-11-23T03:12:00Z".parse().unwrap_or_else(|e| panic!("{e}"));
    let first = |kind| EventDraft { at, actor: Actor::User(user.clone()), source: Source::SlashCommand, kind, cause: None };
    let new = NewIncident { team: TeamId::new("T0001"), title: "API returns 502".into(), severity: Severity::Sev2, declared_by: user.clone(), declared_at: at, alert_key: None };
    let incident = store
        .create_incident(new, first(EventKind::Declared { severity: Severity::Sev2, title: "API returns 502".into() }))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    for kind in [EventKind::Note { text: "root cause: pool exhausted".into() }, EventKind::ActionItem { text: "alert on pool size".into() }] {
        store.append(first(kind).for_incident(incident.id)).await.unwrap_or_else(|e| panic!("{e}"));
    }
    store.close().await;
    url
}

#[tokio::test]
async fn postmortem_prints_the_draft_of_a_stored_incident() {
    let url = database_with_an_incident("postmortem").await;
    let absent = std::env::temp_dir().join("firebreak-cli-no-config.toml");
    let env = [("DATABASE_URL", url.as_str()), ("FIREBREAK_CONFIG", absent.to_str().unwrap_or_default())];
    let output = firebreak(&["postmortem", "#1"], &env);
    let markdown = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(output.status.code(), Some(0), "{markdown}{}", stderr(&output));
    for expected in ["# Postmortem: #1 API returns 502", "- **Severity**: SEV2", "## Root Cause\npool exhausted", "- [ ] alert on pool size"] {
        assert!(markdown.contains(expected), "missing {expected:?} in:\n{markdown}");
    }

    let missing = firebreak(&["postmortem", "2"], &env);
    assert_eq!(missing.status.code(), Some(1));
    assert!(stderr(&missing).contains("there is no incident #2"), "{}", stderr(&missing));
    let wrong_team = firebreak(&["postmortem", "1", "--team", "T9999"], &env);
    assert!(stderr(&wrong_team).contains("no incident #1 in workspace T9999"), "{}", stderr(&wrong_team));
    let bad = firebreak(&["postmortem", "latest"], &env);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("`latest` is not an incident number") && stderr(&bad).contains("usage:"), "{}", stderr(&bad));
}
