//! The timeline: appending events (once per cause and kind) and reading them back in order.

use firebreak_commands::ids::IncidentId;
use firebreak_commands::ports::StoreError;
use firebreak_commands::timeline::{NewEvent, TimelineEvent};
use sqlx::{Any, AnyPool, Executor};

use super::rows::{self, event_columns};
use super::unavailable;

/// Inserts `event`; `Ok(false)` when an event with the same incident, cause and kind exists.
///
/// `ON CONFLICT DO NOTHING` (both back ends) leans on the unique index over
/// `(incident_id, cause, kind)`: a retried Slack delivery is dropped by the database, also when
/// two replicas handle the retry at once, and never aborts the surrounding transaction.
pub(super) async fn insert<'c, E>(executor: E, event: &NewEvent) -> Result<bool, StoreError>
where
    E: Executor<'c, Database = Any>,
{
    let inserted = sqlx::query(
        "INSERT INTO timeline_events (incident_id, at_ms, actor, source, kind, body, cause) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT DO NOTHING",
    )
    .bind(event.incident.0)
    .bind(rows::millis(event.at))
    .bind(to_json(&event.actor, "actor")?)
    .bind(event.source.key())
    .bind(event.kind.key())
    .bind(to_json(&event.kind, "body")?)
    .bind(event.cause.as_deref())
    .execute(executor)
    .await
    .map_err(unavailable("appending a timeline event"))?;
    Ok(inserted.rows_affected() == 1)
}

pub(super) async fn timeline(
    pool: &AnyPool,
    id: IncidentId,
) -> Result<Vec<TimelineEvent>, StoreError> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        event_columns!(),
        " FROM timeline_events WHERE incident_id = $1 ORDER BY seq"
    ))
    .bind(id.0)
    .fetch_all(pool)
    .await
    .map_err(unavailable("reading a timeline"))?;
    rows.iter().map(rows::event).collect()
}

fn to_json(value: &impl serde::Serialize, column: &str) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|error| {
        StoreError::Unavailable(format!("encoding timeline_events.{column}: {error}"))
    })
}
