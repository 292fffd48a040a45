//! Storage: one [`Store`] over a SQLite or a PostgreSQL pool.
//!
//! The SQL is written once, with `$n` placeholders (sqlx's SQLite driver reads `$n` as the n-th
//! bound value, as Postgres does) and types both databases accept, so each operation is one
//! text run on either pool; [`on_pool!`] expands the same code for each driver type.

use std::borrow::Cow;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::SqlSafeStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};

use crate::error::Error;

pub mod accounts;
pub mod alerts;
pub mod limits;
mod ops;
mod policy;
pub mod qa;
mod read;
mod records;
pub mod visit_list;
pub mod visit_reviews;
pub mod visits;

pub use accounts::{PrescriberRow, User};
pub use alerts::{AlertData, NewAlert};
pub use ops::BACKUP_NOT_SQLITE;
pub use policy::StoredPolicy;
pub use read::{Filter, ListItem, StoredRecord};
pub use records::{IdState, Inserted, NewRecord, Writer};

const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "records",
        include_str!("../../migrations/0001_records.sql"),
    ),
    (2, "auth", include_str!("../../migrations/0002_auth.sql")),
    (
        3,
        "policy",
        include_str!("../../migrations/0003_policy.sql"),
    ),
    (4, "qa", include_str!("../../migrations/0004_qa.sql")),
    (
        5,
        "ownership",
        include_str!("../../migrations/0005_ownership.sql"),
    ),
    (
        6,
        "accounts",
        include_str!("../../migrations/0006_accounts.sql"),
    ),
    (
        7,
        "policy_cluster",
        include_str!("../../migrations/0007_policy_cluster.sql"),
    ),
    (
        8,
        "visits",
        include_str!("../../migrations/0008_visits.sql"),
    ),
    (
        9,
        "prescribers",
        include_str!("../../migrations/0009_prescribers.sql"),
    ),
    (
        10,
        "alerts",
        include_str!("../../migrations/0010_alerts.sql"),
    ),
];

/// The database behind the API.
#[derive(Clone, Debug)]
pub enum Store {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Run `$body` with `$pool` bound to the concrete pool (the code is compiled once per driver).
macro_rules! on_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match $store {
            Store::Sqlite($pool) => $body,
            Store::Postgres($pool) => $body,
        }
    };
}

/// A bound value of a dynamically built query.
#[derive(Debug, Clone)]
pub enum Param {
    Text(String),
    Bool(bool),
    Int(i64),
}

pub(crate) use on_pool;

macro_rules! bind_all {
    ($q:expr, $params:expr) => {{
        let mut q = $q;
        for p in $params {
            q = match p {
                Param::Text(s) => q.bind(s.clone()),
                Param::Bool(b) => q.bind(*b),
                Param::Int(i) => q.bind(*i),
            };
        }
        q
    }};
}
pub(crate) use bind_all;

impl Store {
    /// `postgres://…` / `postgresql://…` → PostgreSQL; `sqlite:…` → that SQLite database.
    pub async fn connect(url: &str) -> Result<Store, Error> {
        let store = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await?;
            Store::Postgres(pool)
        } else if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)?;
            let file = opts.get_filename().to_owned();
            let existed = file.is_file();
            let store = Store::Sqlite(sqlite_pool(opts).await?);
            restrict_sqlite_files(&file, existed)?;
            store
        } else {
            return Err(Error::Config(
                "the database URL must start with postgres://, postgresql:// or sqlite:".into(),
            ));
        };
        store.migrate().await?;
        Ok(store)
    }

    /// The SQLite file at `path`, created (with its migrations) when missing.
    pub async fn open_sqlite(path: &Path) -> Result<Store, Error> {
        let existed = path.is_file();
        let store = Store::Sqlite(sqlite_pool(SqliteConnectOptions::new().filename(path)).await?);
        restrict_sqlite_files(path, existed)?;
        store.migrate().await?;
        Ok(store)
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "sqlite",
            Store::Postgres(_) => "postgres",
        }
    }

    async fn migrate(&self) -> Result<(), Error> {
        let migrations = MIGRATIONS
            .iter()
            .map(|&(version, desc, sql)| {
                Migration::new(
                    version,
                    Cow::Borrowed(desc),
                    MigrationType::Simple,
                    sql.into_sql_str(),
                    false,
                )
            })
            .collect();
        let migrator = Migrator::with_migrations(migrations);
        on_pool!(self, pool => migrator.run(pool).await)?;
        self.backfill_signature_ids().await
    }
}

/// Create the data directory (and its parents) if missing, readable by the server's user only
/// (0700, whatever the umask); an existing one open to others is closed, with a log line.
pub fn create_data_dir(dir: &Path) -> Result<(), Error> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        let existed = dir.is_dir();
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
        let mode = std::fs::metadata(dir)?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
            if existed {
                tracing::warn!(dir = %dir.display(), was = format!("{mode:o}"), "the data directory was open to other users; now 0700");
            }
        }
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(dir)?;
    Ok(())
}

/// The database and its WAL and shared-memory files readable by the server's user only (0600).
/// SQLite creates them with the umask's mode (often 0644); set after opening, as the files exist
/// then. The window is closed by the 0700 directory; later -wal/-shm files take the database
/// file's mode (SQLite's rule), so they stay 0600.
fn restrict_sqlite_files(db: &Path, existed: bool) -> Result<(), Error> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mut name = db.as_os_str().to_owned();
        let files = ["", "-wal", "-shm"].map(|suffix| {
            name.push(suffix);
            let path = std::path::PathBuf::from(&name);
            name = db.as_os_str().to_owned();
            path
        });
        for file in files {
            // In-memory databases have no file; -wal/-shm may be gone after a clean close.
            let Ok(meta) = std::fs::metadata(&file) else {
                continue;
            };
            let mode = meta.permissions().mode() & 0o777;
            if !meta.is_file() || mode & 0o077 == 0 {
                continue;
            }
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))?;
            if existed {
                tracing::warn!(file = %file.display(), was = format!("{mode:o}"), "a database file was open to other users; now 0600");
            }
        }
    }
    #[cfg(not(unix))]
    let _ = (db, existed);
    Ok(())
}

async fn sqlite_pool(opts: SqliteConnectOptions) -> Result<SqlitePool, Error> {
    let opts = opts
        .create_if_missing(true)
        // WAL: readers do not block the writer (the list and stats endpoints run beside sync).
        .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
        .synchronous(sqlx::sqlite::SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10));
    Ok(SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(opts)
        .await?)
}
