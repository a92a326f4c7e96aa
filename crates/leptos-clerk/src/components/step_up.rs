//! [`StepUpDialog`]: when the server refuses an action with Clerk's
//! reverification error, this dialog asks for the password again, confirms
//! it through Clerk (the session's reverification), and hands back to the
//! page, which retries the action once. The server decides again on the
//! retry, from the new token's `fva`; the dialog only collects the
//! password, which goes to Clerk and nowhere else.

use crate::hooks::use_auth;
use leptos::prelude::*;

/// Open while `preset` holds the reverification Clerk asked for (such as
/// "strict"); `on_confirmed` runs once the password is confirmed,
/// `on_cancel` when the user gives up (Cancel or Escape).
#[component]
pub fn StepUpDialog(
    /// The preset the server asked for; `None` keeps the dialog closed.
    preset: RwSignal<Option<String>>,
    /// Runs once Clerk has confirmed the password.
    #[prop(into)]
    on_confirmed: Callback<()>,
    /// Runs when the user gives up.
    #[prop(into)]
    on_cancel: Callback<()>,
    /// Why the password is asked for, shown under the title.
    #[prop(optional, into)]
    reason: Option<String>,
) -> impl IntoView {
    let auth = use_auth();
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let reason = reason.unwrap_or_else(|| "This needs your password again.".to_owned());
    let close = move || {
        preset.set(None);
        password.set(String::new());
        error.set(String::new());
    };
    let confirm = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(wanted) = preset.get_untracked() else {
            return;
        };
        busy.set(true);
        error.set(String::new());
        leptos::task::spawn_local(async move {
            let result = auth.reverify(&wanted, &password.get_untracked()).await;
            busy.set(false);
            match result {
                Ok(()) => {
                    close();
                    on_confirmed.run(());
                }
                Err(message) => error.set(message),
            }
        });
    };

    view! {
        <Show when=move || preset.try_get().flatten().is_some()>
            <div class="modal-backdrop">
                <div class="modal" role="dialog" aria-modal="true" aria-labelledby="step-up-title"
                    on:keydown=move |ev| if ev.key() == "Escape" { close(); on_cancel.run(()) }>
                    <h2 id="step-up-title">"Confirm it's you"</h2>
                    <p class="muted">{reason.clone()}</p>
                    <form class="form" on:submit=confirm>
                        <label for="step-up-password">"Password"</label>
                        <input id="step-up-password" type="password" autocomplete="current-password"
                            required autofocus prop:value=password
                            on:input=move |ev| password.set(event_target_value(&ev))/>
                        <p class="form-error" role="alert" data-testid="step-up-error">{move || error.try_get().unwrap_or_default()}</p>
                        <div class="modal-actions">
                            <button type="button" class="button button-ghost" on:click=move |_| { close(); on_cancel.run(()) }>"Cancel"</button>
                            <button type="submit" class="button button-primary" disabled=move || busy.try_get().unwrap_or(false)>
                                {move || if busy.try_get().unwrap_or(false) { "Checking…" } else { "Confirm" }}
                            </button>
                        </div>
                    </form>
                </div>
            </div>
        </Show>
    }
}
