//! `opdcheck-server backup --to FILE`: a consistent copy of the SQLite database, taken while the
//! server runs. Restoring is putting the copy in place as `opdcheck.db` of a stopped server's
//! data directory (docs/deploying.md, "Backup and restore").
//!
//! The copy is written beside FILE under a temporary name, checked (`PRAGMA quick_check`, and
//! its records counted), then moved into place: FILE is either the whole copy or untouched. It
//! holds patient data, so it is the owner's alone (0600) from its first byte.

use std::path::{Path, PathBuf};

use sqlx::Row;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

use crate::error::Error;
use crate::store::Store;

/// What a backup wrote.
#[derive(Debug)]
pub struct Written {
    pub file: PathBuf,
    pub bytes: u64,
    /// Records (distinct ids) and their stored versions in the copy.
    pub records: i64,
    pub versions: i64,
}

impl std::fmt::Display for Written {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {} bytes, {} records ({} versions), integrity ok",
            self.file.display(),
            self.bytes,
            self.records,
            self.versions
        )
    }
}

/// Copies `store` (SQLite) to `to`; an existing `to` is refused unless `force`.
pub async fn backup(store: &Store, to: &Path, force: bool) -> Result<Written, Error> {
    let at = |message: String| Error::Config(format!("{}: {message}", to.display()));
    if let Store::Postgres(_) = store {
        return Err(Error::Config(crate::store::BACKUP_NOT_SQLITE.into()));
    }
    if to.exists() && !force {
        return Err(at("exists; pass --force to replace it".into()));
    }
    let name = to.file_name().ok_or_else(|| at("not a file name".into()))?;
    let dir = match to.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        return Err(at(format!(
            "the directory {} does not exist",
            dir.display()
        )));
    }
    let mut partial = name.to_owned();
    partial.push(format!(".partial-{}", std::process::id()));
    let partial = dir.join(partial);
    let written = async {
        create_private(&partial)?;
        store.vacuum_into(&partial).await?;
        let (records, versions) = verify(&partial).await?;
        std::fs::File::open(&partial)?.sync_all()?;
        Ok::<_, Error>((records, versions))
    }
    .await;
    let (records, versions) = match written {
        Ok(counts) => counts,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    let placed = if force {
        std::fs::rename(&partial, to)
    } else {
        // A link fails if `to` appeared meanwhile: never replaced without --force.
        std::fs::hard_link(&partial, to).and_then(|()| std::fs::remove_file(&partial))
    };
    if let Err(e) = placed {
        let _ = std::fs::remove_file(&partial);
        return Err(if e.kind() == std::io::ErrorKind::AlreadyExists {
            at("exists; pass --force to replace it".into())
        } else {
            at(e.to_string())
        });
    }
    // The rename itself survives a crash once the directory is synced.
    if let Ok(d) = std::fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(Written {
        file: to.to_owned(),
        bytes: std::fs::metadata(to)?.len(),
        records,
        versions,
    })
}

/// An empty file only the owner may read (VACUUM INTO fills an empty file).
fn create_private(file: &Path) -> Result<(), Error> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    opts.open(file)
        .map_err(|e| Error::Config(format!("{}: {e}", file.display())))?;
    Ok(())
}

/// Opens the copy read-only: `quick_check` must say ok; its records and versions counted.
async fn verify(copy: &Path) -> Result<(i64, i64), Error> {
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(SqliteConnectOptions::new().filename(copy).read_only(true))
        .await?;
    let checked = async {
        let check: String = sqlx::query_scalar("PRAGMA quick_check")
            .fetch_one(&pool)
            .await?;
        if check != "ok" {
            return Err(Error::Internal(format!(
                "{}: the copy failed its integrity check: {check}",
                copy.display()
            )));
        }
        let row = sqlx::query("SELECT COUNT(DISTINCT id), COUNT(*) FROM records")
            .fetch_one(&pool)
            .await?;
        Ok((row.try_get::<i64, _>(0)?, row.try_get::<i64, _>(1)?))
    }
    .await;
    pool.close().await;
    checked
}
