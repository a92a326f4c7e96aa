//! `/admin`: users with search and paging, role and plan changes, and the
//! audit log. The route policy keeps non-admins out; every call checks again.

use crate::{
    components::{
        clerk::{use_auth, AuthErrors, AuthGuard, CallError, StepUpDialog},
        island_data::refreshed,
    },
    error::AppError,
    model::{format_date, AuditEntry, AuditStatus, Page, Plan, Role, User},
    pages::dashboard::pager_link,
    rpc::admin::{audit_log, list_users, SetPlan, SetRole},
};
use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;

#[component]
pub fn Admin() -> impl IntoView {
    let params = leptos_router::hooks::use_query_map();
    let (search, page) = params.with_untracked(|p| {
        let search = p.get("search").map(|s| s.trim().to_owned());
        (search.unwrap_or_default(), super::dashboard::page_from(p))
    });
    view! {
        <Title text="Admin"/>
        <AuthGuard>
            <Suspense fallback=|| view! { <p>"Loading users…"</p> }>
                {Suspend::new(async move {
                    let wanted = (!search.is_empty()).then(|| search.clone());
                    let users = list_users(wanted, page).await;
                    let audit = audit_log(1).await;
                    view! { <AdminPanel search=search.clone() page users audit/> }
                })}
            </Suspense>
        </AuthGuard>
    }
}

