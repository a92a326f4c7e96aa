//! The development instance's users, email addresses and sessions, read and
//! written as Clerk's JSON objects. Filtering and paging happen in memory:
//! a development instance holds a handful of users.

use super::webhooks;
use crate::{
    db::{now_millis, Db, DbError},
    settings::DemoUser,
};
use argon2::{
    password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};
use clerk_protocol::keys::constant_time_eq;
use rand::{distributions::Alphanumeric, Rng};
use serde_json::{json, Map, Value};
use sqlx::AnyConnection;

pub use super::ids::new_id;

/// A plausible email address (sign-ups and organization invitations).
pub fn valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && email.len() <= 254
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.contains(|c: char| c.is_whitespace() || c.is_control())
        && !domain.contains('@')
}

#[derive(Debug, thiserror::Error)]
/// Why a store operation failed.
pub enum StoreError {
    #[error(transparent)]
    /// The database failed.
    Db(#[from] DbError),
    #[error("that email address is taken")]
    /// Another user has the email address (422).
    EmailTaken,
    #[error("password hashing failed: {0}")]
    /// The password could not be hashed.
    Hashing(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        StoreError::Db(err.into())
    }
}

/// A user as stored, with its email addresses.
#[derive(Debug, Clone, PartialEq)]
pub struct DevUser {
    /// Its id.
    pub id: String,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Username (unused by this instance's sign-in).
    pub username: Option<String>,
    /// Argon2id hash of the password, when it has one.
    pub password_hash: Option<String>,
    /// Its primary email address's id.
    pub primary_email_address_id: Option<String>,
    /// Public metadata (session tokens may carry it).
    pub public_metadata: Map<String, Value>,
    /// Private metadata (Backend API only).
    pub private_metadata: Map<String, Value>,
    /// Unsafe metadata (the user may write it).
    pub unsafe_metadata: Map<String, Value>,
    /// Banned users cannot sign in.
    pub banned: bool,
    /// When it last signed in (unix ms).
    pub last_sign_in_at: Option<i64>,
    /// When it was last active (unix ms).
    pub last_active_at: Option<i64>,
    /// When it was made (unix ms).
    pub created_at: i64,
    /// When it last changed (unix ms).
    pub updated_at: i64,
    /// Its verified addresses, `(id, address)`, oldest first.
    pub emails: Vec<(String, String)>,
    /// Addresses it added and has not verified yet, `(id, address)`.
    pub unverified_emails: Vec<(String, String)>,
}

impl DevUser {
    /// The user object the frontend API hands to browsers: no private
    /// metadata, and what the account panel may offer this user (deleting
    /// themselves, yes; organizations, passkeys, second factors, no).
    pub fn to_frontend_json(&self) -> Value {
        let mut json = self.to_json();
        if let Some(object) = json.as_object_mut() {
            object.remove("private_metadata");
            for (key, value) in [
                ("delete_self_enabled", json!(true)),
                ("create_organization_enabled", json!(true)),
                ("create_organizations_limit", json!(0)),
                ("organization_memberships", json!([])),
                ("passkeys", json!([])),
                ("totp_enabled", json!(false)),
                ("backup_code_enabled", json!(false)),
                ("profile_image_url", json!("")),
            ] {
                object.insert(key.into(), value);
            }
        }
        json
    }

    /// The primary email address, when it has one.
    pub fn primary_email(&self) -> Option<&str> {
        let primary = self.primary_email_address_id.as_deref()?;
        self.emails
            .iter()
            .find(|(id, _)| id == primary)
            .map(|(_, e)| e.as_str())
    }

    /// Clerk's user object, as the Backend API returns it.
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "object": "user",
            "username": self.username,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "image_url": "",
            "has_image": false,
            "primary_email_address_id": self.primary_email_address_id,
            "email_addresses": self.emails.iter().map(|(id, address)| (id, address, "verified"))
                .chain(self.unverified_emails.iter().map(|(id, address)| (id, address, "unverified")))
                .map(|(id, address, status)| json!({
                    "id": id,
                    "object": "email_address",
                    "email_address": address,
                    "verification": {"status": status, "strategy": "email_code"},
                    "linked_to": [],
                }))
                .collect::<Vec<_>>(),
            "phone_numbers": [],
            "web3_wallets": [],
            "external_accounts": [],
            "saml_accounts": [],
            "enterprise_accounts": [],
            "public_metadata": self.public_metadata,
            "private_metadata": self.private_metadata,
            "unsafe_metadata": self.unsafe_metadata,
            "external_id": null,
            "banned": self.banned,
            "locked": false,
            "password_enabled": self.password_hash.is_some(),
            "two_factor_enabled": false,
            "last_sign_in_at": self.last_sign_in_at,
            "last_active_at": self.last_active_at,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        })
    }

    /// Text the Backend API's `query` filter searches.
    fn matches(&self, query: &str) -> bool {
        let query = query.to_lowercase();
        [
            Some(self.id.as_str()),
            self.first_name.as_deref(),
            self.last_name.as_deref(),
            self.username.as_deref(),
        ]
        .into_iter()
        .flatten()
        .chain(self.emails.iter().map(|(_, e)| e.as_str()))
        .any(|field| field.to_lowercase().contains(&query))
    }

    /// Checks `password` against the stored argon2id hash.
    pub fn password_matches(&self, password: &str) -> bool {
        let Some(hash) = &self.password_hash else {
            return false;
        };
        PasswordHash::new(hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    }
}

