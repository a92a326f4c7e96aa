//! The development instance on an origin of its own, as Clerk serves a
//! development instance: its frontend API at `https://<host>` (by default
//! `myapp.lcl.dev`, a name under Clerk's development domains, so clerk-js
//! keeps a dev browser for it), on a listener of its own, while the app
//! stays where it is. Its cookies are then third-party to the app, and the
//! browser is known to it by its dev browser (`handshake`).
//!
//! The listener speaks HTTPS with a certificate made at start for `host`
//! (self-signed: browsers trust it only when told to, as the journeys'
//! Chromium is). Each request goes through the app's own stack — the same
//! client-address, CSRF, authentication and rate-limit layers as every
//! request — as a request for the instance's mount point: `/v1/client` is
//! served as `/__clerk/v1/client`. Only the instance's routes are reachable
//! this way. Answers to the app's pages carry CORS headers for the app's
//! origin (with credentials, and `Clerk-Db-Jwt` readable); no other origin
//! gets them.

use super::{
    handshake::{ViaStandalone, DEV_BROWSER_HEADER},
    MOUNT,
};
use axum::{
    body::Body,
    extract::{ConnectInfo, Request},
    http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri},
    response::{IntoResponse, Response},
    Router,
};
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::{convert::Infallible, net::SocketAddr, sync::Arc};
use tokio::net::TcpListener;
use tower::ServiceExt;

#[derive(Debug, thiserror::Error)]
/// Why the standalone origin could not be set up.
pub enum StandaloneError {
    #[error("cannot make a certificate for {0}: {1}")]
    /// The self-signed certificate for the host (first) could not be made.
    Certificate(String, String),
    #[error("TLS configuration: {0}")]
    /// The TLS settings were refused.
    Tls(String),
}

/// The TLS settings for `host`: a fresh self-signed certificate, HTTP/1.1
/// (the `Host` header names the instance; the app reads it).
/// The TLS settings the standalone listener serves with.
pub use rustls::ServerConfig as TlsConfig;

/// TLS settings with a certificate for `host` made now (self-signed: browsers must be told to accept it, as the journeys do).
pub fn tls_config(host: &str) -> Result<TlsConfig, StandaloneError> {
    let certified = rcgen::generate_simple_self_signed(vec![host.to_owned()])
        .map_err(|e| StandaloneError::Certificate(host.to_owned(), e.to_string()))?;
    let cert = certified.cert.der().clone();
    let key = rustls::pki_types::PrivateKeyDer::try_from(certified.signing_key.serialize_der())
        .map_err(|e| StandaloneError::Tls(e.to_string()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| StandaloneError::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .map_err(|e| StandaloneError::Tls(e.to_string()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// Serves `app`'s instance routes over TLS on `listener` until the task is
/// dropped. `app_origin` is the one origin whose pages may call it.
pub async fn serve(
    listener: TcpListener,
    tls: rustls::ServerConfig,
    app: Router,
    app_origin: String,
) {
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls));
    let app_origin: Arc<str> = app_origin.into();
    loop {
        let (tcp, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(err) => {
                tracing::warn!(%err, "development instance: accepting a connection failed");
                continue;
            }
        };
        let (acceptor, app, app_origin) = (acceptor.clone(), app.clone(), app_origin.clone());
        tokio::spawn(async move {
            let Ok(tls) = acceptor.accept(tcp).await else {
                return;
            };
            let service =
                hyper::service::service_fn(move |request: Request<hyper::body::Incoming>| {
                    let (app, app_origin) = (app.clone(), app_origin.clone());
                    async move {
                        Ok::<_, Infallible>(
                            front(app, request.map(Body::new), peer, &app_origin).await,
                        )
                    }
                });
            let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(tls), service)
                .await;
        });
    }
}

/// One request on the instance's own origin, handed to the app as a
/// request for the mount point.
async fn front(app: Router, mut request: Request, peer: SocketAddr, app_origin: &str) -> Response {
    let from_app = request
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|origin| origin == app_origin);
    if request.method() == Method::OPTIONS {
        return preflight(from_app, request.headers(), app_origin);
    }
    let path_and_query = request.uri().path_and_query().map_or("/", |pq| pq.as_str());
    let mounted = format!("{MOUNT}{path_and_query}");
    match mounted.parse::<Uri>() {
        Ok(uri) => *request.uri_mut() = uri,
        Err(_) => return StatusCode::BAD_REQUEST.into_response(),
    }
    let headers = request.headers_mut();
    // This listener is the TLS end: what scheme and address the request
    // came by is known here, never taken from the client.
    for name in [
        "x-forwarded-proto",
        "x-forwarded-for",
        "x-real-ip",
        "forwarded",
    ] {
        headers.remove(name);
    }
    headers.insert("x-forwarded-proto", HeaderValue::from_static("https"));
    request.extensions_mut().insert(ConnectInfo(peer));
    request.extensions_mut().insert(ViaStandalone);
    let mut response = match app.oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    if from_app {
        allow(response.headers_mut(), app_origin);
    }
    response
}

/// CORS for the app's pages: their calls carry credentials, and clerk-js
/// reads a new dev browser from `Clerk-Db-Jwt`.
fn allow(headers: &mut HeaderMap, app_origin: &str) {
    if let Ok(origin) = HeaderValue::from_str(app_origin) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    }
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
        HeaderValue::from_static("true"),
    );
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static(DEV_BROWSER_HEADER),
    );
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
}

/// The answer to a CORS preflight: allowed for the app's origin only.
fn preflight(from_app: bool, request: &HeaderMap, app_origin: &str) -> Response {
    if !from_app {
        return StatusCode::FORBIDDEN.into_response();
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    let headers = response.headers_mut();
    allow(headers, app_origin);
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST, PATCH, PUT, DELETE"),
    );
    if let Some(asked) = request.get(header::ACCESS_CONTROL_REQUEST_HEADERS) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, asked.clone());
    }
    headers.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("600"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_certificate_is_made_for_the_host() {
        let config = tls_config("myapp.lcl.dev").unwrap();
        assert_eq!(config.alpn_protocols, vec![b"http/1.1".to_vec()]);
    }

    #[test]
    fn only_the_apps_pages_pass_the_preflight() {
        let mut asked = HeaderMap::new();
        asked.insert(
            header::ACCESS_CONTROL_REQUEST_HEADERS,
            HeaderValue::from_static("content-type"),
        );
        let ok = preflight(true, &asked, "http://127.0.0.1:3000");
        assert_eq!(ok.status(), StatusCode::NO_CONTENT);
        assert_eq!(
            ok.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN],
            "http://127.0.0.1:3000"
        );
        assert_eq!(
            ok.headers()[header::ACCESS_CONTROL_ALLOW_HEADERS],
            "content-type"
        );
        let refused = preflight(false, &asked, "http://127.0.0.1:3000");
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
        assert!(refused
            .headers()
            .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .is_none());
    }
}
