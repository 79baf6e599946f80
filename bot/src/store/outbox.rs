//! The outbox tables: queued Slack calls, lanes (one lease, pacing and "updates delayed" flag
//! per channel) and gates (a method closed by a 429 for every replica). Every state change is
//! a compare-and-set or an idempotent write, so two replicas on one database never both send.

use firebreak_commands::ports::StoreError;
use firebreak_commands::reply::Urgency;
use serde_json::Value;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{SqlStore, unavailable};
use crate::outbox::{NewCall, Queued, RowState};

/// The columns [`queued`] reads (a macro so that `concat!` keeps the SQL `&'static str`).
macro_rules! call_columns {
    () => {
        "id, lane, urgency, method, args, state, attempts, not_before_ms, created_at_ms, in_flight_since_ms, result, last_error"
    };
}

impl SqlStore {
    /// Queues `call`; returns its id. The lane row is made on first use.
    pub async fn enqueue(&self, call: &NewCall, now_ms: i64) -> Result<i64, StoreError> {
        sqlx::query("INSERT INTO outbox_lanes (lane) VALUES ($1) ON CONFLICT DO NOTHING")
            .bind(&call.lane)
            .execute(&self.pool)
            .await
            .map_err(unavailable("making an outbox lane"))?;
        let row = sqlx::query(
            "INSERT INTO outbox (lane, urgency, method, args, not_before_ms, created_at_ms) VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
        )
        .bind(&call.lane)
        .bind(urgency_code(call.urgency))
        .bind(&call.method)
        .bind(call.args.to_string())
        .bind(now_ms)
        .fetch_one(&self.pool)
        .await
        .map_err(unavailable("queueing a Slack call"))?;
        row.try_get("id").map_err(unavailable("reading a queued call's id"))
    }

    /// One queued call, whatever its state (waiters read their call's outcome here).
    pub async fn outbox_call(&self, id: i64) -> Result<Option<Queued>, StoreError> {
        let row = sqlx::query(concat!("SELECT ", call_columns!(), " FROM outbox WHERE id = $1")).bind(id).fetch_optional(&self.pool).await.map_err(unavailable("reading a queued call"))?;
        row.as_ref().map(queued).transpose()
    }

    /// The call a lane sends next: urgent ones first, then in the order they were queued.
    pub async fn lane_head(&self, lane: &str) -> Result<Option<Queued>, StoreError> {
        let sql = concat!("SELECT ", call_columns!(), " FROM outbox WHERE lane = $1 AND state = 'pending' ORDER BY urgency DESC, id LIMIT 1");
        let row = sqlx::query(sql).bind(lane).fetch_optional(&self.pool).await.map_err(unavailable("reading a lane's next call"))?;
        row.as_ref().map(queued).transpose()
    }

