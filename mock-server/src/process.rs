//! Settings of the process a binary of this project runs in, shared by the
//! `specforge` and `specforge-mock` binaries.

/// No transparent huge pages for this process (and the processes it starts, which
/// inherit the flag): mimalloc, the binaries' global allocator, asks for them on
/// its arenas, and the kernel then zeroes 2 MiB on the first touch of each, most of
/// which is never used. Measured on a 2-core VM: the Woodpecker client generated
/// with 15-40 % less CPU of its own, 30x Quay `--server` in 15 % less time, and the
/// mock's start-up on 30x Quay spent a third of its time zeroing pages.
/// Call it first in `main`, before anything allocates much.
pub fn small_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE only sets a flag of this process (inherited by its
    // children); it touches no memory and has no arguments that point anywhere.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    #[test]
    fn small_pages_turns_transparent_huge_pages_off_for_the_process() {
        let flag = || {
            let status = std::fs::read_to_string("/proc/self/status").unwrap();
            status
                .lines()
                .find(|l| l.starts_with("THP_enabled:"))
                .map(|l| l.split_whitespace().nth(1).unwrap_or("").to_string())
        };
        let Some(before) = flag() else {
            // a kernel older than 6.? does not report it
            return;
        };
        super::small_pages();
        assert_eq!(flag().as_deref(), Some("0"), "was {before}");
    }
}
