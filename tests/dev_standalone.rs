//! The development instance on an origin of its own (standalone, as Clerk
//! serves a development instance), over real HTTPS: the app on one port,
//! the frontend API at `https://inkpad.lcl.dev` on another. Its calls need
//! a dev browser, only the app's pages may make them, and the app's page
//! loads get their cookies through the dev browser and nonce handshake.

mod common;

use common::{browser::payload_of, sqlite_db, TestApp};
use reqwest::{header, Response};
use serde_json::{json, Value};

const HOST: &str = "inkpad.lcl.dev";

async fn app() -> TestApp {
    TestApp::spawn_with(
        sqlite_db().await,
        &[
            ("CLERK_DEV_STANDALONE_ADDR", "127.0.0.1:0"),
            ("CLERK_DEV_WEBHOOK_URL", "off"),
        ],
    )
    .await
}

/// A client that reaches `https://inkpad.lcl.dev` at the instance's
/// listener and accepts its self-made certificate, as the journeys'
/// browser is told to.
fn fapi_client(app: &TestApp) -> reqwest::Client {
    reqwest::Client::builder()
        .resolve(HOST, app.standalone_addr.expect("standalone"))
        .danger_accept_invalid_certs(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn fapi(path: &str) -> String {
    format!("https://{HOST}{path}")
}

fn location(res: &Response) -> String {
    res.headers()[header::LOCATION].to_str().unwrap().to_owned()
}

/// The second step of a sign-up on the frontend API, as the widget takes
/// it: a code for the address (a `+clerk_test` one, which takes Clerk's
/// test code), then the code. The answer of the step that completed it.
async fn verify_email(client: &reqwest::Client, origin: &str, dvb: &str, started: Value) -> Value {
    assert_eq!(started["response"]["status"], "missing_requirements");
    let id = started["response"]["id"].as_str().unwrap();
    let mut last = Value::Null;
    for (step, body) in [
        ("prepare_verification", json!({"strategy": "email_code"})),
        (
            "attempt_verification",
            json!({"strategy": "email_code", "code": "424242"}),
        ),
    ] {
        let res = client
            .post(fapi(&format!(
                "/v1/client/sign_ups/{id}/{step}?__clerk_db_jwt={dvb}"
            )))
            .header(header::ORIGIN, origin)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{step}");
        last = res.json().await.unwrap();
    }
    assert_eq!(last["response"]["status"], "complete");
    last
}

fn code(body: &Value) -> &str {
    body["errors"][0]["code"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn the_frontend_api_on_its_own_origin_serves_the_apps_pages_and_no_one_else() {
    let app = app().await;
    let client = fapi_client(&app);
    let origin = app.origin();

    // The app names it: scripts and calls may go there, nowhere else new.
    let res = app.get("/").await;
    let csp = res.headers()["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains(&format!("connect-src 'self' https://{HOST}")),
        "{csp}"
    );

    // Without a dev browser: Clerk's 401, readable by the app's page.
    let res = client
        .get(fapi("/v1/client"))
        .header(header::ORIGIN, &origin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(
        res.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        origin.as_str()
    );
    assert_eq!(
        res.headers()[header::ACCESS_CONTROL_ALLOW_CREDENTIALS],
        "true"
    );
    let body: Value = res.json().await.unwrap();
    assert_eq!(code(&body), "dev_browser_unauthenticated");

    // A dev browser, then a sign-up carrying it.
    let res = client
        .post(fapi("/v1/dev_browser"))
        .header(header::ORIGIN, &origin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let dvb = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let sign_up = |from: String| {
        client
            .post(fapi(&format!("/v1/client/sign_ups?__clerk_db_jwt={dvb}")))
            .header(header::ORIGIN, from)
            .json(
                &json!({"email_address": "dana+clerk_test@example.com", "password": "correct horse battery"}),
            )
            .send()
    };
    // Another site's page cannot sign this browser in (login CSRF), and
    // gets no CORS answer either.
    let res = sign_up("https://evil.example".into()).await.unwrap();
    assert_eq!(res.status(), 403);
    assert!(res
        .headers()
        .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
        .is_none());
    let res = sign_up(origin.clone()).await.unwrap();
    assert_eq!(res.status(), 200);
    let body = verify_email(&client, &origin, &dvb, res.json().await.unwrap()).await;
    let token = body["client"]["sessions"][0]["last_active_token"]["jwt"]
        .as_str()
        .unwrap();
    let claims = payload_of(token);
    assert_eq!(claims["iss"], format!("https://{HOST}"));
    assert_eq!(claims["azp"], origin.as_str());

    // The app accepts it.
    let res = app
        .bare_client
        .get(app.url("/api/session"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    // Preflights: the app's pages only.
    let preflight = |from: &str| {
        client
            .request(reqwest::Method::OPTIONS, fapi("/v1/client/sign_ins"))
            .header(header::ORIGIN, from)
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
            .send()
    };
    assert_eq!(preflight(&origin).await.unwrap().status(), 204);
    assert_eq!(
        preflight("https://evil.example").await.unwrap().status(),
        403
    );

    // Only the instance is there: the app's pages are not.
    let res = client.get(fapi("/dashboard")).send().await.unwrap();
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn a_first_page_load_gets_a_dev_browser_and_a_signed_in_one_its_session_back() {
    let app = app().await;
    let client = fapi_client(&app);
    let origin = app.origin();
    let page = |path: &str, cookies: &str| {
        app.bare_client
            .get(app.url(path))
            .header(header::ACCEPT, "text/html")
            .header(header::COOKIE, cookies.to_owned())
            .send()
    };

    // A browser's first page load: the handshake, which the instance
    // answers with a nonce; the app redeems it for a dev browser cookie.
    let res = page("/pricing", "").await.unwrap();
    assert_eq!(res.status(), 307);
    let to = location(&res);
    assert!(
        to.starts_with(&format!("https://{HOST}/v1/client/handshake?")),
        "{to}"
    );
    assert!(to.contains("__clerk_hs_reason=dev-browser-missing"), "{to}");
    assert!(to.contains("format=nonce"), "{to}");
    let res = client.get(&to).send().await.unwrap();
    assert_eq!(res.status(), 307);
    assert!(
        res.headers().get(header::SET_COOKIE).is_none(),
        "third-party: none"
    );
    let back = location(&res);
    assert!(
        back.starts_with(&format!("{origin}/pricing?__clerk_handshake_nonce=")),
        "absolute, to the app: {back}"
    );
    let res = app
        .bare_client
        .get(&back)
        .header(header::ACCEPT, "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 307);
    assert_eq!(location(&res), "/pricing");
    let set: Vec<String> = res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let dvb = set
        .iter()
        .find_map(|c| c.strip_prefix("__clerk_db_jwt="))
        .and_then(|rest| rest.split(';').next())
        .expect("a dev browser")
        .to_owned();
    let res = page("/pricing", &format!("__clerk_db_jwt={dvb}"))
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "served, signed out");

    // That browser signs in on the frontend API (as clerk-js does)…
    let res = client
        .post(fapi(&format!("/v1/client/sign_ups?__clerk_db_jwt={dvb}")))
        .header(header::ORIGIN, &origin)
        .json(&json!({"email_address": "dana+clerk_test@example.com", "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body = verify_email(&client, &origin, &dvb, res.json().await.unwrap()).await;
    let uat = body["client"]["updated_at"].as_i64().unwrap() / 1000;
    // …and a page load with the client's mark but no token comes back
    // signed in through the handshake, the dev browser carried along.
    let cookies = format!("__clerk_db_jwt={dvb}; __client_uat={uat}");
    let res = page("/dashboard", &cookies).await.unwrap();
    assert_eq!(res.status(), 307);
    let to = location(&res);
    assert!(to.contains(&format!("__clerk_db_jwt={dvb}")), "{to}");
    let res = client.get(&to).send().await.unwrap();
    let back = location(&res);
    let res = app
        .bare_client
        .get(&back)
        .header(header::ACCEPT, "text/html")
        .header(header::COOKIE, cookies.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 307);
    let session = res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().unwrap().strip_prefix("__session="))
        .map(|rest| rest.split(';').next().unwrap().to_owned())
        .next()
        .expect("a session token");
    let res = page("/dashboard", &format!("{cookies}; __session={session}"))
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "signed in");
}
