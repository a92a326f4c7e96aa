//! A Rust face for `window.Clerk` (clerk-js, or the development instance's
//! script, which speaks the same API): loading it with `@clerk/ui`, `load`,
//! `addListener`, mounting the sign-in, sign-up, user-button and
//! organization (switcher, create, profile) widgets,
//! `openSignIn`, `openUserProfile`, `signOut`, `session.getToken()` and the session's
//! reverification (`startVerification`, `attemptFirstFactorVerification`).
//! Browser only.

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::{prelude::*, JsCast};
use wasm_bindgen_futures::JsFuture;
use web_sys::HtmlElement;

#[wasm_bindgen]
extern "C" {
    /// The `window.Clerk` object.
    #[derive(Clone)]
    pub type Clerk;

    #[wasm_bindgen(method)]
    fn load(this: &Clerk, options: &JsValue) -> Promise;
    /// Calls back with `{client, session, user}` now and on every change;
    /// returns the function that unsubscribes.
    #[wasm_bindgen(method, js_name = addListener)]
    fn add_listener(this: &Clerk, callback: &Function) -> Function;
    #[wasm_bindgen(method, js_name = mountSignIn)]
    fn mount_sign_in(this: &Clerk, node: &HtmlElement, props: &JsValue);
    #[wasm_bindgen(method, js_name = unmountSignIn)]
    fn unmount_sign_in(this: &Clerk, node: &HtmlElement);
    #[wasm_bindgen(method, js_name = mountSignUp)]
    fn mount_sign_up(this: &Clerk, node: &HtmlElement, props: &JsValue);
    #[wasm_bindgen(method, js_name = unmountSignUp)]
    fn unmount_sign_up(this: &Clerk, node: &HtmlElement);
    #[wasm_bindgen(method, js_name = mountUserButton)]
    fn mount_user_button(this: &Clerk, node: &HtmlElement, props: &JsValue);
    #[wasm_bindgen(method, js_name = unmountUserButton)]
    fn unmount_user_button(this: &Clerk, node: &HtmlElement);
    #[wasm_bindgen(method, js_name = mountOrganizationSwitcher)]
    fn mount_organization_switcher(this: &Clerk, node: &HtmlElement, props: &JsValue);
    #[wasm_bindgen(method, js_name = unmountOrganizationSwitcher)]
    fn unmount_organization_switcher(this: &Clerk, node: &HtmlElement);
    #[wasm_bindgen(method, js_name = mountCreateOrganization)]
    fn mount_create_organization(this: &Clerk, node: &HtmlElement, props: &JsValue);
    #[wasm_bindgen(method, js_name = unmountCreateOrganization)]
    fn unmount_create_organization(this: &Clerk, node: &HtmlElement);
    #[wasm_bindgen(method, js_name = mountOrganizationProfile)]
    fn mount_organization_profile(this: &Clerk, node: &HtmlElement, props: &JsValue);
    #[wasm_bindgen(method, js_name = unmountOrganizationProfile)]
    fn unmount_organization_profile(this: &Clerk, node: &HtmlElement);
    #[wasm_bindgen(method, js_name = openSignIn)]
    fn open_sign_in(this: &Clerk, props: &JsValue);
    #[wasm_bindgen(method, js_name = openUserProfile)]
    fn open_user_profile(this: &Clerk, props: &JsValue);
    #[wasm_bindgen(method, js_name = signOut)]
    fn sign_out(this: &Clerk, options: &JsValue) -> Promise;
    #[wasm_bindgen(method, getter)]
    fn session(this: &Clerk) -> Option<Session>;

    /// `Clerk.session`: the active session.
    pub type Session;

    #[wasm_bindgen(method, getter)]
    fn id(this: &Session) -> String;
    #[wasm_bindgen(method, js_name = getToken)]
    fn get_token(this: &Session, options: &JsValue) -> Promise;
    #[wasm_bindgen(method, js_name = startVerification)]
    fn start_verification(this: &Session, params: &JsValue) -> Promise;
    #[wasm_bindgen(method, js_name = attemptFirstFactorVerification)]
    fn attempt_first_factor_verification(this: &Session, params: &JsValue) -> Promise;
}

