//! Serve the example: `cargo run -p woodpecker-server-example -- 127.0.0.1:8000`,
//! then `curl -H 'Authorization: Bearer demo-token' http://127.0.0.1:8000/api/repos/1`.

use woodpecker_server_example::{app, Woodpecker};

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=debug".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8000".into());
    let listener = match tokio::net::TcpListener::bind(&addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot bind {addr}: {e}");
            std::process::exit(2);
        }
    };
    let local = listener.local_addr().map(|a| a.to_string()).unwrap_or(addr);
    println!("woodpecker-server example on http://{local}/api (tokens: demo-token, read-token)");
    if let Err(e) = axum::serve(listener, app(Woodpecker::demo()))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
    {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
