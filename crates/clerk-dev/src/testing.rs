//! Helpers for an embedding app's tests (and this crate's): a browser's
//! side of the frontend API — a cookie jar that sends back what the
//! instance set, with the app's `Origin` — and the calls Clerk's scripts
//! make (sign-up, sign-in, tokens, sign-out, dev browsers).
//!
//! They drive a running server over HTTP, as a browser would; they hold
//! nothing secret and bypass nothing, so what passes here passes for
//! clerk-js too.

use crate::MOUNT;
use reqwest::{header, RequestBuilder, Response};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The password [`sign_up`] gives every account it makes.
pub const TEST_PASSWORD: &str = "correct horse battery";

/// A server the instance is mounted on, as the helpers reach it.
pub trait Served {
    /// `http://host:port` followed by `path`.
    fn url(&self, path: &str) -> String;
    /// The app's own origin (`http://host:port`), which its pages send.
    fn origin(&self) -> String;
    /// A client that does not follow redirects.
    fn client(&self) -> &reqwest::Client;
}

/// A browser's cookies for the app's origin. Paths are ignored: the jar
/// sends every cookie it holds, which only makes tests stricter.
#[derive(Debug, Default, Clone)]
pub struct Browser {
    /// Name → value of every cookie set and not yet removed.
    pub cookies: BTreeMap<String, String>,
    /// The `User-Agent` it sends, if any (sessions record it).
    pub user_agent: Option<String>,
}

impl Browser {
    /// Keeps the cookies a response sets (and drops those it expires).
    pub fn absorb(&mut self, res: &Response) {
        for value in res.headers().get_all(header::SET_COOKIE) {
            let Ok(text) = value.to_str() else { continue };
            let (pair, attrs) = text.split_once(';').unwrap_or((text, ""));
            let Some((name, value)) = pair.split_once('=') else {
                continue;
            };
            if attrs.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    /// The `Cookie` header this browser sends.
    pub fn header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Sends `req` with this browser's cookies and the app's `Origin`, and
    /// keeps what it sets.
    ///
    /// # Panics
    /// When the request cannot be sent (a test's failure).
    pub async fn send(&mut self, app: &impl Served, req: RequestBuilder) -> Response {
        let req = match &self.user_agent {
            Some(agent) => req.header(header::USER_AGENT, agent),
            None => req,
        };
        let res = req
            .header(header::COOKIE, self.header())
            .header(header::ORIGIN, app.origin())
            .send()
            .await
            .expect("the request reaches the server");
        self.absorb(&res);
        res
    }

    /// A JSON `POST` to `path`.
    pub async fn post(&mut self, app: &impl Served, path: &str, body: Value) -> Response {
        let req = app.client().post(app.url(path)).json(&body);
        self.send(app, req).await
    }

    /// A page load of `path` (`Accept: text/html`).
    pub async fn page(&mut self, app: &impl Served, path: &str) -> Response {
        let req = app
            .client()
            .get(app.url(path))
            .header(header::ACCEPT, "text/html");
        self.send(app, req).await
    }
}

/// A sign-up with [`TEST_PASSWORD`], as the sign-up widget makes it —
/// the form, then the email code from the instance's mailbox when the
/// instance verifies addresses: Clerk's client object.
///
/// # Panics
/// When the instance refuses it.
pub async fn sign_up(app: &impl Served, browser: &mut Browser, email: &str) -> Value {
    sign_up_with(
        app,
        browser,
        json!({"email_address": email, "password": TEST_PASSWORD, "first_name": "Grace", "last_name": "Hopper"}),
    )
    .await
}

/// [`sign_up`] with the form's fields as given.
///
/// # Panics
/// When the instance refuses a step.
pub async fn sign_up_with(app: &impl Served, browser: &mut Browser, form: Value) -> Value {
    let res = browser
        .post(app, &format!("{MOUNT}/v1/client/sign_ups"), form.clone())
        .await;
    assert_eq!(res.status(), 200, "sign-up of {form}");
    let started: Value = res.json().await.expect("a client object");
    complete_sign_up(app, browser, started).await
}

/// Finishes a sign-up the form started (`started` is the instance's
/// answer to it): asks for the email code, reads it from the mailbox and
/// enters it, as the widget's second step does. An answer that is already
/// complete comes back as it is.
///
/// # Panics
/// When the instance refuses a step.
pub async fn complete_sign_up(app: &impl Served, browser: &mut Browser, started: Value) -> Value {
    if started["response"]["status"] != "missing_requirements" {
        return started;
    }
    let email = started["response"]["email_address"]
        .as_str()
        .expect("the sign-up's address")
        .to_owned();
    let base = format!(
        "{MOUNT}/v1/client/sign_ups/{}",
        started["response"]["id"]
            .as_str()
            .expect("the sign-up's id")
    );
    let prepared = browser
        .post(
            app,
            &format!("{base}/prepare_verification"),
            json!({"strategy": "email_code"}),
        )
        .await;
    assert_eq!(prepared.status(), 200, "a code for {email}");
    let code = latest_code(app, &email).await;
    let res = browser
        .post(
            app,
            &format!("{base}/attempt_verification"),
            json!({"strategy": "email_code", "code": code}),
        )
        .await;
    assert_eq!(res.status(), 200, "the code of {email}");
    res.json().await.expect("a client object")
}

/// The instance's mailbox: every message to `to`, newest first.
///
/// # Panics
/// When the console does not answer with its messages.
pub async fn mailbox(app: &impl Served, to: &str) -> Vec<Value> {
    app.client()
        .get(app.url(&format!("{MOUNT}/console/api/mailbox")))
        .query(&[("to", to)])
        .send()
        .await
        .expect("the mailbox answers")
        .json()
        .await
        .expect("the mailbox's messages")
}

/// The newest code the instance's mailbox holds for `email` (a
/// `+clerk_test` address gets none and takes `424242`).
///
/// # Panics
/// When the mailbox holds no code for it.
pub async fn latest_code(app: &impl Served, email: &str) -> String {
    if crate::codes::is_test_address(email) {
        return crate::codes::TEST_CODE.to_owned();
    }
    let messages = mailbox(app, email).await;
    messages
        .iter()
        .find_map(|m| m["code"].as_str())
        .unwrap_or_else(|| panic!("no code in the mailbox for {email}: {messages:?}"))
        .to_owned()
}

/// The client's active session (`sess_…`).
///
/// # Panics
/// When the client has none.
pub fn session_id(client: &Value) -> String {
    client["client"]["last_active_session_id"]
        .as_str()
        .expect("an active session")
        .to_owned()
}

/// A JWT's payload, unverified (tests that verify go through the app).
///
/// # Panics
/// When `jwt` is not a JWT.
pub fn payload_of(jwt: &str) -> Value {
    use base64::Engine;
    let part = jwt.split('.').nth(1).expect("a JWT");
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part)
            .expect("base64url"),
    )
    .expect("a JSON payload")
}

