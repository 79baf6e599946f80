//! Holding Firebreak's timeline table from the test, so that recording an event waits (as
//! behind a long transaction or a stuck failover), and finding the session that waits.

use std::time::{Duration, Instant};

use sqlx::{PgPool, Postgres, Transaction};

/// An `EXCLUSIVE` lock on `timeline_events`: reads go on, every write waits until it is
/// released (or the test ends the waiting session).
pub struct TimelineLock {
    pool: PgPool,
    held: Transaction<'static, Postgres>,
}

impl std::fmt::Debug for TimelineLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TimelineLock { .. }")
    }
}

impl TimelineLock {
    /// Takes the lock in the database at `database_url` (Postgres).
    pub async fn take(database_url: &str) -> Self {
        let pool = PgPool::connect(database_url).await.unwrap_or_else(|e| panic!("Postgres: {e}"));
        let mut held = pool.begin().await.unwrap_or_else(|e| panic!("a transaction: {e}"));
        sqlx::query("LOCK TABLE timeline_events IN EXCLUSIVE MODE").execute(&mut *held).await.unwrap_or_else(|e| panic!("the lock: {e}"));
        Self { pool, held }
    }

    /// The one session waiting for the lock, once there is one (within 30 s); panics naming
    /// `who` otherwise.
    pub async fn waiter(&self, who: &str) -> i32 {
        let waiting = "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'";
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let pids: Vec<i32> = sqlx::query_scalar(waiting).fetch_all(&self.pool).await.unwrap_or_else(|e| panic!("pg_stat_activity: {e}"));
            if let [pid] = pids[..] {
                return pid;
            }
            assert!(Instant::now() < deadline, "{who} never reached the timeline: waiting sessions {pids:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Ends session `pid` (its statement fails, its connection drops), as a crash or a
    /// failover would.
    pub async fn terminate(&self, pid: i32) {
        let ended: bool = sqlx::query_scalar("SELECT pg_terminate_backend($1)").bind(pid).fetch_one(&self.pool).await.unwrap_or_else(|e| panic!("{e}"));
        assert!(ended, "session {pid} was already gone");
    }

    /// Lets the waiting writes through.
    pub async fn release(self) {
        self.held.rollback().await.unwrap_or_else(|e| panic!("releasing the lock: {e}"));
    }
}
