//! Clerk's keys: the publishable key (which names the frontend API), the secret
//! key, the webhook signing secret, and a redacting wrapper for secrets.

use base64::{
    engine::general_purpose::{STANDARD, STANDARD_NO_PAD},
    Engine,
};
use std::{fmt, str::FromStr};

/// Equality whose running time does not depend on where the inputs differ,
/// for comparing secrets a caller presents.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A secret value that cannot be printed, logged or serialised by accident.
/// Read it with [`Secret::expose`] at the one place that sends it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// Whether a key belongs to a development (`test`) or production (`live`) instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstanceKind {
    Test,
    Live,
}

impl InstanceKind {
    fn name(self) -> &'static str {
        match self {
            InstanceKind::Test => "test",
            InstanceKind::Live => "live",
        }
    }
}

/// Why a key was rejected. The messages never repeat the key itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("expected a key starting with {0}")]
    Prefix(&'static str),
    #[error("the part after the prefix is not base64")]
    NotBase64,
    #[error("the encoded frontend API host must end with '$'")]
    NoTerminator,
    #[error("the encoded frontend API host is not a valid host name")]
    BadHost,
    #[error("the key is too short or has characters other than letters and digits")]
    BadBody,
}

/// `pk_test_…` / `pk_live_…`: safe to show to browsers. The part after the
/// prefix is base64 of `"<frontend API host>$"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishableKey {
    raw: String,
    kind: InstanceKind,
    frontend_api_host: String,
}

impl PublishableKey {
    /// Builds the key Clerk would issue for an instance whose frontend API
    /// lives at `host` (used by the local development instance).
    pub fn for_host(kind: InstanceKind, host: &str) -> Self {
        let raw = format!(
            "pk_{}_{}",
            kind.name(),
            STANDARD_NO_PAD.encode(format!("{host}$"))
        );
        PublishableKey {
            raw,
            kind,
            frontend_api_host: host.to_owned(),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.raw
    }

    pub fn kind(&self) -> InstanceKind {
        self.kind
    }

    /// The frontend API host, possibly with a port and a proxy path.
    pub fn frontend_api_host(&self) -> &str {
        &self.frontend_api_host
    }

    /// The frontend API's base URL, which is also the `iss` of its session
    /// tokens. Clerk serves it over HTTPS; plain HTTP is only ever used for a
    /// loopback host (the local development instance).
    pub fn frontend_api_url(&self) -> String {
        let host = &self.frontend_api_host;
        let authority = host.split('/').next().unwrap_or(host);
        let hostname = authority
            .rsplit_once(':')
            .filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()))
            .map_or(authority, |(name, _)| name);
        let loopback =
            hostname == "localhost" || hostname.starts_with("127.") || hostname == "[::1]";
        let scheme = if loopback { "http" } else { "https" };
        format!("{scheme}://{host}")
    }
}

impl FromStr for PublishableKey {
    type Err = KeyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (kind, encoded) = if let Some(rest) = s.strip_prefix("pk_test_") {
            (InstanceKind::Test, rest)
        } else if let Some(rest) = s.strip_prefix("pk_live_") {
            (InstanceKind::Live, rest)
        } else {
            return Err(KeyError::Prefix("pk_test_ or pk_live_"));
        };
        let decoded = STANDARD_NO_PAD
            .decode(encoded.trim_end_matches('='))
            .or_else(|_| STANDARD.decode(encoded))
            .map_err(|_| KeyError::NotBase64)?;
        let decoded = String::from_utf8(decoded).map_err(|_| KeyError::NotBase64)?;
        let host = decoded.strip_suffix('$').ok_or(KeyError::NoTerminator)?;
        let valid_host = !host.is_empty()
            && !host.starts_with(['.', '/', ':'])
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._:/[]".contains(&b));
        if !valid_host {
            return Err(KeyError::BadHost);
        }
        Ok(PublishableKey {
            raw: s.to_owned(),
            kind,
            frontend_api_host: host.to_owned(),
        })
    }
}

/// `sk_test_…` / `sk_live_…`: the Backend API bearer token. Server only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretKey {
    secret: Secret,
    kind: InstanceKind,
}

impl SecretKey {
    pub fn kind(&self) -> InstanceKind {
        self.kind
    }

    pub fn expose(&self) -> &str {
        self.secret.expose()
    }
}

impl FromStr for SecretKey {
    type Err = KeyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (kind, body) = if let Some(rest) = s.strip_prefix("sk_test_") {
            (InstanceKind::Test, rest)
        } else if let Some(rest) = s.strip_prefix("sk_live_") {
            (InstanceKind::Live, rest)
        } else {
            return Err(KeyError::Prefix("sk_test_ or sk_live_"));
        };
        if body.len() < 16 || !body.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(KeyError::BadBody);
        }
        Ok(SecretKey {
            secret: Secret::new(s),
            kind,
        })
    }
}

