//! Calls `GET /version` on a Woodpecker server (or on `specforge-mock specs/woodpecker.json`)
//! with a client generated at build time.
//!
//! ```text
//! cargo run -p woodpecker-build-example -- http://127.0.0.1:4010/api
//! ```

use woodpecker_build_example::woodpecker;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let base_url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "http://127.0.0.1:4010/api".to_string());
    let token = std::env::var("WOODPECKER_TOKEN").unwrap_or_else(|_| "demo-token".to_string());
    let client = woodpecker::client::Client::new(&base_url).with_bearer_token(token);
    match client.get_version().await {
        Ok(response) => {
            let v = &response.body;
            println!(
                "{} {}: version {} (source {})",
                response.status,
                base_url,
                v.version.as_deref().unwrap_or("?"),
                v.source.as_deref().unwrap_or("?")
            );
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("GET /version failed: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
