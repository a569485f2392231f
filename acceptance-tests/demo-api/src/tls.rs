//! HTTPS for the demo API: a throwaway CA, a server certificate for
//! 127.0.0.1 signed by it, and optionally a client CA whose certificates
//! the server requires (mutual TLS).

use std::io;
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// PEM material a test hands to the provider.
#[derive(Debug, Clone)]
pub struct TlsMaterial {
    /// The CA that signed the server certificate.
    pub ca_cert_pem: String,
    /// A client certificate the server accepts (when mTLS is on).
    pub client_cert_pem: String,
    /// Its key.
    pub client_key_pem: String,
}

fn ca(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut p = CertificateParams::new(Vec::<String>::new()).expect("params");
    p.distinguished_name.push(DnType::CommonName, name);
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    CertifiedIssuer::self_signed(p, KeyPair::generate().expect("key")).expect("CA")
}

/// How the demo API serves HTTPS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// A server certificate signed by a private CA.
    Server,
    /// The same, and client certificates from a client CA are required.
    Mutual,
    /// One self-signed certificate marked as a CA (basic constraints
    /// CA:TRUE) used as the server's own, as quick setups often do.
    SelfSignedCa,
}

/// A TLS acceptor for 127.0.0.1, and the PEMs clients need.
pub fn setup(mode: TlsMode) -> (TlsAcceptor, TlsMaterial) {
    let require_client_cert = mode == TlsMode::Mutual;
    let server_ca = ca("demo-api server CA");
    let server_key = KeyPair::generate().expect("key");
    let names = vec!["127.0.0.1".to_owned(), "localhost".to_owned()];
    let server = if mode == TlsMode::SelfSignedCa {
        let mut p = CertificateParams::new(names).expect("params");
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.self_signed(&server_key).expect("self-signed cert")
    } else {
        CertificateParams::new(names)
            .expect("params")
            .signed_by(&server_key, &server_ca)
            .expect("server cert")
    };

    let client_ca = ca("demo-api client CA");
    let client_key = KeyPair::generate().expect("key");
    let mut cp = CertificateParams::new(vec!["terraform".to_owned()]).expect("params");
    cp.distinguished_name.push(DnType::CommonName, "terraform");
    let client = cp.signed_by(&client_key, &client_ca).expect("client cert");

    let crypto = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(crypto.clone())
        .with_safe_default_protocol_versions()
        .expect("versions");
    let builder = if require_client_cert {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(client_ca.der().clone()).expect("client CA");
        let verifier =
            rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), crypto)
                .build()
                .expect("verifier");
        builder.with_client_cert_verifier(verifier)
    } else {
        builder.with_no_client_auth()
    };
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der()));
    let chain = if mode == TlsMode::SelfSignedCa {
        vec![server.der().clone()]
    } else {
        vec![server.der().clone(), server_ca.der().clone()]
    };
    let mut config = builder.with_single_cert(chain, key).expect("server config");
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let material = TlsMaterial {
        ca_cert_pem: if mode == TlsMode::SelfSignedCa {
            server.pem()
        } else {
            server_ca.pem()
        },
        client_cert_pem: client.pem(),
        client_key_pem: client_key.serialize_pem(),
    };
    (TlsAcceptor::from(Arc::new(config)), material)
}

/// A listener that completes the TLS handshake before handing a connection
/// to axum; failed handshakes are dropped (and counted by the caller's log).
pub struct TlsListener {
    pub(crate) tcp: TcpListener,
    pub(crate) acceptor: TlsAcceptor,
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((stream, addr)) = self.tcp.accept().await else {
                continue;
            };
            match self.acceptor.accept(stream).await {
                Ok(tls) => return (tls, addr),
                Err(e) => eprintln!("demo-api: TLS handshake failed: {e}"),
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}
