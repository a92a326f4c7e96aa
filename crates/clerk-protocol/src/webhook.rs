//! Svix webhook signatures, as Clerk's webhooks carry them: verifying a
//! delivery (the raw body, never a re-serialised one) and signing one, both
//! through the `svix` crate's `Webhook`.
//!
//! What stays here is the smallest wrapper the app needs around it: reading
//! the three headers once (the `svix-id` is also the idempotency key the
//! sync records), and the ±5 minute window checked against a clock the
//! caller passes in — `svix` reads the system clock itself, which would make
//! the official test vector (2021) and time-travel tests impossible, so the
//! app checks the window and calls `verify_ignoring_timestamp`.

use super::keys::WebhookSecret;
use http::{HeaderMap, HeaderValue};
use svix::webhooks::Webhook;

/// Deliveries more than this far from now, either way, are refused.
pub const TOLERANCE_SECS: i64 = 5 * 60;

/// Why a delivery was refused (answered 400, nothing written).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error("missing {0} header")]
    MissingHeader(&'static str),
    #[error("timestamp is not a unix time")]
    BadTimestamp,
    #[error("timestamp outside the tolerance")]
    OutsideTolerance,
    #[error("no signature matches")]
    NoMatchingSignature,
}

/// The three Svix headers, branded (`svix-*`) or unbranded (`webhook-*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SvixHeaders {
    pub id: String,
    pub timestamp: i64,
    pub signature: String,
}

impl SvixHeaders {
    pub fn from_headers(headers: &HeaderMap) -> Result<Self, WebhookError> {
        let get = |name: &'static str| {
            headers
                .get(format!("svix-{name}"))
                .or_else(|| headers.get(format!("webhook-{name}")))
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .ok_or(WebhookError::MissingHeader(match name {
                    "id" => "svix-id",
                    "timestamp" => "svix-timestamp",
                    _ => "svix-signature",
                }))
        };
        let id = get("id")?.to_owned();
        let timestamp = get("timestamp")?
            .parse()
            .map_err(|_| WebhookError::BadTimestamp)?;
        let signature = get("signature")?.to_owned();
        Ok(SvixHeaders {
            id,
            timestamp,
            signature,
        })
    }

    /// The same, as `svix` reads them; `None` when a value cannot be a
    /// header (it could not have been signed by Svix either).
    fn to_header_map(&self) -> Option<HeaderMap> {
        let mut map = HeaderMap::new();
        map.insert("svix-id", HeaderValue::from_str(&self.id).ok()?);
        map.insert("svix-timestamp", HeaderValue::from(self.timestamp));
        map.insert(
            "svix-signature",
            HeaderValue::from_str(&self.signature).ok()?,
        );
        Some(map)
    }
}

fn webhook(secret: &WebhookSecret) -> Webhook {
    Webhook::from_bytes(secret.key().to_vec())
        .expect("a WebhookSecret is never empty, the one key Svix refuses")
}

/// The `svix-signature` value for a delivery: `v1,<base64>`. Svix payloads
/// are JSON, so the body is text.
pub fn sign(secret: &WebhookSecret, id: &str, timestamp: i64, body: &str) -> String {
    webhook(secret)
        .sign(id, timestamp, body.as_bytes())
        .expect("a str is UTF-8, the one thing Svix's signing requires")
}

