//! The process's outcome as an exit code of operations.md: 0 published, 2 usage or
//! pipeline-file error, 3 input error, 4 quality gate, 5 lock held, 1 anything else, a panic
//! included (never Rust's 101).
use crate::cli::Cli;
use crate::logging::current_stage;

/// Runs the command line and returns the exit code; logs the final error line (with its
/// stage) on failure.
pub fn execute(cli: Cli) -> i32 {
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown cause".into());
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        tracing::error!(
            stage = current_stage(),
            exit_code = 1,
            "internal error (a bug in kelastat): {message}{place}"
        );
    }));
    // A panic on a worker thread comes back to this thread through `join` and is caught here.
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        crate::fault::point("panic");
        crate::app::execute(cli)
    })) {
        Ok(Ok(())) => 0,
        Ok(Err(err)) => {
            let code = err.exit_code();
            tracing::error!(stage = current_stage(), exit_code = code, "{err}");
            code
        }
        Err(_) => 1,
    }
}
