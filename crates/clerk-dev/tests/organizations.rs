//! Organizations over HTTP, as Clerk's widgets and its Backend API drive
//! them: creating one, inviting by email, the invitation's link and ticket
//! sign-in, what members and strangers are refused, leaving, and the
//! webhook events each change queues, on SQLite and on PostgreSQL.

mod common;

use clerk_dev::testing::{form, organization_id, payload_of, signed_in, token, Browser, Served};
use common::{DevServer, Store, ANN, BOB, CAT, DEMO_PASSWORD};
use reqwest::{header, StatusCode};
use serde_json::{json, Value};

on_both_backends!(
    an_admin_creates_an_organization_invites_and_the_invitee_joins_through_the_link,
    members_and_strangers_are_refused_what_their_role_does_not_allow,
    invitations_wait_in_the_invitees_list_and_only_they_can_accept,
    the_backend_api_manages_organizations_members_and_invitations,
);

async fn admin(app: &DevServer) -> (Browser, String, Value) {
    signed_in(app, ANN, DEMO_PASSWORD).await
}

fn team_id(client: &Value) -> String {
    organization_id(client, "team")
}

async fn get(app: &DevServer, browser: &mut Browser, path: &str) -> reqwest::Response {
    browser.send(app, app.client.get(app.url(path))).await
}

