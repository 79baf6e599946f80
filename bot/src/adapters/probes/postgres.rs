//! Postgres probe: connect (timed), `SELECT 1`, connections in use vs `max_connections`, version.

use std::time::{Duration, Instant};

use firebreak_commands::diagnostics::ProbeError;
use firebreak_commands::diagnostics::facts::PostgresFacts;
use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection};

use super::http::seconds;
use super::sanitize;

/// Postgres SQLSTATEs for a rejected login (`invalid_password`, `invalid_authorization_specification`).
const AUTH_FAILED: [&str; 2] = ["28P01", "28000"];

pub(super) async fn probe(url: &str, url_env: &str, timeout: Duration) -> Result<PostgresFacts, ProbeError> {
    // sqlx's parse errors may quote the URL, so they are replaced, not passed on.
    let options: PgConnectOptions = url
        .parse()
        .map_err(|_| ProbeError::NotConfigured(format!("environment variable {url_env} does not hold a valid Postgres URL")))?;
    let fail = |error: sqlx::Error| sanitized(&error, url);
    let session = async {
        let started = Instant::now();
        let mut conn = PgConnection::connect_with(&options).await.map_err(fail)?;
        let connect_latency = started.elapsed();
        let one: i32 = sqlx::query_scalar("SELECT 1").fetch_one(&mut conn).await.map_err(fail)?;
        let max_connections: String = sqlx::query_scalar("SHOW max_connections").fetch_one(&mut conn).await.map_err(fail)?;
        // Only client backends count against max_connections; background workers do not.
        let connections: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'")
            .fetch_one(&mut conn)
            .await
            .map_err(fail)?;
        let server_version: String = sqlx::query_scalar("SHOW server_version").fetch_one(&mut conn).await.map_err(fail)?;
        // A failed goodbye changes nothing about the server's health.
        let _ = conn.close().await;
        Ok(PostgresFacts {
            connect_latency,
            select_one: one == 1,
            connections: u32::try_from(connections).unwrap_or(u32::MAX),
            max_connections: max_connections.trim().parse().unwrap_or(0),
            server_version,
        })
    };
    tokio::time::timeout(timeout, session)
        .await
        .unwrap_or_else(|_| Err(ProbeError::Unreachable(format!("no answer from Postgres within {}", seconds(timeout)))))
}

/// A sqlx error as a `ProbeError` that names the problem but never the URL or password.
fn sanitized(error: &sqlx::Error, url: &str) -> ProbeError {
    let scrub = |text: &str| sanitize::scrub(text, url);
    match error {
        sqlx::Error::Database(db) if db.code().is_some_and(|code| AUTH_FAILED.contains(&code.as_ref())) => {
            ProbeError::Forbidden(scrub(db.message()))
        }
        sqlx::Error::Database(db) => ProbeError::Failed(scrub(db.message())),
        sqlx::Error::Io(io) => ProbeError::Unreachable(scrub(&io.to_string())),
        sqlx::Error::Tls(tls) => ProbeError::Unreachable(scrub(&format!("TLS: {tls}"))),
        sqlx::Error::Configuration(_) => ProbeError::NotConfigured("the Postgres URL's settings are invalid".to_owned()),
        other => ProbeError::Failed(scrub(&sanitize::chain(other))),
    }
}
