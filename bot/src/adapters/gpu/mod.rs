//! `NvmlGpus`: the `Gpus` port over nvml-wrapper; NVML calls run on the blocking pool.

mod read;

use std::path::PathBuf;

use async_trait::async_trait;
use firebreak_commands::diagnostics::facts::GpuFacts;
use firebreak_commands::diagnostics::{Gpus, ProbeError};

/// The host's NVIDIA GPUs through NVML. NVML is initialised afresh on every call (and shut
/// down after), so a driver installed or reloaded while Firebreak runs is picked up.
#[derive(Debug, Clone, Default)]
pub struct NvmlGpus {
    /// `None`: the system `libnvidia-ml.so.1`.
    library: Option<PathBuf>,
}

impl NvmlGpus {
    /// Uses the system's `libnvidia-ml.so.1`.
    pub fn new() -> Self {
        Self { library: None }
    }

    /// Uses the NVML library at `path` (a stub in tests, a non-standard install elsewhere).
    pub fn with_library(path: PathBuf) -> Self {
        Self { library: Some(path) }
    }
}

#[async_trait]
impl Gpus for NvmlGpus {
    async fn devices(&self) -> Result<Vec<GpuFacts>, ProbeError> {
        let library = self.library.clone();
        match tokio::task::spawn_blocking(move || read::devices(library.as_deref())).await {
            Ok(result) => result,
            Err(join) => {
                tracing::error!(error = %join, "the NVML task did not finish");
                Err(ProbeError::Failed("reading the GPUs through NVML failed unexpectedly".to_owned()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_missing_library_means_no_driver() {
        let gpus = NvmlGpus::with_library(PathBuf::from("/nonexistent/firebreak/libnvidia-ml.so.1"));
        assert_eq!(gpus.devices().await, Err(ProbeError::NoDriver));
    }
}
