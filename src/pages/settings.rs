//! `/settings`: your profile as Clerk holds it. Public metadata (role and
//! plan) is shown; private metadata never leaves the server.

use crate::{
    components::clerk::{AuthGuard, CallError, SignedIn, UserButton},
    rpc::account::my_profile,
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn Settings() -> impl IntoView {
    let profile = Resource::new(|| (), |_| my_profile());
    view! {
        <Title text="Settings"/>
        <AuthGuard>
            <section class="container narrow">
                <h1>"Settings"</h1>
                <Transition fallback=|| view! { <p>"Loading your profile…"</p> }>
                    {move || Suspend::new(async move {
                        let Some(profile) = crate::components::settled(profile).await else {
                            return ().into_any();
                        };
                        match profile {
                            Err(error) => view! { <CallError error/> }.into_any(),
                            Ok(p) => {
                                let name = [p.first_name.clone(), p.last_name.clone()]
                                    .into_iter().flatten().collect::<Vec<_>>().join(" ");
                                view! {
                                    <div class="card profile" data-testid="profile">
                                        {p.image_url.clone().map(|src| view! { <img class="avatar" src=src alt="" width="64" height="64"/> })}
                                        <dl class="details">
                                            <dt>"Name"</dt><dd>{if name.is_empty() { "—".to_owned() } else { name }}</dd>
                                            <dt>"Email"</dt><dd data-testid="profile-email">{p.email.clone().unwrap_or_default()}</dd>
                                            <dt>"User id"</dt><dd><code>{p.id.clone()}</code></dd>
                                        </dl>
                                    </div>
                                    <div class="card">
                                        <h2>"Public metadata"</h2>
                                        <p class="muted">"Set by admins; carried in your session token."</p>
                                        <dl class="details">
                                            <dt>"Role"</dt><dd data-testid="profile-role">{p.role.to_string()}</dd>
                                            <dt>"Plan"</dt><dd data-testid="profile-plan">{p.plan.to_string()}</dd>
                                        </dl>
                                    </div>
                                }.into_any()
                            }
                        }
                    })}
                </Transition>
                <DownloadMyData/>
                <div class="card">
                    <h2>"Account"</h2>
                    <p class="muted">"Change your name or sign out from Clerk's account menu."</p>
                    <SignedIn>
                        <AccountButton/>
                    </SignedIn>
                </div>
                <DeleteMyAccount/>
            </section>
        </AuthGuard>
    }
}

/// Clerk's user button (mounted in the browser: an island).
#[island(lazy)]
fn AccountButton() -> impl IntoView {
    view! { <UserButton/> }
}

/// "Delete my account": opens Clerk's account panel, where the deletion
/// happens (Clerk deletes the user; its `user.deleted` webhook makes the app
/// remove their posts and profile). Nothing here deletes anything itself.
#[island(lazy)]
fn DeleteMyAccount() -> impl IntoView {
    let auth = crate::components::clerk::use_auth();
    let status = RwSignal::new("");
    let open = move |_| {
        if !auth.open_user_profile("/security") {
            status.set("Clerk is still loading; try again in a moment.");
        }
    };
    view! {
        <div class="card">
            <h2>"Delete my account"</h2>
            <p class="muted">"Deleting your account removes your posts and everything Inkpad holds about you. It happens in Clerk's account panel, where you confirm it — with your password again if you last gave it more than ten minutes ago."</p>
            // Clerk's panel is Clerk's script: the button waits for it.
            <button type="button" class="button button-danger" on:click=open data-testid="delete-account"
                disabled=move || !auth.clerk_loaded()>
                "Delete my account…"
            </button>
            <p class="form-error" role="status">{move || status.get()}</p>
        </div>
    }
}

/// "Download my data": everything Inkpad holds about the user, fetched from
/// `GET /api/user/export` by the browser's API client and saved as a JSON
/// file. The server decides whose data it is (the session's own, only).
#[island(lazy)]
fn DownloadMyData() -> impl IntoView {
    let status = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    #[cfg(feature = "hydrate")]
    let auth = crate::components::clerk::use_auth();
    let download = move |_| {
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            use crate::{api_client, model::AccountData};
            busy.set(true);
            status.set(String::new());
            let client = api_client::ApiClient::new(auth);
            let result = match client.get::<AccountData>("/api/user/export").await {
                Ok(data) => serde_json::to_string_pretty(&data)
                    .map_err(|_| crate::error::AppError::Internal)
                    .and_then(|json| {
                        api_client::download("inkpad-data.json", "application/json", &json)
                    })
                    .map(|()| {
                        let n = data.posts.len();
                        format!(
                            "Downloaded your profile and {n} post{}.",
                            if n == 1 { "" } else { "s" }
                        )
                    }),
                Err(err) => Err(err),
            };
            status.set(result.unwrap_or_else(|err| err.to_string()));
            busy.set(false);
        });
    };
    view! {
        <div class="card">
            <h2>"Your data"</h2>
            <p class="muted">"A copy of everything Inkpad holds about you — your profile and every post — as a JSON file."</p>
            <button type="button" class="button button-ghost" on:click=download disabled=move || busy.get()>
                {move || if busy.get() { "Preparing…" } else { "Download my data" }}
            </button>
            <p class="form-ok" role="status" data-testid="data-status">{move || status.get()}</p>
        </div>
    }
}
