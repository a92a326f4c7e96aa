//! The database: one pool that serves SQLite (embedded default) or PostgreSQL,
//! its migrations, and the repositories over it.
//!
//! Both backends go through sqlx's `Any` driver with the same SQL (`$n`
//! placeholders, `ON CONFLICT`, `RETURNING`, BIGINT unix-millisecond times),
//! so a query is written once and tested on both.

pub mod audit;
pub mod organizations;
pub mod posts;
pub mod receipts;
pub mod users;

use sqlx::{
    any::{AnyConnectOptions, AnyPoolOptions},
    migrate::Migrator,
    pool::PoolConnection,
    Any, AnyPool, ConnectOptions, Executor, Transaction,
};
use std::{path::Path, str::FromStr, time::Duration};

/// The app's migrations for `backend`, run with `ignore_missing` (the
/// development instance's versions share the table).
fn migrator(backend: Backend) -> Migrator {
    let mut migrator = match backend {
        Backend::Sqlite => sqlx::migrate!("migrations/sqlite"),
        Backend::Postgres => sqlx::migrate!("migrations/postgres"),
    };
    migrator.set_ignore_missing(true);
    migrator
}

/// The migration that was split between the app and the development
/// instance's crate (see `Db::adopt_split_migration`).
const SPLIT_VERSION: i64 = 20261202000014;
/// SHA-384 of that migration's file before the split (the same file for
/// both backends), as databases made then record it.
const SPLIT_LEGACY_CHECKSUM: &str = "eaa5dcca8f900e34a103c16975781e0984fc759121c4dd368a1668b8\
                                     243742b3a8a4225d7dd1569ac34a42ad53ad6d0a";

fn hex_bytes(hex: &str) -> Vec<u8> {
    let digits: Vec<u8> = hex
        .bytes()
        .filter_map(|b| (b as char).to_digit(16).map(|d| d as u8))
        .collect();
    digits
        .chunks(2)
        .map(|pair| pair[0] << 4 | pair[1])
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A database failure, split by what the caller should do about it.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The database cannot be reached (down, pool exhausted, timed out):
    /// answer 503 and let the client or sender retry.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// Anything else (constraint, bad SQL, decoding): a bug or bad data.
    #[error("database error: {0}")]
    Other(String),
}

impl From<sqlx::Error> for DbError {
    fn from(err: sqlx::Error) -> Self {
        match err {
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => DbError::Unavailable(err.to_string()),
            // SQLite reports a locked or unopenable file as a database error.
            sqlx::Error::Database(ref db)
                if matches!(
                    db.code().as_deref(),
                    Some("5" | "6" | "14" | "57P01" | "57P03")
                ) =>
            {
                DbError::Unavailable(err.to_string())
            }
            other => DbError::Other(other.to_string()),
        }
    }
}

impl From<sqlx::migrate::MigrateError> for DbError {
    fn from(err: sqlx::migrate::MigrateError) -> Self {
        match err {
            sqlx::migrate::MigrateError::Execute(inner) => inner.into(),
            other => DbError::Other(other.to_string()),
        }
    }
}

/// A cheap-to-clone handle to the connection pool.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
}

