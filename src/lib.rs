//! Inkpad: a full-stack Leptos app secured with Clerk — rendered on the
//! server, its interactive parts hydrated in the browser as islands, with
//! every request checked on the server.

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

/// Room for the route splitter (cargo-leptos 0.3.10's `--split`) to lay out
/// the read-only data: it moves each lazy island's constants out of the
/// first-load module, realigning them as it goes, and when the realigned
/// data comes out even a few bytes longer than the input it gives up and
/// leaves *all* of it in the first-load module ("Overlong segment 0 … after
/// relocation", +48 KB raw seen here). Nothing refers to these bytes, so
/// the splitter puts them in no module: they cost nothing in what
/// browsers download, and keep the layout from ever running out of room.
#[cfg(feature = "hydrate")]
#[used]
static SPLIT_LAYOUT_SLACK: [u8; 2048] = [0xA5; 2048];

/// The WASM entry point: sets up the islands' reactive root. Leptos' own
/// script then hydrates each island in the order of the page (the rest of
/// the page is the server's HTML and stays as it is); the last one,
/// `app::Hydrated`, marks the page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
