//! Clerk's protocol, from the `clerk-protocol` crate (keys, claims,
//! verification, minting, the Backend API, webhooks), and what the app
//! reads from it: its own `Role` and `Plan` in Clerk's public metadata.

pub use clerk_protocol::{backend, claims, jwks, keys, mint, verify, webhook};

pub mod metadata;
