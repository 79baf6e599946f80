//! Failures a test arms for the next calls of a method: Slack errors, 429s and HTTP errors,
//! and late answers (a slow Slack, or one whose answer is lost to the caller's timeout).

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use super::FakeSlack;
use super::reply::Reply;
use super::state::lock;

/// One armed failure, answered instead of running the method.
#[derive(Clone, Debug)]
pub(super) enum Fault {
    /// HTTP 200 with `{"ok":false,"error":…}`.
    SlackError(String),
    /// HTTP 429 with `Retry-After`.
    RateLimit { retry_after_secs: u64 },
    /// An HTTP status such as 500 or 503.
    Http(u16),
}

impl Fault {
    pub(super) fn reply(&self) -> Reply {
        match self {
            Fault::SlackError(error) => Reply::error(200, error),
            Fault::RateLimit { retry_after_secs } => Reply::rate_limited(*retry_after_secs),
            Fault::Http(status) => Reply::http_error(*status),
        }
    }
}

/// A late answer: the call is held `by`, and acted on before or after the wait.
#[derive(Clone, Copy, Debug)]
pub(super) struct Delay {
    pub(super) by: Duration,
    /// Whether Slack acts at once and only its answer is late (the dangerous case: a caller
    /// that times out and sends again would act twice), or acts when it answers.
    pub(super) acts_at_once: bool,
}

/// Armed failures and delays per method, each used up in the order they were armed.
#[derive(Debug, Default)]
pub(super) struct Faults {
    failures: BTreeMap<String, VecDeque<Fault>>,
    delays: BTreeMap<String, VecDeque<Delay>>,
}

impl Faults {
    fn arm(&mut self, method: &str, fault: Fault, times: usize) {
        self.failures
            .entry(method.to_owned())
            .or_default()
            .extend(std::iter::repeat_n(fault, times));
    }

    /// The failure for this call of `method`, if one is armed.
    pub(super) fn take(&mut self, method: &str) -> Option<Fault> {
        self.failures.get_mut(method)?.pop_front()
    }

    /// The delay for this call of `method`, if one is armed. A delayed call may still meet an
    /// armed failure when it is answered.
    pub(super) fn take_delay(&mut self, method: &str) -> Option<Delay> {
        self.delays.get_mut(method)?.pop_front()
    }
}

impl FakeSlack {
    /// Answers `{"ok":false,"error":error}` to the next `times` calls of `method`.
    pub fn fail_next(&self, method: &str, error: &str, times: usize) {
        lock(&self.shared)
            .faults
            .arm(method, Fault::SlackError(error.to_owned()), times);
    }

    /// Answers HTTP 429 with `Retry-After: retry_after_secs` to the next `times` calls of
    /// `method`, without applying them.
    pub fn rate_limit_next(&self, method: &str, times: usize, retry_after_secs: u64) {
        lock(&self.shared)
            .faults
            .arm(method, Fault::RateLimit { retry_after_secs }, times);
    }

    /// Answers HTTP `status` (e.g. 500 or 503) to the next `times` calls of `method`.
    pub fn http_error_next(&self, method: &str, status: u16, times: usize) {
        lock(&self.shared)
            .faults
            .arm(method, Fault::Http(status), times);
    }
}

impl FakeSlack {
    /// Holds the next `times` calls of `method` for `delay`, then runs and answers them: a slow
    /// Slack. The call runs even when the caller has given up meanwhile (Slack does not know
    /// that its caller timed out), so a caller's retry in between may act twice.
    pub fn delay_next(&self, method: &str, times: usize, delay: Duration) {
        self.arm_delay(method, times, Delay { by: delay, acts_at_once: false });
    }

    /// Runs the next `times` calls of `method` at once (a post is in the channel) but answers
    /// them only after `delay`: Slack acted, and a caller that times out first does not know it.
    pub fn answer_late_next(&self, method: &str, times: usize, delay: Duration) {
        self.arm_delay(method, times, Delay { by: delay, acts_at_once: true });
    }

    fn arm_delay(&self, method: &str, times: usize, delay: Delay) {
        lock(&self.shared)
            .faults
            .delays
            .entry(method.to_owned())
            .or_default()
            .extend(std::iter::repeat_n(delay, times));
    }
}
