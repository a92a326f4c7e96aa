//! `/dashboard`: your posts — list, create, edit, delete.

use crate::{
    components::{
        clerk::{use_auth, AuthErrors, AuthGuard, CallError},
        island_data::refreshed,
        raw_text::field_text,
    },
    error::AppError,
    model::{format_date as date, Page, Post},
    rpc::posts::{active_organization, list_posts, CreatePost, DeletePost, UpdatePost},
};
use leptos::{form::ActionForm, prelude::*};
use leptos_meta::Title;

/// The page of posts the address asks for (`?page=N`, from 1).
pub(crate) fn page_from(query: &leptos_router::params::ParamsMap) -> i64 {
    query
        .get("page")
        .and_then(|p| p.parse().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1)
}

#[component]
pub fn Dashboard() -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    let page = query.with_untracked(page_from);
    view! {
        <Title text="Dashboard"/>
        <AuthGuard>
            <Suspense fallback=|| view! { <p>"Loading your posts…"</p> }>
                {Suspend::new(async move {
                    let initial = list_posts(page).await;
                    view! { <Posts page initial/> }
                })}
            </Suspense>
        </AuthGuard>
    }
}

/// The posts and their forms: an island. Every form here is a real
/// `<form method="post">` aimed at its server function: without JavaScript
/// (or before the WASM arrives) the browser posts it and Leptos redirects
/// back here, errors carried in the address; once hydrated, `ActionForm`
/// sends the same call in place. The pager is links (`?page=N`) for the
/// same reason.
#[island(lazy)]
fn Posts(
    /// The page of posts the address asked for.
    page: i64,
    /// That page, as the server loaded it.
    initial: Result<Page<Post>, AppError>,
) -> impl IntoView {
    crate::components::plain_forms::provide_action_error();
    let create = ServerAction::<CreatePost>::new();
    let update = ServerAction::<UpdatePost>::new();
    let delete = ServerAction::<DeletePost>::new();
    // Switching organizations (Clerk's setActive) changes the caller's
    // space, and with it the list.
    let organization = crate::components::clerk::use_organization();
    // The actions' version signals are taken now: asking a disposed action
    // panics.
    let versions = [create.version(), update.version(), delete.version()];
    let posts = refreshed(
        initial,
        move || {
            (
                versions.map(|v| v.try_get().unwrap_or_default()),
                organization.try_get().flatten().map(|o| o.id),
            )
        },
        move || list_posts(page),
    );
    // Loaded in the browser only (an effect: never on the server, where a
    // value no render can wait for would hold the page back): the line
    // first renders, on the server and at hydration alike, from the token,
    // then fills in.
    let summary = RwSignal::new(None);
    Effect::new(move |_| {
        if organization.get().is_some() {
            leptos::task::spawn_local(async move {
                if let Ok(known) = active_organization().await {
                    summary.set(known);
                }
            });
        }
    });
    // A successful create empties the form.
    let create_form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if let (Some(Ok(_)), Some(form)) = (create.value().get(), create_form.get()) {
            form.reset();
        }
    });
    let auth = use_auth();
    // The server names the field a message is about; it is shown there.
    let field_error = move |field: &'static str| {
        move || match create.value().get() {
            Some(Err(err)) => err.field(field).map(str::to_owned).unwrap_or_default(),
            _ => String::new(),
        }
    };
    let other_error = move || match create.value().get() {
        Some(Err(AppError::Invalid { .. })) => String::new(),
        result => auth.error_message(result),
    };
    let invalid = move |field: &'static str| move || (!field_error(field)().is_empty()).to_string();

    view! {
            <section class="container">
                <h1>"Your posts"</h1>
                // Which space the list and the new post belong to: the
                // organization the session has active, or the personal one.
                <p class="muted" data-testid="space">
                    {move || match organization.get() {
                        Some(org) => {
                            // The name and head count the webhooks brought,
                            // once known; the token's slug until then.
                            let known = summary.get()
                                .filter(|s| s.id == org.id);
                            let name = known.as_ref().and_then(|s| s.name.clone())
                                .or(org.slug).unwrap_or(org.id);
                            let members = known.map(|s| match s.members {
                                1 => " (1 member)".to_owned(),
                                n => format!(" ({n} members)"),
                            }).unwrap_or_default();
                            format!(
                                "In the organization {name}{members}: its members' posts, and yours are written there."
                            )
                        }
                        None => "In your personal space: only you see these.".to_owned(),
                    }}
                </p>
                <ActionForm action=create node_ref=create_form attr:class="card form" attr:novalidate="" attr:aria-label="New post">
                    <h2>"New post"</h2>
                    <label for="new-title">"Title"</label>
                    <input id="new-title" name="title" maxlength="200"
                        aria-describedby="new-title-error" aria-invalid=invalid("title")/>
                    <p id="new-title-error" class="field-error" aria-live="polite" data-testid="title-error">{field_error("title")}</p>
                    <label for="new-content">"Content"</label>
                    <textarea id="new-content" name="content" rows="6"
                        aria-describedby="new-content-error" aria-invalid=invalid("content")></textarea>
                    <p id="new-content-error" class="field-error" aria-live="polite" data-testid="content-error">{field_error("content")}</p>
                    <p class="form-error" role="alert" data-testid="create-error">{other_error}</p>
                    <button type="submit" class="button button-primary" disabled=move || create.pending().get()>
                        {move || if create.pending().get() { "Publishing…" } else { "Publish" }}
                    </button>
                </ActionForm>
                <p class="form-error" role="alert" data-testid="post-error">{move || auth.error_message(update.value().get())}{move || auth.error_message(delete.value().get())}</p>
                {move || {
                        match posts.get() {
                            Err(error) => view! { <CallError error/> }.into_any(),
                            Ok(list) if list.items.is_empty() && list.page == 1 => view! {
                                <p class="empty" data-testid="no-posts">"No posts yet. Write your first one above."</p>
                            }.into_any(),
                            Ok(list) => {
                                let pages = list.pages();
                                let current = list.page;
                                // Inside `AuthGuard`, so the caller is known here, on
                                // the server and when hydrating alike; read once for
                                // the page, not once per post.
                                let me = crate::components::clerk::use_user().get_untracked();
                                let items = list.items.into_iter().map(|post| {
                                    let can_change = me.as_ref().is_some_and(|u| u.caller().may_change(&post));
                                    view! { <PostItem post can_change update delete/> }
                                });
                                view! {
                                    <p class="muted">{format!("{} post{}", list.total, if list.total == 1 { "" } else { "s" })}</p>
                                    <ul class="post-list">
                                        {items.collect_view()}
                                    </ul>
                                    <nav class="pager" aria-label="Pages">
                                        {pager_link("Newer", (current > 1).then(|| format!("?page={}", current - 1)))}
                                        <span>{format!("Page {current} of {pages}")}</span>
                                        {pager_link("Older", (current < pages).then(|| format!("?page={}", current + 1)))}
                                    </nav>
                                }.into_any()
                            }
                        }
                    }}
            </section>
    }
}

