//! The outbound HTTP(S) client of the webhook-style adapters (pager, Statuspage).

use axum::body::Body;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

/// A pooled client for `http` and `https` URLs that trusts the system's root certificates.
pub type HttpsClient = Client<HttpsConnector<HttpConnector>, Body>;

/// Builds the client, or says why not (no root certificates to verify `https` with), in words
/// that name `what` it was for. The error is kept rather than raised so that Firebreak starts
/// and each call that needs the client reports it.
pub fn https_client(what: &str) -> Result<HttpsClient, String> {
    hyper_rustls::HttpsConnectorBuilder::new()
        .with_native_roots()
        .map(|builder| Client::builder(TokioExecutor::new()).build(builder.https_or_http().enable_http1().build()))
        .map_err(|e| format!("no root certificates to reach {what} over https: {e}"))
}
