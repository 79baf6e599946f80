//! The TLS probe against real TLS servers (tokio-rustls) serving rcgen certificates, judged
//! through `evaluate`. They live in the bot crate because only it depends on tokio-rustls.

use std::sync::Arc;
use std::time::Duration;

use firebreak_commands::diagnostics::evaluate::evaluate;
use firebreak_commands::diagnostics::spec::{CheckSpec, CheckTarget};
use firebreak_commands::diagnostics::{Outcome, Probes};
use jiff::{Timestamp, ToSpan};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::crypto::ring;
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

use super::HostProbes;
use super::test_ports::ports;

const DAY: Duration = Duration::from_secs(86_400);

/// A TLS server on 127.0.0.1 whose certificate for `localhost` is valid from
/// `today - valid_since_days` until `today + expires_in_days` (negative: already expired).
async fn serve_certificate(valid_since_days: u32, expires_in_days: i32) -> anyhow::Result<u16> {
    let today = jiff::Zoned::now().date();
    let midnight = rcgen::date_time_ymd(i32::from(today.year()), u8::try_from(today.month())?, u8::try_from(today.day())?);
    let key = rcgen::KeyPair::generate()?;
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_owned()])?;
    params.distinguished_name.push(rcgen::DnType::CommonName, "firebreak test");
    params.not_before = midnight - DAY * valid_since_days;
    params.not_after = if expires_in_days >= 0 {
        midnight + DAY * expires_in_days.unsigned_abs()
    } else {
        midnight - DAY * expires_in_days.unsigned_abs()
    };
    let cert = params.self_signed(&key)?;
    let config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(vec![cert.der().clone()], PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())))?;
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // Hold the session open briefly, as a real server would, then hang up.
                if let Ok(stream) = acceptor.accept(tcp).await {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    drop(stream);
                }
            });
        }
    });
    Ok(port)
}

fn spec(port: u16, warn_days: u32) -> CheckSpec {
    CheckSpec {
        name: "certificate".into(),
        timeout: Duration::from_secs(5),
        target: CheckTarget::TlsExpiry { host: "localhost".into(), port, warn_days },
    }
}

#[tokio::test]
async fn a_certificate_valid_for_90_days_is_ok() -> anyhow::Result<()> {
    let port = serve_certificate(1, 90).await?;
    let facts = HostProbes::new().tls_certificate("localhost", port, Duration::from_secs(5)).await?;
    assert!(facts.subject.contains("firebreak test"), "{facts:?}");
    let days_left = (facts.not_after.as_second() - Timestamp::now().as_second()) / 86_400;
    assert!((88..=90).contains(&days_left), "{days_left}");
    let verdict = evaluate(&ports(HostProbes::new()), &spec(port, 14), Timestamp::now()).await;
    assert_eq!(verdict.outcome, Outcome::Ok, "{verdict:?}");
    assert!(verdict.summary.starts_with("valid for 8"), "{}", verdict.summary);
    Ok(())
}

#[tokio::test]
async fn a_certificate_expiring_in_5_days_warns() -> anyhow::Result<()> {
    let port = serve_certificate(30, 5).await?;
    let verdict = evaluate(&ports(HostProbes::new()), &spec(port, 14), Timestamp::now()).await;
    assert_eq!(verdict.outcome, Outcome::Warn, "{verdict:?}");
    assert!(verdict.summary.starts_with("expires in 4 days") || verdict.summary.starts_with("expires in 5 days"), "{}", verdict.summary);
    Ok(())
}

#[tokio::test]
async fn an_expired_certificate_fails_and_is_still_read() -> anyhow::Result<()> {
    let port = serve_certificate(60, -3).await?;
    let facts = HostProbes::new().tls_certificate("localhost", port, Duration::from_secs(5)).await?;
    assert!(facts.not_after < Timestamp::now());
    let verdict = evaluate(&ports(HostProbes::new()), &spec(port, 14), Timestamp::now()).await;
    assert_eq!(verdict.outcome, Outcome::Fail, "{verdict:?}");
    assert!(verdict.summary.starts_with("expired 2 days ago") || verdict.summary.starts_with("expired 3 days ago"), "{}", verdict.summary);
    // The verdict is judged against the `now` given: ten days later it is ten days older.
    let later = Timestamp::now().checked_add(240.hours())?;
    let later_verdict = evaluate(&ports(HostProbes::new()), &spec(port, 14), later).await;
    assert!(later_verdict.summary.starts_with("expired 12 days ago") || later_verdict.summary.starts_with("expired 13 days ago"), "{}", later_verdict.summary);
    Ok(())
}

#[tokio::test]
async fn nothing_listening_fails_as_unreachable() -> anyhow::Result<()> {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        listener.local_addr()?.port()
    };
    let verdict = evaluate(&ports(HostProbes::new()), &spec(port, 14), Timestamp::now()).await;
    assert_eq!(verdict.outcome, Outcome::Fail, "{verdict:?}");
    assert!(verdict.summary.starts_with("unreachable:"), "{}", verdict.summary);
    Ok(())
}

#[tokio::test]
async fn a_server_that_never_handshakes_times_out() -> anyhow::Result<()> {
    // Accepts TCP but never speaks TLS: the probe must give up at its timeout.
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((tcp, _)) = listener.accept().await {
            held.push(tcp);
        }
    });
    let started = std::time::Instant::now();
    let result = HostProbes::new().tls_certificate("127.0.0.1", port, Duration::from_millis(300)).await;
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(matches!(result, Err(firebreak_commands::diagnostics::ProbeError::Unreachable(_))), "{result:?}");
    Ok(())
}
