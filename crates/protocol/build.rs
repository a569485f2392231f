//! Compiles the plugin protocol in `schemas/` into `OUT_DIR` with a vendored
//! protoc, so no system protoc is needed. Only the server side is generated
//! for the provider; the test-only client lives behind `cfg(test)` users.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The vendored protoc, handed to prost directly (no PROTOC variable).
    let mut config = tonic_prost_build::Config::new();
    config.protoc_executable(protoc_bin_vendored::protoc_bin_path()?);

    let include = protoc_bin_vendored::include_path()?;
    let protos = [
        PathBuf::from("../../schemas/tfplugin6.proto"),
        PathBuf::from("../../schemas/go_plugin.proto"),
    ];
    tonic_prost_build::configure()
        .build_server(true)
        // A client is generated too: the protocol tests talk to the real
        // server over a socket exactly as Terraform does.
        .build_client(true)
        .generate_default_stubs(true)
        .compile_with_config(config, &protos, &[PathBuf::from("../../schemas"), include])?;
    println!("cargo:rerun-if-changed=../../schemas/tfplugin6.proto");
    println!("cargo:rerun-if-changed=../../schemas/go_plugin.proto");
    Ok(())
}
