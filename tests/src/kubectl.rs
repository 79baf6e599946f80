//! The real `kubectl`, pointed at a `FakeKube`: the proof that the fake is faithful.
//! (Test-only: the product itself never runs a command.)

use std::path::PathBuf;
use std::process::Command;

use crate::fake_kube::FakeKube;

/// A kubeconfig for the fake and a discovery cache dir, removed on drop.
#[derive(Debug)]
pub struct Kubectl {
    dir: PathBuf,
}

impl Kubectl {
    /// `None` (with a notice) when kubectl is not installed; under `CI=true` that fails instead.
    pub fn new(fake: &FakeKube) -> Option<Kubectl> {
        if !std::path::Path::new("/usr/bin/kubectl").exists() && Command::new("kubectl").arg("version").arg("--client").output().is_err() {
            assert!(std::env::var("CI").as_deref() != Ok("true"), "kubectl is required in CI");
            eprintln!("kubectl not installed; skipping");
            return None;
        }
        let dir = std::env::temp_dir().join(format!("firebreak-kubectl-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("temp dir: {e}"));
        let config = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster:\n    server: {}\ncontexts:\n- name: fake\n  context:\n    cluster: fake\n    user: nobody\n    namespace: default\ncurrent-context: fake\nusers:\n- name: nobody\n  user: {{}}\n",
            fake.url()
        );
        std::fs::write(dir.join("config"), config).unwrap_or_else(|e| panic!("kubeconfig: {e}"));
        Some(Kubectl { dir })
    }

    /// Runs `kubectl <args>`; returns exit code, stdout and stderr.
    pub async fn run(&self, args: &[&str]) -> (i32, String, String) {
        let mut command = Command::new("kubectl");
        command
            .env("KUBECONFIG", self.dir.join("config"))
            .env("HOME", &self.dir)
            .arg("--request-timeout=5s")
            .arg(format!("--cache-dir={}", self.dir.join("cache").display()))
            .args(args);
        let output = tokio::task::spawn_blocking(move || command.output())
            .await
            .unwrap_or_else(|e| panic!("join: {e}"))
            .unwrap_or_else(|e| panic!("run kubectl: {e}"));
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        (output.status.code().unwrap_or(-1), text(&output.stdout), text(&output.stderr))
    }
}

impl Drop for Kubectl {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
