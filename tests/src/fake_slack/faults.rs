//! Failures a test arms for the next calls of a method: Slack errors, 429s and HTTP errors.

use std::collections::{BTreeMap, VecDeque};

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

/// Armed failures per method, used up in the order they were armed.
#[derive(Debug, Default)]
pub(super) struct Faults(BTreeMap<String, VecDeque<Fault>>);

impl Faults {
    fn arm(&mut self, method: &str, fault: Fault, times: usize) {
        self.0
            .entry(method.to_owned())
            .or_default()
            .extend(std::iter::repeat_n(fault, times));
    }

    /// The failure for this call of `method`, if one is armed.
    pub(super) fn take(&mut self, method: &str) -> Option<Fault> {
        self.0.get_mut(method)?.pop_front()
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
