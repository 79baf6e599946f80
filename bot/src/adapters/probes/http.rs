//! HTTP probe: one GET with hyper over rustls (native roots), redirects not followed.

use std::time::{Duration, Instant};

use axum::body::{Body, HttpBody};
use axum::http::{Request, Uri, header};
use firebreak_commands::diagnostics::ProbeError;
use firebreak_commands::diagnostics::facts::HttpFacts;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use tokio_rustls::rustls;

use super::sanitize;

/// Enough of the body to recognise an error page in the details thread.
const BODY_SNIPPET_BYTES: usize = 500;

/// A pooled client; cheap to clone. hyper's client never follows redirects, which is what a
/// health check wants: a 302 to a login page is reported as the 302 it is.
#[derive(Clone)]
pub(super) struct HttpClient {
    /// Why no client could be built, reported by every check rather than failing startup.
    client: Result<Client<HttpsConnector<HttpConnector>, Body>, String>,
}

impl HttpClient {
    pub(super) fn new() -> Self {
        let builder = match hyper_rustls::HttpsConnectorBuilder::new().with_native_roots() {
            Ok(builder) => Ok(builder),
            Err(error) => {
                // Without system roots, plain http:// checks still work and https:// ones
                // report the untrusted certificate instead of the bot failing to start.
                tracing::warn!(%error, "no native root certificates; https checks will fail verification");
                empty_roots_config()
                    .map(|config| hyper_rustls::HttpsConnectorBuilder::new().with_tls_config(config))
                    .map_err(|e| format!("no TLS configuration for HTTP checks: {e}"))
            }
        };
        let client = builder.map(|builder| {
            let connector = builder.https_or_http().enable_http1().build();
            Client::builder(TokioExecutor::new()).build(connector)
        });
        Self { client }
    }

    pub(super) async fn get(&self, url: &str, timeout: Duration) -> Result<HttpFacts, ProbeError> {
        let (uri, shown) = target(url)?;
        let request = Request::get(uri)
            .header(header::USER_AGENT, concat!("firebreak/", env!("CARGO_PKG_VERSION")))
            .body(Body::empty())
            .map_err(|e| ProbeError::Failed(format!("cannot build a request for {shown}: {e}")))?;
        let started = Instant::now();
        let client = self.client.as_ref().map_err(|e| ProbeError::Failed(e.clone()))?;
        let exchange = async {
            let response = client.request(request).await.map_err(|e| {
                // hyper-util's own layer only says "client error (Connect)"; the cause says why.
                let why = std::error::Error::source(&e).map_or_else(|| sanitize::chain(&e), sanitize::chain);
                ProbeError::Unreachable(sanitize::scrub(&why, url))
            })?;
            let latency = started.elapsed();
            let status = response.status().as_u16();
            let body_snippet = snippet(response.into_body()).await;
            Ok(HttpFacts { status, latency, body_snippet })
        };
        tokio::time::timeout(timeout, exchange)
            .await
            .unwrap_or_else(|_| Err(ProbeError::Unreachable(format!("no answer from {shown} within {}", seconds(timeout)))))
    }
}

/// The URI to request and the URL as it may be shown, both without user:password.
fn target(url: &str) -> Result<(Uri, String), ProbeError> {
    let mut parsed = url::Url::parse(url).map_err(|e| ProbeError::Failed(format!("not a URL ({e})")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(ProbeError::Failed(format!("only http and https URLs can be checked, not {}", parsed.scheme())));
    }
    // Credentials are dropped, not sent: health endpoints should not need them, and they must
    // never appear in what is posted.
    let _ = parsed.set_username("");
    let _ = parsed.set_password(None);
    let shown = parsed.to_string();
    let uri = shown.parse::<Uri>().map_err(|e| ProbeError::Failed(format!("not a URL ({e})")))?;
    Ok((uri, shown))
}

/// The first bytes of the body, as text; the rest is never read.
async fn snippet<B>(body: B) -> String
where
    B: HttpBody<Data = axum::body::Bytes> + Unpin,
{
    let mut body = body;
    let mut bytes = Vec::with_capacity(BODY_SNIPPET_BYTES);
    while bytes.len() < BODY_SNIPPET_BYTES {
        let frame = std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await;
        match frame {
            Some(Ok(frame)) => {
                if let Some(data) = frame.data_ref() {
                    bytes.extend_from_slice(data);
                }
            }
            // A body cut short still tells us the status; what arrived is enough.
            Some(Err(_)) | None => break,
        }
    }
    bytes.truncate(BODY_SNIPPET_BYTES);
    String::from_utf8_lossy(&bytes).trim_end_matches('\u{FFFD}').trim().to_owned()
}

fn empty_roots_config() -> Result<rustls::ClientConfig, rustls::Error> {
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth())
}

pub(super) fn seconds(duration: Duration) -> String {
    format!("{:.1} s", duration.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_dropped_from_the_target() {
        let (uri, shown) = target("https://admin:hunter2@example.com:8443/health?x=1").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(shown, "https://example.com:8443/health?x=1");
        assert_eq!(uri.to_string(), shown);
        assert!(matches!(target("ftp://example.com/"), Err(ProbeError::Failed(_))));
        assert!(matches!(target("not a url"), Err(ProbeError::Failed(_))));
    }
}
