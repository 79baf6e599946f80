//! Redis probe: connect, `PING` (timed), `INFO` for memory, clients and version.

use std::time::{Duration, Instant};

use firebreak_commands::diagnostics::ProbeError;
use firebreak_commands::diagnostics::facts::RedisFacts;

use super::http::seconds;
use super::sanitize;

pub(super) async fn probe(url: &str, url_env: &str, timeout: Duration) -> Result<RedisFacts, ProbeError> {
    // The client's parse errors may quote the URL, so they are replaced, not passed on.
    let client = redis::Client::open(url)
        .map_err(|_| ProbeError::NotConfigured(format!("environment variable {url_env} does not hold a valid Redis URL")))?;
    let fail = |error: redis::RedisError| sanitized(&error, url);
    let session = async {
        let mut conn = client.get_multiplexed_async_connection().await.map_err(fail)?;
        let started = Instant::now();
        let _pong: String = redis::cmd("PING").query_async(&mut conn).await.map_err(fail)?;
        let ping_latency = started.elapsed();
        // Plain INFO carries the server, clients and memory sections on every Redis version.
        let info: String = redis::cmd("INFO").query_async(&mut conn).await.map_err(fail)?;
        Ok(facts(&info, ping_latency))
    };
    tokio::time::timeout(timeout, session)
        .await
        .unwrap_or_else(|_| Err(ProbeError::Unreachable(format!("no answer from Redis within {}", seconds(timeout)))))
}

/// The fields we report from `INFO` text (`key:value` lines, `#` section headers).
fn facts(info: &str, ping_latency: Duration) -> RedisFacts {
    let field = |name: &str| {
        info.lines().find_map(|line| line.trim_end().strip_prefix(name).and_then(|rest| rest.strip_prefix(':')))
    };
    let number = |name: &str| field(name).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    RedisFacts {
        ping_latency,
        used_memory_bytes: number("used_memory"),
        maxmemory_bytes: number("maxmemory"),
        connected_clients: u32::try_from(number("connected_clients")).unwrap_or(u32::MAX),
        server_version: field("redis_version").unwrap_or("unknown").to_owned(),
    }
}

/// A redis error as a `ProbeError` that names the problem but never the URL or password.
fn sanitized(error: &redis::RedisError, url: &str) -> ProbeError {
    let text = sanitize::scrub(&error.to_string(), url);
    if error.is_connection_refusal() || error.is_io_error() || error.is_timeout() || error.is_connection_dropped() {
        ProbeError::Unreachable(text)
    } else if error.kind() == redis::ErrorKind::AuthenticationFailed || matches!(error.code(), Some("WRONGPASS" | "NOAUTH")) {
        ProbeError::Forbidden(text)
    } else {
        ProbeError::Failed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_fields_are_read() {
        let info = "# Server\r\nredis_version:7.0.15\r\n# Clients\r\nconnected_clients:3\r\n# Memory\r\nused_memory:1258291\r\nused_memory_human:1.20M\r\nmaxmemory:0\r\nmaxmemory_policy:noeviction\r\n";
        let facts = facts(info, Duration::from_millis(1));
        assert_eq!(facts.used_memory_bytes, 1_258_291);
        assert_eq!(facts.maxmemory_bytes, 0);
        assert_eq!(facts.connected_clients, 3);
        assert_eq!(facts.server_version, "7.0.15");
    }
}