/// Hashes with argon2id (the crate's default), off the async threads.
pub async fn hash_password(password: &str) -> Result<String, StoreError> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut rand::thread_rng());
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| StoreError::Hashing(e.to_string()))
    })
    .await
    .map_err(|e| StoreError::Hashing(e.to_string()))?
}

/// A user to create.
#[derive(Debug, Clone, Default)]
pub struct NewUser {
    /// Its email address.
    pub email: String,
    /// Its password (hashed when stored).
    pub password: Option<String>,
    /// Its password already hashed ([`hash_password`]): a sign-up that
    /// waited for its email code keeps only the hash meanwhile.
    pub password_hash: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Public metadata (session tokens may carry it).
    pub public_metadata: Map<String, Value>,
}

/// Creates a user with its email address (and its password hashed),
/// queueing `user.created`.
pub async fn create_user(db: &Db, new: NewUser) -> Result<DevUser, StoreError> {
    let email = new.email.trim().to_lowercase();
    let password_hash = match (&new.password, new.password_hash) {
        (Some(p), _) => Some(hash_password(p).await?),
        (None, hash) => hash,
    };
    let (user_id, email_id, now) = (new_id("user"), new_id("idn"), now_millis());
    let mut tx = db.begin().await?;
    let taken: Option<(String,)> = sqlx::query_as(
        "SELECT id FROM clerk_dev_email_addresses WHERE email_address = $1 AND verified = 1",
    )
    .bind(&email)
    .fetch_optional(&mut *tx)
    .await?;
    if taken.is_some() {
        return Err(StoreError::EmailTaken);
    }
    // Someone else's unproven claim on the address (an unverified address
    // added in their account) yields to the address's owner.
    sqlx::query("DELETE FROM clerk_dev_email_addresses WHERE email_address = $1 AND verified = 0")
        .bind(&email)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO clerk_dev_users (id, first_name, last_name, password_hash, primary_email_address_id, \
         public_metadata, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
    )
    .bind(&user_id)
    .bind(&new.first_name)
    .bind(&new.last_name)
    .bind(&password_hash)
    .bind(&email_id)
    .bind(Value::Object(new.public_metadata).to_string())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO clerk_dev_email_addresses (id, user_id, email_address, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(&email_id)
    .bind(&user_id)
    .bind(&email)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let user = load_user(&mut tx, &user_id)
        .await?
        .ok_or_else(|| StoreError::Db(DbError::Other("created user vanished".into())))?;
    webhooks::enqueue(&mut tx, "user.created", &user.id, user.to_json()).await?;
    tx.commit().await?;
    Ok(user)
}

type UserRow = (
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    String,
    String,
    i32,
    Option<i64>,
    Option<i64>,
    i64,
    i64,
);

const USER_COLUMNS: &str =
    "id, first_name, last_name, username, password_hash, primary_email_address_id, \
     public_metadata, private_metadata, unsafe_metadata, banned, last_sign_in_at, last_active_at, \
     created_at, updated_at";

fn parse_map(text: &str) -> Map<String, Value> {
    serde_json::from_str(text).unwrap_or_default()
}

/// `(id, address, verified)` rows split into verified and not.
type EmailRows = Vec<(String, String, i32)>;

fn from_row(row: UserRow, rows: EmailRows) -> DevUser {
    let (verified, unverified): (EmailRows, EmailRows) = rows
        .into_iter()
        .partition(|(_, _, verified)| *verified != 0);
    let pairs = |rows: EmailRows| rows.into_iter().map(|(id, e, _)| (id, e)).collect();
    let (emails, unverified_emails) = (pairs(verified), pairs(unverified));
    DevUser {
        id: row.0,
        first_name: row.1,
        last_name: row.2,
        username: row.3,
        password_hash: row.4,
        primary_email_address_id: row.5,
        public_metadata: parse_map(&row.6),
        private_metadata: parse_map(&row.7),
        unsafe_metadata: parse_map(&row.8),
        banned: row.9 != 0,
        last_sign_in_at: row.10,
        last_active_at: row.11,
        created_at: row.12,
        updated_at: row.13,
        emails,
        unverified_emails,
    }
}

/// The user `id`, with its email addresses.
pub async fn get_user(db: &Db, id: &str) -> Result<Option<DevUser>, StoreError> {
    let mut conn = db.pool().acquire().await?;
    load_user(&mut conn, id).await
}

/// A user read through `conn` (inside a transaction, it sees that
/// transaction's changes).
async fn load_user(conn: &mut AnyConnection, id: &str) -> Result<Option<DevUser>, StoreError> {
    let row: Option<UserRow> = sqlx::query_as(&format!(
        "SELECT {USER_COLUMNS} FROM clerk_dev_users WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let emails: EmailRows = sqlx::query_as(
        "SELECT id, email_address, verified FROM clerk_dev_email_addresses WHERE user_id = $1 \
         ORDER BY created_at, id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(Some(from_row(row, emails)))
}

/// The user owning `email` (case-insensitive), verified.
pub async fn find_by_email(db: &Db, email: &str) -> Result<Option<DevUser>, StoreError> {
    let owner: Option<(String,)> = sqlx::query_as(
        "SELECT user_id FROM clerk_dev_email_addresses WHERE email_address = $1 AND verified = 1",
    )
    .bind(email.trim().to_lowercase())
    .fetch_optional(db.pool())
    .await?;
    match owner {
        Some((id,)) => get_user(db, &id).await,
        None => Ok(None),
    }
}

/// Every user with their emails.
pub async fn all_users(db: &Db) -> Result<Vec<DevUser>, StoreError> {
    let rows: Vec<UserRow> = sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM clerk_dev_users"))
        .fetch_all(db.pool())
        .await?;
    let emails: Vec<(String, String, String, i32)> = sqlx::query_as(
        "SELECT user_id, id, email_address, verified FROM clerk_dev_email_addresses \
         ORDER BY created_at, id",
    )
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let mine = emails
                .iter()
                .filter(|(owner, _, _, _)| *owner == row.0)
                .map(|(_, id, address, verified)| (id.clone(), address.clone(), *verified))
                .collect();
            from_row(row, mine)
        })
        .collect())
}

