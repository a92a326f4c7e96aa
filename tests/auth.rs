//! Authentication and authorization over real HTTP: token sources, the route
//! policy, the handshake, defence in depth and the SSR auth snapshot.

mod common;

use common::{sqlite_db, TestApp, TestClerk};
use inkpad::{
    auth::Policy,
    clerk::{backend::API_VERSION, verify::unix_now},
    db::users::{self, UserRecord},
    model::{Plan, Role},
};
use reqwest::{header, Response};
use serde_json::{json, Value};

fn cookie(token: &str, uat: i64) -> String {
    format!("__session={token}; __client_uat={uat}")
}

async fn get(app: &TestApp, path: &str, headers: &[(&str, String)]) -> Response {
    let mut req = app.client.get(app.url(path));
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    req.send().await.unwrap()
}

fn page() -> (&'static str, String) {
    ("accept", "text/html,application/xhtml+xml".into())
}

fn location(res: &Response) -> String {
    res.headers()[header::LOCATION].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn protected_api_without_a_session_is_401_json() {
    let app = TestApp::spawn_with_clerk().await;
    let res = app.get("/api/session").await;
    assert_eq!(res.status(), 401);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "Unauthenticated");
}

#[tokio::test]
async fn a_bearer_token_or_session_cookie_signs_the_caller_in() {
    let app = TestApp::spawn_with_clerk().await;
    let clerk = TestClerk::get();
    let mut record = UserRecord {
        id: "user_ada".into(),
        email: Some("ada@example.com".into()),
        first_name: Some("Ada".into()),
        last_name: Some("Lovelace".into()),
        image_url: None,
        // The database copy lags behind: the token decides role and plan.
        role: Role::Member,
        plan: Plan::Free,
        event_at: 1,
    };
    users::apply_upsert(&mut app.db.acquire().await.unwrap(), &record)
        .await
        .unwrap();
    record.event_at = 2;

    let token = clerk.admin("user_ada");
    let res = get(
        &app,
        "/api/session",
        &[("authorization", format!("Bearer {token}"))],
    )
    .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body,
        json!({
            "user_id": "user_ada", "session_id": "sess_user_ada", "role": "admin", "plan": "pro",
            "first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com", "image_url": null,
            "permissions": [], "org": null, "features": [], "plans": []
        })
    );

    // A v2 token with an active organization: the browser learns the
    // organization, its role, the decoded permissions and the features.
    let in_org = clerk.token(
        "user_ada",
        json!({
            "v": 2, "fea": "u:export,o:posts",
            "o": {"id": "org_acme", "slg": "acme", "rol": "member", "per": "read,create,manage", "fpm": "3"}
        }),
    );
    let res = get(
        &app,
        "/api/session",
        &[("authorization", format!("Bearer {in_org}"))],
    )
    .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body["org"],
        json!({"id": "org_acme", "slug": "acme", "role": "org:member"})
    );
    assert_eq!(
        body["permissions"],
        json!(["org:posts:read", "org:posts:create"])
    );
    assert_eq!(body["features"], json!(["u:export", "o:posts"]));

    let res = get(
        &app,
        "/api/session",
        &[("cookie", cookie(&token, unix_now() - 5))],
    )
    .await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn bearer_wins_over_cookies_and_never_falls_back() {
    let app = TestApp::spawn_with_clerk().await;
    let clerk = TestClerk::get();
    let good = clerk.member("user_1");
    let bad = "eyJhbGciOiJSUzI1NiJ9.e30.c2ln";
    let res = get(
        &app,
        "/api/session",
        &[
            ("authorization", format!("Bearer {bad}")),
            ("cookie", cookie(&good, unix_now())),
        ],
    )
    .await;
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn the_suffixed_session_cookie_is_read() {
    let app = TestApp::spawn_with_clerk().await;
    let clerk = TestClerk::get();
    let suffix = inkpad::auth::request::cookie_suffix(clerk.publishable_key.as_str());
    let token = clerk.member("user_1");
    let res = get(
        &app,
        "/api/session",
        &[(
            "cookie",
            format!(
                "__session_{suffix}={token}; __client_uat_{suffix}={}",
                unix_now() - 1
            ),
        )],
    )
    .await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn bad_tokens_are_simply_signed_out_and_never_explained() {
    let app = TestApp::spawn_with_clerk().await;
    let clerk = TestClerk::get();
    let forged = inkpad::clerk::mint::SigningKey::generate("ins_evil")
        .unwrap()
        .sign(&clerk.claims("user_1", json!({})));
    for token in [
        forged,
        clerk.token(
            "user_1",
            json!({"exp": unix_now() - 600, "iat": unix_now() - 700}),
        ),
    ] {
        let res = get(
            &app,
            "/api/session",
            &[("authorization", format!("Bearer {token}"))],
        )
        .await;
        assert_eq!(res.status(), 401);
        let body = res.text().await.unwrap();
        assert!(
            !body.contains("signature") && !body.contains("expired"),
            "{body}"
        );
    }
}

#[tokio::test]
async fn protected_pages_redirect_to_sign_in_whatever_the_path_disguise() {
    let app = TestApp::spawn_with_clerk().await;
    for path in [
        "/dashboard",
        "/Dashboard",
        "/dashboard/",
        "//dashboard",
        "/%64ashboard",
        "/dashboard/posts?x=1",
    ] {
        let res = get(&app, path, &[page()]).await;
        assert_eq!(res.status(), 307, "{path}");
        let to = location(&res);
        assert!(to.starts_with("/sign-in?redirect_url=%2F"), "{path} → {to}");
        assert_eq!(res.headers()[header::CACHE_CONTROL], "no-store");
    }
    let res = get(&app, "/dashboard/posts?x=1", &[page()]).await;
    assert_eq!(
        location(&res),
        "/sign-in?redirect_url=%2Fdashboard%2Fposts%3Fx%3D1"
    );
    // Not part of /dashboard/*: its own (missing) page.
    assert_eq!(get(&app, "/dashboardxyz", &[page()]).await.status(), 404);
}

#[tokio::test]
async fn roles_and_plans_are_enforced_for_pages_and_apis() {
    let app = TestApp::spawn_with_clerk().await;
    let clerk = TestClerk::get();
    let bearer = |t: String| vec![("authorization", format!("Bearer {t}")), page()];
    let member = bearer(clerk.member("user_m"));

    let res = get(&app, "/admin", &member).await;
    assert_eq!(
        (res.status().as_u16(), location(&res)),
        (307, "/unauthorized".into())
    );

    let res = get(&app, "/api/admin/users", &member[..1]).await;
    assert_eq!(res.status(), 403);
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "Forbidden");

    let res = get(&app, "/api/premium/generate", &member[..1]).await;
    assert_eq!(res.status(), 403);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"],
        "Upgrade required"
    );

    // Admins and Pro users get past the layer to the handlers.
    let admin = bearer(clerk.admin("user_a"));
    assert_eq!(
        get(&app, "/api/admin/users", &admin[..1]).await.status(),
        200
    );
    let pro = bearer(clerk.pro("user_p"));
    assert_eq!(
        get(&app, "/api/premium/generate", &pro[..1]).await.status(),
        405,
        "the export is a POST"
    );
}