/// Checks a delivery's raw body against its headers, as of `now` (unix
/// seconds): within five minutes either way, then any `v1` signature among
/// the header's entries (Svix compares in constant time).
pub fn verify(
    secret: &WebhookSecret,
    headers: &SvixHeaders,
    body: &[u8],
    now: i64,
) -> Result<(), WebhookError> {
    // abs_diff: a timestamp near i64::MIN must not overflow the subtraction.
    if now.abs_diff(headers.timestamp) > TOLERANCE_SECS.unsigned_abs() {
        return Err(WebhookError::OutsideTolerance);
    }
    let map = headers
        .to_header_map()
        .ok_or(WebhookError::NoMatchingSignature)?;
    webhook(secret)
        .verify_ignoring_timestamp(body, &map)
        .map_err(|_| WebhookError::NoMatchingSignature)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::{HeaderName, HeaderValue};

    // The official Svix test vector (../shared/clerk-protocol.md).
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TS: i64 = 1614265330;
    const BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SIG: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    fn secret() -> WebhookSecret {
        SECRET.parse().unwrap()
    }

    fn headers(signature: &str, timestamp: i64) -> SvixHeaders {
        SvixHeaders {
            id: ID.into(),
            timestamp,
            signature: signature.into(),
        }
    }

    #[test]
    fn signing_reproduces_the_official_vector() {
        assert_eq!(
            sign(&secret(), ID, TS, std::str::from_utf8(BODY).unwrap()),
            SIG
        );
    }

    #[test]
    fn the_official_vector_verifies() {
        assert_eq!(verify(&secret(), &headers(SIG, TS), BODY, TS), Ok(()));
    }

    #[test]
    fn any_matching_entry_among_several_is_enough() {
        let sig = format!("v1,bm90IGl0 v2,whatever {SIG} v1,!!!notbase64");
        assert_eq!(verify(&secret(), &headers(&sig, TS), BODY, TS), Ok(()));
        assert_eq!(
            verify(
                &secret(),
                &headers("v1a,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", TS),
                BODY,
                TS
            ),
            Err(WebhookError::NoMatchingSignature),
            "other schemes are not v1"
        );
    }

    #[test]
    fn changed_bodies_ids_timestamps_or_secrets_fail() {
        let no = Err(WebhookError::NoMatchingSignature);
        assert_eq!(
            verify(&secret(), &headers(SIG, TS), br#"{"test": 2432232315}"#, TS),
            no
        );
        assert_eq!(
            verify(&secret(), &headers(SIG, TS), br#"{"test":2432232314}"#, TS),
            no,
            "re-serialised"
        );
        let other_id = SvixHeaders {
            id: "msg_other".into(),
            ..headers(SIG, TS)
        };
        assert_eq!(verify(&secret(), &other_id, BODY, TS), no);
        assert_eq!(verify(&secret(), &headers(SIG, TS + 1), BODY, TS), no);
        let other: WebhookSecret = "whsec_dGhpcyBpcyBhbm90aGVyIHNlY3JldA==".parse().unwrap();
        assert_eq!(verify(&other, &headers(SIG, TS), BODY, TS), no);
    }

    #[test]
    fn timestamps_must_be_within_five_minutes_either_way() {
        for (now, expected) in [
            (TS + 300, Ok(())),
            (TS - 300, Ok(())),
            (TS + 301, Err(WebhookError::OutsideTolerance)),
            (TS - 301, Err(WebhookError::OutsideTolerance)),
        ] {
            assert_eq!(
                verify(&secret(), &headers(SIG, TS), BODY, now),
                expected,
                "now = ts {:+}",
                now - TS
            );
        }
    }

    #[test]
    fn headers_are_read_branded_or_unbranded_and_required() {
        let map = |pairs: &[(&str, &str)]| {
            let mut h = HeaderMap::new();
            for (k, v) in pairs {
                h.insert(
                    HeaderName::from_bytes(k.as_bytes()).unwrap(),
                    HeaderValue::from_str(v).unwrap(),
                );
            }
            h
        };
        let ts = TS.to_string();
        let branded = map(&[
            ("svix-id", ID),
            ("svix-timestamp", &ts),
            ("svix-signature", SIG),
        ]);
        assert_eq!(SvixHeaders::from_headers(&branded), Ok(headers(SIG, TS)));
        let unbranded = map(&[
            ("webhook-id", ID),
            ("webhook-timestamp", &ts),
            ("webhook-signature", SIG),
        ]);
        assert_eq!(SvixHeaders::from_headers(&unbranded), Ok(headers(SIG, TS)));
        for (missing, name) in [
            ("svix-id", "svix-id"),
            ("svix-timestamp", "svix-timestamp"),
            ("svix-signature", "svix-signature"),
        ] {
            let partial: Vec<_> = [
                ("svix-id", ID),
                ("svix-timestamp", ts.as_str()),
                ("svix-signature", SIG),
            ]
            .into_iter()
            .filter(|(k, _)| *k != missing)
            .collect();
            assert_eq!(
                SvixHeaders::from_headers(&map(&partial)),
                Err(WebhookError::MissingHeader(name))
            );
        }
        let bad_ts = map(&[
            ("svix-id", ID),
            ("svix-timestamp", "yesterday"),
            ("svix-signature", SIG),
        ]);
        assert_eq!(
            SvixHeaders::from_headers(&bad_ts),
            Err(WebhookError::BadTimestamp)
        );
    }
}
