//! `SqlStore`: the [`IncidentStore`] port over SQLite or Postgres, through sqlx's `Any` driver.
//!
//! One code path serves both back ends: runtime queries with `$1` placeholders, epoch
//! milliseconds for time, TEXT for ids and JSON. Only connecting and the migrations differ.
//!
//! # Layout
//! - `connect`: URL handling, the pool, SQLite pragmas, migrations at start-up.
//! - `migrations`: each back end's migrations, embedded in the binary.
//! - `incidents`: creating (numbering), reading and compare-and-set saving of incidents.
//! - `events`: appending to and reading the timeline, once per cause and kind.
//! - `requests`: remediation requests, moved by compare-and-set on their state; run leases.
//! - `outbox`: queued Slack calls, lane leases and pacing, rate-limit gates.
//! - `rows`: turning rows back into domain values, refusing what does not parse.

mod connect;
mod events;
mod incidents;
mod migrations;
mod outbox;
mod requests;
mod rows;
mod timers;

use async_trait::async_trait;
use firebreak_commands::ids::{ChannelId, IncidentId, TeamId};
use firebreak_commands::incident::{Incident, NewIncident};
use firebreak_commands::ports::{IncidentStore, RemediationStore, StoreError, TimerStore};
use firebreak_commands::timers::{Timer, TimerKind};
use firebreak_commands::remediation::request::{Move, NewRequest, RemediationRequest, RequestId};
use firebreak_commands::timeline::{EventDraft, NewEvent, TimelineEvent};
use sqlx::{Any, AnyPool, Transaction};

/// The incident store over a SQL database; cheap to clone (the pool is shared).
#[derive(Debug, Clone)]
pub struct SqlStore {
    pool: AnyPool,
    backend: Backend,
    /// This replica's id (fresh at connect): the runner of the remediations it starts.
    replica: std::sync::Arc<str>,
}

/// Which database a [`SqlStore`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl SqlStore {
    /// Connects to `sqlite://path` (file and parent directory created if missing; WAL; writers
    /// wait for each other up to 10 s) or `postgres://…`, and runs the pending migrations.
    pub async fn connect(database_url: &str) -> anyhow::Result<SqlStore> {
        connect::connect(database_url).await
    }

    /// The incidents numbered `number`, one per workspace that has one.
    pub async fn incidents_numbered(&self, number: i64) -> Result<Vec<Incident>, StoreError> {
        incidents::numbered(&self.pool, number).await
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// This replica's id, as remediation leases name it.
    pub fn replica(&self) -> &str {
        &self.replica
    }

    /// Closes every connection (graceful shutdown); later calls answer `Unavailable`.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Begins a transaction that will write.
    ///
    /// On SQLite `BEGIN IMMEDIATE` takes the write lock up front, so a concurrent writer waits
    /// through the busy timeout instead of failing with `SQLITE_BUSY` when a read lock would
    /// have to be upgraded. Postgres locks the rows each statement writes.
    async fn begin_write(&self) -> Result<Transaction<'static, Any>, StoreError> {
        let begun = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        };
        begun.map_err(unavailable("beginning a transaction"))
    }
}

/// Turns a sqlx error into `Unreachable` (the database could not be used: the Slack edge tells
/// the person plainly) or `Unavailable` (it refused), saying what was being done. sqlx errors
/// carry no connection URL, so no password can leak through the message.
fn unavailable(context: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |error| match is_unreachable(&error) {
        true => StoreError::Unreachable(format!("{context}: {error}")),
        false => StoreError::Unavailable(format!("{context}: {error}")),
    }
}

/// Errors that say nothing about the statement, only that the server could not be used: no
/// connection (refused, timed out, closed pool), a broken one, or Postgres shutting down or
/// starting up (SQLSTATE classes 08, connection exception, and 57, operator intervention).
fn is_unreachable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(database) => database.code().is_some_and(|code| code.starts_with("08") || code.starts_with("57")),
        _ => false,
    }
}

#[async_trait]
impl IncidentStore for SqlStore {
    async fn create_incident(
        &self,
        new: NewIncident,
        first_event: EventDraft,
    ) -> Result<Incident, StoreError> {
        incidents::create(self, new, first_event).await
    }

