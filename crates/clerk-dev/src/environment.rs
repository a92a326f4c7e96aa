//! The development instance's environment (`/v1/environment`): what Clerk's
//! browser code reads first to learn how this instance signs people in —
//! here email address (verified by a code at sign-up) and password only,
//! names optional, public sign-up,
//! no second factor, organizations without domains, no billing — and where the app's
//! sign-in, sign-up and after-auth pages are. clerk-js fetches it with
//! `PATCH` (its "touch"), sent as `POST ?_method=PATCH`.

use super::{
    frontend::{MethodOverride, MIN_PASSWORD_LENGTH},
    state::DevState,
    Settings,
};
use axum::{
    extract::{Query, State},
    routing::get,
    Json, Router,
};
use serde_json::{json, Value};

/// Routes relative to the mount point.
pub fn router<S: Clone + Send + Sync + 'static>(state: DevState) -> Router<S> {
    Router::new()
        .route(
            "/v1/environment",
            get(environment).patch(environment).post(touch),
        )
        .with_state(state)
}

async fn environment(State(state): State<DevState>) -> Json<Value> {
    Json(environment_json(state.instance.settings()))
}

/// `POST ?_method=PATCH`: how clerk-js sends its touch. Any other POST is
/// not something this resource takes.
async fn touch(
    State(state): State<DevState>,
    Query(query): Query<MethodOverride>,
) -> Result<Json<Value>, super::api_error::ClerkApiError> {
    match query.method().as_deref() {
        Some("PATCH") => Ok(environment(State(state)).await),
        _ => Err(super::frontend::method_not_allowed()),
    }
}

