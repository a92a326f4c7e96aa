//! `/dashboard`: your posts — list, create, edit, delete.

use crate::{
    components::clerk::{use_auth, AuthGuard, CallError},
    error::AppError,
    model::{format_date as date, Post},
    rpc::posts::{list_posts, CreatePost, DeletePost, UpdatePost},
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn Dashboard() -> impl IntoView {
    let page = RwSignal::new(1_i64);
    let create = ServerAction::<CreatePost>::new();
    let update = ServerAction::<UpdatePost>::new();
    let delete = ServerAction::<DeletePost>::new();
    let posts = Resource::new(
        move || {
            (
                page.get(),
                create.version().get(),
                update.version().get(),
                delete.version().get(),
            )
        },
        |(page, ..)| list_posts(page),
    );
    let (title, set_title) = signal(String::new());
    let (content, set_content) = signal(String::new());
    // A successful create empties the form.
    Effect::new(move |_| {
        if let Some(Ok(_)) = create.value().get() {
            set_title.set(String::new());
            set_content.set(String::new());
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
        <Title text="Dashboard"/>
        <AuthGuard>
            <section class="container">
                <h1>"Your posts"</h1>
                <form
                    class="card form"
                    novalidate
                    aria-label="New post"
                    on:submit=move |ev| {
                        ev.prevent_default();
                        create.dispatch(CreatePost { title: title.get(), content: content.get() });
                    }
                >
                    <h2>"New post"</h2>
                    <label for="new-title">"Title"</label>
                    <input id="new-title" name="title" maxlength="200"
                        aria-describedby="new-title-error" aria-invalid=invalid("title")
                        prop:value=title on:input=move |ev| set_title.set(event_target_value(&ev))/>
                    <p id="new-title-error" class="field-error" aria-live="polite" data-testid="title-error">{field_error("title")}</p>
                    <label for="new-content">"Content"</label>
                    <textarea id="new-content" name="content" rows="6"
                        aria-describedby="new-content-error" aria-invalid=invalid("content")
                        prop:value=content on:input=move |ev| set_content.set(event_target_value(&ev))></textarea>
                    <p id="new-content-error" class="field-error" aria-live="polite" data-testid="content-error">{field_error("content")}</p>
                    <p class="form-error" role="alert" data-testid="create-error">{other_error}</p>
                    <button type="submit" class="button button-primary" disabled=move || create.pending().get()>
                        {move || if create.pending().get() { "Publishing…" } else { "Publish" }}
                    </button>
                </form>
                <p class="form-error" role="alert">{move || auth.error_message(update.value().get())}{move || auth.error_message(delete.value().get())}</p>
                <Transition fallback=|| view! { <p>"Loading your posts…"</p> }>
                    {move || Suspend::new(async move {
                        match posts.await {
                            Err(error) => view! { <CallError error/> }.into_any(),
                            Ok(list) if list.items.is_empty() && list.page == 1 => view! {
                                <p class="empty" data-testid="no-posts">"No posts yet. Write your first one above."</p>
                            }.into_any(),
                            Ok(list) => {
                                let pages = list.pages();
                                let current = list.page;
                                view! {
                                    <p class="muted">{format!("{} post{}", list.total, if list.total == 1 { "" } else { "s" })}</p>
                                    <ul class="post-list">
                                        {list.items.into_iter().map(|post| view! { <PostItem post update delete/> }).collect_view()}
                                    </ul>
                                    <nav class="pager" aria-label="Pages">
                                        <button class="button button-ghost" disabled={current <= 1}
                                            on:click=move |_| page.update(|p| *p -= 1)>"Newer"</button>
                                        <span>{format!("Page {current} of {pages}")}</span>
                                        <button class="button button-ghost" disabled={current >= pages}
                                            on:click=move |_| page.update(|p| *p += 1)>"Older"</button>
                                    </nav>
                                }.into_any()
                            }
                        }
                    })}
                </Transition>
            </section>
        </AuthGuard>
    }
}

#[component]
fn PostItem(
    post: Post,
    update: ServerAction<UpdatePost>,
    delete: ServerAction<DeletePost>,
) -> impl IntoView {
    let editing = RwSignal::new(false);
    let confirming = RwSignal::new(false);
    let (title, set_title) = signal(post.title.clone());
    let (content, set_content) = signal(post.content.clone());
    let id = post.id;
    let heading_id = format!("post-{id}");
    let written = date(post.created_at);
    let post = StoredValue::new(post);

    view! {
        <li class="card post" data-testid="post" aria-labelledby=heading_id.clone()>
            <Show
                when=move || editing.get()
                fallback=move || view! {
                    <h3 id=format!("post-{id}")>{post.with_value(|p| p.title.clone())}</h3>
                    <p class="muted">{format!("Written {written}")}</p>
                    <p class="post-content">{post.with_value(|p| p.content.clone())}</p>
                    <div class="cta-row">
                        <button class="button button-ghost" on:click=move |_| editing.set(true)>"Edit"</button>
                        <Show
                            when=move || confirming.get()
                            fallback=move || view! {
                                <button class="button button-ghost" on:click=move |_| confirming.set(true)>"Delete"</button>
                            }
                        >
                            <button class="button button-danger" disabled=move || delete.pending().get()
                                on:click=move |_| { delete.dispatch(DeletePost { id }); }>
                                {move || if delete.pending().get() { "Deleting…" } else { "Confirm delete" }}
                            </button>
                            <button class="button button-ghost" on:click=move |_| confirming.set(false)>"Keep it"</button>
                        </Show>
                    </div>
                }
            >
                <form class="form" novalidate aria-label="Edit post" on:submit=move |ev| {
                    ev.prevent_default();
                    update.dispatch(UpdatePost { id, title: title.get(), content: content.get() });
                    editing.set(false);
                }>
                    <label for=format!("edit-title-{id}")>"Title"</label>
                    <input id=format!("edit-title-{id}") prop:value=title
                        on:input=move |ev| set_title.set(event_target_value(&ev))/>
                    <label for=format!("edit-content-{id}")>"Content"</label>
                    <textarea id=format!("edit-content-{id}") rows="6" prop:value=content
                        on:input=move |ev| set_content.set(event_target_value(&ev))></textarea>
                    <div class="cta-row">
                        <button type="submit" class="button button-primary">"Save"</button>
                        <button type="button" class="button button-ghost" on:click=move |_| editing.set(false)>"Cancel"</button>
                    </div>
                </form>
            </Show>
        </li>
    }
}