async fn error_code(res: reqwest::Response) -> String {
    let body: Value = res.json().await.unwrap();
    body["errors"][0]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

async fn an_admin_creates_an_organization_invites_and_the_invitee_joins_through_the_link(t: Store) {
    let app = DevServer::spawn_on_store(t).await;
    let (mut admin, _, _) = admin(&app).await;

    // CreateOrganization: the slug comes from the name; the creator is admin.
    let res = form(
        &app,
        &mut admin,
        "/__clerk/v1/organizations",
        &[("name", "Globex Corp")],
    )
    .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    let org = body["response"]["id"].as_str().unwrap().to_owned();
    assert_eq!(body["response"]["slug"], "globex-corp");
    let memberships = &body["client"]["sessions"][0]["user"]["organization_memberships"];
    let mine = memberships
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["organization"]["id"] == org.as_str())
        .expect("the creator is a member");
    assert_eq!(mine["role"], "org:admin");
    assert!(mine["permissions"]
        .as_array()
        .unwrap()
        .contains(&json!("org:sys_memberships:manage")));
    // The slug is the organization's own.
    let res = form(
        &app,
        &mut admin,
        "/__clerk/v1/organizations",
        &[("name", "Again"), ("slug", "globex-corp")],
    )
    .await;
    assert_eq!(res.status(), 422);

    // OrganizationProfile's "Invite": repeated keys, as clerk-js sends arrays.
    let invite = format!("/__clerk/v1/organizations/{org}/invitations/bulk");
    let res = form(
        &app,
        &mut admin,
        &invite,
        &[("email_address", "Cat@Notes.test"), ("role", "org:member")],
    )
    .await;
    assert_eq!(res.status(), 200);
    let sent: Value = res.json().await.unwrap();
    assert_eq!(sent["response"][0]["email_address"], "cat@notes.test");
    assert_eq!(sent["response"][0]["status"], "pending");
    assert!(
        !sent.to_string().contains("ticket"),
        "the frontend API never shows an invitation's ticket"
    );
    let again = form(
        &app,
        &mut admin,
        &invite,
        &[("email_address", "cat@notes.test"), ("role", "org:member")],
    )
    .await;
    assert_eq!(again.status(), 400);
    assert_eq!(error_code(again).await, "duplicate_record");
    let member = form(
        &app,
        &mut admin,
        &invite,
        &[("email_address", "ann@notes.test"), ("role", "org:member")],
    )
    .await;
    assert_eq!(error_code(member).await, "already_a_member_in_organization");
    let bad_role = form(
        &app,
        &mut admin,
        &invite,
        &[("email_address", "x@notes.test"), ("role", "org:owner")],
    )
    .await;
    assert_eq!(bad_role.status(), 422);
    // All of a request or none: a refused address (a member, or one listed
    // twice) leaves the good ones uninvited.
    for pairs in [
        [
            ("email_address", "new@notes.test"),
            ("email_address", "ann@notes.test"),
            ("role", "org:member"),
        ],
        [
            ("email_address", "new@notes.test"),
            ("email_address", "New@notes.test"),
            ("role", "org:member"),
        ],
    ] {
        let res = form(&app, &mut admin, &invite, &pairs).await;
        assert_eq!(res.status(), 400, "{pairs:?}");
    }
    let listed: Value = get(
        &app,
        &mut admin,
        &format!("/__clerk/v1/organizations/{org}/invitations?status=pending&limit=10&offset=0"),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(listed["response"]["total_count"], 1);

    // The console is the mailbox: the link, with its ticket.
    let outbox: Value = app
        .get("/__clerk/console/api/invitations")
        .await
        .json()
        .await
        .unwrap();
    let link = outbox
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["email_address"] == "cat@notes.test")
        .expect("the invitation is in the outbox")["accept_url"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app.get(&link).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let location = res.headers()[header::LOCATION].to_str().unwrap().to_owned();
    assert!(
        location.starts_with("/login?__clerk_ticket=")
            && location.ends_with("&__clerk_status=sign_in"),
        "{location}"
    );
    let ticket = location
        .trim_start_matches("/login?__clerk_ticket=")
        .trim_end_matches("&__clerk_status=sign_in")
        .to_owned();

    // Clerk's SignIn redeems the ticket: signed in, and a member.
    let mut invitee = Browser::default();
    let res = invitee
        .post(
            &app,
            "/__clerk/v1/client/sign_ins",
            json!({"strategy": "ticket", "ticket": ticket}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["response"]["status"], "complete");
    let user = &body["client"]["sessions"][0]["user"];
    assert_eq!(
        user["email_addresses"][0]["email_address"],
        "cat@notes.test"
    );
    let joined = user["organization_memberships"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["organization"]["id"] == org.as_str())
        .expect("the invitation was accepted");
    assert_eq!(joined["role"], "org:member");
    // A used ticket signs no one in.
    let mut other = Browser::default();
    let res = other
        .post(
            &app,
            "/__clerk/v1/client/sign_ins",
            json!({"strategy": "ticket", "ticket": ticket}),
        )
        .await;
    assert_eq!(res.status(), 422);
    assert_eq!(error_code(res).await, "ticket_invalid");
    let res = app.get(&link).await;
    assert_eq!(res.headers()[header::LOCATION], "/login");
}

async fn members_and_strangers_are_refused_what_their_role_does_not_allow(t: Store) {
    let app = DevServer::spawn_on_store(t).await;
    let (mut admin, _, admin_client) = admin(&app).await;
    let team = team_id(&admin_client);
    let (mut member, member_sid, _) = signed_in(&app, BOB, DEMO_PASSWORD).await;
    let (mut stranger, stranger_sid, _) = signed_in(&app, CAT, DEMO_PASSWORD).await;
    let org = format!("/__clerk/v1/organizations/{team}");

    // A member reads the members and roles, and changes nothing.
    let res = get(
        &app,
        &mut member,
        &format!("{org}/memberships?paginated=true&limit=10&offset=0"),
    )
    .await;
    assert_eq!(res.status(), 200);
    let members: Value = res.json().await.unwrap();
    assert_eq!(members["response"]["total_count"], 2);
    assert_eq!(
        members["response"]["data"][0]["public_user_data"]["identifier"],
        "ann@notes.test"
    );
    let admin_id = members["response"]["data"][0]["public_user_data"]["user_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        get(&app, &mut member, &format!("{org}/roles"))
            .await
            .status(),
        200
    );
    for (path, pairs) in [
        (
            format!("{org}/invitations"),
            vec![("email_address", "x@y.io"), ("role", "org:member")],
        ),
        (format!("{org}?_method=PATCH"), vec![("name", "Mine now")]),
        (format!("{org}?_method=DELETE"), vec![]),
        (
            format!("{org}/memberships/{admin_id}?_method=DELETE"),
            vec![],
        ),
        (
            format!("{org}/memberships/{admin_id}?_method=PATCH"),
            vec![("role", "org:member")],
        ),
    ] {
        let res = form(&app, &mut member, &path, &pairs).await;
        assert_eq!(res.status(), 403, "{path}");
        assert_eq!(error_code(res).await, "authorization_invalid");
    }
    assert_eq!(
        get(&app, &mut member, &format!("{org}/invitations"))
            .await
            .status(),
        403
    );

    // A stranger is not told the organization exists.
    for path in [
        org.clone(),
        format!("{org}/memberships"),
        format!("{org}/roles"),
    ] {
        assert_eq!(
            get(&app, &mut stranger, &path).await.status(),
            404,
            "{path}"
        );
    }
    let res = form(&app, &mut stranger, &format!("{org}?_method=DELETE"), &[]).await;
    assert_eq!(res.status(), 404);
    // Nor may a stranger make it their active organization.
    let res = form(
        &app,
        &mut stranger,
        &format!("/__clerk/v1/client/sessions/{stranger_sid}/touch"),
        &[("active_organization_id", team.as_str())],
    )
    .await;
    assert_eq!(res.status(), 404);

    // Signed out: 401, and nothing changed.
    let res = app
        .client
        .get(app.url(&format!("{org}/memberships")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert!(clerk_dev::orgs::get(&app.db, &team)
        .await
        .unwrap()
        .is_some());

    // The last admin can neither step down nor leave.
    let res = form(
        &app,
        &mut admin,
        &format!("{org}/memberships/{admin_id}?_method=PATCH"),
        &[("role", "org:member")],
    )
    .await;
    assert_eq!(res.status(), 403);
    assert_eq!(
        error_code(res).await,
        "organization_minimum_permissions_needed"
    );
    let res = form(
        &app,
        &mut admin,
        &format!("/__clerk/v1/me/organization_memberships/{team}?_method=DELETE"),
        &[],
    )
    .await;
    assert_eq!(
        error_code(res).await,
        "organization_minimum_permissions_needed"
    );

    // A member leaves; their next token no longer carries Team.
    let res = form(
        &app,
        &mut member,
        &format!("/__clerk/v1/client/sessions/{member_sid}/touch"),
        &[("active_organization_id", team.as_str())],
    )
    .await;
    assert_eq!(res.status(), 200);
    let jwt: Value = token(&app, &mut member, &member_sid)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        payload_of(jwt["jwt"].as_str().unwrap())["o"]["id"],
        team.as_str()
    );
    let res = form(
        &app,
        &mut member,
        &format!("/__clerk/v1/me/organization_memberships/{team}?_method=DELETE"),
        &[],
    )
    .await;
    assert_eq!(res.status(), 200);
    let jwt: Value = token(&app, &mut member, &member_sid)
        .await
        .json()
        .await
        .unwrap();
    assert!(payload_of(jwt["jwt"].as_str().unwrap()).get("o").is_none());
}

async fn invitations_wait_in_the_invitees_list_and_only_they_can_accept(t: Store) {
    let app = DevServer::spawn_on_store(t).await;
    let (mut admin, _, admin_client) = admin(&app).await;
    let team = team_id(&admin_client);
    let res = form(
        &app,
        &mut admin,
        &format!("/__clerk/v1/organizations/{team}/invitations"),
        &[("email_address", "cat@notes.test"), ("role", "org:member")],
    )
    .await;
    assert_eq!(res.status(), 200);
    let invitation: Value = res.json().await.unwrap();
    let id = invitation["response"]["id"].as_str().unwrap().to_owned();

    // Someone else cannot accept it, whatever the id.
    let (mut bob, _, _) = signed_in(&app, BOB, DEMO_PASSWORD).await;
    let accept = format!("/__clerk/v1/me/organization_invitations/{id}/accept");
    assert_eq!(form(&app, &mut bob, &accept, &[]).await.status(), 404);

    let (mut cat, _, _) = signed_in(&app, CAT, DEMO_PASSWORD).await;
    let mine: Value = get(
        &app,
        &mut cat,
        "/__clerk/v1/me/organization_invitations?status=pending&limit=10&offset=0",
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(mine["response"]["total_count"], 1);
    assert_eq!(
        mine["response"]["data"][0]["public_organization_data"]["name"],
        "Team"
    );
    let res = form(&app, &mut cat, &accept, &[]).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["response"]["status"], "accepted");
    assert_eq!(team_id(&body), team);
    // Accepted once only; a revoked invitation cannot be accepted either.
    assert_eq!(form(&app, &mut cat, &accept, &[]).await.status(), 404);
}

async fn the_backend_api_manages_organizations_members_and_invitations(t: Store) {
    let app = DevServer::spawn_on_store(t).await;
    let key = app.instance.secret_key().expose().to_owned();
    let api = |method: reqwest::Method, path: &str, body: Option<Value>| {
        let req = app
            .bare_client
            .request(method, app.url(&format!("/__clerk/api/v1{path}")))
            .bearer_auth(&key);
        match body {
            Some(body) => req.json(&body),
            None => req,
        }
        .send()
    };
    use reqwest::Method;
    let cat = clerk_dev::store::find_by_email(&app.db, "cat@notes.test")
        .await
        .unwrap()
        .unwrap();
    let bob = clerk_dev::store::find_by_email(&app.db, "bob@notes.test")
        .await
        .unwrap()
        .unwrap();

    let res = api(
        Method::POST,
        "/organizations",
        Some(json!({"name": "Initech", "created_by": cat.id})),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 200);
    let org: Value = res.json().await.unwrap();
    let id = org["id"].as_str().unwrap().to_owned();
    assert_eq!(
        (org["slug"].as_str(), org["members_count"].as_i64()),
        (Some("initech"), Some(1))
    );
    let listed: Value = api(Method::GET, "/organizations?query=init", None)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["total_count"], 1);

    let res = api(
        Method::POST,
        &format!("/organizations/{id}/memberships"),
        Some(json!({"user_id": bob.id, "role": "org:member"})),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 200);
    let res = api(
        Method::PATCH,
        &format!("/organizations/{id}/memberships/{}", bob.id),
        Some(json!({"role": "org:admin"})),
    )
    .await
    .unwrap();
    assert_eq!(res.json::<Value>().await.unwrap()["role"], "org:admin");
    let members: Value = api(
        Method::GET,
        &format!("/organizations/{id}/memberships"),
        None,
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(members["total_count"], 2);

    let res = api(
        Method::POST,
        &format!("/organizations/{id}/invitations"),
        Some(json!({"email_address": "new@example.com", "role": "org:member"})),
    )
    .await
    .unwrap();
    let invitation: Value = res.json().await.unwrap();
    let revoke = format!(
        "/organizations/{id}/invitations/{}/revoke",
        invitation["id"].as_str().unwrap()
    );
    let res = api(Method::POST, &revoke, None).await.unwrap();
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "revoked");
    assert_eq!(
        api(Method::POST, &revoke, None).await.unwrap().status(),
        404
    );

    let res = api(
        Method::DELETE,
        &format!("/organizations/{id}/memberships/{}", bob.id),
        None,
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 200);
    let res = api(
        Method::PATCH,
        &format!("/organizations/{id}"),
        Some(json!({"name": "Initrode"})),
    )
    .await
    .unwrap();
    assert_eq!(res.json::<Value>().await.unwrap()["name"], "Initrode");

    // Bad input changes nothing; the key is required.
    let res = api(Method::POST, "/organizations", Some(json!({"name": ""})))
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let res = app
        .bare_client
        .get(app.url("/__clerk/api/v1/organizations"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);

    // Each change was queued for the app, in Clerk's event names.
    let rows: Vec<(String,)> =
        sqlx::query_as("SELECT event_type FROM clerk_dev_webhook_events ORDER BY seq")
            .fetch_all(app.db.pool())
            .await
            .unwrap();
    let events: Vec<String> = rows.into_iter().map(|(e,)| e).collect();
    for expected in [
        "organization.created",
        "organizationMembership.created",
        "organizationMembership.updated",
        "organizationInvitation.created",
        "organizationInvitation.revoked",
        "organizationMembership.deleted",
        "organization.updated",
    ] {
        assert!(
            events.iter().any(|e| e == expected),
            "{expected} in {events:?}"
        );
    }
}