/// Which widget a node holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Widget {
    /// `mountSignIn`.
    SignIn,
    /// `mountSignUp`.
    SignUp,
    /// `mountUserButton`.
    UserButton,
    /// `mountOrganizationSwitcher`.
    OrganizationSwitcher,
    /// `mountCreateOrganization`.
    CreateOrganization,
    /// `mountOrganizationProfile`.
    OrganizationProfile,
}

impl Widget {
    /// clerk-js's method that mounts it.
    fn mount_method(self) -> &'static str {
        match self {
            Widget::SignIn => "mountSignIn",
            Widget::SignUp => "mountSignUp",
            Widget::UserButton => "mountUserButton",
            Widget::OrganizationSwitcher => "mountOrganizationSwitcher",
            Widget::CreateOrganization => "mountCreateOrganization",
            Widget::OrganizationProfile => "mountOrganizationProfile",
        }
    }
}

/// Props for a widget or call: string-valued, as all of ours are.
pub fn props(pairs: &[(&str, &str)]) -> JsValue {
    let object = Object::new();
    for (key, value) in pairs {
        let _ = Reflect::set(&object, &JsValue::from_str(key), &JsValue::from_str(value));
    }
    object.into()
}

/// Sets `appearance.options.showOptionalFields` on `Clerk.load`'s options:
/// `@clerk/ui` leaves optional fields (the names at sign-up) off unless told.
pub fn show_optional_fields(options: &JsValue) {
    let layout = Object::new();
    let _ = Reflect::set(
        &layout,
        &JsValue::from_str("showOptionalFields"),
        &JsValue::TRUE,
    );
    let appearance = Object::new();
    let _ = Reflect::set(&appearance, &JsValue::from_str("options"), &layout);
    let _ = Reflect::set(options, &JsValue::from_str("appearance"), &appearance);
}

fn error_message(err: JsValue) -> String {
    Reflect::get(&err, &JsValue::from_str("message"))
        .ok()
        .and_then(|m| m.as_string())
        .or_else(|| err.as_string())
        .unwrap_or_else(|| "unknown error".into())
}

impl Clerk {
    /// `window.Clerk`, once its script has run.
    pub fn get() -> Option<Clerk> {
        let window = web_sys::window()?;
        Reflect::get(&window, &JsValue::from_str("Clerk"))
            .ok()
            .filter(|v| v.is_object())
            .map(JsCast::unchecked_into)
    }

    /// `Clerk.load(options)`, handing clerk-js 6 its widgets: `@clerk/ui`'s
    /// browser build leaves its constructor at `window.__internal_ClerkUICtor`,
    /// and `load` takes it as `ui: { ClerkUI }` (as @clerk/nextjs does).
    pub async fn load_with(&self, options: &JsValue) -> Result<(), String> {
        if let Some(ctor) = web_sys::window()
            .and_then(|w| Reflect::get(&w, &JsValue::from_str("__internal_ClerkUICtor")).ok())
            .filter(|c| c.is_function())
        {
            let ui = Object::new();
            let _ = Reflect::set(&ui, &JsValue::from_str("ClerkUI"), &ctor);
            let _ = Reflect::set(options, &JsValue::from_str("ui"), &ui);
        }
        JsFuture::from(self.load(options))
            .await
            .map(|_| ())
            .map_err(error_message)
    }

    /// Subscribes `callback` to session changes for the page's lifetime; it
    /// receives the active session's id, or `None` when signed out.
    pub fn on_change(&self, callback: impl Fn(Option<String>) + 'static) {
        let closure = Closure::<dyn Fn(JsValue)>::new(move |state: JsValue| {
            let session = Reflect::get(&state, &JsValue::from_str("session")).ok();
            let id = session
                .filter(|s| s.is_object())
                .and_then(|s| Reflect::get(&s, &JsValue::from_str("id")).ok())
                .and_then(|id| id.as_string());
            callback(id);
        });
        let _unsubscribe = self.add_listener(closure.as_ref().unchecked_ref());
        // The page never unsubscribes: the closure lives as long as the page.
        closure.forget();
    }

