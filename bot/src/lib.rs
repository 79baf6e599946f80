//! Firebreak, the bot: how it talks to the world. What it can do lives in `firebreak-commands`.
//!
//! # Layout
//! - [`config`] — `firebreak.toml` + environment → typed [`config::Config`]; secrets never print.
//! - [`startup`] — [`startup::App`] — build from config (store, Slack client, port), run until stopped.
//! - [`http`] — the router, health and metrics.
//! - [`dedup`] — claim-then-complete of Slack deliveries, through Redis or in-process.
//! - [`lease_loop`] — the round that reports remediations whose replica died mid-run.
//! - [`slack`] — the Slack edge — signature check, slash commands, interactions, events,
//!   Block Kit rendering, the Web API client and the `Chat` port over it.
//! - [`outbox`] — every outbound Slack call stored first, then sent once, in order per channel,
//!   paced, through 429s and outages, across replicas.
//! - [`store`] — `SqlStore`, the `IncidentStore` port over SQLite or Postgres (sqlx).
//! - [`console`] — without Slack credentials: the local console at `/console`, an in-memory
//!   workspace behind the `Chat` port, rendered from the same Block Kit.
//! - [`cli`] — the command line (`serve`, `check-config`, `postmortem`).
//! - [`telemetry`] — logging.
//! - `fuzzing` (hidden) — the Slack edge's decoders on raw bytes, for the targets in `fuzz/`.
//!

pub mod adapters;
pub mod cli;
pub mod cli_postmortem;
pub mod config;
pub mod console;
pub mod dedup;
#[doc(hidden)]
pub mod fuzzing;
pub mod http;
pub mod lease_loop;
pub mod outbox;
mod rounds;
pub mod slack;
pub mod startup;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod timer_loop;
