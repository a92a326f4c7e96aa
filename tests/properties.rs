//! Property tests of the four parsers an attacker feeds directly: the
//! session-token verifier, the webhook signature check, the path
//! normaliser behind the route policy, and the redirect sanitiser.
//!
//! A few thousand cases each by default (CI). For a deep run (not in CI):
//!
//! ```sh
//! PROPTEST_CASES=1000000 cargo test --release --features ssr --test properties -- --nocapture
//! ```
//!
//! Each property prints how many cases it ran.

mod common;

use common::TestClerk;
use inkpad::{
    auth::{normalize, redirect::same_origin, Access, AppRule},
    clerk::{
        keys::WebhookSecret,
        verify::{unix_now, Verifier},
        webhook::{self, SvixHeaders},
    },
    model::{Plan, Role},
};
use proptest::{
    prelude::*,
    test_runner::{Config, TestCaseError, TestRunner},
};
use serde_json::json;
use std::{
    io::Write,
    sync::atomic::{AtomicU64, Ordering},
    time::Duration,
};

/// Cases per property: `PROPTEST_CASES`, else a few thousand.
fn config() -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3_000);
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

/// Runs `test` over `strategy`, then prints the number of cases.
fn check<S: Strategy>(
    name: &str,
    strategy: S,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) {
    let ran = AtomicU64::new(0);
    let mut runner = TestRunner::new(config());
    let result = runner.run(&strategy, |value| {
        ran.fetch_add(1, Ordering::Relaxed);
        test(value)
    });
    let _ = writeln!(
        std::io::stderr(),
        "property {name}: {} cases",
        ran.load(Ordering::Relaxed)
    );
    if let Err(err) = result {
        panic!("{name}: {err}");
    }
}

fn verifier() -> Verifier {
    let pem = TestClerk::get()
        .env()
        .into_iter()
        .find(|(k, _)| *k == "CLERK_JWT_KEY")
        .unwrap()
        .1;
    Verifier::with_pem(pem, TestClerk::ISSUER, Vec::new(), Duration::from_secs(5)).unwrap()
}

fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
    thread_local! {
        static RUNTIME: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    }
    RUNTIME.with(|rt| rt.block_on(future))
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

const B64URL: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

#[test]
fn the_token_verifier_accepts_only_tokens_signed_by_the_instance() {
    let v = verifier();
    // Anything at all, and anything shaped like a JWT.
    check(
        "token: arbitrary input never verifies",
        prop_oneof![
            ".{0,600}",
            "[A-Za-z0-9_-]{0,120}\\.[A-Za-z0-9_-]{0,400}\\.[A-Za-z0-9_-]{0,400}",
            "[A-Za-z0-9_.=-]{0,2000}",
        ],
        |token| {
            prop_assert!(block_on(v.verify(&token)).is_err());
            Ok(())
        },
    );
    // Headers and claims an attacker chooses, with any algorithm and signature.
    check(
        "token: forged headers and claims never verify",
        (
            prop::sample::select(vec![
                "none", "HS256", "HS512", "RS256", "rs256", "ES256", "PS256", "",
            ]),
            "[a-z_0-9]{0,20}",
            prop::sample::select(vec!["admin", "member", "root"]),
            proptest::collection::vec(any::<u8>(), 0..300),
        ),
        |(alg, kid, role, signature)| {
            let now = unix_now();
            let header = b64(json!({"alg": alg, "kid": kid, "typ": "JWT"})
                .to_string()
                .as_bytes());
            let claims = b64(json!({
                "iss": TestClerk::ISSUER, "sub": "user_attacker", "iat": now, "exp": now + 60,
                "metadata": {"role": role},
            })
            .to_string()
            .as_bytes());
            let token = format!("{header}.{claims}.{}", b64(&signature));
            prop_assert!(block_on(v.verify(&token)).is_err());
            Ok(())
        },
    );
    // Real tokens with any one character changed. Signing is the slow part,
    // so a set of tokens is signed once and each case mutates one of them.
    let clerk = TestClerk::get();
    // Valid for two hours: a deep run takes minutes.
    let signed: Vec<String> = (0..64)
        .map(|i| clerk.token(&format!("user_{i}"), json!({"exp": unix_now() + 7200})))
        .collect();
    check(
        "token: any change to a signed token is refused",
        (
            any::<prop::sample::Index>(),
            any::<prop::sample::Index>(),
            any::<prop::sample::Index>(),
        ),
        |(which, at, with)| {
            let token = &signed[which.index(signed.len())];
            prop_assert!(block_on(v.verify(token)).is_ok());
            let mut bytes = token.clone().into_bytes();
            let i = at.index(bytes.len());
            let replacement = B64URL.as_bytes()[with.index(B64URL.len())];
            if bytes[i] == replacement || bytes[i] == b'.' {
                return Ok(());
            }
            bytes[i] = replacement;
            let mutated = String::from_utf8(bytes).unwrap();
            prop_assert!(block_on(v.verify(&mutated)).is_err(), "{mutated}");
            Ok(())
        },
    );
    // Time: accepted exactly within the lifetime and the 5 s skew, judged
    // at a fixed `now` so the clock cannot tick during a case. Tokens are
    // signed once for a grid of offsets.
    let now = unix_now();
    let offsets: Vec<i64> = (-40..=40).map(|k| k * 10).chain(-8..=8).collect();
    let grid: Vec<(i64, i64, String)> = offsets
        .iter()
        .flat_map(|&exp| offsets.iter().map(move |&nbf| (exp, nbf)))
        .filter(|(exp, nbf)| exp.abs() <= 8 || nbf.abs() <= 8 || (exp + nbf) % 30 == 0)
        .map(|(exp, nbf)| {
            let token = clerk.token(
                "user_time",
                json!({"exp": now + exp, "nbf": now + nbf, "iat": now - 400}),
            );
            (exp, nbf, token)
        })
        .collect();
    check(
        "token: lifetime and skew",
        any::<prop::sample::Index>(),
        |pick| {
            let (exp, nbf, token) = &grid[pick.index(grid.len())];
            let ok = block_on(v.verify_at(token, now)).is_ok();
            // exp + skew must not be passed; nbf - skew must be reached.
            prop_assert_eq!(
                ok,
                now <= now + exp + 5 && now + 5 >= now + nbf,
                "exp {} nbf {}",
                exp,
                nbf
            );
            Ok(())
        },
    );
}

