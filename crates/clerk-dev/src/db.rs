//! The instance's store: a plain sqlx pool (SQLite or PostgreSQL, through
//! sqlx's `Any` driver) that the app hands over, the instance's own
//! migrations, and the one clock its rows are stamped with.
//!
//! The instance's tables are all named `clerk_dev_*`, so they can share the
//! app's database. Its migrations share sqlx's `_sqlx_migrations` table
//! with the app's: each side runs with `ignore_missing`, so neither
//! complains about the other's versions.

use sqlx::{any::AnyConnectOptions, migrate::Migrator, Any, AnyPool, Transaction};

/// Which SQL the pool speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite (a file, or memory in tests).
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// A store failure, split by what the caller should do about it.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The database cannot be reached (down, pool exhausted, timed out):
    /// answer 503 and let the client retry.
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
            // SQLite reports a locked or unopenable file as a database
            // error; PostgreSQL a shutting-down server.
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

/// A cheap-to-clone handle to the pool the app lent the instance.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
}

impl Db {
    /// Wraps the app's pool; its URL's scheme says which SQL it speaks.
    pub fn new(pool: AnyPool) -> Result<Db, DbError> {
        let options: std::sync::Arc<AnyConnectOptions> = pool.connect_options();
        let backend = match options.database_url.scheme() {
            "sqlite" => Backend::Sqlite,
            "postgres" | "postgresql" => Backend::Postgres,
            other => {
                return Err(DbError::Other(format!(
                    "the development instance runs on SQLite or PostgreSQL, not {other}"
                )))
            }
        };
        Ok(Db { pool, backend })
    }

    /// Applies the instance's pending migrations (its `clerk_dev_*` tables).
    pub async fn migrate(&self) -> Result<(), DbError> {
        let mut migrator: Migrator = match self.backend {
            Backend::Sqlite => sqlx::migrate!("migrations/sqlite"),
            Backend::Postgres => sqlx::migrate!("migrations/postgres"),
        };
        // The app's own migrations share the table.
        migrator.set_ignore_missing(true);
        migrator.run(&self.pool).await?;
        Ok(())
    }

    /// Starts a transaction that may write. On SQLite it takes the write
    /// lock up front (`BEGIN IMMEDIATE`): a deferred transaction that reads
    /// and then writes fails at once with `SQLITE_BUSY` when another
    /// connection committed in between, which `busy_timeout` cannot retry.
    pub async fn begin(&self) -> Result<Transaction<'static, Any>, DbError> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    /// The pool itself.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Which SQL it speaks.
    pub fn backend(&self) -> Backend {
        self.backend
    }
}

/// Unix milliseconds now: the one clock the store stamps rows with.
pub fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}
