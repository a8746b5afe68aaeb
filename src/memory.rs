//! The process's memory allocator: mimalloc, told to keep the memory it frees.
//!
//! A run allocates and frees column buffers of hundreds of megabytes stage after stage. The
//! system allocator hands such buffers back to the kernel and gets fresh ones, which the kernel
//! must fault in and zero page by page: at 10 million persons that was a fifth of the CPU time.
//! mimalloc with purging off reuses the freed memory instead (README, "Performance"). A run is a
//! batch process, so memory kept until it exits costs nothing after its peak.
//!
//! Transparent huge pages: mimalloc starts before `main`, with huge pages allowed, and reserves
//! its first arena (1 GiB) asking the kernel for them; `configure` stops it asking for the
//! arenas after that. Of the three ways measured, this one is kept: huge pages for every arena
//! cost time at 10 million persons, and none at all (`prctl(PR_SET_THP_DISABLE)`) saved time at
//! 1 million but cost 8 % at 10 million, where the first arena is reused all run
//! (benches/RESULTS.md). Either choice gives way to mimalloc's own variable in the environment
//! (`MIMALLOC_PURGE_DELAY`, `MIMALLOC_ALLOW_THP`; `MIMALLOC_ALLOW_THP=0` means none at all).
use libmimalloc_sys::{mi_option_set, mi_option_t};
use std::os::raw::c_long;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Positions in mimalloc v3's `mi_option_t` (libmimalloc-sys is pinned in Cargo.toml).
/// Milliseconds before freed memory goes back to the OS, -1 never.
const PURGE_DELAY: mi_option_t = 15;
/// Whether mimalloc asks the kernel for transparent huge pages, 0 or 1.
const ALLOW_THP: mi_option_t = 43;

/// Keep freed memory for reuse for the rest of the process, in ordinary pages after the first
/// arena. Call it first thing in `main`, before other threads allocate.
pub fn configure() {
    set_unless_in_environment("MIMALLOC_PURGE_DELAY", PURGE_DELAY, -1);
    set_unless_in_environment("MIMALLOC_ALLOW_THP", ALLOW_THP, 0);
}

fn set_unless_in_environment(variable: &str, option: mi_option_t, value: c_long) {
    if std::env::var_os(variable).is_none() {
        // SAFETY: the option is one of mimalloc's (its position is checked by the test below);
        // setting it is a plain store, not synchronised, hence `configure` runs before threads.
        unsafe { mi_option_set(option, value) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use libmimalloc_sys::mi_option_get;

    fn option(option: mi_option_t) -> c_long {
        // SAFETY: reading one of mimalloc's options.
        unsafe { mi_option_get(option) }
    }

    #[test]
    fn the_options_set_are_the_purge_delay_and_huge_pages() {
        // mimalloc v3's defaults (one second, allowed) show the positions name those options;
        // a variable in the environment leaves its option as the environment says.
        let checked = [
            ("MIMALLOC_PURGE_DELAY", PURGE_DELAY, 1000, -1),
            ("MIMALLOC_ALLOW_THP", ALLOW_THP, 1, 0),
        ];
        let unset = |variable| std::env::var_os(variable).is_none();
        for (variable, position, default, _) in checked {
            if unset(variable) {
                assert_eq!(option(position), default, "{variable}");
            }
        }
        configure();
        for (variable, position, _, configured) in checked {
            if unset(variable) {
                assert_eq!(option(position), configured, "{variable}");
            }
        }
    }
}