/// A sign-in attempt through the frontend API, as the sign-in widget
/// makes it.
pub async fn sign_in(
    app: &impl Served,
    browser: &mut Browser,
    identifier: &str,
    password: &str,
) -> Response {
    browser
        .post(
            app,
            &format!("{MOUNT}/v1/client/sign_ins"),
            json!({"identifier": identifier, "password": password}),
        )
        .await
}

/// A new browser signed in as `email`, with its session's id and Clerk's
/// client object.
///
/// # Panics
/// When the instance refuses the sign-in.
pub async fn signed_in(app: &impl Served, email: &str, password: &str) -> (Browser, String, Value) {
    let mut browser = Browser::default();
    let res = sign_in(app, &mut browser, email, password).await;
    assert_eq!(res.status(), 200, "{email} signs in");
    let client: Value = res.json().await.expect("a client object");
    let sid = session_id(&client);
    (browser, sid, client)
}

/// A form-encoded `POST` to `path`, as clerk-js sends its writes (`PATCH`
/// and `DELETE` as `POST ?_method=…`; repeated keys for arrays).
pub async fn form(
    app: &impl Served,
    browser: &mut Browser,
    path: &str,
    pairs: &[(&str, &str)],
) -> Response {
    let req = app.client().post(app.url(path)).form(pairs);
    browser.send(app, req).await
}

/// The id of the organization with `slug` among the memberships of the
/// client's first session's user.
///
/// # Panics
/// When the user is not a member of it.
pub fn organization_id(client: &Value, slug: &str) -> String {
    client["client"]["sessions"][0]["user"]["organization_memberships"]
        .as_array()
        .and_then(|memberships| {
            memberships
                .iter()
                .find(|m| m["organization"]["slug"] == slug)
        })
        .and_then(|m| m["organization"]["id"].as_str())
        .unwrap_or_else(|| panic!("not a member of {slug}"))
        .to_owned()
}