/// `whsec_…`: the Svix signing secret of a webhook endpoint. Holds the
/// decoded HMAC key.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret {
    key: Vec<u8>,
}

impl WebhookSecret {
    pub fn key(&self) -> &[u8] {
        &self.key
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret([redacted])")
    }
}

impl FromStr for WebhookSecret {
    type Err = KeyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let encoded = s.strip_prefix("whsec_").ok_or(KeyError::Prefix("whsec_"))?;
        let key = STANDARD.decode(encoded).map_err(|_| KeyError::NotBase64)?;
        if key.is_empty() {
            return Err(KeyError::BadBody);
        }
        Ok(WebhookSecret { key })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_eq_is_equality() {
        assert!(constant_time_eq(b"sk_test_abc", b"sk_test_abc"));
        assert!(!constant_time_eq(b"sk_test_abc", b"sk_test_abd"));
        assert!(!constant_time_eq(b"sk_test_abc", b"sk_test_ab"));
        assert!(constant_time_eq(b"", b""));
    }

    #[test]
    fn publishable_key_matches_the_protocol_vector() {
        let key: PublishableKey = "pk_test_Zm9vLWJhci0xMy5jbGVyay5hY2NvdW50cy5kZXYk"
            .parse()
            .unwrap();
        assert_eq!(key.kind(), InstanceKind::Test);
        assert_eq!(key.frontend_api_host(), "foo-bar-13.clerk.accounts.dev");
        assert_eq!(
            key.frontend_api_url(),
            "https://foo-bar-13.clerk.accounts.dev"
        );
        let made = PublishableKey::for_host(InstanceKind::Test, "foo-bar-13.clerk.accounts.dev");
        assert_eq!(made.as_str(), key.as_str());
    }

    #[test]
    fn publishable_key_tolerates_padding() {
        let key: PublishableKey = format!("pk_live_{}", STANDARD.encode("clerk.example.com$"))
            .parse()
            .unwrap();
        assert_eq!(key.kind(), InstanceKind::Live);
        assert_eq!(key.frontend_api_url(), "https://clerk.example.com");
    }

    #[test]
    fn loopback_frontend_api_uses_http() {
        let key = PublishableKey::for_host(InstanceKind::Test, "127.0.0.1:3000/__clerk");
        let parsed: PublishableKey = key.as_str().parse().unwrap();
        assert_eq!(parsed.frontend_api_url(), "http://127.0.0.1:3000/__clerk");
        let key = PublishableKey::for_host(InstanceKind::Test, "localhost:8080");
        assert_eq!(key.frontend_api_url(), "http://localhost:8080");
        // A host that merely starts with "localhost" is not loopback.
        let key = PublishableKey::for_host(InstanceKind::Test, "localhost.evil.com");
        assert_eq!(key.frontend_api_url(), "https://localhost.evil.com");
    }

    #[test]
    fn malformed_publishable_keys_are_rejected() {
        let b64 = |s: &str| STANDARD_NO_PAD.encode(s);
        let cases = [
            (
                "sk_test_abc".to_owned(),
                KeyError::Prefix("pk_test_ or pk_live_"),
            ),
            ("pk_test_!!!".to_owned(), KeyError::NotBase64),
            (
                format!("pk_test_{}", b64("example.com")),
                KeyError::NoTerminator,
            ),
            (format!("pk_test_{}", b64("$")), KeyError::BadHost),
            (
                format!("pk_test_{}", b64("evil host.com$")),
                KeyError::BadHost,
            ),
            (format!("pk_test_{}", b64("a\"b.com$")), KeyError::BadHost),
        ];
        for (input, expected) in cases {
            assert_eq!(
                input.parse::<PublishableKey>().unwrap_err(),
                expected,
                "{input}"
            );
        }
    }

    #[test]
    fn secret_keys_are_shape_checked_and_never_printed() {
        let key: SecretKey = "sk_test_abcdefghijklmnop1234".parse().unwrap();
        assert_eq!(key.kind(), InstanceKind::Test);
        assert!(!format!("{key:?}").contains("abcdefgh"));
        assert_eq!(
            "pk_test_abcdefghijklmnop".parse::<SecretKey>().unwrap_err(),
            KeyError::Prefix("sk_test_ or sk_live_")
        );
        assert_eq!(
            "sk_live_short".parse::<SecretKey>().unwrap_err(),
            KeyError::BadBody
        );
        assert_eq!(
            "sk_live_has spaces in it 123"
                .parse::<SecretKey>()
                .unwrap_err(),
            KeyError::BadBody
        );
    }

    #[test]
    fn webhook_secret_decodes_the_svix_vector_key() {
        let secret: WebhookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".parse().unwrap();
        assert_eq!(secret.key().len(), 24);
        assert_eq!(format!("{secret:?}"), "WebhookSecret([redacted])");
        assert!("whsec_***".parse::<WebhookSecret>().is_err());
        assert!("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
            .parse::<WebhookSecret>()
            .is_err());
    }
}