/// Users and the audit log: an island. The search and page live in the
/// address (`?search=…&page=N`), so the search form is a GET form and the
/// pager links: both work without JavaScript, and once hydrated a search
/// runs in place (the address follows). Role and plan changes are
/// `<form method="post">`s aimed at their server functions, sent in place
/// (with the step-up retry) when hydrated.
#[island(lazy)]
fn AdminPanel(
    /// The search the address asked for (trimmed; empty: everyone).
    search: String,
    /// The page of users the address asked for.
    page: i64,
    /// That page of users, as the server loaded it.
    users: Result<Page<User>, AppError>,
    /// The audit log's first page, as the server loaded it.
    audit: Result<Page<AuditEntry>, AppError>,
) -> impl IntoView {
    let auth = use_auth();
    let query = RwSignal::new(search);
    let page = RwSignal::new(page);
    let search_input = NodeRef::<leptos::html::Input>::new();
    let run_search = move |ev: leptos::ev::SubmitEvent| {
        let Some(input) = search_input.get() else {
            return;
        };
        ev.prevent_default();
        let wanted = input.value().trim().to_owned();
        #[cfg(feature = "hydrate")]
        if let Ok(history) = window().history() {
            let _ = history.push_state_with_url(
                &leptos::wasm_bindgen::JsValue::NULL,
                "",
                Some(&format!("/admin{}", page_href(&wanted, 1))),
            );
        }
        page.set(1);
        query.set(wanted);
    };
    // Back and Forward change the address, not what this island holds:
    // the page is the server's to render again for the address it reaches.
    #[cfg(feature = "hydrate")]
    let _ = window_event_listener(leptos::ev::popstate, |_| {
        let _ = window().location().reload();
    });
    crate::components::plain_forms::provide_action_error();
    let set_role = ServerAction::<SetRole>::new();
    let set_plan = ServerAction::<SetPlan>::new();
    // Bumped when a change is abandoned, so the list shows what is stored.
    let reload = RwSignal::new(0_u32);
    // Resource sources read with `try_get`, as the dashboard's do: an
    // abandoned server render disposes these before its tasks stop.
    // (The actions' version signals are taken now: asking a disposed
    // action for them panics too.)
    let (role_version, plan_version) = (set_role.version(), set_plan.version());
    let changes = move || {
        (
            role_version.try_get().unwrap_or_default(),
            plan_version.try_get().unwrap_or_default(),
            reload.try_get().unwrap_or_default(),
        )
    };
    let users = refreshed(
        users,
        move || {
            (
                query.try_get().unwrap_or_default(),
                page.try_get().unwrap_or(1),
                changes(),
            )
        },
        move || {
            let q = query.get_untracked();
            list_users((!q.is_empty()).then_some(q), page.get_untracked())
        },
    );
    let audit = refreshed(audit, changes, || audit_log(1));
    // An admin who changes their own role or plan gets a token with the new
    // claims straight away, as Clerk apps reload the session after a change;
    // everyone else's tab picks theirs up on its next refresh or focus.
    let refresh_if_mine = move |changed: Option<Result<User, AppError>>| {
        if let Some(Ok(user)) = changed {
            if auth.user_id().is_some_and(|me| me == user.id) {
                leptos::task::spawn_local(async move {
                    let _ = auth.get_token().await;
                });
            }
        }
    };
    Effect::new(move || refresh_if_mine(set_role.value().get()));
    Effect::new(move || refresh_if_mine(set_plan.value().get()));

    // Step-up: a change refused for want of a recent password opens the
    // dialog; once confirmed, the same change is sent again, once.
    let last = StoredValue::new(None::<Change>);
    let retried = StoredValue::new(false);
    let step_up = RwSignal::new(None::<String>);
    let ask_again = move |result: Option<Result<User, AppError>>| {
        if let Some(Err(AppError::ReverificationRequired(preset))) = result {
            if !retried.get_value() {
                step_up.set(Some(preset));
            }
        }
    };
    Effect::new(move || ask_again(set_role.value().get()));
    Effect::new(move || ask_again(set_plan.value().get()));
    let retry = move |()| {
        retried.set_value(true);
        match last.get_value() {
            Some(Change::Role(user_id, role)) => {
                set_role.dispatch(SetRole { user_id, role });
            }
            Some(Change::Plan(user_id, plan)) => {
                set_plan.dispatch(SetPlan { user_id, plan });
            }
            None => {}
        }
    };
    let send = Callback::new(move |change: Change| {
        retried.set_value(false);
        last.set_value(Some(change.clone()));
        match change {
            Change::Role(user_id, role) => {
                set_role.dispatch(SetRole { user_id, role });
            }
            Change::Plan(user_id, plan) => {
                set_plan.dispatch(SetPlan { user_id, plan });
            }
        }
    });
    let error = move || {
        let role = auth.error_message(set_role.value().get());
        if role.is_empty() {
            auth.error_message(set_plan.value().get())
        } else {
            role
        }
    };

    view! {
            <StepUpDialog preset=step_up on_confirmed=retry on_cancel=move |()| reload.update(|n| *n += 1)
                reason="Changing someone's access needs your password, entered within the last ten minutes."/>
            <section class="container">
                <h1>"Admin"</h1>
                <h2>"Users"</h2>
                <form method="get" action="/admin" class="search" role="search" on:submit=run_search>
                    <label for="user-search">"Search by email or name"</label>
                    <input id="user-search" type="search" name="search" node_ref=search_input
                        value=query.get_untracked()/>
                    <button type="submit" class="button button-ghost">"Search"</button>
                </form>
                <p class="form-error" role="alert">{error}</p>
                {move || {
                        match users.get() {
                            Err(error) => view! { <CallError error/> }.into_any(),
                            Ok(list) => {
                                let (current, pages) = (list.page, list.pages());
                                view! {
                                    <div class="table-wrap">
                                        <table class="table" data-testid="users">
                                            <thead><tr><th scope="col">"User"</th><th scope="col">"Role"</th><th scope="col">"Plan"</th><th scope="col">"Joined"</th></tr></thead>
                                            <tbody>
                                                {list.items.into_iter().map(|u| view! { <UserRow user=u send/> }).collect_view()}
                                            </tbody>
                                        </table>
                                    </div>
                                    <nav class="pager" aria-label="User pages">
                                        {pager_link("Previous", (current > 1).then(|| page_href(&query.get_untracked(), current - 1)))}
                                        <span>{format!("Page {current} of {pages} · {} users", list.total)}</span>
                                        {pager_link("Next", (current < pages).then(|| page_href(&query.get_untracked(), current + 1)))}
                                    </nav>
                                }.into_any()
                            }
                        }
                    }}
                <h2>"Audit log"</h2>
                {move || {
                        match audit.get() {
                            Err(error) => view! { <CallError error/> }.into_any(),
                            Ok(log) => view! {
                                <div class="table-wrap">
                                    <table class="table" data-testid="audit">
                                        <thead><tr><th scope="col">"When"</th><th scope="col">"Who"</th><th scope="col">"Whom"</th><th scope="col">"What"</th></tr></thead>
                                        <tbody>
                                            {log.items.into_iter().map(|e| view! {
                                                <tr>
                                                    <td class="date">{format_date(e.created_at)}</td>
                                                    <td>{e.actor_email.or(e.actor_id).unwrap_or_else(|| "Clerk".into())}</td>
                                                    <td>{e.subject_email.unwrap_or(e.subject_id)}</td>
                                                    <td>
                                                        {format!("{} {}", e.action, e.detail)}
                                                        {status_note(e.status)}
                                                    </td>
                                                </tr>
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                            }.into_any(),
                        }
                    }}
            </section>
    }
}

/// `?search=…&page=N` for the pager, the search kept.
fn page_href(search: &str, page: i64) -> String {
    if search.is_empty() {
        format!("?page={page}")
    } else {
        format!(
            "?search={}&page={page}",
            leptos_clerk::redirect::percent_encode(search, b"")
        )
    }
}

/// Only unsettled entries say so: a change Clerk has not confirmed yet (or
/// whose confirmation has not reached this copy), or one Clerk refused.
fn status_note(status: AuditStatus) -> impl IntoView {
    let note = match status {
        AuditStatus::Done => None,
        AuditStatus::Requested => Some("awaiting Clerk"),
        AuditStatus::Failed => Some("refused by Clerk"),
    };
    note.map(|note| view! { " " <span class="badge badge-muted">{note}</span> })
}

/// A change an admin asked for, kept to retry after a step-up.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Change {
    Role(String, Role),
    Plan(String, Plan),
}

/// A role or plan change: a real form posting `user_id` and the choice to
/// the server function, so it works without JavaScript (its Save button);
/// once hydrated, choosing an option sends it at once, in place, and the
/// button hides (`html[data-hydrated] .no-js-only`).
#[component]
fn UserRow(user: User, send: Callback<Change>) -> impl IntoView {
    let id = user.id.clone();
    let label = user.email.clone().unwrap_or_else(|| user.id.clone());
    let name = [user.first_name.clone(), user.last_name.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let role = RwSignal::new(user.role);
    let plan = RwSignal::new(user.plan);
    let (role_id, plan_id) = (id.clone(), id.clone());
    let send_role = move || send.run(Change::Role(role_id.clone(), role.get_untracked()));
    let send_plan = move || send.run(Change::Plan(plan_id.clone(), plan.get_untracked()));
    let (send_role2, send_plan2) = (send_role.clone(), send_plan.clone());
    view! {
        <tr data-testid="user-row" data-email=label.clone()>
            <td><strong>{label.clone()}</strong><br/><span class="muted">{name}</span></td>
            <td>
                <form method="post" action=SetRole::url() class="inline-form"
                    on:submit=move |ev| { ev.prevent_default(); send_role(); }>
                    <input type="hidden" name="user_id" value=id.clone()/>
                    <select name="role" aria-label=format!("Role of {label}") data-testid="role-select"
                        on:change=move |ev| {
                            if let Ok(r) = event_target_value(&ev).parse::<Role>() {
                                role.set(r);
                                send_role2();
                            }
                        }>
                        {Role::ALL.iter().map(|r| view! { <option value=r.as_str() selected=*r == user.role>{r.as_str()}</option> }).collect_view()}
                    </select>
                    <button type="submit" class="button button-ghost button-small no-js-only"
                        aria-label=format!("Save role of {label}")>"Save"</button>
                </form>
            </td>
            <td>
                <form method="post" action=SetPlan::url() class="inline-form"
                    on:submit=move |ev| { ev.prevent_default(); send_plan(); }>
                    <input type="hidden" name="user_id" value=id/>
                    <select name="plan" aria-label=format!("Plan of {label}") data-testid="plan-select"
                        on:change=move |ev| {
                            if let Ok(p) = event_target_value(&ev).parse::<Plan>() {
                                plan.set(p);
                                send_plan2();
                            }
                        }>
                        {Plan::ALL.iter().map(|p| view! { <option value=p.as_str() selected=*p == user.plan>{p.as_str()}</option> }).collect_view()}
                    </select>
                    <button type="submit" class="button button-ghost button-small no-js-only"
                        aria-label=format!("Save plan of {label}")>"Save"</button>
                </form>
            </td>
            <td class="date">{format_date(user.created_at)}</td>
        </tr>
    }
}
