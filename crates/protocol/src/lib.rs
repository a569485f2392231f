//! The plugin protocol: the go-plugin handshake, the tfplugin6 gRPC service
//! and the value codec, serving any framework [`ProviderServer`]. The only
//! layer that knows tonic, protobuf and msgpack; it knows nothing of HTTP
//! or of what resources do. Logs go to stderr in go-hclog's shape
//! ([`logging`]).

#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]
#![forbid(unsafe_code)]

mod authority;
pub mod codec;
mod convert;
mod handshake;
pub mod logging;
mod plugin_services;
mod rpc;
mod server;
mod tls;
mod wire;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use tokio_stream::wrappers::UnixListenerStream;
use tokio_util::sync::CancellationToken;

use framework::ProviderServer;
use server::Mode;

/// Serves Terraform as a managed plugin: checks the environment Terraform
/// sets, prints the handshake line, and serves until Shutdown. Started by
/// hand instead, it prints `usage` (what else the binary does) and fails.
pub async fn serve_managed(provider: Arc<dyn ProviderServer>, usage: &str) -> ExitCode {
    let env = |k: &str| std::env::var(k).ok();
    let version = match handshake::negotiate(
        env(handshake::MAGIC_COOKIE_KEY).as_deref(),
        env("PLUGIN_PROTOCOL_VERSIONS").as_deref(),
    ) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("{e}");
            if e == handshake::HandshakeError::NotLaunchedByTerraform {
                let local = provider.address().rsplit('/').next().unwrap_or_default();
                eprintln!(
                    "To use it, add it to a configuration's required_providers:\n\n    \
                     {local} = {{ source = \"{}\" }}\n\n{usage}",
                    provider.address()
                );
            }
            return ExitCode::FAILURE;
        }
    };
    // Ctrl-C reaches the whole process group; Terraform handles it and calls
    // StopProvider, so the provider itself must not die of it.
    ignore_sigint();

    let dir = env("PLUGIN_UNIX_SOCKET_DIR")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from);
    let path = handshake::socket_path(dir.as_deref());
    let listener = match handshake::bind(&path, env("PLUGIN_UNIX_SOCKET_GROUP").as_deref()) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cannot listen on {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    };
    let _cleanup = RemoveOnDrop(path.clone());
    let shutdown = CancellationToken::new();

    let client_cert = env("PLUGIN_CLIENT_CERT").filter(|c| !c.is_empty());
    let done = provider.clone();
    let result = match client_cert {
        Some(pem) => {
            let mtls = match tls::auto_mtls(&pem) {
                Ok(m) => m,
                Err(e) => {
                    eprintln!("cannot set up TLS with Terraform: {e}");
                    return ExitCode::FAILURE;
                }
            };
            announce(&handshake::line(
                version,
                &path,
                Some(&mtls.server_cert_der),
            ));
            let incoming = server::tls_incoming(listener, mtls.acceptor);
            server::serve(incoming, provider, shutdown, Mode::Managed).await
        }
        None => {
            announce(&handshake::line(version, &path, None));
            server::serve(plaintext(listener), provider, shutdown, Mode::Managed).await
        }
    };
    done.shutdown().await;
    finish(result)
}

/// Serves for a debugger: no cookie, no TLS; prints the value of
/// `TF_REATTACH_PROVIDERS` and serves until interrupted. Terraform runs
/// started with that variable attach to this process instead of starting one.
pub async fn serve_debug(provider: Arc<dyn ProviderServer>) -> ExitCode {
    let path = handshake::socket_path(None);
    let listener = match handshake::bind(&path, None) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cannot listen on {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    };
    let _cleanup = RemoveOnDrop(path.clone());
    // "Test": true is required for protocol 6: without it go-plugin does not
    // record the negotiated version and Terraform treats us as protocol 5.
    let reattach = serde_json::json!({
        provider.address(): {
            "Protocol": "grpc",
            "ProtocolVersion": handshake::PROTOCOL_VERSION,
            "Pid": std::process::id(),
            "Test": true,
            "Addr": {"Network": "unix", "String": path.to_string_lossy()},
        }
    });
    announce(&format!(
        "Provider started. To attach Terraform CLI, set the TF_REATTACH_PROVIDERS environment variable with the following:\n\n\tTF_REATTACH_PROVIDERS='{reattach}'\n"
    ));
    let shutdown = CancellationToken::new();
    let on_signal = shutdown.clone();
    tokio::spawn(async move {
        wait_for_interrupt().await;
        on_signal.cancel();
    });
    let result = server::serve(plaintext(listener), provider.clone(), shutdown, Mode::Debug).await;
    provider.shutdown().await;
    finish(result)
}

/// Plaintext connections, each through the `:authority` rewriter.
fn plaintext(
    listener: tokio::net::UnixListener,
) -> impl tokio_stream::Stream<Item = std::io::Result<tokio::io::DuplexStream>> {
    use tokio_stream::StreamExt;
    UnixListenerStream::new(listener).map(|conn| conn.map(authority::rewritten))
}

fn finish(result: Result<(), tonic::transport::Error>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "gRPC server failed");
            ExitCode::FAILURE
        }
    }
}

/// The one write to stdout: Terraform reads the first line as the handshake.
fn announce(text: &str) {
    let mut out = std::io::stdout().lock();
    // If stdout is gone Terraform is gone too; nothing useful to do.
    let _ = writeln!(out, "{text}");
    let _ = out.flush();
}

fn ignore_sigint() {
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()) {
        Ok(mut sig) => {
            tokio::spawn(async move {
                while sig.recv().await.is_some() {
                    tracing::debug!("SIGINT ignored: terraform stops providers with StopProvider");
                }
            });
        }
        Err(e) => tracing::warn!(error = %e, "cannot install a SIGINT handler"),
    }
}

async fn wait_for_interrupt() {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut int), Ok(mut term)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        // Without handlers the default action (exit) still applies.
        return std::future::pending().await;
    };
    tokio::select! {
        _ = int.recv() => {}
        _ = term.recv() => {}
    }
}

/// Removes the socket file when serving ends.
struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
