//! Session-token verification: RS256/RS384/RS512 signatures against a PEM key
//! or the JWKS, then Clerk's claim checks (times with skew, subject, issuer,
//! authorized party). Every failure is a typed reason for the logs; clients
//! only ever learn "unauthenticated".

use super::{
    claims::SessionClaims,
    jwks::{JwksCache, VerifyKey},
};
use jsonwebtoken::{errors::ErrorKind, Validation};
use std::{sync::Arc, time::Duration};

pub use crate::token_error::{TokenError, MAX_TOKEN_BYTES};

enum Keys {
    Pem(Arc<VerifyKey>),
    Jwks(Arc<JwksCache>),
}

/// Verifies the session tokens of one Clerk instance.
pub struct Verifier {
    keys: Keys,
    issuer: String,
    authorized_parties: Vec<String>,
    skew: i64,
}

impl Verifier {
    /// Networkless verification with `CLERK_JWT_KEY`.
    pub fn with_pem(
        pem: &str,
        issuer: &str,
        authorized_parties: Vec<String>,
        skew: Duration,
    ) -> Result<Self, String> {
        Ok(Self::new(
            Keys::Pem(Arc::new(VerifyKey::from_pem(pem)?)),
            issuer,
            authorized_parties,
            skew,
        ))
    }

    /// Verification against the instance's JWKS.
    pub fn with_jwks(
        cache: Arc<JwksCache>,
        issuer: &str,
        authorized_parties: Vec<String>,
        skew: Duration,
    ) -> Self {
        Self::new(Keys::Jwks(cache), issuer, authorized_parties, skew)
    }

    fn new(keys: Keys, issuer: &str, authorized_parties: Vec<String>, skew: Duration) -> Self {
        Verifier {
            keys,
            issuer: issuer.trim_end_matches('/').to_owned(),
            authorized_parties,
            skew: skew.as_secs() as i64,
        }
    }

    /// Verifies `token` now.
    pub async fn verify(&self, token: &str) -> Result<SessionClaims, TokenError> {
        self.verify_at(token, unix_now()).await
    }

    /// Verifies `token` as of `now` (unix seconds).
    pub async fn verify_at(&self, token: &str, now: i64) -> Result<SessionClaims, TokenError> {
        let claims: SessionClaims = self.decode_signed(token).await?;
        self.check_claims(&claims, now)?;
        Ok(claims)
    }

    /// Verifies a handshake token (the signed list of cookies the frontend
    /// API hands back after a handshake) and returns its `Set-Cookie` values.
    pub async fn verify_handshake(&self, token: &str) -> Result<Vec<String>, TokenError> {
        #[derive(serde::Deserialize)]
        struct Payload {
            handshake: Vec<String>,
            exp: Option<i64>,
        }
        let payload: Payload = self.decode_signed(token).await?;
        if payload.exp.is_some_and(|exp| unix_now() > exp + self.skew) {
            return Err(TokenError::Expired);
        }
        Ok(payload.handshake)
    }

    /// Checks the algorithm and signature, then decodes the payload.
    async fn decode_signed<T: serde::de::DeserializeOwned>(
        &self,
        token: &str,
    ) -> Result<T, TokenError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(TokenError::Oversized);
        }
        // The token names its algorithm, but only RSA ones are ever
        // considered: "none" and HMAC (signed with the public key as a
        // shared secret) are refused before any key is touched.
        if !matches!(header_alg(token)?.as_str(), "RS256" | "RS384" | "RS512") {
            return Err(TokenError::UnsupportedAlgorithm);
        }
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Malformed)?;
        let key = match &self.keys {
            Keys::Pem(key) => key.clone(),
            Keys::Jwks(cache) => {
                cache
                    .key(header.kid.as_deref().ok_or(TokenError::MissingKid)?)
                    .await?
            }
        };
        if key.alg.is_some_and(|alg| alg != header.alg) {
            return Err(TokenError::AlgorithmMismatch);
        }

        // jsonwebtoken checks the signature only; claims are checked by the
        // caller, with our skew and typed reasons.
        let mut validation = Validation::new(header.alg);
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        jsonwebtoken::decode::<T>(token, &key.decoding, &validation)
            .map(|data| data.claims)
            .map_err(|e| match e.kind() {
                ErrorKind::InvalidSignature | ErrorKind::InvalidRsaKey(_) => {
                    TokenError::BadSignature
                }
                ErrorKind::InvalidAlgorithm => TokenError::UnsupportedAlgorithm,
                _ => TokenError::Malformed,
            })
    }

    /// The claim checks alone (times with skew, subject, issuer, authorized
    /// party), as of `now`: run on every use of a token, cached or not.
    pub fn check_claims(&self, claims: &SessionClaims, now: i64) -> Result<(), TokenError> {
        let exp = claims.exp.ok_or(TokenError::MissingClaim("exp"))?;
        let iat = claims.iat.ok_or(TokenError::MissingClaim("iat"))?;
        if now > exp + self.skew {
            return Err(TokenError::Expired);
        }
        if claims.nbf.is_some_and(|nbf| now + self.skew < nbf) {
            return Err(TokenError::NotYetValid);
        }
        if iat > now + self.skew {
            return Err(TokenError::IssuedInFuture);
        }
        if claims.sub.as_deref().is_none_or(str::is_empty) {
            return Err(TokenError::MissingClaim("sub"));
        }
        if claims.iss.trim_end_matches('/') != self.issuer {
            return Err(TokenError::WrongIssuer);
        }
        if !self.authorized_parties.is_empty() {
            let azp = claims.azp.as_deref().ok_or(TokenError::MissingAzp)?;
            if !self.authorized_parties.iter().any(|p| p == azp) {
                return Err(TokenError::UnauthorizedParty);
            }
        }
        Ok(())
    }
}

