//! A throttle switch: for a while (or until switched off) every Web API call is answered with
//! HTTP 429 + `Retry-After` and/or a 5xx instead of being run, as Slack does under load.

use std::time::{Duration, Instant};

use super::FakeSlack;
use super::reply::Reply;
use super::state::lock;

/// How a throttled fake answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Throttle {
    /// HTTP 429 with `Retry-After: retry_after_secs`.
    RateLimit { retry_after_secs: u64 },
    /// HTTP `status` (500, 502, 503, …).
    ServerError(u16),
    /// 429s and `status` in turn, call by call.
    Mixed { retry_after_secs: u64, status: u16 },
}

/// The switch as set: how, until when, and how many calls it refused.
#[derive(Debug)]
pub(super) struct Switch {
    how: Throttle,
    until: Option<Instant>,
    refused: u64,
}

impl Switch {
    /// The answer to a call made at `now`, when the switch is still on.
    pub(super) fn answer(&mut self, now: Instant) -> Option<Reply> {
        if self.until.is_some_and(|until| now >= until) {
            return None;
        }
        self.refused += 1;
        Some(match self.how {
            Throttle::RateLimit { retry_after_secs } => Reply::rate_limited(retry_after_secs),
            Throttle::ServerError(status) => Reply::http_error(status),
            Throttle::Mixed { retry_after_secs, status } if self.refused % 2 == 1 => {
                let _ = status;
                Reply::rate_limited(retry_after_secs)
            }
            Throttle::Mixed { status, .. } => Reply::http_error(status),
        })
    }
}

impl FakeSlack {
    /// Answers every Web API call as `how` says, without running it, for `duration` (or until
    /// [`FakeSlack::stop_throttle`] when `None`).
    pub fn throttle(&self, how: Throttle, duration: Option<Duration>) {
        let until = duration.map(|d| Instant::now() + d);
        lock(&self.shared).throttle = Some(Switch { how, until, refused: 0 });
    }

    /// Lets calls through again.
    pub fn stop_throttle(&self) {
        lock(&self.shared).throttle = None;
    }

    /// Whether the throttle still refuses calls.
    pub fn throttled(&self) -> bool {
        lock(&self.shared).throttle.as_ref().is_some_and(|s| s.until.is_none_or(|until| Instant::now() < until))
    }
}
