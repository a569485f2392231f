//! The provider binary: parses the command line and hands off. Terraform
//! starts it without arguments, which means "serve".

use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use driver::provider::{Environment, Provider};

/// A Terraform/OpenTofu provider for every API that has no provider of its
/// own. Terraform starts this binary; run by hand it serves for a debugger
/// (--debug) or prints its schema.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Cli {
    /// Serve without Terraform starting us: print TF_REATTACH_PROVIDERS and
    /// serve until interrupted, so Terraform runs can attach to this process.
    #[arg(long)]
    debug: bool,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the plugin protocol (the default; what Terraform runs).
    Serve,
    /// Print the provider schema as JSON, in the shape of one provider's
    /// entry in `terraform providers schema -json`.
    Schema,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Schema) => print_schema(),
        Some(Command::Serve) | None => serve(cli.debug),
    }
}

/// The top-level entry point for serving Terraform.
fn serve(debug: bool) -> ExitCode {
    driver::logging::init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let provider = Arc::new(Provider::new(Environment::from_process()));
    runtime.block_on(async move {
        if debug {
            driver::protocol::serve_debug(provider).await
        } else {
            driver::protocol::serve_managed(provider).await
        }
    })
}

/// The top-level entry point for `schema`.
fn print_schema() -> ExitCode {
    let provider = Provider::new(Environment::default());
    let json = serde_json::to_string_pretty(&provider.schemas().to_json()).expect("schema json serializes");
    println!("{json}");
    ExitCode::SUCCESS
}