    async fn incident(&self, id: IncidentId) -> Result<Option<Incident>, StoreError> {
        incidents::by_id(&self.pool, id).await
    }

    async fn incident_by_channel(
        &self,
        team: &TeamId,
        channel: &ChannelId,
    ) -> Result<Option<Incident>, StoreError> {
        incidents::by_channel(&self.pool, team, channel).await
    }

    async fn open_incident_for_alert(&self, team: &TeamId, alert_key: &str) -> Result<Option<Incident>, StoreError> {
        incidents::open_for_alert(&self.pool, team, alert_key).await
    }

    async fn open_incidents(&self, team: &TeamId) -> Result<Vec<Incident>, StoreError> {
        incidents::open(&self.pool, team).await
    }

    async fn save(
        &self,
        incident: &Incident,
        events: Vec<NewEvent>,
    ) -> Result<Incident, StoreError> {
        incidents::save(self, incident, &events).await
    }

    async fn append(&self, event: NewEvent) -> Result<bool, StoreError> {
        events::insert(&self.pool, &event).await
    }

    async fn timeline(&self, id: IncidentId) -> Result<Vec<TimelineEvent>, StoreError> {
        events::timeline(&self.pool, id).await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(unavailable("pinging the database"))?;
        Ok(())
    }
}

#[async_trait]
impl TimerStore for SqlStore {
    async fn schedule(&self, incident: IncidentId, kind: &TimerKind, due_at: jiff::Timestamp) -> Result<bool, StoreError> {
        timers::schedule(&self.pool, incident, kind, due_at).await
    }

    async fn claim_due(&self, now: jiff::Timestamp, limit: u32) -> Result<Vec<Timer>, StoreError> {
        timers::claim_due(&self.pool, now, limit).await
    }
}

#[async_trait]
impl RemediationStore for SqlStore {
    async fn create_request(&self, new: NewRequest) -> Result<RemediationRequest, StoreError> {
        requests::create(&self.pool, &new).await
    }

    async fn request(&self, id: RequestId) -> Result<Option<RemediationRequest>, StoreError> {
        requests::by_id(&self.pool, id).await
    }

    async fn move_request(&self, id: RequestId, mv: &Move) -> Result<bool, StoreError> {
        requests::move_state(&self.pool, id, mv).await
    }

    async fn count_runs(&self, runbook: &str, action: &str, incident: Option<IncidentId>, since: jiff::Timestamp) -> Result<u32, StoreError> {
        requests::count_runs(&self.pool, runbook, action, incident, since).await
    }

    async fn start_run(&self, id: RequestId, at: jiff::Timestamp, lease_until: jiff::Timestamp) -> Result<bool, StoreError> {
        requests::start_run(&self.pool, id, at, &requests::Lease { runner: &self.replica, until: lease_until }).await
    }

    async fn renew_lease(&self, id: RequestId, until: jiff::Timestamp) -> Result<bool, StoreError> {
        requests::renew_lease(&self.pool, id, &requests::Lease { runner: &self.replica, until }).await
    }

    async fn interrupt_expired(&self, at: jiff::Timestamp) -> Result<Vec<RequestId>, StoreError> {
        requests::interrupt_expired(&self.pool, at).await
    }
}

#[cfg(test)]
mod unreachable_tests {
    use super::*;

    use firebreak_commands::CommandError;

    #[test]
    fn only_errors_of_reach_are_marked_unreachable() {
        for error in [sqlx::Error::PoolTimedOut, sqlx::Error::PoolClosed, sqlx::Error::Io(std::io::ErrorKind::ConnectionReset.into())] {
            let store_error = unavailable("reading")(error);
            assert!(matches!(&store_error, StoreError::Unreachable(m) if m.starts_with("reading: ")), "{store_error:?}");
            // Through the command error the Slack edge sees.
            assert!(matches!(CommandError::from(store_error), CommandError::StoreUnreachable(_)));
        }
        let refused = unavailable("reading")(sqlx::Error::RowNotFound);
        assert!(matches!(&refused, StoreError::Unavailable(m) if m.starts_with("reading: ")), "{refused:?}");
        assert!(matches!(CommandError::from(refused), CommandError::Internal(_)));
    }
}