/// `GET /users` filters, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserFilter {
    /// At most this many.
    pub limit: usize,
    /// Skipping this many.
    pub offset: usize,
    /// Sort key, `-` first for descending (`-created_at`).
    pub order_by: String,
    /// Only users with one of these addresses.
    pub email_address: Vec<String>,
    /// A substring of the name or email.
    pub query: Option<String>,
}

impl Default for UserFilter {
    fn default() -> Self {
        UserFilter {
            limit: 10,
            offset: 0,
            order_by: "-created_at".into(),
            email_address: Vec::new(),
            query: None,
        }
    }
}

/// Orderings the instance supports.
pub const ORDER_FIELDS: &[&str] = &[
    "created_at",
    "updated_at",
    "last_sign_in_at",
    "last_active_at",
];

/// Users matching the filter (all pages), in the requested order.
pub async fn filter_users(db: &Db, filter: &UserFilter) -> Result<Vec<DevUser>, StoreError> {
    let wanted: Vec<String> = filter
        .email_address
        .iter()
        .map(|e| e.trim().to_lowercase())
        .collect();
    let mut users: Vec<DevUser> = all_users(db)
        .await?
        .into_iter()
        .filter(|u| wanted.is_empty() || u.emails.iter().any(|(_, e)| wanted.contains(e)))
        .filter(|u| filter.query.as_deref().is_none_or(|q| u.matches(q)))
        .collect();
    let (descending, field) = match filter.order_by.strip_prefix('-') {
        Some(field) => (true, field),
        None => (false, filter.order_by.trim_start_matches('+')),
    };
    let key = |u: &DevUser| match field {
        "updated_at" => Some(u.updated_at),
        "last_sign_in_at" => u.last_sign_in_at,
        "last_active_at" => u.last_active_at,
        _ => Some(u.created_at),
    };
    users.sort_by(|a, b| key(a).cmp(&key(b)).then_with(|| a.id.cmp(&b.id)));
    if descending {
        users.reverse();
    }
    Ok(users)
}

