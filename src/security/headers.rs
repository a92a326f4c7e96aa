//! Response headers every answer carries: a Content-Security-Policy with a
//! fresh nonce per request, `nosniff`, a referrer policy, a restrictive
//! permissions policy, no framing, HSTS over https, and `no-store` on
//! everything that depends on the caller.
//!
//! The policy allows scripts from the app itself, from Clerk's frontend API
//! (clerk-js and its chunks) and Cloudflare's bot-protection challenge, plus
//! inline scripts carrying this response's nonce (Leptos' hydration and
//! resource scripts get it through `leptos::nonce`), and
//! `'wasm-unsafe-eval'` for the WASM bundle. Styles allow `'unsafe-inline'`
//! because clerk-js injects its styles at run time (Clerk's documented
//! requirement); a nonce in `style-src` would switch that off.

use crate::{auth::request::request_origin, config::ClerkConfig};
use axum::{
    extract::{Request, State},
    http::{header, HeaderName, HeaderValue},
    middleware::Next,
    response::Response,
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use rand::RngCore;
use std::sync::Arc;

/// This request's CSP nonce, for inline scripts rendered in its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CspNonce(pub Arc<str>);

impl CspNonce {
    /// 128 random bits, url-safe base64.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut bytes);
        CspNonce(URL_SAFE_NO_PAD.encode(bytes).into())
    }
}

/// Cloudflare's challenge, which clerk-js loads for bot protection.
const CLOUDFLARE_CHALLENGES: &str = "https://challenges.cloudflare.com";
/// Where Clerk serves user avatars.
const CLERK_IMAGES: &str = "https://img.clerk.com";

/// The headers, built once from configuration.
#[derive(Debug, Clone)]
pub struct SecurityHeaders {
    /// The policy split around the nonce: `before` + nonce + `after`.
    csp_before: String,
    csp_after: String,
}

impl SecurityHeaders {
    /// `clerk` names the frontend API; with the local development instance
    /// everything Clerk serves comes from the app's own origin. `live_reload`
    /// allows cargo-leptos' reload socket (`cargo leptos watch` only).
    pub fn new(clerk: &ClerkConfig, dev_instance: bool, live_reload: bool) -> Self {
        let mut clerk_origins: Vec<String> = Vec::new();
        // The development instance on an origin of its own serves clerk-js
        // and its frontend API from there, as Clerk does.
        if !dev_instance || clerk.dev_standalone.is_some() {
            if let Some(pk) = &clerk.publishable_key {
                clerk_origins.push(pk.frontend_api_url());
            }
        }
        if !dev_instance {
            if let Some(proxy) = clerk.proxy_url.as_deref().and_then(origin_of) {
                clerk_origins.push(proxy);
            }
        }
        let clerk_src = clerk_origins
            .iter()
            .map(|o| format!(" {o}"))
            .collect::<String>();
        let (challenges, images, frames) = if dev_instance {
            (String::new(), String::new(), "'none'".to_owned())
        } else {
            (
                format!(" {CLOUDFLARE_CHALLENGES}"),
                format!(" {CLERK_IMAGES}"),
                CLOUDFLARE_CHALLENGES.to_owned(),
            )
        };
        let reload = if live_reload { " ws: wss:" } else { "" };
        SecurityHeaders {
            csp_before: "default-src 'self'; script-src 'self' 'nonce-".into(),
            csp_after: format!(
                "' 'wasm-unsafe-eval'{clerk_src}{challenges}; \
                 style-src 'self' 'unsafe-inline'; \
                 img-src 'self' data: blob:{images}; \
                 font-src 'self' data:; \
                 connect-src 'self'{clerk_src}{reload}; \
                 worker-src 'self' blob:; \
                 frame-src {frames}; \
                 object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
            ),
        }
    }

    /// The policy for a response rendered with `nonce`.
    pub fn csp(&self, nonce: &CspNonce) -> String {
        format!("{}{}{}", self.csp_before, nonce.0, self.csp_after)
    }
}

fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next()?;
    (!host.is_empty()).then(|| format!("{scheme}://{host}"))
}

const PERMISSIONS_POLICY: &str = "accelerometer=(), camera=(), geolocation=(), gyroscope=(), \
     magnetometer=(), microphone=(), payment=(), usb=(), interest-cohort=()";

/// Middleware: gives the request its nonce, then dresses the response.
pub async fn apply(
    State(headers): State<Arc<SecurityHeaders>>,
    mut request: Request,
    next: Next,
) -> Response {
    let nonce = CspNonce::generate();
    request.extensions_mut().insert(nonce.clone());
    let https = request_origin(request.headers()).is_some_and(|o| o.starts_with("https://"));
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;

    let set = |response: &mut Response, name: HeaderName, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            response.headers_mut().entry(name).or_insert(value);
        }
    };
    set(
        &mut response,
        header::CONTENT_SECURITY_POLICY,
        &headers.csp(&nonce),
    );
    set(&mut response, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(
        &mut response,
        header::REFERRER_POLICY,
        "strict-origin-when-cross-origin",
    );
    set(&mut response, header::X_FRAME_OPTIONS, "DENY");
    set(
        &mut response,
        HeaderName::from_static("permissions-policy"),
        PERMISSIONS_POLICY,
    );
    set(
        &mut response,
        HeaderName::from_static("cross-origin-opener-policy"),
        // Popups (an OAuth provider's window) may still talk back.
        "same-origin-allow-popups",
    );
    if https {
        set(
            &mut response,
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=63072000; includeSubDomains",
        );
    }
    let static_asset = is_static_asset(&path, &response);
    if static_asset && !response.headers().contains_key(header::VARY) {
        // Files are served brotli, gzip or plain by Accept-Encoding (from
        // their precompressed twins); a shared cache must keep them apart.
        set(&mut response, header::VARY, "accept-encoding");
    }
    let cache = if !static_asset {
        "no-store"
    } else if is_content_hashed(&path) {
        // The name changes whenever the content does: keep it for good.
        "public, max-age=31536000, immutable"
    } else {
        // A stable name (favicon, unhashed development builds): reuse it
        // only after asking whether it changed.
        "no-cache"
    };
    set(&mut response, header::CACHE_CONTROL, cache);
    response
}

