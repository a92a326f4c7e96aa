//! The JSON API over real HTTP: posts and their ownership, the premium
//! export, the admin operations, and every handler refusing on its own.

mod common;

use common::{eventually, sqlite_db, stub_clerk::StubBackendApi, TestApp, TestClerk, TestDb};
use inkpad::{auth::Policy, db::users};
use reqwest::{Method, Response, StatusCode};
use serde_json::{json, Value};

async fn spawn(test_db: TestDb, policy: Policy) -> TestApp {
    TestApp::spawn_full(test_db, &TestClerk::get().env(), policy).await
}

async fn json(res: Response) -> (StatusCode, Value) {
    let status = res.status();
    let body = res.json().await.unwrap_or(Value::Null);
    (status, body)
}

async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = app.request(method, path, token);
    if let Some(body) = body {
        req = req.json(&body);
    }
    json(req.send().await.unwrap()).await
}

async fn create_post(app: &TestApp, token: &str, title: &str) -> Value {
    let (status, post) = call(
        app,
        Method::POST,
        "/api/protected/posts",
        Some(token),
        Some(json!({"title": title, "content": "Some words worth keeping."})),
    )
    .await;
    assert_eq!(status, 201, "{post}");
    post
}

fn assert_error(status: StatusCode, body: &Value, expected: u16, error: &str) {
    assert_eq!(status.as_u16(), expected, "{body}");
    assert_eq!(body["error"], error, "{body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
}

/// Every protected endpoint, with a body it would accept.
fn protected_endpoints() -> Vec<(Method, &'static str, Option<Value>)> {
    vec![
        (Method::GET, "/api/user/profile", None),
        (Method::GET, "/api/user/export", None),
        (Method::GET, "/api/protected/posts", None),
        (
            Method::POST,
            "/api/protected/posts",
            Some(json!({"title": "t", "content": "c"})),
        ),
        (Method::GET, "/api/protected/posts/1", None),
        (
            Method::PATCH,
            "/api/protected/posts/1",
            Some(json!({"title": "t"})),
        ),
        (Method::DELETE, "/api/protected/posts/1", None),
        (Method::GET, "/api/admin/users", None),
        (
            Method::POST,
            "/api/admin/users/user_x/role",
            Some(json!({"role": "admin"})),
        ),
        (
            Method::POST,
            "/api/admin/users/user_x/plan",
            Some(json!({"plan": "pro"})),
        ),
        (Method::GET, "/api/admin/audit", None),
        (Method::POST, "/api/premium/generate", None),
    ]
}

async fn strangers_get_401_everywhere(app: &TestApp) {
    for (method, path, body) in protected_endpoints() {
        let (status, res) = call(app, method.clone(), path, None, body.clone()).await;
        assert_error(status, &res, 401, "Unauthenticated");
        let (status, res) = call(app, method, path, Some("not.a.token"), body).await;
        assert_eq!(status, 401, "{path} with a bad token: {res}");
    }
}

#[tokio::test]
async fn the_protected_api_without_a_session_is_401() {
    let app = spawn(sqlite_db().await, inkpad::auth::policy::app()).await;
    strangers_get_401_everywhere(&app).await;
}

async fn members_and_free_users_are_refused(app: &TestApp) {
    let clerk = TestClerk::get();
    let member = clerk.member("user_member");
    for (method, path, body) in protected_endpoints() {
        if path.starts_with("/api/admin/") {
            let (status, res) = call(app, method, path, Some(&member), body).await;
            assert_error(status, &res, 403, "Forbidden");
        }
    }
    let (status, res) = call(
        app,
        Method::POST,
        "/api/premium/generate",
        Some(&member),
        None,
    )
    .await;
    assert_error(status, &res, 403, "Upgrade required");
}

#[tokio::test]
async fn admin_routes_refuse_members_and_premium_refuses_the_free_plan() {
    let app = spawn(sqlite_db().await, inkpad::auth::policy::app()).await;
    members_and_free_users_are_refused(&app).await;
}

async fn someone_elses_post_is_403(app: &TestApp) {
    let clerk = TestClerk::get();
    let (alice, bob) = (clerk.member("user_alice"), clerk.member("user_bob"));
    let post = create_post(app, &alice, "Alice's").await;
    let path = format!("/api/protected/posts/{}", post["id"]);
    for (method, body) in [
        (Method::GET, None),
        (Method::PATCH, Some(json!({"title": "Bob was here"}))),
        (Method::DELETE, None),
    ] {
        let (status, res) = call(app, method, &path, Some(&bob), body).await;
        assert_error(status, &res, 403, "Forbidden");
    }
    let (status, kept) = call(app, Method::GET, &path, Some(&alice), None).await;
    assert_eq!((status.as_u16(), &kept), (200, &post), "unchanged");
}

#[tokio::test]
async fn handlers_refuse_on_their_own_without_the_route_policy() {
    let app = spawn(sqlite_db().await, Policy::none()).await;
    strangers_get_401_everywhere(&app).await;
    members_and_free_users_are_refused(&app).await;
    someone_elses_post_is_403(&app).await;
}

async fn posts_belong_to_their_author(test_db: TestDb) {
    let app = spawn(test_db, inkpad::auth::policy::app()).await;
    let clerk = TestClerk::get();
    let (alice, admin) = (clerk.member("user_alice"), clerk.admin("user_admin"));

    // The author is the caller: a body naming another is refused outright.
    let (status, refused) = call(
        &app,
        Method::POST,
        "/api/protected/posts",
        Some(&alice),
        Some(json!({"title": "First", "content": "Hello", "author_id": "user_mallory"})),
    )
    .await;
    assert_error(status, &refused, 422, "Invalid input");
    assert_eq!(
        refused["fields"]["author_id"],
        "This field is not accepted here."
    );
    let (status, post) = call(
        &app,
        Method::POST,
        "/api/protected/posts",
        Some(&alice),
        Some(json!({"title": "  First  ", "content": "Hello"})),
    )
    .await;
    assert_eq!(status, 201, "{post}");
    assert_eq!(
        (post["author_id"].as_str(), post["title"].as_str()),
        (Some("user_alice"), Some("First"))
    );
    create_post(&app, &alice, "Second").await;
    create_post(&app, &alice, "Third").await;
    create_post(&app, &admin, "Not Alice's").await;

    // Her own posts, newest first, paged.
    let (status, page) = call(
        &app,
        Method::GET,
        "/api/protected/posts?per_page=2",
        Some(&alice),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let titles: Vec<_> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Third", "Second"]);
    assert_eq!(
        (page["total"].as_i64(), page["page"].as_i64()),
        (Some(3), Some(1))
    );
    let (_, page2) = call(
        &app,
        Method::GET,
        "/api/protected/posts?per_page=2&page=2",
        Some(&alice),
        None,
    )
    .await;
    assert_eq!(page2["items"][0]["title"], "First");
    let (status, res) = call(
        &app,
        Method::GET,
        "/api/protected/posts?per_page=1000",
        Some(&alice),
        None,
    )
    .await;
    assert_error(status, &res, 400, "Bad request");

    // Bad input: a clear 422 naming the field, and nothing changes.
    let path = format!("/api/protected/posts/{}", post["id"]);
    for (body, field) in [
        (json!({"title": "   "}), "title"),
        (json!({"content": ""}), "content"),
        (json!({"title": "x".repeat(201)}), "title"),
        (json!({"title": "ok", "author_id": "user_bob"}), "author_id"),
    ] {
        let (status, res) = call(&app, Method::PATCH, &path, Some(&alice), Some(body)).await;
        assert_error(status, &res, 422, "Invalid input");
        assert!(res["fields"][field].as_str().is_some(), "{res}");
    }
    let res = app
        .request(Method::POST, "/api/protected/posts", Some(&alice))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    let (status, res) = json(res).await;
    assert_error(status, &res, 400, "Bad request");
    let (status, res) = call(
        &app,
        Method::GET,
        "/api/protected/posts/abc",
        Some(&alice),
        None,
    )
    .await;
    assert_error(status, &res, 400, "Bad request");
    let (_, unchanged) = call(&app, Method::GET, &path, Some(&alice), None).await;
    assert_eq!(unchanged, post);
    let (_, page) = call(
        &app,
        Method::GET,
        "/api/protected/posts",
        Some(&alice),
        None,
    )
    .await;
    assert_eq!(page["total"], 3, "no post was created by the bad requests");

    // The author edits; an admin may too; unknown ids are 404.
    let (status, edited) = call(
        &app,
        Method::PATCH,
        &path,
        Some(&alice),
        Some(json!({"content": "Hello again"})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        (edited["title"].as_str(), edited["content"].as_str()),
        (Some("First"), Some("Hello again"))
    );
    let (status, by_admin) = call(
        &app,
        Method::PATCH,
        &path,
        Some(&admin),
        Some(json!({"title": "Moderated"})),
    )
    .await;
    assert_eq!(
        (
            status.as_u16(),
            by_admin["title"].as_str(),
            by_admin["author_id"].as_str()
        ),
        (200, Some("Moderated"), Some("user_alice"))
    );
    let (status, res) = call(
        &app,
        Method::DELETE,
        "/api/protected/posts/999999",
        Some(&alice),
        None,
    )
    .await;
    assert_error(status, &res, 404, "Not found");

    someone_elses_post_is_403(&app).await;

    // Deleting: 204, then it is gone.
    let res = app
        .request(Method::DELETE, &path, Some(&alice))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let (status, _) = call(&app, Method::GET, &path, Some(&alice), None).await;
    assert_eq!(status, 404);

    // An unsupported method is a JSON 405, too.
    let (status, res) = call(&app, Method::PUT, &path, Some(&alice), None).await;
    assert_error(status, &res, 405, "Method not allowed");
}

async fn the_premium_export_is_for_the_pro_plan(test_db: TestDb) {
    let app = spawn(test_db, inkpad::auth::policy::app()).await;
    let clerk = TestClerk::get();
    // The same user, first on the free plan, then on pro.
    let (free, pro) = (clerk.member("user_writer"), clerk.pro("user_writer"));
    create_post(&app, &free, "On gardens").await;
    create_post(&app, &free, "On rivers").await;

    let (status, res) = call(
        &app,
        Method::POST,
        "/api/premium/generate",
        Some(&free),
        None,
    )
    .await;
    assert_error(status, &res, 403, "Upgrade required");

    let (status, export) = call(
        &app,
        Method::POST,
        "/api/premium/generate",
        Some(&pro),
        None,
    )
    .await;
    assert_eq!(status, 200, "{export}");
    assert_eq!(export["stats"]["posts"], 2);
    assert_eq!(export["stats"]["words"], 8);
    assert_eq!(export["stats"]["reading_minutes"], 1);
    let markdown = export["markdown"].as_str().unwrap();
    assert!(markdown.starts_with("# Inkpad export"), "{markdown}");
    assert!(markdown.find("## On gardens").unwrap() < markdown.find("## On rivers").unwrap());
    assert!(export["filename"].as_str().unwrap().ends_with(".md"));

    // Only the caller's posts are exported.
    let (_, other) = call(
        &app,
        Method::POST,
        "/api/premium/generate",
        Some(&clerk.pro("user_other")),
        None,
    )
    .await;
    assert_eq!(other["stats"]["posts"], 0);
}

/// Posts in an organization, as the verified token's `o` claim describes
/// it: shared by permission, never placed by the request body.
async fn organization_posts_are_shared_by_the_active_organizations_permissions(test_db: TestDb) {
    let app = spawn(test_db, inkpad::auth::policy::app()).await;
    let clerk = TestClerk::get();
    // `fpm` bits over `read,create,manage`: 7 all three, 3 read and create.
    let in_org = |user: &str, org: &str, role: &str, fpm: &str| {
        clerk.token(
            user,
            json!({"v": 2, "fea": "o:posts",
                   "o": {"id": org, "slg": org, "rol": role, "per": "read,create,manage", "fpm": fpm}}),
        )
    };
    let org_admin = in_org("user_oa", "org_acme", "admin", "7");
    let member = in_org("user_om", "org_acme", "member", "3");
    let member_personal = clerk.member("user_om");
    let member_elsewhere = in_org("user_om", "org_beta", "admin", "7");
    let no_permissions = in_org("user_on", "org_acme", "viewer", "0");

    // The body cannot choose the organization: naming one is refused, and
    // the post lands in the token's active organization.
    let (status, body) = call(
        &app,
        Method::POST,
        "/api/protected/posts",
        Some(&org_admin),
        Some(json!({"title": "Elsewhere", "content": "Into Beta?", "org_id": "org_beta"})),
    )
    .await;
    assert_error(status, &body, 422, "Invalid input");
    let post = create_post(&app, &org_admin, "Acme plans").await;
    assert_eq!(post["org_id"], "org_acme");
    let id = post["id"].as_i64().unwrap();
    let url = format!("/api/protected/posts/{id}");

    // A member with org:posts:read lists and reads it…
    let (status, page) = call(
        &app,
        Method::GET,
        "/api/protected/posts",
        Some(&member),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(page["items"][0]["title"], "Acme plans");
    assert_eq!(page["total"], 1);
    assert_eq!(
        call(&app, Method::GET, &url, Some(&member), None).await.0,
        200
    );
    // …but without org:posts:manage cannot change or delete it.
    let (status, body) = call(&app, Method::DELETE, &url, Some(&member), None).await;
    assert_error(status, &body, 403, "Forbidden");
    let (status, body) = call(
        &app,
        Method::PATCH,
        &url,
        Some(&member),
        Some(json!({"title": "Mine now"})),
    )
    .await;
    assert_error(status, &body, 403, "Forbidden");
    // Their own organization post they may change and delete.
    let own = create_post(&app, &member, "Member note").await;
    assert_eq!(own["org_id"], "org_acme");
    let own_url = format!("/api/protected/posts/{}", own["id"]);
    assert_eq!(
        call(
            &app,
            Method::PATCH,
            &own_url,
            Some(&member),
            Some(json!({"title": "Edited"}))
        )
        .await
        .0,
        200
    );
    assert_eq!(
        call(&app, Method::DELETE, &own_url, Some(&member), None)
            .await
            .0,
        204
    );

    // Back in the personal space: organization posts are not listed there,
    // and personal posts are not listed in the organization.
    let personal = create_post(&app, &member_personal, "Diary").await;
    assert_eq!(personal["org_id"], Value::Null);
    let (_, page) = call(
        &app,
        Method::GET,
        "/api/protected/posts",
        Some(&member_personal),
        None,
    )
    .await;
    let titles: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Diary"]);
    let (_, page) = call(
        &app,
        Method::GET,
        "/api/protected/posts",
        Some(&member),
        None,
    )
    .await;
    let titles: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Acme plans"]);
    // Without the organization active, its post is out of reach.
    assert_eq!(
        call(&app, Method::GET, &url, Some(&member_personal), None)
            .await
            .0,
        403
    );

    // Another organization, even as its admin: nothing of Acme's.
    let (_, page) = call(
        &app,
        Method::GET,
        "/api/protected/posts",
        Some(&member_elsewhere),
        None,
    )
    .await;
    assert_eq!(page["total"], 0);
    assert_eq!(
        call(&app, Method::GET, &url, Some(&member_elsewhere), None)
            .await
            .0,
        403
    );
    assert_eq!(
        call(&app, Method::DELETE, &url, Some(&member_elsewhere), None)
            .await
            .0,
        403
    );

    // The app's own admin, in Acme with a role granting nothing, still
    // sees its posts.
    let app_admin_in_org = clerk.token(
        "user_app_admin",
        json!({"v": 2, "fea": "o:posts", "metadata": {"role": "admin"},
               "o": {"id": "org_acme", "rol": "viewer", "per": "read", "fpm": "0"}}),
    );
    let (status, page) = call(
        &app,
        Method::GET,
        "/api/protected/posts",
        Some(&app_admin_in_org),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(page["items"][0]["title"], "Acme plans");

    // A role without permissions neither lists nor writes.
    let (status, body) = call(
        &app,
        Method::GET,
        "/api/protected/posts",
        Some(&no_permissions),
        None,
    )
    .await;
    assert_error(status, &body, 403, "Forbidden");
    let (status, body) = call(
        &app,
        Method::POST,
        "/api/protected/posts",
        Some(&no_permissions),
        Some(json!({"title": "Sneaky", "content": "Should not land."})),
    )
    .await;
    assert_error(status, &body, 403, "Forbidden");

    // org:posts:manage deletes anyone's; the post is still there until then.
    assert_eq!(
        call(&app, Method::GET, &url, Some(&org_admin), None)
            .await
            .0,
        200
    );
    let (status, _) = call(&app, Method::DELETE, &url, Some(&org_admin), None).await;
    assert_eq!(status, 204);
    assert_eq!(
        call(&app, Method::GET, &url, Some(&member), None).await.0,
        404
    );
}

on_both_backends!(
    posts_belong_to_their_author,
    the_premium_export_is_for_the_pro_plan,
    organization_posts_are_shared_by_the_active_organizations_permissions
);

/// Admin operations go through the development instance's Backend API,
/// exactly as they would go through Clerk's.
mod through_clerk {
    use super::*;
    use common::SignedIn;

    /// The development instance's `sk_test_` key, for Backend API calls.
    async fn dev_secret_key(app: &TestApp) -> String {
        let (secret,): (String,) = sqlx::query_as("SELECT secret_key FROM clerk_dev_instance")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
        secret
    }

    async fn backend_user(app: &TestApp, id: &str) -> Value {
        let secret = dev_secret_key(app).await;
        app.client
            .get(app.url(&format!("/__clerk/api/v1/users/{id}")))
            .bearer_auth(secret)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    async fn synced(app: &TestApp, who: &SignedIn) {
        eventually("the webhook sync of the demo user", 15, || async {
            users::get(&app.db, &who.user_id)
                .await
                .unwrap()
                .filter(|u| u.email.is_some())
        })
        .await;
    }

    #[tokio::test]
    async fn admins_change_roles_and_plans_and_the_next_token_carries_them() {
        let app = TestApp::spawn().await;
        let admin_session = app.sign_in("admin@inkpad.dev", "inkpad-admin-demo").await;
        let free_session = app.sign_in("free@inkpad.dev", "inkpad-free-demo").await;
        synced(&app, &free_session).await;
        let admin = admin_session.token(&app).await;
        let free = free_session.token(&app).await;
        let free_id = free_session.user_id.clone();

        // The list, searched by email.
        let (status, page) = call(
            &app,
            Method::GET,
            "/api/admin/users?search=FREE@inkpad",
            Some(&admin),
            None,
        )
        .await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(page["total"], 1);
        assert_eq!(page["items"][0]["id"], free_id.as_str());
        assert_eq!(page["items"][0]["plan"], "free");
        // NUL cannot be searched for (PostgreSQL refuses it in text): 400.
        let (status, body) = call(
            &app,
            Method::GET,
            "/api/admin/users?search=a%00b",
            Some(&admin),
            None,
        )
        .await;
        assert_eq!(status, 400, "{body}");

        // Members cannot; the free user gets 403 from premium.
        let plan_path = format!("/api/admin/users/{free_id}/plan");
        let (status, _) = call(
            &app,
            Method::POST,
            &plan_path,
            Some(&free),
            Some(json!({"plan": "pro"})),
        )
        .await;
        assert_eq!(status, 403);
        let (status, _) = call(
            &app,
            Method::POST,
            "/api/premium/generate",
            Some(&free),
            None,
        )
        .await;
        assert_eq!(status, 403);

        // The admin upgrades them: Clerk's metadata, then the local copy.
        let (status, user) = call(
            &app,
            Method::POST,
            &plan_path,
            Some(&admin),
            Some(json!({"plan": "pro"})),
        )
        .await;
        assert_eq!(status, 200, "{user}");
        assert_eq!(
            (user["id"].as_str(), user["plan"].as_str()),
            (Some(free_id.as_str()), Some("pro"))
        );
        let in_clerk = backend_user(&app, &free_id).await;
        assert_eq!(in_clerk["public_metadata"]["plan"], "pro");
        assert_eq!(
            in_clerk["public_metadata"]["role"], "member",
            "merged, not replaced"
        );

        // The old token still says free; the next one says pro.
        let (status, _) = call(
            &app,
            Method::POST,
            "/api/premium/generate",
            Some(&free),
            None,
        )
        .await;
        assert_eq!(status, 403);
        let refreshed = free_session.token(&app).await;
        let (status, export) = call(
            &app,
            Method::POST,
            "/api/premium/generate",
            Some(&refreshed),
            None,
        )
        .await;
        assert_eq!(status, 200, "{export}");

        // Roles too; bad values and unknown users are refused.
        let role_path = format!("/api/admin/users/{free_id}/role");
        let (status, user) = call(
            &app,
            Method::POST,
            &role_path,
            Some(&admin),
            Some(json!({"role": "admin"})),
        )
        .await;
        assert_eq!(
            (status.as_u16(), user["role"].as_str()),
            (200, Some("admin"))
        );
        let (status, res) = call(
            &app,
            Method::POST,
            &role_path,
            Some(&admin),
            Some(json!({"role": "root"})),
        )
        .await;
        assert_error(status, &res, 422, "Invalid input");
        assert!(res["fields"]["role"].as_str().is_some(), "{res}");
        let (status, res) = call(
            &app,
            Method::POST,
            "/api/admin/users/user_nobody/role",
            Some(&admin),
            Some(json!({"role": "admin"})),
        )
        .await;
        assert_error(status, &res, 404, "Not found");
        let own = format!("/api/admin/users/{}/role", admin_session.user_id);
        let (status, res) = call(
            &app,
            Method::POST,
            &own,
            Some(&admin),
            Some(json!({"role": "member"})),
        )
        .await;
        assert_error(status, &res, 400, "Bad request");

        // Every change is in the audit log: who, whom, what, when.
        let (status, log) = call(&app, Method::GET, "/api/admin/audit", Some(&admin), None).await;
        assert_eq!(status, 200);
        let changes: Vec<_> = log["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"].as_str().unwrap().ends_with(".changed"))
            .map(|e| {
                (
                    e["actor_id"].as_str().unwrap(),
                    e["subject_email"].as_str().unwrap(),
                    e["action"].as_str().unwrap(),
                    e["detail"].as_str().unwrap(),
                    e["status"].as_str().unwrap(),
                )
            })
            .collect();
        let admin_id = admin_session.user_id.as_str();
        assert_eq!(
            changes,
            [
                (
                    admin_id,
                    "free@inkpad.dev",
                    "role.changed",
                    "member → admin",
                    "done"
                ),
                (
                    admin_id,
                    "free@inkpad.dev",
                    "plan.changed",
                    "free → pro",
                    "done"
                ),
            ]
        );
        assert!(log["items"][0]["created_at"].as_i64().unwrap() > 0);
    }

    #[tokio::test]
    async fn the_profile_comes_from_clerk_without_private_metadata() {
        let app = TestApp::spawn().await;
        let session = app.sign_in("pro@inkpad.dev", "inkpad-pro-demo").await;
        let secret = dev_secret_key(&app).await;
        let res = app
            .client
            .patch(app.url(&format!(
                "/__clerk/api/v1/users/{}/metadata",
                session.user_id
            )))
            .bearer_auth(&secret)
            .json(&json!({"private_metadata": {"stripe_customer": "cus_PRIVATE_42"}}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);

        let token = session.token(&app).await;
        let res = app
            .request(Method::GET, "/api/user/profile", Some(&token))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let text = res.text().await.unwrap();
        assert!(
            !text.contains("cus_PRIVATE_42") && !text.contains("private"),
            "{text}"
        );
        let profile: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(profile["id"], session.user_id.as_str());
        assert_eq!(profile["email"], "pro@inkpad.dev");
        assert_eq!(
            (profile["role"].as_str(), profile["plan"].as_str()),
            (Some("member"), Some("pro"))
        );
    }
}

/// The app talking to a stand-in Backend API that holds one member,
/// `user_target`.
async fn spawn_with_stub_clerk() -> (StubBackendApi, TestApp) {
    let clerk = StubBackendApi::with_member().await;
    let app = TestApp::spawn_with(sqlite_db().await, &clerk.env()).await;
    (clerk, app)
}

/// Clerk refusing an admin's change: its reason as a 400, the log entry
/// settled as refused, and nothing changed here.
#[tokio::test]
async fn a_change_clerk_refuses_is_logged_as_refused_and_changes_nothing() {
    let (clerk, app) = spawn_with_stub_clerk().await;
    clerk.refuse_updates();
    let admin = TestClerk::get().admin("user_admin");

    let (status, res) = call(
        &app,
        Method::POST,
        "/api/admin/users/user_target/role",
        Some(&admin),
        Some(json!({"role": "admin"})),
    )
    .await;
    assert_error(status, &res, 400, "Bad request");
    assert_eq!(
        res["message"],
        "Metadata updates are disabled for this user."
    );
    assert!(users::get(&app.db, "user_target").await.unwrap().is_none());

    let (status, log) = call(&app, Method::GET, "/api/admin/audit", Some(&admin), None).await;
    assert_eq!(status, 200);
    let entry = &log["items"][0];
    assert_eq!(
        (
            entry["action"].as_str(),
            entry["detail"].as_str(),
            entry["status"].as_str()
        ),
        (Some("role.changed"), Some("member → admin"), Some("failed"))
    );
    assert_eq!(log["total"], 1);
}

/// The change is logged before Clerk is asked: with the log unwritable,
/// Clerk never hears of it.
#[tokio::test]
async fn with_the_audit_log_unwritable_clerk_is_not_asked() {
    let (clerk, app) = spawn_with_stub_clerk().await;
    let admin = TestClerk::get().admin("user_admin");
    sqlx::query("ALTER TABLE audit_log RENAME TO audit_log_away")
        .execute(app.db.pool())
        .await
        .unwrap();
    let (status, res) = call(
        &app,
        Method::POST,
        "/api/admin/users/user_target/plan",
        Some(&admin),
        Some(json!({"plan": "pro"})),
    )
    .await;
    assert!(status.is_server_error(), "{status} {res}");
    assert!(!res.to_string().contains("audit_log"), "{res}");
    assert_eq!(clerk.updates(), 0);
    assert_eq!(clerk.user()["public_metadata"]["plan"], "free");
}

/// The server functions the pages call are the same rules over another wire.
mod server_functions {
    use super::*;

    async fn rpc(
        app: &TestApp,
        name: &str,
        token: Option<&str>,
        form: &[(&str, &str)],
    ) -> (StatusCode, Value) {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let res = app
            .request(Method::POST, &format!("/api/{name}"), token)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        json(res).await
    }

    #[tokio::test]
    async fn they_check_the_caller_themselves() {
        // No route policy at all: each function decides on its own.
        let app = spawn(sqlite_db().await, Policy::none()).await;
        let clerk = TestClerk::get();
        let (alice, bob) = (clerk.member("user_alice"), clerk.member("user_bob"));

        let (status, _) = rpc(&app, "protected/list_posts", None, &[("page", "1")]).await;
        assert_eq!(status, 401);
        let (status, post) = rpc(
            &app,
            "protected/create_post",
            Some(&alice),
            &[("title", "Mine"), ("content", "Words")],
        )
        .await;
        assert_eq!(status, 200, "{post}");
        assert_eq!(post["author_id"], "user_alice");
        let (status, invalid) = rpc(
            &app,
            "protected/create_post",
            Some(&alice),
            &[("title", " "), ("content", "Words")],
        )
        .await;
        assert_eq!(status, 422, "{invalid}");
        assert_eq!(invalid["fields"]["title"], "Give your post a title.");
        let id = post["id"].to_string();
        let (status, _) = rpc(&app, "protected/delete_post", Some(&bob), &[("id", &id)]).await;
        assert_eq!(status, 403);
        let (status, page) =
            rpc(&app, "protected/list_posts", Some(&alice), &[("page", "1")]).await;
        assert_eq!((status.as_u16(), page["total"].as_i64()), (200, Some(1)));
        let (status, _) = rpc(&app, "admin/list_users", Some(&alice), &[("page", "1")]).await;
        assert_eq!(status, 403);
        let (status, _) = rpc(&app, "premium/export", Some(&alice), &[]).await;
        assert_eq!(status, 403);
        let (status, export) =
            rpc(&app, "premium/export", Some(&clerk.pro("user_alice")), &[]).await;
        assert_eq!(
            (status.as_u16(), export["stats"]["posts"].as_i64()),
            (200, Some(1))
        );
        let (status, _) = rpc(&app, "protected/delete_post", Some(&alice), &[("id", &id)]).await;
        assert_eq!(status, 200);
    }
}

/// A copy of everything the app holds about the caller, and only the
/// caller: their posts, never another's, whatever the plan; not cached.
#[tokio::test]
async fn the_data_export_holds_the_callers_own_data_only() {
    let app = spawn(sqlite_db().await, inkpad::auth::policy::app()).await;
    let clerk = TestClerk::get();
    let (ada, bob) = (
        clerk.member("user_export_ada"),
        clerk.member("user_export_bob"),
    );
    create_post(&app, &ada, "Ada's first").await;
    create_post(&app, &ada, "Ada's second").await;
    create_post(&app, &bob, "Bob's secret draft").await;

    let res = app
        .request(Method::GET, "/api/user/export", Some(&ada))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    assert!(res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("inkpad-data.json"));
    let body: Value = res.json().await.unwrap();
    let titles: Vec<&str> = body["posts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles.len(), 2, "{body}");
    assert!(titles.contains(&"Ada's first") && titles.contains(&"Ada's second"));
    assert!(!body.to_string().contains("Bob"), "{body}");
    assert!(body["posts"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["author_id"] == "user_export_ada"));
    assert_eq!(body["profile"]["id"], "user_export_ada", "{body}");
    assert!(body["exported_at"].as_i64().unwrap() > 0);

    // No way to ask for someone else's: query parameters change nothing.
    let (status, other) = call(
        &app,
        Method::GET,
        "/api/user/export?user_id=user_export_bob",
        Some(&ada),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert!(!other.to_string().contains("Bob"), "{other}");

    let (status, body) = call(&app, Method::GET, "/api/user/export", None, None).await;
    assert_error(status, &body, 401, "Unauthenticated");
}
