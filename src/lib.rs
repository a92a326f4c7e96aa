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

/// Room for the route splitter (cargo-leptos 0.3.10's `--split`) to lay out
/// the read-only data: it moves each lazy route's constants out of the
/// first-load module, realigning them as it goes, and when the realigned
/// data comes out even a few bytes longer than the input it gives up and
/// leaves *all* of it in the first-load module ("Overlong segment 0 … after
/// relocation", +48 KB raw seen here). Nothing refers to these bytes, so
/// the splitter puts them in no module: they cost nothing in what
/// browsers download, and keep the layout from ever running out of room.
#[cfg(feature = "hydrate")]
#[used]
static SPLIT_LAYOUT_SLACK: [u8; 2048] = [0xA5; 2048];

/// The WASM entry point: hydrates the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // The signed-in pages are lazy routes (`pages::lazy`): hydration may
    // wait for their code to download. Until it has finished nothing may
    // change what the server rendered, so clerk-js (whose first report
    // refetches the auth state) starts only afterwards.
    wasm_bindgen_futures::spawn_local(async {
        let Some(body) = leptos::prelude::document().body() else {
            return;
        };
        leptos::mount::hydrate_from_async(body, app::App)
            .await
            .forget();
        // Marks the document once the WASM has taken over all of it, lazy
        // page included, so tests (and CSS) can tell a hydrated page from
        // server-rendered HTML.
        if let Some(root) = leptos::prelude::document().document_element() {
            let _ = root.set_attribute("data-hydrated", "true");
        }
        leptos_clerk::hydration_finished();
    });
}
