//! `gpu`: memory, utilisation, temperature, power, ECC errors and processes per NVIDIA GPU.

use crate::diagnostics::ports::Gpus;
use crate::diagnostics::result::Verdict;

pub(super) async fn check(_gpus: &dyn Gpus, _max_temperature_c: u32, _max_memory_percent: u8) -> Verdict {
    Verdict::error("the gpu check is not implemented yet")
}
