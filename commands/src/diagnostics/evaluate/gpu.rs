//! `gpu`: memory, utilisation, temperature, power, ECC errors and processes per NVIDIA GPU.

use crate::diagnostics::facts::GpuFacts;
use crate::diagnostics::ports::{Gpus, ProbeError};
use crate::diagnostics::result::{Outcome, Verdict};

/// Degrees below `max_temperature_c` at which a GPU is already worth a warning.
const TEMPERATURE_MARGIN_C: u32 = 5;

const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

pub(super) async fn check(gpus: &dyn Gpus, max_temperature_c: u32, max_memory_percent: u8) -> Verdict {
    match gpus.devices().await {
        Ok(devices) => judge(&devices, max_temperature_c, max_memory_percent),
        Err(ProbeError::NoDriver) => Verdict::error(ProbeError::NoDriver.to_string()),
        Err(error) => Verdict::error(format!("could not read the GPUs: {error}")),
    }
}

/// The verdict for these devices: ECC errors and heat fail, near-heat and full memory warn.
fn judge(devices: &[GpuFacts], max_temperature_c: u32, max_memory_percent: u8) -> Verdict {
    if devices.is_empty() {
        return Verdict::new(Outcome::Warn, "no GPUs found");
    }
    let mut problems: Vec<(Outcome, String)> = Vec::new();
    for gpu in devices {
        let label = format!("GPU {} ({})", gpu.index, gpu.name);
        if let Some(errors) = gpu.ecc_uncorrected_errors.filter(|&n| n > 0) {
            problems.push((Outcome::Fail, format!("{label}: {errors} uncorrected ECC errors")));
        }
        if let Some(temperature) = gpu.temperature_c {
            if temperature >= max_temperature_c {
                problems.push((Outcome::Fail, format!("{label}: {temperature} °C (limit {max_temperature_c} °C)")));
            } else if temperature >= max_temperature_c.saturating_sub(TEMPERATURE_MARGIN_C) {
                problems.push((Outcome::Warn, format!("{label}: {temperature} °C, near the {max_temperature_c} °C limit")));
            }
        }
        if memory_at_least(gpu, max_memory_percent) {
            let used = memory_percent(gpu);
            problems.push((Outcome::Warn, format!("{label}: memory {used}% used (limit {max_memory_percent}%)")));
        }
    }
    let details = devices.iter().map(detail).collect();
    let Some(worst) = problems.iter().map(|(outcome, _)| *outcome).max() else {
        return Verdict::new(Outcome::Ok, healthy_summary(devices)).with_details(details);
    };
    problems.sort_by_key(|(outcome, _)| std::cmp::Reverse(*outcome));
    let summary = problems.into_iter().map(|(_, text)| text).collect::<Vec<_>>().join("; ");
    Verdict::new(worst, summary).with_details(details)
}

/// `2 GPUs ok: NVIDIA A100-SXM4-80GB, max 71 °C, 45% memory`.
fn healthy_summary(devices: &[GpuFacts]) -> String {
    let mut names: Vec<&str> = Vec::new();
    for gpu in devices {
        if !names.contains(&gpu.name.as_str()) {
            names.push(&gpu.name);
        }
    }
    let count = match devices.len() {
        1 => "1 GPU".to_owned(),
        n => format!("{n} GPUs"),
    };
    let mut summary = format!("{count} ok: {}", names.join(", "));
    if let Some(hottest) = devices.iter().filter_map(|gpu| gpu.temperature_c).max() {
        summary.push_str(&format!(", max {hottest} °C"));
    }
    let fullest = devices.iter().map(memory_percent).max().unwrap_or_default();
    summary.push_str(&format!(", {fullest}% memory"));
    summary
}

/// Whether used memory is at least `percent` of total (exact, no rounding).
fn memory_at_least(gpu: &GpuFacts, percent: u8) -> bool {
    gpu.memory_total_bytes > 0
        && u128::from(gpu.memory_used_bytes) * 100 >= u128::from(percent) * u128::from(gpu.memory_total_bytes)
}

