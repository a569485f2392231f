//! The provider binary: parses the command line and hands off. Terraform
//! starts it without arguments, which means "serve".

use clap::{Parser, Subcommand};
use driver::{DriverProvider, Environment};
use framework::ProviderServer;
use std::process::ExitCode;

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
    /// Render the registry docs (docs/) from the schema, templates/ and
    /// examples/. Run in the repository root.
    Docs {
        /// Where the pages go.
        #[arg(long, default_value = "docs")]
        out: std::path::PathBuf,
        /// The page templates.
        #[arg(long, default_value = "templates")]
        templates: std::path::PathBuf,
        /// The examples.
        #[arg(long, default_value = "examples")]
        examples: std::path::PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Schema) => print_schema(),
        Some(Command::Docs {
            out,
            templates,
            examples,
        }) => write_docs(&out, &templates, &examples),
        Some(Command::Serve) | None => serve(cli.debug),
    }
}

/// The top-level entry point for serving Terraform.
fn serve(debug: bool) -> ExitCode {
    // The provider's own crates log at the level Terraform asks for.
    protocol::logging::init(
        "driver",
        &["driver", "framework", "engine", "drivers", "protocol"],
    );
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let provider = DriverProvider::server(Environment::from_process());
    runtime.block_on(async move {
        if debug {
            protocol::serve_debug(provider).await
        } else {
            protocol::serve_managed(provider, USAGE).await
        }
    })
}

/// What else the binary does, for someone who started it by hand.
const USAGE: &str = "Other things it can do:
  terraform-provider-driver --debug   serve for a debugger; prints TF_REATTACH_PROVIDERS
  terraform-provider-driver schema    print the provider schema as JSON
  terraform-provider-driver --help    everything else";

/// The top-level entry point for `schema`.
fn print_schema() -> ExitCode {
    let provider = DriverProvider::server(Environment::default());
    println!("{:#}", provider.schemas().to_json());
    ExitCode::SUCCESS
}

/// The top-level entry point for `docs`.
fn write_docs(
    out: &std::path::Path,
    templates: &std::path::Path,
    examples: &std::path::Path,
) -> ExitCode {
    let provider = DriverProvider::server(Environment::default());
    let result = driver::docs::render(provider.schemas(), templates, examples).and_then(|pages| {
        driver::docs::write(&pages, out)
            .map(|()| pages.len())
            .map_err(|e| e.to_string())
    });
    match result {
        Ok(n) => {
            println!("wrote {n} pages to {}", out.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cannot render the docs: {e}");
            ExitCode::FAILURE
        }
    }
}
