//! Clerk's protocol as the server speaks it: keys, session-token claims,
//! verification against PEM or JWKS, token minting, the Backend API, and
//! Svix webhook signatures.

/// Where a frontend API (or its proxy) serves clerk-js.
pub const CLERK_JS_PATH: &str = "/npm/@clerk/clerk-js@6/dist/clerk.browser.js";

pub mod backend;
pub mod claims;
pub mod jwks;
pub mod keys;
pub mod mint;
pub mod verify;
pub mod webhook;
