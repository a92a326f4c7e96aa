//! Clerk's protocol as the server speaks it: keys, session-token claims,
//! verification against PEM or JWKS, token minting, the Backend API, and
//! Svix webhook signatures.

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
pub mod verify;
pub mod webhook;
