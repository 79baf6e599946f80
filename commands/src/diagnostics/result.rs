//! The verdict of one check.

use serde::{Deserialize, Serialize};

/// How a check came out, from best to worst. `Error` means the check itself could not run
/// (target unreachable is a `Fail` where reachability is the question, e.g. `http`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Ok,
    Warn,
    Fail,
    Error,
}

impl Outcome {
    pub fn emoji(self) -> &'static str {
        match self {
            Self::Ok => ":white_check_mark:",
            Self::Warn => ":warning:",
            Self::Fail => ":x:",
            Self::Error => ":grey_question:",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Warn => "warn",
            Self::Fail => "fail",
            Self::Error => "error",
        }
    }
}

/// One check's outcome: a one-line summary for the channel and detail lines for the thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    /// The check's name from the runbook (`nerf-web health`).
    pub name: String,
    /// The check kind (`http`, `k8s_pods`, …).
    pub kind: String,
    pub outcome: Outcome,
    pub summary: String,
    pub details: Vec<String>,
    /// How long the check took, in milliseconds.
    pub elapsed_ms: u64,
}

/// What an evaluation decides, before the runner adds name, kind and timing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub outcome: Outcome,
    pub summary: String,
    pub details: Vec<String>,
}

impl Verdict {
    pub fn new(outcome: Outcome, summary: impl Into<String>) -> Self {
        Self { outcome, summary: summary.into(), details: Vec::new() }
    }

    pub fn with_details(self, details: Vec<String>) -> Self {
        Self { details, ..self }
    }

    /// The check could not run; `why` says what to fix.
    pub fn error(why: impl Into<String>) -> Self {
        Self::new(Outcome::Error, why)
    }
}
