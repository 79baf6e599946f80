//! The gpu check through the real NVML adapter, against stub `libnvidia-ml` builds (C, gcc).
//!
//! Each scenario is its own `.so` (values fixed by `-D` flags, see `stub-nvml/nvml_stub.c`):
//! tests run in threads of one process and a loaded library is shared, so the stubs are not
//! configured at run time. Without gcc the stub scenarios are skipped, except under `CI=true`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use anyhow::{bail, Context as _};
use firebreak::adapters::gpu::NvmlGpus;
use firebreak_commands::diagnostics::evaluate::evaluate;
use firebreak_commands::diagnostics::facts::GpuProcessFacts;
use firebreak_commands::diagnostics::result::Verdict;
use firebreak_commands::diagnostics::spec::DEFAULT_CHECK_TIMEOUT;
use firebreak_commands::diagnostics::{CheckSpec, CheckTarget, DiagnosticPorts, Gpus, Outcome, ProbeError};
use firebreak_commands::testing::diagnostics::{ports, FakeTargets};

const GIB: u64 = 1024 * 1024 * 1024;
const A100: &str = "NVIDIA A100-SXM4-80GB";

/// A built stub; its directory is removed when dropped (NVML is unloaded after every call).
struct StubLibrary {
    dir: PathBuf,
    path: PathBuf,
}