/// Clerk's metadata merge: objects merge recursively, `null` deletes a key,
/// anything else replaces.
pub fn deep_merge(target: &mut Map<String, Value>, patch: &Map<String, Value>) {
    for (key, value) in patch {
        match (target.get_mut(key), value) {
            (_, Value::Null) => {
                target.remove(key);
            }
            (Some(Value::Object(existing)), Value::Object(incoming)) => {
                deep_merge(existing, incoming)
            }
            _ => {
                target.insert(key.clone(), value.clone());
            }
        }
    }
}

/// Which metadata to merge into (absent fields are left alone).
#[derive(Debug, Clone, Default)]
pub struct MetadataPatch {
    /// Keys to merge into its public metadata.
    pub public_metadata: Option<Map<String, Value>>,
    /// Keys to merge into its private metadata.
    pub private_metadata: Option<Map<String, Value>>,
    /// Keys to merge into its unsafe metadata.
    pub unsafe_metadata: Option<Map<String, Value>>,
}

/// Merges metadata into user `id` as the Backend API does (deeply, see
/// `deep_merge`), queueing `user.updated`; `None` when there is no such user.
pub async fn merge_metadata(
    db: &Db,
    id: &str,
    patch: &MetadataPatch,
) -> Result<Option<DevUser>, StoreError> {
    let mut tx = db.begin().await?;
    let Some(mut user) = load_user(&mut tx, id).await? else {
        return Ok(None);
    };
    for (target, incoming) in [
        (&mut user.public_metadata, &patch.public_metadata),
        (&mut user.private_metadata, &patch.private_metadata),
        (&mut user.unsafe_metadata, &patch.unsafe_metadata),
    ] {
        if let Some(incoming) = incoming {
            deep_merge(target, incoming);
        }
    }
    sqlx::query(
        "UPDATE clerk_dev_users SET public_metadata = $2, private_metadata = $3, unsafe_metadata = $4, \
         updated_at = $5 WHERE id = $1",
    )
    .bind(id)
    .bind(Value::Object(user.public_metadata).to_string())
    .bind(Value::Object(user.private_metadata).to_string())
    .bind(Value::Object(user.unsafe_metadata).to_string())
    .bind(now_millis())
    .execute(&mut *tx)
    .await?;
    let updated = user_updated(&mut tx, id).await?;
    tx.commit().await?;
    Ok(updated)
}

/// Reads the user back inside the transaction and queues `user.updated`.
pub(crate) async fn user_updated(
    tx: &mut AnyConnection,
    id: &str,
) -> Result<Option<DevUser>, StoreError> {
    let user = load_user(tx, id).await?;
    if let Some(user) = &user {
        webhooks::enqueue(tx, "user.updated", &user.id, user.to_json()).await?;
    }
    Ok(user)
}

/// Attribute changes for `PATCH /users/{id}`; `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    /// A new first name.
    pub first_name: Option<String>,
    /// A new last name.
    pub last_name: Option<String>,
    /// A new username.
    pub username: Option<String>,
}

/// Updates user `id`'s names, queueing `user.updated`; `None` when there
/// is no such user.
pub async fn update_user(
    db: &Db,
    id: &str,
    changes: &UserChanges,
) -> Result<Option<DevUser>, StoreError> {
    let mut tx = db.begin().await?;
    let updated = sqlx::query(
        "UPDATE clerk_dev_users SET first_name = COALESCE($2, first_name), \
         last_name = COALESCE($3, last_name), username = COALESCE($4, username), updated_at = $5 \
         WHERE id = $1",
    )
    .bind(id)
    .bind(&changes.first_name)
    .bind(&changes.last_name)
    .bind(&changes.username)
    .bind(now_millis())
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Ok(None);
    }
    let user = user_updated(&mut tx, id).await?;
    tx.commit().await?;
    Ok(user)
}

/// Sets user `id`'s password (hashed), queueing `user.updated`.
pub async fn set_password(db: &Db, id: &str, password: &str) -> Result<(), StoreError> {
    let hash = hash_password(password).await?;
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE clerk_dev_users SET password_hash = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(&hash)
        .bind(now_millis())
        .execute(&mut *tx)
        .await?;
    user_updated(&mut tx, id).await?;
    tx.commit().await?;
    Ok(())
}

/// `true` when a user was deleted (their emails and sessions go with them).
pub async fn delete_user(db: &Db, id: &str) -> Result<bool, StoreError> {
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM clerk_dev_sessions WHERE user_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM clerk_dev_email_addresses WHERE user_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let deleted = sqlx::query("DELETE FROM clerk_dev_users WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    if deleted.rows_affected() == 0 {
        return Ok(false);
    }
    let data = json!({"object": "user", "id": id, "deleted": true});
    webhooks::enqueue(&mut tx, "user.deleted", id, data).await?;
    tx.commit().await?;
    Ok(true)
}

