//! Incidents: numbering and creating them, reading them, compare-and-set saves.

use firebreak_commands::ids::{ChannelId, IncidentId, SlackUserId, TeamId};
use firebreak_commands::incident::{Incident, NewIncident, Setup};
use firebreak_commands::ports::StoreError;
use firebreak_commands::status::Status;
use firebreak_commands::timeline::{EventDraft, NewEvent};
use sqlx::{AnyConnection, AnyPool};

use super::rows::{self, incident_columns};
use super::{SqlStore, events, unavailable};

/// Numbers, inserts and records the first event in one transaction, so a failure anywhere
/// rolls the counter back too: numbers stay gap-free.
pub(super) async fn create(
    store: &SqlStore,
    new: NewIncident,
    first_event: EventDraft,
) -> Result<Incident, StoreError> {
    let mut tx = store.begin_write().await?;
    let number = next_number(&mut tx, &new.team).await?;
    let incident = insert(&mut tx, &new, number).await?;
    events::insert(&mut *tx, &first_event.for_incident(incident.id)).await?;
    tx.commit().await.map_err(unavailable("committing a new incident"))?;
    Ok(incident)
}

/// Bumps the workspace's counter. It is the transaction's first write: on Postgres its row
/// lock makes a concurrent start wait for this transaction to end, on SQLite the write lock
/// taken by `BEGIN IMMEDIATE` already does.
async fn next_number(conn: &mut AnyConnection, team: &TeamId) -> Result<i64, StoreError> {
    sqlx::query_scalar(
        "INSERT INTO workspace_counters (team_id, last_number) VALUES ($1, 1) \
         ON CONFLICT (team_id) DO UPDATE SET last_number = workspace_counters.last_number + 1 \
         RETURNING last_number",
    )
    .bind(team.as_str())
    .fetch_one(conn)
    .await
    .map_err(unavailable("numbering a new incident"))
}

/// Inserts a new incident as the domain starts it: investigating, channel still opening.
async fn insert(
    conn: &mut AnyConnection,
    new: &NewIncident,
    number: i64,
) -> Result<Incident, StoreError> {
    let row = sqlx::query(concat!(
        "INSERT INTO incidents (team_id, number, title, severity, status, declared_by, \
         declared_at_ms, setup, alert_key, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1) RETURNING ",
        incident_columns!()
    ))
    .bind(new.team.as_str())
    .bind(number)
    .bind(new.title.as_str())
    .bind(new.severity.key())
    .bind(Status::Investigating.key())
    .bind(new.declared_by.as_str())
    .bind(rows::millis(new.declared_at))
    .bind(Setup::Opening.key())
    .bind(new.alert_key.as_deref())
    .fetch_one(conn)
    .await
    .map_err(|error| match &error {
        // Another delivery of the same alert group opened its incident first.
        sqlx::Error::Database(db) if db.is_unique_violation() && new.alert_key.is_some() => StoreError::Conflict,
        _ => unavailable("inserting a new incident")(error),
    })?;
    rows::incident(&row)
}

pub(super) async fn by_id(pool: &AnyPool, id: IncidentId) -> Result<Option<Incident>, StoreError> {
    let row = sqlx::query(concat!("SELECT ", incident_columns!(), " FROM incidents WHERE id = $1"))
        .bind(id.0)
        .fetch_optional(pool)
        .await
        .map_err(unavailable("reading an incident"))?;
    row.as_ref().map(rows::incident).transpose()
}

/// Incidents with `number`, one per workspace that has it (for `firebreak postmortem`).
pub(super) async fn numbered(pool: &AnyPool, number: i64) -> Result<Vec<Incident>, StoreError> {
    let rows = sqlx::query(concat!("SELECT ", incident_columns!(), " FROM incidents WHERE number = $1 ORDER BY team_id"))
        .bind(number)
        .fetch_all(pool)
        .await
        .map_err(unavailable("reading incidents by number"))?;
    rows.iter().map(rows::incident).collect()
}