/// Confirms the password again for session `sid` at `level`
/// (`first_factor`, `second_factor`…), as the step-up dialog does through
/// Clerk's session reverification: `verify`, then `attempt_first_factor`.
/// The attempt's answer.
///
/// # Panics
/// When the instance refuses to start the reverification.
pub async fn reverify(
    app: &impl Served,
    browser: &mut Browser,
    sid: &str,
    level: &str,
    password: &str,
) -> Response {
    let verify = format!("{MOUNT}/v1/client/sessions/{sid}/verify");
    let res = form(app, browser, &verify, &[("level", level)]).await;
    assert_eq!(res.status(), 200, "reverification starts");
    let attempt = format!("{verify}/attempt_first_factor");
    form(
        app,
        browser,
        &attempt,
        &[("strategy", "password"), ("password", password)],
    )
    .await
}

/// Makes session `sid`'s last password check `minutes_ago` minutes old,
/// through the console (step-up tested without waiting).
///
/// # Panics
/// When the console refuses.
pub async fn backdate_verification(
    app: &impl Served,
    browser: &mut Browser,
    sid: &str,
    minutes_ago: u32,
) {
    let path = format!("{MOUNT}/console/api/sessions/{sid}/verified");
    let res = browser
        .post(app, &path, json!({"minutes_ago": minutes_ago}))
        .await;
    assert_eq!(res.status(), 200, "the console backdates the check");
}

/// Ends session `sid` of this browser's client.
pub async fn end_session(app: &impl Served, browser: &mut Browser, sid: &str) -> Response {
    browser
        .post(
            app,
            &format!("{MOUNT}/v1/client/sessions/{sid}/end"),
            json!({}),
        )
        .await
}

/// Asks for a session token for `sid`, as clerk-js does.
pub async fn token(app: &impl Served, browser: &mut Browser, sid: &str) -> Response {
    browser
        .post(
            app,
            &format!("{MOUNT}/v1/client/sessions/{sid}/tokens"),
            json!({}),
        )
        .await
}

/// A dev browser, as clerk-js asks the frontend API for one (`POST
/// /v1/dev_browser`): its value, which the browser keeps itself.
///
/// # Panics
/// When the instance refuses, or sets a cookie for it.
pub async fn new_dev_browser(app: &impl Served) -> String {
    let res = app
        .client()
        .post(app.url(&format!("{MOUNT}/v1/dev_browser")))
        .send()
        .await
        .expect("the request reaches the server");
    assert_eq!(res.status(), 200);
    assert!(
        res.headers().get(header::SET_COOKIE).is_none(),
        "the browser keeps it, not a cookie of the frontend API"
    );
    let body: Value = res.json().await.expect("a dev browser");
    assert_eq!(body["object"], "dev_browser");
    body["id"].as_str().expect("its value").to_owned()
}

/// A sign-up carrying dev browser `dvb` in the query, as clerk-js sends it
/// to a frontend API on another site: the dev browser is the client, so
/// no cookie comes back. Through the email code when the instance asks
/// for one. Clerk's answer, `{response, client}`, of the step that
/// completed it.
///
/// # Panics
/// When the instance refuses, or sets a cookie.
pub async fn sign_up_on(app: &impl Served, dvb: &str, email: &str) -> Value {
    let post = |path: String, body: Value| async move {
        let res = app
            .client()
            .post(app.url(&format!(
                "{MOUNT}/v1/client/sign_ups{path}?__clerk_db_jwt={dvb}"
            )))
            .header(header::ORIGIN, app.origin())
            .json(&body)
            .send()
            .await
            .expect("the request reaches the server");
        assert_eq!(res.status(), 200, "sign-up step {path:?} of {email}");
        assert!(
            res.headers().get(header::SET_COOKIE).is_none(),
            "the dev browser is the client: no cookie"
        );
        res.json::<Value>().await.expect("Clerk's envelope")
    };
    let started = post(
        String::new(),
        json!({"email_address": email, "password": TEST_PASSWORD}),
    )
    .await;
    if started["response"]["status"] != "missing_requirements" {
        return started;
    }
    let id = started["response"]["id"]
        .as_str()
        .expect("the sign-up's id");
    post(
        format!("/{id}/prepare_verification"),
        json!({"strategy": "email_code"}),
    )
    .await;
    let code = latest_code(app, email).await;
    post(
        format!("/{id}/attempt_verification"),
        json!({"strategy": "email_code", "code": code}),
    )
    .await
}