/// Used memory in whole percent, rounded down; 0 when the total is unknown.
fn memory_percent(gpu: &GpuFacts) -> u64 {
    if gpu.memory_total_bytes == 0 {
        return 0;
    }
    let percent = u128::from(gpu.memory_used_bytes) * 100 / u128::from(gpu.memory_total_bytes);
    u64::try_from(percent).unwrap_or(u64::MAX)
}

fn gib(bytes: u64) -> String {
    #[allow(clippy::cast_precision_loss)]
    let value = bytes as f64 / GIB;
    format!("{value:.1}")
}

fn or_na<T>(value: Option<T>, show: impl Fn(T) -> String) -> String {
    value.map_or_else(|| "n/a".to_owned(), show)
}

/// One line per device, as `nvidia-smi` would show it.
fn detail(gpu: &GpuFacts) -> String {
    let processes = if gpu.processes.is_empty() {
        "no compute processes".to_owned()
    } else {
        let list: Vec<String> = gpu
            .processes
            .iter()
            .map(|p| format!("pid {} ({})", p.pid, or_na(p.used_memory_bytes, |b| format!("{} GiB", gib(b)))))
            .collect();
        format!("processes: {}", list.join(", "))
    };
    format!(
        "GPU {} {}: memory {}/{} GiB ({}%), util {}, temp {}, power {}, ECC uncorrected {}, {}",
        gpu.index,
        gpu.name,
        gib(gpu.memory_used_bytes),
        gib(gpu.memory_total_bytes),
        memory_percent(gpu),
        or_na(gpu.utilization_percent, |u| format!("{u}%")),
        or_na(gpu.temperature_c, |t| format!("{t} °C")),
        or_na(gpu.power_milliwatts, |mw| format!("{} W", (u64::from(mw) + 500) / 1000)),
        or_na(gpu.ecc_uncorrected_errors, |n| n.to_string()),
        processes,
    )
}

#[cfg(test)]
mod tests {
    use async_trait::async_trait;

    use super::*;
    use crate::diagnostics::facts::GpuProcessFacts;

    const GIB_BYTES: u64 = 1024 * 1024 * 1024;

    /// Answers `devices()` with a preset result.
    struct FakeGpus(Result<Vec<GpuFacts>, ProbeError>);

    #[async_trait]
    impl Gpus for FakeGpus {
        async fn devices(&self) -> Result<Vec<GpuFacts>, ProbeError> {
            self.0.clone()
        }
    }

    fn a100(index: u32, temperature_c: u32, used_gib: u64) -> GpuFacts {
        GpuFacts {
            index,
            name: "NVIDIA A100-SXM4-80GB".to_owned(),
            memory_used_bytes: used_gib * GIB_BYTES,
            memory_total_bytes: 80 * GIB_BYTES,
            utilization_percent: Some(87),
            temperature_c: Some(temperature_c),
            power_milliwatts: Some(250_400),
            ecc_uncorrected_errors: Some(0),
            processes: vec![GpuProcessFacts { pid: 4242, used_memory_bytes: Some(30 * GIB_BYTES) }],
        }
    }

    async fn run(answer: Result<Vec<GpuFacts>, ProbeError>) -> Verdict {
        check(&FakeGpus(answer), 85, 90).await
    }

    #[tokio::test]
    async fn healthy_gpus_are_ok_with_a_summary_and_details() {
        let verdict = run(Ok(vec![a100(0, 71, 36), a100(1, 60, 20)])).await;
        assert_eq!(verdict.outcome, Outcome::Ok);
        assert_eq!(verdict.summary, "2 GPUs ok: NVIDIA A100-SXM4-80GB, max 71 °C, 45% memory");
        assert_eq!(verdict.details.len(), 2);
        assert_eq!(
            verdict.details[0],
            "GPU 0 NVIDIA A100-SXM4-80GB: memory 36.0/80.0 GiB (45%), util 87%, temp 71 °C, power 250 W, \
             ECC uncorrected 0, processes: pid 4242 (30.0 GiB)"
        );
    }

