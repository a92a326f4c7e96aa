//! Clerk's own widgets, mounted from Rust into nodes the page renders:
//! [`SignIn`], [`SignUp`], [`UserButton`], [`OrganizationSwitcher`],
//! [`CreateOrganization`], [`OrganizationProfile`]; and plain links and a
//! button for signing in, up and out ([`SignInButton`], [`SignUpButton`],
//! [`SignOutButton`]).
//!
//! Clerk draws the widgets in the browser (clerk-js with `@clerk/ui`); the
//! server renders their mount points, a "Loading…" line and, for browsers
//! without JavaScript, a notice. Every path they link to is the app's to
//! give, through [`crate::ClerkSettings`] or props.

use crate::hooks::use_auth;
use leptos::prelude::*;

/// A node Clerk mounts one of its widgets into, unmounted on cleanup.
#[component]
fn ClerkWidget(
    #[cfg_attr(not(feature = "hydrate"), allow(unused_variables))] widget: &'static str,
    #[cfg_attr(not(feature = "hydrate"), allow(unused_variables))] props: Vec<(
        &'static str,
        String,
    )>,
    loading: &'static str,
) -> impl IntoView {
    let node = NodeRef::<leptos::html::Div>::new();

    #[cfg(feature = "hydrate")]
    {
        use crate::js::{self, Widget};
        use leptos::wasm_bindgen::JsCast;
        let mounted = RwSignal::new(false);
        let kind = match widget {
            "sign-in" => Widget::SignIn,
            "sign-up" => Widget::SignUp,
            "organization-switcher" => Widget::OrganizationSwitcher,
            "create-organization" => Widget::CreateOrganization,
            "organization-profile" => Widget::OrganizationProfile,
            _ => Widget::UserButton,
        };
        let auth = use_auth();
        Effect::new(move |_| {
            if mounted.get_untracked() || !auth.clerk_loaded() {
                return;
            }
            let (Some(el), Some(clerk)) = (node.get(), js::Clerk::get()) else {
                return;
            };
            let pairs: Vec<(&str, &str)> = props.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let el: web_sys::HtmlElement = el.unchecked_into();
            clerk.mount(kind, &el, &js::props(&pairs));
            mounted.set(true);
        });
        on_cleanup(move || {
            if let (Some(el), Some(clerk)) = (node.get_untracked(), js::Clerk::get()) {
                clerk.unmount(kind, el.unchecked_ref());
            }
        });
    }

    // Clerk's forms are its browser code: without JavaScript there is no
    // form to wait for, so say that instead of "Loading…" (`<noscript>`
    // holds it as markup the hydrated page never walks).
    let no_script = (!loading.is_empty()).then(|| {
        view! { <noscript inner_html=NO_SCRIPT_NOTICE></noscript> }
    });
    view! {
        <div class=format!("clerk-widget clerk-{widget}")>
            // Hidden by the app's stylesheet once Clerk has drawn into the
            // mount point (mounting returns before @clerk/ui draws).
            <p class="widget-loading js-only" aria-live="polite">{loading}</p>
            {no_script}
            <div class="clerk-mount" node_ref=node></div>
        </div>
    }
}

/// What a browser without JavaScript shows where Clerk's form would be.
const NO_SCRIPT_NOTICE: &str = "<p class=\"notice\" data-testid=\"no-script-notice\">\
Signing in and signing up run Clerk's own form in your browser, which needs JavaScript. \
Turn JavaScript on for this site to sign in; once you are signed in, the pages \
that do not need Clerk's forms work without it.</p>";

/// Path routing under `path` when it is one (`/sign-in/factor-one`, which
/// the app's `/sign-in/*any` route also renders), as @clerk/nextjs mounts
/// its forms: with Clerk's default hash routing a form would read its
/// query from the hash and never see `redirect_url`. A full URL (an
/// Account Portal) gets Clerk's default routing.
fn routing(path: &str) -> Vec<(&'static str, String)> {
    if path.starts_with('/') {
        vec![("routing", "path".to_owned()), ("path", path.to_owned())]
    } else {
        Vec::new()
    }
}

