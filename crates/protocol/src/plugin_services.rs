//! go-plugin's auxiliary services: GRPCController (Shutdown) and GRPCStdio.

use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;
use tonic::codegen::BoxStream;
use tonic::{Request, Response, Status};

use super::wire::plugin as pb;

/// Answers Shutdown by cancelling the server's shutdown token.
#[derive(Debug, Clone)]
pub(crate) struct Controller {
    /// Cancelled to stop serving; `None` in debug mode, where Terraform does
    /// not own the process and one server outlives many Terraform runs.
    shutdown: Option<CancellationToken>,
}

impl Controller {
    pub(crate) fn new(shutdown: Option<CancellationToken>) -> Self {
        Controller { shutdown }
    }
}

#[tonic::async_trait]
impl pb::grpc_controller_server::GrpcController for Controller {
    async fn shutdown(&self, _: Request<pb::Empty>) -> Result<Response<pb::Empty>, Status> {
        match &self.shutdown {
            Some(token) => {
                tracing::debug!("shutdown requested by terraform");
                token.cancel();
            }
            None => tracing::debug!("shutdown ignored in debug mode"),
        }
        Ok(Response::new(pb::Empty {}))
    }
}

/// Holds the stdio stream open without sending anything: our logs go to
/// stderr, which go-plugin already reads. The stream ends at shutdown so
/// graceful shutdown does not wait on it.
#[derive(Debug, Clone)]
pub(crate) struct Stdio {
    shutdown: CancellationToken,
}

impl Stdio {
    pub(crate) fn new(shutdown: CancellationToken) -> Self {
        Stdio { shutdown }
    }
}

#[tonic::async_trait]
impl pb::grpc_stdio_server::GrpcStdio for Stdio {
    async fn stream_stdio(
        &self,
        _: Request<()>,
    ) -> Result<Response<BoxStream<pb::StdioData>>, Status> {
        let (tx, rx) = tokio::sync::mpsc::channel::<Result<pb::StdioData, Status>>(1);
        let token = self.shutdown.clone();
        tokio::spawn(async move {
            // Dropping the sender ends the stream.
            tokio::select! {
                _ = token.cancelled() => {}
                _ = tx.closed() => {}
            }
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }
}
