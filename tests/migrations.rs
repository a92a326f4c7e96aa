//! The development instance's tables moved from the app's migrations to
//! its crate's own (`crates/clerk-dev/migrations`), keeping their version
//! numbers. A database made by the build before that move opens under this
//! one: nothing old runs again, the app's and the instance's data stay,
//! and its schema ends up the same as a new database's.
//!
//! `tests/fixtures/migrations-2026-12-06` holds the migrations as they
//! were (one directory for both, version 14 making one table of each).

mod common;

use inkpad::db::Db;
use sqlx::migrate::Migrator;
use std::path::Path;

/// version → (checksum, installed_on) as sqlx recorded them.
async fn recorded(db: &Db) -> Vec<(i64, Vec<u8>, String)> {
    sqlx::query_as(
        "SELECT version, checksum, CAST(installed_on AS TEXT) FROM _sqlx_migrations ORDER BY version",
    )
    .fetch_all(db.pool())
    .await
    .unwrap()
}

/// Every table and index, by name (the schema's shape).
async fn schema(db: &Db, backend: &str) -> Vec<String> {
    let sql = if backend == "sqlite" {
        "SELECT type || ' ' || name FROM sqlite_master \
         WHERE name NOT LIKE 'sqlite_%' ORDER BY 1"
    } else {
        "SELECT 'table ' || table_name FROM information_schema.tables \
         WHERE table_schema = current_schema() \
         UNION ALL SELECT 'index ' || indexname FROM pg_indexes \
         WHERE schemaname = current_schema() ORDER BY 1"
    };
    let rows: Vec<(String,)> = sqlx::query_as(sql).fetch_all(db.pool()).await.unwrap();
    rows.into_iter().map(|(name,)| name).collect()
}

/// The app's and the instance's start: both migrators, then the instance.
async fn start(db: &Db) -> clerk_dev::DevInstance {
    db.migrate().await.expect("the app's migrations");
    common::dev_instance(db, "127.0.0.1:3000".parse().unwrap()).await
}

async fn old_database_opens(old_url: &str, new_url: &str, backend: &str) {
    let db = Db::connect(old_url).await.unwrap();
    let old = Migrator::new(Path::new(&format!(
        "tests/fixtures/migrations-2026-12-06/{backend}"
    )))
    .await
    .unwrap();
    old.run(db.pool()).await.expect("yesterday's migrations");
    // Data of both sides, as yesterday's server left them.
    sqlx::query(
        "INSERT INTO users (id, email, role, plan, created_at, updated_at) \
         VALUES ('user_before', 'before@example.com', 'member', 'free', 1, 1)",
    )
    .execute(db.pool())
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO clerk_dev_organizations (id, name, slug, created_by, created_at, updated_at) \
         VALUES ('org_before', 'Before', 'before', NULL, 1, 1)",
    )
    .execute(db.pool())
    .await
    .unwrap();
    let before = recorded(&db).await;
    assert_eq!(before.len(), 14);

    let instance = start(&db).await;
    let after = recorded(&db).await;
    // Every old version kept its record (run once, then never again)…
    for (version, _, installed) in &before {
        let now = after.iter().find(|(v, _, _)| v == version).unwrap();
        assert_eq!(&now.2, installed, "version {version} ran again");
    }
    // …version 14 now carries the app's half's checksum…
    let current = Migrator::new(Path::new(&format!("migrations/{backend}")))
        .await
        .unwrap();
    let split = after.iter().find(|(v, _, _)| *v == 20261202000014).unwrap();
    let half = current
        .iter()
        .find(|m| m.version == 20261202000014)
        .unwrap();
    assert_eq!(split.1, half.checksum.to_vec(), "the app's half's checksum");
    // …and what is new is the instance's alone: its table that already
    // existed (made again only if missing), the organization feature's
    // columns, and whatever the instance added since (its mailbox, …).
    let added: Vec<i64> = after
        .iter()
        .map(|(v, _, _)| *v)
        .filter(|v| !before.iter().any(|(b, _, _)| b == v))
        .collect();
    let instance_since: Vec<i64> =
        Migrator::new(Path::new(&format!("crates/clerk-dev/migrations/{backend}")))
            .await
            .unwrap()
            .iter()
            .map(|m| m.version)
            .filter(|v| !before.iter().any(|(b, _, _)| b == v))
            .collect();
    assert_eq!(added, instance_since);
    assert!(
        added.starts_with(&[20261206000015, 20261206000016]),
        "{added:?}"
    );

    // Both sides' data are there, and the instance is usable.
    let (users,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users WHERE id = 'user_before'")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(users, 1);
    let org = clerk_dev::orgs::get(&common::dev_store(&db), "org_before")
        .await
        .unwrap();
    assert_eq!(org.map(|o| o.name).as_deref(), Some("Before"));
    assert!(instance.publishable_key().as_str().starts_with("pk_test_"));

    // A second start changes nothing.
    let again = start(&db).await;
    assert_eq!(recorded(&db).await, after);
    assert_eq!(
        again.signing_key().kid(),
        instance.signing_key().kid(),
        "the same instance"
    );

    // A database made by this build has the same shape.
    let fresh = Db::connect(new_url).await.unwrap();
    start(&fresh).await;
    assert_eq!(schema(&db, backend).await, schema(&fresh, backend).await);
    let fresh_versions: Vec<i64> = recorded(&fresh).await.iter().map(|r| r.0).collect();
    let old_versions: Vec<i64> = after.iter().map(|r| r.0).collect();
    assert_eq!(fresh_versions, old_versions);
    db.close().await;
    fresh.close().await;
}

#[tokio::test]
async fn a_sqlite_database_made_before_the_split_opens_without_rerunning_anything() {
    let dir = tempfile::tempdir().unwrap();
    let url = |name: &str| format!("sqlite://{}", dir.path().join(name).display());
    old_database_opens(&url("old.db"), &url("new.db"), "sqlite").await;
}

#[tokio::test]
async fn a_postgres_database_made_before_the_split_opens_without_rerunning_anything() {
    let Some(old) = common::postgres_schema().await else {
        return;
    };
    let new = common::postgres_schema().await.unwrap();
    old_database_opens(&old, &new, "postgres").await;
}

/// Without the development instance (production, or Clerk keys set) the
/// app's migrations make none of its tables.
#[tokio::test]
async fn the_apps_migrations_make_no_development_instance_table() {
    let test_db = common::sqlite_db().await;
    let tables = schema(&test_db.db, "sqlite").await;
    assert!(tables.iter().any(|t| t == "table users"), "{tables:?}");
    assert!(
        !tables.iter().any(|t| t.contains("clerk_dev")),
        "{tables:?}"
    );
}
