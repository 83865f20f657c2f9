//! Settings of the process a binary of this project runs in, shared by the
//! `specforge` and `specforge-mock` binaries.

/// No transparent huge pages for this process (and the processes it starts, which
/// inherit the flag): mimalloc, the binaries' global allocator, asks for them on
/// its arenas, and the kernel then zeroes 2 MiB on the first touch of each, most of
/// which is never used. Measured on a 2-core VM: the Woodpecker client generated
/// with 15-40 % less CPU of its own, 30x Quay `--server` in 15 % less time; the
/// mock's RSS after start-up 61 -> 48 MB on 10x Quay (its start-up time unchanged).
/// Call it first in `main`, before anything allocates much. `tests/cli.rs` checks
/// that the running mock has the flag.
pub fn small_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE only sets a flag of this process (inherited by its
    // children); it touches no memory and has no arguments that point anywhere.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}
