//! Who is calling: each request's verified session, what it may do, where the
//! token came from, the route policy, and the extractors and server-function
//! helpers through which handlers ask for it.

pub mod extract;
pub mod layer;
pub mod policy;
pub mod session;
pub mod snapshot;
pub mod token_cache;

/// Where credentials are and how return addresses are checked: Clerk's
/// protocol, from the `clerk-protocol` crate.
pub use clerk_protocol::{redirect, request};

pub use extract::{auth, require_auth, require_plan, require_role, RequireAuth};
pub use layer::AuthService;
pub use policy::{Access, Policy};
pub use session::{Auth, Check, Reverification, Session, VerificationLevel};
