//! Clerk for Leptos: `ClerkProvider` (the auth state, seeded on the server
//! and kept live from Clerk's listener), `use_auth` / `use_user`, the gates
//! that only hide UI (`Show`, `SignedIn`, `SignedOut`, `Protect`), Clerk's
//! widgets mounted from Rust, and `AuthGuard`.
//!
//! The state is one resource: the server's verdict on the caller
//! (`current_user`, from the verified session token). It is resolved before
//! the page is sent, hydrated from the page, and refetched whenever Clerk
//! reports a change (sign-in, sign-out, a refreshed token) — so role and plan
//! always come from the latest verified token, never from the browser.

use crate::{
    error::AppError,
    model::{AuthSnapshot, ClerkSettings, Plan, Role},
};
use leptos::prelude::*;
use std::sync::Arc;

pub type SettingsResource = Resource<Result<ClerkSettings, AppError>>;

/// The signed-in user's public identity, resolved on the server before the
/// page is sent (so it renders right without a flash) and hydrated from the
/// page's own payload.
pub type CurrentUser = Resource<Result<Option<AuthSnapshot>, AppError>>;

/// What `ClerkProvider` shares with everything below it.
#[derive(Clone, Copy)]
pub struct ClerkContext {
    current: CurrentUser,
    settings: SettingsResource,
    /// clerk-js has loaded (widgets can mount).
    clerk_loaded: RwSignal<bool>,
    /// Shown on the page when clerk-js cannot load.
    error: RwSignal<Option<String>>,
}

/// Signed in, signed out, or not known yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthStatus {
    Loading,
    SignedOut,
    SignedIn,
}

/// A condition on the caller, as Clerk's `<Show when=…>` takes it.
#[derive(Clone)]
pub enum When {
    SignedIn,
    SignedOut,
    Role(Role),
    Plan(Plan),
    /// An organization permission, such as `org:posts:manage`.
    Permission(String),
    /// An organization role, such as `org:admin` (or `admin`).
    OrgRole(String),
    /// A Clerk feature: `u:export`, `o:teams`, or unscoped for either.
    Feature(String),
    /// A Clerk billing plan: `u:pro`, `o:team`, or unscoped (the user's
    /// plan or the active organization's).
    BillingPlan(String),
    Check(Arc<dyn Fn(&AuthSnapshot) -> bool + Send + Sync>),
}

impl When {
    pub fn check(f: impl Fn(&AuthSnapshot) -> bool + Send + Sync + 'static) -> Self {
        When::Check(Arc::new(f))
    }

    /// Does `user` (`None`: signed out) satisfy this?
    pub fn matches(&self, user: Option<&AuthSnapshot>) -> bool {
        match (self, user) {
            (When::SignedOut, user) => user.is_none(),
            (_, None) => false,
            (When::SignedIn, Some(_)) => true,
            (When::Role(role), Some(u)) => u.role == *role,
            (When::Plan(plan), Some(u)) => u.plan == *plan,
            (When::Permission(p), Some(u)) => u.permissions.iter().any(|x| x == p),
            (When::OrgRole(role), Some(u)) => u.has_org_role(role),
            (When::Feature(feature), Some(u)) => u.has_feature(feature),
            (When::BillingPlan(plan), Some(u)) => u.has_plan(plan),
            (When::Check(f), Some(u)) => f(u),
        }
    }
}

impl From<Role> for When {
    fn from(role: Role) -> Self {
        When::Role(role)
    }
}

impl From<Plan> for When {
    fn from(plan: Plan) -> Self {
        When::Plan(plan)
    }
}

