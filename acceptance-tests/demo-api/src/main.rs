//! `demo-api [ADDR]`: serves the demo API on ADDR (default 127.0.0.1:8080)
//! until interrupted.

use std::sync::Arc;

#[tokio::main]
async fn main() {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8080".to_owned());
    let listener = match tokio::net::TcpListener::bind(&addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("demo-api: cannot listen on {addr}: {e}");
            std::process::exit(1);
        }
    };
    match listener.local_addr() {
        Ok(local) => println!("demo API listening on http://{local}"),
        Err(_) => println!("demo API listening on http://{addr}"),
    }
    demo_api::serve(listener, Arc::default(), async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await;
}
