//! Session-token claims as Clerk issues them (version 1 and 2 org claims, the
//! conventional `metadata` custom claim), tolerant of fields it does not know.

use crate::model::{Plan, Role};
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

    /// The app role: `metadata.role`, `member` when absent or unknown.
    pub fn role(&self) -> Role {
        self.metadata_str("role")
            .and_then(|r| r.parse().ok())
            .unwrap_or_default()
    }

    /// The app plan: `pro` when `metadata.plan` says so or Clerk Billing's
    /// `pla` holds the user plan `u:pro`; `free` otherwise.
    pub fn plan(&self) -> Plan {
        let from_metadata = self.metadata_str("plan").and_then(|p| p.parse().ok());
        let billed_pro = self.plans("u").iter().any(|p| p == Plan::Pro.as_str());
        if from_metadata == Some(Plan::Pro) || billed_pro {
            Plan::Pro
        } else {
            Plan::Free
        }
    }
}

/// Expands v2's compact `per` + `fpm` encoding into `org:<feature>:<permission>`.
fn org_permissions(features: &[String], o: &OrgClaim) -> Vec<String> {
    let (Some(per), Some(fpm)) = (o.per.as_deref(), o.fpm.as_deref()) else {
        return Vec::new();
    };
    let permissions: Vec<&str> = per.split(',').map(str::trim).collect();
    let masks = fpm
        .split(',')
        .map(|m| m.trim().parse::<u128>().unwrap_or(0));
    let mut out = Vec::new();
    for (feature, mask) in features.iter().zip(masks) {
        for (i, permission) in permissions.iter().enumerate().take(128) {
            if mask & (1u128 << i) != 0 {
                out.push(format!("org:{feature}:{permission}"));
            }
        }
    }
    out
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

    #[test]
    fn role_and_plan_come_from_metadata_or_billing() {
        let c = claims(json!({"metadata": {"role": "admin", "plan": "pro"}}));
        assert_eq!((c.role(), c.plan()), (Role::Admin, Plan::Pro));
        let c = claims(json!({"pla": "u:pro"}));
        assert_eq!((c.role(), c.plan()), (Role::Member, Plan::Pro));
        let c = claims(json!({"pla": "o:pro", "metadata": {"role": "root", "plan": "gold"}}));
        assert_eq!(
            (c.role(), c.plan()),
            (Role::Member, Plan::Free),
            "unknown values fall back"
        );
        let c = claims(json!({"metadata": "not an object"}));
        assert_eq!((c.role(), c.plan()), (Role::Member, Plan::Free));
    }
}
