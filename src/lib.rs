//! Inkpad: a full-stack Leptos app secured with Clerk — rendered on the
//! server, hydrated in the browser, with every request checked on the server.

pub mod app;
pub mod components;
pub mod error;
pub mod model;
pub mod pages;
pub mod rpc;

#[cfg(feature = "hydrate")]
pub mod api_client;

#[cfg(feature = "ssr")]
pub mod api;
#[cfg(feature = "ssr")]
pub mod auth;
#[cfg(feature = "ssr")]
pub mod clerk;
#[cfg(feature = "ssr")]
pub mod config;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod dev_instance;
#[cfg(feature = "ssr")]
pub mod metrics;
#[cfg(feature = "ssr")]
pub mod security;
#[cfg(feature = "ssr")]
pub mod server;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod startup;
#[cfg(feature = "ssr")]
pub mod state;
#[cfg(feature = "ssr")]
pub mod telemetry;

/// The WASM entry point: hydrates the page's islands (the rest of the page
/// is the server's HTML and stays as it is).
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
    // Once the islands' own hydration tasks have run (a timer comes after
    // them): marks the document, so tests (and CSS) can tell a hydrated
    // page from server-rendered HTML, and lets Clerk start.
    leptos::prelude::set_timeout(
        || {
            if let Some(root) = leptos::prelude::document().document_element() {
                let _ = root.set_attribute("data-hydrated", "true");
            }
            leptos_clerk::hydration_finished();
        },
        std::time::Duration::ZERO,
    );
}