/// The environment in Clerk's shape (the fields clerk-js reads; the rest
/// take clerk-js's own defaults).
pub fn environment_json(settings: &Settings) -> Value {
    let paths = &settings.paths;

    let off = json!({"enabled": false, "required": false, "used_for_first_factor": false,
        "first_factors": [], "used_for_second_factor": false, "second_factors": [],
        "verifications": [], "verify_at_sign_up": false});
    json!({
        "object": "environment",
        "id": "env_development",
        "maintenance_mode": false,
        "client_debug_mode": false,
        "auth_config": {
            "object": "auth_config",
            "id": "aac_development",
            "single_session_mode": true,
            "claimed_at": null,
            "reverification": true,
        },
        "display_config": {
            "object": "display_config",
            "id": "display_config_development",
            "instance_environment_type": "development",
            "application_name": settings.app_name,
            "branded": false,
            "show_devmode_warning": true,
            "preferred_sign_in_strategy": "password",
            "home_url": "/",
            "sign_in_url": paths.sign_in_url,
            "sign_up_url": paths.sign_up_url,
            "after_sign_in_url": paths.after_sign_in_url,
            "after_sign_up_url": paths.after_sign_up_url,
            "after_sign_out_one_url": "/",
            "after_sign_out_all_url": "/",
            "after_switch_session_url": paths.after_sign_in_url,
            "logo_image_url": null,
            "favicon_image_url": null,
            "captcha_public_key": null,
            "captcha_provider": null,
        },
        "user_settings": {
            "attributes": {
                "email_address": {
                    "enabled": true, "required": true,
                    "used_for_first_factor": true, "first_factors": ["password"],
                    "used_for_second_factor": false, "second_factors": [],
                    // How addresses are verified (at sign-up when
                    // `verify_at_sign_up`, and when added in UserProfile).
                    "verifications": ["email_code"],
                    "verify_at_sign_up": settings.verify_email_at_sign_up,
                },
                "password": {"enabled": true, "required": true},
                "first_name": {"enabled": true, "required": false},
                "last_name": {"enabled": true, "required": false},
                "phone_number": off,
                "username": off,
                "web3_wallet": off,
                "authenticator_app": off,
                "backup_code": off,
                "passkey": off,
            },
            "social": {},
            "enterprise_sso": {"enabled": false},
            "saml": {"enabled": false},
            "sign_in": {"second_factor": {"required": false}},
            "sign_up": {
                "mode": "public",
                "progressive": true,
                "captcha_enabled": false,
                "custom_action_required": false,
                "legal_consent_enabled": false,
            },
            "restrictions": {
                "allowlist": {"enabled": false},
                "blocklist": {"enabled": false},
                "block_email_subaddresses": {"enabled": false},
                "block_disposable_email_domains": {"enabled": false},
                "ignore_dots_for_gmail_addresses": {"enabled": false},
            },
            "password_settings": {
                "min_length": MIN_PASSWORD_LENGTH,
                "max_length": 0,
                "require_special_char": false,
                "require_numbers": false,
                "require_uppercase": false,
                "require_lowercase": false,
                "disable_hibp": true,
                "show_zxcvbn": false,
                "min_zxcvbn_strength": 0,
                "enforce_hibp_on_sign_in": false,
            },
            "actions": {"delete_self": true, "create_organization": true},
            "passkey_settings": {"allow_autofill": false, "show_sign_in_button": false},
        },
        // Every field clerk-js 6's OrganizationSettings reads, so that
        // turning organizations on is a matter of values, not shape.
        "organization_settings": {
            "enabled": true,
            "max_allowed_memberships": 0,
            "force_organization_selection": false,
            "actions": {"admin_delete": true},
            "domains": {"enabled": false, "enrollment_modes": [], "default_role": null},
            "slug": {"disabled": false},
            "organization_creation_defaults": {"enabled": false},
        },
        "commerce_settings": {
            "billing": {
                "enabled": false,
                "has_paid_plans": false,
                "user": {"enabled": false, "has_paid_plans": false},
                "organization": {"enabled": false, "has_paid_plans": false},
            },
        },
        "api_keys_settings": {"enabled": false},
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AppPaths;

    #[test]
    fn it_names_the_apps_pages_and_only_email_and_password() {
        let settings = Settings {
            app_name: "Notes".into(),
            paths: AppPaths {
                sign_in_url: "/login".into(),
                after_sign_up_url: "/welcome".into(),
                ..AppPaths::default()
            },
            ..Settings::default()
        };
        let env = environment_json(&settings);
        assert_eq!(env["display_config"]["sign_in_url"], "/login");
        assert_eq!(env["display_config"]["after_sign_up_url"], "/welcome");
        assert_eq!(env["display_config"]["application_name"], "Notes");
        assert_eq!(
            env["display_config"]["instance_environment_type"],
            "development"
        );
        let attributes = env["user_settings"]["attributes"].as_object().unwrap();
        let enabled: Vec<&str> = attributes
            .iter()
            .filter(|(_, a)| a["enabled"] == true)
            .map(|(name, _)| name.as_str())
            .collect();
        assert_eq!(
            enabled,
            ["email_address", "first_name", "last_name", "password"]
        );
        assert_eq!(
            env["user_settings"]["password_settings"]["min_length"],
            MIN_PASSWORD_LENGTH
        );
        assert_eq!(env["user_settings"]["actions"]["delete_self"], true);
        // Sign-ups verify their address with a code, unless told not to.
        let email = &env["user_settings"]["attributes"]["email_address"];
        assert_eq!(email["verifications"], json!(["email_code"]));
        assert_eq!(email["verify_at_sign_up"], true);
        let unverified = environment_json(&Settings {
            verify_email_at_sign_up: false,
            ..Settings::default()
        });
        let email = &unverified["user_settings"]["attributes"]["email_address"];
        assert_eq!(
            email["verifications"],
            json!(["email_code"]),
            "UserProfile's still"
        );
        assert_eq!(email["verify_at_sign_up"], false);
        // Organizations on, with their widgets' actions: creating one,
        // and admins deleting theirs.
        assert_eq!(env["organization_settings"]["enabled"], true);
        assert_eq!(
            env["organization_settings"]["actions"]["admin_delete"],
            true
        );
        assert_eq!(env["user_settings"]["actions"]["create_organization"], true);
    }
}
