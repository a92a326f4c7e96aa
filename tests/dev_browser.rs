//! The development instance's handshake through the app: the app applies
//! a handshake token signed by the instance, and the app's per-address
//! write budget stops a flood of handshakes from filling the store with
//! dev browsers. (The instance's own dev browser and handshake rules are
//! tested beside it, in `crates/clerk-dev/tests/dev_browser.rs`.)

mod common;

use common::{
    browser::{new_dev_browser, sign_up_on, Browser},
    TestApp,
};
use reqwest::{header, Response};

/// The handshake's answer: where it sends the browser.
async fn handshake(app: &TestApp, query: &str) -> Response {
    app.bare_client
        .get(app.url(&format!("/__clerk/v1/client/handshake?{query}")))
        .send()
        .await
        .unwrap()
}

fn encoded(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn a_token_handshake_is_signed_by_the_instance_and_the_app_applies_it() {
    let app = TestApp::spawn().await;
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
    let to = res.headers()[header::LOCATION].to_str().unwrap().to_owned();

    // The app verifies it with the instance's keys and sets the cookies.
    let mut browser = Browser::default();
    let res = browser.page(&app, &to).await;
    assert_eq!(res.status(), 307);
    assert_eq!(res.headers()[header::LOCATION], "/settings");
    assert!(browser.cookies.contains_key("__session"));
    assert_eq!(browser.cookies["__clerk_db_jwt"], dvb);
    let res = browser.page(&app, "/settings").await;
    assert_eq!(res.status(), 200, "signed in");
}

#[tokio::test]
async fn a_flood_of_handshakes_cannot_fill_the_store_with_dev_browsers() {
    let app = TestApp::spawn().await;
    let clients = || async {
        sqlx::query_as::<_, (i64,)>("SELECT COUNT(*) FROM clerk_dev_clients")
            .fetch_one(app.db.pool())
            .await
            .unwrap()
            .0
    };
    let before = clients().await;
    let query = format!(
        "redirect_url={}&format=nonce&__clerk_hs_reason=dev-browser-missing",
        encoded(&app.url("/"))
    );
    let mut refused = 0;
    for _ in 0..100 {
        let res = handshake(&app, &query).await;
        match res.status().as_u16() {
            307 => {}
            429 => refused += 1,
            other => panic!("handshake answered {other}"),
        }
    }
    // The per-address write budget (60 a minute) stops it; each handshake
    // let through made one signed-out dev browser.
    assert!(refused >= 30, "{refused} of 100 refused");
    assert_eq!(clients().await - before, 100 - refused);
}
