//! The local development instance: activated when no Clerk keys are set, a
//! stable identity across restarts, its JWKS endpoints, and the app verifying
//! its tokens over HTTP exactly as it would Clerk's.

mod common;

use clerk_dev::DevInstance;
use common::{sqlite_db, TestApp};
use inkpad::clerk::{
    metadata::{public_profile, AppMetadata},
    verify::unix_now,
};
use reqwest::header;
use serde_json::{json, Value};

async fn instance_of(app: &TestApp) -> DevInstance {
    common::dev_instance(&app.db, app.addr).await
}

#[tokio::test]
async fn without_keys_the_instance_serves_its_jwks() {
    let app = TestApp::spawn().await;
    let dev = instance_of(&app).await;

    let res = app.get("/__clerk/.well-known/jwks.json").await;
    assert_eq!(res.status(), 200);
    let jwks: Value = res.json().await.unwrap();
    let key = &jwks["keys"][0];
    assert_eq!(
        (
            key["kty"].as_str(),
            key["alg"].as_str(),
            key["use"].as_str()
        ),
        (Some("RSA"), Some("RS256"), Some("sig"))
    );
    assert_eq!(key["kid"], dev.signing_key().kid());
    assert!(key["kid"].as_str().unwrap().starts_with("ins_"));
    assert!(key.get("d").is_none(), "no private parts: {key}");

    // The Backend API's copy needs the secret key, and says so Clerk's way.
    let res = app.get("/__clerk/api/v1/jwks").await;
    assert_eq!(res.status(), 401);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "authentication_invalid");
    let res = app
        .client
        .get(app.url("/__clerk/api/v1/jwks"))
        .bearer_auth(dev.secret_key().expose())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let wrong = app
        .client
        .get(app.url("/__clerk/api/v1/jwks"))
        .bearer_auth("sk_test_guessguessguessguess")
        .send();
    assert_eq!(wrong.await.unwrap().status(), 401);
}

