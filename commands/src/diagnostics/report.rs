//! The diagnostics summary (one message, updated in place) and its details thread.
//!
//! Check names, summaries and details carry text from outside (log lines, Kubernetes event
//! messages, error text): it is escaped here, where it becomes `mrkdwn`, and kept as it was
//! on the timeline and in the attached full output.

use std::time::Duration;

use super::result::{CheckResult, Outcome};
use super::runbook::Runbook;
use crate::mrkdwn::{escape, escape_cut};
use crate::reply::{Block, Reply, Visibility};

/// Slack allows 3000 characters per section; keep a margin for the code fence.
const MAX_SECTION_CHARS: usize = 2900;
/// Details longer than this go into an attached file instead of the thread message.
pub const MAX_INLINE_DETAILS: usize = 2800;

/// Counts of each outcome, worst last.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub ok: usize,
    pub warn: usize,
    pub fail: usize,
    pub error: usize,
}

impl Tally {
    pub fn of(results: &[CheckResult]) -> Self {
        let mut tally = Self::default();
        for result in results {
            match result.outcome {
                Outcome::Ok => tally.ok += 1,
                Outcome::Warn => tally.warn += 1,
                Outcome::Fail => tally.fail += 1,
                Outcome::Error => tally.error += 1,
            }
        }
        tally
    }

    /// `5 ok · 1 warn · 2 fail · 1 could not check`, leaving out zero counts except ok. A check
    /// that could not run (its target unreachable, it timed out) is not called an "error":
    /// read at 3 a.m., that would sound like a finding about the service.
    pub fn text(&self) -> String {
        let mut parts = vec![format!("{} ok", self.ok)];
        for (n, label) in [(self.warn, "warn"), (self.fail, "fail"), (self.error, "could not check")] {
            if n > 0 {
                parts.push(format!("{n} {label}"));
            }
        }
        parts.join(" · ")
    }
}

/// The message posted when the run starts.
pub fn running(runbook: &Runbook) -> Reply {
    let text = format!(":hourglass_flowing_sand: Running {} checks of runbook `{}`…", runbook.checks.len(), escape(&runbook.name));
    Reply::blocks(Visibility::InChannel, text.clone(), vec![Block::Section { text: Some(text), fields: vec![] }])
}

/// The summary the running message becomes: one line per check, worst first.
pub fn summary(runbook: &Runbook, results: &[CheckResult], took: Duration) -> Reply {
    let tally = Tally::of(results);
    let mut ordered: Vec<&CheckResult> = results.iter().collect();
    ordered.sort_by_key(|r| std::cmp::Reverse(r.outcome));
    let lines: Vec<String> = ordered
        .iter()
        .map(|r| format!("{} *{}* — {}", r.outcome.emoji(), escape(&r.name), escape(&r.summary)))
        .collect();
    let mut blocks = vec![Block::Header(format!("Diagnostics: {}", runbook.name))];
    let mut section = String::new();
    for line in lines {
        if section.len() + line.len() + 1 > MAX_SECTION_CHARS && !section.is_empty() {
            blocks.push(Block::Section { text: Some(std::mem::take(&mut section)), fields: vec![] });
        }
        if !section.is_empty() {
            section.push('\n');
        }
        section.push_str(&cut(&line, MAX_SECTION_CHARS));
    }
    if !section.is_empty() {
        blocks.push(Block::Section { text: Some(section), fields: vec![] });
    }
    blocks.push(Block::Context(vec![format!(
        "{} · took {:.1} s · details in the thread",
        tally.text(),
        took.as_secs_f64()
    )]));
    let text = format!("Diagnostics `{}`: {}", escape(&runbook.name), tally.text());
    Reply::blocks(Visibility::InChannel, text, blocks)
}

/// One check's details: the message for the thread, and the full text when it is too long
/// to post (to attach as a file).
pub fn details(result: &CheckResult) -> (Reply, Option<String>) {
    let body = result.details.join("\n");
    let header = format!(
        "{} *{}* ({}, {} ms) — {}",
        result.outcome.emoji(),
        escape(&result.name),
        escape(&result.kind),
        result.elapsed_ms,
        escape(&result.summary)
    );
    // Slack parses `<…>` inside code blocks too; the escaped text must also fit the block.
    let escaped = escape(&body);
    let (shown, attachment) = if body.len() > MAX_INLINE_DETAILS || escaped.chars().count() > MAX_INLINE_DETAILS {
        (format!("{}\n… (full output attached)", escape_cut(&body, MAX_INLINE_DETAILS)), Some(body.clone()))
    } else {
        (escaped.into_owned(), None)
    };
    let mut blocks = vec![Block::Section { text: Some(cut(&header, MAX_SECTION_CHARS)), fields: vec![] }];
    if !shown.is_empty() {
        blocks.push(Block::Section { text: Some(format!("```{shown}```")), fields: vec![] });
    }
    (Reply::blocks(Visibility::InChannel, header, blocks), attachment)
}

