//! Which browser code the development instance hands out at Clerk's
//! unversioned entry paths (`/npm/@clerk/clerk-js@6/dist/clerk.browser.js`
//! and `/npm/@clerk/ui@1/dist/ui.browser.js`, where the app and the console
//! load them from).
//!
//! When `scripts/bootstrap` has fetched Clerk's official builds into the
//! bundles directory (`@clerk/clerk-js@6.x.y/dist`, `@clerk/ui@1.x.y/dist`),
//! those are what every browser runs — the same code production runs, so
//! development and the journeys exercise it — and the chunks they load from
//! beside themselves are served at their versioned paths. Without them (no
//! npm on the machine, or a build dir without `target/`), the instance falls
//! back to its own small `clerk.browser.js`, which speaks the same frontend
//! API and draws plain widgets of its own; at `@clerk/ui`'s path it then
//! serves a script that defines nothing, so the app passes no `ClerkUI`.

use super::console::{SCRIPT_PATH, UI_SCRIPT_PATH};
use axum::{
    http::{header, HeaderValue},
    response::IntoResponse,
    routing::get,
    Router,
};
use std::path::{Path, PathBuf};
use tower_http::{services::ServeDir, set_header::SetResponseHeaderLayer};

/// The instance's own script (the fallback).
const FALLBACK_SCRIPT: &str = include_str!("clerk.browser.js");

/// What the fallback serves at `@clerk/ui`'s path: its script draws its own
/// widgets, so there is no `@clerk/ui` to load.
const FALLBACK_UI_SCRIPT: &str =
    "/* The development instance's fallback: its clerk.browser.js draws its \
own widgets, so there is no @clerk/ui to load here. */\n";

/// Clerk's official builds found in the bundles directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Official {
    /// `clerk-js@6.40.0`
    pub clerk_js: String,
    /// `ui@1.36.0`
    pub ui: String,
}

impl Official {
    /// The newest `clerk-js@6.*` and `ui@1.*` under `dir/@clerk` whose
    /// browser builds are present; `None` unless both are (clerk-js 6 mounts
    /// no widget without `@clerk/ui`, so one alone is no use).
    pub fn find(dir: &Path) -> Option<Official> {
        let scope = dir.join("@clerk");
        Some(Official {
            clerk_js: newest(&scope, "clerk-js@6.", "clerk.browser.js")?,
            ui: newest(&scope, "ui@1.", "ui.browser.js")?,
        })
    }
}

/// The newest `{prefix}x.y` directory in `scope` holding `dist/{entry}`.
fn newest(scope: &Path, prefix: &str, entry: &str) -> Option<String> {
    let version = |name: &str| -> Option<Vec<u64>> {
        name.strip_prefix(prefix)?
            .split('.')
            .map(|part| part.parse().ok())
            .collect()
    };
    std::fs::read_dir(scope)
        .ok()?
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| scope.join(name).join("dist").join(entry).is_file())
        .filter_map(|name| Some((version(&name)?, name)))
        .max()
        .map(|(_, name)| name)
}

/// The entry scripts and, when the official builds are there, everything
/// under `/npm` from the bundles directory. Paths are relative to the mount
/// point.
pub fn router<S: Clone + Send + Sync + 'static>(dir: &Path) -> Router<S> {
    match Official::find(dir) {
        Some(official) => {
            tracing::info!(
                clerk_js = %official.clerk_js,
                ui = %official.ui,
                "the development instance serves Clerk's official browser builds"
            );
            let file = |name: &str, entry: &str| -> PathBuf {
                dir.join("@clerk").join(name).join("dist").join(entry)
            };
            // The entry paths name no exact version, so browsers revalidate
            // them; the versioned files behind them never change.
            let entry = |path: PathBuf| {
                tower::ServiceBuilder::new()
                    .layer(no_cache())
                    .service(tower_http::services::ServeFile::new(path))
            };
            Router::new()
                .route_service(
                    SCRIPT_PATH,
                    entry(file(&official.clerk_js, "clerk.browser.js")),
                )
                .route_service(UI_SCRIPT_PATH, entry(file(&official.ui, "ui.browser.js")))
                .nest_service(
                    "/npm",
                    tower::ServiceBuilder::new()
                        .map_response(immutable_when_found)
                        .service(ServeDir::new(dir)),
                )
        }
        None => {
            tracing::info!(
                dir = %dir.display(),
                "Clerk's official browser builds are not installed (scripts/bootstrap fetches \
                 them); the development instance serves its own small script"
            );
            Router::new()
                .route(SCRIPT_PATH, get(|| async { javascript(FALLBACK_SCRIPT) }))
                .route(
                    UI_SCRIPT_PATH,
                    get(|| async { javascript(FALLBACK_UI_SCRIPT) }),
                )
        }
    }
}

/// A versioned file never changes, so browsers may keep it; a 404 (a
/// chunk not fetched yet) must not be kept.
fn immutable_when_found<B>(mut response: axum::http::Response<B>) -> axum::http::Response<B> {
    if response.status().is_success() {
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=31536000, immutable"),
        );
    }
    response
}

fn no_cache() -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"))
}

fn javascript(body: &'static str) -> impl IntoResponse {
    (
        [
            (
                header::CONTENT_TYPE,
                "application/javascript; charset=utf-8",
            ),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn install(dir: &Path, name: &str, entry: &str) {
        let dist = dir.join("@clerk").join(name).join("dist");
        std::fs::create_dir_all(&dist).unwrap();
        std::fs::write(dist.join(entry), "// build").unwrap();
    }

    #[test]
    fn it_takes_the_newest_complete_builds_and_needs_both() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Official::find(dir.path()), None);
        install(dir.path(), "clerk-js@6.9.0", "clerk.browser.js");
        install(dir.path(), "clerk-js@6.40.0", "clerk.browser.js");
        // Another major, and a directory without its browser build, are not candidates.
        install(dir.path(), "clerk-js@7.0.0", "clerk.browser.js");
        std::fs::create_dir_all(dir.path().join("@clerk/clerk-js@6.99.0/dist")).unwrap();
        assert_eq!(
            Official::find(dir.path()),
            None,
            "clerk-js alone is not enough"
        );
        install(dir.path(), "ui@1.36.0", "ui.browser.js");
        assert_eq!(
            Official::find(dir.path()),
            Some(Official {
                clerk_js: "clerk-js@6.40.0".into(),
                ui: "ui@1.36.0".into()
            })
        );
    }
}