#[tokio::test]
async fn the_app_verifies_the_instances_tokens_through_its_jwks() {
    let app = TestApp::spawn().await;
    let dev = instance_of(&app).await;
    let pk = dev.publishable_key();
    assert_eq!(
        pk.frontend_api_url(),
        format!("http://{}/__clerk", app.addr)
    );

    let now = unix_now();
    let claims = json!({
        "iss": pk.frontend_api_url(), "sub": "user_dev", "sid": "sess_dev",
        "iat": now, "nbf": now - 10, "exp": now + 60, "v": 2, "metadata": {"role": "admin", "plan": "pro"}
    });
    let token = dev.signing_key().sign(&claims);
    let res = app
        .client
        .get(app.url("/api/session"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        (body["user_id"].as_str(), body["role"].as_str()),
        (Some("user_dev"), Some("admin"))
    );

    // A token claiming to be from the instance but signed elsewhere is not.
    let forged = inkpad::clerk::mint::SigningKey::generate(dev.signing_key().kid())
        .unwrap()
        .sign(&claims);
    let res = app
        .client
        .get(app.url("/api/session"))
        .bearer_auth(forged)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn the_identity_survives_restarts() {
    let test_db = sqlite_db().await;
    let first = common::dev_instance(&test_db.db, "127.0.0.1:3000".parse().unwrap()).await;
    let again = common::dev_instance(&test_db.db, "127.0.0.1:3000".parse().unwrap()).await;
    assert_eq!(first.signing_key().kid(), again.signing_key().kid());
    assert_eq!(
        first.signing_key().public_pem(),
        again.signing_key().public_pem()
    );
    assert_eq!(first.secret_key().expose(), again.secret_key().expose());
    assert_eq!(first.publishable_key(), again.publishable_key());
}

#[tokio::test]
async fn the_instances_secrets_never_reach_a_page() {
    let app = TestApp::spawn().await;
    let dev = instance_of(&app).await;
    let (webhook_secret,): (String,) =
        sqlx::query_as("SELECT webhook_secret FROM clerk_dev_instance")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    for path in [
        "/",
        "/no/such/page",
        "/unauthorized",
        "/__clerk/.well-known/jwks.json",
    ] {
        let body = app.get(path).await.text().await.unwrap();
        assert!(!body.contains(dev.secret_key().expose()), "{path}");
        assert!(!body.contains(&webhook_secret), "{path}");
        assert!(!body.contains("PRIVATE KEY"), "{path}");
    }
}

#[tokio::test]
async fn configured_clerk_keys_keep_the_instance_off() {
    let app = TestApp::spawn_with_clerk().await;
    assert_eq!(
        app.get("/__clerk/.well-known/jwks.json").await.status(),
        404
    );
}

mod backend_api {
    //! The app's own Backend API client against the instance: each side of
    //! the protocol checks the other.

    use super::*;
    use clerk_dev::store;
    use inkpad::{
        clerk::backend::{BackendApi, BackendError, ListUsers, MetadataUpdate, UserUpdate},
        model::{Plan, Role},
    };

    async fn client(app: &TestApp) -> (BackendApi, DevInstance) {
        let dev = instance_of(app).await;
        let api = BackendApi::new(
            reqwest::Client::new(),
            &dev.api_url(),
            dev.secret_key().expose(),
        );
        (api, dev)
    }

    fn emails(users: &[inkpad::clerk::backend::ClerkUser]) -> Vec<String> {
        users
            .iter()
            .filter_map(|u| u.primary_email().map(str::to_owned))
            .collect()
    }

    #[tokio::test]
    async fn demo_users_are_seeded_with_roles_plans_and_real_password_hashes() {
        let app = TestApp::spawn().await;
        let (api, _) = client(&app).await;
        assert_eq!(api.count_users(None).await.unwrap(), 3);
        let filter = ListUsers {
            email_address: vec!["ADMIN@inkpad.dev".into()],
            ..Default::default()
        };
        let admins = api.list_users(&filter).await.unwrap();
        assert_eq!(emails(&admins), ["admin@inkpad.dev"]);
        assert_eq!(
            (admins[0].role(), admins[0].plan()),
            (Role::Admin, Plan::Pro)
        );
        assert!(admins[0].password_enabled);
        assert_eq!(
            public_profile(&admins[0]).image_url,
            None,
            "an empty image URL is no image"
        );

        let stored = store::find_by_email(&common::dev_store(&app.db), "admin@inkpad.dev")
            .await
            .unwrap()
            .unwrap();
        assert!(stored
            .password_hash
            .as_deref()
            .unwrap()
            .starts_with("$argon2id$"));
        assert!(stored.password_matches("inkpad-admin-demo"));
        assert!(!stored.password_matches("inkpad-admin-demo "));
    }

    #[tokio::test]
    async fn users_page_filter_order_and_count() {
        let app = TestApp::spawn().await;
        let (api, _) = client(&app).await;
        let all = api
            .list_users(&ListUsers {
                order_by: Some("created_at".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(
            emails(&all),
            ["admin@inkpad.dev", "pro@inkpad.dev", "free@inkpad.dev"]
        );
        let newest_first = api.list_users(&ListUsers::default()).await.unwrap();
        assert_eq!(
            emails(&newest_first)[0],
            "free@inkpad.dev",
            "default order is -created_at"
        );
        let page = ListUsers {
            limit: Some(1),
            offset: Some(1),
            order_by: Some("created_at".into()),
            ..Default::default()
        };
        assert_eq!(
            emails(&api.list_users(&page).await.unwrap()),
            ["pro@inkpad.dev"]
        );
        let query = ListUsers {
            query: Some("paula".into()),
            ..Default::default()
        };
        assert_eq!(
            emails(&api.list_users(&query).await.unwrap()),
            ["pro@inkpad.dev"]
        );
        assert_eq!(api.count_users(Some("inkpad.dev")).await.unwrap(), 3);
        assert_eq!(api.count_users(Some("nobody")).await.unwrap(), 0);

        let bad = ListUsers {
            limit: Some(501),
            ..Default::default()
        };
        let err = api.list_users(&bad).await.unwrap_err();
        assert!(
            matches!(&err, BackendError::Api { status: 422, errors } if errors[0].code == "form_param_value_invalid"),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn metadata_is_deep_merged_and_null_deletes() {
        let app = TestApp::spawn().await;
        let (api, _) = client(&app).await;
        let free = &api
            .list_users(&ListUsers {
                query: Some("free@".into()),
                ..Default::default()
            })
            .await
            .unwrap()[0];
        let update = MetadataUpdate {
            public_metadata: Some(json!({"plan": "pro", "prefs": {"theme": "dark"}})),
            private_metadata: Some(json!({"stripe_customer": "cus_123"})),
            ..Default::default()
        };
        let merged = api.update_user_metadata(&free.id, &update).await.unwrap();
        assert_eq!(
            Value::Object(merged.public_metadata.clone()),
            json!({"role": "member", "plan": "pro", "prefs": {"theme": "dark"}})
        );
        assert_eq!(merged.private_metadata.0["stripe_customer"], "cus_123");
        assert_eq!(merged.plan(), Plan::Pro);

        let update = MetadataUpdate {
            public_metadata: Some(json!({"prefs": {"theme": null, "lang": "fr"}, "role": null})),
            ..Default::default()
        };
        let merged = api.update_user_metadata(&free.id, &update).await.unwrap();
        assert_eq!(
            Value::Object(merged.public_metadata),
            json!({"plan": "pro", "prefs": {"lang": "fr"}})
        );
        assert_eq!(
            merged.private_metadata.0["stripe_customer"], "cus_123",
            "untouched when not sent"
        );
    }

    #[tokio::test]
    async fn users_are_updated_and_deleted_and_metadata_is_refused_on_plain_updates() {
        let app = TestApp::spawn().await;
        let (api, dev) = client(&app).await;
        let pro = &api
            .list_users(&ListUsers {
                query: Some("pro@".into()),
                ..Default::default()
            })
            .await
            .unwrap()[0];
        let renamed = api
            .update_user(
                &pro.id,
                &UserUpdate {
                    first_name: Some("Paola".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(
            (renamed.first_name.as_deref(), renamed.last_name.as_deref()),
            (Some("Paola"), Some("Pro"))
        );

        let res = app
            .client
            .patch(app.url(&format!("/__clerk/api/v1/users/{}", pro.id)))
            .bearer_auth(dev.secret_key().expose())
            .json(&json!({"public_metadata": {"role": "admin"}}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422);
        assert_eq!(
            api.get_user(&pro.id).await.unwrap().role(),
            Role::Member,
            "nothing changed"
        );

        assert!(api.delete_user(&pro.id).await.unwrap().deleted);
        assert_eq!(api.get_user(&pro.id).await.unwrap_err().status(), Some(404));
        assert_eq!(
            api.delete_user(&pro.id).await.unwrap_err().status(),
            Some(404)
        );
        assert_eq!(api.count_users(None).await.unwrap(), 2);
    }

    #[tokio::test]
    async fn sessions_are_revoked() {
        let app = TestApp::spawn().await;
        let (api, _) = client(&app).await;
        let user = store::find_by_email(&common::dev_store(&app.db), "free@inkpad.dev")
            .await
            .unwrap()
            .unwrap();
        let session = store::create_session(
            &common::dev_store(&app.db),
            &user.id,
            "client_test",
            &Default::default(),
        )
        .await
        .unwrap();
        let revoked = api
            .revoke_session(session["id"].as_str().unwrap())
            .await
            .unwrap();
        assert_eq!(
            (revoked.status.as_str(), revoked.user_id.as_str()),
            ("revoked", user.id.as_str())
        );
        assert_eq!(
            api.revoke_session("sess_nope").await.unwrap_err().status(),
            Some(404)
        );
    }

    #[tokio::test]
    async fn every_backend_call_needs_the_secret_key() {
        let app = TestApp::spawn().await;
        let (_, dev) = client(&app).await;
        let wrong = BackendApi::new(
            reqwest::Client::new(),
            &dev.api_url(),
            "sk_test_notthekeynotthekeynot",
        );
        let err = wrong.count_users(None).await.unwrap_err();
        assert!(
            matches!(&err, BackendError::Api { status: 401, errors } if errors[0].code == "authentication_invalid"),
            "{err:?}"
        );
        for path in [
            "/__clerk/api/v1/users",
            "/__clerk/api/v1/users/count",
            "/__clerk/api/v1/users/user_x",
        ] {
            assert_eq!(app.get(path).await.status(), 401, "{path}");
        }
    }
}

#[tokio::test]
async fn without_clerks_builds_the_console_and_the_instances_own_script_are_served_without_secrets()
{
    // No official builds installed: the instance's own script is the fallback.
    let empty = tempfile::tempdir().unwrap();
    let app = TestApp::spawn_with(
        common::sqlite_db().await,
        &[("CLERK_DEV_BUNDLES_DIR", empty.path().to_str().unwrap())],
    )
    .await;
    let dev = instance_of(&app).await;
    let res = app.get("/__clerk/").await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("Clerk development instance"));
    assert!(html.contains("/__clerk/npm/@clerk/clerk-js@6/dist/clerk.browser.js"));
    assert!(
        html.contains(dev.publishable_key().as_str()),
        "the publishable key is public"
    );
    assert!(
        html.contains("inkpad-free-demo"),
        "demo passwords are listed"
    );
    assert!(!html.contains(dev.secret_key().expose()));

    let res = app
        .get("/__clerk/npm/@clerk/clerk-js@6/dist/clerk.browser.js")
        .await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("application/javascript"));
    let js = res.text().await.unwrap();
    assert!(js.len() < 30 * 1024, "small: {} bytes", js.len());
    assert!(js.contains("window.Clerk = Clerk"));
    assert!(!js.contains("sk_test_"));

    // @clerk/ui's path: the app loads it beside clerk-js, as clerk-js 6
    // needs; this instance's script draws its own widgets, so it defines
    // nothing, and no ClerkUI is handed to load().
    let res = app.get("/__clerk/npm/@clerk/ui@1/dist/ui.browser.js").await;
    assert_eq!(res.status(), 200);
    let ui = res.text().await.unwrap();
    assert!(!ui.contains("__internal_ClerkUICtor"));
    let settings: serde_json::Value = app
        .client
        .post(app.url("/api/clerk_settings"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        settings["ui_script_url"],
        "/__clerk/npm/@clerk/ui@1/dist/ui.browser.js"
    );
    assert_eq!(
        settings["script_url"],
        "/__clerk/npm/@clerk/clerk-js@6/dist/clerk.browser.js"
    );
}

mod console {
    //! The console's admin endpoints: same-origin JSON only, and changes made
    //! there reach the user's next token and the webhook outbox.

    use super::*;
    use clerk_dev::store;

    fn post(app: &TestApp, path: &str) -> reqwest::RequestBuilder {
        app.client
            .post(app.url(path))
            .header(header::ORIGIN, format!("http://{}", app.addr))
            .header(header::CONTENT_TYPE, "application/json")
    }

    async fn token_for(app: &TestApp, email: &str, password: &str) -> (String, String) {
        let signed_in = app.sign_in(email, password).await;
        (signed_in.client_cookie, signed_in.session_id)
    }

    async fn claims(app: &TestApp, cookie: &str, sid: &str) -> reqwest::Response {
        app.client
            .post(app.url(&format!("/__clerk/v1/client/sessions/{sid}/tokens")))
            .header(header::COOKIE, cookie)
            .send()
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn users_are_listed_with_role_plan_and_sessions() {
        let app = TestApp::spawn_with(sqlite_db().await, &[("CLERK_DEV_WEBHOOK_URL", "off")]).await;
        token_for(&app, "pro@inkpad.dev", "inkpad-pro-demo").await;
        let users: Value = app
            .get("/__clerk/console/api/users")
            .await
            .json()
            .await
            .unwrap();
        let summary: Vec<_> = users
            .as_array()
            .unwrap()
            .iter()
            .map(|u| {
                (
                    u["email"].as_str().unwrap(),
                    u["role"].as_str().unwrap(),
                    u["plan"].as_str().unwrap(),
                    u["sessions"].as_array().unwrap().len(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("admin@inkpad.dev", "admin", "pro", 0),
                ("pro@inkpad.dev", "member", "pro", 1),
                ("free@inkpad.dev", "member", "free", 0)
            ]
        );
    }

    #[tokio::test]
    async fn a_plan_change_reaches_the_next_token_and_the_outbox() {
        let app = TestApp::spawn_with(sqlite_db().await, &[("CLERK_DEV_WEBHOOK_URL", "off")]).await;
        let (cookie, sid) = token_for(&app, "free@inkpad.dev", "inkpad-free-demo").await;
        let user = store::find_by_email(&common::dev_store(&app.db), "free@inkpad.dev")
            .await
            .unwrap()
            .unwrap();
        let res = post(
            &app,
            &format!("/__clerk/console/api/users/{}/access", user.id),
        )
        .json(&json!({"plan": "pro", "role": "admin"}))
        .send()
        .await
        .unwrap();
        assert_eq!(res.status(), 200);

        let jwt = claims(&app, &cookie, &sid)
            .await
            .json::<Value>()
            .await
            .unwrap()["jwt"]
            .as_str()
            .unwrap()
            .to_owned();
        let me: Value = app
            .client
            .get(app.url("/api/session"))
            .bearer_auth(jwt)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            (me["role"].as_str(), me["plan"].as_str()),
            (Some("admin"), Some("pro")),
            "without signing out"
        );

        let events: Value = app
            .get("/__clerk/console/api/webhooks")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(events[0]["event_type"], "user.updated");
        assert_eq!(events[0]["subject_id"], user.id.as_str());
        let res = post(
            &app,
            &format!(
                "/__clerk/console/api/webhooks/{}/redeliver",
                events[0]["id"].as_str().unwrap()
            ),
        )
        .body("{}")
        .send()
        .await
        .unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(
            post(&app, "/__clerk/console/api/webhooks/msg_nope/redeliver")
                .body("{}")
                .send()
                .await
                .unwrap()
                .status(),
            404
        );
    }

    #[tokio::test]
    async fn a_revoked_session_can_mint_no_more_tokens() {
        let app = TestApp::spawn_with(sqlite_db().await, &[("CLERK_DEV_WEBHOOK_URL", "off")]).await;
        let (cookie, sid) = token_for(&app, "pro@inkpad.dev", "inkpad-pro-demo").await;
        assert_eq!(claims(&app, &cookie, &sid).await.status(), 200);
        let res = post(&app, &format!("/__clerk/console/api/sessions/{sid}/revoke"))
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.json::<Value>().await.unwrap()["status"], "revoked");
        assert_eq!(claims(&app, &cookie, &sid).await.status(), 401);
    }

    #[tokio::test]
    async fn writes_from_other_sites_are_refused() {
        let app = TestApp::spawn_with(sqlite_db().await, &[("CLERK_DEV_WEBHOOK_URL", "off")]).await;
        let user = store::find_by_email(&common::dev_store(&app.db), "free@inkpad.dev")
            .await
            .unwrap()
            .unwrap();
        let path = format!("/__clerk/console/api/users/{}/access", user.id);
        let attempts = [
            (
                app.bare_client
                    .post(app.url(&path))
                    .header(header::ORIGIN, "https://evil.example")
                    .json(&json!({"role": "admin"})),
                403,
            ),
            (
                app.bare_client
                    .post(app.url(&path))
                    .header("sec-fetch-site", "cross-site")
                    .json(&json!({"role": "admin"})),
                403,
            ),
            (
                app.bare_client
                    .post(app.url(&path))
                    .json(&json!({"role": "admin"})),
                403,
            ),
            // Same origin but not JSON: the handler cannot read it.
            (
                app.client
                    .post(app.url(&path))
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body("role=admin"),
                415,
            ),
        ];
        for (attempt, status) in attempts {
            assert_eq!(attempt.send().await.unwrap().status(), status);
        }
        let after = store::get_user(&common::dev_store(&app.db), &user.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(after.public_metadata["role"], "member", "nothing changed");
    }
}

#[tokio::test]
async fn the_instance_refuses_to_start_in_production() {
    // Configuration already refuses production without keys; even if keys
    // went missing after that check, the instance itself says no.
    let clerk = common::TestClerk::get();
    let mut config = inkpad::config::Config::from_lookup(|name| match name {
        "APP_ENV" => Some("production".into()),
        "CLERK_PUBLISHABLE_KEY" => Some(clerk.publishable_key.as_str().into()),
        "CLERK_SECRET_KEY" => Some("sk_live_0123456789abcdefghij".into()),
        _ => None,
    })
    .unwrap();
    config.clerk.publishable_key = None;
    let test_db = sqlite_db().await;
    let started = inkpad::dev_instance::start_if_unconfigured(
        &mut config,
        &test_db.db,
        "127.0.0.1:3000".parse().unwrap(),
        &reqwest::Client::new(),
    )
    .await;
    assert!(matches!(
        started,
        Err(inkpad::dev_instance::StartError::Production)
    ));
    // Not even its tables: the instance migrates its store only once it
    // is allowed to run.
    let (tables,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name LIKE 'clerk_dev_%'",
    )
    .fetch_one(test_db.db.pool())
    .await
    .unwrap();
    assert_eq!(tables, 0, "nothing was generated");
}

/// `scripts/dev` ends its start-up with where everything is: the app, the
/// development instance's console and the demo accounts to sign in with —
/// and a server with real Clerk keys prints none of it.
#[tokio::test]
async fn the_development_server_says_where_it_is_and_how_to_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("app.db").display());
    let server = common::Server::start(&[
        ("DATABASE_URL", db.as_str()),
        ("CLERK_DEV_WEBHOOK_URL", "off"),
    ])
    .await;
    let console = format!("http://{}/__clerk/", server.addr);
    let output = common::eventually("the banner", 10, || async {
        let output = server.output();
        output.contains("Demo accounts").then_some(output)
    })
    .await;
    assert!(
        output.contains(&format!("Inkpad            http://{}", server.addr)),
        "{output}"
    );
    assert!(
        output.contains(&format!("Clerk console     {console}")),
        "{output}"
    );
    for (email, password) in [
        ("admin@inkpad.dev", "inkpad-admin-demo"),
        ("pro@inkpad.dev", "inkpad-pro-demo"),
        ("free@inkpad.dev", "inkpad-free-demo"),
    ] {
        let line = output
            .lines()
            .find(|l| l.contains(email))
            .unwrap_or_else(|| panic!("{email} listed: {output}"));
        assert!(line.contains(password), "{line}");
    }
    // The console it names answers.
    let res = reqwest::get(&console).await.unwrap();
    assert_eq!(res.status(), 200);

    let clerk = common::TestClerk::get();
    let with_keys = common::Server::start(&[
        ("DATABASE_URL", db.as_str()),
        ("CLERK_PUBLISHABLE_KEY", clerk.publishable_key.as_str()),
        ("CLERK_JWT_KEY", &clerk.key.public_pem()),
    ])
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let output = with_keys.output();
    assert!(!output.contains("Demo accounts"), "{output}");
    assert!(!output.contains("inkpad-admin-demo"), "{output}");
}

#[tokio::test]
async fn clerks_official_builds_are_served_at_the_entry_paths_and_their_chunks_beside_them() {
    let dir = tempfile::tempdir().unwrap();
    let install = |name: &str, file: &str, body: &str| {
        let dist = dir.path().join("@clerk").join(name).join("dist");
        std::fs::create_dir_all(&dist).unwrap();
        std::fs::write(dist.join(file), body).unwrap();
    };
    install("ui@1.36.0", "signin_ui_1.36.0.js", "window.__chunk = 1;");
    install(
        "clerk-js@6.40.0",
        "clerk.browser.js",
        "window.__official = 6;",
    );
    let env = [("CLERK_DEV_BUNDLES_DIR", dir.path().to_str().unwrap())];

    // clerk-js without @clerk/ui could mount no widget: the instance keeps
    // its own script at both entry paths.
    let app = TestApp::spawn_with(common::sqlite_db().await, &env).await;
    let entry = "/__clerk/npm/@clerk/clerk-js@6/dist/clerk.browser.js";
    assert!(app
        .get(entry)
        .await
        .text()
        .await
        .unwrap()
        .contains("window.Clerk = Clerk"));
    drop(app);

    install(
        "ui@1.36.0",
        "ui.browser.js",
        "window.__internal_ClerkUICtor = 1;",
    );
    let app = TestApp::spawn_with(common::sqlite_db().await, &env).await;
    for (path, body) in [
        (entry, "window.__official = 6;"),
        (
            "/__clerk/npm/@clerk/ui@1/dist/ui.browser.js",
            "window.__internal_ClerkUICtor = 1;",
        ),
    ] {
        let res = app.get(path).await;
        assert_eq!(res.status(), 200, "{path}");
        // The entry paths name no exact version: browsers revalidate them.
        assert_eq!(res.headers()[header::CACHE_CONTROL], "no-cache", "{path}");
        assert!(res.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .contains("javascript"));
        assert_eq!(res.text().await.unwrap(), body);
    }
    // Chunks at their versioned paths, which never change.
    let res = app
        .get("/__clerk/npm/@clerk/ui@1.36.0/dist/signin_ui_1.36.0.js")
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(res.text().await.unwrap(), "window.__chunk = 1;");
    // Missing files and escapes from the directory are not found (and a
    // 404 is not cached as if it were a build).
    for path in [
        "/__clerk/npm/@clerk/ui@1.36.0/dist/nope.js",
        "/__clerk/npm/@clerk/ui@1.36.0/../../../Cargo.toml",
        "/__clerk/npm/%2e%2e/%2e%2e/Cargo.toml",
    ] {
        let res = app.get(path).await;
        assert_eq!(res.status(), 404, "{path}");
        assert!(
            res.headers()
                .get(header::CACHE_CONTROL)
                .is_none_or(|c| c != "public, max-age=31536000, immutable"),
            "{path}"
        );
    }
}
