//! End-to-end tests: the real Firebreak app over HTTP, a real database (SQLite and Postgres)
//! and the faithful fake Slack. Every scenario runs on both back ends.

mod alerts;
mod console;
mod console_browser;
mod diag_docker;
mod diag_flow;
mod diag_gpu;
mod diag_kube;
mod diag_probes;
mod edge;
mod escalation;
mod faults_after_ack;
mod faults_kill;
mod faults_targets;
mod graceful_stop;
mod faults_slack;
mod faults_store;
mod fix_docker_actions;
mod fix_kube_actions;
mod lifecycle;
mod operations;
mod outbox;
mod outbox_coalesce;
mod outbox_refusal;
mod outbox_restart;
mod outbox_storm;
mod pager;
mod redeliveries;
mod replicas;
mod secrets;
mod socket_mode;
mod start;
mod statuspage;
mod timeline_capture;
