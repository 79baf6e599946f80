//! Log lines matched against the runbook's patterns, shared by `k8s_logs` and `docker_logs`.

use std::collections::BTreeMap;

use crate::diagnostics::spec::LogPattern;

/// The most matching lines quoted per source, so one noisy pod cannot flood the thread.
pub const MAX_QUOTED_LINES: usize = 10;

/// Which patterns a set of lines hit, and the lines that hit them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Highlights {
    /// Pattern label → number of lines that matched it.
    pub counts: BTreeMap<String, usize>,
    /// The first matching lines, each prefixed with its pattern's label.
    pub quoted: Vec<String>,
}

impl Highlights {
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// `out of memory ×3, certificate/SSL error ×1`.
    pub fn summary(&self) -> String {
        self.counts.iter().map(|(label, n)| format!("{label} ×{n}")).collect::<Vec<_>>().join(", ")
    }
}

/// Finds the lines matching any pattern (a line counts once, for its first pattern).
pub fn highlight(lines: &[String], patterns: &[LogPattern]) -> Highlights {
    let mut found = Highlights::default();
    for line in lines {
        if let Some(pattern) = patterns.iter().find(|p| p.matches(line)) {
            *found.counts.entry(pattern.label.clone()).or_default() += 1;
            if found.quoted.len() < MAX_QUOTED_LINES {
                found.quoted.push(format!("[{}] {}", pattern.label, line.trim_end()));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_quotes_matching_lines() {
        let lines: Vec<String> = ["ok", "OutOfMemory: texture", "db: connection refused", "OutOfMemory again"]
            .into_iter()
            .map(String::from)
            .collect();
        let found = highlight(&lines, &LogPattern::seed_defaults());
        assert_eq!(found.summary(), "database connection error ×1, out of memory ×2");
        assert_eq!(found.quoted.len(), 3);
        assert!(highlight(&lines[..1], &LogPattern::seed_defaults()).is_empty());
    }
}