/// Props for Clerk's sign-in or sign-up form: its routing, the link to the
/// other form and where to go afterwards when nothing says otherwise
/// (`fallbackRedirectUrl`). A `redirect_url` in the query wins over it:
/// clerk-js reads that itself, and follows it only within the allowed
/// origins (this one, by default), so it is not passed on here.
fn form_props(
    path: String,
    other_form: (&'static str, Option<String>),
    after: Option<String>,
) -> Vec<(&'static str, String)> {
    let mut props = routing(&path);
    props.extend(other_form.1.map(|url| (other_form.0, url)));
    props.extend(after.map(|url| ("fallbackRedirectUrl", url)));
    props
}

/// Clerk's sign-in form, routed under `path` (default: the settings'
/// `sign_in_url`). Honours a same-origin `redirect_url` query.
#[component]
pub fn SignIn(
    /// Where the app renders this form (its route must also match
    /// `path/*`).
    #[prop(optional, into)]
    path: Option<String>,
) -> impl IntoView {
    auth_form(false, path)
}

/// Clerk's sign-up form, routed under `path` (default: the settings'
/// `sign_up_url`). Honours a same-origin `redirect_url` query.
#[component]
pub fn SignUp(
    /// Where the app renders this form (its route must also match
    /// `path/*`).
    #[prop(optional, into)]
    path: Option<String>,
) -> impl IntoView {
    auth_form(true, path)
}

/// The sign-in or sign-up form, as the settings place it.
fn auth_form(sign_up: bool, path: Option<String>) -> impl IntoView {
    let settings = use_auth().settings();
    let (own, other, after) = match settings {
        Some(s) if sign_up => (s.sign_up_url, s.sign_in_url, s.after_sign_up_url),
        Some(s) => (s.sign_in_url, s.sign_up_url, s.after_sign_in_url),
        None => Default::default(),
    };
    let known = |url: String| (!url.is_empty()).then_some(url);
    let (widget, other_key, loading) = if sign_up {
        ("sign-up", "signInUrl", "Loading the sign-up form…")
    } else {
        ("sign-in", "signUpUrl", "Loading the sign-in form…")
    };
    let props = form_props(path.unwrap_or(own), (other_key, known(other)), known(after));
    view! { <ClerkWidget widget props loading/> }
}

/// Clerk's account menu (manage account, sign out), with the caller's name
/// beside it ([`crate::AuthUser::display_name`]). Place it inside
/// `SignedIn`: the name is then read once the server knows the caller, as
/// hydration expects.
#[component]
pub fn UserButton() -> impl IntoView {
    // Read from the provider's state, not a signal of this component's own:
    // when a sign-out hides the button, clerk-js can report once more
    // before this component's text has been torn down, and a derived
    // signal owned here would already be gone.
    let auth = use_auth();
    let name = move || auth.display_name().unwrap_or_default();
    let props = vec![("afterSignOutUrl", auth.after_sign_out_url())];
    view! {
        <div class="user-button" data-testid="user-button">
            <span class="signed-in-as" data-testid="signed-in-as" title=name>{name}</span>
            <ClerkWidget widget="user-button" props loading=""/>
        </div>
    }
}

/// Clerk's organization switcher: the personal space and the user's
/// organizations, pending invitations, and creating and managing one —
/// on the app's own pages when their URLs are given, else in Clerk's
/// modals. Switching changes the session's active organization; the
/// provider then asks the server again, which reads the new token's `o`
/// claim.
#[component]
pub fn OrganizationSwitcher(
    /// The app's page holding [`CreateOrganization`].
    #[prop(optional, into)]
    create_organization_url: Option<String>,
    /// The app's page holding [`OrganizationProfile`].
    #[prop(optional, into)]
    organization_profile_url: Option<String>,
    /// Where to go after creating one.
    #[prop(optional, into)]
    after_create_organization_url: Option<String>,
    /// Where to go after leaving one.
    #[prop(optional, into)]
    after_leave_organization_url: Option<String>,
) -> impl IntoView {
    let mut props = Vec::new();
    if let Some(url) = create_organization_url {
        props.push(("createOrganizationMode", "navigation".to_owned()));
        props.push(("createOrganizationUrl", url));
    }
    if let Some(url) = organization_profile_url {
        props.push(("organizationProfileMode", "navigation".to_owned()));
        props.push(("organizationProfileUrl", url));
    }
    props.extend(after_create_organization_url.map(|u| ("afterCreateOrganizationUrl", u)));
    props.extend(after_leave_organization_url.map(|u| ("afterLeaveOrganizationUrl", u)));
    view! {
        <div class="organization-switcher" data-testid="organization-switcher">
            <ClerkWidget widget="organization-switcher" props loading=""/>
        </div>
    }
}

/// Clerk's form to create an organization (its creator becomes its admin
/// and it becomes active).
#[component]
pub fn CreateOrganization(
    /// Where the app renders this form (path routing); Clerk's default
    /// routing without it.
    #[prop(optional, into)]
    path: Option<String>,
    /// Where to go once it is created.
    #[prop(optional, into)]
    after_create_organization_url: Option<String>,
    /// Skips the screen that invites members right after creating.
    #[prop(optional)]
    skip_invitation_screen: bool,
) -> impl IntoView {
    let mut props = routing(path.as_deref().unwrap_or_default());
    props.extend(after_create_organization_url.map(|u| ("afterCreateOrganizationUrl", u)));
    if skip_invitation_screen {
        props.push(("skipInvitationScreen", "true".to_owned()));
    }
    view! { <ClerkWidget widget="create-organization" props loading="Loading the form…"/> }
}

/// Clerk's management of the active organization: its name, members and
/// their roles, invitations, leaving it and, for admins, deleting it.
/// What each member may do there is Clerk's to decide (its frontend API
/// checks the caller's role on every call); the widget hides the rest.
#[component]
pub fn OrganizationProfile(
    /// Where the app renders it (path routing); Clerk's default routing
    /// without it.
    #[prop(optional, into)]
    path: Option<String>,
    /// Where to go after leaving the organization.
    #[prop(optional, into)]
    after_leave_organization_url: Option<String>,
) -> impl IntoView {
    let mut props = routing(path.as_deref().unwrap_or_default());
    props.extend(after_leave_organization_url.map(|u| ("afterLeaveOrganizationUrl", u)));
    view! { <ClerkWidget widget="organization-profile" props loading="Loading the organization…"/> }
}

/// A link to the sign-in page that comes back to this page afterwards (it
/// works before and without the WASM). On the sign-in or sign-up page
/// itself, it comes back to the settings' `after_sign_in_url` instead.
#[component]
pub fn SignInButton(
    /// The link's text (default "Sign in").
    #[prop(optional, into)]
    label: Option<String>,
    /// The link's class.
    #[prop(optional, into)]
    class: Option<String>,
) -> impl IntoView {
    let auth = use_auth();
    let location = leptos_router::hooks::use_location();
    let href = move || {
        // `try_get`: see the provider (an abandoned render must not panic).
        let here = location.pathname.try_get().unwrap_or_default();
        auth.with_settings(|settings| match settings {
            Some(s) => {
                let on_a_form = [&s.sign_in_url, &s.sign_up_url]
                    .iter()
                    .any(|form| at_or_below(&here, form));
                let back = if on_a_form {
                    &s.after_sign_in_url
                } else {
                    &here
                };
                crate::redirect::with_redirect(&s.sign_in_url, back)
            }
            None => crate::redirect::with_redirect("/sign-in", &here),
        })
    };
    view! {
        <a class=class href=href data-testid="sign-in-button">
            {label.unwrap_or_else(|| "Sign in".into())}
        </a>
    }
}

/// Is `path` the page `prefix` or one below it (`/sign-in/factor-one`)?
fn at_or_below(path: &str, prefix: &str) -> bool {
    path.strip_prefix(prefix.trim_end_matches('/'))
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// A link to the sign-up page (it works before and without the WASM).
#[component]
pub fn SignUpButton(
    /// The link's text (default "Sign up").
    #[prop(optional, into)]
    label: Option<String>,
    /// The link's class.
    #[prop(optional, into)]
    class: Option<String>,
) -> impl IntoView {
    let auth = use_auth();
    let href = move || auth.with_settings(|s| s.map_or("/sign-up", |s| &s.sign_up_url).to_owned());
    view! {
        <a class=class href=href data-testid="sign-up-button">
            {label.unwrap_or_else(|| "Sign up".into())}
        </a>
    }
}

/// Signs out through Clerk, then goes to the settings' `after_sign_out_url`.
#[component]
pub fn SignOutButton(
    /// The button's text (default "Sign out").
    #[prop(optional, into)]
    label: Option<String>,
    /// The button's class.
    #[prop(optional, into)]
    class: Option<String>,
) -> impl IntoView {
    let auth = use_auth();
    view! {
        <button type="button" class=class on:click=move |_| auth.sign_out(&auth.after_sign_out_url())>
            {label.unwrap_or_else(|| "Sign out".into())}
        </button>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_route_by_path_only_on_this_site() {
        assert_eq!(
            form_props(
                "/sign-in".into(),
                ("signUpUrl", Some("/sign-up".into())),
                Some("/home".into())
            ),
            vec![
                ("routing", "path".to_owned()),
                ("path", "/sign-in".to_owned()),
                ("signUpUrl", "/sign-up".to_owned()),
                ("fallbackRedirectUrl", "/home".to_owned()),
            ]
        );
        assert_eq!(
            form_props(
                "https://accounts.example/sign-in".into(),
                ("signUpUrl", None),
                None
            ),
            Vec::<(&str, String)>::new(),
            "an Account Portal keeps Clerk's own routing"
        );
    }

    #[test]
    fn the_sign_in_pages_are_recognised_below_their_path() {
        assert!(at_or_below("/sign-in", "/sign-in"));
        assert!(at_or_below("/sign-in/factor-one", "/sign-in"));
        assert!(at_or_below("/sign-in", "/sign-in/"));
        assert!(!at_or_below("/sign-inside", "/sign-in"));
        assert!(!at_or_below("/posts", "/sign-in"));
    }
}
