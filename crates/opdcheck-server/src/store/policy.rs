//! Storage of the policy override: its versions, as admins set them. The highest version is in
//! force; every server of a cluster polls [`Store::newest_policy_version`] to follow it.

use sqlx::Row;

use crate::error::Error;
use crate::store::{Store, on_pool};

/// One stored version of the policy override.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredPolicy {
    pub version: i64,
    /// The override as stored (JSON text of an object).
    pub override_json: String,
    pub ruleset: String,
    pub created_by: String,
    pub created_at: String,
    /// The version this one copied, when a rollback stored it.
    pub rolled_back_from: Option<i64>,
}

const COLUMNS: &str =
    "version, override_json, ruleset, created_by, created_at, rolled_back_from FROM policies";

/// A [`StoredPolicy`] from a row of `SELECT {COLUMNS}` (a macro: one text for both drivers).
macro_rules! policy_from_row {
    ($r:expr) => {{
        let r = $r;
        Ok::<_, sqlx::Error>(StoredPolicy {
            version: r.try_get("version")?,
            override_json: r.try_get("override_json")?,
            ruleset: r.try_get("ruleset")?,
            created_by: r.try_get("created_by")?,
            created_at: r.try_get("created_at")?,
            rolled_back_from: r.try_get("rolled_back_from")?,
        })
    }};
}

/// Concurrent stores (two admins, two servers) may compute the same next version; the primary
/// key refuses the second, which then tries again with the next number.
const INSERT_TRIES: usize = 5;

impl Store {
    /// The highest stored version (0 when none): one index lookup, cheap enough to poll.
    pub async fn newest_policy_version(&self) -> Result<i64, Error> {
        on_pool!(self, pool => {
            let row = sqlx::query("SELECT COALESCE(MAX(version), 0) AS v FROM policies")
                .fetch_one(pool)
                .await?;
            Ok(row.try_get("v")?)
        })
    }

    /// The policy override in force (the latest version an admin set), if any.
    pub async fn latest_policy(&self) -> Result<Option<StoredPolicy>, Error> {
        on_pool!(self, pool => {
            let sql = format!("SELECT {COLUMNS} ORDER BY version DESC LIMIT 1");
            let row = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_optional(pool).await?;
            Ok(match row {
                Some(r) => Some(policy_from_row!(&r)?),
                None => None,
            })
        })
    }

    /// One stored version, if it exists.
    pub async fn policy_version(&self, version: i64) -> Result<Option<StoredPolicy>, Error> {
        on_pool!(self, pool => {
            let sql = format!("SELECT {COLUMNS} WHERE version = $1");
            let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(version)
                .fetch_optional(pool)
                .await?;
            Ok(match row {
                Some(r) => Some(policy_from_row!(&r)?),
                None => None,
            })
        })
    }

    /// Every stored version, newest first (admins store a handful; no paging).
    pub async fn policy_history(&self) -> Result<Vec<StoredPolicy>, Error> {
        on_pool!(self, pool => {
            let sql = format!("SELECT {COLUMNS} ORDER BY version DESC");
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await?;
            Ok(rows
                .iter()
                .map(|r| policy_from_row!(r))
                .collect::<Result<Vec<_>, _>>()?)
        })
    }

    /// Store a new policy override (`rolled_back_from`: the version a rollback copies); returns
    /// its version.
    pub async fn insert_policy(
        &self,
        override_json: &str,
        ruleset: &str,
        by: &str,
        at: &str,
        rolled_back_from: Option<i64>,
    ) -> Result<i64, Error> {
        let mut tries = 0;
        loop {
            tries += 1;
            let inserted = on_pool!(self, pool => {
                sqlx::query(
                    "INSERT INTO policies \
                     (version, override_json, ruleset, created_by, created_at, rolled_back_from) \
                     SELECT COALESCE(MAX(version), 0) + 1, $1, $2, $3, $4, $5 FROM policies \
                     RETURNING version",
                )
                .bind(override_json)
                .bind(ruleset)
                .bind(by)
                .bind(at)
                .bind(rolled_back_from)
                .fetch_one(pool)
                .await
                .and_then(|row| row.try_get::<i64, _>("version"))
            });
            match inserted {
                Ok(version) => return Ok(version),
                Err(sqlx::Error::Database(d))
                    if d.is_unique_violation() && tries < INSERT_TRIES => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
}
