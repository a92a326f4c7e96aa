//! Who is calling, through the `leptos-clerk` library: the app's types for
//! it (its `Grants` and `AppRule`), its route table, the snapshot handed to
//! the browser, and the server-function helpers that answer as `AppError`.

pub mod access;
pub mod extract;
pub mod policy;
pub mod service;
pub mod snapshot;

/// Where credentials are and how return addresses are checked: Clerk's
/// protocol, from the `clerk-protocol` crate.
pub use clerk_protocol::{redirect, request};

pub use access::{AppRule, Grants, RequireGrants};
pub use extract::{auth, require_auth, require_plan, require_role};
pub use leptos_clerk::server::{
    authenticate, normalize, Check, ClerkOptions, Hooks, Reverification, VerificationLevel,
};

/// A request's verified identity, with the app's grants.
pub type Auth = leptos_clerk::server::Auth<Grants>;
/// A verified session, with the app's grants.
pub type Session = leptos_clerk::server::Session<Grants>;
/// The layer's service, with the app's grants and rules.
pub type AuthService = leptos_clerk::server::AuthService<Grants, AppRule>;
/// The app's route table.
pub type Policy = leptos_clerk::server::Policy<AppRule>;
/// What a route requires, in the app's table.
pub type Access = leptos_clerk::server::Access<AppRule>;
/// A signed-in caller, for axum handlers (401/503 otherwise).
pub type RequireAuth = leptos_clerk::server::RequireAuth<Grants>;
