//! Remediation requests: created once, moved only by compare-and-set on their state, so a
//! double click, a retry or a second replica wins a move at most once. A run is leased to the
//! replica that started it (`runner`, `lease_until_ms`); only runs whose lease ran out are
//! interrupted, so one replica's start-up never cuts off another's run.

use firebreak_commands::ids::{IncidentId, SlackUserId};
use firebreak_commands::ports::StoreError;
use firebreak_commands::remediation::lease::{INTERRUPTED, RUN_NEEDS_LEASE};
use firebreak_commands::remediation::request::{Move, NewRequest, RemediationRequest, RequestId, RequestState};
use jiff::Timestamp;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use super::rows::millis;
use super::unavailable;

/// The columns every read returns, in the order `request` reads them.
macro_rules! request_columns {
    () => {
        "id, incident_id, runbook, action, state, requested_by, approved_by, created_at_ms, expires_at_ms, updated_at_ms, result"
    };
}

pub(super) async fn create(pool: &AnyPool, new: &NewRequest) -> Result<RemediationRequest, StoreError> {
    let row = sqlx::query(concat!(
        "INSERT INTO remediation_requests (incident_id, runbook, action, state, requested_by, created_at_ms, expires_at_ms, updated_at_ms) \
         VALUES ($1, $2, $3, 'requested', $4, $5, $6, $5) RETURNING ",
        request_columns!()
    ))
    .bind(new.incident.0)
    .bind(new.runbook.as_str())
    .bind(new.action.as_str())
    .bind(new.requested_by.as_str())
    .bind(millis(new.created_at))
    .bind(millis(new.expires_at))
    .fetch_one(pool)
    .await
    .map_err(unavailable("creating a remediation request"))?;
    request(&row)
}

pub(super) async fn by_id(pool: &AnyPool, id: RequestId) -> Result<Option<RemediationRequest>, StoreError> {
    let row = sqlx::query(concat!(
        "SELECT ",
        request_columns!(),
        " FROM remediation_requests WHERE id = $1"
    ))
    .bind(id.0)
    .fetch_optional(pool)
    .await
    .map_err(unavailable("reading a remediation request"))?;
    row.as_ref().map(request).transpose()
}

/// One UPDATE guarded by the expected state: the database decides the single winner.
pub(super) async fn move_state(pool: &AnyPool, id: RequestId, mv: &Move) -> Result<bool, StoreError> {
    if mv.to == RequestState::Running {
        return Err(StoreError::Unavailable(RUN_NEEDS_LEASE.to_owned()));
    }
    let moved = sqlx::query(
        "UPDATE remediation_requests SET state = $1, updated_at_ms = $2, \
         approved_by = COALESCE($3, approved_by), result = COALESCE($4, result), version = version + 1 \
         WHERE id = $5 AND state = $6",
    )
    .bind(mv.to.key())
    .bind(millis(mv.at))
    .bind(mv.by.as_ref().map(SlackUserId::as_str))
    .bind(mv.result.as_deref())
    .bind(id.0)
    .bind(mv.from.key())
    .execute(pool)
    .await
    .map_err(unavailable("moving a remediation request"))?;
    Ok(moved.rows_affected() == 1)
}

/// Counts the requests that were started (`RequestState::RAN`, spelled out once from it).
static COUNT_RUNS: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let started = RequestState::RAN.map(|state| format!("'{}'", state.key())).join(", ");
    format!(
        "SELECT COUNT(*) AS runs FROM remediation_requests \
         WHERE runbook = $1 AND action = $2 AND created_at_ms >= $3 AND ($4 < 0 OR incident_id = $4) AND state IN ({started})"
    )
});

pub(super) async fn count_runs(
    pool: &AnyPool,
    runbook: &str,
    action: &str,
    incident: Option<IncidentId>,
    since: Timestamp,
) -> Result<u32, StoreError> {
    let row = sqlx::query(COUNT_RUNS.as_str())
    .bind(runbook)
    .bind(action)
    .bind(millis(since))
    .bind(incident.map_or(-1, |i| i.0))
    .fetch_one(pool)
    .await
    .map_err(unavailable("counting remediation runs"))?;
    let runs: i64 = row.try_get("runs").map_err(unavailable("counting remediation runs"))?;
    Ok(u32::try_from(runs).unwrap_or(u32::MAX))
}

