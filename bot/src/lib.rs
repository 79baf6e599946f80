//! Firebreak, the bot: how it talks to the world. What it can do lives in `firebreak-commands`.
//!
//! # Layout
//! - [`config`] — `firebreak.toml` + environment → typed [`config::Config`]; secrets never print.
//! - [`startup`] — [`startup::App`] — build from config (store, Slack client, port), run until stopped.
//! - [`http`] — the router, health and metrics.
//! - [`dedup`] — "first time we see this Slack delivery?", through Redis or in-process.
//! - [`slack`] — the Slack edge — signature check, slash commands, interactions, events,
//!   Block Kit rendering, the Web API client and the `Chat` port over it.
//! - [`store`] — `SqlStore`, the `IncidentStore` port over SQLite or Postgres (sqlx).
//! - [`cli`] — the command line (`serve`, `check-config`, `postmortem`).
//! - [`telemetry`] — logging.
//!

pub mod adapters;
pub mod cli;
pub mod cli_postmortem;
pub mod config;
pub mod dedup;
pub mod http;
pub mod slack;
pub mod startup;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod timer_loop;