impl Db {
    /// Opens a pool for `url` (`sqlite:` or `postgres://`). For SQLite the
    /// file and its directory are created when missing. Does not migrate.
    pub async fn connect(url: &str) -> Result<Db, DbError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(DbError::Other(
                "DATABASE_URL must start with sqlite: or postgres://".into(),
            ));
        };

        let url = match backend {
            Backend::Sqlite => prepare_sqlite_url(url)?,
            Backend::Postgres => url.to_owned(),
        };
        let options = AnyConnectOptions::from_str(&url)
            .map_err(|e| DbError::Other(format!("bad database URL: {e}")))?
            // Statements are logged at debug by our own spans; sqlx's own
            // per-statement logging would print bound values.
            .disable_statement_logging();

        let pool = AnyPoolOptions::new()
            .max_connections(match backend {
                // One writer at a time is all SQLite allows anyway.
                Backend::Sqlite => 5,
                Backend::Postgres => 10,
            })
            .acquire_timeout(Duration::from_secs(5))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers proceed while a writer commits;
                        // foreign keys are off by default in SQLite.
                        conn.execute("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;")
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        Ok(Db { pool, backend })
    }

    /// Applies the app's pending migrations. The development instance
    /// (`clerk-dev`) keeps its own `clerk_dev_*` tables and migrations in
    /// the same version sequence and the same `_sqlx_migrations` table, so
    /// each side ignores the other's versions.
    pub async fn migrate(&self) -> Result<(), DbError> {
        let migrator = migrator(self.backend);
        self.adopt_split_migration(&migrator).await?;
        migrator.run(&self.pool).await?;
        Ok(())
    }

    /// Before the development instance had migrations of its own, version
    /// [`SPLIT_VERSION`] made one of its tables and one of the app's; the
    /// app's half keeps the version and the instance's half moved to its
    /// crate. A database made then records the whole file's checksum, which
    /// sqlx would refuse as a changed migration: it is rewritten to the
    /// app's half's, once, and nothing is run again (the tables exist).
    async fn adopt_split_migration(&self, migrator: &Migrator) -> Result<(), DbError> {
        let Some(split) = migrator.iter().find(|m| m.version == SPLIT_VERSION) else {
            return Ok(());
        };
        let exists = match self.backend {
            Backend::Sqlite => {
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'"
            }
            Backend::Postgres => {
                "SELECT COUNT(*) FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_name = '_sqlx_migrations'"
            }
        };
        let (tables,): (i64,) = sqlx::query_as(exists).fetch_one(&self.pool).await?;
        if tables == 0 {
            return Ok(());
        }
        sqlx::query(
            "UPDATE _sqlx_migrations SET checksum = $1 WHERE version = $2 AND checksum = $3",
        )
        .bind(split.checksum.to_vec())
        .bind(SPLIT_VERSION)
        .bind(hex_bytes(SPLIT_LEGACY_CHECKSUM))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Is the database answering? Used by `/readyz`.
    pub async fn ping(&self) -> Result<(), DbError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// One connection from the pool, for repository calls that take a
    /// connection (so that they can also run inside a caller's transaction).
    pub async fn acquire(&self) -> Result<PoolConnection<Any>, DbError> {
        Ok(self.pool.acquire().await?)
    }

    /// Starts a transaction that may write. On SQLite it takes the write
    /// lock up front (`BEGIN IMMEDIATE`): a deferred transaction that reads
    /// and then writes fails at once with `SQLITE_BUSY` when another
    /// connection committed in between, which `busy_timeout` cannot retry.
    /// Taking the lock first makes writers queue on the timeout instead.
    pub async fn begin(&self) -> Result<Transaction<'static, Any>, DbError> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Closes the pool, waiting for connections to be returned.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Creates the SQLite file's directory and asks sqlx to create the file
/// (`mode=rwc`) unless the URL already chose a mode.
fn prepare_sqlite_url(url: &str) -> Result<String, DbError> {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path != ":memory:" && !path.is_empty() {
        if let Some(dir) = Path::new(path)
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir)
                .map_err(|e| DbError::Other(format!("cannot create {}: {e}", dir.display())))?;
        }
    }
    Ok(if query.split('&').any(|p| p.starts_with("mode=")) {
        url.to_owned()
    } else if query.is_empty() {
        format!("{url}?mode=rwc")
    } else {
        format!("{url}&mode=rwc")
    })
}

/// Unix milliseconds now: the one clock the repositories stamp rows with.
pub fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Counts shown on the landing page.
pub async fn site_stats(db: &Db) -> Result<(i64, i64), DbError> {
    let (writers,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users WHERE deleted_at IS NULL")
        .fetch_one(db.pool())
        .await?;
    let (posts,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM posts")
        .fetch_one(db.pool())
        .await?;
    Ok((writers, posts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_get_create_mode_and_a_directory() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("nested/deeper/app.db");
        let url = format!("sqlite://{}", file.display());
        assert_eq!(prepare_sqlite_url(&url).unwrap(), format!("{url}?mode=rwc"));
        assert!(file.parent().unwrap().is_dir());

        let with_query = format!("{url}?cache=shared");
        assert_eq!(
            prepare_sqlite_url(&with_query).unwrap(),
            format!("{with_query}&mode=rwc")
        );
        let explicit = format!("{url}?mode=ro");
        assert_eq!(prepare_sqlite_url(&explicit).unwrap(), explicit);
    }

    #[test]
    fn connection_failures_are_unavailable_not_bugs() {
        assert!(matches!(
            DbError::from(sqlx::Error::PoolTimedOut),
            DbError::Unavailable(_)
        ));
        assert!(matches!(
            DbError::from(sqlx::Error::RowNotFound),
            DbError::Other(_)
        ));
    }
}