/// The `alg` a token's header claims, read without trusting anything else.
fn header_alg(token: &str) -> Result<String, TokenError> {
    use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
    let (header, rest) = token.split_once('.').ok_or(TokenError::Malformed)?;
    if rest.split('.').count() != 2 {
        return Err(TokenError::Malformed);
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(header)
        .map_err(|_| TokenError::Malformed)?;
    let header: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|_| TokenError::Malformed)?;
    header
        .get("alg")
        .and_then(|a| a.as_str())
        .map(str::to_owned)
        .ok_or(TokenError::Malformed)
}

pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mint::SigningKey;
    use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
    use jsonwebtoken::{Algorithm, EncodingKey, Header};
    use serde_json::{json, Value};
    use std::sync::OnceLock;

    const ISS: &str = "https://clerk.example.test";
    const NOW: i64 = 1_800_000_000;
    const SKEW: i64 = 5;

    fn key() -> &'static SigningKey {
        static KEY: OnceLock<SigningKey> = OnceLock::new();
        KEY.get_or_init(|| SigningKey::generate("ins_test").unwrap())
    }

    fn other_key() -> &'static SigningKey {
        static KEY: OnceLock<SigningKey> = OnceLock::new();
        KEY.get_or_init(|| SigningKey::generate("ins_other").unwrap())
    }

    fn verifier(parties: &[&str]) -> Verifier {
        Verifier::with_pem(
            &key().public_pem(),
            ISS,
            parties.iter().map(|p| p.to_string()).collect(),
            Duration::from_secs(SKEW as u64),
        )
        .unwrap()
    }

    /// Valid v2 claims; `edit` changes them (null removes a claim).
    fn claims(edit: Value) -> Value {
        let mut c = json!({
            "iss": ISS, "sub": "user_1", "sid": "sess_1", "azp": "http://localhost:3000",
            "exp": NOW + 60, "iat": NOW, "nbf": NOW - 10, "jti": "jti_1", "v": 2, "fva": [0, -1]
        });
        for (k, v) in edit.as_object().unwrap() {
            if v.is_null() {
                c.as_object_mut().unwrap().remove(k);
            } else {
                c[k] = v.clone();
            }
        }
        c
    }

    fn token(edit: Value) -> String {
        key().sign(&claims(edit))
    }

    async fn check(token: &str) -> Result<SessionClaims, TokenError> {
        verifier(&[]).verify_at(token, NOW).await
    }

    fn b64(v: &Value) -> String {
        URL_SAFE_NO_PAD.encode(v.to_string())
    }

    #[tokio::test]
    async fn a_valid_rs256_token_verifies() {
        let c = check(&token(json!({}))).await.unwrap();
        assert_eq!(
            (c.sub.as_deref(), c.sid.as_deref()),
            (Some("user_1"), Some("sess_1"))
        );
    }

    #[tokio::test]
    async fn rs384_and_rs512_verify_with_the_same_key() {
        for alg in [Algorithm::RS384, Algorithm::RS512] {
            let t = key().sign_with(alg, &claims(json!({})));
            assert!(check(&t).await.is_ok(), "{alg:?}");
        }
    }

    #[tokio::test]
    async fn time_claims_respect_the_skew_on_both_edges() {
        let cases = [
            (json!({"exp": NOW - 100}), Err(TokenError::Expired)),
            (json!({"exp": NOW - SKEW}), Ok(())),
            (json!({"exp": NOW - SKEW - 1}), Err(TokenError::Expired)),
            (json!({"nbf": NOW + 100}), Err(TokenError::NotYetValid)),
            (json!({"nbf": NOW + SKEW}), Ok(())),
            (json!({"nbf": NOW + SKEW + 1}), Err(TokenError::NotYetValid)),
            (json!({"iat": NOW + SKEW}), Ok(())),
            (
                json!({"iat": NOW + SKEW + 1}),
                Err(TokenError::IssuedInFuture),
            ),
            (json!({"nbf": null}), Ok(())),
            (json!({"exp": null}), Err(TokenError::MissingClaim("exp"))),
            (json!({"iat": null}), Err(TokenError::MissingClaim("iat"))),
        ];
        for (edit, expected) in cases {
            let got = check(&token(edit.clone())).await.map(|_| ());
            assert_eq!(got, expected, "{edit}");
        }
    }

    #[tokio::test]
    async fn alg_none_is_refused() {
        let header = json!({"alg": "none", "typ": "JWT"});
        let t = format!("{}.{}.", b64(&header), b64(&claims(json!({}))));
        assert_eq!(
            check(&t).await.unwrap_err(),
            TokenError::UnsupportedAlgorithm
        );
    }

    #[tokio::test]
    async fn hs256_signed_with_the_public_key_is_refused() {
        // The classic key-confusion attack: the public key used as an HMAC secret.
        let secret = EncodingKey::from_secret(key().public_pem().as_bytes());
        let t = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims(json!({})), &secret)
            .unwrap();
        assert_eq!(
            check(&t).await.unwrap_err(),
            TokenError::UnsupportedAlgorithm
        );
    }

    #[tokio::test]
    async fn a_token_signed_by_another_key_is_refused() {
        let t = other_key().sign(&claims(json!({})));
        assert_eq!(check(&t).await.unwrap_err(), TokenError::BadSignature);
    }

    #[tokio::test]
    async fn a_tampered_payload_is_refused() {
        let t = token(json!({}));
        let parts: Vec<&str> = t.split('.').collect();
        let forged = b64(&claims(
            json!({"sub": "user_admin", "metadata": {"role": "admin"}}),
        ));
        let t = format!("{}.{}.{}", parts[0], forged, parts[2]);
        assert_eq!(check(&t).await.unwrap_err(), TokenError::BadSignature);
    }

    #[tokio::test]
    async fn broken_encodings_are_malformed() {
        let t = token(json!({}));
        let (head, _) = t.rsplit_once('.').unwrap();
        let cases = [
            head.to_owned(),                                        // signature segment missing
            format!("{head}.%%%not-base64%%%"),                     // signature not base64url
            "not.a.jwt".to_owned(),                                 // header not base64 JSON
            "!!!.###.$$$".to_owned(),                               // nothing base64
            String::new(),                                          // empty
            format!("{}.{}", b64(&json!({"alg": "RS256"})), "e30"), // two segments
        ];
        for t in cases {
            assert_eq!(check(&t).await.unwrap_err(), TokenError::Malformed, "{t:?}");
        }
        let truncated = &t[..t.len() - 20];
        assert!(check(truncated).await.is_err());
    }

    #[tokio::test]
    async fn oversized_tokens_are_refused_before_parsing() {
        let big = "a".repeat(20_000);
        let t = token(json!({"padding": big}));
        assert_eq!(check(&t).await.unwrap_err(), TokenError::Oversized);
    }

    #[tokio::test]
    async fn subject_and_issuer_are_required_and_checked() {
        assert_eq!(
            check(&token(json!({"sub": null}))).await.unwrap_err(),
            TokenError::MissingClaim("sub")
        );
        assert_eq!(
            check(&token(json!({"sub": ""}))).await.unwrap_err(),
            TokenError::MissingClaim("sub")
        );
        assert_eq!(
            check(&token(json!({"iss": "https://evil.example"})))
                .await
                .unwrap_err(),
            TokenError::WrongIssuer
        );
        assert!(check(&token(json!({"iss": format!("{ISS}/")})))
            .await
            .is_ok());
    }

    #[tokio::test]
    async fn azp_is_checked_only_when_authorized_parties_are_configured() {
        let strict = verifier(&["http://localhost:3000", "https://app.example.com"]);
        let cases = [
            (json!({"azp": null}), Ok(()), Err(TokenError::MissingAzp)),
            (
                json!({"azp": "https://evil.example"}),
                Ok(()),
                Err(TokenError::UnauthorizedParty),
            ),
            (json!({"azp": "https://app.example.com"}), Ok(()), Ok(())),
        ];
        for (edit, lenient_expected, strict_expected) in cases {
            let t = token(edit.clone());
            assert_eq!(
                check(&t).await.map(|_| ()),
                lenient_expected,
                "{edit} without parties"
            );
            assert_eq!(
                strict.verify_at(&t, NOW).await.map(|_| ()),
                strict_expected,
                "{edit} with parties"
            );
        }
    }

    #[tokio::test]
    async fn org_and_metadata_claims_come_through() {
        let v1 = check(&token(
            json!({"v": null, "org_id": "org_1", "org_role": "org:admin"}),
        ))
        .await
        .unwrap();
        assert_eq!(v1.org().unwrap().role.as_deref(), Some("org:admin"));
        let v2 = check(&token(json!({
            "fea": "o:posts", "o": {"id": "org_2", "rol": "member", "per": "read,write", "fpm": "1"}
        })))
        .await
        .unwrap();
        assert_eq!(v2.org().unwrap().permissions, ["org:posts:read"]);
        let meta = check(&token(
            json!({"metadata": {"role": "admin", "plan": "pro"}}),
        ))
        .await
        .unwrap();
        assert_eq!(
            (meta.metadata_str("role"), meta.metadata_str("plan")),
            (Some("admin"), Some("pro"))
        );
    }

    #[test]
    fn failure_reasons_read_well_in_logs() {
        assert_eq!(
            TokenError::MissingClaim("sub").to_string(),
            "required claim sub missing"
        );
        assert_eq!(
            TokenError::Oversized.to_string(),
            "token larger than 16384 bytes"
        );
    }
}
