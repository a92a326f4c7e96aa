//! The server half (`ssr`): the axum layer that verifies every request's
//! session token and runs Clerk's handshake, the app's opt-in route table,
//! the verified-token cache, `has()` and reverification, and the
//! extractors and server-function helpers through which handlers ask who
//! is calling.

pub mod error;
pub mod extract;
pub mod layer;
pub mod policy;
pub mod session;
pub mod token_cache;

pub use error::AuthError;
pub use extract::{auth, require_auth, RequireAuth};
pub use layer::{authenticate, AuthService, ClerkOptions, Handshake, Hooks, Outcome};
pub use policy::{normalize, Access, NoRule, Policy, Rule};
pub use session::{Auth, Check, Metadata, Reverification, Session, VerificationLevel};
