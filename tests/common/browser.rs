//! A browser's side of the development instance's frontend API for tests:
//! a cookie jar that sends what the instance set, with this app's
//! `Origin`, and the calls Clerk's scripts make (sign-up, sign-in, tokens).

use super::TestApp;
use reqwest::{header, Response};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// A browser's cookies for the app's origin (paths are ignored: the jar
/// sends every cookie, which only makes the tests stricter).
#[derive(Default)]
pub struct Browser {
    pub cookies: BTreeMap<String, String>,
}

impl Browser {
    pub fn absorb(&mut self, res: &Response) {
        for value in res.headers().get_all(header::SET_COOKIE) {
            let text = value.to_str().unwrap();
            let (pair, attrs) = text.split_once(';').unwrap_or((text, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if attrs.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    pub fn header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub async fn send(&mut self, app: &TestApp, req: reqwest::RequestBuilder) -> Response {
        let origin = format!("http://{}", app.addr);
        let res = req
            .header(header::COOKIE, self.header())
            .header(header::ORIGIN, origin)
            .send()
            .await
            .unwrap();
        self.absorb(&res);
        res
    }

    pub async fn post(&mut self, app: &TestApp, path: &str, body: Value) -> Response {
        self.send(app, app.client.post(app.url(path)).json(&body))
            .await
    }

    pub async fn page(&mut self, app: &TestApp, path: &str) -> Response {
        let req = app
            .client
            .get(app.url(path))
            .header(header::ACCEPT, "text/html");
        self.send(app, req).await
    }
}

pub async fn sign_up(app: &TestApp, browser: &mut Browser, email: &str) -> Value {
    let res = browser
        .post(
            app,
            "/__clerk/v1/client/sign_ups",
            json!({"email_address": email, "password": "correct horse battery", "first_name": "Grace", "last_name": "Hopper"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

pub fn session_id(client: &Value) -> String {
    client["client"]["last_active_session_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A JWT's payload, unverified (the tests that verify go through the app).
pub fn payload_of(jwt: &str) -> Value {
    use base64::Engine;
    let part = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part)
            .unwrap(),
    )
    .unwrap()
}

/// A sign-in attempt through the frontend API, as the sign-in widget makes.
pub async fn sign_in(
    app: &TestApp,
    browser: &mut Browser,
    identifier: &str,
    password: &str,
) -> Response {
    browser
        .post(
            app,
            "/__clerk/v1/client/sign_ins",
            json!({"identifier": identifier, "password": password}),
        )
        .await
}

pub async fn end_session(app: &TestApp, browser: &mut Browser, sid: &str) -> Response {
    browser
        .post(
            app,
            &format!("/__clerk/v1/client/sessions/{sid}/end"),
            json!({}),
        )
        .await
}

pub async fn token(app: &TestApp, browser: &mut Browser, sid: &str) -> Response {
    browser
        .post(
            app,
            &format!("/__clerk/v1/client/sessions/{sid}/tokens"),
            json!({}),
        )
        .await
}

/// A dev browser, as clerk-js asks the frontend API for one (`POST
/// /v1/dev_browser`): its value, which the browser keeps itself.
pub async fn new_dev_browser(app: &TestApp) -> String {
    let res = app
        .client
        .post(app.url("/__clerk/v1/dev_browser"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers().get(header::SET_COOKIE).is_none(),
        "the browser keeps it, not a cookie of the frontend API"
    );
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["object"], "dev_browser");
    body["id"].as_str().unwrap().to_owned()
}

/// A sign-up carrying dev browser `dvb` in the query, as clerk-js sends it
/// to a frontend API on another site: the dev browser is the client, so no
/// cookie comes back. Clerk's answer, `{response, client}`.
pub async fn sign_up_on(app: &TestApp, dvb: &str, email: &str) -> Value {
    let res = app
        .bare_client
        .post(app.url(&format!("/__clerk/v1/client/sign_ups?__clerk_db_jwt={dvb}")))
        .header(header::ORIGIN, app.origin())
        .json(&json!({"email_address": email, "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers().get(header::SET_COOKIE).is_none(),
        "the dev browser is the client: no cookie"
    );
    res.json().await.unwrap()
}
