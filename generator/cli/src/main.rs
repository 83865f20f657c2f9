//! The `specforge` command line: generate, inspect, validate, normalize, verify.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
