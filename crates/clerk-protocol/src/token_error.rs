//! Why a session token (or a handshake token) was not accepted: one error
//! type for verification and the key cache it draws on.

/// Longer tokens are rejected before any parsing (Clerk keeps custom claims
/// near 1.2 KB; a 16 KB token is an attack or a bug).
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// Why a token was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("token larger than {MAX_TOKEN_BYTES} bytes")]
    Oversized,
    #[error("not a well-formed JWT")]
    Malformed,
    #[error("algorithm not allowed (RS256/RS384/RS512 only)")]
    UnsupportedAlgorithm,
    #[error("token algorithm differs from the key's")]
    AlgorithmMismatch,
    #[error("no kid in the token header")]
    MissingKid,
    #[error("no key with the token's kid")]
    UnknownKid,
    #[error("no verification keys available (key server unreachable)")]
    KeysUnavailable,
    #[error("signature does not verify")]
    BadSignature,
    #[error("required claim {0} missing")]
    MissingClaim(&'static str),
    #[error("expired")]
    Expired,
    #[error("not valid yet (nbf)")]
    NotYetValid,
    #[error("issued in the future (iat)")]
    IssuedInFuture,
    #[error("issuer does not match the instance")]
    WrongIssuer,
    #[error("azp missing while authorized parties are configured")]
    MissingAzp,
    #[error("azp not among the authorized parties")]
    UnauthorizedParty,
}

impl TokenError {
    /// A short, fixed name for metrics and logs.
    pub fn reason(&self) -> &'static str {
        match self {
            TokenError::Oversized => "oversized",
            TokenError::Malformed => "malformed",
            TokenError::UnsupportedAlgorithm => "unsupported_algorithm",
            TokenError::AlgorithmMismatch => "algorithm_mismatch",
            TokenError::MissingKid => "missing_kid",
            TokenError::UnknownKid => "unknown_kid",
            TokenError::KeysUnavailable => "keys_unavailable",
            TokenError::BadSignature => "bad_signature",
            TokenError::MissingClaim(_) => "missing_claim",
            TokenError::Expired => "expired",
            TokenError::NotYetValid => "not_yet_valid",
            TokenError::IssuedInFuture => "issued_in_future",
            TokenError::WrongIssuer => "wrong_issuer",
            TokenError::MissingAzp => "missing_azp",
            TokenError::UnauthorizedParty => "unauthorized_party",
        }
    }
}
