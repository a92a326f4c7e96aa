//! The server binary: everything lives in `inkpad::startup`.

#[cfg(feature = "ssr")]
#[tokio::main]
async fn main() -> std::process::ExitCode {
    match inkpad::startup::run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            // One clear line, no backtrace: the message names what to fix.
            eprintln!("error: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The browser build has no binary; its entry point is `inkpad::hydrate`.
#[cfg(not(feature = "ssr"))]
fn main() {}
