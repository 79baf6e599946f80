//! Disk probe: `statvfs`, as `df` reads it.

use firebreak_commands::diagnostics::ProbeError;
use firebreak_commands::diagnostics::facts::DiskFacts;

pub(super) async fn usage(path: &str) -> Result<DiskFacts, ProbeError> {
    let owned = path.to_owned();
    // statvfs blocks, and on a hung network mount it can block for long: keep it off the runtime.
    let stat = tokio::task::spawn_blocking(move || rustix::fs::statvfs(owned.as_str()))
        .await
        .map_err(|e| ProbeError::Failed(format!("statvfs did not finish: {e}")))?
        // The check names the path beside each message, so messages do not repeat it.
        .map_err(|errno| match errno {
            rustix::io::Errno::NOENT => ProbeError::NotFound("no such file or directory".to_owned()),
            rustix::io::Errno::ACCESS => ProbeError::Forbidden("permission denied".to_owned()),
            other => ProbeError::Failed(format!("statvfs: {other}")),
        })?;
    // Sizes are counted in fragments (f_frsize), not in f_bsize blocks.
    Ok(DiskFacts {
        path: path.to_owned(),
        total_bytes: stat.f_blocks.saturating_mul(stat.f_frsize),
        available_bytes: stat.f_bavail.saturating_mul(stat.f_frsize),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn root_has_a_size_and_missing_paths_are_not_found() {
        let root = usage("/").await;
        assert!(root.as_ref().is_ok_and(|d| d.total_bytes > 0 && d.available_bytes <= d.total_bytes), "{root:?}");
        assert!(matches!(usage("/no/such/firebreak/path").await, Err(ProbeError::NotFound(_))));
    }
}
