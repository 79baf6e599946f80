//! `docker_logs`: last lines of a container, with the runbook's patterns highlighted.

use std::time::Duration;

use super::log_lines::highlight;
use crate::diagnostics::ports::{Containers, ProbeError};
use crate::diagnostics::result::{Outcome, Verdict};
use crate::diagnostics::spec::LogPattern;

pub(super) async fn check(containers: &dyn Containers, container: &str, tail: u32, since: Option<Duration>, patterns: &[LogPattern]) -> Verdict {
    let lines = match containers.logs(container, tail, since).await {
        Ok(lines) => lines,
        Err(ProbeError::NotFound(_)) => return Verdict::new(Outcome::Fail, format!("no container named {container}")),
        Err(error) => return Verdict::error(format!("could not read the logs of {container}: {error}")),
    };
    let found = highlight(&lines, patterns);
    if found.is_empty() {
        return Verdict::new(Outcome::Ok, format!("no known error patterns in {} lines of {container}", lines.len()));
    }
    Verdict::new(Outcome::Warn, format!("{container}: {}", found.summary())).with_details(found.quoted)
}

#[cfg(test)]
mod tests {
    use async_trait::async_trait;

    use super::*;
    use crate::diagnostics::facts::ContainerFacts;
    use crate::diagnostics::spec::ContainerFilter;

    struct Fake(Result<Vec<String>, ProbeError>);

    #[async_trait]
    impl Containers for Fake {
        async fn containers(&self, _filter: &ContainerFilter) -> Result<Vec<ContainerFacts>, ProbeError> {
            Ok(Vec::new())
        }
        async fn logs(&self, _c: &str, tail: u32, _since: Option<Duration>) -> Result<Vec<String>, ProbeError> {
            self.0.clone().map(|lines| lines.into_iter().rev().take(tail as usize).rev().collect())
        }
    }

    async fn run(fake: Fake) -> Verdict {
        check(&fake, "web", 100, None, &LogPattern::seed_defaults()).await
    }

    fn lines(text: &[&str]) -> Fake {
        Fake(Ok(text.iter().map(|l| (*l).to_owned()).collect()))
    }

    #[tokio::test]
    async fn matching_lines_warn_with_counts_and_quotes() {
        let verdict = run(lines(&["GET / 200", "FATAL OutOfMemory in renderer", "db: connection refused"])).await;
        assert_eq!(verdict.outcome, Outcome::Warn);
        assert_eq!(verdict.summary, "web: database connection error ×1, out of memory ×1");
        assert_eq!(verdict.details, ["[out of memory] FATAL OutOfMemory in renderer", "[database connection error] db: connection refused"]);
    }

    #[tokio::test]
    async fn clean_logs_are_ok_and_count_lines() {
        let verdict = run(lines(&["GET / 200", "GET /health 200"])).await;
        assert_eq!((verdict.outcome, verdict.summary.as_str()), (Outcome::Ok, "no known error patterns in 2 lines of web"));
    }

    #[tokio::test]
    async fn missing_container_fails_and_other_errors_are_errors() {
        let verdict = run(Fake(Err(ProbeError::NotFound("web".into())))).await;
        assert_eq!((verdict.outcome, verdict.summary.as_str()), (Outcome::Fail, "no container named web"));
        let verdict = run(Fake(Err(ProbeError::Forbidden("docker socket".into())))).await;
        assert_eq!(verdict.outcome, Outcome::Error);
    }
}
