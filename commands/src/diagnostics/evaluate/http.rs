//! `http`: GET a health URL as `curl -f` would.

use std::time::Duration;

use crate::diagnostics::ports::Probes;
use crate::diagnostics::result::Verdict;

pub(super) async fn check(_probes: &dyn Probes, _url: &str, _timeout: Duration) -> Verdict {
    Verdict::error("the http check is not implemented yet")
}
