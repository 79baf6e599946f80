//! Several replicas of Firebreak on one database and fake Slack, as behind a load balancer:
//! `spawn_second_replica` runs another in this process (its own port and memory);
//! `spawn_replica_process` runs the real `firebreak serve` binary, which a test can `kill -9`.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use firebreak::config::Config;
use firebreak::store::SqlStore;
use firebreak_commands::settings::Settings;
use serde_json::Value;

use crate::fake_slack::FakeSlack;
use crate::signing;
use crate::spawn::{launch, test_config, TestApp, BOT_TOKEN, SIGNING_SECRET};
use crate::spawn_console::firebreak_binary;

/// Starts a replica of `first` (same database, same fake Slack) with `settings`; `configure` has
/// the last word on its configuration (e.g. `REDIS_URL`, Socket Mode's app token).
pub async fn spawn_second_replica(first: &TestApp, settings: Settings, configure: impl FnOnce(&mut Config)) -> TestApp {
    let mut config = test_config(&first.database_url, &first.slack, settings);
    configure(&mut config);
    launch(&config, first.slack.clone(), first.database_url.clone()).await
}

/// What a replica process shares with the others, and its own configuration.
#[derive(Debug, Clone, Copy)]
pub struct ReplicaSetup<'a> {
    pub database_url: &'a str,
    pub slack: &'a FakeSlack,
    pub redis_url: Option<&'a str>,
    /// `firebreak.toml` (runbooks, actions); `None`: the defaults.
    pub config: Option<&'a str>,
    /// A Kubernetes API server URL (the fake) for a kubeconfig; `None`: no Kubernetes.
    pub kube_url: Option<&'a str>,
}

/// A `firebreak serve` process; killed (`SIGKILL`) on drop, its files removed.
#[derive(Debug)]
pub struct ReplicaProcess {
    /// Drives and inspects the replica like any test app (its `store` is the test's own handle).
    pub app: TestApp,
    child: Child,
    dir: PathBuf,
}

impl Drop for ReplicaProcess {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl ReplicaProcess {
    /// `kill -9`: the process ends at once, whatever it was doing.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// `kill -TERM` (what Kubernetes and Docker send to stop a container), then waits up to
    /// `limit` for the process to exit; its exit status, or `None` if it was still running.
    pub async fn terminate(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-s", "TERM", &pid]).status().unwrap_or_else(|e| panic!("cannot run kill: {e}"));
        assert!(sent.success(), "kill -TERM {pid} failed");
        let deadline = tokio::time::Instant::now() + limit;
        while tokio::time::Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        None
    }

    /// What the process logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("firebreak.log")).unwrap_or_default()
    }
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    listener.local_addr().map(|a| a.port()).unwrap_or_else(|e| panic!("{e}"))
}

/// Starts `firebreak serve` as `setup` says and waits until it is live.
pub async fn spawn_replica_process(setup: ReplicaSetup<'_>) -> ReplicaProcess {
    spawn_replica_process_with_env(setup, &[]).await
}

/// Like [`spawn_replica_process`], with more environment for the process (e.g. `DOCKER_HOST`:
/// the test's own process environment is shared by concurrent tests, a child's is not).
pub async fn spawn_replica_process_with_env(setup: ReplicaSetup<'_>, env: &[(&str, &str)]) -> ReplicaProcess {
    let dir = std::env::temp_dir().join(format!("firebreak-replica-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let config = dir.join("firebreak.toml");
    std::fs::write(&config, setup.config.unwrap_or_default()).unwrap_or_else(|e| panic!("{e}"));
    let kubeconfig = dir.join("kubeconfig");
    if let Some(url) = setup.kube_url {
        let text = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster:\n    server: {url}\ncontexts:\n- name: fake\n  context:\n    cluster: fake\n    user: nobody\n    namespace: default\ncurrent-context: fake\nusers:\n- name: nobody\n  user: {{}}\n"
        );
        std::fs::write(&kubeconfig, text).unwrap_or_else(|e| panic!("{e}"));
    }
    let port = free_port();
    let log = std::fs::File::create(dir.join("firebreak.log")).unwrap_or_else(|e| panic!("{e}"));
    let mut command = Command::new(firebreak_binary());
    command
        .arg("serve")
        .current_dir(&dir)
        .env("SLACK_BOT_TOKEN", BOT_TOKEN)
        .env("SLACK_SIGNING_SECRET", SIGNING_SECRET)
        .env_remove("SLACK_APP_TOKEN")
        .env("SLACK_API_URL", setup.slack.api_url())
        .env("DATABASE_URL", setup.database_url)
        .env("FIREBREAK_CONFIG", &config)
        .env("FIREBREAK_LISTEN", format!("127.0.0.1:{port}"))
        .env("KUBECONFIG", &kubeconfig)
        .env("HOME", &dir)
        .env("RUST_LOG", "info")
        .stdout(log.try_clone().unwrap_or_else(|e| panic!("{e}")))
        .stderr(log)
        .stdin(Stdio::null())
        .envs(env.iter().copied());
    match setup.redis_url {
        Some(url) => command.env("REDIS_URL", url),
        None => command.env_remove("REDIS_URL"),
    };
    let child = command.spawn().unwrap_or_else(|e| panic!("cannot start firebreak: {e}"));
    let store = SqlStore::connect(setup.database_url).await.unwrap_or_else(|e| panic!("second store handle: {e}"));
    let app = TestApp {
        base_url: format!("http://127.0.0.1:{port}"),
        slack: setup.slack.clone(),
        store: Arc::new(store),
        http: reqwest::Client::new(),
        database_url: setup.database_url.to_owned(),
    };
    let mut replica = ReplicaProcess { app, child, dir };
    replica.wait_until_live().await;
    replica
}

impl ReplicaProcess {
    async fn wait_until_live(&mut self) {
        for _ in 0..300 {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("firebreak serve exited ({status}):\n{}", self.log());
            }
            let live = self.app.http.get(format!("{}/health/live", self.app.base_url)).send().await;
            if live.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("firebreak serve did not come up:\n{}", self.log());
    }
}

/// Sends an Events API delivery to `app`, signed; the status, or `None` when the replica is
/// unreachable (dead, or killed mid-request).
pub async fn post_event(app: &TestApp, envelope: &Value) -> Option<u16> {
    post_event_to(&app.http, &app.base_url, envelope).await
}

/// Like [`post_event`], to the app at `base_url` (for a task that outlives the borrow).
pub async fn post_event_to(http: &reqwest::Client, base_url: &str, envelope: &Value) -> Option<u16> {
    let (body, timestamp) = (envelope.to_string(), signing::now());
    let request = http
        .post(format!("{base_url}/slack/events"))
        .header("content-type", "application/json")
        .header("x-slack-request-timestamp", &timestamp)
        .header("x-slack-signature", signing::signature(SIGNING_SECRET, &timestamp, &body))
        .timeout(Duration::from_secs(5))
        .body(body);
    request.send().await.ok().map(|response| response.status().as_u16())
}

/// One copy of a delivery, as Slack and a load balancer with retries treat it: sent to
/// `replicas[first]`; on a non-2xx answer or a dead replica, sent again to the next one after a
/// short delay, until one acknowledges it (within a minute: a dead replica's claim lapses
/// after 30 s).
pub async fn deliver_until_acked(replicas: &[&TestApp], envelope: &Value, first: usize) {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let mut target = first;
    loop {
        if post_event(replicas[target], envelope).await.is_some_and(|status| (200..300).contains(&status)) {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "no replica acknowledged {envelope} within 60 s");
        target = (target + 1) % replicas.len();
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}