/// The open incident of alert group `key`.
pub(super) async fn open_for_alert(pool: &AnyPool, team: &TeamId, key: &str) -> Result<Option<Incident>, StoreError> {
    let row = sqlx::query(concat!(
        "SELECT ",
        incident_columns!(),
        " FROM incidents WHERE team_id = $1 AND alert_key = $2 AND status <> $3 AND setup <> $4 ORDER BY id LIMIT 1"
    ))
    .bind(team.as_str())
    .bind(key)
    .bind(Status::Resolved.key())
    .bind(Setup::Failed.key())
    .fetch_optional(pool)
    .await
    .map_err(unavailable("reading the incident of an alert group"))?;
    row.as_ref().map(rows::incident).transpose()
}

/// The incident whose channel this is; the oldest if a channel was ever reused.
pub(super) async fn by_channel(
    pool: &AnyPool,
    team: &TeamId,
    channel: &ChannelId,
) -> Result<Option<Incident>, StoreError> {
    let row = sqlx::query(concat!(
        "SELECT ",
        incident_columns!(),
        " FROM incidents WHERE team_id = $1 AND channel_id = $2 ORDER BY id LIMIT 1"
    ))
    .bind(team.as_str())
    .bind(channel.as_str())
    .fetch_optional(pool)
    .await
    .map_err(unavailable("reading the incident of a channel"))?;
    row.as_ref().map(rows::incident).transpose()
}

/// Not resolved and not failed to open, newest (highest number) first.
pub(super) async fn open(pool: &AnyPool, team: &TeamId) -> Result<Vec<Incident>, StoreError> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        incident_columns!(),
        " FROM incidents WHERE team_id = $1 AND status <> $2 AND setup <> $3 ORDER BY number DESC"
    ))
    .bind(team.as_str())
    .bind(Status::Resolved.key())
    .bind(Setup::Failed.key())
    .fetch_all(pool)
    .await
    .map_err(unavailable("listing open incidents"))?;
    rows.iter().map(rows::incident).collect()
}

/// Compare-and-set on `version`, with `events` appended in the same transaction (duplicates
/// of a retried delivery are skipped, as in `append`).
pub(super) async fn save(
    store: &SqlStore,
    incident: &Incident,
    events: &[NewEvent],
) -> Result<Incident, StoreError> {
    let mut tx = store.begin_write().await?;
    // No row: someone saved first (or the id is unknown). Dropping `tx` rolls back.
    let saved = update(&mut tx, incident).await?.ok_or(StoreError::Conflict)?;
    for event in events {
        events::insert(&mut *tx, event).await?;
    }
    tx.commit().await.map_err(unavailable("committing an incident update"))?;
    Ok(saved)
}

/// Writes everything but the identity (`id`, `team_id`, `number`) if `version` still matches.
async fn update(
    conn: &mut AnyConnection,
    incident: &Incident,
) -> Result<Option<Incident>, StoreError> {
    let row = sqlx::query(concat!(
        "UPDATE incidents SET title = $1, severity = $2, status = $3, lead = $4, \
         declared_by = $5, declared_at_ms = $6, resolved_at_ms = $7, setup = $8, \
         channel_id = $9, channel_name = $10, card_ts = $11, version = version + 1 \
         WHERE id = $12 AND version = $13 RETURNING ",
        incident_columns!()
    ))
    .bind(incident.title.as_str())
    .bind(incident.severity.key())
    .bind(incident.status.key())
    .bind(incident.lead.as_ref().map(SlackUserId::as_str))
    .bind(incident.declared_by.as_str())
    .bind(rows::millis(incident.declared_at))
    .bind(incident.resolved_at.map(rows::millis))
    .bind(incident.setup.key())
    .bind(incident.channel.as_ref().map(ChannelId::as_str))
    .bind(incident.channel_name.as_deref())
    .bind(incident.card_ts.as_ref().map(|ts| ts.as_str()))
    .bind(incident.id.0)
    .bind(incident.version)
    .fetch_optional(conn)
    .await
    .map_err(unavailable("saving an incident"))?;
    row.as_ref().map(rows::incident).transpose()
}