impl Drop for StubLibrary {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Builds the stub with `defines` as `lib<scenario>.so`; `None` (skip) when gcc is missing
/// outside CI.
fn stub_library(scenario: &str, defines: &[&str]) -> anyhow::Result<Option<StubLibrary>> {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("stub-nvml/nvml_stub.c");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("stub-nvml-{}-{scenario}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let library = dir.join(format!("lib{scenario}.so"));
    let stub = StubLibrary { dir, path: library.clone() };
    let output = match Command::new("gcc").args(["-shared", "-fPIC", "-o"]).arg(&library).arg(&source).args(defines).output() {
        Ok(output) => output,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            if std::env::var("CI").is_ok_and(|ci| ci == "true") {
                bail!("gcc is required for the NVML stub under CI");
            }
            eprintln!("skipping the {scenario} NVML scenario: gcc is not installed");
            return Ok(None);
        }
        Err(error) => return Err(error).context("running gcc"),
    };
    if !output.status.success() {
        bail!("gcc failed for {scenario}: {}", String::from_utf8_lossy(&output.stderr));
    }
    Ok(Some(stub))
}

/// The gpu check (limits 85 °C, 90% memory) with NVML as the only real port.
async fn gpu_check(gpus: NvmlGpus) -> Verdict {
    let ports = DiagnosticPorts { gpus: Arc::new(gpus), ..ports(Arc::new(FakeTargets::default())) };
    let spec = CheckSpec {
        name: "gpus".to_owned(),
        timeout: DEFAULT_CHECK_TIMEOUT,
        target: CheckTarget::Gpu { max_temperature_c: 85, max_memory_percent: 90 },
    };
    evaluate(&ports, &spec, jiff::Timestamp::now()).await
}

#[tokio::test]
async fn healthy_gpus_are_read_through_nvml_and_pass() -> anyhow::Result<()> {
    let Some(stub) = stub_library("healthy", &[])? else { return Ok(()) };
    let gpus = NvmlGpus::with_library(stub.path.clone());
    let devices = gpus.devices().await?;

    assert_eq!(devices.len(), 2);
    let (first, second) = (&devices[0], &devices[1]);
    assert_eq!((first.index, first.name.as_str()), (0, A100));
    assert_eq!((first.memory_used_bytes, first.memory_total_bytes), (36 * GIB, 80 * GIB));
    assert_eq!((first.utilization_percent, first.temperature_c), (Some(87), Some(71)));
    assert_eq!((first.power_milliwatts, first.ecc_uncorrected_errors), (Some(250_000), Some(0)));
    assert_eq!(first.processes, vec![GpuProcessFacts { pid: 4242, used_memory_bytes: Some(30 * GIB) }]);
    // Device 1 lacks power readings and ECC: unsupported features are `None`, not errors.
    assert_eq!((second.index, second.memory_used_bytes, second.temperature_c), (1, 20 * GIB, Some(65)));
    assert_eq!((second.power_milliwatts, second.ecc_uncorrected_errors), (None, None));
    assert!(second.processes.is_empty());

    let verdict = gpu_check(NvmlGpus::with_library(stub.path.clone())).await;
    assert_eq!(verdict.outcome, Outcome::Ok, "{verdict:?}");
    assert_eq!(verdict.summary, format!("2 GPUs ok: {A100}, max 71 °C, 45% memory"));
    assert_eq!(verdict.details.len(), 2);
    assert!(verdict.details[0].contains("pid 4242 (30.0 GiB)"), "{:?}", verdict.details);
    assert!(verdict.details[1].contains("power n/a, ECC uncorrected n/a"), "{:?}", verdict.details);
    Ok(())
}

#[tokio::test]
async fn a_hot_gpu_with_ecc_errors_fails() -> anyhow::Result<()> {
    let Some(stub) = stub_library("hot-ecc", &["-DSTUB_TEMP1=91", "-DSTUB_ECC1=3"])? else { return Ok(()) };
    let devices = NvmlGpus::with_library(stub.path.clone()).devices().await?;
    let temperatures: Vec<_> = devices.iter().map(|d| (d.temperature_c, d.ecc_uncorrected_errors)).collect();
    assert_eq!(temperatures, vec![(Some(71), Some(0)), (Some(91), Some(3))]);

    let verdict = gpu_check(NvmlGpus::with_library(stub.path.clone())).await;
    assert_eq!(verdict.outcome, Outcome::Fail, "{verdict:?}");
    assert_eq!(
        verdict.summary,
        format!("GPU 1 ({A100}): 3 uncorrected ECC errors; GPU 1 ({A100}): 91 °C (limit 85 °C)")
    );
    Ok(())
}

#[tokio::test]
async fn a_host_with_the_driver_but_no_gpus_warns() -> anyhow::Result<()> {
    let Some(stub) = stub_library("empty", &["-DSTUB_DEVICES=0"])? else { return Ok(()) };
    assert_eq!(NvmlGpus::with_library(stub.path.clone()).devices().await, Ok(Vec::new()));
    let verdict = gpu_check(NvmlGpus::with_library(stub.path.clone())).await;
    assert_eq!((verdict.outcome, verdict.summary.as_str()), (Outcome::Warn, "no GPUs found"));
    Ok(())
}

#[tokio::test]
async fn an_nvml_failure_is_an_error_not_a_missing_driver() -> anyhow::Result<()> {
    // 999 is NVML_ERROR_UNKNOWN from nvmlInit_v2.
    let Some(stub) = stub_library("broken", &["-DSTUB_INIT_RESULT=999"])? else { return Ok(()) };
    let answer = NvmlGpus::with_library(stub.path.clone()).devices().await;
    assert!(matches!(&answer, Err(ProbeError::Failed(text)) if text.contains("initialising NVML")), "{answer:?}");
    let verdict = gpu_check(NvmlGpus::with_library(stub.path.clone())).await;
    assert_eq!(verdict.outcome, Outcome::Error);
    assert!(verdict.summary.starts_with("could not read the GPUs: NVML error initialising NVML"), "{}", verdict.summary);
    Ok(())
}

#[tokio::test]
async fn a_library_without_nvml_shutdown_is_refused_without_a_panic() -> anyhow::Result<()> {
    let Some(stub) = stub_library("no-shutdown", &["-DSTUB_NO_SHUTDOWN"])? else { return Ok(()) };
    let answer = NvmlGpus::with_library(stub.path.clone()).devices().await;
    assert!(matches!(&answer, Err(ProbeError::Failed(text)) if text.contains("nvmlShutdown")), "{answer:?}");
    Ok(())
}

#[tokio::test]
async fn no_nvidia_library_is_a_clear_error() {
    let missing = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("no-such-dir/libnvidia-ml.so.1");
    assert_eq!(NvmlGpus::with_library(missing.clone()).devices().await, Err(ProbeError::NoDriver));
    let verdict = gpu_check(NvmlGpus::with_library(missing)).await;
    assert_eq!(verdict.outcome, Outcome::Error);
    assert_eq!(verdict.summary, "no NVIDIA driver on this host");
}
