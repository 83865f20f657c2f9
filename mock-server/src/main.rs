//! The `specforge-mock` command (also `specforge mock`).

use clap::Parser;
use std::process::ExitCode;

/// A strict mock server for an OpenAPI document: validates requests, answers with
/// the spec's valid examples or schema-valid generated data.
#[derive(Debug, Parser)]
#[command(name = "specforge-mock", version, about)]
struct Cli {
    #[command(flatten)]
    args: specforge_mock::cli::MockArgs,
}

#[tokio::main]
async fn main() -> ExitCode {
    specforge_mock::cli::run(Cli::parse().args).await
}
