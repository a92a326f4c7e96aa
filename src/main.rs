//! The server binary: everything lives in `inkpad::startup`.

/// mimalloc instead of glibc's malloc: rendering a page makes many small,
/// short-lived allocations across threads, and glibc's allocator was about
/// 15 % of the server's CPU. Measured with `scripts/bench` on one 2-core
/// machine, same build otherwise (SQLite, 64 connections): SSR `/dashboard`
/// 586 → 1,311 req/s, `/` 2,554 → 4,876, the posts API 5,142 → 6,140; idle
/// RSS unchanged (~20 MiB), peak 42 → 45 MiB. Transparent huge pages are
/// off (`no_thp`): with them the peak was 66 MiB for the same throughput.
#[cfg(feature = "ssr")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
