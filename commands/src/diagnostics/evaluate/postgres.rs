//! `postgres`: `pg_isready` + `SELECT 1` + connections in use vs `max_connections`.

use std::time::Duration;

use crate::diagnostics::ports::Probes;
use crate::diagnostics::result::Verdict;

pub(super) async fn check(_probes: &dyn Probes, _url_env: &str, _max_connections_percent: u8, _timeout: Duration) -> Verdict {
    Verdict::error("the postgres check is not implemented yet")
}
