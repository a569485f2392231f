//! The provider binary speaking go-plugin's handshake on its own, checked
//! the way Terraform's client checks it: cookie, protocol negotiation, the
//! stdout line, AutoMTLS that authenticates the client, health, SIGINT and
//! Shutdown.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hyper_util::rt::TokioIo;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use tokio::io::{AsyncBufReadExt, BufReader};
use tonic::transport::{Channel, Endpoint};

use crate::harness::provider_binary;

const COOKIE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
const LIMIT: Duration = Duration::from_secs(20);

fn command() -> std::process::Command {
    let mut c = std::process::Command::new(provider_binary());
    for k in [
        "TF_PLUGIN_MAGIC_COOKIE",
        "PLUGIN_PROTOCOL_VERSIONS",
        "PLUGIN_CLIENT_CERT",
        "PLUGIN_UNIX_SOCKET_DIR",
    ] {
        c.env_remove(k);
    }
    c.env("TF_LOG", "off");
    c
}

#[test]
fn run_by_hand_it_explains_itself() {
    let out = command().output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "stdout must stay empty");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Terraform starts it")
            && err.contains("registry.terraform.io/tfdriver/driver"),
        "{err}"
    );
}

#[test]
fn a_client_without_protocol_6_gets_a_clear_refusal() {
    let out = command()
        .env("TF_PLUGIN_MAGIC_COOKIE", COOKIE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "4,5")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "no handshake line may be printed");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("protocol 6") && err.contains("\"4,5\""),
        "{err}"
    );
}

/// A started provider and what its handshake line said.
struct Started {
    child: tokio::process::Child,
    socket: PathBuf,
    cert_der: Option<Vec<u8>>,
}

async fn start(client_cert_pem: Option<&str>) -> Started {
    let mut cmd = tokio::process::Command::from(command());
    cmd.env("TF_PLUGIN_MAGIC_COOKIE", COOKIE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    if let Some(pem) = client_cert_pem {
        cmd.env("PLUGIN_CLIENT_CERT", pem);
    }
    let mut child = cmd.spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(LIMIT, lines.next_line())
        .await
        .expect("handshake line in time")
        .unwrap()
        .unwrap();
    let parts: Vec<&str> = line.split('|').collect();
    assert_eq!(parts.len(), 6, "{line}");
    assert_eq!(&parts[..3], ["1", "6", "unix"], "{line}");
    assert_eq!(parts[4], "grpc", "{line}");
    use base64::Engine;
    let cert_der = (!parts[5].is_empty()).then(|| {
        base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(parts[5])
            .expect("cert is raw-std base64")
    });
    Started {
        child,
        socket: PathBuf::from(parts[3]),
        cert_der,
    }
}

async fn plaintext_channel(socket: PathBuf) -> Channel {
    Endpoint::from_static("http://localhost")
        .connect_with_connector(tower::service_fn(move |_| {
            let socket = socket.clone();
            async move {
                Ok::<_, std::io::Error>(TokioIo::new(
                    tokio::net::UnixStream::connect(socket).await?,
                ))
            }
        }))
        .await
        .unwrap()
}

/// A TLS channel as go-plugin's client builds it: pins the advertised server
/// certificate, presents a client certificate, offers ALPN h2.
async fn tls_channel(
    socket: PathBuf,
    server_der: Vec<u8>,
    client: &ClientIdentity,
    alpn: Arc<Mutex<Option<Vec<u8>>>>,
) -> Result<Channel, tonic::transport::Error> {
    let crypto = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(crypto.clone())
        .with_safe_default_protocol_versions()
        .unwrap()
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(PinnedServer {
            der: server_der,
            crypto,
        }))
        .with_client_auth_cert(vec![client.cert.clone()], client.key.clone_key())
        .unwrap();
    config.alpn_protocols = vec![b"h2".to_vec()];
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    Endpoint::from_static("http://localhost")
        .connect_with_connector(tower::service_fn(move |_| {
            let (socket, connector, alpn) = (socket.clone(), connector.clone(), alpn.clone());
            async move {
                let unix = tokio::net::UnixStream::connect(socket).await?;
                let tls = connector
                    .connect(ServerName::try_from("localhost").unwrap(), unix)
                    .await?;
                *alpn.lock().unwrap() = tls.get_ref().1.alpn_protocol().map(<[u8]>::to_vec);
                Ok::<_, std::io::Error>(TokioIo::new(tls))
            }
        }))
        .await
}

