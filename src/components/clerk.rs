//! Inkpad's side of Clerk's components (the components themselves are
//! `leptos_clerk`'s, re-exported here): the resource holding the server's
//! answer to "who is calling", `Role`/`Plan` as `Show` conditions, and what
//! a page does with a failed call (`CallError`, `AuthErrors`).

use crate::{
    error::AppError,
    model::{AuthSnapshot, Plan, Role},
};
use leptos::prelude::*;
pub use leptos_clerk::{
    use_auth, use_organization, AuthGuard, ClerkIslands, ClerkProvider, ClerkSettings,
    CreateOrganization, OrganizationProfile, OrganizationSwitcher, Protect, Show, SignIn,
    SignInButton, SignUp, SignUpButton, SignedIn, SignedOut, StepUpDialog, UseAuth, UserButton,
    When,
};

/// The signed-in user's public identity, resolved on the server before the
/// page is sent (so it renders right without a flash) and hydrated from the
/// page's own payload.
pub type CurrentUser = Resource<Result<Option<AuthSnapshot>, AppError>>;

/// Where the auth state asks the server again who is calling: the
/// `current_user` server function's own address.
const CURRENT_USER: &str = <crate::rpc::auth::CurrentUser as leptos::server_fn::ServerFn>::PATH;

/// The browser's auth state: the first island on every page (the app
/// renders it right inside `ClerkProvider`), holding the server's answer
/// for every island after it, loading clerk-js, and loading the page again
/// when Clerk reports a change the server confirms (see
/// `leptos_clerk::ClerkIslands`).
#[island]
pub fn AuthRuntime(caller: Option<AuthSnapshot>, settings: Option<ClerkSettings>) -> impl IntoView {
    // Inkpad greets writers by name: Clerk's sign-up shows its name fields.
    view! {
        <ClerkIslands caller settings endpoint=CURRENT_USER show_optional_fields=true/>
    }
}

/// The signed-in caller as Inkpad's snapshot (`None`: signed out or
/// loading).
pub fn use_user() -> Signal<Option<AuthSnapshot>> {
    leptos_clerk::use_user::<AuthSnapshot>()
}

impl From<Role> for When {
    fn from(role: Role) -> Self {
        When::user(move |u: &AuthSnapshot| u.role == role)
    }
}

impl From<Plan> for When {
    fn from(plan: Plan) -> Self {
        When::user(move |u: &AuthSnapshot| u.plan == plan)
    }
}

/// What a page does with an error from a server call.
pub trait AuthErrors {
    /// A lost session (401) sends the user to sign in and back; everything
    /// else is for the caller to show.
    fn on_error(&self, err: &AppError);

    /// The message for a call's last result: empty unless it failed (and a
    /// lost session goes to sign-in, as `on_error`).
    fn error_message<T>(&self, result: Option<Result<T, AppError>>) -> String;
}

impl AuthErrors for UseAuth {
    fn on_error(&self, err: &AppError) {
        if *err == AppError::Unauthenticated {
            self.redirect_to_sign_in();
        }
    }

    fn error_message<T>(&self, result: Option<Result<T, AppError>>) -> String {
        match result {
            Some(Err(err)) => {
                self.on_error(&err);
                err.to_string()
            }
            _ => String::new(),
        }
    }
}

/// A failed call, shown where it happened; a lost session (401) sends the
/// user to sign in instead.
#[component]
pub fn CallError(error: AppError) -> impl IntoView {
    use_auth().on_error(&error);
    view! { <p class="form-error" role="alert">{error.to_string()}</p> }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::OrgSnapshot;
    use leptos_clerk::AuthUser;

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
            org: Some(OrgSnapshot {
                id: "org_1".into(),
                slug: Some("acme".into()),
                role: Some("org:member".into()),
            }),
            features: vec!["u:export".into(), "o:teams".into()],
            plans: vec!["o:team".into()],
        }
    }

    #[test]
    fn roles_and_plans_are_conditions() {
        let admin = user(Role::Admin, Plan::Free);
        let me: Option<&dyn AuthUser> = Some(&admin);
        assert!(When::from(Role::Admin).matches(me));
        assert!(!When::from(Role::Member).matches(me));
        assert!(!When::from(Plan::Pro).matches(me));
        assert!(When::from(Plan::Free).matches(me));
        assert!(
            !When::from(Role::Admin).matches(None),
            "signed out has no role"
        );
    }

    #[test]
    fn billing_plans_count_the_metadata_plan_and_the_organizations() {
        let member = user(Role::Member, Plan::Pro);
        let me: Option<&dyn AuthUser> = Some(&member);
        // Unscoped: the user's plan (metadata), or the organization's.
        assert!(When::BillingPlan("pro".into()).matches(me));
        assert!(When::BillingPlan("team".into()).matches(me));
        // Scoped: only that scope.
        assert!(When::BillingPlan("o:team".into()).matches(me));
        assert!(!When::BillingPlan("u:team".into()).matches(me));
        assert!(!When::BillingPlan("o:pro".into()).matches(me));
        assert!(!When::BillingPlan("enterprise".into()).matches(me));
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
    }
}
