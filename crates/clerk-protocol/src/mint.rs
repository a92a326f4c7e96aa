//! Signing keys and session-token minting: what an issuer does. The local
//! development instance issues tokens with it; tests mint their token matrix.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rsa::{
    pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, LineEnding},
    traits::PublicKeyParts,
    RsaPrivateKey,
};
use serde::Serialize;

/// An RSA signing key with its key id.
#[derive(Clone)]
pub struct SigningKey {
    kid: String,
    private: RsaPrivateKey,
    encoding: EncodingKey,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
#[error("signing key error: {0}")]
pub struct SigningKeyError(String);

impl SigningKey {
    /// A fresh 2048-bit RSA key.
    pub fn generate(kid: impl Into<String>) -> Result<Self, SigningKeyError> {
        let private = RsaPrivateKey::new(&mut rand::thread_rng(), 2048)
            .map_err(|e| SigningKeyError(e.to_string()))?;
        Self::from_private(kid.into(), private)
    }

    /// A key stored as PKCS#8 PEM.
    pub fn from_pem(kid: impl Into<String>, pem: &str) -> Result<Self, SigningKeyError> {
        let private =
            RsaPrivateKey::from_pkcs8_pem(pem).map_err(|e| SigningKeyError(e.to_string()))?;
        Self::from_private(kid.into(), private)
    }

    fn from_private(kid: String, private: RsaPrivateKey) -> Result<Self, SigningKeyError> {
        let pem = private
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|e| SigningKeyError(e.to_string()))?;
        let encoding = EncodingKey::from_rsa_pem(pem.as_bytes())
            .map_err(|e| SigningKeyError(e.to_string()))?;
        Ok(SigningKey {
            kid,
            private,
            encoding,
        })
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The private key as PKCS#8 PEM, for storage by its owner.
    pub fn private_pem(&self) -> String {
        self.private
            .to_pkcs8_pem(LineEnding::LF)
            .map(|pem| pem.to_string())
            .unwrap_or_default()
    }

    /// The public key as SPKI PEM: what `CLERK_JWT_KEY` holds.
    pub fn public_pem(&self) -> String {
        self.private
            .to_public_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap_or_default()
    }

    /// The public key as a JWK (`kty`, `kid`, `use`, `alg`, `n`, `e`).
    pub fn public_jwk(&self) -> serde_json::Value {
        let public = self.private.to_public_key();
        serde_json::json!({
            "kty": "RSA",
            "kid": self.kid,
            "use": "sig",
            "alg": "RS256",
            "n": URL_SAFE_NO_PAD.encode(public.n().to_bytes_be()),
            "e": URL_SAFE_NO_PAD.encode(public.e().to_bytes_be()),
        })
    }

    /// `{"keys": [jwk]}`, as `/.well-known/jwks.json` serves it.
    pub fn jwks(&self) -> serde_json::Value {
        serde_json::json!({ "keys": [self.public_jwk()] })
    }

    /// Signs `claims` as an RS256 JWT with this key's `kid`.
    pub fn sign(&self, claims: &impl Serialize) -> String {
        self.sign_with(Algorithm::RS256, claims)
    }

    /// Signs with a chosen RSA algorithm (RS256/RS384/RS512).
    pub fn sign_with(&self, alg: Algorithm, claims: &impl Serialize) -> String {
        let mut header = Header::new(alg);
        header.kid = Some(self.kid.clone());
        // RSA signing with a valid key and serialisable claims cannot fail.
        jsonwebtoken::encode(&header, claims, &self.encoding).unwrap_or_default()
    }
}
