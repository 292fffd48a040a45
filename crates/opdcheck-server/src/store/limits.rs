//! Storage of sign-in attempts for the shared limiter (`auth::limiter`): one row per failed or
//! in-flight attempt of the last window, so every server on the database counts the same ones.
//! Times are Unix seconds; the address is text (`''` when unknown).

use sqlx::Row;

use crate::error::Error;
use crate::store::{Store, on_pool};

/// An attempt counted against an address or an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub at: i64,
    pub client: String,
}

impl Store {
    /// Count an attempt (before its password is checked).
    pub async fn insert_login_failure(
        &self,
        id: &str,
        username: &str,
        client: &str,
        at: i64,
    ) -> Result<(), Error> {
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO login_failures (id, username, client, at, for_account) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(username)
            .bind(client)
            .bind(at)
            .bind(true)
            .execute(pool)
            .await?;
            Ok(())
        })
    }

    /// Forget attempts at or before `before` (out of the window): keeps the table small.
    pub async fn purge_login_failures(&self, before: i64) -> Result<(), Error> {
        on_pool!(self, pool => {
            sqlx::query("DELETE FROM login_failures WHERE at <= $1")
                .bind(before)
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    /// The newest (at most `limit`) attempts from `client` after `after`, other than `except`.
    pub async fn login_failures_of_client(
        &self,
        client: &str,
        after: i64,
        except: &str,
        limit: i64,
    ) -> Result<Vec<Failure>, Error> {
        on_pool!(self, pool => {
            let rows = sqlx::query(
                "SELECT at, client FROM login_failures \
                 WHERE client = $1 AND at > $2 AND id <> $3 ORDER BY at DESC LIMIT $4",
            )
            .bind(client)
            .bind(after)
            .bind(except)
            .bind(limit)
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| Ok(Failure { at: r.try_get("at")?, client: r.try_get("client")? }))
                .collect()
        })
    }

    /// The newest (at most `limit`) attempts on `username`'s account after `after` (not cleared
    /// by a later success), other than `except`.
    pub async fn login_failures_of_account(
        &self,
        username: &str,
        after: i64,
        except: &str,
        limit: i64,
    ) -> Result<Vec<Failure>, Error> {
        on_pool!(self, pool => {
            let rows = sqlx::query(
                "SELECT at, client FROM login_failures \
                 WHERE username = $1 AND for_account = $2 AND at > $3 AND id <> $4 \
                 ORDER BY at DESC LIMIT $5",
            )
            .bind(username)
            .bind(true)
            .bind(after)
            .bind(except)
            .bind(limit)
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| Ok(Failure { at: r.try_get("at")?, client: r.try_get("client")? }))
                .collect()
        })
    }

    /// Take back one attempt: by its id, or the newest of (`username`, `client`).
    pub async fn delete_login_failure(
        &self,
        id: Option<&str>,
        username: &str,
        client: &str,
    ) -> Result<(), Error> {
        on_pool!(self, pool => {
            let q = match id {
                Some(id) => sqlx::query("DELETE FROM login_failures WHERE id = $1").bind(id),
                None => sqlx::query(
                    "DELETE FROM login_failures WHERE id IN (SELECT id FROM login_failures \
                     WHERE username = $1 AND client = $2 ORDER BY at DESC LIMIT 1)",
                )
                .bind(username)
                .bind(client),
            };
            q.execute(pool).await?;
            Ok(())
        })
    }

    /// A successful sign-in: the account's count starts over (its rows still count for their
    /// addresses).
    pub async fn clear_account_failures(&self, username: &str) -> Result<(), Error> {
        on_pool!(self, pool => {
            sqlx::query("UPDATE login_failures SET for_account = $1 WHERE username = $2")
                .bind(false)
                .bind(username)
                .execute(pool)
                .await?;
            Ok(())
        })
    }
}
