//! Session-token claims as Clerk issues them (version 1 and 2 org claims, the
//! conventional `metadata` custom claim), tolerant of fields it does not know.

use serde::{Deserialize, Serialize};

/// The payload of a Clerk session token. Unknown fields are ignored; the
/// time and identity claims are optional here so that their absence is a
/// typed verification failure rather than a parse error.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SessionClaims {
    #[serde(default)]
    pub iss: String,
    pub sub: Option<String>,
    pub sid: Option<String>,
    pub azp: Option<String>,
    pub exp: Option<i64>,
    pub iat: Option<i64>,
    pub nbf: Option<i64>,
    pub jti: Option<String>,
    /// Token format version (2 for current tokens).
    pub v: Option<u32>,
    /// Minutes since the first and second factor were verified (-1: never).
    pub fva: Option<Vec<i64>>,
    /// Plan, e.g. `u:pro` (user) or `o:team` (organization).
    pub pla: Option<String>,
    /// Features, e.g. `u:export,o:teams`.
    pub fea: Option<String>,
    /// Session status, e.g. `pending`.
    pub sts: Option<String>,
    /// v2 active organization.
    pub o: Option<OrgClaim>,
    /// Impersonation: who is acting as this user.
    pub act: Option<serde_json::Value>,
    /// v1 active organization.
    pub org_id: Option<String>,
    pub org_slug: Option<String>,
    pub org_role: Option<String>,
    pub org_permissions: Option<Vec<String>>,
    /// The custom claim `{"metadata": "{{user.public_metadata}}"}`.
    pub metadata: Option<serde_json::Value>,
}

/// `o` in v2 tokens.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgClaim {
    pub id: String,
    pub slg: Option<String>,
    /// Role without the `org:` prefix.
    pub rol: Option<String>,
    /// Comma-separated permission names.
    pub per: Option<String>,
    /// Comma-separated decimal bitmasks, one per `o:` feature in `fea`:
    /// bit `i` grants permission `i` of `per` for that feature.
    pub fpm: Option<String>,
}

/// The active organization, in the same form for v1 and v2 tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgContext {
    pub id: String,
    pub slug: Option<String>,
    /// `org:admin`, `org:member`, …
    pub role: Option<String>,
    /// `org:<feature>:<permission>`.
    pub permissions: Vec<String>,
}

impl SessionClaims {
    /// The active organization, if any.
    pub fn org(&self) -> Option<OrgContext> {
        if self.v.unwrap_or(1) >= 2 {
            let o = self.o.as_ref()?;
            Some(OrgContext {
                id: o.id.clone(),
                slug: o.slg.clone(),
                role: o.rol.as_ref().map(|r| format!("org:{r}")),
                permissions: org_permissions(&self.scoped(self.fea.as_deref(), "o"), o),
            })
        } else {
            Some(OrgContext {
                id: self.org_id.clone()?,
                slug: self.org_slug.clone(),
                role: self.org_role.clone(),
                permissions: self.org_permissions.clone().unwrap_or_default(),
            })
        }
    }

    /// Features for one scope (`u` or `o`), without the scope prefix.
    pub fn features(&self, scope: &str) -> Vec<String> {
        self.scoped(self.fea.as_deref(), scope)
    }

    /// Plans for one scope (`u` or `o`), without the scope prefix.
    pub fn plans(&self, scope: &str) -> Vec<String> {
        self.scoped(self.pla.as_deref(), scope)
    }

    fn scoped(&self, list: Option<&str>, scope: &str) -> Vec<String> {
        list.unwrap_or_default()
            .split(',')
            .filter_map(|item| item.trim().split_once(':'))
            .filter(|(s, _)| *s == scope)
            .map(|(_, name)| name.to_owned())
            .collect()
    }

    /// A string field of the `metadata` custom claim.
    pub fn metadata_str(&self, key: &str) -> Option<&str> {
        self.metadata.as_ref()?.get(key)?.as_str()
    }
}

/// Expands v2's compact `per` + `fpm` encoding into `org:<feature>:<permission>`,
/// as clerk-js decodes it: `per` lists the permission names; `fpm` holds one
/// decimal bitmask per organization feature in `fea`, in order, where bit `i`
/// (least significant first) grants permission `i` of `per` for that
/// feature. A feature without a mask gets nothing, a mask without a feature
/// is ignored, and a mask that is not a decimal number grants nothing. Masks
/// may be wider than any machine integer, so they are read digit by digit.
fn org_permissions(features: &[String], o: &OrgClaim) -> Vec<String> {
    let (Some(per), Some(fpm)) = (o.per.as_deref(), o.fpm.as_deref()) else {
        return Vec::new();
    };
    let permissions: Vec<&str> = per.split(',').map(str::trim).collect();
    let masks = fpm.split(',').map(|m| decimal_bits(m.trim()));
    let mut out = Vec::new();
    for (feature, bits) in features.iter().zip(masks) {
        for (permission, bit) in permissions.iter().zip(bits) {
            if bit {
                out.push(format!("org:{feature}:{permission}"));
            }
        }
    }
    out
}

