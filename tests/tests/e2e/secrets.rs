//! No token or signing secret in any log line or Slack message, even at TRACE level; `audit`
//! does the same for every credential with the real binary through a whole incident.

mod audit;

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use firebreak_commands::settings::Settings;
use firebreak_tests::backend::Backend;
use firebreak_tests::signing;
use firebreak_tests::spawn::{spawn_app, BOT_TOKEN, SIGNING_SECRET};

/// Every log line of this test process from the moment the capture is installed.
fn captured_logs() -> Arc<Mutex<Vec<u8>>> {
    static CAPTURE: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    CAPTURE
        .get_or_init(|| {
            let buffer = Arc::new(Mutex::new(Vec::new()));
            let writer = buffer.clone();
            let subscriber = tracing_subscriber::fmt()
                .with_max_level(tracing::Level::TRACE)
                .with_ansi(false)
                .with_writer(move || Capture(writer.clone()))
                .finish();
            tracing::subscriber::set_global_default(subscriber).unwrap_or_else(|e| panic!("log capture: {e}"));
            buffer
        })
        .clone()
}

struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_incident_logs_and_sends_no_secret() {
    let logs = captured_logs();
    let Some(app) = spawn_app(Backend::Sqlite, Settings::default()).await else { return };
    let channel = app.declare("U0ALICE", "start sev1 secrets audit").await;
    for text in ["status identified", "lead <@U0BOB>", "note token rotated", "timeline", "resolve done"] {
        app.slash("U0ALICE", &channel, text).await;
    }
    let body = app.slash_form("U0ALICE", &channel, "list", &app.slack.new_response_url());
    app.post_signed_with("/slack/commands", "application/x-www-form-urlencoded", &body, "wrong-secret", &signing::now()).await;
    app.slack.fail_next("chat.postMessage", "invalid_auth", 1);
    app.slash("U0ALICE", &channel, "note after auth failure").await;

    let text = String::from_utf8_lossy(&logs.lock().unwrap_or_else(|e| e.into_inner())).into_owned();
    assert!(text.contains("firebreak listening") && text.contains("refused a Slack request"), "the capture saw nothing");
    for secret in [BOT_TOKEN, SIGNING_SECRET] {
        assert!(!text.contains(secret), "a log line contains a secret");
        for call in app.slack.calls() {
            assert!(!call.args.to_string().contains(secret), "{} carried a secret", call.method);
        }
    }
}
