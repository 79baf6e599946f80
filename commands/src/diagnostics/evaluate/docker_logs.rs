//! `docker_logs`: last lines of a container, with the runbook's patterns highlighted.

use std::time::Duration;

use crate::diagnostics::ports::Containers;
use crate::diagnostics::result::Verdict;
use crate::diagnostics::spec::LogPattern;

pub(super) async fn check(_containers: &dyn Containers, _container: &str, _tail: u32, _since: Option<Duration>, _patterns: &[LogPattern]) -> Verdict {
    Verdict::error("the docker_logs check is not implemented yet")
}
