//! `spawn_killable`: the real Firebreak on its own Tokio runtime, so a test can kill it the
//! way a crash would — every task dropped mid-await, no graceful shutdown, connections cut.

use std::sync::Arc;

use firebreak::config::Config;
use firebreak::startup::App;
use firebreak::store::SqlStore;

use crate::spawn::TestApp;

/// A running app whose runtime the test owns.
#[derive(Debug)]
pub struct Killable {
    pub app: TestApp,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Killable {
    /// Starts the app `config` describes on a runtime of its own; `app.slack` is `config`'s fake.
    pub async fn spawn(config: Config, slack: crate::fake_slack::FakeSlack, database_url: String) -> Killable {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("cannot build the app's runtime: {e}"));
        let port = runtime
            .spawn(async move {
                let app = App::build(&config).await.unwrap_or_else(|e| panic!("app failed to build: {e}"));
                let port = app.port();
                tokio::spawn(app.run_until_stopped());
                port
            })
            .await
            .unwrap_or_else(|e| panic!("the app's runtime failed: {e}"));
        let store = SqlStore::connect(&database_url).await.unwrap_or_else(|e| panic!("second store handle: {e}"));
        let app = TestApp { base_url: format!("http://127.0.0.1:{port}"), slack, store: Arc::new(store), http: reqwest::Client::new(), database_url };
        Killable { app, runtime: Some(runtime) }
    }

    /// Kills the app: its runtime stops at once, dropping every task where it stands.
    pub fn kill(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl Drop for Killable {
    fn drop(&mut self) {
        self.kill();
    }
}