/// A replica's hold on a run.
pub(super) struct Lease<'a> {
    pub(super) runner: &'a str,
    pub(super) until: Timestamp,
}

/// approved → running, taking the lease in the same guarded UPDATE.
pub(super) async fn start_run(pool: &AnyPool, id: RequestId, at: Timestamp, lease: &Lease<'_>) -> Result<bool, StoreError> {
    let started = sqlx::query(
        "UPDATE remediation_requests SET state = 'running', updated_at_ms = $1, runner = $2, lease_until_ms = $3, \
         version = version + 1 WHERE id = $4 AND state = 'approved'",
    )
    .bind(millis(at))
    .bind(lease.runner)
    .bind(millis(lease.until))
    .bind(id.0)
    .execute(pool)
    .await
    .map_err(unavailable("starting a remediation run"))?;
    Ok(started.rows_affected() == 1)
}

/// Extends the lease only while the request still runs under this runner.
pub(super) async fn renew_lease(pool: &AnyPool, id: RequestId, lease: &Lease<'_>) -> Result<bool, StoreError> {
    let renewed = sqlx::query("UPDATE remediation_requests SET lease_until_ms = $1 WHERE id = $2 AND state = 'running' AND runner = $3")
        .bind(millis(lease.until))
        .bind(id.0)
        .bind(lease.runner)
        .execute(pool)
        .await
        .map_err(unavailable("renewing a remediation lease"))?;
    Ok(renewed.rows_affected() == 1)
}

/// One UPDATE guarded by `state = 'running'` and the lease's end: under concurrent rounds each
/// row is moved by one of them (Postgres re-checks the guard on the row it waited for; SQLite
/// runs one writer at a time), and `RETURNING` names only the rows this round moved.
pub(super) async fn interrupt_expired(pool: &AnyPool, at: Timestamp) -> Result<Vec<RequestId>, StoreError> {
    let rows = sqlx::query(
        "UPDATE remediation_requests SET state = 'interrupted', updated_at_ms = $1, result = $2, version = version + 1 \
         WHERE state = 'running' AND lease_until_ms < $1 RETURNING id",
    )
    .bind(millis(at))
    .bind(INTERRUPTED)
    .fetch_all(pool)
    .await
    .map_err(unavailable("marking interrupted remediations"))?;
    rows.iter()
        .map(|row| row.try_get::<i64, _>("id").map(RequestId).map_err(unavailable("marking interrupted remediations")))
        .collect()
}

fn request(row: &AnyRow) -> Result<RemediationRequest, StoreError> {
    let bad = |column: &str, problem: String| StoreError::Unavailable(format!("unreadable remediation_requests.{column}: {problem}"));
    let get_text = |column: &str| row.try_get::<String, _>(column).map_err(|e| bad(column, e.to_string()));
    let get_time = |column: &str| {
        let ms: i64 = row.try_get(column).map_err(|e| bad(column, e.to_string()))?;
        Timestamp::from_millisecond(ms).map_err(|e| bad(column, e.to_string()))
    };
    let user = |column: &str, text: String| SlackUserId::parse(&text).ok_or_else(|| bad(column, format!("unknown value {text:?}")));
    let state_text = get_text("state")?;
    let decided: Option<String> = row.try_get("approved_by").map_err(|e| bad("approved_by", e.to_string()))?;
    Ok(RemediationRequest {
        id: RequestId(row.try_get("id").map_err(|e| bad("id", e.to_string()))?),
        incident: IncidentId(row.try_get("incident_id").map_err(|e| bad("incident_id", e.to_string()))?),
        runbook: get_text("runbook")?,
        action: get_text("action")?,
        state: RequestState::parse(&state_text).ok_or_else(|| bad("state", format!("unknown value {state_text:?}")))?,
        requested_by: user("requested_by", get_text("requested_by")?)?,
        decided_by: decided.map(|d| user("approved_by", d)).transpose()?,
        created_at: get_time("created_at_ms")?,
        expires_at: get_time("expires_at_ms")?,
        updated_at: get_time("updated_at_ms")?,
        result: row.try_get("result").map_err(|e| bad("result", e.to_string()))?,
    })
}