/// Holds the auth state for the app below it and, in the browser, loads
/// clerk-js and listens to it.
#[component]
pub fn ClerkProvider(current: CurrentUser, children: Children) -> impl IntoView {
    let settings: SettingsResource =
        Resource::new_blocking(|| (), |_| crate::rpc::auth::load_clerk_settings());
    let ctx = ClerkContext {
        current,
        settings,
        clerk_loaded: RwSignal::new(false),
        error: RwSignal::new(None),
    };
    provide_context(ctx);

    #[cfg(feature = "hydrate")]
    {
        let started = StoredValue::new(false);
        let hydrated = HYDRATED.with(Clone::clone);
        Effect::new(move |_| {
            // Not before the page has hydrated: Clerk's first report
            // refetches `current`, and a gate still hydrating (in a lazy
            // route whose code is downloading) would then render something
            // other than the server's HTML.
            if !hydrated.get() {
                return;
            }
            let Some(Ok(settings)) = ctx.settings.get() else {
                return;
            };
            if started.get_value() {
                return;
            }
            started.set_value(true);
            browser::start(ctx, settings);
        });
    }

    view! {
        {move || {
            ctx.error
                .get()
                .map(|message| {
                    view! {
                        <div class="clerk-error" role="alert" data-testid="clerk-error">
                            {message}
                        </div>
                    }
                })
        }}
        {children()}
    }
}

#[cfg(feature = "hydrate")]
thread_local! {
    /// Whether the page has finished hydrating (set by `crate::hydrate`).
    static HYDRATED: ArcRwSignal<bool> = ArcRwSignal::new(false);
}

/// Tells the Clerk provider that hydration is over, so clerk-js may start.
#[cfg(feature = "hydrate")]
pub fn hydration_finished() {
    HYDRATED.with(|hydrated| hydrated.set(true));
}

#[cfg(feature = "hydrate")]
mod browser {
    use super::ClerkContext;
    use crate::{clerk_js, model::ClerkSettings};
    use leptos::prelude::*;
    use leptos::task::spawn_local;

    pub fn start(ctx: ClerkContext, settings: ClerkSettings) {
        let script = settings.script_url.clone();
        clerk_js::inject_scripts(
            &settings.script_url,
            &settings.ui_script_url,
            &settings.publishable_key,
            settings.proxy_url.as_deref(),
            move |loaded| match loaded {
                Err(err) => fail(ctx, &format!("{err} ({script})")),
                Ok(()) => spawn_local(async move {
                    let Some(clerk) = clerk_js::Clerk::get() else {
                        return fail(ctx, "clerk-js loaded but window.Clerk is missing");
                    };
                    let options = clerk_js::props(&[
                        ("signInUrl", &settings.sign_in_url),
                        ("signUpUrl", &settings.sign_up_url),
                        ("signInFallbackRedirectUrl", &settings.after_sign_in_url),
                        ("signUpFallbackRedirectUrl", &settings.after_sign_up_url),
                        ("afterSignOutUrl", "/"),
                    ]);
                    clerk_js::show_optional_fields(&options);
                    if let Err(err) = clerk.load_with(&options).await {
                        return fail(ctx, &err);
                    }
                    ctx.clerk_loaded.set(true);
                    let _ = window_event_listener(leptos::ev::beforeunload, |_| {
                        super::LEAVING.with(|l| l.set(true))
                    });
                    // Every change Clerk reports (a new or ended session, a
                    // refreshed token on focus or timer) asks the server again.
                    // Signed out and still signed out asks nothing: refetching
                    // re-renders the gates, which would mount the sign-in
                    // form afresh and wipe what the visitor is typing.
                    clerk.on_change(move |session| {
                        let server_signed_out =
                            matches!(ctx.current.get_untracked(), Some(Ok(None)));
                        if session.is_none() && server_signed_out {
                            return;
                        }
                        ctx.current.refetch();
                    });
                }),
            },
        );
    }

    fn fail(ctx: ClerkContext, detail: &str) {
        leptos::logging::warn!("Clerk failed to load: {detail}");
        ctx.error.set(Some(
            "Sign-in is unavailable right now: Clerk could not be loaded. \
             Check your connection and reload the page."
                .into(),
        ));
    }
}

fn context() -> ClerkContext {
    use_context::<ClerkContext>().unwrap_or_else(|| {
        // Either a component outside `ClerkProvider` (a mistake, said here)
        // or one rendered while a server render its client abandoned is
        // being torn down (its owners already gone): neither may panic a
        // server worker, so it gets a context that knows nobody.
        leptos::logging::warn!(
            "Clerk components need a ClerkProvider above them (or this render was abandoned)"
        );
        ClerkContext::detached()
    })
}

