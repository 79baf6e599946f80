//! `redis`: `redis-cli ping`, memory and connected clients.

use std::time::Duration;

use super::disk::human_bytes;
use crate::diagnostics::facts::RedisFacts;
use crate::diagnostics::ports::{ProbeError, Probes};
use crate::diagnostics::redact::redact;
use crate::diagnostics::result::{Outcome, Verdict};

/// Past this share of `maxmemory`, Redis is close to evicting or refusing writes.
const MEMORY_WARN_PERCENT: u64 = 90;

pub(super) async fn check(probes: &dyn Probes, url_env: &str, timeout: Duration) -> Verdict {
    match probes.redis(url_env, timeout).await {
        Ok(facts) => judge(&facts),
        Err(error @ ProbeError::NotConfigured(_)) => Verdict::error(error.to_string()),
        Err(error) => Verdict::new(Outcome::Fail, redact(&error.to_string())),
    }
}

fn judge(facts: &RedisFacts) -> Verdict {
    let latency_ms = facts.ping_latency.as_millis();
    let used = human_bytes(facts.used_memory_bytes);
    let clients = match facts.connected_clients {
        1 => "1 client".to_owned(),
        n => format!("{n} clients"),
    };
    let percent = (facts.maxmemory_bytes > 0).then(|| facts.used_memory_bytes.saturating_mul(100) / facts.maxmemory_bytes);
    let verdict = match percent {
        Some(p) if p >= MEMORY_WARN_PERCENT => Verdict::new(
            Outcome::Warn,
            format!("{used} of maxmemory {} used ({p}%), {clients}", human_bytes(facts.maxmemory_bytes)),
        ),
        _ => Verdict::new(Outcome::Ok, format!("PONG in {latency_ms} ms, {used} used, {clients}")),
    };
    let maxmemory = match facts.maxmemory_bytes {
        0 => "maxmemory: not set".to_owned(),
        max => format!("maxmemory: {}", human_bytes(max)),
    };
    verdict.with_details(vec![
        format!("server version: {}", facts.server_version),
        format!("ping latency: {latency_ms} ms"),
        format!("used memory: {used}"),
        maxmemory,
        format!("connected clients: {}", facts.connected_clients),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::evaluate::http::fake_probes::FakeProbes;

    fn facts(used: u64, max: u64) -> RedisFacts {
        RedisFacts {
            ping_latency: Duration::from_millis(1),
            used_memory_bytes: used,
            maxmemory_bytes: max,
            connected_clients: 3,
            server_version: "7.0.15".into(),
        }
    }

    #[test]
    fn memory_near_maxmemory_warns() {
        let verdict = judge(&facts(1_258_291, 0));
        assert_eq!((verdict.outcome, verdict.summary.as_str()), (Outcome::Ok, "PONG in 1 ms, 1.2 MiB used, 3 clients"));
        assert_eq!(judge(&facts(95, 100)).outcome, Outcome::Warn);
        assert_eq!(judge(&facts(50, 100)).outcome, Outcome::Ok);
    }

    #[tokio::test]
    async fn errors_fail_unless_not_configured() {
        let probes = FakeProbes { redis: Some(Err(ProbeError::Unreachable("connection refused".into()))), ..FakeProbes::default() };
        assert_eq!(check(&probes, "REDIS_URL", Duration::from_secs(1)).await.outcome, Outcome::Fail);
        let probes = FakeProbes::default();
        assert_eq!(check(&probes, "REDIS_URL", Duration::from_secs(1)).await.outcome, Outcome::Error);
    }
}
