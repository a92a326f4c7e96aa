#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "ssr")]
pub mod server;

/// Clerk's protocol (keys, claims, verification, Backend API, webhooks),
/// re-exported for the server half.
#[cfg(feature = "ssr")]
pub use clerk_protocol as protocol;