async fn health(channel: Channel) -> Result<i32, tonic::Status> {
    use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};
    let resp = HealthClient::new(channel)
        .check(HealthCheckRequest {
            service: "plugin".into(),
        })
        .await?;
    Ok(resp.into_inner().status)
}

async fn shutdown(channel: Channel) {
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready().await.unwrap();
    let path =
        tonic::codegen::http::uri::PathAndQuery::from_static("/plugin.GRPCController/Shutdown");
    // The answer may be lost when the process exits right after sending it
    // (go-plugin's own servers stop hard; Terraform ignores the answer):
    // what matters is the clean exit checked next.
    if let Err(e) = grpc
        .unary(
            tonic::Request::new(()),
            path,
            tonic_prost::ProstCodec::<(), ()>::default(),
        )
        .await
    {
        eprintln!("Shutdown's answer was lost as the process exited: {e}");
    }
}

/// After Shutdown the process exits on its own, successfully, and removes
/// its socket.
fn expect_clean_exit(started: Started) {
    let child = started.child;
    let pid = child.id().unwrap();
    let std_child = wait_for_pid(child);
    assert!(
        std_child.success(),
        "provider exited with {std_child:?} (pid {pid})"
    );
    assert!(
        !started.socket.exists(),
        "socket {} left behind",
        started.socket.display()
    );
}

fn wait_for_pid(mut child: tokio::process::Child) -> std::process::ExitStatus {
    let deadline = std::time::Instant::now() + LIMIT;
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "provider did not exit after Shutdown"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test]
async fn plaintext_when_terraform_disables_tls() {
    let started = start(None).await;
    assert!(started.cert_der.is_none());
    let channel = plaintext_channel(started.socket.clone()).await;
    assert_eq!(
        health(channel.clone()).await.unwrap(),
        1,
        "plugin health is SERVING"
    );
    shutdown(channel).await;
    expect_clean_exit(started);
}

struct ClientIdentity {
    pem: String,
    cert: CertificateDer<'static>,
    key: PrivateKeyDer<'static>,
}

/// A client identity shaped like go-plugin's: self-signed P-521 CA.
fn go_plugin_like_identity() -> ClientIdentity {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).unwrap();
    let mut params = rcgen::CertificateParams::new(vec!["localhost".into()]).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let cert = params.self_signed(&key).unwrap();
    ClientIdentity {
        pem: cert.pem(),
        cert: cert.der().clone(),
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    }
}

#[tokio::test]
async fn auto_mtls_admits_only_the_pinned_client() {
    let terraform = go_plugin_like_identity();
    let started = start(Some(&terraform.pem)).await;
    let server_der = started
        .cert_der
        .clone()
        .expect("a certificate in the handshake line when TLS is asked for");

    // Someone else on the machine, with their own certificate: refused.
    let intruder = go_plugin_like_identity();
    let alpn = Arc::new(Mutex::new(None));
    // The refusal surfaces at connect or at the first call, depending on timing.
    let refused = match tls_channel(
        started.socket.clone(),
        server_der.clone(),
        &intruder,
        alpn.clone(),
    )
    .await
    {
        Err(_) => true,
        Ok(channel) => health(channel).await.is_err(),
    };
    assert!(refused, "a client with another certificate must be refused");

    // The client that started us: admitted, over h2 negotiated by ALPN.
    let channel = tls_channel(started.socket.clone(), server_der, &terraform, alpn.clone())
        .await
        .unwrap();
    assert_eq!(health(channel.clone()).await.unwrap(), 1);
    assert_eq!(alpn.lock().unwrap().as_deref(), Some(&b"h2"[..]));

    // Ctrl-C reaches the whole process group; Terraform handles it, we don't die of it.
    let pid = started.child.id().unwrap();
    crate::harness::interrupt(pid);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        health(channel.clone()).await.unwrap(),
        1,
        "still serving after SIGINT"
    );

    shutdown(channel).await;
    expect_clean_exit(started);
}

#[derive(Debug)]
struct PinnedServer {
    der: Vec<u8>,
    crypto: Arc<CryptoProvider>,
}

impl ServerCertVerifier for PinnedServer {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.der.as_slice() {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General(
                "server certificate differs from the handshake line".into(),
            ))
        }
    }
    fn verify_tls12_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(m, c, d, &self.crypto.signature_verification_algorithms)
    }
    fn verify_tls13_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(m, c, d, &self.crypto.signature_verification_algorithms)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.crypto
            .signature_verification_algorithms
            .supported_schemes()
    }
}
