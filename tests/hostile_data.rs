//! The hostile-data walk over HTTP: every text a user, an organization, a
//! webhook or an address can set holds a payload that tries each HTML
//! context at once (attribute quotes, a tag, the end tags of every raw-text
//! element, a comment), then every page is fetched as each kind of visitor
//! on the embedded development instance. A page fails when the payload
//! appears unescaped in its HTML, or when its HTML, parsed as a browser
//! parses it (html5ever, scripting on), holds an element carrying the
//! marker. Each page must also show the fields `tests/hostile/surface.json`
//! says it shows, so the walk cannot pass by showing nothing.
//!
//! The fields and pages are that file's; the browser walk
//! (`end2end/tests/hostile-data.spec.js`) reads the same list.

mod common;

use clerk_dev::DevInstance;
use common::{
    browser::{session_id, Browser},
    eventually, TestApp,
};
use inkpad::clerk::{verify::unix_now, webhook};
use reqwest::{header, Method, StatusCode};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// `tests/hostile/surface.json`.
#[derive(Deserialize)]
struct Surface {
    payloads: BTreeMap<String, String>,
    marker: String,
    fields: Vec<Field>,
    personas: BTreeMap<String, String>,
    pages: Vec<Page>,
}

#[derive(Deserialize)]
struct Field {
    id: String,
    payload: String,
    #[serde(default)]
    encoding: Option<String>,
}

#[derive(Deserialize)]
struct Page {
    path: String,
    #[serde(rename = "as")]
    visitors: Vec<String>,
    /// Per visitor: fields the server's HTML shows.
    #[serde(default)]
    shows: BTreeMap<String, Vec<String>>,
    /// Answered with a redirect (to the sign-in page), which is followed.
    #[serde(default)]
    redirects: bool,
}

impl Surface {
    fn load() -> Surface {
        serde_json::from_str(include_str!("hostile/surface.json")).expect("surface.json")
    }

    fn field(&self, id: &str) -> &Field {
        self.fields
            .iter()
            .find(|f| f.id == id)
            .unwrap_or_else(|| panic!("surface.json has no field {id}"))
    }

    /// The text stored in (or sent as) field `id`.
    fn payload(&self, id: &str) -> String {
        let field = self.field(id);
        self.payloads[&field.payload].replace("{id}", id)
    }

    /// `template` with each `{field}` replaced by that field's payload,
    /// encoded as the field says.
    fn path(&self, template: &str) -> String {
        let mut path = template.to_owned();
        for field in &self.fields {
            let slot = format!("{{{}}}", field.id);
            if !path.contains(&slot) {
                continue;
            }
            let payload = self.payload(&field.id);
            let value = match field.encoding.as_deref() {
                Some("query") => encode(&payload),
                Some("server-fn-error") => {
                    use base64::Engine;
                    let error = json!({"error": "Forbidden", "message": payload}).to_string();
                    encode(&base64::engine::general_purpose::URL_SAFE.encode(error))
                }
                other => panic!(
                    "field {} has no encoding for addresses: {other:?}",
                    field.id
                ),
            };
            path = path.replace(&slot, &value);
        }
        assert!(
            !path.contains('{'),
            "{template}: a slot names no field of surface.json"
        );
        path
    }
}

fn encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// Fields whose payload tag is in `html` as it is: unescaped.
fn unescaped<'a>(surface: &'a Surface, html: &str) -> Vec<&'a str> {
    let lower = html.to_ascii_lowercase();
    surface
        .fields
        .iter()
        .filter(|f| {
            ["<i data-inject-", "<i/data-inject-"]
                .iter()
                .any(|tag| lower.contains(&format!("{tag}{}>", f.id)))
        })
        .map(|f| f.id.as_str())
        .collect()
}

/// `html` parsed as a browser parses it: the elements carrying the marker
/// (as `<tag field>`), and every text and attribute value a reader sees.
fn parse(surface: &Surface, html: &str) -> (Vec<String>, String) {
    let document = scraper::Html::parse_document(html);
    let mut marked = Vec::new();
    let mut seen = String::new();
    for node in document.tree.nodes() {
        match node.value() {
            scraper::Node::Element(element) => {
                for (name, value) in element.attrs() {
                    if let Some(field) = name.strip_prefix(surface.marker.as_str()) {
                        marked.push(format!("<{} {field}>", element.name()));
                    }
                    seen.push_str(value);
                    seen.push('\n');
                }
            }
            scraper::Node::Text(text) => {
                seen.push_str(text);
                seen.push('\n');
            }
            _ => {}
        }
    }
    (marked, seen)
}

