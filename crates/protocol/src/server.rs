//! Assembles the gRPC server go-plugin expects (health, controller, stdio,
//! provider) and serves it on an incoming connection stream.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::UnixListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;
use tokio_stream::Stream;
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;
use tonic::transport::Server;
use tonic::transport::server::Connected;

use super::plugin_services::{Controller, Stdio};
use super::rpc::ProviderService;
use super::wire::{plugin, tfplugin6};
use framework::ProviderServer;

/// Terraform's own limit; tonic's default of 4 MiB is too small for big
/// states and plans.
const MAX_MESSAGE_SIZE: usize = 256 << 20;

/// How long in-flight calls get to finish after Shutdown before the
/// process exits anyway. Terraform kills us after 2 s.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(1000);

/// How the server is run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Started by Terraform: Shutdown stops the process.
    Managed,
    /// Started by a person for reattach: only a signal stops it.
    Debug,
}

/// Serves until `shutdown` is cancelled, then waits at most
/// `SHUTDOWN_GRACE` for in-flight calls.
pub(crate) async fn serve<IO, S>(
    incoming: S,
    provider: Arc<dyn ProviderServer>,
    shutdown: CancellationToken,
    mode: Mode,
) -> Result<(), tonic::transport::Error>
where
    S: Stream<Item = Result<IO, io::Error>> + Send + 'static,
    IO: AsyncRead + AsyncWrite + Connected + Unpin + Send + 'static,
{
    let (health, health_service) = tonic_health::server::health_reporter();
    // go-plugin's Ping checks this service name.
    health
        .set_service_status("plugin", tonic_health::ServingStatus::Serving)
        .await;

    let provider_service =
        tfplugin6::provider_server::ProviderServer::new(ProviderService::new(provider))
            .max_decoding_message_size(MAX_MESSAGE_SIZE)
            .max_encoding_message_size(MAX_MESSAGE_SIZE);
    let controller = Controller::new((mode == Mode::Managed).then(|| shutdown.clone()));

    let server = Server::builder()
        .add_service(health_service)
        .add_service(plugin::grpc_controller_server::GrpcControllerServer::new(
            controller,
        ))
        .add_service(plugin::grpc_stdio_server::GrpcStdioServer::new(Stdio::new(
            shutdown.clone(),
        )))
        .add_service(provider_service)
        .serve_with_incoming_shutdown(incoming, shutdown.clone().cancelled_owned());

    tokio::select! {
        res = server => res,
        _ = async { shutdown.cancelled().await; tokio::time::sleep(SHUTDOWN_GRACE).await } => {
            tracing::warn!("in-flight calls did not finish within {SHUTDOWN_GRACE:?} of shutdown; exiting anyway");
            Ok(())
        }
    }
}

/// Accepts connections and completes TLS handshakes off the accept loop, so
/// one slow client cannot hold up the others.
pub(crate) fn tls_incoming(
    listener: UnixListener,
    acceptor: TlsAcceptor,
) -> ReceiverStream<Result<TlsStream<tokio::net::UnixStream>, io::Error>> {
    let (tx, rx) = tokio::sync::mpsc::channel(16);
    tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                a = listener.accept() => a,
                _ = tx.closed() => return,
            };
            let stream = match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    tracing::warn!(error = %e, "accepting a connection failed");
                    // Avoid spinning when out of file descriptors.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let (acceptor, tx) = (acceptor.clone(), tx.clone());
            tokio::spawn(async move {
                match acceptor.accept(stream).await {
                    Ok(tls) => {
                        let _ = tx.send(Ok(tls)).await;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "TLS handshake failed: client is not the Terraform that started this provider")
                    }
                }
            });
        }
    });
    ReceiverStream::new(rx)
}