    /// Mounts `widget` into `node`. A Clerk build without that widget (the
    /// development instance's fallback script has no organization widgets)
    /// leaves the node empty rather than throwing.
    pub fn mount(&self, widget: Widget, node: &HtmlElement, props: &JsValue) {
        if !self.offers(widget.mount_method()) {
            leptos::logging::warn!("this Clerk build has no {}", widget.mount_method());
            return;
        }
        match widget {
            Widget::SignIn => self.mount_sign_in(node, props),
            Widget::SignUp => self.mount_sign_up(node, props),
            Widget::UserButton => self.mount_user_button(node, props),
            Widget::OrganizationSwitcher => self.mount_organization_switcher(node, props),
            Widget::CreateOrganization => self.mount_create_organization(node, props),
            Widget::OrganizationProfile => self.mount_organization_profile(node, props),
        }
    }

    /// Unmounts `widget` from `node`.
    pub fn unmount(&self, widget: Widget, node: &HtmlElement) {
        if !self.offers(widget.mount_method()) {
            return;
        }
        match widget {
            Widget::SignIn => self.unmount_sign_in(node),
            Widget::SignUp => self.unmount_sign_up(node),
            Widget::UserButton => self.unmount_user_button(node),
            Widget::OrganizationSwitcher => self.unmount_organization_switcher(node),
            Widget::CreateOrganization => self.unmount_create_organization(node),
            Widget::OrganizationProfile => self.unmount_organization_profile(node),
        }
    }

    /// Does `window.Clerk` have a method called `name`?
    fn offers(&self, name: &str) -> bool {
        Reflect::get(self, &JsValue::from_str(name)).is_ok_and(|f| f.is_function())
    }

    /// Clerk's sign-in form as a modal (`openSignIn`).
    pub fn open_sign_in_modal(&self, props: &JsValue) {
        self.open_sign_in(props);
    }

    /// Clerk's account panel (`openUserProfile`): the user's name and, where
    /// the instance allows it, deleting the account.
    pub fn open_user_profile_modal(&self, props: &JsValue) {
        self.open_user_profile(props);
    }

    /// Signs out (`signOut`), then goes to `redirect_url`.
    pub async fn sign_out_to(&self, redirect_url: &str) -> Result<(), String> {
        JsFuture::from(self.sign_out(&props(&[("redirectUrl", redirect_url)])))
            .await
            .map(|_| ())
            .map_err(error_message)
    }

    /// The active session's id, or `None` when signed out.
    pub fn session_id(&self) -> Option<String> {
        self.session().map(|s| s.id())
    }

    /// The session token, or `None` when signed out. clerk-js hands out
    /// its cached token while that is fresh; `fresh` asks Clerk for a new
    /// one (`skipCache`), which also renews the `__session` cookie — what
    /// a change of claims (a new plan or role) needs to reach the server.
    pub async fn token(&self, fresh: bool) -> Result<Option<String>, String> {
        let Some(session) = self.session() else {
            return Ok(None);
        };
        let options = Object::new();
        if fresh {
            let _ = Reflect::set(&options, &JsValue::from_str("skipCache"), &JsValue::TRUE);
        }
        JsFuture::from(session.get_token(&options))
            .await
            .map(|t| t.as_string())
            .map_err(error_message)
    }

    /// Clerk's reverification with the password: starts a verification at
    /// `level` on the active session, attempts it with `password`, and on
    /// success fetches a new token past clerk-js's cache (renewing the
    /// `__session` cookie), which carries the fresh `fva`. `Err` holds
    /// Clerk's message (a wrong password, a locked account).
    pub async fn reverify_with_password(&self, level: &str, password: &str) -> Result<(), String> {
        let session = self.session().ok_or("You are signed out.")?;
        JsFuture::from(session.start_verification(&props(&[("level", level)])))
            .await
            .map_err(error_message)?;
        let result = JsFuture::from(session.attempt_first_factor_verification(&props(&[
            ("strategy", "password"),
            ("password", password),
        ])))
        .await
        .map_err(error_message)?;
        let status = Reflect::get(&result, &JsValue::from_str("status"))
            .ok()
            .and_then(|s| s.as_string());
        match status.as_deref() {
            Some("complete") => {}
            Some("needs_second_factor") => {
                return Err("Your account also needs its second factor to confirm this.".into())
            }
            _ => return Err("That did not confirm your identity. Please try again.".into()),
        }
        let options = Object::new();
        let _ = Reflect::set(&options, &JsValue::from_str("skipCache"), &JsValue::TRUE);
        JsFuture::from(session.get_token(&options))
            .await
            .map(drop)
            .map_err(error_message)
    }
}

