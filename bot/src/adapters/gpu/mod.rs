//! `NvmlGpus`: the `Gpus` port over nvml-wrapper (being written).