impl ClerkContext {
    /// A context with nobody signed in and Clerk not loaded.
    fn detached() -> Self {
        ClerkContext {
            current: Resource::new(|| (), |_| async { Ok(None) }),
            settings: Resource::new(
                || (),
                |_| async { Err(AppError::Unavailable("Clerk is not set up here.".into())) },
            ),
            clerk_loaded: RwSignal::new(false),
            error: RwSignal::new(None),
        }
    }
}

/// The caller's auth state and actions, as Clerk's `useAuth()`. Its getters
/// read a resource: in views, read them inside `Show` (or another
/// `Suspense`/`Transition`) so that the server renders what hydration expects.
#[derive(Clone, Copy)]
pub struct UseAuth {
    ctx: ClerkContext,
}

pub fn use_auth() -> UseAuth {
    UseAuth { ctx: context() }
}

/// The signed-in user's public identity (`None`: signed out or loading).
pub fn use_user() -> Signal<Option<AuthSnapshot>> {
    let auth = use_auth();
    Signal::derive(move || auth.user())
}

/// The session's active organization, as the verified token names it
/// (`None`: signed out, loading, or the personal space).
pub fn use_organization() -> Signal<Option<crate::model::OrgSnapshot>> {
    let auth = use_auth();
    Signal::derive(move || auth.user().and_then(|u| u.org))
}

impl UseAuth {
    fn state(&self) -> Option<Option<AuthSnapshot>> {
        // `try_get`: a server render whose client has gone away is torn
        // down while resource tasks may still ask; they then see "loading"
        // instead of panicking a server worker.
        match self.ctx.current.try_get().flatten() {
            None => None,
            Some(Ok(user)) => Some(user),
            // Cannot tell (e.g. keys unavailable): show the signed-out UI;
            // the server still decides every request.
            Some(Err(_)) => Some(None),
        }
    }

    pub fn status(&self) -> AuthStatus {
        match self.state() {
            None => AuthStatus::Loading,
            Some(None) => AuthStatus::SignedOut,
            Some(Some(_)) => AuthStatus::SignedIn,
        }
    }

    pub fn is_loaded(&self) -> bool {
        self.status() != AuthStatus::Loading
    }

    pub fn is_signed_in(&self) -> bool {
        self.status() == AuthStatus::SignedIn
    }

    /// clerk-js itself has loaded in this browser (widgets can mount).
    pub fn clerk_loaded(&self) -> bool {
        self.ctx.clerk_loaded.get()
    }

    pub fn user(&self) -> Option<AuthSnapshot> {
        self.state().flatten()
    }

    pub fn user_id(&self) -> Option<String> {
        self.user().map(|u| u.user_id)
    }

    pub fn session_id(&self) -> Option<String> {
        self.user().and_then(|u| u.session_id)
    }

    pub fn role(&self) -> Option<Role> {
        self.user().map(|u| u.role)
    }

    pub fn plan(&self) -> Option<Plan> {
        self.user().map(|u| u.plan)
    }

    pub fn has(&self, when: &When) -> bool {
        when.matches(self.user().as_ref())
    }

    pub fn settings(&self) -> Option<ClerkSettings> {
        self.ctx.settings.get().and_then(Result::ok)
    }

    /// Asks the server who the caller is now (after a change of claims).
    pub fn refresh(&self) {
        self.ctx.current.refetch();
    }

    /// A fresh session token from Clerk (which also renews the cookie and so
    /// the claims the server sees), then the state refreshed. `None` when
    /// signed out or on the server.
    pub async fn get_token(&self) -> Option<String> {
        #[cfg(feature = "hydrate")]
        {
            let token = crate::clerk_js::Clerk::get()?
                .token(true)
                .await
                .ok()
                .flatten();
            self.refresh();
            token
        }
        #[cfg(not(feature = "hydrate"))]
        None
    }

    /// The session's token for a call, without refreshing the auth state:
    /// re-rendering every gate around the caller would throw away the very
    /// component waiting for the answer. `None` when signed out.
    #[cfg(feature = "hydrate")]
    pub async fn session_token(&self) -> Option<String> {
        crate::clerk_js::Clerk::get()?
            .token(false)
            .await
            .ok()
            .flatten()
    }