    /// Lanes with pending calls that nobody holds and that were not put to sleep past `now_ms`
    /// (see [`SqlStore::release_lane`]), longest free first.
    pub async fn ready_lanes(&self, now_ms: i64, limit: u32) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query(
            "SELECT l.lane FROM outbox_lanes l WHERE l.lease_until_ms < $1 \
             AND EXISTS (SELECT 1 FROM outbox o WHERE o.lane = l.lane AND o.state = 'pending') ORDER BY l.lease_until_ms LIMIT $2",
        )
        .bind(now_ms)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(unavailable("finding lanes with work"))?;
        rows.iter().map(|r| r.try_get("lane").map_err(unavailable("reading a lane"))).collect()
    }

    /// Takes (or renews) the lease on `lane` for `replica` until `until_ms`, if it is free,
    /// expired or already this replica's: exactly one of several claimants wins.
    pub async fn lease_lane(&self, lane: &str, replica: &str, now_ms: i64, until_ms: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE outbox_lanes SET leased_by = $1, lease_until_ms = $2 WHERE lane = $3 AND (leased_by IS NULL OR lease_until_ms < $4 OR leased_by = $1)",
        )
        .bind(replica)
        .bind(until_ms)
        .bind(lane)
        .bind(now_ms)
        .execute(&self.pool)
        .await
        .map_err(unavailable("leasing an outbox lane"))?;
        Ok(done.rows_affected() == 1)
    }

    /// Gives `lane` back; it is not offered again before `wake_at_ms` (backoff, gate or pacing):
    /// the lease column then holds the wake-up time, with nobody as holder.
    pub async fn release_lane(&self, lane: &str, replica: &str, wake_at_ms: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE outbox_lanes SET leased_by = NULL, lease_until_ms = $1 WHERE lane = $2 AND leased_by = $3")
        .bind(wake_at_ms)
        .bind(lane)
        .bind(replica)
        .execute(&self.pool)
        .await
        .map_err(unavailable("releasing an outbox lane"))?;
        Ok(())
    }

    /// The lane's pacing clock (epoch ms): each post moves it one pace past `max(it, now)`; a
    /// post may go when it is at most the burst allowance ahead of now.
    pub async fn lane_next_at(&self, lane: &str) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT next_at_ms FROM outbox_lanes WHERE lane = $1")
            .bind(lane)
            .fetch_optional(&self.pool)
            .await
            .map_err(unavailable("reading a lane's pacing"))?;
        row.map_or(Ok(0), |r| r.try_get("next_at_ms").map_err(unavailable("reading a lane's pacing")))
    }

    /// Records that call `id` is about to go out (a sender that dies now leaves this behind).
    pub async fn mark_in_flight(&self, id: i64, now_ms: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE outbox SET in_flight_since_ms = $1, attempts = attempts + 1 WHERE id = $2 AND state = 'pending'")
            .bind(now_ms)
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(unavailable("marking a call in flight"))?;
        Ok(())
    }

    /// Call `id` reached Slack with `result`; a post (`pace_ms > 0`) advances its lane's pacing
    /// clock by `pace_ms` from `max(clock, now_ms)`.
    pub async fn mark_sent(&self, call: &Queued, result: &Value, now_ms: i64, pace_ms: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE outbox SET state = 'sent', sent_at_ms = $1, result = $2, last_error = NULL WHERE id = $3 AND state = 'pending'")
            .bind(now_ms)
            .bind(result.to_string())
            .bind(call.id)
            .execute(&self.pool)
            .await
            .map_err(unavailable("marking a call sent"))?;
        if pace_ms <= 0 {
            return Ok(());
        }
        sqlx::query("UPDATE outbox_lanes SET next_at_ms = (CASE WHEN next_at_ms > $1 THEN next_at_ms ELSE $1 END) + $2 WHERE lane = $3")
            .bind(now_ms)
            .bind(pace_ms)
            .bind(&call.lane)
            .execute(&self.pool)
            .await
            .map_err(unavailable("pacing an outbox lane"))?;
        Ok(())
    }

    /// Call `id` failed for now: tried again at `not_before_ms`. `keep_in_flight` says whether
    /// Slack may have acted on it anyway (a 5xx or a lost answer), so the next try looks first.
    pub async fn mark_retry(&self, id: i64, not_before_ms: i64, error: &str, keep_in_flight: bool) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE outbox SET not_before_ms = $1, last_error = $2, \
             in_flight_since_ms = CASE WHEN $3 = 1 THEN in_flight_since_ms ELSE NULL END WHERE id = $4 AND state = 'pending'",
        )
        .bind(not_before_ms)
        .bind(error)
        .bind(i64::from(keep_in_flight))
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(unavailable("rescheduling a call"))?;
        Ok(())
    }

    /// Call `id` will never be sent (Slack refused it, or it is too old): `error` says why.
    pub async fn mark_dead(&self, id: i64, error: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE outbox SET state = 'dead', last_error = $1 WHERE id = $2 AND state = 'pending'")
            .bind(error)
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(unavailable("giving up a call"))?;
        Ok(())
    }

    /// Closes `method` for every replica until `until_ms` (a 429's `Retry-After`); a gate only
    /// ever closes for longer, never shorter.
    pub async fn close_gate(&self, method: &str, until_ms: i64) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO outbox_gates (method, closed_until_ms) VALUES ($1, $2) ON CONFLICT (method) DO UPDATE SET \
             closed_until_ms = CASE WHEN excluded.closed_until_ms > outbox_gates.closed_until_ms THEN excluded.closed_until_ms ELSE outbox_gates.closed_until_ms END",
        )
        .bind(method)
        .bind(until_ms)
        .execute(&self.pool)
        .await
        .map_err(unavailable("closing a rate-limit gate"))?;
        Ok(())
    }

    /// Until when `method` is closed, if it still is at `now_ms`.
    pub async fn gate_closed_until(&self, method: &str, now_ms: i64) -> Result<Option<i64>, StoreError> {
        let row = sqlx::query("SELECT closed_until_ms FROM outbox_gates WHERE method = $1 AND closed_until_ms > $2")
            .bind(method)
            .bind(now_ms)
            .fetch_optional(&self.pool)
            .await
            .map_err(unavailable("reading a rate-limit gate"))?;
        row.map(|r| r.try_get("closed_until_ms").map_err(unavailable("reading a rate-limit gate"))).transpose()
    }

    /// Marks `lane` as told that updates are delayed; `false` when it was told already in
    /// this throttling episode (so the notice is queued once, also across replicas).
    pub async fn claim_delay_notice(&self, lane: &str, now_ms: i64) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE outbox_lanes SET delayed_notice_at_ms = $1 WHERE lane = $2 AND delayed_notice_at_ms IS NULL")
            .bind(now_ms)
            .bind(lane)
            .execute(&self.pool)
            .await
            .map_err(unavailable("recording a delay notice"))?;
        Ok(done.rows_affected() == 1)
    }

    /// Ends `lane`'s throttling episode (it drained, or caught up): the next one is told again.
    pub async fn end_delay_episode(&self, lane: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE outbox_lanes SET delayed_notice_at_ms = NULL WHERE lane = $1 AND delayed_notice_at_ms IS NOT NULL")
        .bind(lane)
        .execute(&self.pool)
        .await
        .map_err(unavailable("ending a delay episode"))?;
        Ok(())
    }

    /// How many calls wait to be sent.
    pub async fn pending_calls(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM outbox WHERE state = 'pending'")
            .fetch_one(&self.pool)
            .await
            .map_err(unavailable("counting queued calls"))?;
        row.try_get("n").map_err(unavailable("counting queued calls"))
    }

    /// Forgets sent and dead calls queued before `before_ms` (their waiters are long gone).
    pub async fn purge_finished_calls(&self, before_ms: i64) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM outbox WHERE state <> 'pending' AND created_at_ms < $1")
            .bind(before_ms)
            .execute(&self.pool)
            .await
            .map_err(unavailable("purging finished calls"))?;
        Ok(done.rows_affected())
    }
}

