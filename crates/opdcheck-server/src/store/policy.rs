//! Storage of the policy override: its versions, as admins set them.

use sqlx::Row;

use crate::error::Error;
use crate::store::{Store, on_pool};

impl Store {
    /// The policy override in force (the latest version an admin set), if any.
    pub async fn latest_policy(&self) -> Result<Option<(i64, String)>, Error> {
        on_pool!(self, pool => {
            let row = sqlx::query("SELECT version, override_json FROM policies ORDER BY version DESC LIMIT 1")
                .fetch_optional(pool)
                .await?;
            Ok(match row {
                Some(r) => Some((r.try_get("version")?, r.try_get("override_json")?)),
                None => None,
            })
        })
    }

    /// Store a new policy override; returns its version.
    pub async fn insert_policy(
        &self,
        override_json: &str,
        ruleset: &str,
        by: &str,
        at: &str,
    ) -> Result<i64, Error> {
        on_pool!(self, pool => {
            let row = sqlx::query(
                "INSERT INTO policies (version, override_json, ruleset, created_by, created_at) \
                 SELECT COALESCE(MAX(version), 0) + 1, $1, $2, $3, $4 FROM policies RETURNING version",
            )
            .bind(override_json)
            .bind(ruleset)
            .bind(by)
            .bind(at)
            .fetch_one(pool)
            .await?;
            Ok(row.try_get("version")?)
        })
    }
}