#[tokio::test]
async fn the_unauthorized_page_explains_itself() {
    let app = TestApp::spawn_with_clerk().await;
    let res = get(&app, "/unauthorized", &[page()]).await;
    assert_eq!(res.status(), 403);
    let html = res.text().await.unwrap();
    assert!(html.contains("have access to that page"), "{html}");
}

#[tokio::test]
async fn page_loads_with_stale_cookies_go_through_the_handshake() {
    let app = TestApp::spawn_with_clerk().await;
    let clerk = TestClerk::get();
    let now = unix_now();
    let expired = clerk.token(
        "user_1",
        json!({"iat": now - 120, "nbf": now - 130, "exp": now - 60}),
    );
    let older_than_uat = clerk.token("user_1", json!({"iat": now - 30}));

    let cases = [
        (
            "client says signed in, no session cookie",
            format!("__client_uat={now}"),
            "client-uat-but-no-session-token",
        ),
        (
            "expired session cookie",
            cookie(&expired, now - 200),
            "session-token-expired",
        ),
        (
            "token older than the client's last change",
            cookie(&older_than_uat, now - 5),
            "session-token-iat-before-client-uat",
        ),
    ];
    for (what, cookies, reason) in cases {
        let res = get(&app, "/", &[page(), ("cookie", cookies.clone())]).await;
        assert_eq!(res.status(), 307, "{what}");
        let to = location(&res);
        let expected = format!(
            "{}/v1/client/handshake?redirect_url=http%3A%2F%2F{}%2F\
             &__clerk_api_version={API_VERSION}&suffixed_cookies=true&__clerk_hs_reason={reason}",
            TestClerk::ISSUER,
            app.addr.to_string().replace(':', "%3A")
        );
        assert_eq!(to, expected, "{what}");
        assert_eq!(res.headers()[header::CACHE_CONTROL], "no-store");
        let set_cookie = res.headers()[header::SET_COOKIE].to_str().unwrap();
        assert!(
            set_cookie.starts_with("__clerk_redirect_count=1;"),
            "{set_cookie}"
        );

        // The same request from a script (not a page load) is just signed out.
        let res = get(&app, "/api/session", &[("cookie", cookies)]).await;
        assert_eq!(res.status(), 401, "{what}");
    }
}

