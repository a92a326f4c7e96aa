//! Calling a server function that takes no arguments with the browser's
//! own `fetch`, for islands that must stay small: the server-function
//! client (its codecs, its request and response types) is then not part
//! of their WebAssembly, and the caller reads the answer with
//! `leptos::serde_json::from_str`, the reader Leptos already uses for
//! island props, so no second copy of a type's deserializer ships either.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// What the server answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The status was 2xx.
    pub ok: bool,
    /// The body, as text (a server function's JSON, or its error's).
    pub body: String,
}

/// `POST`s an empty form to `endpoint` (a same-origin path), as the
/// server-function client calls a function without arguments: the browser
/// adds the `Origin` (which the server's CSRF check reads) and the session
/// cookie. `None` when no answer arrived (offline, aborted, unreadable).
pub async fn post_form(endpoint: &str) -> Option<Answer> {
    let window = web_sys::window()?;
    let headers = web_sys::Headers::new().ok()?;
    headers.set("Accept", "application/json").ok()?;
    headers
        .set("Content-Type", "application/x-www-form-urlencoded")
        .ok()?;
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_headers(&headers);
    init.set_body(&JsValue::from_str(""));
    let response: web_sys::Response =
        JsFuture::from(window.fetch_with_str_and_init(endpoint, &init))
            .await
            .ok()?
            .dyn_into()
            .ok()?;
    let body = JsFuture::from(response.text().ok()?)
        .await
        .ok()?
        .as_string()?;
    Some(Answer {
        ok: response.ok(),
        body,
    })
}
