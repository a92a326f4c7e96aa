//! The gates: [`Show`], [`SignedIn`], [`SignedOut`], [`Protect`],
//! [`AuthGuard`] and [`RedirectToSignIn`].
//!
//! They only hide UI. Anyone can edit the page, so every request they
//! lead to is checked again by the server from the verified token. They
//! render on the server from the same answer the browser hydrates, so a
//! signed-in page arrives signed in, with no flash of the wrong state.

use crate::{hooks::use_auth, when::When};
use leptos::prelude::*;

/// Renders `children` when `when` holds for the caller, else `fallback`.
#[component]
pub fn Show(
    /// The condition.
    #[prop(into)]
    when: When,
    /// What others see (nothing by default).
    #[prop(optional, into)]
    fallback: ViewFn,
    children: ChildrenFn,
) -> impl IntoView {
    let ctx = use_auth().ctx();
    let when = StoredValue::new(when);
    let fallback = StoredValue::new(fallback);
    let children = StoredValue::new(children);
    view! {
        // Transition: a refetch keeps showing the last answer, never a flash.
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let Some(caller) = ctx.settled().await else {
                    return ().into_any();
                };
                // `try_`: a server render abandoned by its client is torn
                // down around this future; it then renders nothing rather
                // than panicking a server worker.
                let shown = match when.try_with_value(|w| w.matches(caller.as_deref())) {
                    Some(true) => children.try_with_value(|c| c().into_any()),
                    Some(false) => fallback.try_with_value(|f| f.run()),
                    None => None,
                };
                shown.unwrap_or_else(|| ().into_any())
            })}
        </Transition>
    }
}

/// Renders `children` for a signed-in caller.
#[component]
pub fn SignedIn(children: ChildrenFn) -> impl IntoView {
    view! { <Show when=When::SignedIn>{children()}</Show> }
}

/// Renders `children` when nobody is signed in.
#[component]
pub fn SignedOut(children: ChildrenFn) -> impl IntoView {
    view! { <Show when=When::SignedOut>{children()}</Show> }
}

/// Shows `children` to a signed-in caller who meets every condition given
/// (none: any signed-in caller), else `fallback`: Clerk's organization
/// `permission` and `org_role`, `feature` and `billing_plan` (scoped
/// `u:`/`o:` or not), and `when` for anything else (such as the app's own
/// roles).
#[component]
pub fn Protect(
    /// An organization permission (`org:posts:manage`).
    #[prop(optional, into)]
    permission: Option<String>,
    /// An organization role (`org:admin` or `admin`).
    #[prop(optional, into)]
    org_role: Option<String>,
    /// A Clerk feature.
    #[prop(optional, into)]
    feature: Option<String>,
    /// A Clerk billing plan.
    #[prop(optional, into)]
    billing_plan: Option<String>,
    /// Any other condition.
    #[prop(optional, into)]
    when: Option<When>,
    /// What others see (nothing by default).
    #[prop(optional, into)]
    fallback: ViewFn,
    children: ChildrenFn,
) -> impl IntoView {
    let conditions: Vec<When> = [
        Some(When::SignedIn),
        permission.map(When::Permission),
        org_role.map(When::OrgRole),
        feature.map(When::Feature),
        billing_plan.map(When::BillingPlan),
        when,
    ]
    .into_iter()
    .flatten()
    .collect();
    view! { <Show when=When::All(conditions) fallback>{children()}</Show> }
}

/// Guards a signed-in page in the browser: when the session ends (signed
/// out in another tab, revoked, expired), the user is sent to sign in and
/// back here, instead of being left on a page that no longer works. (The
/// server refuses the page itself; this is for a page already open.)
#[component]
pub fn AuthGuard(children: Children) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    {
        let auth = use_auth();
        Effect::new(move |_| {
            if auth.status() == crate::hooks::AuthStatus::SignedOut {
                auth.redirect_to_sign_in();
            }
        });
    }
    children()
}

/// Sends the visitor to sign in and back here: on the server a redirect
/// (`leptos_axum::redirect`), in the browser a navigation.
#[component]
pub fn RedirectToSignIn() -> impl IntoView {
    let auth = use_auth();
    let location = leptos_router::hooks::use_location();
    let target = auth.sign_in_href(&location.pathname.get_untracked());
    #[cfg(feature = "ssr")]
    leptos_axum::redirect(&target);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| crate::navigation::go_to(&target));
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    let _ = target;
}