#[tokio::test]
async fn the_handshake_stops_after_three_redirects_and_never_for_bearer() {
    let app = TestApp::spawn_with_clerk().await;
    let clerk = TestClerk::get();
    let now = unix_now();
    let looping = format!("__client_uat={now}; __clerk_redirect_count=3");
    let res = get(&app, "/dashboard", &[page(), ("cookie", looping)]).await;
    assert_eq!(res.status(), 307);
    assert!(
        location(&res).starts_with("/sign-in?"),
        "loop broken: signed out instead"
    );

    let count_two = format!("__client_uat={now}; __clerk_redirect_count=2");
    let res = get(&app, "/", &[page(), ("cookie", count_two)]).await;
    assert!(res.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .starts_with("__clerk_redirect_count=3;"));

    let expired = clerk.token(
        "user_1",
        json!({"iat": now - 120, "nbf": now - 130, "exp": now - 60}),
    );
    let res = get(
        &app,
        "/",
        &[page(), ("authorization", format!("Bearer {expired}"))],
    )
    .await;
    assert_eq!(
        res.status(),
        200,
        "a Bearer token never triggers a handshake"
    );

    // Signed out cleanly: no cookies at all.
    assert_eq!(get(&app, "/", &[page()]).await.status(), 200);
}

#[tokio::test]
async fn handlers_refuse_even_when_the_route_policy_forgets_them() {
    let clerk = TestClerk::get();
    let app = TestApp::spawn_full(sqlite_db().await, &clerk.env(), Policy::none()).await;
    // No layer verdict now: the extractor in the handler is the only guard.
    let res = app.get("/api/session").await;
    assert_eq!(res.status(), 401);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"],
        "Unauthenticated"
    );
    let token = clerk.member("user_1");
    let res = get(
        &app,
        "/api/session",
        &[("authorization", format!("Bearer {token}"))],
    )
    .await;
    assert_eq!(res.status(), 200);
}

