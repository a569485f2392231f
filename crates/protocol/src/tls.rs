//! go-plugin AutoMTLS with real client authentication.
//!
//! Terraform passes its client certificate in `PLUGIN_CLIENT_CERT`: a
//! self-signed P-521 CA certificate. Stock verifiers cannot accept it (webpki
//! refuses a CA certificate as an end entity; ring cannot do P-521), so we
//! pin it: a client is accepted only if it presents exactly that certificate
//! and proves possession of its key, verified with aws-lc-rs.

use std::fmt;
use std::sync::Arc;

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, ServerConfig, SignatureScheme};
use tokio_rustls::TlsAcceptor;

/// The server side of AutoMTLS: an acceptor and the certificate to advertise.
pub(crate) struct AutoMtls {
    pub(crate) acceptor: TlsAcceptor,
    pub(crate) server_cert_der: Vec<u8>,
}

/// AutoMTLS could not be set up.
#[derive(Debug, thiserror::Error)]
pub(crate) enum TlsSetupError {
    #[error("PLUGIN_CLIENT_CERT holds no PEM certificate")]
    NoClientCert,
    #[error("generating the server certificate: {0}")]
    Certificate(#[from] rcgen::Error),
    #[error("building the TLS configuration: {0}")]
    Rustls(#[from] rustls::Error),
}

/// Sets up AutoMTLS for the client certificate Terraform passed.
pub(crate) fn auto_mtls(client_cert_pem: &str) -> Result<AutoMtls, TlsSetupError> {
    let client_cert = rustls_pemfile::certs(&mut client_cert_pem.as_bytes())
        .next()
        .and_then(Result::ok)
        .ok_or(TlsSetupError::NoClientCert)?;

    let (server_cert, server_key) = server_certificate()?;
    let crypto = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let verifier = PinnedClientCert {
        pinned: client_cert,
        crypto: crypto.clone(),
    };
    let mut config = ServerConfig::builder_with_provider(crypto)
        .with_safe_default_protocol_versions()?
        .with_client_cert_verifier(Arc::new(verifier))
        .with_single_cert(vec![server_cert.clone()], server_key)?;
    // grpc-go 1.67+ (Terraform 1.12+, OpenTofu 1.11+) refuses servers
    // without ALPN h2.
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(AutoMtls {
        acceptor: TlsAcceptor::from(Arc::new(config)),
        server_cert_der: server_cert.to_vec(),
    })
}

/// A fresh self-signed certificate for `localhost`, shaped like go-plugin's
/// own (a CA certificate usable for server and client auth).
fn server_certificate() -> Result<(CertificateDer<'static>, PrivateKeyDer<'static>), rcgen::Error> {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
        KeyUsagePurpose,
    };
    let key = KeyPair::generate()?;
    let mut params = CertificateParams::new(vec!["localhost".to_owned()])?;
    params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    params
        .distinguished_name
        .push(DnType::OrganizationName, "terraform-provider-driver");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
        KeyUsagePurpose::KeyCertSign,
    ];
    params.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ServerAuth,
        ExtendedKeyUsagePurpose::ClientAuth,
    ];
    let cert = params.self_signed(&key)?;
    let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    Ok((cert.der().clone(), key_der))
}

/// Accepts exactly one client certificate, byte for byte.
struct PinnedClientCert {
    pinned: CertificateDer<'static>,
    crypto: Arc<CryptoProvider>,
}

impl fmt::Debug for PinnedClientCert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PinnedClientCert")
            .field("pinned_len", &self.pinned.len())
            .finish()
    }
}

impl ClientCertVerifier for PinnedClientCert {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.pinned.as_ref() {
            Ok(ClientCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    // The signatures prove the client holds the pinned certificate's key.
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.crypto.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.crypto.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.crypto
            .signature_verification_algorithms
            .supported_schemes()
    }

    fn client_auth_mandatory(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p521_cert() -> String {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).unwrap();
        let params = rcgen::CertificateParams::new(vec!["localhost".into()]).unwrap();
        params.self_signed(&key).unwrap().pem()
    }

    #[test]
    fn pins_exactly_the_given_certificate() {
        let pem = p521_cert();
        let pinned = rustls_pemfile::certs(&mut pem.as_bytes())
            .next()
            .unwrap()
            .unwrap();
        let v = PinnedClientCert {
            pinned: pinned.clone(),
            crypto: Arc::new(rustls::crypto::aws_lc_rs::default_provider()),
        };
        assert!(v.verify_client_cert(&pinned, &[], UnixTime::now()).is_ok());
        let other_pem = p521_cert();
        let other = rustls_pemfile::certs(&mut other_pem.as_bytes())
            .next()
            .unwrap()
            .unwrap();
        assert!(v.verify_client_cert(&other, &[], UnixTime::now()).is_err());
        assert!(
            v.supported_verify_schemes()
                .contains(&SignatureScheme::ECDSA_NISTP521_SHA512)
        );
    }

    #[test]
    fn setup_needs_a_certificate() {
        assert!(matches!(
            auto_mtls("not pem"),
            Err(TlsSetupError::NoClientCert)
        ));
        let m = auto_mtls(&p521_cert()).unwrap();
        assert!(!m.server_cert_der.is_empty());
    }
}
