//! `tls_expiry`: days until the certificate served at host:port expires.

use std::time::Duration;

use jiff::Timestamp;

use crate::diagnostics::ports::Probes;
use crate::diagnostics::result::Verdict;

pub(super) async fn check(_probes: &dyn Probes, _host: &str, _port: u16, _warn_days: u32, _timeout: Duration, _now: Timestamp) -> Verdict {
    Verdict::error("the tls_expiry check is not implemented yet")
}