/// Adds clerk-js and `@clerk/ui` to the page (once, fetched side by side),
/// clerk-js with the publishable key and proxy URL it reads from its own
/// tag, and calls `done` once both have settled: `Err` when clerk-js cannot
/// load. `@clerk/ui` failing is only logged: sessions still work, and a
/// widget mounted without it reports that itself.
pub fn inject_scripts(
    clerk_src: &str,
    ui_src: &str,
    publishable_key: &str,
    proxy_url: Option<&str>,
    done: impl FnOnce(Result<(), String>) + 'static,
) {
    use std::{cell::RefCell, rc::Rc};
    if Clerk::get().is_some() {
        return done(Ok(()));
    }
    type Done = Box<dyn FnOnce(Result<(), String>)>;
    struct Pending {
        clerk: Option<Result<(), String>>,
        ui_settled: bool,
        done: Option<Done>,
    }
    let pending = Rc::new(RefCell::new(Pending {
        clerk: None,
        ui_settled: false,
        done: Some(Box::new(done)),
    }));
    let settle = |pending: &Rc<RefCell<Pending>>| {
        let mut p = pending.borrow_mut();
        // Only once both have settled, and only then is `done` taken.
        if !p.ui_settled || p.clerk.is_none() {
            return;
        }
        if let (Some(result), Some(done)) = (p.clerk.clone(), p.done.take()) {
            drop(p);
            done(result);
        }
    };
    let on_ui = {
        let pending = pending.clone();
        move |result: Result<(), String>| {
            if let Err(err) = result {
                leptos::logging::warn!("Clerk's UI components did not load: {err}");
            }
            pending.borrow_mut().ui_settled = true;
            settle(&pending);
        }
    };
    add_script(ui_src, &[], on_ui);
    let mut attributes = vec![("data-clerk-publishable-key", publishable_key)];
    if let Some(proxy) = proxy_url {
        attributes.push(("data-clerk-proxy-url", proxy));
    }
    add_script(clerk_src, &attributes, move |result| {
        pending.borrow_mut().clerk = Some(result);
        settle(&pending);
    });
}

/// Appends `<script async src>` with `attributes`; `done` hears, once,
/// whether it loaded.
fn add_script(
    src: &str,
    attributes: &[(&str, &str)],
    done: impl FnOnce(Result<(), String>) + 'static,
) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return done(Err("no document".into()));
    };
    let script = match document
        .create_element("script")
        .map(|e| e.unchecked_into::<web_sys::HtmlScriptElement>())
    {
        Ok(script) => script,
        Err(_) => return done(Err("cannot create a script element".into())),
    };
    script.set_src(src);
    script.set_async(true);
    script.set_cross_origin(Some("anonymous"));
    for (name, value) in attributes {
        let _ = script.set_attribute(name, value);
    }
    // One of the two fires, once; the shared cell hands `done` to it.
    let done = std::rc::Rc::new(std::cell::Cell::new(Some(
        Box::new(done) as Box<dyn FnOnce(_)>
    )));
    let on_load = {
        let done = done.clone();
        Closure::once_into_js(move || {
            if let Some(done) = done.take() {
                done(Ok(()))
            }
        })
    };
    let source = src.to_owned();
    let on_error = Closure::once_into_js(move || {
        if let Some(done) = done.take() {
            done(Err(format!("could not load {source}")))
        }
    });
    script.set_onload(Some(on_load.unchecked_ref()));
    script.set_onerror(Some(on_error.unchecked_ref()));
    if let Some(head) = document.head() {
        let _ = head.append_child(&script);
    }
}
