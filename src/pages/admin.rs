//! `/admin`: users with search and paging, role and plan changes, and the
//! audit log. The route policy keeps non-admins out; every call checks again.

use crate::{
    components::{
        clerk::{use_auth, AuthGuard, CallError},
        step_up::StepUpDialog,
    },
    error::AppError,
    model::{format_date, AuditStatus, Plan, Role, User},
    rpc::admin::{audit_log, list_users, SetPlan, SetRole},
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn Admin() -> impl IntoView {
    let auth = use_auth();
    let (search, set_search) = signal(String::new());
    let query = RwSignal::new(String::new());
    let page = RwSignal::new(1_i64);
    let set_role = ServerAction::<SetRole>::new();
    let set_plan = ServerAction::<SetPlan>::new();
    // Bumped when a change is abandoned, so the list shows what is stored.
    let reload = RwSignal::new(0_u32);
    let changes = move || {
        (
            set_role.version().get(),
            set_plan.version().get(),
            reload.get(),
        )
    };
    let users = Resource::new(
        move || (query.get(), page.get(), changes()),
        |(q, page, _)| list_users((!q.is_empty()).then_some(q), page),
    );
    let audit = Resource::new(changes, |_| audit_log(1));
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
        <Title text="Admin"/>
        <AuthGuard>
            <StepUpDialog preset=step_up on_confirmed=retry on_cancel=move |()| reload.update(|n| *n += 1)/>
            <section class="container">
                <h1>"Admin"</h1>
                <h2>"Users"</h2>
                <form class="search" role="search" on:submit=move |ev| {
                    ev.prevent_default();
                    page.set(1);
                    query.set(search.get());
                }>
                    <label for="user-search">"Search by email or name"</label>
                    <input id="user-search" type="search" prop:value=search
                        on:input=move |ev| set_search.set(event_target_value(&ev))/>
                    <button type="submit" class="button button-ghost">"Search"</button>
                </form>
                <p class="form-error" role="alert">{error}</p>
                <Transition fallback=|| view! { <p>"Loading users…"</p> }>
                    {move || Suspend::new(async move {
                        match users.await {
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
                                        <button class="button button-ghost" disabled={current <= 1} on:click=move |_| page.update(|p| *p -= 1)>"Previous"</button>
                                        <span>{format!("Page {current} of {pages} · {} users", list.total)}</span>
                                        <button class="button button-ghost" disabled={current >= pages} on:click=move |_| page.update(|p| *p += 1)>"Next"</button>
                                    </nav>
                                }.into_any()
                            }
                        }
                    })}
                </Transition>
                <h2>"Audit log"</h2>
                <Transition fallback=|| view! { <p>"Loading the audit log…"</p> }>
                    {move || Suspend::new(async move {
                        match audit.await {
                            Err(error) => view! { <CallError error/> }.into_any(),
                            Ok(log) => view! {
                                <div class="table-wrap">
                                    <table class="table" data-testid="audit">
                                        <thead><tr><th scope="col">"When"</th><th scope="col">"Who"</th><th scope="col">"Whom"</th><th scope="col">"What"</th></tr></thead>
                                        <tbody>
                                            {log.items.into_iter().map(|e| view! {
                                                <tr>
                                                    <td>{format_date(e.created_at)}</td>
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
                    })}
                </Transition>
            </section>
        </AuthGuard>
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

#[component]
fn UserRow(user: User, send: Callback<Change>) -> impl IntoView {
    let id = user.id.clone();
    let label = user.email.clone().unwrap_or_else(|| user.id.clone());
    let name = [user.first_name.clone(), user.last_name.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let (role_id, plan_id) = (id.clone(), id.clone());
    view! {
        <tr data-testid="user-row" data-email=label.clone()>
            <td><strong>{label.clone()}</strong><br/><span class="muted">{name}</span></td>
            <td>
                <select aria-label=format!("Role of {label}") data-testid="role-select"
                    on:change=move |ev| {
                        if let Ok(role) = event_target_value(&ev).parse::<Role>() {
                            send.run(Change::Role(role_id.clone(), role));
                        }
                    }>
                    {Role::ALL.iter().map(|r| view! { <option value=r.as_str() selected=*r == user.role>{r.as_str()}</option> }).collect_view()}
                </select>
            </td>
            <td>
                <select aria-label=format!("Plan of {label}") data-testid="plan-select"
                    on:change=move |ev| {
                        if let Ok(plan) = event_target_value(&ev).parse::<Plan>() {
                            send.run(Change::Plan(plan_id.clone(), plan));
                        }
                    }>
                    {Plan::ALL.iter().map(|p| view! { <option value=p.as_str() selected=*p == user.plan>{p.as_str()}</option> }).collect_view()}
                </select>
            </td>
            <td>{format_date(user.created_at)}</td>
        </tr>
    }
}
