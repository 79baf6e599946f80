//! The `IncidentStore` contract, run on `SqlStore` over SQLite and over Postgres.
//!
//! Each test gets a fresh SQLite file and, when `FIREBREAK_TEST_POSTGRES_URL` names a server
//! (e.g. `postgres://postgres:postgres@127.0.0.1:5432/postgres`), a fresh database created on
//! it. Without that variable the Postgres half is skipped, except under `CI=true`, where it
//! fails. Databases of a failed test are left behind for inspection (`firebreak-store-test-*.db`
//! in the temp directory, `firebreak_store_test_*` on the server).

use std::future::Future;
use std::path::PathBuf;

use anyhow::Context as _;
use firebreak::store::{Backend, SqlStore};
use firebreak_commands::ids::{
    ChannelId, IncidentId, IncidentNumber, MessageTs, SlackUserId, TeamId,
};
use firebreak_commands::incident::{Incident, NewIncident, Setup};
use firebreak_commands::ports::{IncidentStore, StoreError};
use firebreak_commands::severity::Severity;
use firebreak_commands::status::Status;
use firebreak_commands::testing::test_time;
use firebreak_commands::timeline::{Actor, EventDraft, EventKind, NewEvent, Source, TimelineEvent};
use jiff::SignedDuration;
use sqlx::{AnyConnection, AssertSqlSafe, Connection as _};

mod beyond_the_port;
mod contract;
mod fixtures;
mod harness;
mod outbox;
mod requests;
mod timers;

use fixtures::*;
use harness::*;