/// A build output under `/pkg` whose name carries its content hash, as
/// cargo-leptos writes them with `hash-files`: `inkpad.<hash>.wasm`,
/// `.js`, `.css` (and their `.br`/`.gz` twins).
fn is_content_hashed(path: &str) -> bool {
    let Some(file) = path.strip_prefix("/pkg/") else {
        return false;
    };
    if file.contains('/') {
        return false;
    }
    let file = file
        .strip_suffix(".br")
        .or_else(|| file.strip_suffix(".gz"))
        .unwrap_or(file);
    let mut parts = file.rsplitn(3, '.');
    let (Some(_ext), Some(hash), Some(stem)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    !stem.is_empty()
        && hash.len() >= 16
        && hash
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A file from the site root: the same for everyone, so cacheable. Pages
/// (HTML: they render the caller), JSON and anything under `/api` or the
/// development instance are not.
fn is_static_asset(path: &str, response: &Response) -> bool {
    if path.starts_with("/api/") || path.starts_with(crate::security::DEV_INSTANCE_PATH) {
        return false;
    }
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    response.status().is_success()
        && !content_type.starts_with("text/html")
        && !content_type.starts_with("application/json")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clerk::keys::{InstanceKind, PublishableKey};

    fn clerk(pk: Option<&str>, proxy: Option<&str>) -> ClerkConfig {
        let mut config = crate::config::Config::from_lookup(|_| None).unwrap().clerk;
        config.publishable_key = pk.map(|host| PublishableKey::for_host(InstanceKind::Live, host));
        config.proxy_url = proxy.map(str::to_owned);
        config
    }

    #[test]
    fn the_policy_names_clerk_and_the_nonce() {
        let headers = SecurityHeaders::new(&clerk(Some("clerk.example.com"), None), false, false);
        let nonce = CspNonce("abc123".into());
        let csp = headers.csp(&nonce);
        assert!(csp.contains(
            "script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval' https://clerk.example.com https://challenges.cloudflare.com;"
        ), "{csp}");
        assert!(
            csp.contains("connect-src 'self' https://clerk.example.com;"),
            "{csp}"
        );
        assert!(
            csp.contains("img-src 'self' data: blob: https://img.clerk.com;"),
            "{csp}"
        );
        assert!(
            csp.contains("frame-src https://challenges.cloudflare.com;"),
            "{csp}"
        );
        assert!(csp.contains("style-src 'self' 'unsafe-inline';"), "{csp}");
        for directive in [
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "object-src 'none'",
            "worker-src 'self' blob:",
        ] {
            assert!(csp.contains(directive), "{directive}: {csp}");
        }
        assert!(!csp.contains("ws:"), "{csp}");
    }

    #[test]
    fn the_development_instance_is_the_apps_own_origin() {
        let headers = SecurityHeaders::new(
            &clerk(Some("127.0.0.1:3000/__clerk"), Some("/__clerk")),
            true,
            true,
        );
        let csp = headers.csp(&CspNonce("n".into()));
        assert!(
            csp.contains("script-src 'self' 'nonce-n' 'wasm-unsafe-eval';"),
            "{csp}"
        );
        assert!(csp.contains("frame-src 'none';"), "{csp}");
        assert!(csp.contains("connect-src 'self' ws: wss:;"), "{csp}");
        assert!(!csp.contains("cloudflare"), "{csp}");
    }

    #[test]
    fn an_absolute_proxy_is_allowed_too() {
        let headers = SecurityHeaders::new(
            &clerk(
                Some("clerk.example.com"),
                Some("https://proxy.example.com/__clerk"),
            ),
            false,
            false,
        );
        let csp = headers.csp(&CspNonce("n".into()));
        assert!(
            csp.contains("https://clerk.example.com https://proxy.example.com"),
            "{csp}"
        );
    }

    #[test]
    fn only_content_hashed_files_are_immutable() {
        assert!(is_content_hashed("/pkg/inkpad.AoOIoy7hdK5ZGy0dP3pGFQ.wasm"));
        assert!(is_content_hashed(
            "/pkg/inkpad.AoOIoy7hdK5ZGy0dP3pGFQ.wasm.br"
        ));
        assert!(!is_content_hashed("/pkg/inkpad.wasm"));
        assert!(!is_content_hashed("/pkg/inkpad_bg.wasm"));
        assert!(!is_content_hashed("/favicon.svg"));
        assert!(!is_content_hashed(
            "/other/inkpad.AoOIoy7hdK5ZGy0dP3pGFQ.js"
        ));
    }

    #[test]
    fn nonces_are_fresh_and_url_safe() {
        let (a, b) = (CspNonce::generate(), CspNonce::generate());
        assert_ne!(a, b);
        assert_eq!(a.0.len(), 22);
        assert!(a
            .0
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
    }
}
