//! Clerk's authentication protocol, as a Rust server speaks it — with no
//! web framework inside, so any server (axum, Leptos, anything on `http`)
//! can build on it.
//!
//! - [`keys`]: publishable, secret and webhook keys, parsed and checked
//!   (instance kind, frontend API host); secrets never print.
//! - [`claims`] and [`verify`]: session-token claims (v1 and v2: `o`, `fea`,
//!   `fpm`, `pla`, `fva`) and their verification against a PEM key or the
//!   instance's JWKS ([`jwks`]: cached, refetched at most once per window
//!   for an unknown `kid`, the last good keys kept through an outage).
//!   Only RSA algorithms are ever considered: `none` and HMAC are refused
//!   before any key is touched.
//! - [`mint`]: signing keys and tokens (tests, development instances).
//! - [`backend`]: the Backend API client (users, metadata, sessions, the
//!   handshake payload), with retries on 429/5xx and Clerk's error bodies.
//! - [`webhook`]: Svix signatures on Clerk's webhooks.
//! - [`request`]: where a request's credentials are (Bearer, `__session`,
//!   `__client_uat`, suffixed cookies, dev browsers, handshake tokens and
//!   nonces) and the first half of Clerk's cookie decision table;
//!   [`redirect`]: the same-origin check for return addresses.
//!
//! ```
//! use clerk_protocol::keys::{InstanceKind, PublishableKey};
//!
//! let pk = PublishableKey::for_host(InstanceKind::Test, "example.clerk.accounts.dev");
//! assert_eq!(pk.frontend_api_url(), "https://example.clerk.accounts.dev");
//! assert_eq!(pk.kind(), InstanceKind::Test);
//! ```

#![forbid(unsafe_code)]

/// Where a frontend API (or its proxy) serves clerk-js.
pub const CLERK_JS_PATH: &str = "/npm/@clerk/clerk-js@6/dist/clerk.browser.js";
/// Where it serves `@clerk/ui`'s browser build: clerk-js 6 draws no widget
/// itself, it takes them from `Clerk.load({ ui: { ClerkUI } })`.
pub const CLERK_UI_PATH: &str = "/npm/@clerk/ui@1/dist/ui.browser.js";

pub mod backend;
pub mod claims;
pub mod jwks;
pub mod keys;
pub mod mint;
pub mod redirect;
pub mod request;
pub mod token_error;
pub mod verify;
pub mod webhook;