/// Islands: the page is the server's HTML, rendered whole before it is
/// sent, with the data its islands start from. A value only the browser
/// can fill in (the organization's name and head count) must not hold the
/// render back: the dashboard of a caller with an organization active once
/// came out as its "Loading…" fallback, with no auth state for the islands.
#[tokio::test]
async fn a_dashboard_with_an_organization_active_is_rendered_whole() {
    let app = TestApp::spawn_with_clerk().await;
    let clerk = TestClerk::get();
    let in_org = clerk.token(
        "user_ada",
        json!({
            "metadata": {"role": "admin", "plan": "pro"},
            "o": {"id": "org_acme", "slg": "acme", "rol": "admin", "per": "read,create,manage", "fpm": "7"}
        }),
    );
    let res = get(
        &app,
        "/dashboard",
        &[page(), ("cookie", cookie(&in_org, unix_now() - 1))],
    )
    .await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("In the organization acme: its members"),
        "{html}"
    );
    assert!(html.contains(r#"data-testid="no-posts""#), "{html}");
    assert!(!html.contains("Loading your posts"), "{html}");
    for island in ["AuthRuntime_", "AccountMenu_", "Posts_", "Hydrated_"] {
        assert!(
            html.contains(&format!(r#"<leptos-island data-component="{island}"#)),
            "{island}: {html}"
        );
    }
}

/// The islands' auth state asks the server again as a browser's `fetch`
/// does (`leptos_clerk::ClerkIslands`: a same-origin `POST` with an empty
/// form body and the session cookie) and reads the answer as JSON of the
/// caller, `null` when signed out: the server function must answer that
/// request so, or a Clerk change would never reach the page.
#[tokio::test]
async fn the_auth_state_asks_again_with_a_plain_fetch() {
    let app = TestApp::spawn_with_clerk().await;
    let ask = |cookies: Option<String>| {
        let mut req = app
            .client
            .post(app.url("/api/current_user"))
            .header("origin", app.origin())
            .header("accept", "application/json")
            .header("content-type", "application/x-www-form-urlencoded")
            .body("");
        if let Some(cookies) = cookies {
            req = req.header("cookie", cookies);
        }
        req.send()
    };
    let res = ask(None).await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap(), Value::Null);

    let token = TestClerk::get().member("user_ada");
    let res = ask(Some(cookie(&token, unix_now() - 1))).await.unwrap();
    assert_eq!(res.status(), 200);
    let me: Option<inkpad::model::AuthSnapshot> = res.json().await.unwrap();
    let me = me.expect("signed in");
    assert_eq!(me.user_id, "user_ada");
    assert_eq!(me.role, Role::Member);
}

#[tokio::test]
async fn server_rendered_pages_carry_the_public_identity_and_no_secrets() {
    let app = TestApp::spawn_with_clerk().await;
    let clerk = TestClerk::get();
    users::apply_upsert(
        &mut app.db.acquire().await.unwrap(),
        &UserRecord {
            id: "user_grace".into(),
            email: Some("grace@example.com".into()),
            first_name: Some("Grace".into()),
            last_name: Some("Hopper".into()),
            image_url: None,
            role: Role::Member,
            plan: Plan::Free,
            event_at: 1,
        },
    )
    .await
    .unwrap();
    let token = clerk.pro("user_grace");
    let res = get(
        &app,
        "/",
        &[page(), ("cookie", cookie(&token, unix_now() - 1))],
    )
    .await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(
        html.contains(r#"class="signed-in-as">Grace Hopper"#),
        "rendered signed in: {html}"
    );
    assert!(
        html.contains("user_grace"),
        "the snapshot is in the hydration payload"
    );
    assert!(
        !html.contains(&token),
        "the session token never goes into HTML"
    );
    let signature = token.rsplit('.').next().unwrap();
    assert!(!html.contains(signature));

    let html = get(&app, "/", &[page()]).await.text().await.unwrap();
    assert!(
        html.contains(">Sign in<") && !html.contains("signed-in-as"),
        "signed out: {html}"
    );
}

#[tokio::test]
async fn clerk_unreachable_is_503_for_protected_routes_and_signed_out_for_public_ones() {
    let clerk = TestClerk::get();
    // JWKS from a Backend API that does not answer; no networkless key.
    let env = [
        ("CLERK_PUBLISHABLE_KEY", clerk.publishable_key.as_str()),
        ("CLERK_SECRET_KEY", "sk_live_unreachableunreachable"),
        ("CLERK_API_URL", "http://127.0.0.1:9"),
    ];
    let app = TestApp::spawn_with(sqlite_db().await, &env).await;
    let token = clerk.member("user_1");
    let res = get(
        &app,
        "/api/session",
        &[("authorization", format!("Bearer {token}"))],
    )
    .await;
    assert_eq!(res.status(), 503);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"],
        "Service unavailable"
    );
    let res = get(
        &app,
        "/",
        &[page(), ("authorization", format!("Bearer {token}"))],
    )
    .await;
    assert_eq!(res.status(), 200, "public pages still render");
}

#[tokio::test]
async fn a_signed_handshake_result_sets_its_cookies_and_returns_to_the_page() {
    let app = TestApp::spawn_with_clerk().await;
    let clerk = TestClerk::get();
    let session = clerk.member("user_1");
    let now = unix_now();
    let payload = json!({
        "handshake": [
            format!("__session={session}; Path=/; SameSite=Lax"),
            format!("__client_uat={now}; Path=/; Max-Age=315360000; SameSite=Lax"),
        ],
        "exp": now + 60,
    });
    let handshake = clerk.key.sign(&payload);

    let res = get(
        &app,
        &format!("/dashboard?tab=posts&__clerk_handshake={handshake}&__clerk_help=1"),
        &[page()],
    )
    .await;
    assert_eq!(res.status(), 307);
    assert_eq!(location(&res), "/dashboard?tab=posts");
    assert_eq!(res.headers()[header::CACHE_CONTROL], "no-store");
    let set: Vec<_> = res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert_eq!(set.len(), 4, "{set:?}");
    assert!(set[0].starts_with(&format!("__session={session};")));
    assert!(set[1].starts_with(&format!("__client_uat={now};")));
    assert_eq!(set[2], "__clerk_handshake=; Path=/; Max-Age=0");
    assert_eq!(set[3], "__clerk_handshake_nonce=; Path=/; Max-Age=0");

    // The same result as a cookie (production instances) works alike.
    let res = get(
        &app,
        "/",
        &[page(), ("cookie", format!("__clerk_handshake={handshake}"))],
    )
    .await;
    assert_eq!((res.status().as_u16(), location(&res)), (307, "/".into()));

    // A payload signed by anyone else is ignored: no cookies are set.
    let forged = inkpad::clerk::mint::SigningKey::generate("ins_evil")
        .unwrap()
        .sign(&payload);
    let res = get(&app, &format!("/?__clerk_handshake={forged}"), &[page()]).await;
    assert_eq!(res.status(), 200);
    assert!(res.headers().get(header::SET_COOKIE).is_none());
    let expired = clerk
        .key
        .sign(&json!({"handshake": payload["handshake"], "exp": now - 600}));
    let res = get(&app, &format!("/?__clerk_handshake={expired}"), &[page()]).await;
    assert!(res.headers().get(header::SET_COOKIE).is_none());
}

/// A verified token is remembered, but never past its expiry: the second
/// use is served from the cache, and after `exp` the same token is refused.
#[tokio::test]
async fn remembered_tokens_still_expire_on_time() {
    let clerk = TestClerk::get();
    let mut env = clerk.env();
    env.push(("CLERK_CLOCK_SKEW_SECS", "0"));
    let app = TestApp::spawn_with(sqlite_db().await, &env).await;
    let now = unix_now();
    let token = clerk.token("user_brief", json!({"exp": now + 2, "iat": now}));
    let session = || {
        app.client
            .get(app.url("/api/session"))
            .bearer_auth(&token)
            .send()
    };
    assert_eq!(session().await.unwrap().status(), 200);
    assert_eq!(session().await.unwrap().status(), 200, "from the cache");
    tokio::time::sleep(std::time::Duration::from_millis(3_100)).await;
    assert_eq!(
        session().await.unwrap().status(),
        401,
        "expired, cached or not"
    );
}

/// Development keys, with the frontend API on another site: page loads
/// follow Clerk's dev browser rules before looking at the session.
mod dev_browser {
    use super::*;

    async fn app() -> TestApp {
        TestApp::spawn_with(sqlite_db().await, &TestClerk::get().development_env()).await
    }

    /// The handshake a response sends the browser to, as its parameters.
    fn handshake_params(res: &Response) -> Vec<(String, String)> {
        let to = location(res);
        let (base, query) = to.split_once('?').expect("a query");
        assert_eq!(base, format!("{}/v1/client/handshake", TestClerk::ISSUER));
        url::form_urlencoded::parse(query.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    #[tokio::test]
    async fn a_page_load_without_a_dev_browser_gets_one_through_the_handshake() {
        let app = app().await;
        let res = get(&app, "/pricing", &[page()]).await;
        assert_eq!(res.status(), 307);
        let params = handshake_params(&res);
        assert_eq!(
            param(&params, "__clerk_hs_reason"),
            Some("dev-browser-missing")
        );
        assert_eq!(param(&params, "__clerk_db_jwt"), None, "none to forward");
        assert_eq!(
            param(&params, "redirect_url"),
            Some(app.url("/pricing").as_str())
        );
        // No secret key here, so no Backend API to redeem a nonce with.
        assert_eq!(param(&params, "format"), None);

        // Scripts' requests are never sent anywhere.
        let res = get(&app, "/api/session", &[]).await;
        assert_eq!(res.status(), 401);

        // With one, the page is served (signed out).
        let res = get(
            &app,
            "/pricing",
            &[page(), ("cookie", "__clerk_db_jwt=dvb_1".into())],
        )
        .await;
        assert_eq!(res.status(), 200);
    }

    #[tokio::test]
    async fn a_dev_browser_in_the_url_is_synced_and_dropped_from_the_way_back() {
        let app = app().await;
        let res = get(
            &app,
            "/pricing?plan=pro&__clerk_db_jwt=dvb_from_url",
            &[page(), ("cookie", "__clerk_db_jwt=dvb_old".into())],
        )
        .await;
        assert_eq!(res.status(), 307);
        let params = handshake_params(&res);
        assert_eq!(
            param(&params, "__clerk_hs_reason"),
            Some("dev-browser-sync")
        );
        assert_eq!(param(&params, "__clerk_db_jwt"), Some("dvb_from_url"));
        assert_eq!(
            param(&params, "redirect_url"),
            Some(app.url("/pricing?plan=pro").as_str()),
            "the way back no longer carries it"
        );
    }

    #[tokio::test]
    async fn stale_sessions_forward_the_dev_browser_the_browser_keeps() {
        let app = app().await;
        let clerk = TestClerk::get();
        let now = unix_now();
        let expired = clerk.token(
            "user_1",
            json!({"iat": now - 120, "nbf": now - 130, "exp": now - 60}),
        );
        let suffix = inkpad::auth::request::cookie_suffix(clerk.development_key.as_str());
        let cookies = format!(
            "{}; __clerk_db_jwt_{suffix}=dvb_suffixed; __clerk_db_jwt=dvb_plain",
            cookie(&expired, now - 200)
        );
        let res = get(&app, "/dashboard", &[page(), ("cookie", cookies)]).await;
        assert_eq!(res.status(), 307);
        let params = handshake_params(&res);
        assert_eq!(
            param(&params, "__clerk_hs_reason"),
            Some("session-token-expired")
        );
        assert_eq!(param(&params, "__clerk_db_jwt"), Some("dvb_suffixed"));

        // A fresh session with a dev browser is simply signed in.
        let fresh = clerk.member("user_1");
        let cookies = format!("{}; __clerk_db_jwt=dvb_plain", cookie(&fresh, now - 5));
        let res = get(&app, "/api/session", &[("cookie", cookies)]).await;
        assert_eq!(res.status(), 200);
    }

    #[tokio::test]
    async fn nonsense_dev_browsers_are_never_forwarded_or_echoed() {
        let app = app().await;
        for bad in ["%3Cscript%3E", "a%22b", "x%0Ay"] {
            let res = get(
                &app,
                &format!("/pricing?__clerk_db_jwt={bad}"),
                &[page(), ("cookie", format!("__clerk_db_jwt={bad}"))],
            )
            .await;
            assert_eq!(res.status(), 307, "{bad}");
            let to = location(&res);
            let params = handshake_params(&res);
            assert_eq!(
                param(&params, "__clerk_hs_reason"),
                Some("dev-browser-missing"),
                "{bad}"
            );
            assert_eq!(param(&params, "__clerk_db_jwt"), None, "{bad}");
            assert!(!to.contains(bad), "{to}");
        }
    }

    #[tokio::test]
    async fn the_loop_guard_still_stops_dev_browser_handshakes() {
        let app = app().await;
        let res = get(
            &app,
            "/pricing",
            &[page(), ("cookie", "__clerk_redirect_count=3".into())],
        )
        .await;
        assert_eq!(res.status(), 200, "served signed out after three tries");
    }

    #[tokio::test]
    async fn a_handshake_sets_only_clerks_cookies() {
        let app = app().await;
        let clerk = TestClerk::get();
        let now = unix_now();
        let payload = json!({
            "handshake": [
                format!("__session={}; Path=/; SameSite=Lax", clerk.member("user_1")),
                "__clerk_db_jwt=dvb_new; Path=/; SameSite=Lax",
                "__clerk_db_jwt_abcd-_12=dvb_new; Path=/; SameSite=Lax",
                "theme=evil; Path=/",
                "__session_=x; Path=/",
                "__Host-app=1; Path=/; Secure",
            ],
            "exp": now + 60,
        });
        let token = clerk.key.sign(&payload);
        let res = get(
            &app,
            &format!("/pricing?__clerk_db_jwt=dvb_new&__clerk_handshake={token}"),
            &[page()],
        )
        .await;
        assert_eq!(res.status(), 307);
        assert_eq!(location(&res), "/pricing");
        let set: Vec<String> = res
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().split('=').next().unwrap().to_owned())
            .collect();
        assert_eq!(
            set,
            [
                "__session",
                "__clerk_db_jwt",
                "__clerk_db_jwt_abcd-_12",
                "__clerk_handshake",
                "__clerk_handshake_nonce"
            ]
        );
    }
}

#[tokio::test]
async fn a_signed_in_visitor_of_the_sign_in_and_sign_up_pages_goes_on_to_a_page_of_this_site() {
    let app = TestApp::spawn_with_clerk().await;
    let signed_in = cookie(&TestClerk::get().member("user_onward"), unix_now() - 5);
    for (path, to) in [
        ("/sign-in?redirect_url=%2Fpremium", "/premium"),
        (
            "/sign-in/reset-password-success?createdSessionId=sess_1&redirect_url=%2Fdashboard",
            "/dashboard",
        ),
        ("/sign-up", "/dashboard"),
        // Never away from this site, and never back to these pages.
        (
            "/sign-in?redirect_url=https%3A%2F%2Fevil.example",
            "/dashboard",
        ),
        ("/sign-in?redirect_url=%2F%2Fevil.example", "/dashboard"),
        ("/sign-in?redirect_url=%2Fsign-in", "/dashboard"),
    ] {
        let res = get(&app, path, &[page(), ("cookie", signed_in.clone())]).await;
        assert_eq!(res.status(), 302, "{path}");
        assert_eq!(location(&res), to, "{path}");
    }
    // Signed out, the form.
    let res = get(&app, "/sign-in?redirect_url=%2Fpremium", &[page()]).await;
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("Welcome back"));
}