    /// Confirms the user's password again for Clerk's reverification
    /// `preset` (the server's `clerk_error.metadata.reverification`, such
    /// as "strict"), so the next session token shows a fresh verification;
    /// `Err` holds a message for the user.
    pub async fn reverify(&self, preset: &str, password: &str) -> Result<(), String> {
        // The verification level each of Clerk's presets asks for.
        let level = if preset == "strict_mfa" {
            "multi_factor"
        } else {
            "second_factor"
        };
        #[cfg(feature = "hydrate")]
        {
            let clerk = crate::clerk_js::Clerk::get().ok_or("Clerk is not loaded yet.")?;
            let result = clerk.reverify_with_password(level, password).await;
            self.refresh();
            result
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = (level, password);
            Err("Reverification runs in the browser.".into())
        }
    }

    /// Signs out through Clerk, then goes to `redirect_url`.
    pub fn sign_out(&self, redirect_url: &str) {
        #[cfg(feature = "hydrate")]
        {
            let target = redirect_url.to_owned();
            leptos::task::spawn_local(async move {
                match crate::clerk_js::Clerk::get() {
                    Some(clerk) => {
                        if let Err(err) = clerk.sign_out_to(&target).await {
                            leptos::logging::warn!("sign-out failed: {err}");
                        }
                    }
                    None => go_to(&target),
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = redirect_url;
    }

    /// Opens Clerk's account panel at `start_path` (`/security` holds
    /// "Delete account"; the start path is @clerk/ui's
    /// `__experimental_startPath`, which its own UserButton uses); after a
    /// deletion the browser is signed out and sent to `/`. `false` when
    /// clerk-js has not loaded, so the caller can say so.
    pub fn open_user_profile(&self, start_path: &str) -> bool {
        #[cfg(feature = "hydrate")]
        if let Some(clerk) = crate::clerk_js::Clerk::get().filter(|_| self.clerk_loaded()) {
            clerk.open_user_profile_modal(&crate::clerk_js::props(&[
                ("afterSignOutUrl", "/"),
                ("__experimental_startPath", start_path),
            ]));
            return true;
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = start_path;
        false
    }

    /// Where to sign in and come back to `return_to`.
    pub fn sign_in_href(&self, return_to: &str) -> String {
        let base = self
            .settings()
            .map_or_else(|| "/sign-in".to_owned(), |s| s.sign_in_url);
        with_redirect(&base, return_to)
    }

    /// Handles an error from a server call: a lost session (401) sends the
    /// user to sign in and back; everything else is for the caller to show.
    pub fn on_error(&self, err: &AppError) {
        if *err == AppError::Unauthenticated {
            self.session_lost();
        }
    }

    /// The message for a call's last result: empty unless it failed (and a
    /// lost session goes to sign-in, as `on_error`).
    pub fn error_message<T>(&self, result: Option<Result<T, AppError>>) -> String {
        match result {
            Some(Err(err)) => {
                self.on_error(&err);
                err.to_string()
            }
            _ => String::new(),
        }
    }

    fn session_lost(&self) {
        #[cfg(feature = "hydrate")]
        {
            let target = self.sign_in_href(&current_location());
            // A sign-out in this tab navigates on its own (to its
            // afterSignOutUrl) right after telling listeners: give it the
            // moment, and only redirect a page that is staying put.
            set_timeout(
                move || {
                    if !leaving() {
                        go_to(&target)
                    }
                },
                std::time::Duration::from_millis(300),
            );
        }
    }
}

/// `base?redirect_url=<return_to>` when `return_to` is a same-origin path.
pub fn with_redirect(base: &str, return_to: &str) -> String {
    match safe_redirect(return_to) {
        Some(path) => {
            let encoded = percent_encode(&path, b"/");
            let sep = if base.contains('?') { '&' } else { '?' };
            format!("{base}{sep}redirect_url={encoded}")
        }
        None => base.to_owned(),
    }
}

/// A same-origin path (`/x?y#z`), or `None` for anything that could leave
/// the site (`//evil`, `https://…`, `/\evil`, control characters).
pub fn safe_redirect(target: &str) -> Option<String> {
    let ok = target.starts_with('/')
        && !target.starts_with("//")
        && !target.contains('\\')
        && !target.chars().any(|c| c.is_control() || c.is_whitespace());
    ok.then(|| target.to_owned())
}

/// Percent-encodes all but unreserved characters and those in `keep`.
pub fn percent_encode(s: &str, keep: &[u8]) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) || keep.contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(feature = "hydrate")]
fn current_location() -> String {
    web_sys::window()
        .and_then(|w| {
            let l = w.location();
            Some(format!(
                "{}{}{}",
                l.pathname().ok()?,
                l.search().ok()?,
                l.hash().ok()?
            ))
        })
        .unwrap_or_else(|| "/".into())
}

#[cfg(feature = "hydrate")]
thread_local! {
    static LEAVING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The page is navigating away (set on `beforeunload` and by `go_to`).
#[cfg(feature = "hydrate")]
fn leaving() -> bool {
    LEAVING.with(std::cell::Cell::get)
}

#[cfg(feature = "hydrate")]
fn go_to(url: &str) {
    LEAVING.with(|l| l.set(true));
    if let Some(window) = web_sys::window() {
        let _ = window.location().assign(url);
    }
}

/// Renders `children` when `when` holds for the caller, else `fallback`.
/// It only hides UI: the server checks every request on its own.
#[component]
pub fn Show(
    #[prop(into)] when: When,
    #[prop(optional, into)] fallback: ViewFn,
    children: ChildrenFn,
) -> impl IntoView {
    let auth = use_auth();
    let current = auth.ctx.current;
    let when = StoredValue::new(when);
    let fallback = StoredValue::new(fallback);
    let children = StoredValue::new(children);
    view! {
        // Transition: a refetch keeps showing the last answer, never a flash.
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let Some(user) = super::settled(current).await else {
                    return ().into_any();
                };
                let user = user.ok().flatten();
                // `try_`: a server render abandoned by its client is torn
                // down around this future; it then renders nothing rather
                // than panicking a server worker.
                let shown = match when.try_with_value(|w| w.matches(user.as_ref())) {
                    Some(true) => children.try_with_value(|c| c().into_any()),
                    Some(false) => fallback.try_with_value(|f| f.run()),
                    None => None,
                };
                shown.unwrap_or_else(|| ().into_any())
            })}
        </Transition>
    }
}

#[component]
pub fn SignedIn(children: ChildrenFn) -> impl IntoView {
    view! { <Show when=When::SignedIn>{children()}</Show> }
}

#[component]
pub fn SignedOut(children: ChildrenFn) -> impl IntoView {
    view! { <Show when=When::SignedOut>{children()}</Show> }
}

/// Shows `children` to callers who meet every condition given, else
/// `fallback`: the app's `role` and `plan` (public metadata), and Clerk's
/// organization `permission` and `org_role`, `feature` and `billing_plan`
/// (scoped `u:`/`o:` or not), as `Show`'s `When` reads them.
#[component]
pub fn Protect(
    #[prop(optional)] role: Option<Role>,
    #[prop(optional)] plan: Option<Plan>,
    #[prop(optional, into)] permission: Option<String>,
    #[prop(optional, into)] org_role: Option<String>,
    #[prop(optional, into)] feature: Option<String>,
    #[prop(optional, into)] billing_plan: Option<String>,
    #[prop(optional, into)] fallback: ViewFn,
    children: ChildrenFn,
) -> impl IntoView {
    let conditions: Vec<When> = [
        role.map(When::Role),
        plan.map(When::Plan),
        permission.map(When::Permission),
        org_role.map(When::OrgRole),
        feature.map(When::Feature),
        billing_plan.map(When::BillingPlan),
    ]
    .into_iter()
    .flatten()
    .collect();
    let when = When::check(move |u| conditions.iter().all(|c| c.matches(Some(u))));
    view! { <Show when fallback>{children()}</Show> }
}

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
        let mounted = RwSignal::new(false);
        use crate::clerk_js::{self, Widget};
        use leptos::wasm_bindgen::JsCast;
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
            let (Some(el), Some(clerk)) = (node.get(), clerk_js::Clerk::get()) else {
                return;
            };
            let pairs: Vec<(&str, &str)> = props.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let el: web_sys::HtmlElement = el.unchecked_into();
            clerk.mount(kind, &el, &clerk_js::props(&pairs));
            mounted.set(true);
        });
        on_cleanup(move || {
            if let (Some(el), Some(clerk)) = (node.get_untracked(), clerk_js::Clerk::get()) {
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
            // Hidden by the stylesheet once Clerk has drawn into the mount
            // point (mounting returns before @clerk/ui draws).
            <p class="widget-loading js-only" aria-live="polite">{loading}</p>
            {no_script}
            <div class="clerk-mount" node_ref=node></div>
        </div>
    }
}

/// What a browser without JavaScript shows where Clerk's form would be.
const NO_SCRIPT_NOTICE: &str = "<p class=\"notice\" data-testid=\"no-script-notice\">\
Signing in and signing up run Clerk's own form in your browser, which needs JavaScript. \
Turn JavaScript on for this site to sign in; once you are signed in, your dashboard, \
its forms and the admin pages work without it.</p>";

/// Props for Clerk's sign-in or sign-up form: the link to the other form
/// and where to go afterwards when nothing says otherwise
/// (`fallbackRedirectUrl`). A `redirect_url` in the query wins over it:
/// clerk-js reads that itself, and follows it only within the allowed
/// origins (this one, by default), so it is not passed on here. (Clerk's
/// older `afterSignInUrl`/`redirectUrl` props outranked the query.)
///
/// The form routes by path under `path` (`/sign-in/factor-one`, which the
/// app's `/sign-in/*any` route also renders), as @clerk/nextjs mounts it:
/// with Clerk's default hash routing the form would read its query from
/// the hash and never see `redirect_url`.
fn form_props(
    path: &'static str,
    other_form: (&'static str, String),
    after: String,
) -> Vec<(&'static str, String)> {
    vec![
        ("routing", "path".to_owned()),
        ("path", path.to_owned()),
        other_form,
        ("fallbackRedirectUrl", after),
    ]
}

/// Clerk's sign-in form. Honours a same-origin `redirect_url` query.
#[component]
pub fn SignIn() -> impl IntoView {
    let settings = use_auth().settings();
    let props = form_props(
        "/sign-in",
        (
            "signUpUrl",
            settings
                .as_ref()
                .map_or("/sign-up".into(), |s| s.sign_up_url.clone()),
        ),
        settings.map_or("/dashboard".into(), |s| s.after_sign_in_url),
    );
    view! { <ClerkWidget widget="sign-in" props loading="Loading the sign-in form…"/> }
}

/// Clerk's sign-up form. Honours a same-origin `redirect_url` query.
#[component]
pub fn SignUp() -> impl IntoView {
    let settings = use_auth().settings();
    let props = form_props(
        "/sign-up",
        (
            "signInUrl",
            settings
                .as_ref()
                .map_or("/sign-in".into(), |s| s.sign_in_url.clone()),
        ),
        settings.map_or("/onboarding".into(), |s| s.after_sign_up_url),
    );
    view! { <ClerkWidget widget="sign-up" props loading="Loading the sign-up form…"/> }
}

/// Clerk's account menu (name, manage account, sign out).
#[component]
pub fn UserButton() -> impl IntoView {
    // Read from the provider's state, not a signal of this component's own:
    // when a sign-out hides the button, clerk-js can report once more
    // before this component's text has been torn down, and a derived
    // signal owned here would already be gone (a panic, seen with Clerk's
    // own clerk-js after a revoked session).
    let auth = use_auth();
    let name = move || auth.user().map(|u| u.display_name()).unwrap_or_default();
    // Place it inside `SignedIn`: the name is then read once the server
    // knows the caller, as hydration expects.
    view! {
        <div class="user-button" data-testid="user-button">
            <span class="signed-in-as" data-testid="signed-in-as" title=name>{name}</span>
            <ClerkWidget widget="user-button" props=vec![("afterSignOutUrl", "/".to_owned())] loading=""/>
        </div>
    }
}

/// Clerk's organization switcher: the personal space and the user's
/// organizations, pending invitations to accept, and links to create one
/// and to manage the active one (the app's own pages, below). Switching
/// changes the session's active organization; the app then asks the server
/// again, which reads the new token's `o` claim.
#[component]
pub fn OrganizationSwitcher() -> impl IntoView {
    let props = vec![
        ("createOrganizationMode", "navigation".to_owned()),
        ("createOrganizationUrl", "/organizations/new".to_owned()),
        ("organizationProfileMode", "navigation".to_owned()),
        ("organizationProfileUrl", "/organization".to_owned()),
        ("afterCreateOrganizationUrl", "/dashboard".to_owned()),
        ("afterLeaveOrganizationUrl", "/dashboard".to_owned()),
    ];
    view! {
        <div class="organization-switcher" data-testid="organization-switcher">
            <ClerkWidget widget="organization-switcher" props loading=""/>
        </div>
    }
}

/// Clerk's form to create an organization (its creator becomes its admin
/// and it becomes active).
#[component]
pub fn CreateOrganization() -> impl IntoView {
    let props = vec![
        ("routing", "path".to_owned()),
        ("path", "/organizations/new".to_owned()),
        ("afterCreateOrganizationUrl", "/dashboard".to_owned()),
        ("skipInvitationScreen", "true".to_owned()),
    ];
    view! { <ClerkWidget widget="create-organization" props loading="Loading the form…"/> }
}

/// Clerk's management of the active organization: its name, members and
/// their roles, invitations, leaving it and, for admins, deleting it.
/// What each member may do there is Clerk's to decide (its frontend API
/// checks the caller's role on every call); the widget hides the rest.
#[component]
pub fn OrganizationProfile() -> impl IntoView {
    let props = vec![
        ("routing", "path".to_owned()),
        ("path", "/organization".to_owned()),
        ("afterLeaveOrganizationUrl", "/dashboard".to_owned()),
    ];
    view! { <ClerkWidget widget="organization-profile" props loading="Loading the organization…"/> }
}

/// A link to the sign-in page that comes back to this page afterwards (it
/// works before and without the WASM).
#[component]
pub fn SignInButton(#[prop(optional, into)] label: Option<String>) -> impl IntoView {
    let auth = use_auth();
    let location = leptos_router::hooks::use_location();
    let href = move || {
        let here = location.pathname.get();
        let path = if here.starts_with("/sign-") {
            "/dashboard".to_owned()
        } else {
            here
        };
        auth.sign_in_href(&path)
    };
    view! {
        <a class="button button-ghost" href=href data-testid="sign-in-button">
            {label.unwrap_or_else(|| "Sign in".into())}
        </a>
    }
}

#[component]
pub fn SignUpButton(#[prop(optional, into)] label: Option<String>) -> impl IntoView {
    let auth = use_auth();
    let href = move || auth.settings().map_or("/sign-up".into(), |s| s.sign_up_url);
    view! {
        <a class="button button-primary" href=href data-testid="sign-up-button">
            {label.unwrap_or_else(|| "Sign up".into())}
        </a>
    }
}

#[component]
pub fn SignOutButton(#[prop(optional, into)] label: Option<String>) -> impl IntoView {
    let auth = use_auth();
    view! {
        <button type="button" class="button button-ghost" on:click=move |_| auth.sign_out("/")>
            {label.unwrap_or_else(|| "Sign out".into())}
        </button>
    }
}

/// Sends the visitor to sign in and back here (on the server, a redirect).
#[component]
pub fn RedirectToSignIn() -> impl IntoView {
    let auth = use_auth();
    let location = leptos_router::hooks::use_location();
    let target = auth.sign_in_href(&location.pathname.get_untracked());
    #[cfg(feature = "ssr")]
    leptos_axum::redirect(&target);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| go_to(&target));
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    let _ = target;
}

/// A failed call, shown where it happened; a lost session (401) sends the
/// user to sign in instead.
#[component]
pub fn CallError(error: AppError) -> impl IntoView {
    use_auth().on_error(&error);
    view! { <p class="form-error" role="alert">{error.to_string()}</p> }
}

/// Guards a signed-in page in the browser: when the session ends (signed
/// out in another tab, revoked, expired), the user is sent to sign in and
/// back here, instead of being left on a page that no longer works.
#[component]
pub fn AuthGuard(children: Children) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    {
        let auth = use_auth();
        Effect::new(move |_| {
            if auth.status() == AuthStatus::SignedOut {
                auth.session_lost();
            }
        });
    }
    children()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: Role, plan: Plan) -> AuthSnapshot {
        AuthSnapshot {
            user_id: "user_1".into(),
            session_id: Some("sess_1".into()),
            role,
            plan,
            first_name: None,
            last_name: None,
            email: None,
            image_url: None,
            permissions: vec!["org:posts:manage".into()],
            org: Some(crate::model::OrgSnapshot {
                id: "org_1".into(),
                slug: Some("acme".into()),
                role: Some("org:member".into()),
            }),
            features: vec!["u:export".into(), "o:teams".into()],
            plans: vec!["o:team".into()],
        }
    }

    #[test]
    fn conditions_match_the_callers_state() {
        let admin = user(Role::Admin, Plan::Free);
        assert!(When::SignedIn.matches(Some(&admin)));
        assert!(!When::SignedOut.matches(Some(&admin)));
        assert!(When::SignedOut.matches(None));
        assert!(
            !When::Role(Role::Admin).matches(None),
            "signed out has no role"
        );
        assert!(When::from(Role::Admin).matches(Some(&admin)));
        assert!(!When::from(Plan::Pro).matches(Some(&admin)));
        assert!(When::Permission("org:posts:manage".into()).matches(Some(&admin)));
        assert!(!When::Permission("org:billing:manage".into()).matches(Some(&admin)));
        assert!(When::check(|u| u.user_id == "user_1").matches(Some(&admin)));
    }

    #[test]
    fn billing_plan_conditions_read_each_scope() {
        let member = user(Role::Member, Plan::Pro);
        // Unscoped: the user's plan, or the organization's.
        assert!(When::BillingPlan("pro".into()).matches(Some(&member)));
        assert!(When::BillingPlan("team".into()).matches(Some(&member)));
        // Scoped: only that scope.
        assert!(When::BillingPlan("o:team".into()).matches(Some(&member)));
        assert!(!When::BillingPlan("u:team".into()).matches(Some(&member)));
        assert!(!When::BillingPlan("o:pro".into()).matches(Some(&member)));
        assert!(!When::BillingPlan("enterprise".into()).matches(Some(&member)));
        assert!(!When::BillingPlan("pro".into()).matches(None));
    }

    #[test]
    fn organization_role_and_feature_conditions_read_the_active_organization() {
        let member = user(Role::Member, Plan::Free);
        assert!(When::OrgRole("org:member".into()).matches(Some(&member)));
        assert!(When::OrgRole("member".into()).matches(Some(&member)));
        assert!(!When::OrgRole("org:admin".into()).matches(Some(&member)));
        assert!(When::Feature("export".into()).matches(Some(&member)));
        assert!(When::Feature("u:export".into()).matches(Some(&member)));
        assert!(!When::Feature("o:export".into()).matches(Some(&member)));
        assert!(When::Feature("o:teams".into()).matches(Some(&member)));
        let personal = AuthSnapshot {
            org: None,
            permissions: Vec::new(),
            features: Vec::new(),
            plans: Vec::new(),
            ..member
        };
        assert!(!When::OrgRole("org:member".into()).matches(Some(&personal)));
        assert!(!When::Permission("org:posts:manage".into()).matches(Some(&personal)));
        assert!(!When::Feature("teams".into()).matches(Some(&personal)));
        assert!(!When::OrgRole("org:member".into()).matches(None));
    }

    #[test]
    fn redirects_stay_on_this_site() {
        assert_eq!(
            safe_redirect("/dashboard?x=1#y").as_deref(),
            Some("/dashboard?x=1#y")
        );
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "/a b",
            "dashboard",
            "",
        ] {
            assert_eq!(safe_redirect(bad), None, "{bad}");
        }
        assert_eq!(
            with_redirect("/sign-in", "/posts/1?tab=a&b"),
            "/sign-in?redirect_url=/posts/1%3Ftab%3Da%26b"
        );
        assert_eq!(
            with_redirect("/sign-in", "https://evil.example"),
            "/sign-in"
        );
    }
}
