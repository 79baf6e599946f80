//! Test support for Firebreak's end-to-end tests: a faithful fake Slack (and of its Socket
//! Mode), per-test databases on SQLite and Postgres, and `spawn_app` with `slash`/`click`
//! helpers that sign like Slack.

pub mod backend;
pub mod cdp;
pub mod containers;
pub mod cut_proxy;
pub mod docker_images;
pub mod fake_kube;
pub mod fake_slack;
pub mod fake_socket_mode;
pub mod fake_statuspage;
pub mod kubectl;
pub mod local_http;
pub mod postgres_server;
pub mod redis_server;
pub mod signing;
pub mod spawn;
pub mod spawn_console;
pub mod spawn_killable;
pub mod spawn_replica;
pub mod spawn_socket_mode;
pub mod timeline_lock;
