//! What operations ask of the database: is it there ([`Store::ping`]), and a consistent copy of
//! a SQLite database while the server runs ([`Store::vacuum_into`]).

use std::path::Path;

use super::{Store, on_pool};
use crate::error::Error;

/// Why `backup` refuses a PostgreSQL database, and what to do instead.
pub const BACKUP_NOT_SQLITE: &str = "`backup` copies the SQLite database; back up PostgreSQL \
     with pg_dump (docs/deploying.md, \"Backup and restore\")";

impl Store {
    /// One round trip to the database (`SELECT 1`): the readiness check.
    pub async fn ping(&self) -> Result<(), Error> {
        on_pool!(self, pool => sqlx::query("SELECT 1").execute(pool).await.map(drop))?;
        Ok(())
    }

    /// Writes a consistent copy of the SQLite database to `file` (which must not exist or be
    /// empty): `VACUUM INTO` reads in one transaction, so writers go on meanwhile and the copy is
    /// compact and has no WAL of its own. PostgreSQL has `pg_dump` for this.
    pub async fn vacuum_into(&self, file: &Path) -> Result<(), Error> {
        let Store::Sqlite(pool) = self else {
            return Err(Error::Config(BACKUP_NOT_SQLITE.into()));
        };
        let name = file.to_str().ok_or_else(|| {
            Error::Config(format!(
                "{}: the backup's path is not UTF-8",
                file.display()
            ))
        })?;
        // The file name is bound, never spliced into the SQL.
        sqlx::query("VACUUM INTO $1")
            .bind(name)
            .execute(pool)
            .await?;
        Ok(())
    }
}
