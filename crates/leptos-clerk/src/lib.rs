#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod components;
mod context;
#[cfg(feature = "hydrate")]
pub mod fetch;
pub mod hooks;
#[cfg(feature = "hydrate")]
pub mod js;
#[cfg(feature = "hydrate")]
mod navigation;
pub mod redirect;
#[cfg(feature = "ssr")]
pub mod server;
pub mod settings;
pub mod user;
pub mod when;

#[cfg(feature = "hydrate")]
pub use components::provider::hydration_finished;
pub use components::{
    gates::{AuthGuard, Protect, RedirectToSignIn, Show, SignedIn, SignedOut},
    islands::ClerkIslands,
    provider::ClerkProvider,
    step_up::StepUpDialog,
    widgets::{
        CreateOrganization, OrganizationProfile, OrganizationSwitcher, SignIn, SignInButton,
        SignOutButton, SignUp, SignUpButton, UserButton,
    },
};
pub use hooks::{use_auth, use_organization, use_session, use_user, AuthStatus, UseAuth};
pub use settings::ClerkSettings;
pub use user::{AuthUser, Organization};
pub use when::When;

/// Clerk's protocol (keys, claims, verification, Backend API, webhooks),
/// re-exported for the server half.
#[cfg(feature = "ssr")]
pub use clerk_protocol as protocol;
