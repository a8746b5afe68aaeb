//! Fault injection for tests of the run guarantees (a test hook, not a feature).
//!
//! In debug builds only, `KELASTAT_FAULT=<step>` makes the process stop at the named step as if
//! it had been killed there: it exits at once with [`EXIT_CODE`], running no destructors and no
//! cleanup, so a test sees exactly what a kill at that moment would leave behind. The step
//! `panic` panics instead, to check that any panic ends in exit code 1. Release builds ignore
//! the variable.

/// The exit code of a process stopped by an injected fault (outside 0–5 on purpose).
pub const EXIT_CODE: i32 = 86;

/// The environment variable naming the step to stop at.
pub const VARIABLE: &str = "KELASTAT_FAULT";

/// A named point where a test may stop the process.
pub fn point(step: &str) {
    if cfg!(debug_assertions) && std::env::var(VARIABLE).is_ok_and(|wanted| wanted == step) {
        if step == "panic" {
            panic!("fault injected at step 'panic' ({VARIABLE})");
        }
        eprintln!("fault injected at step '{step}' ({VARIABLE}): stopping as if killed");
        std::process::exit(EXIT_CODE);
    }
}