fn urgency_code(urgency: Urgency) -> i64 {
    match urgency {
        Urgency::Normal => 0,
        Urgency::Urgent => 1,
    }
}

fn queued(row: &AnyRow) -> Result<Queued, StoreError> {
    let bad = |column: &str, problem: String| StoreError::Unavailable(format!("unreadable outbox.{column}: {problem}"));
    let get_i64 = |column: &str| row.try_get::<i64, _>(column).map_err(|e| bad(column, e.to_string()));
    let get_text = |column: &str| row.try_get::<String, _>(column).map_err(|e| bad(column, e.to_string()));
    let get_opt = |column: &str| row.try_get::<Option<String>, _>(column).map_err(|e| bad(column, e.to_string()));
    let state = get_text("state")?;
    let args = get_text("args")?;
    Ok(Queued {
        id: get_i64("id")?,
        lane: get_text("lane")?,
        urgency: if get_i64("urgency")? > 0 { Urgency::Urgent } else { Urgency::Normal },
        method: get_text("method")?,
        args: serde_json::from_str(&args).map_err(|e| bad("args", e.to_string()))?,
        state: RowState::parse(&state).ok_or_else(|| bad("state", format!("unknown value {state:?}")))?,
        attempts: get_i64("attempts")?,
        not_before_ms: get_i64("not_before_ms")?,
        created_at_ms: get_i64("created_at_ms")?,
        in_flight_since_ms: row.try_get::<Option<i64>, _>("in_flight_since_ms").map_err(|e| bad("in_flight_since_ms", e.to_string()))?,
        result: get_opt("result")?.map(|text| serde_json::from_str(&text).unwrap_or(Value::Null)),
        last_error: get_opt("last_error")?,
    })
}
