//! Server functions: the UI's typed calls into the server. Bodies run on the
//! server only; the browser gets a fetch stub with the same signature.

pub mod auth;
pub mod stats;
