//! The outbox tables: queued Slack calls, lanes (one lease, pacing and "updates delayed" flag
//! per channel) and gates (a method closed by a 429 for every replica). Every state change is
//! a compare-and-set or an idempotent write, so two replicas on one database never both send.
//! A queued `chat.update` supersedes the waiting older updates of its message; lanes idle for a
//! day are pruned.

use firebreak_commands::ports::StoreError;
use firebreak_commands::reply::Urgency;
use serde_json::{Value, json};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::{SqlStore, unavailable};
use crate::outbox::{NewCall, Queued, RowState};

/// The columns [`queued`] reads (a macro so that `concat!` keeps the SQL `&'static str`).
macro_rules! call_columns {
    () => {
        "id, lane, urgency, method, args, state, attempts, not_before_ms, created_at_ms, in_flight_since_ms, result, last_error, report_to"
    };
}

impl SqlStore {
    /// Queues `call`; returns its id. The lane row is made on first use, and marked active.
    /// A call with a [`NewCall::coalesce_key`] supersedes, in the same transaction, the older
    /// pending calls with that key that are not in flight: they are marked sent with
    /// `{"ok":true,"superseded_by":<id>}` (so their waiters return), and the new call takes
    /// the highest urgency among them.
    pub async fn enqueue(&self, call: &NewCall, now_ms: i64) -> Result<i64, StoreError> {
        let mut tx = self.begin_write().await?;
        let id = insert_call(&mut tx, call, now_ms).await?;
        tx.commit().await.map_err(unavailable("committing a queued call"))?;
        Ok(id)
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
    /// `false` when it is no longer pending (a newer update superseded it): do not send it.
    pub async fn mark_in_flight(&self, id: i64, now_ms: i64) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE outbox SET in_flight_since_ms = $1, attempts = attempts + 1 WHERE id = $2 AND state = 'pending'")
            .bind(now_ms)
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(unavailable("marking a call in flight"))?;
        Ok(done.rows_affected() == 1)
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
        mark_dead(&mut *self.pool.acquire().await.map_err(unavailable("giving up a call"))?, id, error).await.map(drop)
    }

    /// [`SqlStore::mark_dead`], and queues `report` (telling someone) in the same transaction,
    /// only if this call moved the row: once, whichever replica gives it up. `true` if queued.
    pub async fn mark_dead_reporting(&self, id: i64, error: &str, report: &NewCall, now_ms: i64) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let moved = mark_dead(&mut tx, id, error).await?;
        if moved {
            insert_call(&mut tx, report, now_ms).await?;
        }
        tx.commit().await.map_err(unavailable("committing a given-up call"))?;
        Ok(moved)
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

    /// Forgets lanes with nothing pending, no lease and no activity (work queued, a lease, a
    /// post's pacing, a wake-up time) since `idle_since_ms`. A lane is made again by its next
    /// call; what it forgets (pacing, the delay notice) has long lapsed by then.
    pub async fn prune_idle_lanes(&self, idle_since_ms: i64) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "DELETE FROM outbox_lanes WHERE active_at_ms < $1 AND next_at_ms < $1 AND lease_until_ms < $1 \
             AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.lane = outbox_lanes.lane AND o.state = 'pending')",
        )
        .bind(idle_since_ms)
        .execute(&self.pool)
        .await
        .map_err(unavailable("pruning idle outbox lanes"))?;
        Ok(done.rows_affected())
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

/// Queues `call` on `conn` (inside the caller's transaction), marks its lane active and
/// supersedes what it replaces (see [`SqlStore::enqueue`]); returns its id.
async fn insert_call(conn: &mut AnyConnection, call: &NewCall, now_ms: i64) -> Result<i64, StoreError> {
    // Upserting (not "do nothing") also locks the lane row until commit, so a concurrent prune
    // either ran before (the lane is made anew) or sees it active.
    sqlx::query(
        "INSERT INTO outbox_lanes (lane, active_at_ms) VALUES ($1, $2) ON CONFLICT (lane) DO UPDATE SET \
         active_at_ms = CASE WHEN excluded.active_at_ms > outbox_lanes.active_at_ms THEN excluded.active_at_ms ELSE outbox_lanes.active_at_ms END",
    )
    .bind(&call.lane)
    .bind(now_ms)
    .execute(&mut *conn)
    .await
    .map_err(unavailable("making an outbox lane"))?;
    let key = call.coalesce_key();
    let row = sqlx::query(
        "INSERT INTO outbox (lane, urgency, method, args, not_before_ms, created_at_ms, coalesce_key, report_to) \
         VALUES ($1, $2, $3, $4, $5, $5, $6, $7) RETURNING id",
    )
    .bind(&call.lane)
    .bind(urgency_code(call.urgency))
    .bind(&call.method)
    .bind(call.args.to_string())
    .bind(now_ms)
    .bind(key.as_deref())
    .bind(call.report_to.as_deref())
    .fetch_one(&mut *conn)
    .await
    .map_err(unavailable("queueing a Slack call"))?;
    let id: i64 = row.try_get("id").map_err(unavailable("reading a queued call's id"))?;
    let Some(key) = key else { return Ok(id) };
    // Only calls not in flight: one that may have reached Slack keeps its course (looked up
    // or sent again), and the newer call still follows it.
    let superseded = sqlx::query(
        "UPDATE outbox SET state = 'sent', sent_at_ms = $1, result = $2, last_error = NULL \
         WHERE coalesce_key = $3 AND state = 'pending' AND in_flight_since_ms IS NULL AND id < $4 RETURNING urgency",
    )
    .bind(now_ms)
    .bind(json!({ "ok": true, "superseded_by": id }).to_string())
    .bind(&key)
    .bind(id)
    .fetch_all(&mut *conn)
    .await
    .map_err(unavailable("superseding older updates"))?;
    let urgent = urgency_code(Urgency::Urgent);
    let replaced_urgent = superseded.iter().any(|r| r.try_get::<i64, _>("urgency").is_ok_and(|u| u >= urgent));
    if replaced_urgent && call.urgency != Urgency::Urgent {
        sqlx::query("UPDATE outbox SET urgency = $1 WHERE id = $2")
            .bind(urgent)
            .bind(id)
            .execute(&mut *conn)
            .await
            .map_err(unavailable("raising a call's urgency"))?;
    }
    Ok(id)
}

/// Marks call `id` dead if still pending; `true` when this call moved it.
async fn mark_dead(conn: &mut AnyConnection, id: i64, error: &str) -> Result<bool, StoreError> {
    let done = sqlx::query("UPDATE outbox SET state = 'dead', last_error = $1 WHERE id = $2 AND state = 'pending'")
        .bind(error)
        .bind(id)
        .execute(&mut *conn)
        .await
        .map_err(unavailable("giving up a call"))?;
    Ok(done.rows_affected() == 1)
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
        report_to: get_opt("report_to")?,
    })
}