/// What is wrong with one answer's HTML: the payload unescaped, an element
/// carrying the marker, or a field it should show and does not.
fn inspect(surface: &Surface, html: &str, must_show: &[String]) -> Vec<String> {
    let mut problems: Vec<String> = unescaped(surface, html)
        .into_iter()
        .map(|field| format!("{field}: the payload is in the HTML unescaped"))
        .collect();
    let (marked, seen) = parse(surface, html);
    for element in marked {
        problems.push(format!("an element carrying the marker exists: {element}"));
    }
    for field in must_show {
        if !seen.contains(&surface.payload(field)) {
            problems.push(format!("{field}: not shown, though the page shows it"));
        }
    }
    problems
}

/// A signed-in browser of the development instance.
struct Visitor {
    browser: Browser,
    session: String,
}

impl Visitor {
    async fn sign_in(app: &TestApp, email: &str, password: &str) -> Visitor {
        let mut browser = Browser::default();
        let res = common::browser::sign_in(app, &mut browser, email, password).await;
        assert_eq!(res.status(), 200, "{email} signs in");
        let session = session_id(&res.json().await.unwrap());
        Visitor { browser, session }
    }

    /// A fresh session token (they live 60 seconds).
    async fn token(&mut self, app: &TestApp) -> String {
        let res = common::browser::token(app, &mut self.browser, &self.session).await;
        assert_eq!(res.status(), 200);
        res.json::<Value>().await.unwrap()["jwt"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Makes `org` (or the personal space, `""`) the session's active one.
    async fn activate(&mut self, app: &TestApp, org: &str) {
        let path = format!("/__clerk/v1/client/sessions/{}/touch", self.session);
        let req = app
            .client
            .post(app.url(&path))
            .form(&[("active_organization_id", org)]);
        let res = self.browser.send(app, req).await;
        assert_eq!(res.status(), 200, "activate {org}");
    }

    /// The cookies a signed-in tab sends with a page load.
    async fn dress(&mut self, app: &TestApp) {
        let token = self.token(app).await;
        self.browser.cookies.insert("__session".into(), token);
        self.browser
            .cookies
            .insert("__client_uat".into(), (unix_now() - 5).to_string());
    }

    async fn post(&mut self, app: &TestApp, title: &str, content: &str) {
        let token = self.token(app).await;
        let res = app
            .request(Method::POST, "/api/protected/posts", Some(&token))
            .json(&json!({"title": title, "content": content}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            StatusCode::CREATED,
            "{}",
            res.text().await.unwrap()
        );
    }
}

/// The instance's Backend API, with its secret key.
struct BackendApi<'a> {
    app: &'a TestApp,
    key: String,
}

impl BackendApi<'_> {
    async fn call(&self, method: Method, path: &str, body: Value) -> Value {
        let res = self
            .app
            .bare_client
            .request(method, self.app.url(&format!("/__clerk/api/v1{path}")))
            .bearer_auth(&self.key)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success(), "{path}: {}", res.status());
        res.json().await.unwrap()
    }

    async fn user_id(&self, email: &str) -> String {
        let found = self
            .app
            .bare_client
            .get(self.app.url("/__clerk/api/v1/users"))
            .query(&[("email_address", email)])
            .bearer_auth(&self.key)
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap();
        found[0]["id"].as_str().expect("a user").to_owned()
    }
}

/// Delivers `event` to the app's webhook as Clerk would, signed with the
/// instance's secret, dated a minute ahead so that nothing the instance
/// sends meanwhile is newer.
async fn deliver(app: &TestApp, instance: &DevInstance, id: &str, mut event: Value) {
    event["timestamp"] = json!((unix_now() + 60) * 1000);
    let body = event.to_string();
    let secret = instance.webhook_secret().unwrap();
    let ts = unix_now();
    let res = app
        .request(Method::POST, "/api/webhooks/clerk", None)
        .header("svix-id", id)
        .header("svix-timestamp", ts.to_string())
        .header("svix-signature", webhook::sign(&secret, id, ts, &body))
        .header(header::CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "webhook {id}: {}", res.status());
}

