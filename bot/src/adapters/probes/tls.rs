//! TLS probe: the leaf certificate a server presents, read even when it is expired or untrusted.

use std::sync::Arc;
use std::time::Duration;

use firebreak_commands::diagnostics::ProbeError;
use firebreak_commands::diagnostics::facts::TlsFacts;
use jiff::Timestamp;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use tokio_rustls::rustls::crypto::{WebPkiSupportedAlgorithms, ring};
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use tokio_rustls::rustls::{self, ClientConfig, DigitallySignedStruct, SignatureScheme};

use super::http::seconds;

pub(super) async fn leaf_certificate(host: &str, port: u16, timeout: Duration) -> Result<TlsFacts, ProbeError> {
    let server_name = ServerName::try_from(host.to_owned())
        .map_err(|_| ProbeError::Failed(format!("`{host}` is not a host name or IP address")))?;
    let connector = TlsConnector::from(Arc::new(config()?));
    let handshake = async {
        let tcp = TcpStream::connect((host, port))
            .await
            .map_err(|e| ProbeError::Unreachable(format!("{host}:{port}: {e}")))?;
        let stream = connector
            .connect(server_name, tcp)
            .await
            .map_err(|e| ProbeError::Unreachable(format!("TLS handshake with {host}:{port} failed: {e}")))?;
        let (_, session) = stream.get_ref();
        let leaf = session
            .peer_certificates()
            .and_then(|chain| chain.first())
            .ok_or_else(|| ProbeError::Failed(format!("{host}:{port} presented no certificate")))?;
        parse(leaf.as_ref())
        // The stream is dropped here unused: nothing is ever sent over this connection.
    };
    tokio::time::timeout(timeout, handshake)
        .await
        .unwrap_or_else(|_| Err(ProbeError::Unreachable(format!("no TLS handshake with {host}:{port} within {}", seconds(timeout)))))
}

/// Subject, issuer and validity of a DER certificate.
fn parse(der: &[u8]) -> Result<TlsFacts, ProbeError> {
    let (_, cert) = x509_parser::parse_x509_certificate(der)
        .map_err(|e| ProbeError::Failed(format!("the certificate cannot be parsed: {e}")))?;
    let at = |time: x509_parser::time::ASN1Time| {
        Timestamp::from_second(time.timestamp()).map_err(|e| ProbeError::Failed(format!("certificate date out of range: {e}")))
    };
    let validity = cert.validity();
    Ok(TlsFacts {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        not_before: at(validity.not_before)?,
        not_after: at(validity.not_after)?,
    })
}

fn config() -> Result<ClientConfig, ProbeError> {
    let provider = Arc::new(ring::default_provider());
    let verifier = AcceptAnyCertificate { algorithms: provider.signature_verification_algorithms };
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ProbeError::Failed(format!("TLS configuration: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    Ok(config)
}

/// Accepts every certificate chain: this probe exists to read certificates, including expired,
/// self-signed or mismatched ones, so that it can report on them. That is safe only because
/// nothing is ever sent or trusted over such a connection — it is closed right after the
/// handshake. Handshake signatures are still checked, so the server did hold the key.
#[derive(Debug)]
struct AcceptAnyCertificate {
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