    #[tokio::test]
    async fn missing_features_show_as_not_available() {
        let mut gpu = a100(0, 40, 1);
        gpu.utilization_percent = None;
        gpu.temperature_c = None;
        gpu.power_milliwatts = None;
        gpu.ecc_uncorrected_errors = None;
        gpu.processes = vec![GpuProcessFacts { pid: 7, used_memory_bytes: None }];
        let verdict = run(Ok(vec![gpu])).await;
        assert_eq!(verdict.outcome, Outcome::Ok);
        assert_eq!(verdict.summary, "1 GPU ok: NVIDIA A100-SXM4-80GB, 1% memory");
        assert_eq!(
            verdict.details,
            vec!["GPU 0 NVIDIA A100-SXM4-80GB: memory 1.0/80.0 GiB (1%), util n/a, temp n/a, power n/a, \
                  ECC uncorrected n/a, processes: pid 7 (n/a)"
                .to_owned()]
        );
    }

    #[tokio::test]
    async fn no_driver_is_a_clear_error() {
        let verdict = run(Err(ProbeError::NoDriver)).await;
        assert_eq!(verdict.outcome, Outcome::Error);
        assert_eq!(verdict.summary, "no NVIDIA driver on this host");
    }

    #[tokio::test]
    async fn other_failures_are_errors_with_the_cause() {
        let verdict = run(Err(ProbeError::Failed("NVML error counting GPUs: GPU lost".to_owned()))).await;
        assert_eq!(verdict.outcome, Outcome::Error);
        assert_eq!(verdict.summary, "could not read the GPUs: NVML error counting GPUs: GPU lost");
    }

    #[tokio::test]
    async fn no_devices_warns() {
        let verdict = run(Ok(Vec::new())).await;
        assert_eq!((verdict.outcome, verdict.summary.as_str()), (Outcome::Warn, "no GPUs found"));
    }

    #[tokio::test]
    async fn uncorrected_ecc_errors_fail() {
        let mut bad = a100(1, 60, 20);
        bad.ecc_uncorrected_errors = Some(3);
        let verdict = run(Ok(vec![a100(0, 60, 20), bad])).await;
        assert_eq!(verdict.outcome, Outcome::Fail);
        assert_eq!(verdict.summary, "GPU 1 (NVIDIA A100-SXM4-80GB): 3 uncorrected ECC errors");
    }

    #[tokio::test]
    async fn temperature_fails_at_the_limit_and_warns_near_it() {
        let at_limit = run(Ok(vec![a100(0, 85, 20)])).await;
        assert_eq!(at_limit.outcome, Outcome::Fail);
        assert_eq!(at_limit.summary, "GPU 0 (NVIDIA A100-SXM4-80GB): 85 °C (limit 85 °C)");
        let near = run(Ok(vec![a100(0, 80, 20)])).await;
        assert_eq!(near.outcome, Outcome::Warn);
        assert_eq!(near.summary, "GPU 0 (NVIDIA A100-SXM4-80GB): 80 °C, near the 85 °C limit");
        assert_eq!(run(Ok(vec![a100(0, 79, 20)])).await.outcome, Outcome::Ok);
    }

    #[tokio::test]
    async fn full_memory_warns_and_failures_come_first() {
        let full = run(Ok(vec![a100(0, 50, 72)])).await;
        assert_eq!(full.outcome, Outcome::Warn);
        assert_eq!(full.summary, "GPU 0 (NVIDIA A100-SXM4-80GB): memory 90% used (limit 90%)");
        assert_eq!(run(Ok(vec![a100(0, 50, 71)])).await.outcome, Outcome::Ok);
        let both = run(Ok(vec![a100(0, 50, 79), a100(1, 95, 10)])).await;
        assert_eq!(both.outcome, Outcome::Fail);
        assert_eq!(
            both.summary,
            "GPU 1 (NVIDIA A100-SXM4-80GB): 95 °C (limit 85 °C); GPU 0 (NVIDIA A100-SXM4-80GB): memory 98% used (limit 90%)"
        );
    }

    #[test]
    fn an_unknown_total_is_not_full() {
        let mut gpu = a100(0, 50, 1);
        gpu.memory_total_bytes = 0;
        assert!(!memory_at_least(&gpu, 90));
        assert_eq!(memory_percent(&gpu), 0);
    }
}