#[tokio::test]
async fn no_page_lets_hostile_text_become_markup() {
    let surface = Surface::load();
    let app = TestApp::spawn().await;
    let instance = common::dev_instance(&app.db, app.addr).await;
    let api = BackendApi {
        app: &app,
        key: instance.secret_key().expose().to_owned(),
    };
    let p = |id: &str| surface.payload(id);

    // Seed every field. A field of the list nobody seeds fails here, so
    // the list and the walk cannot drift apart.
    let mut seeded: Vec<&str> = Vec::new();
    let mut seed = |ids: &[&'static str]| seeded.extend_from_slice(ids);

    // The writer signs up with hostile names and address…
    let writer_email = p("email");
    // (Through the email code: the hostile address gets its message too.)
    common::browser::sign_up_with(
        &app,
        &mut Browser::default(),
        json!({"email_address": writer_email, "password": "correct horse battery",
               "first_name": p("first-name"), "last_name": p("last-name")}),
    )
    .await;
    seed(&["email", "first-name", "last-name"]);
    let writer_id = api.user_id(&writer_email).await;
    api.call(
        Method::PATCH,
        &format!("/users/{writer_id}/metadata"),
        json!({"public_metadata": {"role": "member", "plan": "pro"}}),
    )
    .await;

    // …an organization gets a hostile name, its admin invites a hostile
    // address, and the writer and the app's admin join it as members.
    let pro_id = api.user_id("pro@inkpad.dev").await;
    let admin_id = api.user_id("admin@inkpad.dev").await;
    let org = api
        .call(
            Method::POST,
            "/organizations",
            json!({"name": p("org-name"), "created_by": pro_id}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    seed(&["org-name"]);
    for user in [&writer_id, &admin_id] {
        api.call(
            Method::POST,
            &format!("/organizations/{org}/memberships"),
            json!({"user_id": user, "role": "org:member"}),
        )
        .await;
    }
    api.call(
        Method::POST,
        &format!("/organizations/{org}/invitations"),
        json!({"email_address": p("invitation-email"), "role": "org:member"}),
    )
    .await;
    seed(&["invitation-email"]);
    eventually("the organization's webhooks reach the app", 20, || async {
        let n = inkpad::db::organizations::member_count(&app.db, &org)
            .await
            .unwrap();
        (n == 3).then_some(())
    })
    .await;

    // The writer posts in their personal space and in the organization.
    let mut writer = Visitor::sign_in(&app, &writer_email, "correct horse battery").await;
    writer
        .post(&app, &p("post-title"), &p("post-content"))
        .await;
    let mut in_org = Visitor::sign_in(&app, &writer_email, "correct horse battery").await;
    in_org.activate(&app, &org).await;
    in_org
        .post(&app, &p("org-post-title"), &p("org-post-content"))
        .await;
    seed(&[
        "post-title",
        "post-content",
        "org-post-title",
        "org-post-content",
    ]);

    // What only Clerk's webhooks carry: a slug the instance would refuse,
    // and a membership role, for a user of their own.
    deliver(
        &app,
        &instance,
        "msg_hostile_org",
        json!({"object": "event", "type": "organization.updated",
               "data": {"object": "organization", "id": org, "name": p("org-name"), "slug": p("org-slug")}}),
    )
    .await;
    deliver(
        &app,
        &instance,
        "msg_hostile_user",
        json!({"object": "event", "type": "user.created",
               "data": {"object": "user", "id": "user_hostile_role", "first_name": "Role", "last_name": "Holder",
                        "primary_email_address_id": "idn_1",
                        "email_addresses": [{"id": "idn_1", "email_address": "role.holder@hostile.example"}],
                        "public_metadata": {}, "created_at": 1, "updated_at": 1}}),
    )
    .await;
    deliver(
        &app,
        &instance,
        "msg_hostile_membership",
        json!({"object": "event", "type": "organizationMembership.created",
               "data": {"object": "organization_membership", "id": "orgmem_hostile", "role": p("membership-role"),
                        "organization": {"id": org}, "public_user_data": {"user_id": "user_hostile_role"}}}),
    )
    .await;
    seed(&["org-slug", "membership-role"]);

    // The address fields are sent by the walk itself.
    seed(&[
        "search",
        "redirect-url",
        "page-number",
        "form-error",
        "path",
    ]);
    for field in &surface.fields {
        assert!(
            seeded.contains(&field.id.as_str()),
            "surface.json's field {} has no seeder here",
            field.id
        );
    }

    // The visitors.
    let mut org_admin = Visitor::sign_in(&app, "pro@inkpad.dev", "inkpad-pro-demo").await;
    org_admin.activate(&app, &org).await;
    let mut app_admin = Visitor::sign_in(&app, "admin@inkpad.dev", "inkpad-admin-demo").await;
    app_admin.activate(&app, &org).await;
    let mut visitors: BTreeMap<&str, Option<Visitor>> = BTreeMap::from([
        ("signed-out", None),
        ("writer", Some(writer)),
        ("org-admin", Some(org_admin)),
        ("app-admin", Some(app_admin)),
    ]);
    assert_eq!(
        visitors.keys().copied().collect::<Vec<_>>(),
        surface
            .personas
            .keys()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        "a visitor for each persona of surface.json"
    );

    // The walk.
    let mut problems = Vec::new();
    let mut visits = 0;
    for page in &surface.pages {
        let path = surface.path(&page.path);
        for persona in &page.visitors {
            let visitor = visitors
                .get_mut(persona.as_str())
                .unwrap_or_else(|| panic!("{}: no persona {persona}", page.path));
            let mut browser = match visitor {
                Some(visitor) => {
                    visitor.dress(&app).await;
                    std::mem::take(&mut visitor.browser)
                }
                None => Browser::default(),
            };
            let what = format!("{} as {persona}", page.path);
            let mut res = browser.page(&app, &path).await;
            if page.redirects {
                assert!(res.status().is_redirection(), "{what}: {}", res.status());
                let to = res.headers()[header::LOCATION].to_str().unwrap().to_owned();
                assert!(
                    !to.contains(['<', '>', '"', '\'', ' ']),
                    "{what}: the redirect carries the payload unencoded: {to}"
                );
                res = browser.page(&app, &to).await;
            }
            let status = res.status();
            let html = res.text().await.unwrap();
            if let Some(visitor) = visitor {
                visitor.browser = browser;
            }
            assert!(
                matches!(status.as_u16(), 200 | 403 | 404),
                "{what}: {status} (a page was expected)"
            );
            let must_show = page.shows.get(persona).cloned().unwrap_or_default();
            for problem in inspect(&surface, &html, &must_show) {
                problems.push(format!("{what}: {problem}"));
            }
            visits += 1;
        }
    }
    println!(
        "hostile-data walk: {} fields, {visits} page visits, {} problems",
        surface.fields.len(),
        problems.len()
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    // The edit form shows the stored text exactly, before any script runs.
    let writer = visitors.get_mut("writer").unwrap().as_mut().unwrap();
    writer.dress(&app).await;
    let html = writer
        .browser
        .page(&app, "/dashboard")
        .await
        .text()
        .await
        .unwrap();
    let document = scraper::Html::parse_document(&html);
    let textarea = scraper::Selector::parse("textarea[id^=edit-content-]").unwrap();
    let shown: Vec<String> = document
        .select(&textarea)
        .map(|t| t.text().collect())
        .collect();
    assert_eq!(shown, vec![p("post-content")]);
}

#[test]
fn each_way_out_of_each_context_is_caught_twice() {
    let surface = Surface::load();
    let payload = surface.payload("post-content");
    for (sink, html) in [
        ("textarea", format!("<textarea>{payload}</textarea>")),
        ("title", format!("<title>{payload}</title>")),
        ("style", format!("<style>{payload}</style>")),
        ("script", format!("<script>{payload}</script>")),
        ("noscript", format!("<noscript>{payload}</noscript>")),
        ("attribute", format!("<input value=\"{payload}\">")),
        (
            "single-quoted attribute",
            format!("<input value='{payload}'>"),
        ),
        ("text", format!("<p>{payload}</p>")),
    ] {
        let page = format!("<!DOCTYPE html><html><head></head><body>{html}</body></html>");
        assert_eq!(unescaped(&surface, &page), ["post-content"], "{sink}");
        let marked = parse(&surface, &page).0;
        assert!(
            !marked.is_empty() && marked.iter().all(|m| m == "<i post-content>"),
            "{sink}: the parsed page holds the marked element: {marked:?}"
        );
    }
    // Escaped as Leptos escapes text and attributes, and as its resource
    // scripts escape `<`: nothing to find, and the text is shown.
    let escaped = html_escape::encode_double_quoted_attribute(&payload);
    let safe = format!(
        "<!DOCTYPE html><html><body><textarea>{escaped}</textarea><input value=\"{escaped}\">\
         <script>x = \"{}\";</script></body></html>",
        payload.replace('<', "\\u003c").replace('"', "\\\"")
    );
    assert_eq!(
        inspect(&surface, &safe, &["post-content".to_owned()]),
        Vec::<String>::new()
    );
}
