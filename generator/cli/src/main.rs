//! The `specforge` command line: generate, inspect, validate, normalize, verify.

mod cli;

/// mimalloc instead of the system allocator: generation holds millions of small
/// token allocations at once, where glibc's malloc spent a third of the run
/// consolidating free lists (30x Quay `generate --server`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    small_pages();
    cli::main()
}

/// No transparent huge pages for this process: mimalloc asks for them on its
/// arenas, and the kernel then zeroes 2 MiB on the first touch of each, most of
/// which a generation never uses; measured on a 2-core VM, generating the
/// Woodpecker client took 15-40 % less CPU of its own with 4 KiB pages, 30x
/// Quay `--server` 15 % less time (BENCHMARKS.md).
fn small_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE only sets a flag of this process (inherited by its
    // children); it touches no memory and has no arguments that point anywhere.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}
