//! Dev browsers and the handshake's formats over HTTP, as clerk-js and
//! Clerk's server SDKs drive them when the frontend API is on another
//! site: a dev browser stands for its client and nothing else, and a
//! handshake answers with a signed token or a one-time nonce that only the
//! Backend API redeems. (What an app does with the answer is its test.)

mod common;

use clerk_dev::testing::{new_dev_browser, payload_of, sign_up, sign_up_on, Browser, Served};
use common::DevServer;
use reqwest::{header, Response};
use serde_json::{json, Value};

/// A frontend API call as clerk-js makes it to another site: the dev
/// browser in the query, no cookies.
async fn fapi(app: &DevServer, method: reqwest::Method, path: &str, dvb: &str) -> Response {
    let sep = if path.contains('?') { '&' } else { '?' };
    app.bare_client
        .request(method, app.url(&format!("{path}{sep}__clerk_db_jwt={dvb}")))
        .header(header::ORIGIN, app.origin())
        .send()
        .await
        .unwrap()
}

fn error_code(body: &Value) -> &str {
    body["errors"][0]["code"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn a_dev_browser_stands_for_its_client_and_a_forged_one_for_none() {
    let app = DevServer::spawn().await;
    let dvb = new_dev_browser(&app).await;
    let res = fapi(&app, reqwest::Method::GET, "/__clerk/v1/client", &dvb).await;
    assert_eq!(res.status(), 200);
    let client: Value = res.json().await.unwrap();
    assert!(client["response"]["id"]
        .as_str()
        .unwrap()
        .starts_with("client_"));
    assert_eq!(client["response"]["sessions"], json!([]));

    let signed_up = sign_up_on(&app, &dvb, "dana@example.com").await;
    let session = signed_up["client"]["sessions"][0]["id"].as_str().unwrap();
    let res = fapi(&app, reqwest::Method::GET, "/__clerk/v1/client", &dvb).await;
    let client: Value = res.json().await.unwrap();
    assert_eq!(client["response"]["sessions"][0]["id"], session);
    assert_eq!(
        client["response"]["sessions"][0]["user"]["email_addresses"][0]["email_address"],
        "dana@example.com"
    );

    // Another browser's client cookie changes nothing: the dev browser decides.
    let mut other = Browser::default();
    sign_up(&app, &mut other, "eve@example.com").await;
    let res = app
        .bare_client
        .get(app.url(&format!("/__clerk/v1/client?__clerk_db_jwt={dvb}")))
        .header(header::COOKIE, other.header())
        .send()
        .await
        .unwrap();
    let client: Value = res.json().await.unwrap();
    assert_eq!(client["response"]["sessions"][0]["id"], session);

    // Forged (right client, wrong secret), unknown, or another shape: 401
    // `dev_browser_unauthenticated`, and never anyone's client.
    let (client_id, _) = dvb.split_once('.').unwrap();
    for forged in [
        format!("{client_id}.wrongwrongwrongwrongwrongwrongwrongwrong"),
        "client_nobody.secret".to_owned(),
        "eyJhbGciOiJub25lIn0.e30.".to_owned(),
    ] {
        let res = fapi(&app, reqwest::Method::GET, "/__clerk/v1/client", &forged).await;
        assert_eq!(res.status(), 401, "{forged}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(error_code(&body), "dev_browser_unauthenticated");
        assert!(!body.to_string().contains("dana@example.com"));
        let res = fapi(
            &app,
            reqwest::Method::POST,
            &format!("/__clerk/v1/client/sessions/{session}/end"),
            &forged,
        )
        .await;
        assert_eq!(res.status(), 401, "{forged} cannot sign Dana out");
    }
    let res = fapi(&app, reqwest::Method::GET, "/__clerk/v1/client", &dvb).await;
    let client: Value = res.json().await.unwrap();
    assert_eq!(client["response"]["sessions"][0]["id"], session, "still in");
}

/// The handshake's answer: where it sends the browser, and the cookies it
/// set on the way (same-origin format only).
async fn handshake(app: &DevServer, query: &str) -> Response {
    app.bare_client
        .get(app.url(&format!("/__clerk/v1/client/handshake?{query}")))
        .send()
        .await
        .unwrap()
}

fn param(location: &str, name: &str) -> Option<String> {
    let query = location.split_once('?')?.1;
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn encoded(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The cookie a directive list sets under `name`: its value, or `None`
/// when it is cleared or absent.
fn directive(directives: &[String], name: &str) -> Option<String> {
    let prefix = format!("{name}=");
    let d = directives.iter().find(|d| d.starts_with(&prefix))?;
    (!d.contains("Max-Age=0")).then(|| d[prefix.len()..].split(';').next().unwrap().to_owned())
}

async fn redeem(app: &DevServer, secret: &str, nonce: &str) -> Response {
    app.bare_client
        .get(app.url(&format!(
            "/__clerk/api/v1/clients/handshake_payload?nonce={nonce}"
        )))
        .bearer_auth(secret)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_nonce_handshake_is_redeemed_once_through_the_backend_api_only() {
    let app = DevServer::spawn().await;
    let secret = app.instance.secret_key().expose().to_owned();
    let dvb = new_dev_browser(&app).await;
    let signed_up = sign_up_on(&app, &dvb, "dana@example.com").await;
    let user = signed_up["client"]["sessions"][0]["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let back = app.url("/dashboard?tab=posts");
    let res = handshake(
        &app,
        &format!(
            "redirect_url={}&format=nonce&__clerk_db_jwt={dvb}&__clerk_hs_reason=session-token-expired",
            encoded(&back)
        ),
    )
    .await;
    assert_eq!(res.status(), 307);
    assert!(res.headers().get(header::SET_COOKIE).is_none());
    let to = res.headers()[header::LOCATION].to_str().unwrap().to_owned();
    assert!(
        to.starts_with("/dashboard?tab=posts&__clerk_handshake_nonce="),
        "{to}"
    );
    let nonce = param(&to, "__clerk_handshake_nonce").unwrap();

    // Without the secret key the nonce is worth nothing…
    let res = app
        .bare_client
        .get(app.url(&format!(
            "/__clerk/api/v1/clients/handshake_payload?nonce={nonce}"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    // …with it, the cookies that sign this browser in, once.
    let res = redeem(&app, &secret, &nonce).await;
    assert_eq!(res.status(), 200);
    let payload: Value = res.json().await.unwrap();
    let directives: Vec<String> = serde_json::from_value(payload["directives"].clone()).unwrap();
    let token = directive(&directives, "__session").expect("a session token");
    assert_eq!(payload_of(&token)["sub"], user.as_str(), "{directives:?}");
    assert_eq!(directive(&directives, "__clerk_db_jwt"), Some(dvb.clone()));
    assert!(directive(&directives, "__client_uat").unwrap() != "0");
    let res = redeem(&app, &secret, &nonce).await;
    assert_eq!(res.status(), 404, "spent");
    let res = redeem(&app, &secret, "made-up").await;
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn a_token_handshake_is_signed_by_the_instance_with_its_published_keys() {
    let app = DevServer::spawn().await;
    let dvb = new_dev_browser(&app).await;
    sign_up_on(&app, &dvb, "dana@example.com").await;
    let res = handshake(
        &app,
        &format!(
            "redirect_url={}&format=token&__clerk_db_jwt={dvb}",
            encoded(&app.url("/settings"))
        ),
    )
    .await;
    assert_eq!(res.status(), 307);
    assert!(res.headers().get(header::SET_COOKIE).is_none());
    let to = res.headers()[header::LOCATION].to_str().unwrap().to_owned();
    assert!(to.starts_with("/settings?__clerk_handshake="), "{to}");
    let signed = param(&to, "__clerk_handshake").expect("a handshake token");
    // An app verifies it with the instance's JWKS before setting anything.
    let directives = app
        .verifier()
        .verify_handshake(&signed)
        .await
        .expect("signed by the instance");
    assert_eq!(directive(&directives, "__clerk_db_jwt"), Some(dvb.clone()));
    let session = directive(&directives, "__session").expect("a session token");
    app.verifier().verify(&session).await.expect("verifies");
}

#[tokio::test]
async fn a_forged_dev_browser_gets_a_new_signed_out_one_and_a_missing_one_a_first() {
    let app = DevServer::spawn().await;
    let secret = app.instance.secret_key().expose().to_owned();
    let dvb = new_dev_browser(&app).await;
    sign_up_on(&app, &dvb, "dana@example.com").await;
    let (client_id, _) = dvb.split_once('.').unwrap();
    let forged = format!("{client_id}.wrongwrongwrongwrongwrongwrongwrongwrong");

    let back = encoded(&app.url("/"));
    for (what, extra) in [
        ("forged", format!("&__clerk_db_jwt={forged}")),
        (
            "missing",
            "&__clerk_hs_reason=dev-browser-missing".to_owned(),
        ),
    ] {
        let res = handshake(&app, &format!("redirect_url={back}&format=nonce{extra}")).await;
        assert_eq!(res.status(), 307, "{what}");
        let to = res.headers()[header::LOCATION].to_str().unwrap().to_owned();
        let nonce = param(&to, "__clerk_handshake_nonce").unwrap();
        let payload: Value = redeem(&app, &secret, &nonce).await.json().await.unwrap();
        let directives: Vec<String> =
            serde_json::from_value(payload["directives"].clone()).unwrap();
        let fresh = directive(&directives, "__clerk_db_jwt").expect("a new dev browser");
        assert_ne!(fresh, forged, "{what}");
        assert_ne!(fresh, dvb, "{what}: never Dana's");
        assert_eq!(
            directive(&directives, "__session"),
            None,
            "{what}: signed out"
        );
        assert_eq!(directive(&directives, "__client_uat").as_deref(), Some("0"));
        // The new one works and is signed out.
        let res = fapi(&app, reqwest::Method::GET, "/__clerk/v1/client", &fresh).await;
        let client: Value = res.json().await.unwrap();
        assert_eq!(client["response"]["sessions"], json!([]), "{what}");
    }

    // A format the instance does not know, or a way back elsewhere: 422.
    let res = handshake(&app, &format!("redirect_url={back}&format=cookie")).await;
    assert_eq!(res.status(), 422);
    let res = handshake(
        &app,
        &format!(
            "redirect_url={}&format=nonce",
            encoded("https://evil.example/")
        ),
    )
    .await;
    assert_eq!(res.status(), 422);
}
