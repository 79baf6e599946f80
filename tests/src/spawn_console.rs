//! The real `firebreak serve` binary in console mode (no Slack credentials), on its own port,
//! database and configuration, for the console's end-to-end tests.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use crate::backend::Backend;

/// A running console-mode Firebreak, stopped (and its files removed) on drop.
#[derive(Debug)]
pub struct ConsoleApp {
    pub base_url: String,
    pub database_url: String,
    pub http: reqwest::Client,
    child: Child,
    dir: PathBuf,
}

impl Drop for ConsoleApp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// What the console runs with besides its database.
#[derive(Debug, Default)]
pub struct ConsoleSetup {
    /// `firebreak.toml`; `{base_url}` is replaced by the app's own URL. `None`: the built-in demo.
    pub config: Option<String>,
    /// A Kubernetes API server URL (the fake) for a kubeconfig; `None`: no Kubernetes.
    pub kube_url: Option<String>,
}

/// The `firebreak` binary, built once per test run (a no-op when it is up to date), so the
/// test drives the code under test and not an old build.
pub fn firebreak_binary() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
            let status = Command::new(cargo)
                .args(["build", "--quiet", "-p", "firebreak", "--bin", "firebreak"])
                .current_dir(&workspace)
                .status()
                .unwrap_or_else(|e| panic!("cannot run cargo build: {e}"));
            assert!(status.success(), "cargo build -p firebreak failed");
            // This test binary lives in <target>/<profile>/deps; the firebreak binary one level up.
            let exe = std::env::current_exe().unwrap_or_else(|e| panic!("{e}"));
            let profile = exe.parent().and_then(|deps| deps.parent()).unwrap_or_else(|| panic!("target dir of {}", exe.display()));
            let binary = profile.join("firebreak");
            assert!(binary.exists(), "{} was not built", binary.display());
            binary
        })
        .clone()
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    listener.local_addr().map(|a| a.port()).unwrap_or_else(|e| panic!("{e}"))
}

/// Starts `firebreak serve` without Slack credentials on `backend`; `None` when the back end
/// is unavailable outside CI.
pub async fn spawn_console(backend: Backend, setup: ConsoleSetup) -> Option<ConsoleApp> {
    let database_url = backend.fresh_database_url().await?;
    let binary = firebreak_binary();
    let dir = std::env::temp_dir().join(format!("firebreak-console-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let port = free_port();
    let base_url = format!("http://127.0.0.1:{port}");
    let config = dir.join("firebreak.toml");
    if let Some(text) = &setup.config {
        std::fs::write(&config, text.replace("{base_url}", &base_url)).unwrap_or_else(|e| panic!("{e}"));
    }
    let kubeconfig = dir.join("kubeconfig");
    if let Some(url) = &setup.kube_url {
        let text = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster:\n    server: {url}\ncontexts:\n- name: fake\n  context:\n    cluster: fake\n    user: nobody\n    namespace: default\ncurrent-context: fake\nusers:\n- name: nobody\n  user: {{}}\n"
        );
        std::fs::write(&kubeconfig, text).unwrap_or_else(|e| panic!("{e}"));
    }
    let log = std::fs::File::create(dir.join("firebreak.log")).unwrap_or_else(|e| panic!("{e}"));
    let child = Command::new(binary)
        .arg("serve")
        .current_dir(&dir)
        .env_remove("SLACK_BOT_TOKEN")
        .env_remove("SLACK_SIGNING_SECRET")
        .env_remove("SLACK_APP_TOKEN")
        .env_remove("REDIS_URL")
        .env("FIREBREAK_CONFIG", &config)
        .env("DATABASE_URL", &database_url)
        .env("FIREBREAK_LISTEN", format!("127.0.0.1:{port}"))
        .env("KUBECONFIG", &kubeconfig)
        .env("HOME", &dir)
        .stdout(log.try_clone().unwrap_or_else(|e| panic!("{e}")))
        .stderr(log)
        .stdin(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start firebreak: {e}"));
    let mut app = ConsoleApp { base_url, database_url, http: reqwest::Client::new(), child, dir };
    app.wait_until_live().await;
    Some(app)
}

impl ConsoleApp {
    async fn wait_until_live(&mut self) {
        for _ in 0..300 {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("firebreak serve exited ({status}):\n{}", self.log());
            }
            let live = self.http.get(format!("{}/health/live", self.base_url)).send().await;
            if live.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("firebreak serve did not come up:\n{}", self.log());
    }

    /// What the app printed so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("firebreak.log")).unwrap_or_default()
    }

    /// GETs `path`; returns status and body.
    pub async fn get(&self, path: &str) -> (u16, String) {
        let response = self.http.get(format!("{}{path}", self.base_url)).send().await.unwrap_or_else(|e| panic!("GET {path}: {e}"));
        (response.status().as_u16(), response.text().await.unwrap_or_default())
    }

    /// POSTs `form` to `path` as the console page does (with its header when `from_page`).
    pub async fn post(&self, path: &str, form: &[(&str, &str)], from_page: bool) -> (u16, String) {
        let mut request = self.http.post(format!("{}{path}", self.base_url)).form(form);
        if from_page {
            request = request.header("x-firebreak-console", "1");
        }
        let response = request.send().await.unwrap_or_else(|e| panic!("POST {path}: {e}"));
        (response.status().as_u16(), response.text().await.unwrap_or_default())
    }
}