/// Sessions last a week unless ended or revoked.
const SESSION_LIFETIME_MS: i64 = 7 * 24 * 60 * 60 * 1000;

/// Starts a session for `user_id` on `client_id`, queueing `session.created`.
pub async fn create_session(
    db: &Db,
    user_id: &str,
    client_id: &str,
    activity: &Activity,
) -> Result<Value, StoreError> {
    let (id, now) = (new_id("sess"), now_millis());
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO clerk_dev_sessions (id, user_id, client_id, status, last_active_at, expire_at, \
         created_at, updated_at, user_agent, ip_address) \
         VALUES ($1, $2, $3, 'active', $4, $5, $4, $4, $6, $7)",
    )
    .bind(&id)
    .bind(user_id)
    .bind(client_id)
    .bind(now)
    .bind(now + SESSION_LIFETIME_MS)
    .bind(&activity.user_agent)
    .bind(&activity.ip_address)
    .execute(&mut *tx)
    .await?;
    touch_client(&mut tx, client_id, now).await?;
    let session = load_session(&mut tx, &id).await?.unwrap_or(Value::Null);
    webhooks::enqueue(&mut tx, "session.created", user_id, session.clone()).await?;
    tx.commit().await?;
    Ok(session)
}

const SESSION_COLUMNS: &str = "id, user_id, client_id, status, last_active_at, expire_at, \
     created_at, updated_at, COALESCE(factor_verified_at, created_at) AS factor_verified_at, \
     user_agent, ip_address, active_organization_id";

/// Where a session was started: the browser's `User-Agent` and address,
/// which Clerk's account panel lists under "Active devices".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Activity {
    /// The browser's user agent.
    pub user_agent: Option<String>,
    /// The client's address.
    pub ip_address: Option<String>,
}

impl Activity {
    /// Clerk's `session_activity` object. The browser and device are read
    /// from the `User-Agent` (coarsely: family, major version, platform);
    /// there is no location without the internet.
    fn to_json(&self, session_id: &str) -> Value {
        let ua = self.user_agent.as_deref().unwrap_or_default();
        let (browser_name, browser_version) = browser_of(ua);
        let is_mobile = ua.contains("Mobile") || ua.contains("Android");
        let device_type = [
            ("iPhone", "iPhone"),
            ("iPad", "iPad"),
            ("Android", "Android"),
            ("Macintosh", "Macintosh"),
            ("Windows", "Windows"),
            ("CrOS", "Chromebook"),
            ("Linux", "Linux"),
        ]
        .into_iter()
        .find(|(token, _)| ua.contains(token))
        .map(|(_, name)| name);
        json!({
            "object": "session_activity",
            "id": format!("sess_activity_{}", session_id.trim_start_matches("sess_")),
            "browser_name": browser_name,
            "browser_version": browser_version,
            "device_type": device_type,
            "is_mobile": is_mobile,
            "ip_address": self.ip_address,
            "city": null,
            "country": null,
        })
    }
}

/// The browser family and major version a `User-Agent` names, most
/// specific first (Edge and Opera also say Chrome; Chrome also says Safari).
fn browser_of(ua: &str) -> (Option<&'static str>, Option<String>) {
    for (token, name) in [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Version/", "Safari"),
    ] {
        if let Some(rest) = ua.split(token).nth(1) {
            let major = rest.split(['.', ' ']).next().unwrap_or_default();
            return (Some(name), Some(major.to_owned()).filter(|m| !m.is_empty()));
        }
    }
    (None, None)
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    id: String,
    user_id: String,
    client_id: String,
    status: String,
    last_active_at: i64,
    expire_at: i64,
    created_at: i64,
    updated_at: i64,
    factor_verified_at: i64,
    user_agent: Option<String>,
    ip_address: Option<String>,
    active_organization_id: Option<String>,
}

/// Clerk's session object.
pub async fn get_session(db: &Db, id: &str) -> Result<Option<Value>, StoreError> {
    let mut conn = db.pool().acquire().await?;
    load_session(&mut conn, id).await
}

