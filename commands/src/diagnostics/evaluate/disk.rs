//! `disk`: free space of configured paths, as `df -h`.

use crate::diagnostics::facts::DiskFacts;
use crate::diagnostics::ports::Probes;
use crate::diagnostics::result::{Outcome, Verdict};

pub(super) async fn check(probes: &dyn Probes, paths: &[String], warn_free_percent: u8, fail_free_percent: u8) -> Verdict {
    if paths.is_empty() {
        return Verdict::error("no paths to check");
    }
    // (outcome, free percent for ordering, summary line) of the worst path so far.
    let mut worst: Option<(Outcome, f64, String)> = None;
    let mut details = Vec::with_capacity(paths.len());
    for path in paths {
        let (outcome, free, line) = match probes.disk(path).await {
            Ok(facts) => judge(&facts, warn_free_percent, fail_free_percent),
            Err(error) => (Outcome::Error, f64::NEG_INFINITY, format!("{path}: {error}")),
        };
        details.push(match outcome {
            Outcome::Ok => line.clone(),
            other => format!("{line} [{}]", other.key()),
        });
        // Worst outcome first; among equals, the fullest disk.
        let worse = worst.as_ref().is_none_or(|(o, f, _)| outcome > *o || (outcome == *o && free < *f));
        if worse {
            worst = Some((outcome, free, line));
        }
    }
    let Some((outcome, _, summary)) = worst else {
        return Verdict::error("no paths to check");
    };
    Verdict::new(outcome, summary).with_details(details)
}

/// One path: its outcome, its free percentage and a `df -h`-like line.
fn judge(facts: &DiskFacts, warn_free_percent: u8, fail_free_percent: u8) -> (Outcome, f64, String) {
    if facts.total_bytes == 0 {
        return (Outcome::Error, f64::NEG_INFINITY, format!("{}: the filesystem reports no size", facts.path));
    }
    #[allow(clippy::cast_precision_loss)] // percentages need no more than f64's 53 bits
    let free = facts.available_bytes as f64 * 100.0 / facts.total_bytes as f64;
    let outcome = if free < f64::from(fail_free_percent) {
        Outcome::Fail
    } else if free < f64::from(warn_free_percent) {
        Outcome::Warn
    } else {
        Outcome::Ok
    };
    let line = format!(
        "{}: {:.0}% free ({} of {})",
        facts.path,
        free.floor(),
        human_bytes(facts.available_bytes),
        human_bytes(facts.total_bytes)
    );
    (outcome, free, line)
}

/// `1.2 GiB`, `512 B`: binary units as `df -h` prints them.
pub(super) fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    #[allow(clippy::cast_precision_loss)] // one decimal is shown
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if value < 10.0 { format!("{value:.1} {}", UNITS[unit]) } else { format!("{value:.0} {}", UNITS[unit]) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::evaluate::http::fake_probes::FakeProbes;
    use crate::diagnostics::ports::ProbeError;

    const GIB: u64 = 1024 * 1024 * 1024;

    fn disk(path: &str, available: u64, total: u64) -> (String, Result<DiskFacts, ProbeError>) {
        (path.to_owned(), Ok(DiskFacts { path: path.to_owned(), total_bytes: total, available_bytes: available }))
    }

    #[tokio::test]
    async fn the_worst_path_is_the_summary() {
        let probes = FakeProbes {
            disks: [disk("/", 20 * GIB, 40 * GIB), disk("/var", GIB * 13 / 10, 40 * GIB)].into_iter().collect(),
            ..FakeProbes::default()
        };
        let paths = ["/".to_owned(), "/var".to_owned()];
        let verdict = check(&probes, &paths, 10, 5).await;
        assert_eq!((verdict.outcome, verdict.summary.as_str()), (Outcome::Fail, "/var: 3% free (1.3 GiB of 40 GiB)"));
        assert_eq!(verdict.details, vec!["/: 50% free (20 GiB of 40 GiB)".to_owned(), "/var: 3% free (1.3 GiB of 40 GiB) [fail]".to_owned()]);
        assert_eq!(check(&probes, &paths, 4, 2).await.outcome, Outcome::Warn);
        let verdict = check(&probes, &paths, 2, 1).await;
        assert_eq!((verdict.outcome, verdict.summary.as_str()), (Outcome::Ok, "/var: 3% free (1.3 GiB of 40 GiB)"));
    }

    #[tokio::test]
    async fn a_missing_path_is_an_error() {
        let probes = FakeProbes { disks: [disk("/", 20 * GIB, 40 * GIB)].into_iter().collect(), ..FakeProbes::default() };
        let verdict = check(&probes, &["/".to_owned(), "/nope".to_owned()], 10, 5).await;
        assert_eq!(verdict.outcome, Outcome::Error);
        assert!(verdict.summary.contains("/nope"));
        assert_eq!(check(&probes, &[], 10, 5).await.outcome, Outcome::Error);
    }

    #[test]
    fn sizes_read_like_df_h() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(1_258_291), "1.2 MiB");
        assert_eq!(human_bytes(40 * GIB), "40 GiB");
    }
}
