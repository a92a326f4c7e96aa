//! hello-clerk: a page anyone sees, a page only signed-in people reach, a
//! line only "gold" members see, and a server function that checks again.
//! Everything about Clerk comes from `leptos-clerk` (and, on the server,
//! the embedded development instance from `clerk-dev`).

use leptos::prelude::*;
use leptos_clerk::{
    AuthUser, ClerkProvider, ClerkSettings, Organization, Show, SignIn, SignInButton, SignedIn,
    SignedOut, UserButton, When,
};
use leptos_router::{
    components::{Route, Router, Routes},
    path,
};
use serde::{Deserialize, Serialize};

/// This app's own metadata: a `tier` in the user's public metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Tier {
    Basic,
    Gold,
}

#[cfg(feature = "ssr")]
impl leptos_clerk::server::Metadata for Tier {
    fn from_claims(claims: &leptos_clerk::protocol::claims::SessionClaims) -> Self {
        let tier = claims.metadata.as_ref().and_then(|m| m["tier"].as_str());
        if tier == Some("gold") {
            Tier::Gold
        } else {
            Tier::Basic
        }
    }
}

/// Who is signed in, as the server tells the page (from the verified token).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Me {
    pub user_id: String,
    pub session_id: Option<String>,
    pub tier: Tier,
}

impl AuthUser for Me {
    fn user_id(&self) -> &str {
        &self.user_id
    }
    fn session_id(&self) -> Option<&str> {
        self.session_id.as_deref()
    }
    fn organization(&self) -> Option<&Organization> {
        None
    }
    fn permissions(&self) -> &[String] {
        &[]
    }
    fn features(&self) -> &[String] {
        &[]
    }
    fn plans(&self) -> &[String] {
        &[]
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// The caller, or `None` when signed out.
#[server]
pub async fn whoami() -> Result<Option<Me>, ServerFnError> {
    use leptos_clerk::server::{auth, Auth};
    match auth::<Tier>().map_err(|e| ServerFnError::new(e.to_string()))? {
        Auth::SignedIn(s) => Ok(Some(Me {
            user_id: s.user_id.clone(),
            session_id: s.session_id.clone(),
            tier: s.metadata,
        })),
        _ => Ok(None),
    }
}

/// Where clerk-js comes from (public), set once by `main`.
#[cfg(feature = "ssr")]
pub static BROWSER: std::sync::OnceLock<ClerkSettings> = std::sync::OnceLock::new();

#[server]
pub async fn browser_settings() -> Result<ClerkSettings, ServerFnError> {
    BROWSER
        .get()
        .cloned()
        .ok_or_else(|| ServerFnError::new("Clerk is not set up."))
}

/// Checks the session again, whatever the route table said: a server
/// function is a public POST endpoint of its own.
#[server(endpoint = "secret_note")]
pub async fn secret_note() -> Result<String, ServerFnError> {
    let me = leptos_clerk::server::require_auth::<Tier>()
        .map_err(|e| ServerFnError::new(e.to_string()))?;
    Ok(format!(
        "Only you can read this, {} ({:?} tier).",
        me.user_id, me.metadata
    ))
}

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <title>"hello-clerk"</title>
                <link rel="icon" href="data:,"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    let current = Resource::new_blocking(|| (), |_| whoami());
    let settings = Resource::new_blocking(|| (), |_| browser_settings());
    view! {
        <ClerkProvider current settings>
            <Router>
                <header>
                    <a href="/">"hello-clerk"</a>
                    <SignedIn><UserButton/></SignedIn>
                    <SignedOut><SignInButton/></SignedOut>
                </header>
                <main>
                    <Routes fallback=|| "Not found.">
                        <Route path=path!("/") view=Home/>
                        <Route path=path!("/sign-in") view=SignInPage/>
                        <Route path=path!("/sign-in/*any") view=SignInPage/>
                        <Route path=path!("/secret") view=Secret/>
                    </Routes>
                </main>
            </Router>
        </ClerkProvider>
    }
}

/// Clerk's sign-in form (its later steps add path segments).
#[component]
fn SignInPage() -> impl IntoView {
    view! { <SignIn path="/sign-in"/> }
}

#[component]
fn Home() -> impl IntoView {
    view! {
        <h1>"Hello"</h1>
        <SignedOut><p>"You are signed out."</p></SignedOut>
        <SignedIn><p><a href="/secret">"Your secret page"</a></p></SignedIn>
        <Show when=When::user(|me: &Me| me.tier == Tier::Gold)>
            <p data-testid="gold">"Gold member"</p>
        </Show>
    }
}

/// Reached only signed in (the route table); its note is checked again.
#[component]
fn Secret() -> impl IntoView {
    let note = Resource::new(|| (), |_| secret_note());
    view! {
        <h1>"Secret page"</h1>
        <Suspense fallback=|| "Loading…">
            {move || Suspend::new(async move {
                match note.await {
                    Ok(text) => view! { <p data-testid="note">{text}</p> }.into_any(),
                    Err(e) => view! { <p role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
    leptos_clerk::hydration_finished();
}
