//! `redis`: `redis-cli ping`, memory and connected clients.

use std::time::Duration;

use crate::diagnostics::ports::Probes;
use crate::diagnostics::result::Verdict;

pub(super) async fn check(_probes: &dyn Probes, _url_env: &str, _timeout: Duration) -> Verdict {
    Verdict::error("the redis check is not implemented yet")
}
