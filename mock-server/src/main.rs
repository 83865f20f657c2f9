//! The `specforge-mock` command (also `specforge mock`).

use clap::Parser;
use std::process::ExitCode;

/// mimalloc instead of the system allocator: loading a large spec makes millions
/// of small allocations, and answering one request a few dozen.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    specforge_mock::process::small_pages();
    specforge_mock::cli::run(Cli::parse().args).await
}