#[test]
fn the_webhook_check_accepts_only_the_senders_signature_in_time() {
    let secret: WebhookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".parse().unwrap();
    let now = unix_now();
    check(
        "webhook: arbitrary headers and bodies never verify",
        (
            ".{0,40}",
            any::<i64>(),
            ".{0,200}",
            proptest::collection::vec(any::<u8>(), 0..500),
        ),
        |(id, timestamp, signature, body)| {
            let headers = SvixHeaders {
                id,
                timestamp,
                signature,
            };
            prop_assert!(webhook::verify(&secret, &headers, &body, now).is_err());
            Ok(())
        },
    );
    check(
        "webhook: any change to a signed body is refused",
        (
            "msg_[A-Za-z0-9]{1,20}",
            // Svix payloads are text (JSON); the change may make them not.
            "(?s).{1,300}",
            any::<prop::sample::Index>(),
            1u8..=255,
        ),
        |(id, body, at, flip)| {
            let signature = webhook::sign(&secret, &id, now, &body);
            let headers = SvixHeaders {
                id,
                timestamp: now,
                signature,
            };
            prop_assert!(webhook::verify(&secret, &headers, body.as_bytes(), now).is_ok());
            let mut changed = body.into_bytes();
            let i = at.index(changed.len());
            changed[i] ^= flip;
            prop_assert!(webhook::verify(&secret, &headers, &changed, now).is_err());
            Ok(())
        },
    );
    check(
        "webhook: five minutes either way, and any position among several signatures",
        (
            -1_000i64..1_000,
            proptest::collection::vec("[A-Za-z0-9+/]{43}=", 0..5),
            any::<prop::sample::Index>(),
        ),
        |(offset, decoys, at)| {
            let body = "{\"type\":\"user.updated\"}";
            let ts = now + offset;
            let good = webhook::sign(&secret, "msg_1", ts, body);
            let mut entries: Vec<String> = decoys.into_iter().map(|d| format!("v1,{d}")).collect();
            entries.insert(at.index(entries.len() + 1), good);
            let headers = SvixHeaders {
                id: "msg_1".into(),
                timestamp: ts,
                signature: entries.join(" "),
            };
            let ok = webhook::verify(&secret, &headers, body.as_bytes(), now).is_ok();
            prop_assert_eq!(ok, offset.abs() <= 300, "offset {}", offset);
            Ok(())
        },
    );
}