async fn load_session(conn: &mut AnyConnection, id: &str) -> Result<Option<Value>, StoreError> {
    let row: Option<SessionRow> = sqlx::query_as(&format!(
        "SELECT {SESSION_COLUMNS} FROM clerk_dev_sessions WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|r| r.to_json()))
}

impl SessionRow {
    /// Clerk's session object.
    fn to_json(&self) -> Value {
        json!({
            "object": "session", "id": self.id, "user_id": self.user_id, "client_id": self.client_id,
            "status": self.status, "last_active_at": self.last_active_at, "expire_at": self.expire_at,
            "abandon_at": self.expire_at, "created_at": self.created_at, "updated_at": self.updated_at,
            "factor_verification_age": [factor_age_minutes(self.factor_verified_at), -1],
        })
    }

    fn into_info(self) -> SessionInfo {
        SessionInfo {
            id: self.id,
            user_id: self.user_id,
            client_id: self.client_id,
            status: self.status,
            expire_at: self.expire_at,
            created_at: self.created_at,
            factor_verified_at: self.factor_verified_at,
            active_organization_id: self.active_organization_id,
        }
    }
}

/// Whole minutes since `verified_at` (unix ms), as Clerk's `fva` counts them.
pub fn factor_age_minutes(verified_at: i64) -> i64 {
    (now_millis() - verified_at).max(0) / 60_000
}

/// Records that the session's user proved who they are at `at` (unix ms):
/// now after a reverification, or any moment the console chooses. `false`
/// when there is no such session.
pub async fn set_factor_verified_at(db: &Db, id: &str, at: i64) -> Result<bool, StoreError> {
    let changed = sqlx::query(
        "UPDATE clerk_dev_sessions SET factor_verified_at = $2, updated_at = $3 WHERE id = $1",
    )
    .bind(id)
    .bind(at)
    .bind(now_millis())
    .execute(db.pool())
    .await?;
    Ok(changed.rows_affected() > 0)
}

/// Marks a session revoked; `None` when there is no such session.
pub async fn revoke_session(db: &Db, id: &str) -> Result<Option<Value>, StoreError> {
    set_session_status(db, id, "revoked").await
}

/// A session's facts that token minting needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    /// The session's id.
    pub id: String,
    /// The user.
    pub user_id: String,
    /// Its client (browser).
    pub client_id: String,
    /// `active`, `ended`, `removed` or `revoked`.
    pub status: String,
    /// When it expires (unix ms).
    pub expire_at: i64,
    /// When it was made (unix ms).
    pub created_at: i64,
    /// When the user last proved who they are (unix ms).
    pub factor_verified_at: i64,
    /// The organization the session has active (set by clerk-js's
    /// `setActive`), whether or not the user still belongs to it.
    pub active_organization_id: Option<String>,
}

/// Session `id`'s owner, client, status and expiry.
pub async fn session_info(db: &Db, id: &str) -> Result<Option<SessionInfo>, StoreError> {
    let row: Option<SessionRow> = sqlx::query_as(&format!(
        "SELECT {SESSION_COLUMNS} FROM clerk_dev_sessions WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db.pool())
    .await?;
    Ok(row.map(SessionRow::into_info))
}

/// A user's sessions, newest first, as Clerk's session objects.
pub async fn user_sessions(db: &Db, user_id: &str) -> Result<Vec<Value>, StoreError> {
    let rows: Vec<SessionRow> = sqlx::query_as(&format!(
        "SELECT {SESSION_COLUMNS} FROM clerk_dev_sessions WHERE user_id = $1 ORDER BY created_at DESC, id DESC"
    ))
    .bind(user_id)
    .fetch_all(db.pool())
    .await?;
    Ok(rows.iter().map(SessionRow::to_json).collect())
}

/// Sets a session's status (`ended`, `revoked`) and queues
/// `session.<status>`; `None` when there is no such session.
pub async fn set_session_status(
    db: &Db,
    id: &str,
    status: &str,
) -> Result<Option<Value>, StoreError> {
    let now = now_millis();
    let mut tx = db.begin().await?;
    let changed =
        sqlx::query("UPDATE clerk_dev_sessions SET status = $2, updated_at = $3 WHERE id = $1")
            .bind(id)
            .bind(status)
            .bind(now)
            .execute(&mut *tx)
            .await?;
    if changed.rows_affected() == 0 {
        return Ok(None);
    }
    let session = load_session(&mut tx, id).await?;
    if let Some(session) = &session {
        let client_id = session["client_id"].as_str().unwrap_or_default();
        touch_client(&mut tx, client_id, now).await?;
        let user_id = session["user_id"].as_str().unwrap_or_default().to_owned();
        webhooks::enqueue(
            &mut tx,
            &format!("session.{status}"),
            &user_id,
            session.clone(),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(session)
}

/// Records activity on a session (a token was issued for it).
pub async fn touch_session(db: &Db, id: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE clerk_dev_sessions SET last_active_at = $2 WHERE id = $1")
        .bind(id)
        .bind(now_millis())
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Whose active sessions to read: one browser's client, or one user's.
enum SessionsOf<'a> {
    Client(&'a str),
    User(&'a str),
}

/// Active, unexpired sessions, newest first.
async fn active_session_rows(db: &Db, of: SessionsOf<'_>) -> Result<Vec<SessionRow>, StoreError> {
    // The column is one of two fixed names, never input.
    let (column, key) = match of {
        SessionsOf::Client(id) => ("client_id", id),
        SessionsOf::User(id) => ("user_id", id),
    };
    let rows = sqlx::query_as(&format!(
        "SELECT {SESSION_COLUMNS} FROM clerk_dev_sessions \
         WHERE {column} = $1 AND status = 'active' AND expire_at > $2 ORDER BY created_at DESC, id DESC"
    ))
    .bind(key)
    .bind(now_millis())
    .fetch_all(db.pool())
    .await?;
    Ok(rows)
}

/// The client's active, unexpired sessions, newest first.
pub async fn active_sessions(db: &Db, client_id: &str) -> Result<Vec<SessionInfo>, StoreError> {
    let rows = active_session_rows(db, SessionsOf::Client(client_id)).await?;
    Ok(rows.into_iter().map(SessionRow::into_info).collect())
}

/// The user's active sessions on every client, newest first, each with its
/// `latest_activity` (Clerk's `GET /v1/me/sessions/active`).
pub async fn active_sessions_of_user(db: &Db, user_id: &str) -> Result<Vec<Value>, StoreError> {
    let rows = active_session_rows(db, SessionsOf::User(user_id)).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let activity = Activity {
                user_agent: row.user_agent.clone(),
                ip_address: row.ip_address.clone(),
            };
            let mut json = row.to_json();
            json["latest_activity"] = activity.to_json(&row.id);
            json["actor"] = Value::Null;
            json
        })
        .collect())
}

fn sha256_hex(text: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A new browser client; returns the `__client` cookie value (`id.secret`).
pub async fn create_client(db: &Db) -> Result<(String, String), StoreError> {
    let (id, now) = (new_id("client"), now_millis());
    let secret: String = rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(40)
        .map(char::from)
        .collect();
    sqlx::query("INSERT INTO clerk_dev_clients (id, secret_hash, created_at, updated_at) VALUES ($1, $2, $3, $3)")
        .bind(&id)
        .bind(sha256_hex(&secret))
        .bind(now)
        .execute(db.pool())
        .await?;
    let cookie = format!("{id}.{secret}");
    Ok((id, cookie))
}

/// Marks the client updated: its sessions changed (a sign-in, sign-out or
/// revocation). Tokens issued before this moment are older than the
/// client's `__client_uat` and so send page loads through the handshake.
async fn touch_client(conn: &mut AnyConnection, id: &str, now: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE clerk_dev_clients SET updated_at = $2 WHERE id = $1")
        .bind(id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// When the client last changed (unix ms), `None` for an unknown client.
pub async fn client_updated_at(db: &Db, id: &str) -> Result<Option<i64>, StoreError> {
    let row: Option<(i64,)> =
        sqlx::query_as("SELECT updated_at FROM clerk_dev_clients WHERE id = $1")
            .bind(id)
            .fetch_optional(db.pool())
            .await?;
    Ok(row.map(|(at,)| at))
}

/// The client a `__client` cookie value belongs to, if it is genuine.
pub async fn client_from_cookie(db: &Db, cookie: &str) -> Result<Option<String>, StoreError> {
    let Some((id, secret)) = cookie.split_once('.') else {
        return Ok(None);
    };
    let row: Option<(String,)> =
        sqlx::query_as("SELECT secret_hash FROM clerk_dev_clients WHERE id = $1")
            .bind(id)
            .fetch_optional(db.pool())
            .await?;
    let genuine =
        row.is_some_and(|(hash,)| constant_time_eq(sha256_hex(secret).as_bytes(), hash.as_bytes()));
    Ok(genuine.then(|| id.to_owned()))
}

/// Failed sign-ins for `email` since `since` (unix ms).
pub async fn recent_failures(db: &Db, email: &str, since: i64) -> Result<Vec<i64>, StoreError> {
    let rows: Vec<(i64,)> = sqlx::query_as(
        "SELECT failed_at FROM clerk_dev_sign_in_failures WHERE email = $1 AND failed_at >= $2 ORDER BY failed_at",
    )
    .bind(email.trim().to_lowercase())
    .bind(since)
    .fetch_all(db.pool())
    .await?;
    Ok(rows.into_iter().map(|(t,)| t).collect())
}

/// Records a failed password for `email` (the lockout counts them).
pub async fn record_failure(db: &Db, email: &str) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO clerk_dev_sign_in_failures (email, failed_at) VALUES ($1, $2)")
        .bind(email.trim().to_lowercase())
        .bind(now_millis())
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Forgets `email`'s failures (after a successful sign-in).
pub async fn clear_failures(db: &Db, email: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM clerk_dev_sign_in_failures WHERE email = $1")
        .bind(email.trim().to_lowercase())
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Records a successful sign-in.
pub async fn mark_signed_in(db: &Db, user_id: &str) -> Result<(), StoreError> {
    let now = now_millis();
    sqlx::query(
        "UPDATE clerk_dev_users SET last_sign_in_at = $2, last_active_at = $2 WHERE id = $1",
    )
    .bind(user_id)
    .bind(now)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Seeds the app's demo users into an empty instance.
pub async fn seed_demo_users(db: &Db, users: &[DemoUser]) -> Result<(), StoreError> {
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM clerk_dev_users")
        .fetch_one(db.pool())
        .await?;
    if count > 0 {
        return Ok(());
    }
    for user in users {
        let new = NewUser {
            email: user.email.clone(),
            password: Some(user.password.clone()),
            first_name: Some(user.first_name.clone()),
            last_name: Some(user.last_name.clone()),
            public_metadata: user
                .public_metadata
                .iter()
                .map(|(k, v)| (k.clone(), json!(v)))
                .collect(),
            ..Default::default()
        };
        match create_user(db, new).await {
            Ok(_) | Err(StoreError::EmailTaken) => {}
            Err(other) => return Err(other),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn active_devices_name_the_browser_and_platform_their_user_agent_gives() {
        let activity = |ua: &str| {
            Activity {
                user_agent: Some(ua.into()),
                ip_address: Some("127.0.0.1".into()),
            }
            .to_json("sess_abc")
        };
        let chromium = activity("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.7444.59 Safari/537.36");
        assert_eq!(chromium["browser_name"], "Chrome");
        assert_eq!(chromium["browser_version"], "142");
        assert_eq!(chromium["device_type"], "Linux");
        assert_eq!(chromium["is_mobile"], false);
        assert_eq!(chromium["ip_address"], "127.0.0.1");
        assert_eq!(chromium["id"], "sess_activity_abc");
        let edge = activity("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36 Edg/120.0.2210");
        assert_eq!(
            (edge["browser_name"].as_str(), edge["device_type"].as_str()),
            (Some("Edge"), Some("Windows"))
        );
        let iphone = activity("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1");
        assert_eq!(
            (
                iphone["browser_name"].as_str(),
                iphone["browser_version"].as_str()
            ),
            (Some("Safari"), Some("17"))
        );
        assert_eq!(
            (
                iphone["device_type"].as_str(),
                iphone["is_mobile"].as_bool()
            ),
            (Some("iPhone"), Some(true))
        );
        let unknown = Activity::default().to_json("sess_x");
        assert_eq!(
            (
                unknown["browser_name"].clone(),
                unknown["device_type"].clone()
            ),
            (Value::Null, Value::Null)
        );
    }

    #[test]
    fn deep_merge_merges_objects_replaces_values_and_deletes_nulls() {
        let mut target = map(json!({
            "role": "member", "plan": "free", "prefs": {"theme": "dark", "lang": "en"}, "old": 1
        }));
        deep_merge(
            &mut target,
            &map(
                json!({"plan": "pro", "prefs": {"lang": "fr", "tz": "UTC"}, "old": null, "tags": ["a"]}),
            ),
        );
        assert_eq!(
            Value::Object(target),
            json!({"role": "member", "plan": "pro", "prefs": {"theme": "dark", "lang": "fr", "tz": "UTC"}, "tags": ["a"]})
        );
        let mut nested = map(json!({"a": {"b": {"c": 1, "d": 2}}}));
        deep_merge(&mut nested, &map(json!({"a": {"b": {"c": null}}})));
        assert_eq!(Value::Object(nested), json!({"a": {"b": {"d": 2}}}));
        let mut replaced = map(json!({"a": {"b": 1}}));
        deep_merge(&mut replaced, &map(json!({"a": "flat"})));
        assert_eq!(Value::Object(replaced), json!({"a": "flat"}));
    }

    #[test]
    fn ids_look_like_clerks() {
        let id = new_id("user");
        assert!(id.starts_with("user_") && id.len() == 32, "{id}");
        assert_ne!(new_id("user"), id);
    }
}
