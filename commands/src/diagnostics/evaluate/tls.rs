//! `tls_expiry`: days until the certificate served at host:port expires.

use std::time::Duration;

use jiff::Timestamp;

use crate::diagnostics::facts::TlsFacts;
use crate::diagnostics::ports::{ProbeError, Probes};
use crate::diagnostics::result::{Outcome, Verdict};

const DAY_SECONDS: i64 = 86_400;

pub(super) async fn check(probes: &dyn Probes, host: &str, port: u16, warn_days: u32, timeout: Duration, now: Timestamp) -> Verdict {
    let target = format!("{host}:{port}");
    match probes.tls_certificate(host, port, timeout).await {
        Ok(facts) => judge(&target, &facts, warn_days, now),
        // Nothing to read a certificate from is a failed check, not a broken one: clients fail too.
        Err(error @ ProbeError::Unreachable(_)) => {
            Verdict::new(Outcome::Fail, error.to_string()).with_details(vec![format!("endpoint: {target}")])
        }
        Err(error) => Verdict::error(error.to_string()).with_details(vec![format!("endpoint: {target}")]),
    }
}

fn judge(target: &str, facts: &TlsFacts, warn_days: u32, now: Timestamp) -> Verdict {
    let expires = date(facts.not_after);
    let (outcome, summary) = if facts.not_after <= now {
        let days_ago = (now.as_second() - facts.not_after.as_second()) / DAY_SECONDS;
        let when = match days_ago {
            0 => "today".to_owned(),
            1 => "1 day ago".to_owned(),
            n => format!("{n} days ago"),
        };
        (Outcome::Fail, format!("expired {when} ({expires})"))
    } else if now < facts.not_before {
        (Outcome::Fail, format!("not valid until {}", date(facts.not_before)))
    } else {
        // Whole days left, rounded down: "expires in 0 days" on the last day is the honest answer.
        let days_left = (facts.not_after.as_second() - now.as_second()) / DAY_SECONDS;
        if days_left < i64::from(warn_days) {
            (Outcome::Warn, format!("expires in {} ({expires})", days(days_left)))
        } else {
            (Outcome::Ok, format!("valid for {} more days", days_left))
        }
    };
    let details = vec![
        format!("endpoint: {target}"),
        format!("subject: {}", facts.subject),
        format!("issuer: {}", facts.issuer),
        format!("not before: {}", facts.not_before),
        format!("not after: {}", facts.not_after),
        format!("warns within {warn_days} days of expiry"),
    ];
    Verdict::new(outcome, summary).with_details(details)
}

fn days(n: i64) -> String {
    if n == 1 { "1 day".to_owned() } else { format!("{n} days") }
}

fn date(at: Timestamp) -> String {
    at.strftime("%Y-%m-%d").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::evaluate::http::fake_probes::FakeProbes;

    fn now() -> Timestamp {
        "2026-11-23T12:00:00Z".parse().unwrap_or(Timestamp::UNIX_EPOCH)
    }

    fn cert(from_days: i64, until_days: i64) -> TlsFacts {
        let at = |d: i64| Timestamp::from_second(now().as_second() + d * DAY_SECONDS).unwrap_or(Timestamp::UNIX_EPOCH);
        TlsFacts { subject: "CN=web".into(), issuer: "CN=ca".into(), not_before: at(from_days), not_after: at(until_days) }
    }

    #[test]
    fn expiry_is_judged_against_now_and_warn_days() {
        let verdict = judge("web:443", &cert(-30, 63), 14, now());
        assert_eq!((verdict.outcome, verdict.summary.as_str()), (Outcome::Ok, "valid for 63 more days"));
        let verdict = judge("web:443", &cert(-30, 9), 14, now());
        assert_eq!((verdict.outcome, verdict.summary.as_str()), (Outcome::Warn, "expires in 9 days (2026-12-02)"));
        let verdict = judge("web:443", &cert(-30, -3), 14, now());
        assert_eq!((verdict.outcome, verdict.summary.as_str()), (Outcome::Fail, "expired 3 days ago (2026-11-20)"));
        assert_eq!(judge("web:443", &cert(2, 90), 14, now()).outcome, Outcome::Fail);
        assert_eq!(judge("web:443", &cert(-1, 0), 14, now()).outcome, Outcome::Fail);
    }

    #[tokio::test]
    async fn unreachable_fails_and_other_errors_are_errors() {
        let probes = FakeProbes { tls: Some(Err(ProbeError::Unreachable("connection refused".into()))), ..FakeProbes::default() };
        let verdict = check(&probes, "web", 443, 14, Duration::from_secs(1), now()).await;
        assert_eq!((verdict.outcome, verdict.summary.as_str()), (Outcome::Fail, "unreachable: connection refused"));
        let probes = FakeProbes { tls: Some(Err(ProbeError::Failed("odd".into()))), ..FakeProbes::default() };
        assert_eq!(check(&probes, "web", 443, 14, Duration::from_secs(1), now()).await.outcome, Outcome::Error);
    }
}