/// The bits of a non-negative decimal number of any length, least
/// significant first; none for anything that is not all digits.
fn decimal_bits(decimal: &str) -> Vec<bool> {
    if decimal.is_empty() || !decimal.bytes().all(|b| b.is_ascii_digit()) {
        return Vec::new();
    }
    let mut digits: Vec<u8> = decimal.bytes().map(|b| b - b'0').collect();
    let mut bits = Vec::new();
    // Long division by two, keeping the remainders.
    while digits.iter().any(|d| *d != 0) {
        let mut remainder = 0;
        for digit in digits.iter_mut() {
            let value = remainder * 10 + *digit;
            *digit = value / 2;
            remainder = value % 2;
        }
        bits.push(remainder == 1);
    }
    bits
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(value: serde_json::Value) -> SessionClaims {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn unknown_fields_are_ignored() {
        let c = claims(
            json!({"iss": "https://x", "sub": "user_1", "cat": "cl_B", "something": {"new": 1}}),
        );
        assert_eq!(c.sub.as_deref(), Some("user_1"));
    }

    #[test]
    fn v2_org_claim_expands_permissions_from_the_bitmasks() {
        let c = claims(json!({
            "v": 2,
            "fea": "u:export,o:articles,o:analytics",
            "o": {"id": "org_1", "slg": "acme", "rol": "admin", "per": "read,manage", "fpm": "3,2"}
        }));
        let org = c.org().unwrap();
        assert_eq!(org.id, "org_1");
        assert_eq!(org.slug.as_deref(), Some("acme"));
        assert_eq!(org.role.as_deref(), Some("org:admin"));
        assert_eq!(
            org.permissions,
            [
                "org:articles:read",
                "org:articles:manage",
                "org:analytics:manage"
            ]
        );
        assert_eq!(c.features("u"), ["export"]);
    }

    #[test]
    fn org_permissions_follow_clerks_decoding_at_the_edges() {
        let org = |value: serde_json::Value| claims(value).org().unwrap();
        // A role with no permissions: the role, and nothing else.
        let o = org(json!({"v": 2, "fea": "o:posts", "o": {"id": "org_1", "rol": "viewer"}}));
        assert_eq!(o.role.as_deref(), Some("org:viewer"));
        assert!(o.permissions.is_empty());
        // A feature missing from `fea`: its mask has no feature to apply to.
        let o = org(json!({
            "v": 2, "fea": "u:export,o:posts",
            "o": {"id": "org_1", "rol": "member", "per": "read,create,manage", "fpm": "3,7"}
        }));
        assert_eq!(o.permissions, ["org:posts:read", "org:posts:create"]);
        // A feature in `fea` whose mask is missing from `fpm`: no permissions there.
        let o = org(json!({
            "v": 2, "fea": "o:posts,o:billing",
            "o": {"id": "org_1", "rol": "admin", "per": "read,manage", "fpm": "2"}
        }));
        assert_eq!(o.permissions, ["org:posts:manage"]);
        // A mask that is not a number grants nothing; 0 grants nothing.
        let o = org(json!({
            "v": 2, "fea": "o:posts,o:billing",
            "o": {"id": "org_1", "rol": "admin", "per": "read", "fpm": "x1,0"}
        }));
        assert!(o.permissions.is_empty());
        // Masks wider than 128 bits: bit 130 of 2^130 + 1.
        let per: Vec<String> = (0..131).map(|i| format!("p{i}")).collect();
        let o = org(json!({
            "v": 2, "fea": "o:wide",
            "o": {"id": "org_1", "rol": "admin", "per": per.join(","),
                  "fpm": "1361129467683753853853498429727072845825"}
        }));
        assert_eq!(o.permissions, ["org:wide:p0", "org:wide:p130"]);
    }

    #[test]
    fn decimal_masks_are_read_digit_by_digit() {
        assert_eq!(decimal_bits("0"), Vec::<bool>::new());
        assert_eq!(decimal_bits("6"), [false, true, true]);
        assert_eq!(decimal_bits("007"), [true, true, true]);
        assert_eq!(decimal_bits(""), Vec::<bool>::new());
        assert_eq!(decimal_bits("-1"), Vec::<bool>::new());
        assert_eq!(decimal_bits("1e3"), Vec::<bool>::new());
        let wide = decimal_bits("340282366920938463463374607431768211456"); // 2^128
        assert_eq!(wide.len(), 129);
        assert!(wide[128] && wide[..128].iter().all(|b| !b));
    }

    #[test]
    fn v1_org_claims_are_read_as_they_are() {
        let c = claims(json!({
            "org_id": "org_9", "org_slug": "old", "org_role": "org:member",
            "org_permissions": ["org:posts:read"]
        }));
        let org = c.org().unwrap();
        assert_eq!(
            (org.id.as_str(), org.role.as_deref()),
            ("org_9", Some("org:member"))
        );
        assert_eq!(org.permissions, ["org:posts:read"]);
        assert!(claims(json!({"v": 2})).org().is_none());
        assert!(claims(json!({})).org().is_none());
    }
}
