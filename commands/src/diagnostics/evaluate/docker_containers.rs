//! `docker_containers`: state, health, restarts, OOM kills and uptime of the selected containers.

use jiff::Timestamp;

use crate::diagnostics::ports::Containers;
use crate::diagnostics::result::Verdict;
use crate::diagnostics::spec::ContainerFilter;

pub(super) async fn check(_containers: &dyn Containers, _filter: &ContainerFilter, _now: Timestamp) -> Verdict {
    Verdict::error("the docker_containers check is not implemented yet")
}
