//! Timers: scheduled once per incident and kind, claimed by compare-and-set on `fired_at_ms`
//! so that exactly one caller — one replica — fires each.

use firebreak_commands::ids::IncidentId;
use firebreak_commands::ports::StoreError;
use firebreak_commands::timers::{Timer, TimerKind};
use jiff::Timestamp;
use sqlx::{AnyPool, Row};

use super::rows::millis;
use super::unavailable;

pub(super) async fn schedule(pool: &AnyPool, incident: IncidentId, kind: &TimerKind, due_at: Timestamp) -> Result<bool, StoreError> {
    let inserted = sqlx::query("INSERT INTO timers (incident_id, kind, due_at_ms) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
        .bind(incident.0)
        .bind(kind.key())
        .bind(millis(due_at))
        .execute(pool)
        .await
        .map_err(unavailable("scheduling a timer"))?;
    Ok(inserted.rows_affected() == 1)
}

/// Reads due candidates, then claims each with its own compare-and-set: a timer another
/// replica claimed in between is skipped, never fired twice.
pub(super) async fn claim_due(pool: &AnyPool, now: Timestamp, limit: u32) -> Result<Vec<Timer>, StoreError> {
    let rows = sqlx::query("SELECT id, incident_id, kind, due_at_ms FROM timers WHERE fired_at_ms IS NULL AND due_at_ms <= $1 ORDER BY due_at_ms LIMIT $2")
        .bind(millis(now))
        .bind(i64::from(limit))
        .fetch_all(pool)
        .await
        .map_err(unavailable("reading due timers"))?;
    let mut claimed = Vec::new();
    for row in &rows {
        let timer = timer(row)?;
        let won = sqlx::query("UPDATE timers SET fired_at_ms = $1 WHERE id = $2 AND fired_at_ms IS NULL")
            .bind(millis(now))
            .bind(timer.id)
            .execute(pool)
            .await
            .map_err(unavailable("claiming a timer"))?;
        if won.rows_affected() == 1 {
            claimed.push(timer);
        }
    }
    Ok(claimed)
}

fn timer(row: &sqlx::any::AnyRow) -> Result<Timer, StoreError> {
    let bad = |column: &str, problem: String| StoreError::Unavailable(format!("unreadable timers.{column}: {problem}"));
    let kind: String = row.try_get("kind").map_err(|e| bad("kind", e.to_string()))?;
    let due: i64 = row.try_get("due_at_ms").map_err(|e| bad("due_at_ms", e.to_string()))?;
    Ok(Timer {
        id: row.try_get("id").map_err(|e| bad("id", e.to_string()))?,
        incident: IncidentId(row.try_get("incident_id").map_err(|e| bad("incident_id", e.to_string()))?),
        kind: TimerKind::parse(&kind).ok_or_else(|| bad("kind", format!("unknown value {kind:?}")))?,
        due_at: Timestamp::from_millisecond(due).map_err(|e| bad("due_at_ms", e.to_string()))?,
    })
}