fn cut(text: &str, max_bytes: usize) -> String {
    if text.len() <= max_bytes {
        return text.to_owned();
    }
    let mut end = max_bytes.saturating_sub(3);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(name: &str, outcome: Outcome, details: Vec<String>) -> CheckResult {
        CheckResult { name: name.into(), kind: "http".into(), outcome, summary: format!("{name} summary"), details, elapsed_ms: 3 }
    }

    fn runbook() -> Runbook {
        Runbook { name: "web".into(), description: String::new(), alerts: vec![], services: vec![], severity: None, checks: vec![], actions: vec![] }
    }

    #[test]
    fn the_summary_lists_worst_first_with_a_tally() {
        let results = vec![result("a", Outcome::Ok, vec![]), result("b", Outcome::Fail, vec![]), result("c", Outcome::Warn, vec![])];
        let reply = summary(&runbook(), &results, Duration::from_millis(1500));
        let Some(Block::Section { text: Some(text), .. }) = reply.blocks.get(1) else { panic!("no section") };
        assert!(text.starts_with(":x: *b*"), "{text}");
        assert!(reply.text.contains("1 ok · 1 warn · 1 fail"), "{}", reply.text);
    }

    #[test]
    fn checks_that_could_not_run_are_tallied_as_such() {
        let results = [result("a", Outcome::Error, vec![]), result("b", Outcome::Ok, vec![]), result("c", Outcome::Error, vec![])];
        assert_eq!(Tally::of(&results).text(), "1 ok · 2 could not check");
        assert_eq!(Tally::of(&[]).text(), "0 ok");
    }

    #[test]
    fn log_lines_cannot_ping_the_channel_and_the_attachment_keeps_them_raw() {
        let line = "2026-01-01 ERROR <!here> pay <http://evil.example|retry> & fail".to_owned();
        let mut check = result("docker logs", Outcome::Warn, vec![line.clone()]);
        check.summary = "web: error ×1 <!channel>".into();
        let (reply, attachment) = details(&check);
        let texts: Vec<String> = reply.blocks.iter().filter_map(|b| match b { Block::Section { text, .. } => text.clone(), _ => None }).chain([reply.text.clone()]).collect();
        assert!(texts.iter().all(|t| !t.contains("<!") && !t.contains("<http")), "{texts:?}");
        assert!(texts.iter().any(|t| t == "```2026-01-01 ERROR &lt;!here&gt; pay &lt;http://evil.example|retry&gt; &amp; fail```"), "{texts:?}");
        assert!(attachment.is_none());
        let summary = summary(&runbook(), &[check], Duration::from_millis(5));
        let Some(Block::Section { text: Some(text), .. }) = summary.blocks.get(1) else { panic!("no section") };
        assert!(text.ends_with("web: error ×1 &lt;!channel&gt;"), "{text}");
        // Long output: the escaped cut fits Slack's section, the file keeps the raw lines.
        let (reply, attachment) = details(&result("logs", Outcome::Warn, vec![line.clone(); 200]));
        assert!(attachment.is_some_and(|a| a.contains(&line)));
        let posted: usize = reply.blocks.iter().map(|b| match b { Block::Section { text: Some(t), .. } => t.chars().count(), _ => 0 }).sum();
        assert!(posted < 3200, "{posted}");
    }

    #[test]
    fn long_details_are_cut_and_attached_whole() {
        let lines: Vec<String> = (0..500).map(|i| format!("line {i} of the log")).collect();
        let (reply, attachment) = details(&result("logs", Outcome::Warn, lines));
        assert!(attachment.as_deref().is_some_and(|a| a.contains("line 499")));
        let posted: usize = reply.blocks.iter().map(|b| match b { Block::Section { text: Some(t), .. } => t.len(), _ => 0 }).sum();
        assert!(posted < 3200);
    }
}