/// A pager step: a link to `?page=N`, or a dimmed label where there is none.
pub fn pager_link(label: &'static str, to: Option<String>) -> impl IntoView {
    match to {
        Some(href) => view! { <a class="button button-ghost" href=href>{label}</a> }.into_any(),
        None => view! { <span class="button button-ghost" aria-disabled="true">{label}</span> }
            .into_any(),
    }
}

/// One post, with its edit and delete forms folded into `<details>` so they
/// open without JavaScript too.
#[component]
fn PostItem(
    post: Post,
    /// Whether the caller may edit and delete it (the server decides again).
    can_change: bool,
    update: ServerAction<UpdatePost>,
    delete: ServerAction<DeletePost>,
) -> impl IntoView {
    let id = post.id;
    let heading_id = format!("post-{id}");
    let labelled_by = heading_id.clone();
    let written = date(post.created_at);
    view! {
        <li class="card post" data-testid="post" aria-labelledby=labelled_by>
            <h3 id=heading_id>{post.title.clone()}</h3>
            <p class="muted">{format!("Written {written}")}</p>
            <p class="post-content">{post.content.clone()}</p>
            // Only for whoever may change it; the server decides again.
            {can_change.then(|| view! {
            <div class="post-actions">
                <details class="post-edit">
                    <summary class="button button-ghost">"Edit"</summary>
                    <ActionForm action=update attr:class="form" attr:novalidate="" attr:aria-label="Edit post">
                        <input type="hidden" name="id" value=id/>
                        <label for=format!("edit-title-{id}")>"Title"</label>
                        <input id=format!("edit-title-{id}") name="title" maxlength="200" value=post.title/>
                        <label for=format!("edit-content-{id}")>"Content"</label>
                        // Raw text: the content goes in escaped (components::raw_text).
                        <textarea id=format!("edit-content-{id}") name="content" rows="6">{field_text(post.content)}</textarea>
                        <button type="submit" class="button button-primary" disabled=move || update.pending().get()>
                            {move || if update.pending().get() { "Saving…" } else { "Save" }}
                        </button>
                    </ActionForm>
                </details>
                <details class="post-delete">
                    <summary class="button button-ghost">"Delete"</summary>
                    <ActionForm action=delete attr:class="confirm" attr:aria-label="Delete post">
                        <input type="hidden" name="id" value=id/>
                        <p>"Delete this post for good?"</p>
                        <button type="submit" class="button button-danger" disabled=move || delete.pending().get()>
                            {move || if delete.pending().get() { "Deleting…" } else { "Confirm delete" }}
                        </button>
                    </ActionForm>
                </details>
            </div>
            })}
        </li>
    }
}
