//! Test support for Firebreak's end-to-end tests: a faithful fake Slack, per-test databases on
//! SQLite and Postgres, and `spawn_app` with `slash`/`click` helpers that sign like Slack.

pub mod backend;
pub mod docker_images;
pub mod fake_kube;
pub mod fake_slack;
pub mod kubectl;
pub mod signing;
pub mod spawn;
