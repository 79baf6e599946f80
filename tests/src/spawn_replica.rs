//! `spawn_second_replica`: another Firebreak on the first app's database and fake Slack, as a
//! second replica behind a load balancer would be; it has its own port and process memory.

use firebreak::config::Config;
use firebreak_commands::settings::Settings;

use crate::spawn::{launch, test_config, TestApp};

/// Starts a replica of `first` (same database, same fake Slack) with `settings`; `configure` has
/// the last word on its configuration (e.g. `REDIS_URL`, Socket Mode's app token).
pub async fn spawn_second_replica(first: &TestApp, settings: Settings, configure: impl FnOnce(&mut Config)) -> TestApp {
    let mut config = test_config(&first.database_url, &first.slack, settings);
    configure(&mut config);
    launch(&config, first.slack.clone(), first.database_url.clone()).await
}
