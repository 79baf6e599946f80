//! `http`: GET a health URL as `curl -f` would.

use std::time::Duration;

use crate::diagnostics::facts::HttpFacts;
use crate::diagnostics::ports::{ProbeError, Probes};
use crate::diagnostics::redact::redact;
use crate::diagnostics::result::{Outcome, Verdict};

/// Slower than this is worth a look even when the status is fine.
const SLOW: Duration = Duration::from_secs(2);

pub(super) async fn check(probes: &dyn Probes, url: &str, timeout: Duration) -> Verdict {
    judge(&without_userinfo(url), probes.http_get(url, timeout).await)
}

fn judge(url: &str, facts: Result<HttpFacts, ProbeError>) -> Verdict {
    let facts = match facts {
        Ok(facts) => facts,
        // Reachability is exactly what a health check asks, so an unreachable URL fails.
        Err(error @ ProbeError::Unreachable(_)) => {
            return Verdict::new(Outcome::Fail, redact(&error.to_string())).with_details(vec![format!("URL: {url}")]);
        }
        Err(error) => return Verdict::error(redact(&error.to_string())).with_details(vec![format!("URL: {url}")]),
    };
    let latency_ms = facts.latency.as_millis();
    let (outcome, summary) = if facts.status >= 400 {
        (Outcome::Fail, format!("HTTP {} from {url}", facts.status))
    } else if facts.latency > SLOW {
        (Outcome::Warn, format!("HTTP {} in {latency_ms} ms (slow: over {} s)", facts.status, SLOW.as_secs()))
    } else {
        (Outcome::Ok, format!("HTTP {} in {latency_ms} ms", facts.status))
    };
    let mut details = vec![format!("URL: {url}"), format!("status: {}", facts.status), format!("latency: {latency_ms} ms")];
    let body = facts.body_snippet.trim();
    if !body.is_empty() {
        details.push(format!("body: {}", redact(body)));
    }
    Verdict::new(outcome, summary).with_details(details)
}

/// `https://user:pw@host/x` → `https://host/x`: credentials never reach the channel.
fn without_userinfo(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return redact(url);
    };
    let (head, rest) = url.split_at(scheme_end + 3);
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{head}{}", &rest[at + 1..]),
        None => redact(url),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::evaluate::http::fake_probes::FakeProbes;

    fn facts(status: u16, latency_ms: u64, body: &str) -> HttpFacts {
        HttpFacts { status, latency: Duration::from_millis(latency_ms), body_snippet: body.to_owned() }
    }

    #[tokio::test]
    async fn statuses_are_judged_as_curl_f() {
        let probes = FakeProbes { http: Some(Ok(facts(200, 12, "ok"))), ..FakeProbes::default() };
        let verdict = check(&probes, "http://web/health", Duration::from_secs(1)).await;
        assert_eq!((verdict.outcome, verdict.summary.as_str()), (Outcome::Ok, "HTTP 200 in 12 ms"));
        assert!(verdict.details.contains(&"body: ok".to_owned()));

        let verdict = judge("http://web/health", Ok(facts(502, 3, "bad gateway")));
        assert_eq!((verdict.outcome, verdict.summary.as_str()), (Outcome::Fail, "HTTP 502 from http://web/health"));
        assert_eq!(judge("u", Ok(facts(301, 3, ""))).outcome, Outcome::Ok);
        assert_eq!(judge("u", Ok(facts(404, 3, ""))).outcome, Outcome::Fail);
        assert_eq!(judge("u", Ok(facts(200, 2500, ""))).outcome, Outcome::Warn);
    }

    #[test]
    fn unreachable_fails_and_other_errors_are_errors() {
        let verdict = judge("u", Err(ProbeError::Unreachable("connection refused".into())));
        assert_eq!((verdict.outcome, verdict.summary.as_str()), (Outcome::Fail, "unreachable: connection refused"));
        assert_eq!(judge("u", Err(ProbeError::Failed("bad URL".into()))).outcome, Outcome::Error);
    }

    #[test]
    fn credentials_in_urls_are_never_shown() {
        assert_eq!(without_userinfo("https://admin:hunter2@web:8443/health?x=1"), "https://web:8443/health?x=1");
        assert_eq!(without_userinfo("http://web/a@b"), "http://web/a@b");
        let verdict = judge(&without_userinfo("https://admin:hunter2@web/h"), Ok(facts(500, 1, "")));
        assert!(!format!("{verdict:?}").contains("hunter2"));
    }
}

/// A `Probes` answering from fields, shared by the tests of the probe checks (`http`, `tls`,
/// `postgres`, `redis`, `disk`); it lives here because those five files are its only users.
#[cfg(test)]
pub(super) mod fake_probes {
    use std::collections::BTreeMap;
    use std::time::Duration;

    use async_trait::async_trait;

    use crate::diagnostics::facts::{DiskFacts, HttpFacts, PostgresFacts, RedisFacts, TlsFacts};
    use crate::diagnostics::ports::{ProbeError, Probes};

    #[derive(Debug, Default)]
    pub struct FakeProbes {
        pub http: Option<Result<HttpFacts, ProbeError>>,
        pub tls: Option<Result<TlsFacts, ProbeError>>,
        pub postgres: Option<Result<PostgresFacts, ProbeError>>,
        pub redis: Option<Result<RedisFacts, ProbeError>>,
        /// Path → answer; unknown paths are not found.
        pub disks: BTreeMap<String, Result<DiskFacts, ProbeError>>,
    }

    fn answer<T: Clone>(slot: &Option<Result<T, ProbeError>>) -> Result<T, ProbeError> {
        slot.clone().unwrap_or_else(|| Err(ProbeError::NotConfigured("the fake has no answer".into())))
    }

    #[async_trait]
    impl Probes for FakeProbes {
        async fn http_get(&self, _url: &str, _timeout: Duration) -> Result<HttpFacts, ProbeError> {
            answer(&self.http)
        }
        async fn tls_certificate(&self, _host: &str, _port: u16, _timeout: Duration) -> Result<TlsFacts, ProbeError> {
            answer(&self.tls)
        }
        async fn postgres(&self, _url_env: &str, _timeout: Duration) -> Result<PostgresFacts, ProbeError> {
            answer(&self.postgres)
        }
        async fn redis(&self, _url_env: &str, _timeout: Duration) -> Result<RedisFacts, ProbeError> {
            answer(&self.redis)
        }
        async fn disk(&self, path: &str) -> Result<DiskFacts, ProbeError> {
            self.disks.get(path).cloned().unwrap_or_else(|| Err(ProbeError::NotFound(path.to_owned())))
        }
    }
}
