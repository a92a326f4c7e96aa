//! What the embedding app lends the instance: how it reads a request's
//! client address and CSP nonce, and its rate budget for password guesses.
//!
//! These are the app's own security decisions (which proxies it trusts,
//! which scripts its CSP allows, how many attempts an account gets); the
//! instance asks instead of deciding again, so one policy holds for the
//! app's pages and the instance's endpoints alike.

use axum::{http::Extensions, response::Response};
use std::{future::Future, net::IpAddr, pin::Pin};

/// A boxed future, for the one asynchronous hook.
pub type HookFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The app's side of the instance's requests. Every method has a default
/// that is right for a bare embedding: no address, no nonce, no budget.
pub trait Host: Send + Sync + 'static {
    /// The client address of a request, as the app's own layers found it
    /// (they ran before the instance's routes). Sessions list it among
    /// their activity.
    fn client_address(&self, _request: &Extensions) -> Option<IpAddr> {
        None
    }

    /// The nonce the app's `Content-Security-Policy` allows inline scripts
    /// with on this response; the console's script carries it.
    fn csp_nonce(&self, _request: &Extensions) -> Option<String> {
        None
    }

    /// Charges one password attempt against one account (`identifier` is
    /// its email) on `path`. `Err` is the answer to send instead (a 429):
    /// guesses at one password spread over many addresses are slowed too.
    /// The instance also locks an account after repeated failures itself.
    fn charge_sign_in_attempt<'a>(
        &'a self,
        _identifier: &'a str,
        _path: &'a str,
    ) -> HookFuture<'a, Result<(), Response>> {
        Box::pin(async { Ok(()) })
    }
}

/// A host that lends nothing (tests, or an app without those layers).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoHost;

impl Host for NoHost {}
