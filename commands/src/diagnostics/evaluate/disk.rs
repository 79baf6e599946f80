//! `disk`: free space of configured paths, as `df -h`.

use crate::diagnostics::ports::Probes;
use crate::diagnostics::result::Verdict;

pub(super) async fn check(_probes: &dyn Probes, _paths: &[String], _warn_free_percent: u8, _fail_free_percent: u8) -> Verdict {
    Verdict::error("the disk check is not implemented yet")
}
