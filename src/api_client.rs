//! The browser's typed client for the app's JSON API, on `gloo-net`.
//!
//! Every call carries `Authorization: Bearer <token>` from Clerk's
//! `session.getToken()` (Clerk renews it before it expires); a Bearer call
//! is exempt from the CSRF check, as a cross-site page cannot read the
//! token to forge one. An error answer's body becomes the same `AppError`
//! the server sent, and what the user should see happen is decided here,
//! once:
//!
//! - a lost session (401) goes to sign-in and back here (`redirect_url`);
//! - a Pro feature on the free plan (403 `Upgrade required`) goes to the
//!   pricing page;
//! - Clerk's reverification (403) comes back as `ReverificationRequired`,
//!   for the page's step-up dialog to ask for the password and retry;
//! - a rate limit (429) comes back with its wait in the message, an outage
//!   (5xx) with "try again", a dropped connection as `Transport`.
//!
//! Browser only: on the server, pages call the service layer directly.

use crate::{
    components::clerk::{AuthErrors, UseAuth},
    error::AppError,
};
use gloo_net::http::{RequestBuilder, Response};
use leptos::prelude::window;
use serde::{de::DeserializeOwned, Serialize};

/// Calls the JSON API as the signed-in user.
#[derive(Clone, Copy)]
pub struct ApiClient {
    auth: UseAuth,
}

impl ApiClient {
    pub fn new(auth: UseAuth) -> Self {
        ApiClient { auth }
    }

    /// `GET path`, answered with JSON.
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, AppError> {
        self.send(
            RequestBuilder::new(path).method(gloo_net::http::Method::GET),
            None::<&()>,
        )
        .await
    }

    /// `POST path` without a body, answered with JSON.
    pub async fn post<T: DeserializeOwned>(&self, path: &str) -> Result<T, AppError> {
        self.send(
            RequestBuilder::new(path).method(gloo_net::http::Method::POST),
            None::<&()>,
        )
        .await
    }

    async fn send<T: DeserializeOwned>(
        &self,
        request: RequestBuilder,
        body: Option<&impl Serialize>,
    ) -> Result<T, AppError> {
        let Some(token) = self.auth.session_token().await else {
            return Err(self.handle(AppError::Unauthenticated));
        };
        let request = request.header("Authorization", &format!("Bearer {token}"));
        let request = match body {
            Some(body) => request.json(body),
            None => request.build(),
        }
        .map_err(|_| AppError::Transport("The request could not be prepared.".into()))?;
        let response = request.send().await.map_err(|_| {
            AppError::Transport(
                "Could not reach Inkpad. Check your connection and try again.".into(),
            )
        })?;
        if response.ok() {
            return response.json::<T>().await.map_err(|_| {
                AppError::Transport("Inkpad's answer could not be read. Please try again.".into())
            });
        }
        Err(self.handle(refusal(response).await))
    }

    /// Does what the user should see for `err`, and returns it for the
    /// page to show.
    fn handle(&self, err: AppError) -> AppError {
        match &err {
            AppError::Unauthenticated => self.auth.on_error(&err),
            AppError::UpgradeRequired(_) => {
                let _ = window().location().set_href("/pricing");
            }
            _ => {}
        }
        err
    }
}

/// The error an answer that is not 2xx stands for: the server's own JSON
/// error body when it sent one (every API error is one), else what its
/// status says.
async fn refusal(response: Response) -> AppError {
    let status = response.status();
    if let Ok(err) = response.json::<AppError>().await {
        return err;
    }
    match status {
        401 => AppError::Unauthenticated,
        500..=599 => AppError::Unavailable(
            "Inkpad could not answer just now. Please try again in a moment.".into(),
        ),
        _ => AppError::Transport(format!("Unexpected answer from Inkpad ({status}).")),
    }
}

/// Saves `contents` as a file named `filename` through the browser's
/// download (a Blob behind a temporary object URL).
pub fn download(filename: &str, mime: &str, contents: &str) -> Result<(), AppError> {
    use wasm_bindgen::JsCast;
    let failed = |_| AppError::Transport("Your browser could not save the file.".into());
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(contents));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob =
        web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).map_err(failed)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(failed)?;
    let link: web_sys::HtmlAnchorElement = leptos::prelude::document()
        .create_element("a")
        .map_err(failed)?
        .unchecked_into();
    link.set_href(&url);
    link.set_download(filename);
    link.click();
    // The click has handed the Blob to the download; the URL can go once
    // the browser has had a moment to start it.
    leptos::prelude::set_timeout(
        move || {
            let _ = web_sys::Url::revoke_object_url(&url);
        },
        std::time::Duration::from_secs(10),
    );
    Ok(())
}
