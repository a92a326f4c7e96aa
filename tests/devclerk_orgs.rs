//! Organizations with the app around them, on SQLite and on PostgreSQL:
//! the instance's organization webhooks keep the app's tables in step, the
//! app's CSRF layer refuses other sites' writes to them, and the app's
//! organization page needs an active organization. (The instance's own
//! organization rules are tested beside it, in
//! `crates/clerk-dev/tests/organizations.rs`.)

mod common;

use common::{
    browser::{form, organization_id, signed_in, token, Browser},
    TestApp, TestDb,
};
use reqwest::{header, StatusCode};
use serde_json::Value;

on_both_backends!(
    organization_changes_reach_the_apps_tables_through_the_webhooks,
    other_sites_cannot_change_an_organization_through_a_members_browser,
    the_organization_page_needs_an_active_organization,
);

async fn admin(app: &TestApp) -> (Browser, String, Value) {
    signed_in(app, "admin@inkpad.dev", "inkpad-admin-demo").await
}

fn acme_id(client: &Value) -> String {
    organization_id(client, "acme")
}

async fn organization_changes_reach_the_apps_tables_through_the_webhooks(t: TestDb) {
    let app = TestApp::spawn_on(t).await;
    let (mut admin, _, _) = admin(&app).await;
    let res = form(
        &app,
        &mut admin,
        "/__clerk/v1/organizations",
        &[("name", "Globex Corp")],
    )
    .await;
    assert_eq!(res.status(), 200);
    let org = res.json::<Value>().await.unwrap()["response"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = form(
        &app,
        &mut admin,
        &format!("/__clerk/v1/organizations/{org}/invitations"),
        &[("email_address", "free@inkpad.dev"), ("role", "org:member")],
    )
    .await;
    assert_eq!(res.status(), 200);
    let id = res.json::<Value>().await.unwrap()["response"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (mut free, _, _) = signed_in(&app, "free@inkpad.dev", "inkpad-free-demo").await;
    let accept = format!("/__clerk/v1/me/organization_invitations/{id}/accept");
    assert_eq!(form(&app, &mut free, &accept, &[]).await.status(), 200);
    let members = |n: i64| {
        let (app, org) = (&app, org.clone());
        move || {
            let org = org.clone();
            async move {
                let count = inkpad::db::organizations::member_count(&app.db, &org)
                    .await
                    .unwrap();
                (count == n).then_some(())
            }
        }
    };
    common::eventually("both memberships synced", 15, members(2)).await;

    // The invitee leaves: the app's count follows.
    let res = form(
        &app,
        &mut free,
        &format!("/__clerk/v1/me/organization_memberships/{org}?_method=DELETE"),
        &[],
    )
    .await;
    assert_eq!(res.status(), 200);
    common::eventually("the departure synced", 15, members(1)).await;
}

async fn other_sites_cannot_change_an_organization_through_a_members_browser(t: TestDb) {
    let app = TestApp::spawn_on(t).await;
    let (admin, _, admin_client) = admin(&app).await;
    let acme = acme_id(&admin_client);
    let res = app
        .bare_client
        .post(app.url(&format!("/__clerk/v1/organizations/{acme}?_method=DELETE")))
        .header(header::COOKIE, admin.header())
        .header(header::ORIGIN, "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(clerk_dev::orgs::get(&common::dev_store(&app.db), &acme)
        .await
        .unwrap()
        .is_some());
}

async fn organization_page(app: &TestApp, token: &str) -> reqwest::Response {
    app.request(
        reqwest::Method::GET,
        "/organization/organization-members",
        Some(token),
    )
    .header(header::ACCEPT, "text/html")
    .send()
    .await
    .unwrap()
}

async fn the_organization_page_needs_an_active_organization(t: TestDb) {
    let app = TestApp::spawn_on(t).await;
    let (mut member, sid, client) = signed_in(&app, "pro@inkpad.dev", "inkpad-pro-demo").await;
    let acme = acme_id(&client);
    // The personal space: no organization to manage.
    let jwt: Value = token(&app, &mut member, &sid).await.json().await.unwrap();
    let res = organization_page(&app, jwt["jwt"].as_str().unwrap()).await;
    assert_eq!(res.status(), StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(res.headers()[header::LOCATION], "/unauthorized");
    // With Acme active, the page (Clerk's OrganizationProfile) opens.
    let res = form(
        &app,
        &mut member,
        &format!("/__clerk/v1/client/sessions/{sid}/touch"),
        &[("active_organization_id", acme.as_str())],
    )
    .await;
    assert_eq!(res.status(), 200);
    let jwt: Value = token(&app, &mut member, &sid).await.json().await.unwrap();
    let res = organization_page(&app, jwt["jwt"].as_str().unwrap()).await;
    assert_eq!(res.status(), 200);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("clerk-organization-profile"));
}
