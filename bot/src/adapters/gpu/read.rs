//! Blocking reads through NVML: initialise, gather each device's facts, shut down.

use std::ffi::OsStr;
use std::path::Path;

use firebreak_commands::diagnostics::facts::{GpuFacts, GpuProcessFacts};
use firebreak_commands::diagnostics::ProbeError;
use nvml_wrapper::enum_wrappers::device::{EccCounter, MemoryError, TemperatureSensor};
use nvml_wrapper::enums::device::UsedGpuMemory;
use nvml_wrapper::error::NvmlError;
use nvml_wrapper::{Device, Nvml};

/// Every device's facts. Blocking: call from `spawn_blocking`.
pub(super) fn devices(library: Option<&Path>) -> Result<Vec<GpuFacts>, ProbeError> {
    let nvml = init(library)?;
    let count = nvml.device_count().map_err(|e| failed("counting GPUs", &e))?;
    let mut facts = Vec::with_capacity(usize::try_from(count).unwrap_or_default());
    for index in 0..count {
        let device = nvml.device_by_index(index).map_err(|e| failed(&format!("opening GPU {index}"), &e))?;
        facts.push(device_facts(index, &device)?);
    }
    Ok(facts)
}

fn init(library: Option<&Path>) -> Result<Nvml, ProbeError> {
    let mut builder = Nvml::builder();
    if let Some(path) = library {
        builder.lib_path(path.as_os_str());
    }
    let nvml = builder.init().map_err(|error| match error {
        NvmlError::LibloadingError(cause) => {
            let path = library.map_or(OsStr::new("libnvidia-ml.so.1"), Path::as_os_str);
            tracing::debug!(error = %cause, library = ?path, "no NVML library: no NVIDIA driver");
            ProbeError::NoDriver
        }
        NvmlError::DriverNotLoaded => ProbeError::NoDriver,
        other => failed("initialising NVML", &other),
    })?;
    // Dropping `Nvml` calls `nvmlShutdown` and panics when the library lacks it; such a
    // library is not NVML, so leak the handle rather than crash.
    if nvml.lib().nvmlShutdown.is_err() {
        std::mem::forget(nvml);
        return Err(ProbeError::Failed("the NVML library has no nvmlShutdown: not a usable NVML".to_owned()));
    }
    Ok(nvml)
}

fn device_facts(index: u32, device: &Device<'_>) -> Result<GpuFacts, ProbeError> {
    let context = |what: &str| format!("reading GPU {index} {what}");
    let name = device.name().map_err(|e| failed(&context("name"), &e))?;
    let memory = device.memory_info().map_err(|e| failed(&context("memory"), &e))?;
    let utilization = optional(device.utilization_rates()).map_err(|e| failed(&context("utilization"), &e))?;
    let temperature = optional(device.temperature(TemperatureSensor::Gpu)).map_err(|e| failed(&context("temperature"), &e))?;
    let power = optional(device.power_usage()).map_err(|e| failed(&context("power"), &e))?;
    let ecc = optional(device.total_ecc_errors(MemoryError::Uncorrected, EccCounter::Volatile))
        .map_err(|e| failed(&context("ECC errors"), &e))?;
    let processes = optional(device.running_compute_processes())
        .map_err(|e| failed(&context("processes"), &e))?
        .unwrap_or_default();
    Ok(GpuFacts {
        index,
        name,
        memory_used_bytes: memory.used,
        memory_total_bytes: memory.total,
        utilization_percent: utilization.map(|u| u.gpu),
        temperature_c: temperature,
        power_milliwatts: power,
        ecc_uncorrected_errors: ecc,
        processes: processes
            .into_iter()
            .map(|p| GpuProcessFacts {
                pid: p.pid,
                used_memory_bytes: match p.used_gpu_memory {
                    UsedGpuMemory::Used(bytes) => Some(bytes),
                    UsedGpuMemory::Unavailable => None,
                },
            })
            .collect(),
    })
}

/// A feature this GPU (or driver) lacks is `None`, not an error.
fn optional<T>(result: Result<T, NvmlError>) -> Result<Option<T>, NvmlError> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(NvmlError::NotSupported | NvmlError::FailedToLoadSymbol(_)) => Ok(None),
        Err(other) => Err(other),
    }
}

fn failed(what: &str, error: &NvmlError) -> ProbeError {
    ProbeError::Failed(format!("NVML error {what}: {error}"))
}
