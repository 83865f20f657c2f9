//! The `specforge` command line: generate, inspect, validate, normalize, verify.

mod cli;

/// mimalloc instead of the system allocator: generation holds millions of small
/// token allocations at once, where glibc's malloc spent a third of the run
/// consolidating free lists (30x Quay `generate --server`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    specforge_mock::process::small_pages();
    cli::main()
}
