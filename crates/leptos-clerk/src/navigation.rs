//! Leaving the page from the browser: where it is now, whether it is
//! already going, and going somewhere (a full load, so the server decides
//! afresh what the next page shows).

use std::cell::Cell;

thread_local! {
    static LEAVING: Cell<bool> = const { Cell::new(false) };
}

/// The page is navigating away (set on `beforeunload` and by [`go_to`]).
pub(crate) fn leaving() -> bool {
    LEAVING.with(Cell::get)
}

pub(crate) fn set_leaving() {
    LEAVING.with(|l| l.set(true));
}

/// Loads `url` in this tab.
pub(crate) fn go_to(url: &str) {
    set_leaving();
    if let Some(window) = web_sys::window() {
        let _ = window.location().assign(url);
    }
}

/// This page's path, query and fragment.
pub(crate) fn current_location() -> String {
    web_sys::window()
        .and_then(|w| {
            let l = w.location();
            Some(format!(
                "{}{}{}",
                l.pathname().ok()?,
                l.search().ok()?,
                l.hash().ok()?
            ))
        })
        .unwrap_or_else(|| "/".into())
}

/// Loads this page again (unless it is already leaving), so that the
/// server renders it afresh.
pub(crate) fn reload() {
    if leaving() {
        return;
    }
    set_leaving();
    if let Some(window) = web_sys::window() {
        let _ = window.location().reload();
    }
}