/// A disguise of `path`: letters in any case, characters percent-encoded
/// once or twice, slashes doubled or backslashed, a trailing slash, a
/// detour through `..`.
fn disguised(path: &'static str) -> impl Strategy<Value = String> {
    let n = path.len();
    (
        proptest::collection::vec(0u8..6, n),
        any::<bool>(),
        prop::sample::select(vec!["", "/x/..", "/./", "//"]),
    )
        .prop_map(move |(choices, trailing, detour)| {
            let mut out = String::from(detour.trim_end_matches('/'));
            for (c, choice) in path.chars().zip(choices) {
                let piece = match (c, choice) {
                    ('/', 1) => "//".to_owned(),
                    ('/', 2) => "\\".to_owned(),
                    ('/', 3) => "%2F".to_owned(),
                    (c, 1) => c.to_ascii_uppercase().to_string(),
                    (c, 2) => format!("%{:02X}", c as u8),
                    (c, 3) => format!("%25{:02X}", c as u8),
                    (c, _) => c.to_string(),
                };
                out.push_str(&piece);
            }
            if trailing {
                out.push('/');
            }
            if !out.starts_with('/') && !out.starts_with('\\') && !out.starts_with('%') {
                out.insert(0, '/');
            }
            out
        })
}

#[test]
fn the_path_normaliser_sees_through_every_disguise() {
    check(
        "paths: every reading is a plain, lower-case, single-slash path",
        ".{0,200}",
        |raw| {
            for reading in normalize(&raw) {
                prop_assert!(reading.starts_with('/'), "{reading:?}");
                prop_assert!(
                    !reading.contains("//") && !reading.contains('\\'),
                    "{reading:?}"
                );
                prop_assert_eq!(reading.to_lowercase(), reading.clone());
                prop_assert!(reading == "/" || !reading.ends_with('/'), "{reading:?}");
                // Normalising again changes nothing (a decoded `?` or `#` is a
                // path character in a reading, but would start a query again).
                if !reading.contains(['?', '#']) {
                    prop_assert!(normalize(&reading).contains(&reading), "{reading:?}");
                }
            }
            Ok(())
        },
    );
    let policy = inkpad::auth::policy::app();
    for (path, access) in [
        ("/dashboard", Access::SignedIn),
        ("/admin", Access::Require(AppRule::Role(Role::Admin))),
        (
            "/api/admin/users",
            Access::Require(AppRule::Role(Role::Admin)),
        ),
        (
            "/api/premium/generate",
            Access::Require(AppRule::Plan(Plan::Pro)),
        ),
        ("/api/protected/posts", Access::SignedIn),
    ] {
        check(
            &format!("paths: disguises of {path} keep its rule"),
            disguised(path),
            |raw| {
                prop_assert!(
                    policy.requirements(&raw).contains(&access),
                    "{raw:?} escaped {access:?}"
                );
                Ok(())
            },
        );
    }
}

#[test]
fn the_redirect_sanitiser_never_leaves_the_site() {
    let origin = "https://app.example.com";
    let base = url::Url::parse(origin).unwrap();
    let stays = |target: &str| -> Result<(), TestCaseError> {
        if let Some(path) = same_origin(target, origin) {
            prop_assert!(path.starts_with('/') && !path.starts_with("//"), "{path:?}");
            prop_assert!(
                !path.chars().any(|c| c.is_control() || c == '\\'),
                "{path:?}"
            );
            // Resolved as a browser resolves it, it is still this site.
            let resolved = base.join(&path).unwrap();
            prop_assert_eq!(
                resolved.origin(),
                base.origin(),
                "{} → {}",
                target,
                resolved
            );
        }
        Ok(())
    };
    check(
        "redirects: arbitrary targets stay on the site or are dropped",
        ".{0,120}",
        |t| stays(&t),
    );
    check(
        "redirects: URL-shaped targets stay on the site or are dropped",
        (
            prop::sample::select(vec![
                "",
                "https:",
                "http:",
                "//",
                "/",
                "\\",
                "/\\",
                "javascript:",
                "https://app.example.com",
                "https://app.example.com.evil.com",
                "https://app.example.com@evil.com",
            ]),
            "[a-z./@:\\\\%0-9\t\n ]{0,40}",
        ),
        |(prefix, rest)| stays(&format!("{prefix}{rest}")),
    );
    check(
        "redirects: own paths are kept",
        "/[a-z0-9/_-]{0,40}",
        |path| {
            if !path.starts_with("//") {
                prop_assert_eq!(same_origin(&path, origin), Some(path.clone()));
            }
            Ok(())
        },
    );
}
